/* process: the identity and limits of the container's process, applied by
 * the container's child after the root switch and before execve, in this
 * order (the orchestrator in container.c calls them):
 *   glass_process_prepare      rlimits, oomScoreAdj, scheduler, ioPriority,
 *                              execCPUAffinity.initial, umask
 *   glass_process_prepare_linux  linux.personality, linux.memoryPolicy (create and exec)
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
#include <sys/types.h>

/* Every signal at its default disposition and none blocked, whatever the
 * runtime inherited: an ignored signal (conmon ignores SIGPIPE) and the
 * blocked mask survive execve, so the container's process would inherit
 * them.  First thing in each child after clone(). */
void glass_process_reset_signals(void);

/* Applies the limits and scheduling of `p` to the calling process (see the
 * order above).  0, or -1 with *err naming the field (process.rlimits[1]). */
int glass_process_prepare(const struct glass_process *p, struct glass_err **err);

/* What execve and setgroups would refuse, checked before anything is
 * made, naming the field: a process.args or process.env string longer
 * than the kernel's MAX_ARG_STRLEN, args and env together over ARG_MAX
 * (unless process.rlimits sets RLIMIT_STACK, which moves it), more
 * additionalGids than NGROUPS_MAX. */
int glass_process_check_limits(const struct glass_process *p, struct glass_err **err);
/* The process-wide settings config.json keeps under linux: personality
 * (execution domain) and memoryPolicy (NUMA).  Call right after
 * glass_process_prepare.  0, or -1 with *err. */
int glass_process_prepare_linux(const struct glass_linux *l, struct glass_err **err);
/* Capability bounding set, keep-caps, additionalGids, gid, uid, then the
 * effective/permitted/inheritable sets and the ambient set. */
int glass_process_set_identity(const struct glass_process *p, struct glass_err **err);
/* no_new_privs (PR_SET_NO_NEW_PRIVS) when p->no_new_privileges. */
int glass_process_set_nnp(const struct glass_process *p, struct glass_err **err);
/* chdir(process.cwd) resolved inside the current root without following a
 * magic link; refuses a cwd that is not a directory, and checks afterwards
 * that the cwd is reachable from the root (CVE-2024-21626). */
int glass_process_chdir(const struct glass_process *p, struct glass_err **err);

/* The parent's side of execCPUAffinity: once the process `pid` is in the
 * container's cgroup, sets its affinity to execCPUAffinity.final (nothing
 * when unset).  0, or -1 with *err. */
int glass_process_apply_final_affinity(pid_t pid, const struct glass_process *p,
                                       struct glass_err **err);

/* process.env with HOME added when it has none (or an empty one), as runc
 * does: the home of process.user.uid in the container's /etc/passwd, else
 * "/".  Call after the root switch.  Returns NULL when HOME is set, else
 * a new NULL-terminated vector (the HOME string and the vector are
 * allocated, the other strings are p's). */
char **glass_process_env_home(const struct glass_process *p);

/* Resolves args[0] through PATH from process.env (inside the new root),
 * as runc does.  Returns a malloc'd path or NULL with *err. */
char *glass_process_find_exec(const struct glass_process *p, struct glass_err **err);

/* Makes every fd >= first_fd except those listed in keep (n entries)
 * close-on-exec (close_range(CLOSE_RANGE_CLOEXEC)): execve closes them,
 * while the child can still use its sync socket until then. */
int glass_process_close_fds(int first_fd, const int *keep, int nkeep, struct glass_err **err);

#endif
