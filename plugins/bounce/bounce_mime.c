/*
 * NAME
 *	bounce_mime - find the returned original inside a bounce
 * SYNOPSIS
 *	#include "bounce.h"
 * DESCRIPTION
 *	See bounce.h. Everything works on (pointer, length) spans of the
 *	captured body: lines end in LF or CRLF, a line may be as long as
 *	the buffer, and no step reads past the end. Header values are
 *	unfolded into a fixed buffer and truncated there.
 *
 *	Order of search: in a multipart top level (any subtype, so
 *	multipart/report and Exchange-style multipart/mixed alike), the
 *	first message/rfc822, message/global, text/rfc822-headers or
 *	message/global-headers part, nested multiparts included up to
 *	BOUNCE_MAX_DEPTH; then, anywhere in the body, the first block of
 *	at least two header lines that starts with Return-Path:,
 *	Received: or Message-ID: and holds a Message-ID or Return-Path
 *	(qmail's "Below this line is a copy of the message", old
 *	Exchange and other non-standard bounces); last, the
 *	Original-Message-ID field of a message/disposition-notification
 *	(RFC 8098: an MDN need not return any header).
 * DIAGNOSTICS
 *	None: what cannot be parsed is simply not found.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "bounce.h"

#define HDR_MAX		1024	/* one unfolded header, truncated */
#define BOUNDARY_MAX	200	/* RFC 2046 says 70; be lenient */

typedef void (*hdr_fn)(void *arg, const char *name, const char *value);

/* next_line - the line at *pos without its LF/CRLF; 0 at the end */
static int next_line(const char *buf, size_t len, size_t *pos,
		     const char **line_r, size_t *n_r)
{
	const char *start, *nl;
	size_t n;

	if (*pos >= len)
		return 0;
	start = buf + *pos;
	nl = memchr(start, '\n', len - *pos);
	n = nl ? (size_t) (nl - start) : len - *pos;
	*pos += nl ? n + 1 : n;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	*line_r = start;
	*n_r = n;
	return 1;
}

/* header_name_len - length of "Name" in "Name: ...", 0 if not a header */
static size_t header_name_len(const char *line, size_t n)
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
static void flush_header(char *cur, size_t *cur_len, hdr_fn fn, void *arg)
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

/* append - add bytes to the current header, truncating at HDR_MAX */
static void append(char *cur, size_t *cur_len, const char *p, size_t n)
{
	if (n > HDR_MAX - 1 - *cur_len)
		n = HDR_MAX - 1 - *cur_len;
	memcpy(cur + *cur_len, p, n);
	*cur_len += n;
}

/* walk_headers - call fn for each header of the block at pos; return
 * the count, *end_r = where the body starts (after the empty line, or
 * at the first line that is not a header) */
static int walk_headers(const char *buf, size_t len, size_t pos,
			hdr_fn fn, void *arg, size_t *end_r)
{
	char cur[HDR_MAX];
	size_t cur_len = 0, n, before;
	const char *line;
	int count = 0, lines = 0;

	for (;;) {
		before = pos;
		if (!next_line(buf, len, &pos, &line, &n)) {
			before = pos;
			break;
		}
		if (n == 0) {
			before = pos;
			break;
		}
		if (++lines > BOUNCE_MAX_HEADERS)
			break;
		if ((line[0] == ' ' || line[0] == '\t') && count > 0) {
			append(cur, &cur_len, " ", 1);
			while (n > 0 && (*line == ' ' || *line == '\t')) {
				line++;
				n--;
			}
			append(cur, &cur_len, line, n);
			continue;
		}
		if (header_name_len(line, n) == 0)
			break;
		flush_header(cur, &cur_len, fn, arg);
		append(cur, &cur_len, line, n);
		count++;
	}
	flush_header(cur, &cur_len, fn, arg);
	*end_r = before;
	return count;
}

/* skip_ws - past blanks */
static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* ctype_is - does the media type of CT equal TYPE ("x/" matches a
 * whole family) */
static int ctype_is(const char *ct, const char *type)
{
	size_t n = strlen(type), m;

	ct = skip_ws(ct);
	if (strncasecmp(ct, type, n) != 0)
		return 0;
	if (type[n - 1] == '/')
		return 1;
	m = strcspn(ct + n, "; \t\r\n(");
	return m == 0;
}

/* ctype_boundary - the boundary parameter of CT; 0 or -1 */
static int ctype_boundary(const char *ct, char *buf, size_t size)
{
	const char *p = ct;
	size_t n;

	while ((p = strchr(p, ';')) != NULL) {
		p = skip_ws(p + 1);
		if (strncasecmp(p, "boundary", 8) != 0 ||
		    *skip_ws(p + 8) != '=') {
			/* skip this parameter, quotes included */
			while (*p && *p != ';') {
				if (*p == '"')
					for (p++; *p && *p != '"'; p++)
						if (*p == '\\' && p[1])
							p++;
				if (*p)
					p++;
			}
			continue;
		}
		p = skip_ws(skip_ws(p + 8) + 1);
		n = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				if (n + 1 >= size)
					return -1;
				buf[n++] = *p;
			}
			if (*p != '"')
				return -1;
		} else {
			for (; *p && !strchr("; \t\r\n", *p); p++) {
				if (n + 1 >= size)
					return -1;
				buf[n++] = *p;
			}
		}
		buf[n] = 0;
		return n > 0 ? 0 : -1;
	}
	return -1;
}

