/*
 * NAME
 *	autoreply_text.c - the text of an autoreply (see autoreply.h)
 * DESCRIPTION
 *	Nothing copied from the original message reaches a header
 *	unchanged: ar_one_line turns every control byte (CR and LF
 *	included) into a space first, and ar_header only ever breaks a
 *	line followed by a space (a fold), so no text can start a header
 *	of its own. Pure functions, libc only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"

#define FOLD_AT		78
#define BODY_LINE_MAX	998
#define ENC_CHUNK	45	/* bytes per encoded word: 60 base64 chars */

/* ar_buf_add - append n bytes */
void ar_buf_add(struct ar_buf *b, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 256; cap < b->len + n + 1; cap *= 2)
			;
		if ((grown = realloc(b->text, cap)) == NULL) {
			b->nomem = 1;
			return;
		}
		b->text = grown;
		b->cap = cap;
	}
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = 0;
}

/* ar_buf_adds - append a string */
void ar_buf_adds(struct ar_buf *b, const char *s)
{
	ar_buf_add(b, s, strlen(s));
}

/* ar_buf_free - release, ready for reuse */
void ar_buf_free(struct ar_buf *b)
{
	free(b->text);
	memset(b, 0, sizeof(*b));
}

/* utf8_len - length of a valid UTF-8 sequence at p, 0 if invalid */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned c;

	if (*p < 0x80)
		return 1;
	if (*p < 0xc2 || *p > 0xf4)
		return 0;
	n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
	c = *p & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

static const char *const var_names[] = {
	"sender", "recipients", "subject", "date", "suggestions", NULL
};

/* var_value - the value of %{name} (n bytes), or NULL if unknown */
static const char *var_value(const char *name, size_t n,
			     const struct ar_vars *v)
{
	const char *values[5];
	size_t i;

	values[0] = v ? v->sender : "";
	values[1] = v ? v->recipients : "";
	values[2] = v ? v->subject : "";
	values[3] = v ? v->date : "";
	values[4] = v ? v->suggestions : "";
	for (i = 0; var_names[i]; i++)
		if (strlen(var_names[i]) == n && memcmp(var_names[i], name, n) == 0)
			return values[i] ? values[i] : "";
	return NULL;
}

/* ar_template_check - every %{...} must be a known name */
int ar_template_check(const char *tmpl, char *bad, size_t badsize)
{
	const char *p, *end;

	for (p = tmpl; (p = strchr(p, '%')) != NULL; ) {
		if (p[1] == '%') {
			p += 2;
			continue;
		}
		if (p[1] != '{') {
			p++;
			continue;
		}
		if ((end = strchr(p, '}')) == NULL) {
			snprintf(bad, badsize, "%.40s", p);
			return -1;
		}
		if (!var_value(p + 2, (size_t) (end - p - 2), NULL)) {
			snprintf(bad, badsize, "%.*s", (int) (end - p + 1), p);
			return -1;
		}
		p = end + 1;
	}
	return 0;
}

/* ar_expand - variables put in */
void ar_expand(struct ar_buf *out, const char *tmpl, const struct ar_vars *v)
{
	const char *p = tmpl, *end, *val;

	while (*p) {
		if (p[0] == '%' && p[1] == '%') {
			ar_buf_add(out, "%", 1);
			p += 2;
		} else if (p[0] == '%' && p[1] == '{' &&
			   (end = strchr(p, '}')) != NULL &&
			   (val = var_value(p + 2, (size_t) (end - p - 2),
					    v)) != NULL) {
			ar_buf_adds(out, val);
			p = end + 1;
		} else {
			ar_buf_add(out, p++, 1);
		}
	}
	if (!out->text)
		ar_buf_add(out, "", 0);
}

/* ar_one_line - safe for a header */
void ar_one_line(const char *text, char *out, size_t max)
{
	const unsigned char *p = (const unsigned char *) (text ? text : "");
	size_t len = 0, n;
	int blank = 1;

	while (*p && len + 1 < max) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			if (!blank)
				out[len++] = ' ';
			blank = 1;
			p++;
			continue;
		}
		blank = 0;
		if ((n = utf8_len(p)) == 0) {
			out[len++] = '?';
			p++;
			continue;
		}
		if (len + n + 1 > max)
			break;
		memcpy(out + len, p, n);
		len += n;
		p += n;
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = 0;
}

/* base64 - encode n bytes */
static void base64(struct ar_buf *out, const unsigned char *s, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned) s[i] << 16 |
			(i + 1 < n ? (unsigned) s[i + 1] << 8 : 0) |
			(i + 2 < n ? s[i + 2] : 0);

		q[0] = abc[v >> 18 & 63];
		q[1] = abc[v >> 12 & 63];
		q[2] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? abc[v & 63] : '=';
		ar_buf_add(out, q, 4);
	}
}

