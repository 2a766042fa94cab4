/* engine: the `glass` program's verbs.  Each verb parses its arguments,
 * calls into the store (src/store) or the runtime library, and maps an
 * error to an exit status: 0 ok, 1 failure, 125 usage or engine error
 * before a container ran (docker's convention for `run`). */
#ifndef GLASS_ENGINE_H
#define GLASS_ENGINE_H

#include "err.h"

/* Prints the error as "glass: ..." and frees it; returns 1. */
int engine_fail(struct glass_err **err);
/* Prints "glass VERB: MESSAGE" plus a usage line; returns 125. */
int engine_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The directory holding the running `glass` binary (for glass-runtime and
 * the built-in rootfs), from /proc/self/exe.  Static storage. */
const char *engine_exe_dir(void);

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

#endif
