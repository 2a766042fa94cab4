/* glass-runtime: the shared context of the verbs and the verb table.
 *
 * main.c parses the global flags (runc's, before the verb) into a
 * `struct runtime_ctx`, then hands the verb its own argv (argv[0] = the
 * verb's name).  Each verb parses its flags with getopt_long, makes one
 * library call and maps the error to an exit status: 0 on success, 1 on
 * error (runc's convention), or the container process's exit code for
 * `run` and `exec` in the foreground.
 */
#ifndef GLASS_RUNTIME_H
#define GLASS_RUNTIME_H

#include "err.h"

#include <stdbool.h>

struct runtime_ctx {
	const char *prog; /* "glass-runtime" */
	const char *root; /* --root */
	int log_fd;       /* --log, or -1 */
	bool log_json;    /* --log-format json */
	bool debug;       /* --debug */
	bool systemd_cgroup;
};

typedef int (*runtime_verb_fn)(struct runtime_ctx *ctx, int argc, char **argv);

struct runtime_verb {
	const char *name;
	runtime_verb_fn fn;
	const char *summary;
};

/* Reports *err (stderr and, with --log, a JSON/text line), frees it,
 * returns 1. */
int runtime_fail(struct runtime_ctx *ctx, struct glass_err **err);
/* A usage error for `verb`: message + "see --help", returns 1. */
int runtime_usage(struct runtime_ctx *ctx, const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses `VERB [-h] ID` for the verbs that take only an id: 0 with *id,
 * 1 when --help printed "usage: glass-runtime VERB ID" and `what` (exit
 * 0), -1 when a usage error was reported (exit 1). */
int runtime_one_id(struct runtime_ctx *ctx, const char *verb, const char *what, int argc,
                   char **argv, const char **id);
/* After the verb's flags (getopt's optind): the one remaining argument,
 * the container ID, into *id (0), or a usage error reported (-1). */
int runtime_last_id(struct runtime_ctx *ctx, const char *verb, int argc, char **argv,
                    const char **id);
/* A debug line to the --log file when --debug is on. */
void runtime_debug(struct runtime_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parses an unsigned int option value; -1 when invalid. */
int runtime_parse_uint(const char *s);

/* Verbs (one file each). */
int cmd_create(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_start(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_run(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_exec(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_state(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_kill(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_delete(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_list(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_spec(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_features(struct runtime_ctx *ctx, int argc, char **argv);
/* cgroup verbs (ps.c pause.c resume.c update.c events.c) */
int cmd_ps(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_pause(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_resume(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_update(struct runtime_ctx *ctx, int argc, char **argv);
int cmd_events(struct runtime_ctx *ctx, int argc, char **argv);
/* security verbs (audit.c) */
int cmd_audit(struct runtime_ctx *ctx, int argc, char **argv);

/* Shared by create and run: the flags of `create`. */
struct glass_create_opts;
/* Parses create's flags (and run's -d/--keep when `run`).  Returns 0 and
 * sets *id, -1 after printing a usage error, 1 after printing help. */
int runtime_parse_create(struct runtime_ctx *ctx, const char *verb, bool run, int argc, char **argv,
                         struct glass_create_opts *opts, const char **bundle, const char **id);

#endif