/* words - split value into the tokens folding may separate */
static void words(struct ar_buf *toks, const char *value, int encode)
{
	const unsigned char *p = (const unsigned char *) value;
	int high = 0;
	size_t n, chunk;

	for (; *p; p++)
		high |= *p >= 0x80;
	if (!encode || !high) {
		ar_buf_adds(toks, value);
		return;
	}
	/* encoded words, split on character boundaries; the blank between
	 * two encoded words is not part of the text (RFC 2047 6.2) */
	for (p = (const unsigned char *) value; *p; p += chunk) {
		for (chunk = 0; p[chunk] && chunk < ENC_CHUNK; chunk += n) {
			n = utf8_len(p + chunk);
			if (n == 0)
				n = 1;
			if (chunk + n > ENC_CHUNK)
				break;
		}
		if (chunk == 0)
			chunk = 1;
		if (toks->len)
			ar_buf_add(toks, " ", 1);
		ar_buf_adds(toks, "=?UTF-8?B?");
		base64(toks, p, chunk);
		ar_buf_adds(toks, "?=");
	}
}

/* ar_header - "Name: value", folded */
void ar_header(struct ar_buf *out, const char *name, const char *value,
	       int encode)
{
	struct ar_buf toks = { 0 };
	char *clean, *tok, *save = NULL;
	size_t col, max = strlen(value ? value : "") + 1;

	if ((clean = malloc(max)) == NULL) {
		out->nomem = 1;
		return;
	}
	ar_one_line(value, clean, max);
	words(&toks, clean, encode);
	ar_buf_adds(out, name);
	ar_buf_add(out, ":", 1);
	col = strlen(name) + 1;
	for (tok = toks.text ? strtok_r(toks.text, " ", &save) : NULL; tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (col > strlen(name) + 1 && col + 1 + strlen(tok) > FOLD_AT) {
			ar_buf_add(out, "\n", 1);
			col = 0;
		}
		ar_buf_add(out, " ", 1);
		ar_buf_adds(out, tok);
		col += 1 + strlen(tok);
	}
	ar_buf_add(out, "\n", 1);
	ar_buf_free(&toks);
	free(clean);
}

/* ar_body - clean body text */
void ar_body(struct ar_buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *) (text ? text : "");
	size_t col = 0, n;

	while (*p) {
		if (p[0] == '\r' && p[1] == '\n') {
			p++;
			continue;
		}
		if (*p == '\n') {
			ar_buf_add(out, "\n", 1);
			col = 0;
			p++;
			continue;
		}
		n = utf8_len(p);
		if (col + (n ? n : 1) > BODY_LINE_MAX) {
			ar_buf_add(out, "\n", 1);
			col = 0;
		}
		if (n == 0 || *p == '\r' || *p == 0)
			ar_buf_add(out, "?", 1);
		else
			ar_buf_add(out, (const char *) p, n);
		col += n ? n : 1;
		p += n ? n : 1;
	}
	if (out->len == 0 || out->text[out->len - 1] != '\n')
		ar_buf_add(out, "\n", 1);
}

/* lower - ASCII lower case */
static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

/* ar_distance - optimal string alignment distance, bounded */
int ar_distance(const char *a, const char *b, int limit)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int rows[3][130], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	int *t, best, cost, v;

	if (la > 128 || lb > 128)
		return limit + 1;
	if ((la > lb ? la - lb : lb - la) > (size_t) limit)
		return limit + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = (int) j;
	for (i = 1; i <= la; i++) {
		cur[0] = (int) i;
		best = cur[0];
		for (j = 1; j <= lb; j++) {
			cost = lower(a[i - 1]) != lower(b[j - 1]);
			v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > limit ? limit + 1 : prev[lb];
}

/* ar_suggest_consider - keep the closest few, then by name */
int ar_suggest_consider(void *arg, const char *local)
{
	struct ar_suggest *s = arg;
	int d = ar_distance(s->wrong, local, s->limit);
	size_t i, at;

	if (d == 0 || d > s->limit || strlen(local) >= sizeof(s->best[0]))
		return 0;
	for (at = 0; at < s->n; at++)
		if (d < s->dist[at] ||
		    (d == s->dist[at] && strcmp(local, s->best[at]) < 0))
			break;
	if (at == AR_MAX_SUGGEST)
		return 0;
	if (s->n < AR_MAX_SUGGEST)
		s->n++;
	for (i = s->n - 1; i > at; i--) {
		strcpy(s->best[i], s->best[i - 1]);
		s->dist[i] = s->dist[i - 1];
	}
	strcpy(s->best[at], local);
	s->dist[at] = d;
	return 0;
}

/* ar_noreply_sender - addresses that must never get automatic mail */
int ar_noreply_sender(const char *local)
{
	static const char *const exact[] = { "mailer-daemon", "postmaster",
					     "mailer_daemon", "nobody", NULL };
	static const char *const inside[] = { "noreply", "no-reply",
		"no_reply", "donotreply", "do-not-reply", "do_not_reply", NULL };
	char l[256];
	size_t i, n = strlen(local);

	if (n >= sizeof(l))
		return 0;
	for (i = 0; i <= n; i++)
		l[i] = (char) lower(local[i]);
	for (i = 0; exact[i]; i++)
		if (strcmp(l, exact[i]) == 0)
			return 1;
	for (i = 0; inside[i]; i++)
		if (strstr(l, inside[i]))
			return 1;
	return strncmp(l, "owner-", 6) == 0 || strncmp(l, "bounce", 6) == 0 ||
		(n >= 8 && strcmp(l + n - 8, "-request") == 0);
}
