/*
 * NAME
 *	fuzz_template - libFuzzer harness for the autoreply text functions
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_template [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	Input: up to six strings separated by NUL bytes: a template, then
 *	the values of %{sender}, %{recipients}, %{subject}, %{date} and
 *	%{suggestions}. They go through plugins/autoreply/autoreply_text.c
 *	the way the plugin uses it: ar_template_check and ar_expand,
 *	ar_one_line at several sizes, ar_header with and without RFC 2047
 *	encoding, ar_body, ar_distance, ar_suggest_consider and
 *	ar_noreply_sender.
 *
 *	Checked besides memory errors: a header line never carries a
 *	control byte and every line after the first is a fold; unfolding
 *	ar_header's output (decoding its encoded words) gives back exactly
 *	the ar_one_line text; body lines stay within 998 bytes; output is
 *	valid UTF-8; the bounded edit distance is symmetric and does not
 *	depend on the bound below it; suggestions stay sorted.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "fuzz_util.h"

#define PARTS	6

/* check_one_line - ar_one_line's promises at size max */
static void check_one_line(const char *text, size_t max)
{
	char *out = malloc(max);
	size_t n, i;

	if (!out)
		abort();
	ar_one_line(text, out, max);
	n = strlen(out);
	FZ_CHECK(n < max, "one_line: %zu bytes in %zu", n, max);
	for (i = 0; i < n; i++)
		FZ_CHECK((unsigned char) out[i] >= 0x20 && out[i] != 0x7f,
			 "one_line: control byte 0x%02x", (unsigned char) out[i]);
	FZ_CHECK(n == 0 || (out[0] != ' ' && out[n - 1] != ' '),
		 "one_line: blank at an end");
	FZ_CHECK(!strstr(out, "  "), "one_line: a run of blanks");
	FZ_CHECK(fz_utf8_ok((const unsigned char *) out, n),
		 "one_line: invalid UTF-8 (or cut inside a character)");
	free(out);
}

/* b64 - the value of one base64 digit, -1 for '=' or junk */
static int b64(char c)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(abc, c) : NULL;

	return p ? (int) (p - abc) : -1;
}

/* decode_word - append the text of one "=?UTF-8?B?...?=" to out */
static void decode_word(const char *w, size_t n, struct ar_buf *out)
{
	size_t i;
	int v[4], k;
	char c[3];

	FZ_CHECK(n >= 12 && memcmp(w, "=?UTF-8?B?", 10) == 0 &&
		 memcmp(w + n - 2, "?=", 2) == 0 && (n - 12) % 4 == 0,
		 "header: \"%.*s\" is not an encoded word", (int) n, w);
	for (i = 10; i + 4 <= n - 2; i += 4) {
		for (k = 0; k < 4; k++)
			v[k] = b64(w[i + k]);
		FZ_CHECK(v[0] >= 0 && v[1] >= 0, "header: bad base64");
		c[0] = (char) (v[0] << 2 | v[1] >> 4);
		c[1] = (char) ((v[1] & 15) << 4 | (v[2] >= 0 ? v[2] >> 2 : 0));
		c[2] = (char) ((v[2] & 3) << 6 | (v[3] >= 0 ? v[3] : 0));
		ar_buf_add(out, c, v[2] < 0 ? 1 : v[3] < 0 ? 2 : 3);
	}
}

/* check_header - fold and encoding rules, and the round trip */
static void check_header(const char *value, int encode)
{
	struct ar_buf out = { 0 }, back = { 0 };
	size_t max = strlen(value) + 1, i, start;
	char *clean = malloc(max);
	const unsigned char *p;
	int high = 0;

	if (!clean)
		abort();
	ar_one_line(value, clean, max);
	ar_header(&out, "Subject", value, encode);
	FZ_CHECK(!out.nomem && out.text && strncmp(out.text, "Subject:", 8) == 0 &&
		 out.len > 8 && out.text[out.len - 1] == '\n',
		 "header: not \"Subject: ...\\n\"");
	for (i = 0; i < out.len; i++) {
		p = (const unsigned char *) out.text + i;
		FZ_CHECK(*p == '\n' || (*p >= 0x20 && *p != 0x7f),
			 "header: control byte 0x%02x", *p);
		FZ_CHECK(*p != '\n' || i + 1 == out.len || p[1] == ' ',
			 "header: a line that is not a fold");
	}
	for (p = (const unsigned char *) clean; *p; p++)
		high |= *p >= 0x80;
	/* unfold: drop each newline, keep the blank after it */
	for (i = 8; i + 1 < out.len; ) {
		FZ_CHECK(out.text[i] == ' ' || out.text[i] == '\n',
			 "header: tokens not separated by a blank");
		while (i + 1 < out.len && (out.text[i] == ' ' || out.text[i] == '\n'))
			i++;
		for (start = i; i + 1 < out.len && out.text[i] != ' ' &&
		     out.text[i] != '\n'; i++)
			;
		if (i == start)
			break;
		if (encode && high) {
			decode_word(out.text + start, i - start, &back);
		} else {
			if (back.len)
				ar_buf_add(&back, " ", 1);
			ar_buf_add(&back, out.text + start, i - start);
		}
	}
	ar_buf_add(&back, "", 0);
	FZ_CHECK(!back.nomem && strcmp(back.text, clean) == 0,
		 "header: unfolds to \"%s\", not \"%s\"", back.text, clean);
	ar_buf_free(&out);
	ar_buf_free(&back);
	free(clean);
}

