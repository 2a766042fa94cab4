/* selfexe: the defense against CVE-2019-5736 (overwriting the runtime's
 * binary from inside a container through /proc/PID/exe).
 *
 * A process that enters a container (the init made by create/run, the
 * process joined by exec) is an instance of glass-runtime until it calls
 * execve.  A hostile container can open /proc/<that pid>/exe, which names
 * the runtime's binary on the host, and write a trojan into it.  Before
 * glass-runtime does anything for such a verb it copies its own binary
 * into a memfd, seals it against every write (F_SEAL_WRITE, SHRINK, GROW,
 * SEAL) and re-executes itself from that copy: /proc/PID/exe then names a
 * sealed, anonymous file that nobody can modify, and the host binary is
 * never reachable from the container.
 */
#ifndef GLASS_SELFEXE_H
#define GLASS_SELFEXE_H

#include "err.h"

#include <stdbool.h>

/* The environment variable that marks the re-executed instance (its
 * value is the CLOCK_MONOTONIC time in ns when the copy started). */
#define GLASS_SELFEXE_ENV "_GLASS_SEALED_EXE"

/* True when this argv runs a verb that puts a runtime process into a
 * container (create, run, exec); other verbs skip the copy to stay fast. */
bool glass_selfexe_needed(int argc, char *const argv[]);

/* Call first thing in main().  When the verb needs it and the running
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

/* True when /proc/self/exe is a memfd carrying the write seals. */
bool glass_selfexe_is_sealed(void);

/* Nanoseconds the copy + re-exec took in this (sealed) process, or 0
 * when it did not happen.  Valid after glass_selfexe_protect(). */
unsigned long long glass_selfexe_cost_ns(void);

#endif
