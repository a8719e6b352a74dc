/*
 * NAME
 *	bounce_decode - quoted-printable and base64 text of a bounce
 * SYNOPSIS
 *	#include "bounce_impl.h"
 *
 *	enum bounce_cte bounce_cte(const char *value);
 *	int bounce_decode(cte, in, n, out, &out_len);
 * DESCRIPTION
 *	bounce_cte() names a Content-Transfer-Encoding value (NULL or
 *	empty: identity). Anything but 7bit, 8bit, binary,
 *	quoted-printable and base64 is BOUNCE_CTE_OTHER, which the
 *	parser never reads: it gives up rather than guess.
 *
 *	bounce_decode() writes the decoded span of in (n bytes) to out,
 *	which has room for n bytes: neither decoding ever grows. Line
 *	ends inside quoted-printable text are kept as they are (LF, CRLF
 *	or CR); a soft line break ("=" at the end of a line, blanks
 *	allowed after it) joins the two lines; "=XY" with two hex digits
 *	is that byte, any other "=" stays as it is. Base64 skips blanks
 *	and line ends and stops at the padding; any other byte outside
 *	its alphabet makes the whole span undecodable.
 * DIAGNOSTICS
 *	bounce_decode() returns 0, or -1 when the span is not valid base64
 *	(or the encoding is not one it decodes).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "bounce_impl.h"

/* bounce_cte - the encoding named by a Content-Transfer-Encoding value */
enum bounce_cte bounce_cte(const char *value)
{
	static const char *const identity[] = {
		"7bit", "8bit", "binary", NULL
	};
	size_t n, i;

	if (!value)
		return BOUNCE_CTE_IDENTITY;
	value += strspn(value, " \t\r\n");
	n = strcspn(value, " \t\r\n;(");
	if (n == 0)
		return BOUNCE_CTE_IDENTITY;
	for (i = 0; identity[i]; i++)
		if (n == strlen(identity[i]) &&
		    strncasecmp(value, identity[i], n) == 0)
			return BOUNCE_CTE_IDENTITY;
	if (n == 16 && strncasecmp(value, "quoted-printable", n) == 0)
		return BOUNCE_CTE_QP;
	if (n == 6 && strncasecmp(value, "base64", n) == 0)
		return BOUNCE_CTE_BASE64;
	return BOUNCE_CTE_OTHER;
}

/* hex_value - 0..15 for a hex digit, -1 otherwise */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* soft_break - the length of "=", blanks and one line end at in[i],
 * 0 if that is no soft line break */
static size_t soft_break(const char *in, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && (in[j] == ' ' || in[j] == '\t'))
		j++;
	if (j >= n)
		return j - i;		/* "=" at the very end */
	if (in[j] == '\n')
		return j + 1 - i;
	if (in[j] != '\r')
		return 0;
	j++;
	if (j < n && in[j] == '\n')
		j++;
	return j - i;
}

/* decode_qp - quoted-printable; never fails */
static void decode_qp(const char *in, size_t n, char *out, size_t *out_len)
{
	size_t i = 0, o = 0, k;
	int hi, lo;

	while (i < n) {
		if (in[i] != '=') {
			out[o++] = in[i++];
			continue;
		}
		if ((k = soft_break(in, n, i)) > 0) {
			i += k;
			continue;
		}
		if (i + 2 < n && (hi = hex_value(in[i + 1])) >= 0 &&
		    (lo = hex_value(in[i + 2])) >= 0) {
			out[o++] = (char) (hi * 16 + lo);
			i += 3;
			continue;
		}
		out[o++] = in[i++];
	}
	*out_len = o;
}

/* b64_value - 0..63 for a base64 letter, -1 otherwise */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* decode_base64 - base64; -1 on a byte outside the alphabet */
static int decode_base64(const char *in, size_t n, char *out,
			 size_t *out_len)
{
	unsigned long acc = 0;
	size_t i, o = 0;
	int bits = 0, v, padded = 0;

	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			padded = 1;
			continue;
		}
		if (padded || (v = b64_value(c)) < 0)
			return -1;
		acc = (acc << 6 | (unsigned long) v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char) (acc >> bits & 0xff);
		}
	}
	*out_len = o;
	return 0;
}

/* bounce_decode - see above */
int bounce_decode(enum bounce_cte cte, const char *in, size_t n, char *out,
		  size_t *out_len)
{
	*out_len = 0;
	switch (cte) {
	case BOUNCE_CTE_QP:
		decode_qp(in, n, out, out_len);
		return 0;
	case BOUNCE_CTE_BASE64:
		return decode_base64(in, n, out, out_len);
	default:
		return -1;
	}
}
