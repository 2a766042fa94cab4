/* wire: the flat JSON objects of the control socket and status.json
 * (requests and statuses), read and written without a JSON library. */
#include "wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jtype { J_STR, J_NUM, J_BOOL, J_NULL };

struct jfield {
	char key[32];
	enum jtype type;
	char str[512]; /* J_STR, unescaped, truncated to fit */
	long long num; /* J_NUM (integers), J_BOOL */
};

/* Copies src into dst, cut to size - 1 bytes. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static void put_utf8(char *out, size_t size, size_t *o, unsigned long cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80)
		u[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	else
		u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	if (*o + n < size) {
		memcpy(out + *o, u, n);
		*o += n;
	}
}

static const char *read_hex4(const char *p, unsigned long *v)
{
	char h[5] = {0};
	for (int i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return NULL;
		h[i] = p[i];
	}
	*v = strtoul(h, NULL, 16);
	return p + 4;
}

/* The \uXXXX escape at p (after the 'u'), a surrogate pair joined. */
static const char *read_u_escape(const char *p, unsigned long *cp)
{
	unsigned long lo;
	if (!(p = read_hex4(p, cp)))
		return NULL;
	if (*cp >= 0xd800 && *cp < 0xdc00 && p[0] == '\\' && p[1] == 'u' && read_hex4(p + 2, &lo) &&
	    lo >= 0xdc00 && lo < 0xe000) {
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
		return p + 6;
	}
	return p;
}

/* A JSON string at p (the opening quote): unescaped into out (truncated
 * to size - 1 bytes).  Returns the position after the closing quote. */
static const char *read_string(const char *p, char *out, size_t size)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t o = 0;
	unsigned long cp;
	for (p++; *p && *p != '"'; p++) {
		const char *e;
		if (*p != '\\') {
			if (o + 1 < size)
				out[o++] = *p;
			continue;
		}
		p++;
		if (*p == 'u') {
			if (!(p = read_u_escape(p + 1, &cp)))
				return NULL;
			put_utf8(out, size, &o, cp);
			p--;
		} else if (*p && (e = strchr(from, *p))) {
			if (o + 1 < size)
				out[o++] = to[e - from];
		} else {
			return NULL;
		}
	}
	out[o] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

static const char *read_value(const char *p, struct jfield *f)
{
	char *end;
	if (*p == '"') {
		f->type = J_STR;
		return read_string(p, f->str, sizeof(f->str));
	}
	if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
		f->type = J_BOOL;
		f->num = *p == 't';
		return p + (*p == 't' ? 4 : 5);
	}
	if (!strncmp(p, "null", 4)) {
		f->type = J_NULL;
		return p + 4;
	}
	f->type = J_NUM;
	f->num = strtoll(p, &end, 10);
	if (end == p)
		return NULL;
	/* a fraction or exponent: the integer part is what the shim uses */
	while (*end == '.' || *end == 'e' || *end == 'E' || *end == '+' || *end == '-' ||
	       isdigit((unsigned char)*end))
		end++;
	return end;
}

typedef void (*field_fn)(const struct jfield *f, void *ctx);

/* Calls `fn` for each member of the flat object in `s`; nested objects and
 * arrays are refused.  0, or -1 with the reason in why. */
static int parse_flat(const char *s, field_fn fn, void *ctx, char *why, size_t size)
{
	struct jfield f;
	const char *p = skip_ws(s);
	if (*p++ != '{')
		return snprintf(why, size, "not a JSON object"), -1;
	p = skip_ws(p);
	while (*p != '}') {
		if (*p != '"' || !(p = read_string(p, f.key, sizeof(f.key))))
			return snprintf(why, size, "bad key"), -1;
		p = skip_ws(p);
		if (*p++ != ':' || !(p = read_value(skip_ws(p), &f)))
			return snprintf(why, size, "bad value of \"%s\"", f.key), -1;
		fn(&f, ctx);
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p != '}')
			return snprintf(why, size, "expected , or } after \"%s\"", f.key), -1;
	}
	return 0;
}

