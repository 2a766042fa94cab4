/* spec-json: typed access to json-c values with JSON-path errors.
 *
 * The runtime spec types every field (uint32, int64, string, ...); Go
 * runtimes get the checks from encoding/json, a C runtime has to make
 * them itself.  Each helper here checks one JSON type and range and, on
 * failure, names the exact path of the bad value. */
#include "spec-internal.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static size_t path_put(const struct jp *p, char *buf, size_t size)
{
	size_t len = 0;
	int n;

	if (p == NULL)
		return 0;
	len = path_put(p->up, buf, size);
	if (len >= size)
		return len;
	if (p->key)
		n = snprintf(buf + len, size - len, "%s%s", len ? "." : "", p->key);
	else
		n = snprintf(buf + len, size - len, "[%zu]", p->idx);
	if (n < 0)
		return len;
	return len + (size_t)n;
}

void spec_path_str(const struct jp *p, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	path_put(p, buf, size);
	buf[size - 1] = '\0';
}

/* In parentheses: out of the way of the analyzer's spec_fail() macro. */
int(spec_fail)(struct glass_err **err, const struct jp *p, const char *fmt, ...)
{
	char path[512];
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	spec_path_str(p, path, sizeof(path));
	if (path[0] == '\0')
		return glass_err_new(err, 0, "config: %s", msg);
	return glass_err_field(err, 0, path, "%s: %s", path, msg);
}

const char *spec_type_name(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "number";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	default:
		return "unknown";
	}
}

static const char *want_name(json_type t)
{
	switch (t) {
	case json_type_boolean:
		return "boolean";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	case json_type_double:
		return "number";
	case json_type_null:
		return "null";
	default:
		return "?";
	}
}

int spec_expect(struct json_object *v, json_type t, const struct jp *p, struct glass_err **err)
{
	if (json_object_is_type(v, t))
		return 0;
	return spec_fail(err, p, "expected %s, got %s", want_name(t), spec_type_name(v));
}

struct json_object *spec_member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

int spec_require(struct json_object *obj, const char *key, const struct jp *p,
                 struct glass_err **err)
{
	struct jp c = JP_KEY(p, key);

	if (spec_member(obj, key))
		return 0;
	return spec_fail(err, &c, "required field is missing");
}

int spec_val_str(struct json_object *v, const struct jp *p, char **out, struct glass_err **err)
{
	const char *str;

	if (spec_expect(v, json_type_string, p, err) < 0)
		return -1;
	str = json_object_get_string(v);
	/* "\u0000" is valid JSON but would silently cut a C string (and a path). */
	if (strlen(str) != (size_t)json_object_get_string_len(v))
		return spec_fail(err, p, "must not contain a NUL character");
	free(*out);
	*out = xstrdup(str);
	return 1;
}

/* A JSON integer as a sign and a magnitude: json-c keeps values above
 * INT64_MAX as uint64, so both views are needed to range-check. */
static int int_view(struct json_object *v, const struct jp *p, bool *neg, int64_t *s, uint64_t *u,
                    struct glass_err **err)
{
	if (spec_expect(v, json_type_int, p, err) < 0)
		return -1;
	*s = json_object_get_int64(v);
	*neg = *s < 0;
	*u = *neg ? 0 : json_object_get_uint64(v);
	if (!*neg && *u > (uint64_t)INT64_MAX)
		*s = INT64_MAX;
	return 0;
}

int spec_val_i64(struct json_object *v, const struct jp *p, int64_t min, int64_t max, int64_t *out,
                 struct glass_err **err)
{
	bool neg;
	int64_t s;
	uint64_t u;

	if (int_view(v, p, &neg, &s, &u, err) < 0)
		return -1;
	if ((!neg && u > (uint64_t)INT64_MAX) || s < min || s > max) {
		if (!neg && u > (uint64_t)INT64_MAX)
			return spec_fail(err, p,
			                 "%" PRIu64 " out of range (%" PRId64 "..%" PRId64 ")", u,
			                 min, max);
		return spec_fail(err, p, "%" PRId64 " out of range (%" PRId64 "..%" PRId64 ")", s,
		                 min, max);
	}
	*out = s;
	return 1;
}