/* is_delimiter - "--boundary" or "--boundary--", trailing blanks ok;
 * 1 delimiter, 2 close delimiter, 0 neither */
static int is_delimiter(const char *line, size_t n, const char *b,
			size_t blen)
{
	int kind = 1;
	size_t i;

	if (n < blen + 2 || line[0] != '-' || line[1] != '-' ||
	    memcmp(line + 2, b, blen) != 0)
		return 0;
	i = blen + 2;
	if (n >= i + 2 && line[i] == '-' && line[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	for (; i < n; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return kind;
}

/* dkim_domain - the d= tag of a DKIM-Signature value, lower case,
 * each domain once */
static void dkim_domain(const char *v, struct bounce_original *o)
{
	const char *p = v;
	char *out;
	size_t n = 0;
	int i;

	if (o->n_dkim >= BOUNCE_MAX_DKIM)
		return;
	for (;;) {
		p += strspn(p, " \t\r\n");
		if ((p[0] == 'd' || p[0] == 'D') &&
		    p[1 + strspn(p + 1, " \t\r\n")] == '=')
			break;
		if ((p = strchr(p, ';')) == NULL)
			return;
		p++;
	}
	p = strchr(p, '=') + 1;
	p += strspn(p, " \t\r\n");
	out = o->dkim_domains[o->n_dkim];
	while (p[n] && p[n] != ';' && !strchr(" \t\r\n", p[n]) &&
	       n < BOUNCE_DOMAIN_MAX) {
		out[n] = p[n] >= 'A' && p[n] <= 'Z' ? p[n] + 32 : p[n];
		n++;
	}
	out[n] = 0;
	if (n == 0 || n >= BOUNCE_DOMAIN_MAX)
		return;
	for (i = 0; i < o->n_dkim; i++)		/* each domain once */
		if (strcmp(o->dkim_domains[i], out) == 0)
			return;
	o->n_dkim++;
}

/* original_header - note what matters in one returned header */
static void original_header(void *arg, const char *name, const char *value)
{
	struct bounce_original *o = arg;
	const char *v = skip_ws(value);

	if (strcasecmp(name, "Message-ID") == 0 && !o->message_id[0])
		(void) bounce_message_id(v, strlen(v), o->message_id,
					 sizeof(o->message_id));
	else if (strcasecmp(name, "Return-Path") == 0 &&
		 v[0] == '<' && *skip_ws(v + 1) == '>')
		o->null_sender = 1;
	else if (strcasecmp(name, "Content-Type") == 0 &&
		 ctype_is(v, "multipart/report"))
		o->null_sender = 1;
	else if (strcasecmp(name, LG_LOOP_HEADER) == 0)
		o->loops++;
	else if (strcasecmp(name, "DKIM-Signature") == 0)
		dkim_domain(v, o);
}

/* parse_original - the headers of a returned part; 1 if it had any */
static int parse_original(const char *p, size_t n, enum bounce_kind kind,
			  struct bounce_original *o)
{
	size_t end;

	if (walk_headers(p, n, 0, original_header, o, &end) == 0)
		return 0;
	o->kind = kind;
	o->text = p;
	o->text_len = n;
	return 1;
}

struct part_info {
	char ctype[HDR_MAX];
};

/* part_header - keep a part's Content-Type */
static void part_header(void *arg, const char *name, const char *value)
{
	struct part_info *pi = arg;

	if (strcasecmp(name, "Content-Type") == 0 && !pi->ctype[0]) {
		strncpy(pi->ctype, value, sizeof(pi->ctype) - 1);
		pi->ctype[sizeof(pi->ctype) - 1] = 0;
	}
}

static int walk_multipart(const char *buf, size_t len, const char *ct,
			  int depth, struct bounce_original *o);

/* handle_part - 1 if this part is (or holds) the returned original */
static int handle_part(const char *p, size_t n, int depth,
		       struct bounce_original *o)
{
	struct part_info pi;
	size_t body;

	pi.ctype[0] = 0;
	(void) walk_headers(p, n, 0, part_header, &pi, &body);
	if (ctype_is(pi.ctype, "message/rfc822") ||
	    ctype_is(pi.ctype, "message/global"))
		return parse_original(p + body, n - body, BOUNCE_RFC822, o);
	if (ctype_is(pi.ctype, "text/rfc822-headers") ||
	    ctype_is(pi.ctype, "message/global-headers"))
		return parse_original(p + body, n - body, BOUNCE_HEADERS, o);
	if (ctype_is(pi.ctype, "multipart/") && depth + 1 < BOUNCE_MAX_DEPTH)
		return walk_multipart(p + body, n - body, pi.ctype, depth + 1,
				      o);
	return 0;
}

/* walk_multipart - each part between the delimiters of CT's boundary;
 * a missing close delimiter (a truncated bounce) ends the last part at
 * the end of the buffer */
static int walk_multipart(const char *buf, size_t len, const char *ct,
			  int depth, struct bounce_original *o)
{
	char b[BOUNDARY_MAX + 1];
	size_t pos = 0, blen, part = 0, line_start, n;
	const char *line;
	int parts = 0, kind = 0;

	if (ctype_boundary(ct, b, sizeof(b)) != 0)
		return 0;
	blen = strlen(b);
	/* the preamble, up to the first delimiter */
	while (kind == 0 && next_line(buf, len, &pos, &line, &n))
		kind = is_delimiter(line, n, b, blen);
	while (kind == 1 && parts++ < BOUNCE_MAX_PARTS) {
		part = pos;
		kind = 0;
		line_start = pos;
		while (next_line(buf, len, &pos, &line, &n)) {
			if ((kind = is_delimiter(line, n, b, blen)) != 0)
				break;
			line_start = pos;
		}
		if (kind == 0)
			line_start = len;
		if (handle_part(buf + part, line_start - part, depth, o))
			return 1;
	}
	return 0;
}

/* inline_start - a line that may open a copied header block */
static int inline_start(const char *line, size_t n)
{
	static const char *const names[] = {
		"Return-Path:", "Received:", "Message-ID:", NULL
	};
	size_t i, k;

	for (i = 0; names[i]; i++) {
		k = strlen(names[i]);
		if (n >= k && strncasecmp(line, names[i], k) == 0)
			return 1;
	}
	return 0;
}

/* find_inline - the first plausible copied header block in the text */
static int find_inline(const char *buf, size_t len, struct bounce_original *o)
{
	size_t pos = 0, start, end, n;
	const char *line;
	struct bounce_original t;

	for (;;) {
		start = pos;
		if (!next_line(buf, len, &pos, &line, &n))
			return 0;
		if (!inline_start(line, n))
			continue;
		memset(&t, 0, sizeof(t));
		if (walk_headers(buf, len, start, original_header, &t,
				 &end) >= 2 && (t.message_id[0] || t.null_sender)) {
			*o = t;
			o->kind = BOUNCE_INLINE;
			return 1;
		}
		if (end > pos)
			pos = end;
	}
}

/* find_mdn_field - "Original-Message-ID: <id>" at the start of a line */
static int find_mdn_field(const char *buf, size_t len,
			  struct bounce_original *o)
{
	static const char name[] = "Original-Message-ID:";
	size_t pos = 0, n, k = sizeof(name) - 1;
	const char *line;

	while (next_line(buf, len, &pos, &line, &n)) {
		if (n <= k || strncasecmp(line, name, k) != 0)
			continue;
		if (bounce_message_id(line + k, n - k, o->message_id,
				      sizeof(o->message_id)) == 0) {
			o->kind = BOUNCE_MDN;
			return 1;
		}
	}
	return 0;
}

/* bounce_find_original - see bounce.h */
int bounce_find_original(const char *content_type, const char *body,
			 size_t len, struct bounce_original *o)
{
	memset(o, 0, sizeof(*o));
	if (!body)
		return 0;
	if (content_type && ctype_is(content_type, "multipart/") &&
	    walk_multipart(body, len, content_type, 0, o))
		return 1;
	memset(o, 0, sizeof(*o));
	if (find_inline(body, len, o))
		return 1;
	memset(o, 0, sizeof(*o));
	return find_mdn_field(body, len, o);
}

/* bounce_message_id - see bounce.h */
int bounce_message_id(const char *value, size_t len, char *buf, size_t size)
{
	const char *p = value, *end = value + len, *lt, *gt;
	size_t n, i;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((lt = memchr(p, '<', (size_t) (end - p))) != NULL) {
		if ((gt = memchr(lt, '>', (size_t) (end - lt))) == NULL)
			return -1;
		p = lt + 1;
		end = gt;
	} else {
		for (gt = p; gt < end && *gt != ' ' && *gt != '\t' &&
		     *gt != '\r' && *gt != '\n'; gt++)
			;
		end = gt;
	}
	n = (size_t) (end - p);
	if (n == 0 || n > BOUNCE_ID_MAX || n >= size)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char) p[i] <= ' ' || (unsigned char) p[i] >= 127)
			return -1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return 0;
}

/* bounce_kind_name - for log lines */
const char *bounce_kind_name(enum bounce_kind kind)
{
	switch (kind) {
	case BOUNCE_RFC822:
		return "rfc822";
	case BOUNCE_HEADERS:
		return "rfc822-headers";
	case BOUNCE_INLINE:
		return "inline";
	case BOUNCE_MDN:
		return "mdn";
	default:
		return "none";
	}
}