static void req_field(const struct jfield *f, void *ctx)
{
	struct glass_wire_req *r = ctx;
	bool *flag = !strcmp(f->key, "stdin")    ? &r->in
	             : !strcmp(f->key, "stdout") ? &r->out
	             : !strcmp(f->key, "stderr") ? &r->err
	             : !strcmp(f->key, "logs")   ? &r->logs
	                                         : NULL;
	if (!strcmp(f->key, "op") && f->type == J_STR)
		copy_str(r->op, sizeof(r->op), f->str);
	else if (!strcmp(f->key, "file") && f->type == J_STR)
		copy_str(r->file, sizeof(r->file), f->str);
	else if (flag && f->type == J_BOOL)
		*flag = f->num;
	else if (f->type == J_NUM && !strcmp(f->key, "signal"))
		r->signal = f->num;
	else if (f->type == J_NUM && !strcmp(f->key, "height"))
		r->height = f->num;
	else if (f->type == J_NUM && !strcmp(f->key, "width"))
		r->width = f->num;
}

int glass_wire_req_parse(const char *line, struct glass_wire_req *r, char *why, size_t size)
{
	memset(r, 0, sizeof(*r));
	if (parse_flat(line, req_field, r, why, size) < 0)
		return -1;
	if (!r->op[0])
		return snprintf(why, size, "no \"op\""), -1;
	return 0;
}

static void status_field(const struct jfield *f, void *ctx)
{
	struct glass_shim_status *st = ctx;
	struct {
		const char *key;
		char *str;
		size_t size;
	} strs[] = {{"status", st->status, sizeof(st->status)},
	            {"startedAt", st->started_at, sizeof(st->started_at)},
	            {"finishedAt", st->finished_at, sizeof(st->finished_at)},
	            {"error", st->error, sizeof(st->error)}};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (f->type == J_STR && !strcmp(f->key, strs[i].key))
			copy_str(strs[i].str, strs[i].size, f->str);
	if (f->type == J_BOOL && !strcmp(f->key, "oomKilled"))
		st->oom_killed = f->num;
	if (f->type != J_NUM)
		return;
	if (!strcmp(f->key, "pid"))
		st->pid = (pid_t)f->num;
	else if (!strcmp(f->key, "exitCode"))
		st->exit_code = (int)f->num;
	else if (!strcmp(f->key, "signal"))
		st->signal = (int)f->num;
	else if (!strcmp(f->key, "restartCount"))
		st->restart_count = (int)f->num;
}

int glass_wire_status_parse(const char *text, struct glass_shim_status *st)
{
	char why[64];
	memset(st, 0, sizeof(*st));
	if (parse_flat(text, status_field, st, why, sizeof(why)) < 0 || !st->status[0])
		return -1;
	return 0;
}

struct get_ctx {
	const char *key;
	char *out;
	size_t size;
	bool found;
};

static void get_field(const struct jfield *f, void *ctx)
{
	struct get_ctx *g = ctx;
	if (f->type == J_STR && !strcmp(f->key, g->key)) {
		copy_str(g->out, g->size, f->str);
		g->found = true;
	}
}

int glass_wire_get_string(const char *json, const char *key, char *out, size_t size)
{
	char why[64];
	struct get_ctx g = {key, out, size, false};
	if (parse_flat(json, get_field, &g, why, sizeof(why)) < 0 || !g.found)
		return -1;
	return 0;
}

static void str_member(struct strbuf *b, const char *key, const char *val, bool comma)
{
	strbuf_printf(b, "%s\"%s\":\"", comma ? "," : "", key);
	glass_wire_json_escape(b, val, strlen(val));
	strbuf_append(b, "\"", 1);
}

char *glass_wire_status_json(const struct glass_shim_status *st)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_append(&b, "{", 1);
	str_member(&b, "status", st->status, false);
	strbuf_printf(&b, ",\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s",
	              (int)st->pid, st->exit_code, st->signal, st->oom_killed ? "true" : "false");
	str_member(&b, "startedAt", st->started_at, true);
	str_member(&b, "finishedAt", st->finished_at, true);
	strbuf_printf(&b, ",\"restartCount\":%d", st->restart_count);
	str_member(&b, "error", st->error, true);
	strbuf_append(&b, "}", 1);
	return strbuf_steal(&b);
}
