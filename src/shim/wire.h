/* wire: the byte formats glass-shim speaks, as pure functions.
 *
 * Three formats meet at the shim, and each is someone else's:
 *  - Docker's json-file log: one JSON object a line, {"log","stream","time"},
 *    the text escaped as Go's encoding/json does (so docker-py, `docker
 *    logs` and jq read it), the time in RFC 3339 with nanoseconds, UTC;
 *  - Docker's stdcopy framing of a non-tty attach stream: an 8-byte header
 *    (stream 1 stdout / 2 stderr, three zero bytes, big-endian length)
 *    before each payload;
 *  - the control socket's request lines and status.json (docs/shim.md): flat
 *    JSON objects, read and written here without a JSON library, so the
 *    long-lived shim maps no more code than it runs.
 * The shim (daemon) and the client library (engine side) share this file.
 */
#ifndef GLASS_SHIM_WIRE_H
#define GLASS_SHIM_WIRE_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* A container's life as the shim records it (status.json). */
struct glass_shim_status {
	char status[16];      /* created, running, restarting, exited; the client adds "dead" */
	pid_t pid;            /* the container's pid 1 on the host, 0 when none */
	int exit_code;        /* docker's ExitCode: the status, or 128 + signal */
	int signal;           /* the signal that killed pid 1, 0 when it exited */
	bool oom_killed;      /* the kernel's OOM killer acted in the container's cgroup */
	char started_at[40];  /* RFC 3339 with nanoseconds, "" before the first start */
	char finished_at[40]; /* "" while it runs */
	int restart_count;
	char error[512]; /* why the runtime failed (create/start), or why the shim is gone */
};

/* Appends `s` (n bytes) as the inside of a JSON string, escaped as Go's
 * encoding/json does: quotes, backslashes and control characters, the
 * HTML-sensitive < > & as \u003c \u003e \u0026, U+2028/U+2029, and each
 * byte of invalid UTF-8 as U+FFFD. */
void glass_wire_json_escape(struct strbuf *b, const char *s, size_t n);

/* Appends one json-file line (with its '\n') for `n` bytes of `data`
 * written by the container on `stream` ("stdout" or "stderr"). */
void glass_wire_log_line(struct strbuf *b, const char *stream, const char *data, size_t n,
                         const struct timespec *ts);

/* Fills the 8-byte stdcopy header of a frame of `len` payload bytes on
 * `stream` (1 stdout, 2 stderr). */
void glass_wire_stdcopy_header(unsigned char hdr[8], int stream, uint32_t len);

/* Splits a stdcopy header: returns the stream (0 stdin, 1, 2) and sets
 * *len, or -1 when the header is not one (a stream above 2, nonzero pad). */
int glass_wire_stdcopy_parse(const unsigned char hdr[8], uint32_t *len);

/* One request of the control socket: {"op":"attach","stdin":true,...}. */
struct glass_wire_req {
	char op[24];
	bool in, out, err, logs; /* attach: "stdin", "stdout", "stderr", "logs" */
	long long signal;        /* signal */
	long long height, width; /* resize */
	char file[64];           /* exec: the request's file in the state directory */
};

/* Parses a request line (a flat JSON object; unknown keys are skipped).
 * 0, or -1 with a message in `why` (size bytes). */
int glass_wire_req_parse(const char *line, struct glass_wire_req *r, char *why, size_t size);

/* The string member `key` of the flat object in `json` (a runtime's log
 * line: {"level":"error","msg":...}) into out.  0, or -1 when absent. */
int glass_wire_get_string(const char *json, const char *key, char *out, size_t size);

/* A status as one JSON object (no newline), the format of status.json and of
 * the wait and status replies.  Malloc'd. */
char *glass_wire_status_json(const struct glass_shim_status *st);

/* Parses what glass_wire_status_json() wrote (unknown keys skipped).  0 or -1. */
int glass_wire_status_parse(const char *text, struct glass_shim_status *st);

#endif
