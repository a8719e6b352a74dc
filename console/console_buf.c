/*
 * NAME
 *	console_buf.c - growable text buffers, HTML and JSON escaping
 * SYNOPSIS
 *	#include "console.h"
 *
 *	struct cn_buf b = { 0 };
 *	cn_buf_adds(&b, "<td>");
 *	cn_buf_html(&b, from);
 *	cn_buf_json(&b, status);
 *	cn_buf_free(&b);
 * DESCRIPTION
 *	Every page and API answer is built in one of these. A buffer
 *	never grows past CN_BUF_MAX: beyond it, or when memory runs out,
 *	nomem is set, further additions are ignored and the HTTP server
 *	answers 500 instead of a page cut short.
 *
 *	cn_buf_html() escapes & < > " ' so the text is safe both between
 *	tags and inside a quoted attribute value. cn_buf_json() writes a
 *	JSON string: " \ and control bytes escaped, U+2028/U+2029 as
 *	\u2028/\u2029, and every byte that is not part of valid UTF-8
 *	(the daemon's fields may hold anything) as U+FFFD.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define CN_BUF_MAX	(64u * 1024 * 1024)

/* grow - room for n more bytes and a NUL; 0 or -1 (nomem set) */
static int grow(struct cn_buf *b, size_t n)
{
	size_t want, cap;
	char *p;

	if (b->nomem)
		return -1;
	if (n > CN_BUF_MAX || b->len + n + 1 > CN_BUF_MAX) {
		b->nomem = 1;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	if (cap > CN_BUF_MAX)
		cap = CN_BUF_MAX;
	if (!(p = realloc(b->data, cap))) {
		b->nomem = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

/* cn_buf_add - n bytes */
void cn_buf_add(struct cn_buf *b, const char *s, size_t n)
{
	if (grow(b, n) < 0)
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

/* cn_buf_adds - a C string */
void cn_buf_adds(struct cn_buf *b, const char *s)
{
	cn_buf_add(b, s, strlen(s));
}

/* cn_buf_addf - printf into the buffer */
void cn_buf_addf(struct cn_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->nomem)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t) n) < 0) {
		b->nomem = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* cn_buf_html - text for HTML, in or between tags */
void cn_buf_html(struct cn_buf *b, const char *s)
{
	const char *start = s, *rep;

	for (; *s; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		cn_buf_add(b, start, (size_t) (s - start));
		cn_buf_adds(b, rep);
		start = s + 1;
	}
	cn_buf_add(b, start, (size_t) (s - start));
}

/* utf8_len - bytes of the valid UTF-8 sequence at p (its code point in
 * *cp), or 0 when p does not start one */
static size_t utf8_len(const unsigned char *p, unsigned *cp)
{
	unsigned c = p[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; c &= 0x07; min = 0x10000;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* cn_buf_json - a JSON string with its quotes */
void cn_buf_json(struct cn_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	unsigned cp;
	size_t n;

	cn_buf_add(b, "\"", 1);
	while (*p) {
		if (!(n = utf8_len(p, &cp))) {
			cn_buf_adds(b, "\\ufffd");
			p++;
			continue;
		}
		if (cp == '"')
			cn_buf_adds(b, "\\\"");
		else if (cp == '\\')
			cn_buf_adds(b, "\\\\");
		else if (cp == '\n')
			cn_buf_adds(b, "\\n");
		else if (cp == '\t')
			cn_buf_adds(b, "\\t");
		else if (cp == '\r')
			cn_buf_adds(b, "\\r");
		else if (cp < 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029)
			cn_buf_addf(b, "\\u%04x", cp);
		else
			cn_buf_add(b, (const char *) p, n);
		p += n;
	}
	cn_buf_add(b, "\"", 1);
}

/* cn_buf_free - release; the buffer may be used again */
void cn_buf_free(struct cn_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->nomem = 0;
}
