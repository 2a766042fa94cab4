/* spec-internal: helpers shared by the spec parser files (not installed).
 *
 * A JSON path is a chain of `struct jp` frames on the C stack, one per
 * object key or array index, so the parser builds no strings on the
 * success path; the text ("process.rlimits[2].type") is made only when an
 * error names it.
 *
 * Every getter returns -1 on error (with *err set to "PATH: what is
 * wrong" and err->field = PATH), 0 when the key is absent or JSON null,
 * and 1 when a value was stored. */
#ifndef GLASS_SPEC_INTERNAL_H
#define GLASS_SPEC_INTERNAL_H

#include "spec.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct jp {
	const struct jp *up;
	const char *key; /* NULL: an array element */
	size_t idx;
};
#define JP_KEY(parent, k)                                                                          \
	{                                                                                          \
		(parent), (k), 0                                                                   \
	}
#define JP_IDX(parent, i)                                                                          \
	{                                                                                          \
		(parent), NULL, (i)                                                                \
	}

/* Writes the dotted path of `p` into buf ("" for the document root). */
void spec_path_str(const struct jp *p, char *buf, size_t size);
/* Records "PATH: message" with err->field = PATH and errnum 0 (a bad value,
 * not a failed call).  Returns -1. */
int spec_fail(struct glass_err **err, const struct jp *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/* The analyzer does not follow a variadic call: tell it the -1 (err.h).
 * spec-json.c defines the function as (spec_fail), out of the macro's way. */
#define spec_fail(...) (spec_fail(__VA_ARGS__), -1)
#endif
/* The JSON type name used in messages: string, integer, number, ... */
const char *spec_type_name(struct json_object *o);
/* Checks the type of a value; "expected T, got U" otherwise. */
int spec_expect(struct json_object *v, json_type t, const struct jp *p, struct glass_err **err);

/* Returns the member `key` of `obj`, or NULL when absent or null. */
struct json_object *spec_member(struct json_object *obj, const char *key);
/* "PATH.key: required field missing" when `key` is absent. */
int spec_require(struct json_object *obj, const char *key, const struct jp *p,
                 struct glass_err **err);

/* Value-level converters (v is not NULL). */
int spec_val_str(struct json_object *v, const struct jp *p, char **out, struct glass_err **err);
int spec_val_i64(struct json_object *v, const struct jp *p, int64_t min, int64_t max, int64_t *out,
                 struct glass_err **err);
int spec_val_u64(struct json_object *v, const struct jp *p, uint64_t max, uint64_t *out,
                 struct glass_err **err);

/* Member getters on an object `obj` whose own path is `p`. */
int spec_get_str(struct json_object *obj, const char *key, const struct jp *p, char **out,
                 struct glass_err **err);
int spec_get_bool(struct json_object *obj, const char *key, const struct jp *p, bool *out,
                  struct glass_err **err);
int spec_get_i64(struct json_object *obj, const char *key, const struct jp *p, int64_t min,
                 int64_t max, int64_t *out, struct glass_err **err);
int spec_get_u64(struct json_object *obj, const char *key, const struct jp *p, uint64_t max,
                 uint64_t *out, struct glass_err **err);
int spec_get_u32(struct json_object *obj, const char *key, const struct jp *p, uint32_t *out,
                 struct glass_err **err);
int spec_get_int(struct json_object *obj, const char *key, const struct jp *p, int *out,
                 struct glass_err **err);
int spec_get_obj(struct json_object *obj, const char *key, const struct jp *p,
                 struct json_object **out, struct glass_err **err);
int spec_get_arr(struct json_object *obj, const char *key, const struct jp *p,
                 struct json_object **out, struct glass_err **err);
/* Array of strings -> malloc'd vector of n strings (plus a NULL terminator). */
int spec_get_strv(struct json_object *obj, const char *key, const struct jp *p, char ***out,
                  size_t *n, struct glass_err **err);
/* Object of string values -> key/value array. */
int spec_get_map(struct json_object *obj, const char *key, const struct jp *p,
                 struct glass_kv **out, size_t *n, struct glass_err **err);
/* Array of {containerID, hostID, size} objects. */
int spec_get_idmaps(struct json_object *obj, const char *key, const struct jp *p,
                    struct glass_idmap **out, size_t *n, struct glass_err **err);
/* An absolute path check: "PATH: must be an absolute path, got \"x\"". */
int spec_check_abs(const char *s, const struct jp *p, struct glass_err **err);

void spec_strv_free(char **v, size_t n);
void spec_kv_free(struct glass_kv *kv, size_t n);

/* A name table entry for enums ("SCMP_ACT_KILL" -> value). */
struct spec_name {
	const char *name;
	long value;
};
/* Looks `name` up in a table ending with {NULL, 0}; -1 when unknown. */
int spec_name_lookup(const struct spec_name *t, const char *name, long *value);

extern const struct spec_name spec_seccomp_actions[];
extern const struct spec_name spec_seccomp_archs[];
extern const struct spec_name spec_seccomp_ops[];
extern const struct spec_name spec_seccomp_flags[];
extern const struct spec_name spec_sched_policies[];
extern const struct spec_name spec_sched_flags[];
extern const struct spec_name spec_ioprio_classes[];
extern const struct spec_name spec_mpol_modes[];
extern const struct spec_name spec_mpol_flags[];
extern const struct spec_name spec_mount_options[]; /* features: mountOptions */

/* Parsers of the big sub-objects (each fills a zeroed struct). */
int spec_parse_process(struct json_object *o, const struct jp *p, struct glass_process *out,
                       struct glass_err **err);
int spec_parse_linux(struct json_object *o, const struct jp *p, struct glass_linux *out,
                     struct glass_err **err);
int spec_parse_resources(struct json_object *o, const struct jp *p, struct glass_resources *out,
                         struct glass_err **err);
void spec_linux_clear(struct glass_linux *l);
void spec_resources_clear(struct glass_resources *r);

/* How spec and features documents are printed: like runc's, tab-indented
 * with "key": value, and paths without json-c's "\/" escaping. */
#define SPEC_JSON_PRETTY                                                                           \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB | JSON_C_TO_STRING_SPACED |         \
	 JSON_C_TO_STRING_NOSLASHESCAPE)

#endif
