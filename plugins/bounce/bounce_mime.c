/*
 * NAME
 *	bounce_mime - find the returned original inside a bounce
 * SYNOPSIS
 *	#include "bounce.h"
 * DESCRIPTION
 *	See bounce.h. Everything works on (pointer, length) spans of the
 *	captured body (lines: bounce_lines.c; what one returned header
 *	tells: bounce_fields.c); no step reads past the end. Header values are unfolded into a fixed buffer and truncated
 *	there.
 *
 *	One walk over a multipart top level (any subtype, so
 *	multipart/report and Exchange-style multipart/mixed alike;
 *	nested multiparts up to BOUNCE_MAX_DEPTH) notes:
 *	- the first message/rfc822, message/global, text/rfc822-headers
 *	  or message/global-headers part: the returned original. When
 *	  its header walk stops early (a line that is no header, as when
 *	  a gateway lost the folding blanks), the rest of that block (to
 *	  its empty line, BOUNCE_MAX_HEADERS lines at most) is read for a
 *	  column-0 Message-ID;
 *	- the first message/delivery-status part: the DSN fields
 *	  (bounce_dsn.c), wherever it stands;
 *	- the first inline copy of the original headers (bounce_inline.c)
 *	  in a text part (or a part without Content-Type), after
 *	  decoding quoted-printable or base64 (bounce_decode.c); a part
 *	  in any other encoding is not read.
 *	A returned part wins over an inline copy, whatever their order.
 *	Without a multipart (or when no delimiter appears at all) the
 *	whole body is the text, decoded as the message's own
 *	Content-Transfer-Encoding says. Last comes the Original-Message-ID
 *	field of a message/disposition-notification (RFC 8098: an MDN
 *	need not return any header).
 *
 *	Decoded text goes into one buffer of the body's size, allocated
 *	once per call when a part needs decoding and freed before the
 *	call returns: nothing in the result points into it.
 * DIAGNOSTICS
 *	What cannot be parsed is simply not found. -1 when the decode
 *	buffer cannot be allocated.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "bounce.h"
#include "bounce_impl.h"

#define BOUNDARY_MAX	200	/* RFC 2046 says 70; be lenient */

