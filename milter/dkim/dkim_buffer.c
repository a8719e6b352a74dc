/*
 * NAME
 *	dkim_buffer.c - DKIM verification of a message held in a buffer
 * SYNOPSIS
 *	#include "lg_dkim.h"
 *
 *	lg_dkim_verify_buffer(s, message, len, "example.com");
 * DESCRIPTION
 *	The message (e.g. the original returned inside a bounce) gets a
 *	verify handle of its own from the snapshot's library, so keys
 *	come from the same place as for the message in flight: the
 *	dkim_keys file, or DNS. Only signatures of local domains are
 *	looked at (at most LG_DKIM_MAX_SIGS, the first of each (d=, s=)
 *	pair), the buffer is verified once per message whatever the
 *	number of questions asked about it, and its key lookups are
 *	charged to the message's one deadline (dkim_impl.h).
 *
 *	Headers run to the first empty line or the end of the buffer;
 *	bare LF becomes CRLF. A buffer with nothing but line ends after
 *	the headers has no body (text/rfc822-headers): the header
 *	signature alone counts then. With a body, its hash must match.
 * DIAGNOSTICS
 *	Library failures are logged "QUEUEID: dkim: returned message:
 *	..." and give -1.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dkim.h>

/* Utility library. */
#include "log.h"

/* Session library. */
#include "session_impl.h"

/* DKIM library. */
#include "lg_dkim.h"
#include "dkim_impl.h"

#define FIELD_MAX	(64 * 1024)	/* one header field, folds included */
#define HEADERS_MAX	1000

/* line_end - end of the line at POS (past its LF), and its text length */
static size_t line_end(const char *m, size_t len, size_t pos, size_t *n_r)
{
	size_t e = pos;

	while (e < len && m[e] != '\n')
		e++;
	*n_r = e - pos;
	if (*n_r > 0 && m[e - 1] == '\r')
		(*n_r)--;
	return e < len ? e + 1 : e;
}

/* put_header - one field, its lines joined with CRLF, unless it is a
 * signature that WANT does not look at */
static DKIM_STAT put_header(DKIM *d, const char *m, size_t start,
			    size_t end, char *buf, struct lg_dkim_want *want)
{
	size_t pos = start, n, next, out = 0;

	while (pos < end) {
		next = line_end(m, end, pos, &n);
		if (out + n + 2 > FIELD_MAX)
			return DKIM_STAT_SYNTAX;
		if (out) {
			buf[out++] = '\r';
			buf[out++] = '\n';
		}
		memcpy(buf + out, m + pos, n);
		out += n;
		pos = next;
	}
	if (!lg_dkim_screen_field(want, buf, out))
		return DKIM_STAT_OK;
	return dkim_header(d, (unsigned char *) buf, out);
}

/* feed_headers - every field up to the empty line; *body_r is where
 * the body starts (len if none) */
static DKIM_STAT feed_headers(DKIM *d, const char *m, size_t len,
			      size_t *body_r, struct lg_dkim_want *want)
{
	size_t pos = 0, start = 0, n, next;
	int fields = 0, open = 0;
	DKIM_STAT st = DKIM_STAT_OK;
	char *buf = malloc(FIELD_MAX);

	if (!buf)
		return DKIM_STAT_NORESOURCE;
	while (pos < len && st == DKIM_STAT_OK) {
		next = line_end(m, len, pos, &n);
		if (n > 0 && (m[pos] == ' ' || m[pos] == '\t') && open) {
			pos = next;		/* a fold of the open field */
			continue;
		}
		if (open)
			st = put_header(d, m, start, pos, buf, want);
		open = 0;
		if (n == 0) {			/* the empty line */
			pos = next;
			break;
		}
		if (memchr(m + pos, ':', n) == NULL || ++fields > HEADERS_MAX) {
			st = DKIM_STAT_SYNTAX;
			break;
		}
		start = pos;
		open = 1;
		pos = next;
	}
	if (open && st == DKIM_STAT_OK)
		st = put_header(d, m, start, len, buf, want);
	free(buf);
	*body_r = pos;
	return st;
}

/* has_body - anything but line ends after the headers */
static int has_body(const char *m, size_t len, size_t pos)
{
	for (; pos < len; pos++)
		if (m[pos] != '\r' && m[pos] != '\n')
			return 1;
	return 0;
}

/* keep_passed - the local domains with a passing signature */
static void keep_passed(struct lg_ctx *s, DKIM *d, int body,
			struct lg_dkim_returned *r)
{
	DKIM_SIGINFO **sigs = NULL;
	const char *sd;
	size_t j;
	int n = 0, i;

