/* wire: see wire.h. */
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0 when
 * the bytes there are not one (overlong forms, surrogates and values past
 * U+10FFFF included, as Go's utf8.DecodeRune rejects them). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], need, min;
	unsigned long cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n < need + 1)
		return 0;
	for (unsigned i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

static void append_u(struct strbuf *b, unsigned v)
{
	char u[7] = {'\\',        'u', hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
	             hex[v & 15], 0};
	strbuf_append(b, u, 6);
}

/* The escape of an ASCII byte, or NULL when it stands for itself. */
static const char *short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		return NULL;
	}
}

void glass_wire_json_escape(struct strbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		unsigned char c = p[i];
		size_t len = utf8_len(p + i, n - i);
		bool plain = len > 1 || (len == 1 && c >= 0x20 && c != '"' && c != '\\' &&
		                         c != '<' && c != '>' && c != '&');
		/* U+2028 and U+2029 end a line in JavaScript: Go escapes them. */
		if (len == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] & 0xfe) == 0xa8)
			plain = false;
		if (plain) {
			i += len;
			run += len;
			continue;
		}
		strbuf_append(b, s + i - run, run);
		run = 0;
		if (len == 0)
			append_u(b, 0xfffd), len = 1;
		else if (len == 3)
			append_u(b, 0x2028 | (p[i + 2] & 1));
		else if (short_escape(c))
			strbuf_append(b, short_escape(c), 2);
		else
			append_u(b, c);
		i += len;
	}
	strbuf_append(b, s + n - run, run);
}

void glass_wire_log_line(struct strbuf *b, const char *stream, const char *data, size_t n,
                         const struct timespec *ts)
{
	char t[GLASS_RFC3339_MAX];
	glass_time_rfc3339(t, sizeof(t), ts);
	strbuf_append(b, "{\"log\":\"", 8);
	glass_wire_json_escape(b, data, n);
	strbuf_printf(b, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, t);
}

void glass_wire_stdcopy_header(unsigned char hdr[8], int stream, uint32_t len)
{
	hdr[0] = (unsigned char)stream;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (unsigned char)(len >> 24);
	hdr[5] = (unsigned char)(len >> 16);
	hdr[6] = (unsigned char)(len >> 8);
	hdr[7] = (unsigned char)len;
}

int glass_wire_stdcopy_parse(const unsigned char hdr[8], uint32_t *len)
{
	if (hdr[0] > 2 || hdr[1] || hdr[2] || hdr[3])
		return -1;
	*len = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
	return hdr[0];
}
