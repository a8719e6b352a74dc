/*
 * NAME
 *	bounce_inline - a copy of the original headers in a bounce's text
 * SYNOPSIS
 *	#include "bounce_impl.h"
 *
 *	int bounce_find_inline(text, len, o);
 *	int bounce_find_mdn(text, len, o);
 * DESCRIPTION
 *	bounce_find_inline() looks, line by line, for the first block of
 *	at least two header lines that is a plausible copy of the
 *	returned original (qmail's "Below this line is a copy of the
 *	message", old Exchange, Lotus, carriers, mailing-list loop
 *	alerts). A block qualifies in one of three forms:
 *	- in column 0: it starts with Return-Path:, Received: or
 *	  Message-ID: and holds a Message-ID or a null Return-Path;
 *	- indented: the same, every line carrying the same leading
 *	  blanks (at most BOUNCE_INDENT_MAX) as the first, continuation
 *	  lines more;
 *	- quoted with ">" or "> " (one level only): the quoted block, from
 *	  its first line (the line before it is not quoted), must start
 *	  with Received: or Return-Path: (what a transport adds, so never
 *	  the headers a person quotes in a reply, which start with From:
 *	  or Date:) and must hold a Message-ID; a null Return-Path alone
 *	  does not count there.
 *	The block's fields go through bounce_original_header(), so only
 *	a Message-ID field counts, never In-Reply-To or References.
 *
 *	bounce_find_mdn() takes the Original-Message-ID field of a
 *	message/disposition-notification (RFC 8098), in column 0.
 * DIAGNOSTICS
 *	Both return 1 when found (the original's fields of o filled, kind
 *	set), 0 otherwise (o left as it was).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "bounce_impl.h"

enum inline_form {
	FORM_NONE = 0,
	FORM_PLAIN,		/* column 0 or indented */
	FORM_QUOTED		/* "> " */
};

/* starts_with - does the span start with NAME (case-insensitive) */
static int starts_with(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n >= k && strncasecmp(p, name, k) == 0;
}

/* block_start - the form of a block that may open at this line, and
 * its prefix length (blanks, or ">" with one optional space) */
static enum inline_form block_start(const char *line, size_t n,
				    size_t *prefix_r)
{
	size_t k = 0;

	while (k < n && k <= BOUNCE_INDENT_MAX &&
	       (line[k] == ' ' || line[k] == '\t'))
		k++;
	if (k > BOUNCE_INDENT_MAX)
		return FORM_NONE;
	if (k == 0 && n > 0 && line[0] == '>') {
		k = n > 1 && line[1] == ' ' ? 2 : 1;
		*prefix_r = k;
		if (starts_with(line + k, n - k, "Received:") ||
		    starts_with(line + k, n - k, "Return-Path:"))
			return FORM_QUOTED;
		return FORM_NONE;
	}
	*prefix_r = k;
	if (starts_with(line + k, n - k, "Return-Path:") ||
	    starts_with(line + k, n - k, "Received:") ||
	    starts_with(line + k, n - k, "Message-ID:"))
		return FORM_PLAIN;
	return FORM_NONE;
}

/* bounce_find_inline - the first plausible copied header block */
int bounce_find_inline(const char *buf, size_t len,
		       struct bounce_original *o)
{
	size_t pos = 0, start, n, plen = 0;
	const char *line;
	struct bounce_original t;
	struct bounce_walk w;
	enum inline_form form;
	int count, quoted = 0, was_quoted;

	for (;;) {
		start = pos;
		if (!bounce_next_line(buf, len, &pos, &line, &n))
			return 0;
		was_quoted = quoted;
		quoted = n > 0 && line[0] == '>';
		if ((form = block_start(line, n, &plen)) == FORM_NONE)
			continue;
		/* a quoted block counts only from its first line */
		if (form == FORM_QUOTED && was_quoted)
			continue;
		memset(&t, 0, sizeof(t));
		memset(&w, 0, sizeof(w));
		w.prefix = line;
		w.prefix_len = plen;
		count = bounce_walk_headers(buf, len, start, &w,
					    bounce_original_header, &t);
		if (count >= 2 && (t.message_id[0] ||
				   (form == FORM_PLAIN && t.null_sender))) {
			memcpy(o->message_id, t.message_id,
			       sizeof(o->message_id));
			o->null_sender = t.null_sender;
			o->loops = t.loops;
			memcpy(o->dkim_domains, t.dkim_domains,
			       sizeof(o->dkim_domains));
			o->n_dkim = t.n_dkim;
			o->text = NULL;
			o->text_len = 0;
			o->kind = BOUNCE_INLINE;
			return 1;
		}
		if (w.end > pos)
			pos = w.end;
	}
}

/* bounce_find_mdn - "Original-Message-ID: <id>" at the start of a line */
int bounce_find_mdn(const char *buf, size_t len, struct bounce_original *o)
{
	static const char name[] = "Original-Message-ID:";
	size_t pos = 0, n, k = sizeof(name) - 1;
	const char *line;

	while (bounce_next_line(buf, len, &pos, &line, &n)) {
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
