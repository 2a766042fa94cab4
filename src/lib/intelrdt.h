/* intelrdt: linux.intelRdt, Intel Resource Director Technology.
 *
 * The kernel exposes cache allocation (CAT) and memory bandwidth
 * allocation (MBA) through the resctrl filesystem: each directory is a
 * class of service (CLOS) with a `schemata` file of per-cache-id limits
 * and a `tasks` file of member pids; `mon_groups/NAME` are monitoring
 * groups inside a class.  Hosts without the hardware or without resctrl
 * mounted cannot honour the field, and the spec requires an error then.
 */
#ifndef GLASS_INTELRDT_H
#define GLASS_INTELRDT_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>
#include <sys/types.h>

/* Checks, before anything is created, that the host can honour
 * linux.intelRdt (a mounted resctrl filesystem).  0 when the field is
 * absent. */
int glass_intelrdt_check(const struct glass_spec *spec, struct glass_err **err);

/* Places `pid` into the class named by closID (or the container id),
 * creating it and writing the schemata as the spec orders, plus a
 * monitoring group when enableMonitoring.  *created tells delete whether
 * the class directory is the runtime's to remove. */
int glass_intelrdt_apply(const struct glass_spec *spec, const char *id, pid_t pid, bool *created,
                         struct glass_err **err);

/* Removes what apply created (the monitoring group; the class directory
 * only when `created`).  Errors are reported but the walk goes on. */
int glass_intelrdt_remove(const struct glass_spec *spec, const char *id, bool created,
                          struct glass_err **err);

#endif
