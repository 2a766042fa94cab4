/* event: the engine's event journal, what `docker events` reads.
 *
 * Nothing in glass runs all the time, so an event cannot be handed to a
 * listener: whoever causes one (an engine operation, the shim seeing its
 * container end) appends it to GLASS_ROOT/events.log as one line of
 * Docker's event JSON ({"Type", "Action", "Actor": {"ID", "Attributes"},
 * "time", "timeNano", ...}), and `glass serve` reads and follows that
 * file.  A line is one write(2) on an O_APPEND descriptor, so writers in
 * several processes never interleave; past EVENT_LOG_MAX bytes the file
 * is renamed to events.log.1 (one generation kept, as a bounded history). */
#ifndef GLASS_EVENT_H
#define GLASS_EVENT_H

#define EVENT_LOG_MAX ((off_t)4 * 1024 * 1024)

/* Appends one event to `path` (relative to dirfd).  attrs: key, value
 * pairs ending with NULL (values may be NULL: skipped).  Best effort: an
 * event that cannot be written is dropped (0 or -1/errno). */
int glass_event_write(int dirfd, const char *path, const char *type, const char *action,
                      const char *id, const char *const *attrs);

#endif
