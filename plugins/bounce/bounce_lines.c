/*
 * NAME
 *	bounce_lines - lines and header blocks of a captured bounce
 * SYNOPSIS
 *	#include "bounce_impl.h"
 *
 *	int bounce_next_line(buf, len, &pos, &line, &n);
 *	size_t bounce_header_name_len(line, n);
 *	int bounce_walk_headers(buf, len, pos, &walk, fn, arg);
 * DESCRIPTION
 *	Everything works on (pointer, length) spans: no NUL is needed and
 *	nothing is read past len.
 *
 *	bounce_next_line() returns the line at *pos without its end and
 *	moves *pos past it. A line ends in LF, CRLF, or a lone CR (old
 *	Macintosh gateways); up to BOUNCE_CR_RUN CRs before an LF
 *	("\r\r\n", a doubled conversion) belong to the one line end. A
 *	longer run of CRs is looked at no further than that, so a body
 *	of CRs costs time in proportion to its length: each CR of it
 *	that is not within BOUNCE_CR_RUN of an LF is a lone CR.
 *
 *	bounce_header_name_len() is the length of "Name" in "Name: ..."
 *	(printable, no blanks, at most 76 bytes), 0 if the line is no
 *	header.
 *
 *	bounce_walk_headers() unfolds each header of the block at pos
 *	into a fixed buffer (BOUNCE_HDR_MAX, truncated there) and calls
 *	fn with its name and value. Every line must start with the walk's
 *	prefix, which is cut off first; the block ends at an empty line,
 *	at a line without the prefix, at the end of the span, after
 *	BOUNCE_MAX_HEADERS lines, or (unless lenient) at the first line
 *	that is neither a header nor a continuation. A lenient walk skips
 *	such a line and goes on: it reads a block whose folding blanks a
 *	gateway lost. walk->end and walk->how say where and why it ended.
 * DIAGNOSTICS
 *	bounce_walk_headers() returns the number of headers seen.
 */
#include "config.h"

#include <string.h>

#include "bounce_impl.h"

#define BOUNCE_CR_RUN	8	/* CRs before an LF in one line end */

/* bounce_next_line - the line at *pos without its end; 0 at the end */
int bounce_next_line(const char *buf, size_t len, size_t *pos,
		     const char **line_r, size_t *n_r)
{
	size_t i = *pos, crs;

	if (*pos >= len)
		return 0;
	while (i < len && buf[i] != '\n' && buf[i] != '\r')
		i++;
	*line_r = buf + *pos;
	*n_r = i - *pos;
	if (i < len && buf[i] == '\r') {
		for (crs = 0; crs <= BOUNCE_CR_RUN && i + crs < len &&
		     buf[i + crs] == '\r'; crs++)
			;
		/* CR+ LF is one line end; otherwise one lone CR (a run
		 * too long to be a line end is never scanned again whole) */
		i += crs <= BOUNCE_CR_RUN && i + crs < len &&
			buf[i + crs] == '\n' ? crs + 1 : 1;
	} else if (i < len) {
		i++;
	}
	*pos = i;
	return 1;
}

/* bounce_header_name_len - length of "Name" in "Name: ...", else 0 */
size_t bounce_header_name_len(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 77; i++) {
		unsigned char c = (unsigned char) line[i];

		if (c == ':')
			return i;
		if (c <= ' ' || c >= 127)
			return 0;
	}
	return 0;
}

/* flush_header - hand "Name: value" in cur to fn */
static void flush_header(char *cur, size_t *cur_len, bounce_hdr_fn fn,
			 void *arg)
{
	char *colon, *value;

	if (*cur_len == 0)
		return;
	cur[*cur_len] = 0;
	*cur_len = 0;
	if ((colon = strchr(cur, ':')) == NULL)
		return;
	*colon = 0;
	for (value = colon + 1; *value == ' ' || *value == '\t'; value++)
		;
	fn(arg, cur, value);
}

/* append - add bytes to the current header, truncating at the cap */
static void append(char *cur, size_t *cur_len, const char *p, size_t n)
{
	if (n > BOUNCE_HDR_MAX - 1 - *cur_len)
		n = BOUNCE_HDR_MAX - 1 - *cur_len;
	memcpy(cur + *cur_len, p, n);
	*cur_len += n;
}

/* strip_prefix - the line without the walk's prefix; 0 if it lacks it */
static int strip_prefix(const struct bounce_walk *w, const char **line,
			size_t *n)
{
	if (*n < w->prefix_len ||
	    memcmp(*line, w->prefix, w->prefix_len) != 0)
		return 0;
	*line += w->prefix_len;
	*n -= w->prefix_len;
	return 1;
}

/* bounce_walk_headers - each header of the block at pos; the count */
int bounce_walk_headers(const char *buf, size_t len, size_t pos,
			struct bounce_walk *w, bounce_hdr_fn fn, void *arg)
{
	char cur[BOUNCE_HDR_MAX];
	size_t cur_len = 0, n, before = pos;
	const char *line;
	int count = 0, lines = 0;

	w->how = BOUNCE_END_BLANK;
	for (;;) {
		before = pos;
		if (!bounce_next_line(buf, len, &pos, &line, &n))
			break;
		if (!strip_prefix(w, &line, &n)) {
			w->how = BOUNCE_END_PREFIX;
			break;
		}
		if (n == 0) {
			before = pos;
			break;
		}
		if (++lines > BOUNCE_MAX_HEADERS) {
			w->how = BOUNCE_END_CAP;
			break;
		}
		if ((line[0] == ' ' || line[0] == '\t') && cur_len > 0) {
			append(cur, &cur_len, " ", 1);
			while (n > 0 && (*line == ' ' || *line == '\t')) {
				line++;
				n--;
			}
			append(cur, &cur_len, line, n);
			continue;
		}
		if (bounce_header_name_len(line, n) == 0) {
			if (w->lenient) {
				flush_header(cur, &cur_len, fn, arg);
				continue;
			}
			w->how = BOUNCE_END_JUNK;
			break;
		}
		flush_header(cur, &cur_len, fn, arg);
		append(cur, &cur_len, line, n);
		count++;
	}
	flush_header(cur, &cur_len, fn, arg);
	w->end = before;
	return count;
}
