/*
 * NAME
 *	escape.c - make peer text safe for one line (see escape.h)
 * SYNOPSIS
 *	#include "escape.h"
 * DESCRIPTION
 *	UTF-8 is checked as RFC 3629 defines it: a lead byte 0xc2-0xf4,
 *	then the right number of continuation bytes, with the second
 *	byte's range narrowed after 0xe0 (no overlong form), 0xed (no
 *	surrogate), 0xf0 (no overlong form) and 0xf4 (nothing past
 *	U+10FFFF). A byte that does not start such a sequence is escaped
 *	alone and the scan goes on with the next byte.
 */
#include "config.h"

/* System library. */
#include <stdio.h>
#include <string.h>

/* Utility library. */
#include "escape.h"

/* utf8_length - bytes of the valid UTF-8 sequence at S, or 0 */
static size_t utf8_length(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < need || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need;
}

/* hex_byte - "\xHH" into OUT; 4 */
static size_t hex_byte(unsigned char c, char *out)
{
	static const char digits[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	out[2] = digits[c >> 4];
	out[3] = digits[c & 0x0f];
	out[4] = 0;
	return 4;
}

/* named - "\\", "\t", "\n", "\r" for the bytes that have a name */
static const char *named(unsigned char c)
{
	switch (c) {
	case '\\':
		return "\\\\";
	case '\t':
		return "\\t";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	default:
		return NULL;
	}
}

/* lg_escape_one - the escaped form of the character at IN */
size_t lg_escape_one(const char *in, size_t len, char *out, size_t *used_r)
{
	const unsigned char *s = (const unsigned char *) in;
	const char *name;
	size_t n;

	*used_r = 1;
	if ((name = named(s[0])) != NULL) {
		memcpy(out, name, 3);
		return 2;
	}
	if (s[0] < 0x20 || s[0] == 0x7f)
		return hex_byte(s[0], out);
	if (s[0] < 0x80) {
		out[0] = (char) s[0];
		out[1] = 0;
		return 1;
	}
	if ((n = utf8_length(s, len)) == 0)
		return hex_byte(s[0], out);
	*used_r = n;
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
		hex_byte(s[0], out);
		return 4 + hex_byte(s[1], out + 4);
	}
	memcpy(out, in, n);
	out[n] = 0;
	return n;
}

/* lg_escape - LEN bytes of IN escaped into OUT, cut at a whole escape */
size_t lg_escape(const char *in, size_t len, char *out, size_t size)
{
	char piece[LG_ESCAPE_MAX + 1];
	size_t done = 0, used, n;

	while (len > 0) {
		n = lg_escape_one(in, len, piece, &used);
		if (done + n >= size)
			break;
		memcpy(out + done, piece, n);
		done += n;
		in += used;
		len -= used;
	}
	out[done] = 0;
	return done;
}

/* lg_escape_needed - whether lg_escape() may change IN */
int lg_escape_needed(const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *) in;
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\')
			return 1;
	return 0;
}

/* hex_digit - the value of one hex digit, or -1 */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* lg_unescape_one - the byte one escape at IN stands for */
size_t lg_unescape_one(const char *in, size_t len, unsigned char *byte_r)
{
	int hi, lo;

	if (len < 2 || in[0] != '\\')
		return 0;
	switch (in[1]) {
	case '\\': *byte_r = '\\'; return 2;
	case 't': *byte_r = '\t'; return 2;
	case 'n': *byte_r = '\n'; return 2;
	case 'r': *byte_r = '\r'; return 2;
	case 'x':
		if (len < 4 || (hi = hex_digit(in[2])) < 0 ||
		    (lo = hex_digit(in[3])) < 0)
			return 0;
		*byte_r = (unsigned char) (hi << 4 | lo);
		return 4;
	default:
		return 0;
	}
}
