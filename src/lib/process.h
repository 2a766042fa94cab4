/* process: the identity and limits of the container's process, applied by
 * the container's child after the root switch and before execve, in this
 * order (the orchestrator in container.c calls them):
 *   glass_process_prepare      rlimits, oomScoreAdj, scheduler, ioPriority,
 *                              personality, memoryPolicy, execCPUAffinity.initial, umask
 *   [seccomp load here when noNewPrivileges is false: it needs CAP_SYS_ADMIN]
 *   glass_process_set_identity capability bounding set, keep-caps, groups,
 *                              gid, uid, then effective/permitted/inheritable/ambient
 *   glass_process_set_nnp      no_new_privs when asked
 *   [seccomp load here when noNewPrivileges is true: the last step]
 *   glass_process_chdir        process.cwd, refusing a cwd that escapes the root
 *   execve (container.c)
 */
#ifndef GLASS_PROCESS_H
#define GLASS_PROCESS_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>

int glass_process_prepare(const struct glass_process *p, struct glass_err **err);
int glass_process_set_identity(const struct glass_process *p, struct glass_err **err);
int glass_process_set_nnp(const struct glass_process *p, struct glass_err **err);
int glass_process_chdir(const struct glass_process *p, struct glass_err **err);

/* Resolves args[0] through PATH from process.env (inside the new root),
 * as runc does.  Returns a malloc'd path or NULL with *err. */
char *glass_process_find_exec(const struct glass_process *p, struct glass_err **err);

/* Closes every fd >= first_fd except those listed in keep (n entries). */
int glass_process_close_fds(int first_fd, const int *keep, int nkeep, struct glass_err **err);

#endif
