/* execstub: the sealed exec stub (src/stub/exec-stub.c) as a memfd.
 *
 * The container's init, a forked copy of glass-runtime, does not execve
 * the container's program itself: it execs this tiny static program from a
 * sealed memfd, which waits for `start` (when asked to) and then execs the
 * program.  While the kernel runs that
 * last execve, /proc/self/exe names the sealed stub, so a container whose
 * program is /proc/self/exe (or a "#!/proc/self/exe" script) gets the stub,
 * never the runtime's binary on the host (CVE-2019-5736).  See selfexe.h
 * for when this is enough and when glass re-executes from a sealed copy of
 * itself instead.
 */
#ifndef GLASS_EXECSTUB_H
#define GLASS_EXECSTUB_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

/* The argv[0] the stub insists on (anything else: it refuses to run). */
#define GLASS_EXECSTUB_ARGV0 "glass-exec"

/* True when this build carries a stub for the machine's architecture. */
bool glass_execstub_available(void);

/* Size in bytes of the stub program. */
size_t glass_execstub_size(void);

/* Writes the stub into a new memfd (close-on-exec) and seals it against
 * every change (F_SEAL_SEAL|SHRINK|GROW|WRITE), as traced steps.  Returns
 * the fd, or -1 with *err. */
int glass_execstub_open(struct glass_err **err);

/* The stub's argv for running `path` with `args` (NULL-terminated), first
 * waiting for `start` on the exec fifo when fifo_fd >= 0, then loading the
 * seccomp filter of filter_fd (glass_seccomp_filter_fd()) when it is >= 0,
 * reporting failures on the sync socket sync_fd (or on stderr when it is
 * -1): a newly allocated vector whose strings point into args, except the
 * three fd numbers, which live in nums. */
char **glass_execstub_argv(int sync_fd, int fifo_fd, int filter_fd, const char *path,
                           char *const args[], char nums[3][16]);

#endif