int spec_val_u64(struct json_object *v, const struct jp *p, uint64_t max, uint64_t *out,
                 struct glass_err **err)
{
	bool neg;
	int64_t s;
	uint64_t u;

	if (int_view(v, p, &neg, &s, &u, err) < 0)
		return -1;
	if (neg)
		return spec_fail(err, p, "%" PRId64 " out of range (0..%" PRIu64 ")", s, max);
	if (u > max)
		return spec_fail(err, p, "%" PRIu64 " out of range (0..%" PRIu64 ")", u, max);
	*out = u;
	return 1;
}

int spec_get_str(struct json_object *obj, const char *key, const struct jp *p, char **out,
                 struct glass_err **err)
{
	struct json_object *v = spec_member(obj, key);
	struct jp c = JP_KEY(p, key);

	if (v == NULL)
		return 0;
	return spec_val_str(v, &c, out, err);
}

int spec_get_bool(struct json_object *obj, const char *key, const struct jp *p, bool *out,
                  struct glass_err **err)
{
	struct json_object *v = spec_member(obj, key);
	struct jp c = JP_KEY(p, key);

	if (v == NULL)
		return 0;
	if (spec_expect(v, json_type_boolean, &c, err) < 0)
		return -1;
	*out = json_object_get_boolean(v);
	return 1;
}

int spec_get_i64(struct json_object *obj, const char *key, const struct jp *p, int64_t min,
                 int64_t max, int64_t *out, struct glass_err **err)
{
	struct json_object *v = spec_member(obj, key);
	struct jp c = JP_KEY(p, key);

	if (v == NULL)
		return 0;
	return spec_val_i64(v, &c, min, max, out, err);
}

int spec_get_u64(struct json_object *obj, const char *key, const struct jp *p, uint64_t max,
                 uint64_t *out, struct glass_err **err)
{
	struct json_object *v = spec_member(obj, key);
	struct jp c = JP_KEY(p, key);

	if (v == NULL)
		return 0;
	return spec_val_u64(v, &c, max, out, err);
}

int spec_get_u32(struct json_object *obj, const char *key, const struct jp *p, uint32_t *out,
                 struct glass_err **err)
{
	uint64_t u;
	int r = spec_get_u64(obj, key, p, UINT32_MAX, &u, err);

	if (r > 0)
		*out = (uint32_t)u;
	return r;
}

int spec_get_int(struct json_object *obj, const char *key, const struct jp *p, int *out,
                 struct glass_err **err)
{
	int64_t s;
	int r = spec_get_i64(obj, key, p, INT32_MIN, INT32_MAX, &s, err);

	if (r > 0)
		*out = (int)s;
	return r;
}

/* obj[key] when it is of `type`: 1, 0 when absent, -1 (err) when not. */
static int get_typed(struct json_object *obj, const char *key, const struct jp *p, json_type type,
                     struct json_object **out, struct glass_err **err)
{
	struct json_object *v = spec_member(obj, key);
	struct jp c = JP_KEY(p, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (spec_expect(v, type, &c, err) < 0)
		return -1;
	*out = v;
	return 1;
}

int spec_get_obj(struct json_object *obj, const char *key, const struct jp *p,
                 struct json_object **out, struct glass_err **err)
{
	return get_typed(obj, key, p, json_type_object, out, err);
}

int spec_get_arr(struct json_object *obj, const char *key, const struct jp *p,
                 struct json_object **out, struct glass_err **err)
{
	return get_typed(obj, key, p, json_type_array, out, err);
}

int spec_get_strv(struct json_object *obj, const char *key, const struct jp *p, char ***out,
                  size_t *n, struct glass_err **err)
{
	struct json_object *a;
	struct jp c = JP_KEY(p, key);
	size_t i, len;
	char **v;
	int r = spec_get_arr(obj, key, p, &a, err);

	if (r <= 0)
		return r;
	len = json_object_array_length(a);
	v = xcalloc(len + 1, sizeof(*v));
	for (i = 0; i < len; i++) {
		struct jp e = JP_IDX(&c, i);
		if (spec_val_str(json_object_array_get_idx(a, i), &e, &v[i], err) < 0) {
			spec_strv_free(v, i);
			return -1;
		}
	}
	spec_strv_free(*out, *n);
	*out = v;
	*n = len;
	return 1;
}

int spec_get_map(struct json_object *obj, const char *key, const struct jp *p,
                 struct glass_kv **out, size_t *n, struct glass_err **err)
{
	struct json_object *m;
	struct jp c = JP_KEY(p, key);
	struct glass_kv *kv;
	size_t i = 0;
	int r = spec_get_obj(obj, key, p, &m, err);

