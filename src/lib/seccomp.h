/* seccomp: linux.seccomp compiled with libseccomp into a BPF program
 * before the container's child runs, and loaded by the child as the last
 * step before execve (see process.h for where).
 */
#ifndef GLASS_SECCOMP_H
#define GLASS_SECCOMP_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct glass_seccomp_prog; /* opaque: the compiled filter and its flags */

/* Prepares, in the parent before clone, the security layers the child
 * loads with glass_seccomp_load(): compiles spec->linux_.seccomp (unknown
 * syscall names are skipped; unknown actions, operators, flags or
 * architectures are errors naming the field) and validates the LSM labels
 * of `proc` (apparmorProfile / selinuxLabel; NULL: spec->process, and then
 * linux.mountLabel too) against the host with glass_lsm_check() (lsm.h): a
 * label the host cannot apply is an error unless the annotation
 * "org.glass.lsm.ignore" is "true".  exec passes its own process, so a
 * label is applied or refused exactly as create does.  *out is NULL when
 * there is neither a filter nor a label to load.  `root` (the runtime's
 * state root, or NULL) holds the cache of compiled filters
 * (seccomp-cache.c): a profile compiled before is not compiled again. */
int glass_seccomp_prepare(const struct glass_spec *spec, const struct glass_process *proc,
                          const char *root, struct glass_seccomp_prog **out,
                          struct glass_err **err);

/* In the container's child: writes the LSM exec labels (if any and the
 * host has the LSM), then installs the filter (with its flags) through
 * seccomp(2), traced as phase "security" with the program size.  With a
 * SCMP_ACT_NOTIFY rule, the kernel returns a notify fd which is sent to
 * the parent over the prog's own socketpair (glass_seccomp_keep_fd()); the
 * parent then calls glass_seccomp_notify_forward().  Safe with prog == NULL. */
int glass_seccomp_load(struct glass_seccomp_prog *prog, struct glass_err **err);
/* The two halves of glass_seccomp_load(), for a filter loaded last: the
 * LSM labels (while the runtime may still write /proc/self/attr), and the
 * filter alone. */
int glass_seccomp_load_labels(struct glass_seccomp_prog *prog, struct glass_err **err);
int glass_seccomp_load_filter(struct glass_seccomp_prog *prog, struct glass_err **err);
/* True when the filter can be the process's very last step before
 * execve: with no_new_privs (`nnp`, so no capability is needed for the
 * load) and no SCMP_ACT_NOTIFY rule (whose fd the runtime must send on).
 * Then no system call of the runtime runs under the filter, and a profile
 * that allows only what the container's program needs works (runc and
 * crun load it last for the same reason). */
bool glass_seccomp_loads_last(const struct glass_seccomp_prog *prog, bool nnp);
/* When *err is the sync socket's "exited during setup" (the child said
 * nothing: its report was denied) and the filter was loaded early, a hint
 * saying so.  Returns -1. */
int glass_seccomp_explain_silence(const struct glass_seccomp_prog *prog, bool nnp,
                                  struct glass_err **err);
/* A memfd (close-on-exec) holding the filter for the exec stub: u64
 * flags, u64 instruction count, then the struct sock_filter array.
 * Returns the fd, or -1 with *err. */
int glass_seccomp_filter_fd(const struct glass_seccomp_prog *prog, struct glass_err **err);

void glass_seccomp_free(struct glass_seccomp_prog *prog);

/* Number of BPF instructions of the compiled filter (0 for NULL). */
size_t glass_seccomp_size(const struct glass_seccomp_prog *prog);

/* The child's end of the notify handoff socket, which must survive the
 * child's close-fds step until glass_seccomp_load() ran; -1 when the filter
 * has no SCMP_ACT_NOTIFY rule (or prog is NULL). */
int glass_seccomp_keep_fd(const struct glass_seccomp_prog *prog);

/* True when the filter has a SCMP_ACT_NOTIFY rule. */
bool glass_seccomp_wants_listener(const struct glass_seccomp_prog *prog);

/* Parent side, after the child loaded the filter (e.g. once it reported
 * "created"): receives the notify fd from the child and, when
 * listenerPath is set, connects to that AF_UNIX SOCK_STREAM socket and
 * sends the container process state ({"ociVersion","fds":["seccompFd"],
 * "pid","metadata","state":{...,"status":"creating"}}) with the fd in
 * SCM_RIGHTS, then closes the connection.  `pid` is the init's host pid.
 * A no-op returning 0 when the filter has no notify rule. */
int glass_seccomp_notify_forward(struct glass_seccomp_prog *prog, const char *id,
                                 const char *bundle, pid_t pid, const struct glass_spec *spec,
                                 struct glass_err **err);

/* The container process state sent to the agent (malloc'd JSON). */
char *glass_seccomp_state_json(const char *id, const char *bundle, pid_t pid, const char *metadata,
                               const struct glass_spec *spec);

/* The default profile (linux.seccomp object, Docker's effect: an
 * allow-list with capability-aware extras) for a container whose bounding
 * set is `caps` (n entries of CAP_* numbers; NULL = Docker's default set).
 * Returns malloc'd pretty JSON. */
char *glass_seccomp_default_profile_json(void);
char *glass_seccomp_default_profile_json_for_caps(const int *caps, size_t ncaps);

/* `config_json` (a whole config.json) with linux.seccomp set to the
 * default profile for its process.capabilities.bounding: what
 * `glass-runtime spec --seccomp-default` prints.  Malloc'd, or NULL with
 * *err when the input is not a JSON object. */
char *glass_seccomp_with_default_profile(const char *config_json, struct glass_err **err);

/* The same on a parsed config.json object `doc`, in place (a bundle
 * writer that built the object has no text to parse again); the text
 * above is `doc` printed with these flags. */
void glass_seccomp_add_default_profile(struct json_object *doc);
#define GLASS_SECCOMP_CONFIG_JSON_FLAGS                                                            \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Docker's default capability set (14 CAP_* numbers), n in *n. */
const int *glass_seccomp_default_caps(size_t *n);

#endif
