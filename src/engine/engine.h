/* engine: the `glass` program's verbs.  Each verb parses its arguments,
 * calls into the store (src/store) or the runtime library, and maps an
 * error to an exit status: 0 ok, 1 failure, 125 usage or engine error
 * before a container ran (docker's convention for `run`). */
#ifndef GLASS_ENGINE_H
#define GLASS_ENGINE_H

#include "err.h"

#include <stdbool.h>

/* Prints the error as "glass: ..." and frees it; returns 1. */
int engine_fail(struct glass_err **err);
/* Prints "glass VERB: MESSAGE" plus a usage line; returns 125. */
int engine_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The directory holding the running `glass` binary (for glass-runtime and
 * the built-in rootfs), from /proc/self/exe.  Static storage. */
const char *engine_exe_dir(void);

/* Tells engine_usage() that `VERB --help` was asked (main.c). */
void engine_set_help_asked(bool asked);

int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_container_prune(int argc, char **argv);
int cmd_container_cleanup(int argc, char **argv);
int cmd_cp(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_unpack_layer(int argc, char **argv);
int cmd_image_ls(int argc, char **argv);
int cmd_image_inspect(int argc, char **argv);
int cmd_image_rm(int argc, char **argv);
int cmd_image_prune(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_volume(int argc, char **argv);
int cmd_system(int argc, char **argv);

#endif
