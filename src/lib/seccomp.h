/* seccomp: linux.seccomp compiled with libseccomp into a BPF program
 * before the container's child runs, and loaded by the child as the last
 * step before execve (see process.h for where).
 */
#ifndef GLASS_SECCOMP_H
#define GLASS_SECCOMP_H

#include "err.h"
#include "spec.h"

struct glass_seccomp_prog; /* opaque: the compiled filter and its flags */

/* Compiles spec->linux_.seccomp.  *out is NULL when the config has none.
 * Unknown syscall names are skipped; unknown actions, operators or
 * architectures are errors naming the field. */
int glass_seccomp_prepare(const struct glass_spec *spec, struct glass_seccomp_prog **out,
                          struct glass_err **err);

/* In the container's child: installs the filter (with its flags).  With a
 * SCMP_ACT_NOTIFY rule, hands the listener fd and the container state to
 * listenerPath as the spec describes.  Safe to call with prog == NULL. */
int glass_seccomp_load(struct glass_seccomp_prog *prog, struct glass_err **err);

void glass_seccomp_free(struct glass_seccomp_prog *prog);

#endif
