/* glass-probe's shared pieces: the JSON writer (one object on stdout, commas
 * tracked per nesting level, strings escaped so the output always parses),
 * file helpers, and the modes that act rather than report (probe-try.c).
 * The contract of the program's argv and output is at the top of probe.c. */
#ifndef GLASS_PROBE_H
#define GLASS_PROBE_H

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

/* The modes of probe-try.c; each prints one JSON object, returns the exit status. */
int probe_mode_try(int argc, char **argv);
int probe_mode_wait_signal(const char *ready);
int probe_mode_ls(const char *path);
int probe_mode_cat(const char *path);
int probe_mode_stress(int argc, char **argv); /* probe-stress.c */
int probe_mode_fs(int argc, char **argv);     /* probe-fs.c */
int probe_mode_attack(int argc, char **argv); /* probe-attack.c */

#endif
