/* glass-probe's shared pieces: the JSON writer (one object on stdout, commas
 * tracked per nesting level, strings escaped so the output always parses),
 * file helpers, and the modes that act rather than report (probe-try.c).
 * The contract of the program's argv and output is at the top of probe.c. */
#ifndef GLASS_PROBE_H
#define GLASS_PROBE_H

#include <stddef.h>

/* One JSON value; KEY is NULL inside an array. */
void j_key(const char *key);
void j_reset(void); /* the next value starts a new document */
void j_open(const char *key, char open);
void j_close(char close);
void j_raw(const char *key, const char *literal);
void j_str(const char *key, const char *v); /* NULL prints null */
void j_int(const char *key, long long v);
#define j_bool(key, v) j_raw(key, (v) ? "true" : "false")
#define j_null(key)    j_raw(key, "null")

/* The whole file as a string (caller frees), or NULL with errno set. */
char *slurp(const char *path);
/* "EPERM" for EPERM; NULL for 0. */
const char *errname(int e);
/* Prints "glass-probe: MESSAGE" on stderr and exits 2. */
void usage_exit(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Runs fn(arg, out) in a child of its own, so a namespace it enters or a
 * privilege it gains never reaches the probe, and returns with what the
 * child wrote to `out` (size bytes; shared with the child, so a child the
 * kernel kills halfway leaves what it had written).  -1 with errno when no
 * child could be made. */
int probe_in_child(void (*fn)(void *arg, void *out), void *arg, void *out, size_t size);
/* bpf(BPF_MAP_CREATE) of the smallest array map: what the kernel returned
 * (the map's fd, closed again, or -1 with errno). */
long probe_bpf_map_create(void);

/* The modes of probe-try.c; each prints one JSON object, returns the exit status. */
int probe_mode_try(int argc, char **argv);
int probe_mode_wait_signal(const char *ready);
int probe_mode_ls(const char *path);
int probe_mode_cat(const char *path);
int probe_mode_stress(int argc, char **argv); /* probe-stress.c */
int probe_mode_fs(int argc, char **argv);     /* probe-fs.c */
int probe_mode_attack(int argc, char **argv); /* probe-attack.c */

#endif