	if (r <= 0)
		return r;
	kv = xcalloc((size_t)json_object_object_length(m) + 1, sizeof(*kv));
	json_object_object_foreach(m, k, val)
	{
		struct jp e = JP_KEY(&c, k);
		if (k[0] == '\0') {
			spec_kv_free(kv, i);
			return spec_fail(err, &c, "keys must not be empty");
		}
		if (spec_val_str(val, &e, &kv[i].value, err) < 0) { /* null included */
			spec_kv_free(kv, i + 1);
			return -1;
		}
		kv[i].key = xstrdup(k);
		i++;
	}
	spec_kv_free(*out, *n);
	*out = kv;
	*n = i;
	return 1;
}

int spec_get_idmaps(struct json_object *obj, const char *key, const struct jp *p,
                    struct glass_idmap **out, size_t *n, struct glass_err **err)
{
	struct json_object *a;
	struct jp c = JP_KEY(p, key);
	struct glass_idmap *m;
	size_t i, len;
	int r = spec_get_arr(obj, key, p, &a, err);

	if (r <= 0)
		return r;
	len = json_object_array_length(a);
	m = xcalloc(len + 1, sizeof(*m));
	for (i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct jp ep = JP_IDX(&c, i);
		struct jp sz = JP_KEY(&ep, "size");
		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "containerID", &ep, err) < 0 ||
		    spec_require(e, "hostID", &ep, err) < 0 ||
		    spec_require(e, "size", &ep, err) < 0 ||
		    spec_get_u32(e, "containerID", &ep, &m[i].container_id, err) < 0 ||
		    spec_get_u32(e, "hostID", &ep, &m[i].host_id, err) < 0 ||
		    spec_get_u32(e, "size", &ep, &m[i].size, err) < 0)
			goto fail;
		if (m[i].size == 0) {
			spec_fail(err, &sz, "must be greater than 0");
			goto fail;
		}
		if ((uint64_t)m[i].container_id + m[i].size - 1 > UINT32_MAX ||
		    (uint64_t)m[i].host_id + m[i].size - 1 > UINT32_MAX) {
			spec_fail(err, &sz, "range %u+%u exceeds the 32-bit id space",
			          m[i].container_id, m[i].size);
			goto fail;
		}
	}
	/* user_namespaces(7): at most 340 lines, and neither the container
	 * ranges nor the host ranges may overlap (the write fails EINVAL). */
	if (len > 340) {
		spec_fail(err, &c, "%zu mappings, the kernel accepts at most 340", len);
		goto fail;
	}
	for (i = 0; i < len; i++) {
		size_t j;
		for (j = 0; j < i; j++) {
			struct jp ep = JP_IDX(&c, i);
			bool cont = m[i].container_id < (uint64_t)m[j].container_id + m[j].size &&
			            m[j].container_id < (uint64_t)m[i].container_id + m[i].size;
			bool host = m[i].host_id < (uint64_t)m[j].host_id + m[j].size &&
			            m[j].host_id < (uint64_t)m[i].host_id + m[i].size;
			if (cont || host) {
				spec_fail(err, &ep, "%s range overlaps entry %zu",
				          cont ? "containerID" : "hostID", j);
				goto fail;
			}
		}
	}
	free(*out);
	*out = m;
	*n = len;
	return 1;