	if (dkim_getsiglist(d, &sigs, &n) != DKIM_STAT_OK)
		return;
	for (i = 0; i < n && r->n_passed < LG_DKIM_MAX_PASSED; i++) {
		sd = (const char *) dkim_sig_getdomain(sigs[i]);
		if (!sd || !(dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PASSED) ||
		    (body && dkim_sig_getbh(sigs[i]) != DKIM_SIGBH_MATCH)) {
			lg_dkim_note_sig(s, sigs[i]);
			continue;
		}
		for (j = 0; j < r->n_passed; j++)
			if (strcasecmp(r->passed[j], sd) == 0)
				break;
		if (j == r->n_passed &&
		    (r->passed[j] = lg_arena_strdup(&s->msg_arena, sd)) != NULL)
			r->n_passed++;
	}
}

/* fail - log a library failure */
static int fail(struct lg_ctx *s, DKIM *d, const char *step, DKIM_STAT st)
{
	const char *why = d ? dkim_geterror(d) : NULL;

	lg_log(LG_LOG_WARN, "%s: dkim: returned message: %s: %s",
	       lg_session_queue_id(s), step, why ? why : dkim_getresultstr(st));
	if (d)
		dkim_free(d);
	return -1;
}

/* verify - the whole buffer once; 0 (R filled) or -1 */
static int verify(struct lg_ctx *s, const char *message, size_t len,
		  struct lg_dkim_budget *budget, struct lg_dkim_returned *r)
{
	struct lg_dkim_want want;
	DKIM_STAT st = DKIM_STAT_INTERNAL;
	DKIM_LIB *lib;
	DKIM *d = NULL;
	bool testkey = false;
	size_t body;
	int with_body;

	memset(&want, 0, sizeof(want));
	want.s = s;
	if ((lib = lg_dkim_lib(s->cfg)) != NULL)
		d = dkim_verify(lib, (const unsigned char *)
				lg_session_queue_id(s), NULL, &st);
	if (!d)
		return fail(s, NULL, "cannot start verification", st);
	if (lg_dkim_screen_want(d, &want) != 0)
		return fail(s, d, "cannot screen the signatures", st);
	if ((st = feed_headers(d, message, len, &body, &want)) != DKIM_STAT_OK)
		return fail(s, d, "header", st);
	lg_dkim_dns_begin(budget);	/* keys are fetched here */
	st = dkim_eoh(d);
	lg_dkim_dns_end();
	if (st == DKIM_STAT_NOSIG) {
		lg_dkim_note_limits(s, "returned message", &want, budget);
		dkim_free(d);
		return 0;
	}
	if (st != DKIM_STAT_OK)
		return fail(s, d, "end of headers", st);
	with_body = has_body(message, len, body);
	if (with_body) {
		st = dkim_body(d, (unsigned char *) message + body, len - body);
		if (st != DKIM_STAT_OK && st != DKIM_STAT_NOSIG)
			return fail(s, d, "body", st);
	}
	lg_dkim_dns_begin(budget);
	(void) dkim_eom(d, &testkey);
	lg_dkim_dns_end();
	lg_dkim_note_limits(s, "returned message", &want, budget);
	keep_passed(s, d, with_body, r);
	dkim_free(d);
	return 0;
}

/* digest - FNV-1a of the buffer: the same pointer and length with
 * other bytes is another message */
static unsigned long long digest(const char *m, size_t len)
{
	unsigned long long h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char) m[i]) * 1099511628211ULL;
	return h;
}

/* lg_dkim_verify_buffer - see lg_dkim.h */
int lg_dkim_verify_buffer(struct lg_ctx *s, const char *message,
			  size_t len, const char *domain)
{
	struct lg_dkim_returned *r, own_r;
	struct lg_dkim_budget *b, own_b;
	unsigned long long sum;
	size_t i;

	if (!s || !message || !domain || !*domain)
		return -1;
	if ((r = lg_dkim_returned_of(s)) == NULL ||
	    (b = lg_dkim_budget_of(s)) == NULL) {
		memset(&own_r, 0, sizeof(own_r));
		memset(&own_b, 0, sizeof(own_b));
		r = &own_r;
		b = &own_b;
	}
	sum = digest(message, len);
	if (r->text != message || r->len != len || r->sum != sum) {
		memset(r, 0, sizeof(*r));
		r->text = message;
		r->len = len;
		r->sum = sum;
		r->rc = verify(s, message, len, b, r);
	}
	if (r->rc < 0)
		return -1;
	for (i = 0; i < r->n_passed; i++)
		if (strcasecmp(r->passed[i], domain) == 0)
			return 1;
	return 0;
}