/* check_body - LF line ends, short lines, UTF-8, a final newline */
static void check_body(const char *text)
{
	struct ar_buf out = { 0 };
	size_t i, col = 0;

	ar_body(&out, text);
	FZ_CHECK(!out.nomem && out.len > 0 && out.text[out.len - 1] == '\n',
		 "body: no final newline");
	FZ_CHECK(strlen(out.text) == out.len, "body: a NUL inside");
	for (i = 0; i < out.len; i++) {
		FZ_CHECK(out.text[i] != '\r', "body: a CR");
		col = out.text[i] == '\n' ? 0 : col + 1;
		FZ_CHECK(col <= 998, "body: a line longer than 998 bytes");
	}
	FZ_CHECK(fz_utf8_ok((const unsigned char *) out.text, out.len),
		 "body: invalid UTF-8");
	ar_buf_free(&out);
}

/* check_distance - symmetric, and the bound only cuts it short */
static void check_distance(const char *a, const char *b)
{
	int d2 = ar_distance(a, b, 2), d5 = ar_distance(a, b, 5);

	FZ_CHECK(d2 >= 0 && d2 <= 3 && d5 >= 0 && d5 <= 6,
		 "distance out of range: %d %d", d2, d5);
	FZ_CHECK(d2 == ar_distance(b, a, 2) && d5 == ar_distance(b, a, 5),
		 "distance is not symmetric");
	FZ_CHECK(d5 > 2 ? d2 == 3 : d2 == d5,
		 "distance %d with limit 2, %d with limit 5", d2, d5);
	/* longer words are not compared at all (limit + 1) */
	FZ_CHECK(ar_distance(a, a, 0) == (strlen(a) > 128),
		 "distance to itself");
}

/* check_suggest - every word of text as a candidate for wrong */
static void check_suggest(const char *wrong, char *text)
{
	struct ar_suggest s;
	char *w, *save = NULL;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.wrong = wrong;
	s.limit = 2;
	for (w = strtok_r(text, " ,\n", &save); w; w = strtok_r(NULL, " ,\n", &save))
		(void) ar_suggest_consider(&s, w);
	FZ_CHECK(s.n <= AR_MAX_SUGGEST, "%zu suggestions", s.n);
	for (i = 0; i < s.n; i++) {
		FZ_CHECK(s.dist[i] >= 1 && s.dist[i] <= s.limit,
			 "suggestion at distance %d", s.dist[i]);
		FZ_CHECK(i == 0 || s.dist[i - 1] < s.dist[i] ||
			 (s.dist[i - 1] == s.dist[i] &&
			  strcmp(s.best[i - 1], s.best[i]) <= 0),
			 "suggestions out of order");
	}
}

/* LLVMFuzzerTestOneInput - one template and its values */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[PARTS], bad[64];
	struct ar_buf out = { 0 }, bare = { 0 };
	struct ar_vars v;
	const uint8_t *p;
	size_t i, n;

	for (i = 0; i < PARTS; i++) {
		p = fz_split(&data, &size, &n);
		part[i] = fz_strndup(p, n);
	}
	v.sender = part[1];
	v.recipients = part[2];
	v.subject = part[3];
	v.date = part[4];
	v.suggestions = part[5];
	if (ar_template_check(part[0], bad, sizeof(bad)) != 0)
		FZ_CHECK(bad[0] == '%' && strlen(bad) < sizeof(bad),
			 "template_check: \"%s\"", bad);
	ar_expand(&out, part[0], &v);
	FZ_CHECK(!out.nomem && out.text, "expand: no text");
	memset(&v, 0, sizeof(v));
	ar_expand(&bare, part[0], &v);
	FZ_CHECK(!bare.nomem && bare.text && bare.len <= strlen(part[0]),
		 "expand: empty values make the text longer");
	check_body(out.text);
	check_body(part[0]);
	for (i = 0; i < PARTS; i++) {
		check_one_line(part[i], 1);
		check_one_line(part[i], 8);
		check_one_line(part[i], 998);
		check_header(part[i], 0);
		check_header(part[i], 1);
		(void) ar_noreply_sender(part[i]);
	}
	check_distance(part[1], part[2]);
	check_distance(part[3], part[4]);
	check_suggest(part[1], part[5]);
	ar_buf_free(&out);
	ar_buf_free(&bare);
	for (i = 0; i < PARTS; i++)
		free(part[i]);
	return 0;
}
