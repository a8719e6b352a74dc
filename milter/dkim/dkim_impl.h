/*
 * NAME
 *	dkim_impl.h - the DKIM folder's own parts: the limits, the
 *	prescreen, the key lookups and the per-message state
 * SYNOPSIS
 *	#include "dkim_impl.h"
 * DESCRIPTION
 *	What a message may cost: only signatures of the domain that must
 *	be proven are looked at (the envelope sender's domain for the
 *	message in flight, a local domain for a returned original), the
 *	first of each (d=, s=) pair, at most LG_DKIM_MAX_SIGS of them; all
 *	key lookups of one message share one deadline of
 *	LG_DKIM_DEADLINE seconds, counted from its first lookup, and each
 *	lookup waits at most LG_DKIM_LOOKUP_TIMEOUT of it. A signature
 *	whose key did not come in time simply does not pass.
 */
#ifndef LG_DKIM_IMPL_H
#define LG_DKIM_IMPL_H

#include <stddef.h>
#include <time.h>

#define LG_DKIM_MAX_SIGS	3	/* signatures looked at per message */
#define LG_DKIM_DEADLINE	10	/* seconds, all lookups of a message */
#define LG_DKIM_LOOKUP_TIMEOUT	5	/* seconds, one lookup */
#define LG_DKIM_MAX_PASSED	8	/* passed domains remembered */
#define LG_DKIM_TAG_MAX		253	/* a d= or s= value handed on */

struct lg_ctx;

/* One message's time for key lookups (dkim_dns.c). */
struct lg_dkim_budget {
	struct timespec deadline;	/* CLOCK_MONOTONIC; 0: not started */
	int lookups;			/* queries started */
	int expired;			/* a lookup was cut by the deadline */
};

/* What a verification must prove: DOMAIN, or any local domain of the
 * session's config when DOMAIN is NULL (dkim_screen.c). */
struct lg_dkim_want {
	struct lg_ctx *s;
	const char *domain;
	int seen;			/* signatures in the message */
	int kept;			/* of them looked at */
	/* the (d=, s=) pairs of the DKIM-Signature fields handed to the
	 * library (lg_dkim_screen_field) */
	int n_fields;
	char field_d[LG_DKIM_MAX_SIGS][LG_DKIM_TAG_MAX + 1];
	char field_s[LG_DKIM_MAX_SIGS][LG_DKIM_TAG_MAX + 1];
};

/* lg_dkim_screen - which of N signatures (their d= and s=) to look at:
 * those WANTED accepts, the first of each (d=, s=) pair, at most
 * LG_DKIM_MAX_SIGS; sets keep[i] to 1 or 0 and returns the number kept.
 * A NULL d= or s= is never kept. Pure: no library, no I/O. */
int lg_dkim_screen(const char *const *d, const char *const *sel, int n,
		   int (*wanted)(void *arg, const char *domain), void *arg,
		   unsigned char *keep);

/* lg_dkim_sig_tags - the d= and s= tags of the DKIM-Signature value V
 * (LEN bytes) into D and SEL (LG_DKIM_TAG_MAX + 1 bytes each); 0, or -1
 * when either is missing, empty, repeated or too long. Pure. */
int lg_dkim_sig_tags(const char *v, size_t len, char *d, char *sel);

/* lg_dkim_screen_field - whether the header field FIELD (LEN bytes,
 * "Name: value") is to be handed to the library: every field but a
 * DKIM-Signature, and of those only one that WANT accepts, the first
 * of its (d=, s=) pair, at most LG_DKIM_MAX_SIGS per message (counted
 * in WANT). The library sets up a hash of the body for every signature
 * field it sees, looked at or not; a field it never sees costs
 * nothing. 1 or 0. */
int lg_dkim_screen_field(struct lg_dkim_want *want, const char *field,
			 size_t len);

/* lg_dkim_screen_use - install the prescreen on a library handle (a
 * DKIM_LIB *); each verify handle then carries its struct lg_dkim_want
 * as user context (lg_dkim_screen_want). */
int lg_dkim_screen_use(void *lib);
/* lg_dkim_screen_want - attach WANT to a verify handle (a DKIM *) */
int lg_dkim_screen_want(void *dkim, struct lg_dkim_want *want);

/* lg_dkim_dns_use - install the bounded key lookups on a library
 * handle (a DKIM_LIB *), reading the nameservers of RESOLV_CONF (NULL:
 * /etc/resolv.conf); 0 or -1 */
int lg_dkim_dns_use(void *lib, const char *resolv_conf);
/* lg_dkim_dns_is_answer - whether the datagram ANS (N bytes) answers
 * the query QUERY whose question ends at Q_END: the same id, the
 * response bit, one question, and the same question (names compared
 * without case). 1 or 0. Pure (the fuzz harness fuzz_dns calls it). */
int lg_dkim_dns_is_answer(const unsigned char *query, size_t q_end,
			  const unsigned char *ans, size_t n);
/* lg_dkim_dns_begin / _end - the lookups this thread makes in between
 * are charged to BUDGET; outside such a span none is made */
void lg_dkim_dns_begin(struct lg_dkim_budget *budget);
void lg_dkim_dns_end(void);

/* lg_dkim_budget_of - the message's budget (attached on first use to
 * the message; NULL when no message is in progress) (dkim.c) */
struct lg_dkim_budget *lg_dkim_budget_of(struct lg_ctx *s);

/* lg_dkim_note_limits - log what the limits left out of WHAT (a
 * "message" or a "returned message") (dkim.c) */
void lg_dkim_note_limits(struct lg_ctx *s, const char *what,
			 const struct lg_dkim_want *w,
			 const struct lg_dkim_budget *b);

/* lg_dkim_note_sig - log why SIG (a DKIM_SIGINFO *), looked at, did
 * not pass (dkim.c) */
void lg_dkim_note_sig(struct lg_ctx *s, void *sig);

/* The returned original verified in this message (dkim_buffer.c keeps
 * it here so that a second question about the same buffer costs no
 * lookup). */
struct lg_dkim_returned {
	const char *text;		/* the buffer verified, NULL: none */
	size_t len;
	unsigned long long sum;		/* and its digest */
	int rc;				/* -1: failed; else passed domains */
	char *passed[LG_DKIM_MAX_PASSED];
	size_t n_passed;
};
/* lg_dkim_returned_of - this message's record (dkim.c) */
struct lg_dkim_returned *lg_dkim_returned_of(struct lg_ctx *s);

#endif
