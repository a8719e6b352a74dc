/*
 * NAME
 *	bounce_dsn - what bounced: the fields of a delivery status
 * SYNOPSIS
 *	#include "bounce_impl.h"
 *
 *	void bounce_dsn_fields(body, len, o);
 *	int bounce_dsn_status(value, buf, size);
 * DESCRIPTION
 *	bounce_dsn_fields() reads the body of a message/delivery-status
 *	part (RFC 3464): a per-message block, then per-recipient blocks,
 *	separated by empty lines. It fills o->reporting_mta from the
 *	per-message block ("dns; mx.example.net" -> "mx.example.net"),
 *	and from the first block that names a recipient:
 *	o->final_recipient (Final-Recipient "rfc822; a@b" -> "a@b", else
 *	Original-Recipient), o->dsn_action (failed, delayed, delivered,
 *	relayed or expanded, lower case) and o->status.
 *
 *	Every value is checked and is either right or "": one token of
 *	printable ASCII without blanks, optionally followed by a
 *	"(comment)"; an address of type rfc822 only; no longer than its
 *	field (a value that does not fit is rejected, never cut).
 *
 *	bounce_dsn_status() checks one Status value: "D.D{1,3}.D{1,3}"
 *	whose class is 2, 4 or 5.
 * DIAGNOSTICS
 *	bounce_dsn_status() returns 0, or -1 (and buf "") when the value
 *	is no status.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "bounce_impl.h"

/* One block's fields, as checked values ("" if absent or bad). */
struct dsn_block {
	char reporting_mta[BOUNCE_FIELD_MAX + 1];
	char final_recipient[BOUNCE_FIELD_MAX + 1];
	char original_recipient[BOUNCE_FIELD_MAX + 1];
	char action[BOUNCE_STATUS_MAX + 1];
	char status[BOUNCE_STATUS_MAX + 1];
	int recipient;		/* names a recipient */
};

/* dsn_token - the one token of value, with an optional comment after
 * it; 0, or -1 (buf "") if there is none or it does not fit */
static int dsn_token(const char *value, char *buf, size_t size)
{
	const char *p = value + strspn(value, " \t"), *rest;
	size_t n = strcspn(p, " \t("), i;

	buf[0] = 0;
	rest = p + n;
	rest += strspn(rest, " \t");
	if (n == 0 || n >= size || (*rest && *rest != '('))
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char) p[i] <= ' ' || (unsigned char) p[i] >= 127)
			return -1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return 0;
}

/* dsn_typed - "type; value": the value token when the type is TYPE (or
 * any type when TYPE is NULL; a missing type then is fine too) */
static int dsn_typed(const char *value, const char *type, char *buf,
		     size_t size)
{
	const char *semi = strchr(value, ';'), *t;
	size_t n;

	buf[0] = 0;
	if (semi) {
		t = value + strspn(value, " \t");
		n = (size_t) (semi - t);
		while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			n--;
		if (n == 0 || (type && (n != strlen(type) ||
					strncasecmp(t, type, n) != 0)))
			return -1;
		value = semi + 1;
	} else if (type) {
		return -1;
	}
	if (dsn_token(value, buf, size) != 0)
		return -1;
	n = strlen(buf);
	if (buf[0] == '<') {		/* "rfc822; <a@b>" */
		if (n < 3 || buf[n - 1] != '>') {
			buf[0] = 0;
			return -1;
		}
		memmove(buf, buf + 1, n - 2);
		buf[n - 2] = 0;
	}
	if (strpbrk(buf, "<>;") != NULL) {
		buf[0] = 0;
		return -1;
	}
	return 0;
}

/* dsn_action - one of the actions of RFC 3464, lower case */
static int dsn_action(const char *value, char *buf, size_t size)
{
	static const char *const actions[] = {
		"failed", "delayed", "delivered", "relayed", "expanded", NULL
	};
	size_t i;

	if (dsn_token(value, buf, size) != 0)
		return -1;
	for (i = 0; buf[i]; i++)
		buf[i] = (char) tolower((unsigned char) buf[i]);
	for (i = 0; actions[i]; i++)
		if (strcmp(buf, actions[i]) == 0)
			return 0;
	buf[0] = 0;
	return -1;
}

/* digits - the count of digits at p, at most max+1 */
static size_t digits(const char *p, size_t max)
{
	size_t n = 0;

	while (n <= max && p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

/* bounce_dsn_status - "D.D{1,3}.D{1,3}", class 2, 4 or 5 */
int bounce_dsn_status(const char *value, char *buf, size_t size)
{
	const char *p;
	size_t n;

	if (dsn_token(value, buf, size) != 0)
		return -1;
	p = buf;
	if ((p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
		goto bad;
	p += 2;
	if ((n = digits(p, 3)) < 1 || n > 3 || p[n] != '.')
		goto bad;
	p += n + 1;
	if ((n = digits(p, 3)) < 1 || n > 3 || p[n] != 0)
		goto bad;
	return 0;
bad:
	buf[0] = 0;
	return -1;
}

/* dsn_header - note one field of a block */
static void dsn_header(void *arg, const char *name, const char *value)
{
	struct dsn_block *b = arg;

	if (strcasecmp(name, "Reporting-MTA") == 0 && !b->reporting_mta[0])
		(void) dsn_typed(value, NULL, b->reporting_mta,
				 sizeof(b->reporting_mta));
	else if (strcasecmp(name, "Final-Recipient") == 0) {
		b->recipient = 1;
		if (!b->final_recipient[0])
			(void) dsn_typed(value, "rfc822", b->final_recipient,
					 sizeof(b->final_recipient));
	} else if (strcasecmp(name, "Original-Recipient") == 0) {
		b->recipient = 1;
		if (!b->original_recipient[0])
			(void) dsn_typed(value, "rfc822",
					 b->original_recipient,
					 sizeof(b->original_recipient));
	} else if (strcasecmp(name, "Action") == 0 && !b->action[0])
		(void) dsn_action(value, b->action, sizeof(b->action));
	else if (strcasecmp(name, "Status") == 0 && !b->status[0])
		(void) bounce_dsn_status(value, b->status, sizeof(b->status));
}

/* take_recipient - the recipient fields of block b into o */
static void take_recipient(const struct dsn_block *b,
			   struct bounce_original *o)
{
	strcpy(o->final_recipient, b->final_recipient[0] ?
	       b->final_recipient : b->original_recipient);
	strcpy(o->dsn_action, b->action);
	strcpy(o->status, b->status);
}

/* bounce_dsn_fields - the per-message and first per-recipient fields */
void bounce_dsn_fields(const char *buf, size_t len,
		       struct bounce_original *o)
{
	struct bounce_walk w = { "", 0, 1, 0, BOUNCE_END_BLANK };
	struct dsn_block b;
	size_t pos = 0, n, before;
	const char *line;
	int first = 1, blocks = 0;

	while (pos < len && blocks++ < BOUNCE_MAX_PARTS) {
		/* empty lines between blocks */
		before = pos;
		while (bounce_next_line(buf, len, &pos, &line, &n) && n == 0)
			before = pos;
		pos = before;
		if (pos >= len)
			break;
		memset(&b, 0, sizeof(b));
		(void) bounce_walk_headers(buf, len, pos, &w, dsn_header, &b);
		if (w.end <= pos)
			break;
		pos = w.end;
		if (first)
			strcpy(o->reporting_mta, b.reporting_mta);
		first = 0;
		if (b.recipient) {
			take_recipient(&b, o);
			return;
		}
	}
}
