/*
 * NAME
 *	batv.h - signed envelope senders (BATV) for the bounce plugin
 * SYNOPSIS
 *	#include "batv.h"
 * DESCRIPTION
 *	batv_tag.c holds the pure part (the prvs tag: make, parse,
 *	compare, expiry); batv.c the settings and what the bounce plugin
 *	asks at end of message (sign, judge, remove tags).
 */
#ifndef BATV_H
#define BATV_H

#include <stddef.h>
#include <time.h>

#include <loopguard/plugin.h>

#define BATV_KEYS		10	/* key ids 0 to 9 */
#define BATV_SECRET_MIN		16	/* bytes */
#define BATV_SECRET_MAX		1024
#define BATV_TAG_LEN		10	/* "KDDDSSSSSS" */
#define BATV_PREFIX		"prvs="
#define BATV_PREFIX_LEN		5
#define BATV_LOCAL_MAX		64	/* RFC 5321 local part */
#define BATV_ADDR_MAX		320

/* --- batv_tag.c: the tag alone --- */

/* The day number (days since 1970) of NOW. */
long batv_day(time_t now);
/* "KDDDSSSSSS" for ADDR ("local@domain", compared in lower case)
 * signed with SECRET under key id KEY, expiring on day EXPIRY:
 * DDD = EXPIRY mod 1000, SSSSSS = the first 3 bytes of
 * HMAC-SHA1(SECRET, "KDDD" + lower-case ADDR) in hex. 0, or -1
 * (bad key id, address too long, crypto error). */
int batv_make(const unsigned char *secret, size_t len, int key,
	      long expiry, const char *addr, char tag[BATV_TAG_LEN + 1]);
/* LOCAL is "prvs=KDDDSSSSSS=BASE" (prefix in any case, hex in any
 * case, BASE not empty): 1 with the parts filled in, 0 if not. */
int batv_parse(const char *local, int *key_r, int *ddd_r,
	       char sig_r[7], const char **base_r);
/* The two 6-digit hex signatures are equal (case-insensitive),
 * compared in constant time. */
int batv_sig_equal(const char *a, const char *b);
/* Days from TODAY until the day DDD (mod 1000), 0 to 999. */
int batv_days_left(int ddd, long today);

/* --- batv.c: the settings and the end-of-message work --- */

struct batv;

/* What a null-sender message's recipients say. */
enum batv_judgement {
	BATV_UNDECIDED = 0,	/* no tag to go by: the ledger judges */
	BATV_GENUINE,		/* every local recipient has a valid tag */
	BATV_FORGED		/* a bad or expired tag */
};

/* Read the "batv" setting of the bounce section: *batv_r is NULL when
 * it is absent (BATV off). 0, or -1 after cfg_error(). */
int batv_config(const struct lg_host *h, struct lg_section *sec,
		int report_only, struct batv **batv_r);
void batv_free(struct batv **batv);
/* The plugin's untag member: syntax only, for a BATV domain. */
int batv_untag(const struct batv *b, const char *local, const char *domain,
	       char *base, size_t size);
/* Replace the envelope sender of outgoing mail by its tagged form
 * when it should be signed; a change the host refuses leaves the
 * mail unsigned (logged). 0, or -1 (the tag could not be made). */
int batv_sign(const struct batv *b, const struct lg_host *h,
	      struct lg_ctx *ctx);
/* Each tagged local recipient whose base exists is replaced by its
 * base (del_rcpt and add_rcpt). 0, or -1 (an edit failed). */
int batv_deliver(const struct batv *b, const struct lg_host *h,
		 struct lg_ctx *ctx);
/* Judge a null-sender message by its recipients' tags; REASON gets
 * the words for the decision line, *to_r the recipient it names. */
enum batv_judgement batv_judge(const struct batv *b, const struct lg_host *h,
			       struct lg_ctx *ctx, char *reason, size_t size,
			       const char **to_r);

#endif
