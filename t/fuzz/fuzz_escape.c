/*
 * NAME
 *	fuzz_escape - libFuzzer harness for milter/util/escape.c and the
 *	log sink that escapes every line
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_escape [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	The input, as raw bytes, is escaped whole and into outputs of
 *	several sizes (the first input byte picks a small one), and then
 *	logged quoted in a message. It checks what escape.h promises:
 *	the result holds no control byte (0x00-0x1f, 0x7f) and no C1
 *	control, is valid UTF-8 (checked here by a decoder of its own),
 *	and unescapes to exactly the input; a short output is the
 *	longest prefix of the whole result made of whole escapes and
 *	fits its size; lg_escape_one takes at least one byte and writes
 *	at most LG_ESCAPE_MAX and never more than 4 bytes for each byte it
 *	took (so 4 * size + 1 holds any whole). The captured log line is
 *	one line, with no control byte but the newline that ends it, and
 *	is not cut when the message fits the raw limit.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz_util.h"
#include "log.h"

/* utf8_ok - S is valid UTF-8 with no C1 control (an independent check) */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			need = 1, cp = s[i] & 0x1f;
		else if ((s[i] & 0xf0) == 0xe0)
			need = 2, cp = s[i] & 0x0f;
		else if ((s[i] & 0xf8) == 0xf0)
			need = 3, cp = s[i] & 0x07;
		else
			return 0;
		if (i + need >= n)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* hexval - a lower-case hex digit's value, or -1 */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* unescape - the bytes OUT stands for, into BUF; their number, or -1
 * when OUT holds a backslash that starts no escape */
static long unescape(const char *out, unsigned char *buf)
{
	long n = 0;
	int hi, lo;

	while (*out) {
		if (*out != '\\') {
			buf[n++] = (unsigned char) *out++;
			continue;
		}
		switch (out[1]) {
		case '\\': buf[n++] = '\\'; out += 2; break;
		case 't': buf[n++] = '\t'; out += 2; break;
		case 'n': buf[n++] = '\n'; out += 2; break;
		case 'r': buf[n++] = '\r'; out += 2; break;
		case 'x':
			if ((hi = hexval(out[2])) < 0 || (lo = hexval(out[3])) < 0)
				return -1;
			buf[n++] = (unsigned char) (hi * 16 + lo);
			out += 4;
			break;
		default:
			return -1;
		}
	}
	return n;
}

/* check_whole - the whole input escaped: clean, and reversible */
static char *check_whole(const uint8_t *data, size_t size, size_t *len_r)
{
	size_t cap = 4 * size + 1, n, i;	/* escape.h: 4 a byte at most */
	char *out = malloc(cap);
	unsigned char *back = malloc(size + 1);
	long m;

	if (!out || !back)
		abort();
	n = lg_escape((const char *) data, size, out, cap);
	FZ_CHECK(n == strlen(out) && n < cap, "length %zu, strlen %zu",
		 n, strlen(out));
	for (i = 0; i < n; i++)
		FZ_CHECK((unsigned char) out[i] >= 0x20 && out[i] != 0x7f,
			 "control byte 0x%02x at %zu", (unsigned char) out[i], i);
	FZ_CHECK(utf8_ok((const unsigned char *) out, n),
		 "escaped text is not clean UTF-8");
	m = unescape(out, back);
	FZ_CHECK(m == (long) size && memcmp(back, data, size) == 0,
		 "escaped text does not stand for the input (%ld of %zu bytes)",
		 m, size);
	free(back);
	*len_r = n;
	return out;
}

/* check_short - into SIZE bytes: a prefix of WHOLE, of whole escapes */
static void check_short(const uint8_t *data, size_t len, const char *whole,
			size_t whole_len, size_t size)
{
	char *out = malloc(size);
	size_t n, used, piece_n;
	char piece[LG_ESCAPE_MAX + 1];

	if (!out)
		abort();
	n = lg_escape((const char *) data, len, out, size);
	FZ_CHECK(n < size && n == strlen(out), "short output %zu in %zu", n, size);
	FZ_CHECK(n <= whole_len && memcmp(out, whole, n) == 0,
		 "short output is no prefix of the whole");
	if (n < whole_len) {
		/* the next escape would not have fit: it was left out whole */
		const char *p = (const char *) data;
		size_t left = len, done = 0;

		while (done < n) {
			piece_n = lg_escape_one(p, left, piece, &used);
			done += piece_n;
			p += used;
			left -= used;
		}
		FZ_CHECK(done == n, "cut inside an escape");
		piece_n = lg_escape_one(p, left, piece, &used);
		FZ_CHECK(n + piece_n >= size, "stopped although %zu more fit",
			 piece_n);
	}
	free(out);
}

/* check_one - each step takes 1-4 bytes and writes 1-8 */
static void check_one(const uint8_t *data, size_t size)
{
	char piece[LG_ESCAPE_MAX + 1];
	const char *p = (const char *) data;
	size_t left = size, used, n;

	while (left > 0) {
		n = lg_escape_one(p, left, piece, &used);
		FZ_CHECK(used >= 1 && used <= 4 && used <= left,
			 "took %zu of %zu bytes", used, left);
		FZ_CHECK(n >= 1 && n <= LG_ESCAPE_MAX && n == strlen(piece),
			 "wrote %zu bytes", n);
		FZ_CHECK(n <= 4 * used, "wrote %zu bytes for %zu", n, used);
		p += used;
		left -= used;
	}
}

/* check_log - the input quoted in a message: one clean line */
static void check_log(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);
	const char *got, *p;

	lg_log(LG_LOG_WARN, "peer \"%s\" end", text);
	got = lg_log_captured();
	for (p = got; *p; p++)
		FZ_CHECK(((unsigned char) *p >= 0x20 && *p != 0x7f) ||
			 (*p == '\n' && p[1] == 0),
			 "log byte 0x%02x at %zu", (unsigned char) *p,
			 (size_t) (p - got));
	FZ_CHECK(*got && got[strlen(got) - 1] == '\n', "no line logged");
	/* a message within the raw limit is never cut by its escaping */
	if (strlen(text) + sizeof("peer \"\" end") < 2000)
		FZ_CHECK(strlen(got) >= 6 &&
			 strcmp(got + strlen(got) - 6, "\" end\n") == 0,
			 "the line was cut after escaping");
	free(text);
	fz_log_reset();
}

/* LLVMFuzzerInitialize - the log into memory */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fz_log_setup();
	return 0;
}

/* LLVMFuzzerTestOneInput - one input, escaped every way */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t whole_len, small;
	char *whole;

	whole = check_whole(data, size, &whole_len);
	small = size ? (size_t) data[0] % 24 + 1 : 1;
	check_short(data, size, whole, whole_len, small);
	check_short(data, size, whole, whole_len, whole_len / 2 + 1);
	check_short(data, size, whole, whole_len, whole_len + 1);
	check_one(data, size);
	check_log(data, size);
	free(whole);
	return 0;
}
