/* process-internal: helpers shared by process.c, caps.c, rlimit.c and
 * sched.c (not installed). */
#ifndef GLASS_PROCESS_INTERNAL_H
#define GLASS_PROCESS_INTERNAL_H

#include "process.h"

#include <stddef.h>
#include <sys/types.h>

/* process.rlimits and process.oomScoreAdj. */
int glass_process_rlimits(const struct glass_process *p, struct glass_err **err);
int glass_process_oom_score(const struct glass_process *p, struct glass_err **err);
/* process.scheduler and process.ioPriority. */
int glass_process_scheduler(const struct glass_process *p, struct glass_err **err);
int glass_process_io_priority(const struct glass_process *p, struct glass_err **err);
/* Sets the affinity of `pid` (0: this process) to the CPU list `list`. */
int glass_process_affinity(pid_t pid, const char *list, const char *field, struct glass_err **err);

/* Parses a list like "0-3,7" into the bitmask `mask` of `nbits` bits.
 * Returns the highest bit set (or -1 for an empty list), -2 on a bad list
 * (with *err naming `field`). */
int glass_parse_id_list(const char *list, unsigned long *mask, size_t nbits, const char *field,
                        struct glass_err **err);

#endif