/* ctype_boundary - the boundary parameter of CT; 0 or -1 */
static int ctype_boundary(const char *ct, char *buf, size_t size)
{
	const char *p = ct;
	size_t n;

	while ((p = strchr(p, ';')) != NULL) {
		p = bounce_skip_ws(p + 1);
		if (strncasecmp(p, "boundary", 8) != 0 ||
		    *bounce_skip_ws(p + 8) != '=') {
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
		p = bounce_skip_ws(bounce_skip_ws(p + 8) + 1);
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

/* cut_block_id - a header walk that ended early (a line that is no
 * header: a fold that lost its blanks) reads on, to the end of the
 * block, for a column-0 Message-ID and nothing else */
static void cut_block_id(void *arg, const char *name, const char *value)
{
	struct bounce_original *o = arg;

	if (strcasecmp(name, "Message-ID") == 0 && !o->message_id[0])
		(void) bounce_message_id(value, strlen(value), o->message_id,
					 sizeof(o->message_id));
}

/* parse_original - the headers of a returned part; 1 if it had any */
static int parse_original(const char *p, size_t n, enum bounce_kind kind,
			  struct bounce_original *o)
{
	struct bounce_walk w = { "", 0, 0, 0, BOUNCE_END_BLANK };

	if (bounce_walk_headers(p, n, 0, &w, bounce_original_header, o) == 0)
		return 0;
	if (w.how == BOUNCE_END_JUNK && !o->message_id[0]) {
		w.lenient = 1;
		(void) bounce_walk_headers(p, n, w.end, &w, cut_block_id, o);
	}
	o->kind = kind;
	o->text = p;
	o->text_len = n;
	return 1;
}

/* What one MIME part says about itself. */
struct part_info {
	char ctype[BOUNCE_HDR_MAX];
	char cte[64];
	int has_ctype;
};

/* part_header - keep a part's Content-Type and transfer encoding */
static void part_header(void *arg, const char *name, const char *value)
{
	struct part_info *pi = arg;

	if (strcasecmp(name, "Content-Type") == 0 && !pi->has_ctype) {
		strncpy(pi->ctype, value, sizeof(pi->ctype) - 1);
		pi->ctype[sizeof(pi->ctype) - 1] = 0;
		pi->has_ctype = 1;
	} else if (strcasecmp(name, "Content-Transfer-Encoding") == 0 &&
		   !pi->cte[0]) {
		strncpy(pi->cte, value, sizeof(pi->cte) - 1);
		pi->cte[sizeof(pi->cte) - 1] = 0;
	}
}

/* The state of one search: the result, and what the text parts and
 * delivery-status part gave on the way. */
struct search {
	struct bounce_original *o;	/* the returned part, DSN fields */
	struct bounce_original inl;	/* the first inline copy */
	int have_inline;
	int have_dsn;
	int parts;			/* leaf parts seen */
	char *scratch;			/* decoded text, total bytes */
	size_t total;
	int nomem;
};

/* scan_text - look for an inline copy in one text span, decoding it
 * first when CTE says so (into the one scratch buffer) */
static void scan_text(struct search *s, const char *p, size_t n,
		      enum bounce_cte cte)
{
	size_t out_len;

	if (s->have_inline || cte == BOUNCE_CTE_OTHER)
		return;
	if (cte != BOUNCE_CTE_IDENTITY) {
		if (!s->scratch && (s->scratch = malloc(s->total ?
							s->total : 1)) == NULL) {
			s->nomem = 1;
			return;
		}
		if (n > s->total || bounce_decode(cte, p, n, s->scratch,
						  &out_len) != 0)
			return;
		p = s->scratch;
		n = out_len;
	}
	s->have_inline = bounce_find_inline(p, n, &s->inl);
}

static void walk_multipart(struct search *s, const char *buf, size_t len,
			   const char *ct, int depth);

/* handle_part - the returned original, DSN fields or inline text of
 * one part; a multipart is walked in turn */
static void handle_part(struct search *s, const char *p, size_t n,
			int depth)
{
	struct part_info pi;
	struct bounce_walk w = { "", 0, 0, 0, BOUNCE_END_BLANK };
	const char *ct = pi.ctype;
	size_t body;

	memset(&pi, 0, sizeof(pi));
	(void) bounce_walk_headers(p, n, 0, &w, part_header, &pi);
	body = w.end;
	if (bounce_ctype_is(ct, "multipart/")) {
		if (depth + 1 < BOUNCE_MAX_DEPTH)
			walk_multipart(s, p + body, n - body, ct, depth + 1);
		return;
	}
	s->parts++;
	if (s->o->kind == BOUNCE_NONE &&
	    (bounce_ctype_is(ct, "message/rfc822") || bounce_ctype_is(ct, "message/global")))
		(void) parse_original(p + body, n - body, BOUNCE_RFC822, s->o);
	else if (s->o->kind == BOUNCE_NONE &&
		 (bounce_ctype_is(ct, "text/rfc822-headers") ||
		  bounce_ctype_is(ct, "message/global-headers")))
		(void) parse_original(p + body, n - body, BOUNCE_HEADERS,
				      s->o);
	else if (!s->have_dsn && (bounce_ctype_is(ct, "message/delivery-status") ||
				  bounce_ctype_is(ct, "message/global-delivery-status"))) {
		s->have_dsn = 1;
		bounce_dsn_fields(p + body, n - body, s->o);
	} else if (!pi.has_ctype || bounce_ctype_is(ct, "text/"))
		scan_text(s, p + body, n - body, bounce_cte(pi.cte));
}

/* walk_multipart - each part between the delimiters of CT's boundary;
 * a missing close delimiter (a truncated bounce) ends the last part at
 * the end of the buffer */
static void walk_multipart(struct search *s, const char *buf, size_t len,
			   const char *ct, int depth)
{
	char b[BOUNDARY_MAX + 1];
	size_t pos = 0, blen, part = 0, line_start, n;
	const char *line;
	int parts = 0, kind = 0;

	if (ctype_boundary(ct, b, sizeof(b)) != 0)
		return;
	blen = strlen(b);
	/* the preamble, up to the first delimiter */
	while (kind == 0 && bounce_next_line(buf, len, &pos, &line, &n))
		kind = is_delimiter(line, n, b, blen);
	while (kind == 1 && parts++ < BOUNCE_MAX_PARTS) {
		part = pos;
		kind = 0;
		line_start = pos;
		while (bounce_next_line(buf, len, &pos, &line, &n)) {
			if ((kind = is_delimiter(line, n, b, blen)) != 0)
				break;
			line_start = pos;
		}
		if (kind == 0)
			line_start = len;
		handle_part(s, buf + part, line_start - part, depth);
	}
}

/* take_inline - the inline copy found in a text part, into o (whose
 * DSN fields stay) */
static void take_inline(struct bounce_original *o,
			const struct bounce_original *inl)
{
	memcpy(o->message_id, inl->message_id, sizeof(o->message_id));
	o->null_sender = inl->null_sender;
	o->loops = inl->loops;
	memcpy(o->dkim_domains, inl->dkim_domains, sizeof(o->dkim_domains));
	o->n_dkim = inl->n_dkim;
	o->kind = BOUNCE_INLINE;
}

/* clear_original - o without any original, DSN fields kept */
static void clear_original(struct bounce_original *o)
{
	struct bounce_original keep = *o;

	memset(o, 0, sizeof(*o));
	memcpy(o->final_recipient, keep.final_recipient,
	       sizeof(o->final_recipient));
	memcpy(o->status, keep.status, sizeof(o->status));
	memcpy(o->reporting_mta, keep.reporting_mta, sizeof(o->reporting_mta));
	memcpy(o->dsn_action, keep.dsn_action, sizeof(o->dsn_action));
}

/* search - the whole search of bounce.h; 1 found, 0 not */
static int search(struct search *s, const char *content_type,
		  const char *encoding, const char *body, size_t len)
{
	struct bounce_original *o = s->o;

	if (content_type && bounce_ctype_is(content_type, "multipart/")) {
		walk_multipart(s, body, len, content_type, 0);
		if (o->kind != BOUNCE_NONE)
			return 1;
		clear_original(o);
		if (s->have_inline) {
			take_inline(o, &s->inl);
			return 1;
		}
		/* no delimiter at all: read the body as plain text */
		if (s->parts == 0 && bounce_find_inline(body, len, o))
			return 1;
	} else {
		scan_text(s, body, len, bounce_cte(encoding));
		if (s->have_inline) {
			take_inline(o, &s->inl);
			return 1;
		}
	}
	clear_original(o);
	return bounce_find_mdn(body, len, o);
}

/* bounce_find_original - see bounce.h */
int bounce_find_original(const char *content_type, const char *encoding,
			 const char *body, size_t len,
			 struct bounce_original *o)
{
	struct search s;
	int found;

	memset(o, 0, sizeof(*o));
	if (!body)
		return 0;
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.total = len;
	found = search(&s, content_type, encoding, body, len);
	free(s.scratch);
	if (s.nomem) {
		memset(o, 0, sizeof(*o));
		return -1;
	}
	return found;
}
