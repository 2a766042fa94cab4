/* err: the error chain of libglass.
 *
 * Every failing library function returns -1 (or NULL) and fills a
 * `struct glass_err` that says what failed (the operation with its
 * arguments), why (errno), where (a stack of context frames added by the
 * callers on the way out, innermost first), which config.json field asked
 * for it, and, where the usual cause is known, a hint on how to fix it.
 * The CLI prints it as one line ("create web: rootfs: pivot_root(...):
 * Invalid argument") or as JSON; the lab shows the frames.
 *
 * Ownership: the error belongs to the caller that passed `struct glass_err **`;
 * it is freed with glass_err_free().  Functions that fail set *err exactly
 * once; callers add context with glass_err_ctx() and pass it up.
 *
 * The rules every libglass function follows:
 *  - Failure is -1 (or NULL) with *err set; success leaves *err untouched.
 *    `err` may be NULL: the caller does not want the reason, and every
 *    function here then drops it (never dereference `err` unchecked).
 *  - A callee's error that the caller may or may not pass on lives in a
 *    local `struct glass_err *e = NULL` and goes up with glass_err_move(),
 *    never with a hand-written `*err = e`.
 *  - Owned values are declared with the cleanup of their type, next to the
 *    type's header (cleanup_free, cleanup_close, cleanup_dir and
 *    cleanup_pid in util.h, cleanup_spec and cleanup_json in spec.h,
 *    cleanup_cgroup in cgroup.h), and leave a scope by steal_pointer() or
 *    steal_fd().  A function that owns several such values for longer
 *    than one scope keeps them in one context struct with one release
 *    function (container-create.c's `struct create_ctx`).
 *  - Cleanups and glass_err_move() keep errno intact, so a caller may
 *    still look at errno after the error went up.
 */
#ifndef GLASS_ERR_H
#define GLASS_ERR_H

#include <stddef.h>

#define GLASS_ERR_MAX_FRAMES 16

struct glass_err {
	int errnum;  /* errno of the failed call, 0 when not a syscall failure */
	char *op;    /* the operation, e.g. `mount("proc", "/r/proc", "proc", 0x0, NULL)` */
	char *field; /* the config.json path that asked for it, or NULL */
	char *hint;  /* the usual cause and fix, or NULL */
	size_t nframes;
	char *frames[GLASS_ERR_MAX_FRAMES]; /* context, innermost first */
};

/* Records a new error in *err (which must be NULL or an unset pointer the
 * caller owns).  `errnum` is an errno value or 0.  Always returns -1 so a
 * caller can write `return glass_err_new(err, EINVAL, "...")`.
 * A NULL `err` is allowed: the error is then dropped. */
int glass_err_new(struct glass_err **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same as glass_err_new(), and names the config.json field (JSON path). */
int glass_err_field(struct glass_err **err, int errnum, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Adds a context frame ("rootfs", "create web") on the way out.  Returns -1.
 * A NULL or empty *err is left untouched. */
int glass_err_ctx(struct glass_err **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Attaches (or replaces) the hint.  Returns -1. */
int glass_err_hint(struct glass_err **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets the field when none is set yet.  Returns -1. */
int glass_err_set_field(struct glass_err **err, const char *field);

/* Hands the error in *src up to `dst`: *dst (freed first when set) takes
 * it, or, when `dst` is NULL, it is freed.  *src is NULL afterwards; an
 * empty src leaves *dst as it was; errno is kept.  Returns -1, so a failing path can `return
 * glass_err_move(err, &e)`. */
int glass_err_move(struct glass_err **dst, struct glass_err **src);

/* clang's static analyzer (tests/static.sh, STATIC_TIDY=full) reads one
 * file at a time: it cannot see that the functions above return -1
 * whatever happens, and follows paths where `return glass_err_new(...)`
 * handed back a success.  For it alone, the contract as code. */
#if defined(__clang_analyzer__) && !defined(GLASS_ERR_IMPL)
#define glass_err_new(...)       (glass_err_new(__VA_ARGS__), -1)
#define glass_err_field(...)     (glass_err_field(__VA_ARGS__), -1)
#define glass_err_ctx(...)       (glass_err_ctx(__VA_ARGS__), -1)
#define glass_err_hint(...)      (glass_err_hint(__VA_ARGS__), -1)
#define glass_err_set_field(...) (glass_err_set_field(__VA_ARGS__), -1)
#define glass_err_move(...)      (glass_err_move(__VA_ARGS__), -1)
#endif

/* Frees the error and sets *err to NULL.  Safe on NULL and on *err == NULL. */
void glass_err_free(struct glass_err **err);

/* One readable line: "ctx-outer: ctx-inner: op: strerror (field: F) (hint)".
 * Returns a malloc'd string the caller frees. */
char *glass_err_format(const struct glass_err *err);

/* The error as one JSON object (no newline), with keys
 * msg, errno, errname, op, field, hint, frames.  Malloc'd. */
char *glass_err_to_json(const struct glass_err *err);

/* Serialises an error into `buf` (at most `size` bytes) so the container's
 * child process can send it to the parent over the sync socket, and back.
 * pack returns the number of bytes used; unpack returns a new error. */
size_t glass_err_pack(const struct glass_err *err, char *buf, size_t size);
struct glass_err *glass_err_unpack(const char *buf, size_t len);

/* Writes the formatted error to stderr prefixed by `prog: `, and, when
 * `log_fd` >= 0, one JSON line {"level":"error","msg":...,"time":...} to it
 * (runc's --log format).  For main() only. */
void glass_err_report(const char *prog, const struct glass_err *err, int log_fd, int json);

#endif
