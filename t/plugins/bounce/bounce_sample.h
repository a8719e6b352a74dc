/*
 * NAME
 *	bounce_sample.h - split a stored bounce into its top headers and body
 * SYNOPSIS
 *	#include "bounce_sample.h"
 *
 *	size_t body = sample_split(buf, len, ct, sizeof(ct), cte,
 *				   sizeof(cte));
 * DESCRIPTION
 *	A sample of the bounce corpus (and an input of fuzz_mime) is a
 *	whole message. The plugin sees its top-level headers through the
 *	host and only the body as text, so the tests hand the parser the
 *	same: the Content-Type and Content-Transfer-Encoding values
 *	(unfolded, "" when absent, cut at their buffer) and the body.
 *	Lines may end in LF, CRLF or CR. Written apart from the parser on
 *	purpose, so that the tests do not trust the code they test.
 * DIAGNOSTICS
 *	sample_split() returns the offset of the body (len when there is
 *	no empty line).
 */
#ifndef BOUNCE_SAMPLE_H
#define BOUNCE_SAMPLE_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* sample_eol - the length of the line end at p (0: none): LF, CR+ LF
 * (a doubled conversion is one line end), or a lone CR */
static size_t sample_eol(const char *p, size_t left)
{
	size_t crs = 0;

	while (crs < left && p[crs] == '\r')
		crs++;
	if (crs < left && p[crs] == '\n')
		return crs + 1;
	return crs > 0 ? 1 : 0;
}

/* sample_keep - append the line to out when it belongs to NAME */
static void sample_keep(const char *line, size_t n, const char *name,
			int *in, char *out, size_t size)
{
	size_t k = strlen(name), have = strlen(out);

	if (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
		if (!*in)
			return;
	} else {
		*in = n > k && strncasecmp(line, name, k) == 0 &&
			line[k] == ':' && !out[0];
		if (!*in)
			return;
		line += k + 1;
		n -= k + 1;
	}
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (have > 0 && have + 1 < size)
		out[have++] = ' ';
	if (n > size - 1 - have)
		n = size - 1 - have;
	memcpy(out + have, line, n);
	out[have + n] = 0;
}

/* sample_split - see above */
static size_t sample_split(const char *buf, size_t len, char *ct,
			   size_t ct_size, char *cte, size_t cte_size)
{
	size_t pos = 0, n, e;
	int in_ct = 0, in_cte = 0;

	ct[0] = cte[0] = 0;
	while (pos < len) {
		for (n = 0; pos + n < len && !sample_eol(buf + pos + n,
							 len - pos - n); n++)
			;
		e = sample_eol(buf + pos + n, len - pos - n);
		if (n == 0)
			return pos + e;
		sample_keep(buf + pos, n, "Content-Type", &in_ct, ct, ct_size);
		sample_keep(buf + pos, n, "Content-Transfer-Encoding", &in_cte,
			    cte, cte_size);
		pos += n + e;
	}
	return len;
}

#endif
