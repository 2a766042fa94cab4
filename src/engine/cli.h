/* cli: the container verbs' front-end helpers: docker's flags parsed into
 * the operations' option structs, and what several verbs print. */
#ifndef GLASS_ENGINE_CLI_H
#define GLASS_ENGINE_CLI_H

#include "ctr.h"

#include <stddef.h>

struct cli_list {
	char **v; /* NULL-terminated, or NULL */
	size_t n;
};

/* docker run / create, as typed. */
struct cli_run {
	struct ctr_create_opts c;
	bool detach;
	const char *entrypoint, *memory, *cpus, *pids, *stop_timeout, *log_driver;
	struct cli_list env, env_files, labels, cap_add, cap_drop, security_opt, log_opts;
	struct cli_list volumes_from;
	struct cli_list env_read; /* what --env-file gave, owned */
	char *init;               /* glass-init's path with --init, owned */
	struct engine_netvol nv;  /* --network, -p, -v, --mount, ... (r->c.netvol) */
};

/* Parses run's flags up to IMAGE [CMD...] and checks their values, filling
 * r->c.  0; or -1 with the verb's exit status in *status (125 after a
 * message, 0 after --help). */
int cli_parse_run(int argc, char **argv, struct cli_run *r, const char *use, const char *verb,
                  int *status);
/* Checks the values and fills r->c from them; 0 or -1 with *err. */
int cli_run_check(struct cli_run *r, struct glass_err **err);
void cli_run_release(struct cli_run *r);

/* A terminal session with a running container (cli-attach.c). */
struct cli_session {
	const char *id;
	bool tty; /* the container has a pty: raw bytes, resize */
	bool in;  /* copy stdin to the container (it was started with -i) */
	/* stdin's attach was made with the start (ctr_start_held), in in_fd
	 * (-1: none), the session's to close: made after the start, it would
	 * find a container that ended at once and fail */
	bool in_attached;
	int in_fd;
	bool from_stream;   /* output from the attach stream (attach), else the log */
	bool proxy_signals; /* SIGINT, SIGTERM ... go to the container */
	int64_t since_ns;   /* from the log: lines written since then */
};
/* Runs the session until the container exits (0, its status in *code) or
 * the user detaches (1); -1 with *err. */
int cli_session_run(const struct cli_session *s, int *code, struct glass_err **err);

/* Catches SIGINT, SIGTERM, SIGHUP and SIGQUIT from before a container
 * starts, so that cli_session_run() forwards them to it instead of the
 * engine dying of them. */
void cli_catch_signals(void);

/* The exit status for an operation's error: prints it, returns 125 (the
 * engine's own failure, docker's convention), or 1 for `nonfatal`
 * verbs as docker prints "Error response from daemon" and exits 1. */
int cli_fail(struct glass_err **err, int status);

/* Prints a Go-like template over a JSON object ({{.A.B}}, {{json .A}}). */
void cli_print_template(struct json_object *o, const char *tmpl);

#endif
