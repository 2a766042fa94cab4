/* hooks: the OCI lifecycle hooks (config.json "hooks").
 *
 * A hook is a program the runtime runs at a fixed point of the lifecycle,
 * with the container's state JSON on its stdin, its own args (args[0] is
 * its argv[0]) and env, and an optional timeout after which it is killed
 * and the step fails.  prestart, createRuntime and poststart/poststop run
 * in the runtime's namespaces; createContainer and startContainer run in
 * the container's (from the container's child, before pivot_root and
 * just before execve).  A failing poststart or poststop hook is a warning
 * (the spec says so); the others fail the operation.
 */
#ifndef GLASS_HOOKS_H
#define GLASS_HOOKS_H

#include "err.h"
#include "spec.h"

/* The config.json name of a hook kind ("createRuntime"). */
const char *glass_hook_name(enum glass_hook_kind kind);

/* Runs hook i of `kind` with `state_json` on stdin; an error names
 * hooks.KIND[i] and the path. */
int glass_hooks_run_one(const struct glass_spec *spec, enum glass_hook_kind kind, size_t i,
                        const char *state_json, struct glass_err **err);

/* Runs every hook of `kind` in order with `state_json` on stdin.  Returns
 * at the first failure (exit status != 0, killed, timed out) with an
 * error naming hooks.KIND[i] and the path. */
int glass_hooks_run(const struct glass_spec *spec, enum glass_hook_kind kind,
                    const char *state_json, struct glass_err **err);

#endif
