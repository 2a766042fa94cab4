/* trace-internal: what trace.c and trace-text.c share.  The text sink
 * (trace-text.c) renders the events trace.c emits; it keeps a pending fold
 * and the facts the summary is made of, so it must be told every event in
 * order and flushed before anything else writes to its fd (a step prompt). */
#ifndef GLASS_TRACE_INTERNAL_H
#define GLASS_TRACE_INTERNAL_H

#include "trace.h"

/* Renders `ev` on `fd` at the chosen level (folding runs), and notes what
 * it tells for the summary. */
void glass_trace_text_event(int fd, const struct glass_trace_event *ev);
/* Writes the fold still pending, if any. */
void glass_trace_text_flush(int fd);
/* Flushes, then prints the summary when the stream made or entered a
 * container. */
void glass_trace_text_finish(int fd);

#endif
