/*
 * NAME
 *	bounce.h - find the returned original inside a bounce
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	struct bounce_original o;
 *	bounce_find_original(content_type, encoding, body, len, &o);
 * DESCRIPTION
 *	A small, strict, bounded MIME walker: it reads only what the bounce
 *	plugin needs (multipart boundaries, nested multiparts to
 *	BOUNCE_MAX_DEPTH, the headers of a message/rfc822 or
 *	text/rfc822-headers part, the fields of a message/delivery-status
 *	part) and, failing that, looks for an inline copy of the original
 *	headers in a non-standard bounce (qmail, Exchange, mailing-list
 *	loop alerts and friends), in column 0, indented or "> " quoted,
 *	in text that may be quoted-printable or base64. Lines end in LF,
 *	CRLF or CR. It never reads past len, never needs a NUL, allocates
 *	at most one buffer of len bytes per call (freed before it
 *	returns), and gives up rather than guess on bad input.
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include <stddef.h>

#define BOUNCE_MAX_DEPTH	4	/* nested multiparts */
#define BOUNCE_MAX_PARTS	64	/* parts per multipart */
#define BOUNCE_MAX_HEADERS	500	/* header lines of one block */
#define BOUNCE_ID_MAX		250	/* a longer Message-ID is ignored */
#define BOUNCE_MAX_DKIM		4	/* distinct DKIM-Signature d= kept */
#define BOUNCE_DOMAIN_MAX	253
#define BOUNCE_FIELD_MAX	255	/* a DSN address or host name */
#define BOUNCE_STATUS_MAX	15	/* "5.1.1", "failed" */

/* How the returned original was found. */
enum bounce_kind {
	BOUNCE_NONE = 0,	/* nothing that looks like it */
	BOUNCE_RFC822,		/* a message/rfc822 part */
	BOUNCE_HEADERS,		/* a text/rfc822-headers part */
	BOUNCE_INLINE,		/* a header block in the text (best effort) */
	BOUNCE_MDN		/* only an Original-Message-ID field (MDN) */
};

struct bounce_original {
	enum bounce_kind kind;
	char message_id[BOUNCE_ID_MAX + 1];	/* without <>, "" if none */
	int null_sender;	/* Return-Path: <>, or itself a report */
	int loops;		/* LG_LOOP_HEADER lines in it */
	/* rfc822 and rfc822-headers only: the returned part itself
	 * (headers, and the body if any), inside the scanned buffer */
	const char *text;
	size_t text_len;
	/* the distinct d= of its DKIM-Signature fields, lower case */
	char dkim_domains[BOUNCE_MAX_DKIM][BOUNCE_DOMAIN_MAX + 1];
	int n_dkim;
	/* the delivery status notification (message/delivery-status)
	 * fields of the first recipient, "" if absent; each checked
	 * (status "D.D.D", addresses and names printable, no blanks) */
	char final_recipient[BOUNCE_FIELD_MAX + 1];	/* rfc822;a@b -> a@b */
	char status[BOUNCE_STATUS_MAX + 1];		/* "5.1.1" */
	char reporting_mta[BOUNCE_FIELD_MAX + 1];	/* dns;mx.example */
	char dsn_action[BOUNCE_STATUS_MAX + 1];	/* failed, delayed, ... */
};

/* Fill *o (always; the DSN fields even when no original is found);
 * 1 if an original was found, 0 if not, -1 (and *o all zero) when the
 * decode buffer cannot be allocated: an internal error, not a verdict.
 * content_type and encoding are the message's Content-Type and
 * Content-Transfer-Encoding values (NULL if absent). */
int bounce_find_original(const char *content_type, const char *encoding,
			 const char *body, size_t len,
			 struct bounce_original *o);

/* The id inside a Message-ID value, without <>; 0, or -1 if unusable. */
int bounce_message_id(const char *value, size_t len, char *buf,
		      size_t size);

/* bounce_kind_name - "rfc822", "rfc822-headers", "inline", "mdn",
 * "none" */
const char *bounce_kind_name(enum bounce_kind kind);

#endif