fail:
	free(m);
	return -1;
}

int spec_check_abs(const char *s, const struct jp *p, struct glass_err **err)
{
	if (s && s[0] == '/')
		return 0;
	return spec_fail(err, p, "must be an absolute path, got \"%s\"", s ? s : "");
}

void spec_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void spec_kv_free(struct glass_kv *kv, size_t n)
{
	size_t i;

	if (kv == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

int spec_name_lookup(const struct spec_name *t, const char *name, long *value)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0) {
			if (value)
				*value = t->value;
			return 0;
		}
	return -1;
}

static void line_col(const char *text, size_t end, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < end; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* json-c clamps integers beyond the 64-bit range to UINT64_MAX/INT64_MIN
 * without a word; a memory limit of 1e30 bytes must not silently become
 * "unlimited".  Scan the integer literals outside strings and return the
 * offset of the first one out of range, or -1. */
static long find_int_overflow(const char *t, size_t len)
{
	static const char umax[] = "18446744073709551615", imin[] = "9223372036854775808";
	bool in_str = false;
	size_t i = 0;

	while (i < len) {
		char c = t[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			i++;
			continue;
		}
		if (c == '"') {
			in_str = true;
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = i, d0, nd;
			bool neg = c == '-';
			if (neg)
				i++;
			d0 = i;
			while (i < len && t[i] >= '0' && t[i] <= '9')
				i++;
			nd = i - d0;
			if (i < len && strchr(".eE", t[i])) {
				while (i < len && strchr("0123456789.eE+-", t[i]))
					i++;
				continue;
			}
			if ((!neg && (nd > 20 || (nd == 20 && memcmp(t + d0, umax, 20) > 0))) ||
			    (neg && (nd > 19 || (nd == 19 && memcmp(t + d0, imin, 19) > 0))))
				return (long)start;
		} else {
			i++;
		}
	}
	return -1;
}

/* json-c reports where the tokenizer stopped as a byte offset; people
 * read line:column, so count the newlines before it. */
struct json_object *glass_json_parse(const char *text, size_t len, const char *what,
                                     struct glass_err **err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end, i, line, col;

	if (tok == NULL) {
		glass_err_new(err, ENOMEM, "json_tokener_new()");
		return NULL;
	}
	if (len > INT32_MAX) {
		json_tokener_free(tok);
		glass_err_new(err, EFBIG, "%s: document too large (%zu bytes)", what, len);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (o != NULL && jerr == json_tokener_success) {
		for (i = end; i < len && strchr(" \t\r\n", text[i]) && text[i]; i++)
			;
		if (i < len && text[i] != '\0') {
			end = i;
			json_object_put(o);
			o = NULL;
			jerr = json_tokener_error_parse_unexpected;
		}
	} else if (jerr == json_tokener_continue) {
		end = len;
		jerr = json_tokener_error_parse_eof;
	}
	json_tokener_free(tok);
	if (o != NULL) {
		long bad = find_int_overflow(text, len);
		if (bad < 0)
			return o;
		json_object_put(o);
		line_col(text, (size_t)bad, &line, &col);
		glass_err_new(err, 0, "%s: integer at line %zu, column %zu does not fit in 64 bits",
		              what, line, col);
		return NULL;
	}
	line_col(text, end < len ? end : len, &line, &col);
	if (jerr == json_tokener_success)
		jerr = json_tokener_error_parse_unexpected;
	glass_err_new(err, 0, "%s: malformed JSON at line %zu, column %zu: %s", what, line, col,
	              json_tokener_error_desc(jerr));
	return NULL;
}
