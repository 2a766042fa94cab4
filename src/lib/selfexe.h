/* selfexe: the defense against CVE-2019-5736 (overwriting the runtime's
 * binary from inside a container through /proc/PID/exe).
 *
 * A process that enters a container (the init made by create/run, the
 * process joined by exec) is an instance of glass-runtime until it calls
 * execve.  A hostile container can open /proc/<that pid>/exe, which names
 * the runtime's binary on the host, and write a trojan into it; or it can
 * make that process execve /proc/self/exe.  glass closes both ways in one
 * of two manners:
 *
 *  - the sealed copy (exec, and containers the second manner cannot
 *    cover): glass-runtime copies its own binary into a memfd, seals it
 *    against every write (F_SEAL_WRITE, SHRINK, GROW, SEAL) and
 *    re-executes itself from that copy: /proc/PID/exe then names a sealed,
 *    anonymous file that nobody can modify.  It costs a copy of the
 *    runtime and a second start of it (about 1 ms).
 *  - the exec stub (create/run of a container with a new PID namespace,
 *    started by root, with no LSM label to apply and a seccomp profile
 *    that lets execveat and fcntl through): the init is non-dumpable while
 *    it sets up (alone in its new PID namespace), then execs a few-kB
 *    sealed stub (execstub.h) that waits for start and execs the program:
 *    a created container's init is the stub, and the kernel never runs
 *    the host binary as the container's process.  runc's runc-dmz worked
 *    the same way.  Where the init must wait for start in the runtime
 *    (startContainer hooks, a traced run), a process that may hold
 *    CAP_SYS_PTRACE on the host takes the sealed copy instead, since that
 *    capability opens even a non-dumpable process's /proc/PID/exe.
 */
#ifndef GLASS_SELFEXE_H
#define GLASS_SELFEXE_H

#include "err.h"
#include "ns.h"
#include "spec.h"

#include <stdbool.h>
#include <sys/types.h>

/* The environment variable that marks the re-executed instance (its
 * value is the CLOCK_MONOTONIC time in ns when the copy started). */
#define GLASS_SELFEXE_ENV "_GLASS_SEALED_EXE"

/* True when this argv runs a verb whose process joins a running container
 * (exec): its container may hold anything, so it always takes the sealed
 * copy.  create and run choose later, with the config in hand
 * (glass_selfexe_guard); other verbs never enter a container. */
bool glass_selfexe_needed(int argc, char *const argv[]);

/* Call first thing in main() (it also keeps argv for a later
 * glass_selfexe_guard()).  When the verb needs it and the running
 * binary is not a sealed memfd yet, copies /proc/self/exe into a sealed
 * memfd and fexecve()s it with the same argv and environment: on success
 * it does not return.  Returns 0 when nothing had to be done (or this is
 * the sealed instance: the marker is then removed from the environment),
 * -1 with *err when the copy or the re-exec failed. */
int glass_selfexe_protect(int argc, char *argv[], struct glass_err **err);

/* The same, unconditionally: for programs that enter containers
 * in-process through libglass (the lab's worker, the engine) and have no
 * verb to look at.  Call first thing in main(). */
int glass_selfexe_seal(char *argv[], struct glass_err **err);

/* Why the exec stub alone would not keep this container away from the
 * host binary (the reason, for the trace), or NULL when it does: the
 * decision glass_selfexe_guard() takes when not already sealed. */
const char *glass_selfexe_stub_not_enough(const struct glass_spec *spec,
                                          const struct glass_ns_plan *plan, bool attached);

/* True when the init of a container on the stub waits for `start` inside
 * the stub (a created container's init is then the sealed stub), false
 * when it waits in the runtime: to run startContainer hooks, or to narrate
 * the start of an attached, traced run. */
bool glass_selfexe_init_waits_in_stub(const struct glass_spec *spec, bool attached, bool tracing);

/* For create/run, once the config is parsed and the namespaces planned:
 * picks the manner for this container.  Already sealed: *stub_fd = -1,
 * 0.  The stub is enough: opens it (sealed memfd, close-on-exec) into
 * *stub_fd, and the child must go non-dumpable and exec through it.
 * Otherwise re-executes from the sealed copy with the argv that
 * glass_selfexe_protect() kept (the trace says why): does not return on
 * success.  -1 with *err on failure. */
int glass_selfexe_guard(const struct glass_spec *spec, const struct glass_ns_plan *plan,
                        bool attached, int *stub_fd, struct glass_err **err);

/* For exec into a container: a process that could hold CAP_SYS_PTRACE in
 * the host's user namespace must not join while the init is still a
 * non-dumpable runtime instance running the host binary (a created
 * container whose init took the stub): CAP_SYS_PTRACE opens its
 * /proc/PID/exe anyway.  0 when joining is safe, -1 with *err (naming the
 * capability) when not. */
int glass_selfexe_check_join(pid_t init, const struct glass_process *p,
                             const struct glass_spec *spec, struct glass_err **err);

/* A new memfd for an executable (close-on-exec, sealable, MFD_EXEC where
 * the kernel knows it), as a traced step: the fd or -1 with *err. */
int glass_selfexe_memfd(const char *name, struct glass_err **err);

/* Seals a memfd against every change (F_SEAL_SEAL|SHRINK|GROW|WRITE), as a
 * traced step: 0 or -1 with *err. */
int glass_selfexe_memfd_seal(int fd, const char *name, struct glass_err **err);

/* True when /proc/self/exe is a memfd carrying the write seals. */
bool glass_selfexe_is_sealed(void);

/* Nanoseconds the copy + re-exec took in this (sealed) process, or 0
 * when it did not happen.  Valid after glass_selfexe_protect(). */
unsigned long long glass_selfexe_cost_ns(void);

#endif
