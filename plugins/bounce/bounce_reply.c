/*
 * NAME
 *	bounce_reply - the ids an answer names, and auto-reply markers
 * SYNOPSIS
 *	#include "bounce_plugin.h"
 *
 *	char ids[BOUNCE_REPLY_IDS][BOUNCE_ID_MAX + 1], mark[64];
 *	size_t n = bounce_reply_ids_of(host, ctx, ids, BOUNCE_REPLY_IDS);
 *	const char *why = bounce_reply_marker(host, ctx, mark, sizeof(mark));
 * DESCRIPTION
 *	A null-sender answer (a vacation notice, an out-of-office reply,
 *	RFC 3834) returns no copy of the message it answers, but names it:
 *	In-Reply-To and References hold Message-IDs in angle brackets.
 *
 *	bounce_reply_ids() takes every "<id>" of in_reply_to, then those of
 *	references from the last (the message answered) backwards, without
 *	repeats, at most max. An id is 1 to BOUNCE_ID_MAX printable ASCII
 *	bytes with no blank (folding inside one makes it unusable) and no
 *	'<'; a token that is not is skipped, as is text between tokens
 *	(comments, "Your message of ..."). The values are read once, left
 *	to right; nothing is allocated.
 *	bounce_reply_ids_of() does the same with the message's first
 *	In-Reply-To and References headers.
 *
 *	bounce_reply_marker() tells why the message is automatic, or
 *	NULL: Auto-Submitted with a value other than "no", X-Autoreply,
 *	X-Autorespond, or Precedence auto_reply, bulk or junk (vacation(1)
 *	and most responders put bulk or junk on their answers; a person's
 *	reply carries neither). X-Auto-Response-Suppress is a request to
 *	others, seen on ordinary mail, and marks nothing. The text is made
 *	from the header name and the first word of its value (letters,
 *	digits, '-' and '_', at most 32), so it is safe in a log line.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "bounce_plugin.h"

/* next_id - the next usable "<id>" of [*p, end) into ID; 1, or 0 at
 * the end */
static int next_id(const char **p, const char *end, char *id)
{
	const char *lt, *gt, *q;
	size_t n;

	while (*p < end) {
		if ((lt = memchr(*p, '<', (size_t) (end - *p))) == NULL)
			break;
		for (gt = lt + 1; gt < end && *gt != '>' && *gt != '<'; gt++)
			;
		if (gt >= end)
			break;
		*p = *gt == '>' ? gt + 1 : gt;
		if (*gt != '>')
			continue;	/* "<a <b>": the first is no id */
		n = (size_t) (gt - lt - 1);
		if (n == 0 || n > BOUNCE_ID_MAX)
			continue;
		for (q = lt + 1; q < gt; q++)
			if ((unsigned char) *q <= ' ' ||
			    (unsigned char) *q >= 127)
				break;
		if (q < gt)
			continue;
		memcpy(id, lt + 1, n);
		id[n] = 0;
		return 1;
	}
	*p = end;
	return 0;
}

/* known - 1 if ID is among the first N of IDS */
static int known(char (*ids)[BOUNCE_ID_MAX + 1], size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* bounce_reply_ids - see above */
size_t bounce_reply_ids(const char *in_reply_to, const char *references,
			char (*ids)[BOUNCE_ID_MAX + 1], size_t max)
{
	char ring[BOUNCE_REPLY_IDS][BOUNCE_ID_MAX + 1], id[BOUNCE_ID_MAX + 1];
	const char *p, *end;
	size_t n = 0, seen = 0, keep, i;

	if (max > BOUNCE_REPLY_IDS)
		max = BOUNCE_REPLY_IDS;
	if (in_reply_to)
		for (p = in_reply_to, end = p + strlen(p);
		     n < max && next_id(&p, end, id);)
			if (!known(ids, n, id))
				strcpy(ids[n++], id);
	if (!references || n >= max)
		return n;
	/* the last max - n of References, in a ring */
	keep = max - n;
	for (p = references, end = p + strlen(p); next_id(&p, end, id);)
		strcpy(ring[seen++ % keep], id);
	for (i = 0; i < seen && i < keep && n < max; i++) {
		const char *r = ring[(seen - 1 - i) % keep];

		if (!known(ids, n, r))
			strcpy(ids[n++], r);
	}
	return n;
}

/* bounce_reply_ids_of - the ids of this message's headers */
size_t bounce_reply_ids_of(const struct lg_host *h, struct lg_ctx *ctx,
			   char (*ids)[BOUNCE_ID_MAX + 1], size_t max)
{
	return bounce_reply_ids(h->header_get(ctx, "In-Reply-To", 0),
				h->header_get(ctx, "References", 0), ids, max);
}

/* first_word - the first word of VALUE (comments and blanks before it
 * skipped), lower case, into BUF */
static void first_word(const char *value, char *buf, size_t size)
{
	size_t n = 0;

	while (*value == ' ' || *value == '\t' || *value == '\r' ||
	       *value == '\n')
		value++;
	while (n + 1 < size && n < 32 &&
	       ((*value >= 'a' && *value <= 'z') ||
		(*value >= 'A' && *value <= 'Z') ||
		(*value >= '0' && *value <= '9') || *value == '-' ||
		*value == '_'))
		buf[n++] = (char) (*value >= 'A' && *value <= 'Z' ?
				   *value - 'A' + 'a' : *value), value++;
	buf[n] = 0;
}

/* bounce_reply_marker - why this is an automatic answer, or NULL */
const char *bounce_reply_marker(const struct lg_host *h, struct lg_ctx *ctx,
				char *buf, size_t size)
{
	static const char *const flags[] = { "X-Autoreply", "X-Autorespond",
					     NULL };
	char word[40];
	const char *v;
	size_t i;

	if ((v = h->header_get(ctx, "Auto-Submitted", 0)) != NULL) {
		first_word(v, word, sizeof(word));
		if (strcmp(word, "no") != 0) {
			snprintf(buf, size, "Auto-Submitted%s%s",
				 word[0] ? ": " : "", word);
			return buf;
		}
	}
	for (i = 0; flags[i]; i++)
		if (h->header_get(ctx, flags[i], 0)) {
			snprintf(buf, size, "%s", flags[i]);
			return buf;
		}
	if ((v = h->header_get(ctx, "Precedence", 0)) != NULL) {
		first_word(v, word, sizeof(word));
		if (strcmp(word, "auto_reply") == 0 ||
		    strcmp(word, "bulk") == 0 || strcmp(word, "junk") == 0) {
			snprintf(buf, size, "Precedence: %s", word);
			return buf;
		}
	}
	return NULL;
}
