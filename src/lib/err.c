/* err: see err.h.  Kept allocation-light: an error is built once, on the
 * failure path, and never on the success path. */
#define GLASS_ERR_IMPL /* err.h: the analyzer's macros stay out */
#include "err.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct glass_err *ensure(struct glass_err **err)
{
	if (*err == NULL)
		*err = xcalloc(1, sizeof(**err));
	return *err;
}

static int vnew(struct glass_err **err, int errnum, const char *field, const char *fmt, va_list ap)
{
	struct glass_err *e;
	if (err == NULL)
		return -1;
	glass_err_free(err);
	e = ensure(err);
	e->errnum = errnum;
	e->op = xvasprintf(fmt, ap);
	e->field = field ? xstrdup(field) : NULL;
	return -1;
}

int glass_err_new(struct glass_err **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnew(err, errnum, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int glass_err_field(struct glass_err **err, int errnum, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnew(err, errnum, field, fmt, ap);
	va_end(ap);
	return -1;
}

int glass_err_ctx(struct glass_err **err, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || *err == NULL || (*err)->nframes >= GLASS_ERR_MAX_FRAMES)
		return -1;
	va_start(ap, fmt);
	(*err)->frames[(*err)->nframes++] = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

int glass_err_hint(struct glass_err **err, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || *err == NULL)
		return -1;
	free((*err)->hint);
	va_start(ap, fmt);
	(*err)->hint = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

int glass_err_set_field(struct glass_err **err, const char *field)
{
	if (err == NULL || *err == NULL || (*err)->field || field == NULL)
		return -1;
	(*err)->field = xstrdup(field);
	return -1;
}

int glass_err_move(struct glass_err **dst, struct glass_err **src)
{
	int saved = errno;
	struct glass_err *e = src ? *src : NULL;
	if (src)
		*src = NULL;
	if (dst == NULL) {
		glass_err_free(&e);
	} else if (e != NULL) {
		if (dst != src)
			glass_err_free(dst);
		*dst = e;
	}
	errno = saved;
	return -1;
}

void glass_err_free(struct glass_err **err)
{
	struct glass_err *e;
	if (err == NULL || *err == NULL)
		return;
	e = *err;
	free(e->op);
	free(e->field);
	free(e->hint);
	for (size_t i = 0; i < e->nframes; i++)
		free(e->frames[i]);
	free(e);
	*err = NULL;
}

char *glass_err_format(const struct glass_err *e)
{
	struct strbuf b = STRBUF_INIT;
	if (e == NULL)
		return xstrdup("unknown error");
	for (size_t i = e->nframes; i > 0; i--)
		strbuf_printf(&b, "%s: ", e->frames[i - 1]);
	strbuf_printf(&b, "%s", e->op ? e->op : "error");
	if (e->errnum)
		strbuf_printf(&b, ": %s", strerror(e->errnum));
	if (e->field && (e->op == NULL || strstr(e->op, e->field) != e->op))
		strbuf_printf(&b, " (config: %s)", e->field);
	if (e->hint)
		strbuf_printf(&b, "\n  hint: %s", e->hint);
	return strbuf_steal(&b);
}

char *glass_err_to_json(const struct glass_err *e)
{
	json_object *o = json_object_new_object();
	json_object *frames = json_object_new_array();
	char *msg = glass_err_format(e);
	char *nl = strchr(msg, '\n');
	char *out;

	if (nl)
		*nl = '\0';
	json_object_object_add(o, "msg", json_object_new_string(msg));
	if (e) {
		json_object_object_add(o, "errno", json_object_new_int(e->errnum));
		if (e->errnum)
			json_object_object_add(
			    o, "errname",
			    json_object_new_string(
			        strerrorname_np(e->errnum) ? strerrorname_np(e->errnum) : "?"));
		json_object_object_add(o, "op", json_object_new_string(e->op ? e->op : ""));
		if (e->field)
			json_object_object_add(o, "field", json_object_new_string(e->field));
		if (e->hint)
			json_object_object_add(o, "hint", json_object_new_string(e->hint));
		for (size_t i = 0; i < e->nframes; i++)
			json_object_array_add(frames, json_object_new_string(e->frames[i]));
	}
	json_object_object_add(o, "frames", frames);
	out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(msg);
	return out;
}

/* Wire form: "errnum\0op\0field\0hint\0nframes\0frame0\0..." with empty
 * strings for NULL.  Truncated silently at `size`. */
static size_t put(char *buf, size_t size, size_t at, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (at >= size)
		return at;
	if (at + n + 1 > size)
		n = size - at - 1;
	memcpy(buf + at, s ? s : "", n);
	buf[at + n] = '\0';
	return at + n + 1;
}

size_t glass_err_pack(const struct glass_err *e, char *buf, size_t size)
{
	char num[32];
	size_t at = 0;
	if (size == 0)
		return 0;
	snprintf(num, sizeof(num), "%d", e ? e->errnum : 0);
	at = put(buf, size, at, num);
	at = put(buf, size, at, e ? e->op : "unknown error");
	at = put(buf, size, at, e ? e->field : NULL);
	at = put(buf, size, at, e ? e->hint : NULL);
	snprintf(num, sizeof(num), "%zu", e ? e->nframes : 0);
	at = put(buf, size, at, num);
	for (size_t i = 0; e && i < e->nframes; i++)
		at = put(buf, size, at, e->frames[i]);
	return at;
}

static const char *next(const char *buf, size_t len, size_t *at)
{
	const char *s = buf + *at;
	const char *end;
	if (*at >= len)
		return "";
	end = memchr(s, '\0', len - *at);
	if (end == NULL) {
		*at = len;
		return "";
	}
	*at += (size_t)(end - s) + 1;
	return s;
}

struct glass_err *glass_err_unpack(const char *buf, size_t len)
{
	struct glass_err *e = xcalloc(1, sizeof(*e));
	size_t at = 0;
	const char *s;
	size_t n;

	e->errnum = atoi(next(buf, len, &at));
	e->op = xstrdup(next(buf, len, &at));
	s = next(buf, len, &at);
	e->field = *s ? xstrdup(s) : NULL;
	s = next(buf, len, &at);
	e->hint = *s ? xstrdup(s) : NULL;
	n = (size_t)atoi(next(buf, len, &at));
	for (size_t i = 0; i < n && i < GLASS_ERR_MAX_FRAMES && at < len; i++)
		e->frames[e->nframes++] = xstrdup(next(buf, len, &at));
	return e;
}

void glass_err_report(const char *prog, const struct glass_err *err, int log_fd, int json)
{
	char *msg = glass_err_format(err);
	fprintf(stderr, "%s: %s\n", prog, msg);
	if (log_fd >= 0) {
		char ts[64];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (json) {
			json_object *o = json_object_new_object();
			char *nl = strchr(msg, '\n');
			const char *line;
			if (nl)
				*nl = '\0';
			json_object_object_add(o, "level", json_object_new_string("error"));
			json_object_object_add(o, "msg", json_object_new_string(msg));
			json_object_object_add(o, "time", json_object_new_string(ts));
			line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
			dprintf(log_fd, "%s\n", line);
			json_object_put(o);
		} else {
			dprintf(log_fd, "time=\"%s\" level=error msg=\"%s\"\n", ts, msg);
		}
	}
	free(msg);
}
