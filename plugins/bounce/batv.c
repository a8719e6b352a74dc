/*
 * NAME
 *	batv - signed envelope senders (BATV) in the bounce plugin
 * SYNOPSIS
 *	plugins = ( { name = "bounce";
 *	    batv = {
 *	        keys = ( { id = 1; secret_file = "/etc/loopguard/batv.key"; },
 *	                 { id = 0; secret = "an old secret, still accepted"; } );
 *	        sign_key = 1;		# default: the first key listed
 *	        days = 7;		# 1 to 365
 *	        domains = [ "example.com" ];	# default: local_domains
 *	        exempt = [ "list@example.org", "@lists.example.net" ];
 *	    }; } );
 * DESCRIPTION
 *	Opt-in: without the batv setting nothing here runs. With it:
 *
 *	Signing: a message from an authenticated or trusted client whose
 *	envelope sender is in a BATV domain (not null, not tagged
 *	already, not exempt), for at least one external recipient and
 *	none exempt, leaves with the sender "prvs=KDDDSSSSSS=local@domain"
 *	(batv_tag.c), queued at end of message with host->change_sender.
 *	When the host refuses the change (an MTA that does not offer
 *	SMFIF_CHGFROM), the mail leaves unsigned (logged).
 *
 *	Untagging: the plugin's untag member tells the core that a
 *	syntactically valid tag on a local part of a BATV domain stands
 *	for its base, so the recipient is classified by the base. At end
 *	of every message (bounce or not), each tagged recipient whose
 *	base exists is replaced by the base (add_rcpt, del_rcpt), so the
 *	MTA delivers to the user.
 *
 *	Judging a null-sender message (bounce.c calls batv_judge before
 *	the ledger): any local recipient of a BATV domain with a tag
 *	that does not verify (unknown key id, wrong signature) or that
 *	has expired makes the message forged; when every local recipient
 *	carries a valid tag, it is genuine, whatever it returns. Anything
 *	else (an untagged recipient, one outside the BATV domains) is
 *	left to the ledger and DKIM as without BATV, so bounces of mail
 *	sent before BATV was turned on still pass when the ledger knows
 *	them, and nothing unproven does.
 *
 *	mode = "report" logs what would be signed and judged and does
 *	neither; tags are still removed from recipients, so that mail to
 *	an address signed earlier is delivered.
 * DIAGNOSTICS
 *	One log line per signed sender; config errors in batv_config.c.
 */
#include "config.h"

/* System library. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Application-specific. */
#include "batv_impl.h"

/* batv_domain - DOMAIN is a BATV domain */
static int batv_domain(const struct batv *b, const char *domain)
{
	size_t i;

	for (i = 0; i < b->n_domains; i++)
		if (strcasecmp(b->domains[i], domain) == 0)
			return 1;
	return 0;
}

/* batv_exempt - ADDR ("local@domain") is listed, or its @domain is */
static int batv_exempt(const struct batv *b, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t i;

	for (i = 0; i < b->n_exempt; i++)
		if (strcasecmp(b->exempt[i], b->exempt[i][0] == '@' && at ?
			       at : addr) == 0)
			return 1;
	return 0;
}

/* batv_untag - the plugin's untag member */
int batv_untag(const struct batv *b, const char *local, const char *domain,
	       char *base, size_t size)
{
	const char *rest;
	char sig[7];
	int key, ddd;

	if (!b || !local || !domain || !batv_domain(b, domain) ||
	    !batv_parse(local, &key, &ddd, sig, &rest) || strlen(rest) >= size)
		return 0;
	memcpy(base, rest, strlen(rest) + 1);
	return 1;
}

/* in_play - a recipient still there */
static int in_play(const struct lg_rcpt_info *r)
{
	return r && !r->mta_rejected && !r->refused && !r->deleted;
}

/* count - one more of a counter, when the host keeps them */
static void count(const struct lg_host *h, struct lg_ctx *ctx,
		  const char *name)
{
	if (LG_HOST_HAS(h, count))
		h->count(ctx, name);
}

/* should_sign - outgoing, and no recipient exempt */
static int should_sign(const struct batv *b, const struct lg_host *h,
		       struct lg_ctx *ctx)
{
	size_t i, n = h->rcpt_count(ctx);
	int external = 0;

	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		if (!in_play(r))
			continue;
		if (batv_exempt(b, r->addr))
			return 0;
		if (r->rclass == LG_RCPT_EXTERNAL)
			external = 1;
	}
	return external;
}

/* plain_local - a local part that can carry a tag as it is: no quotes,
 * blanks, brackets, backslashes or control characters */
static int plain_local(const char *local)
{
	const unsigned char *p;

	for (p = (const unsigned char *) local; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"<>\\()[],;:", *p))
			return 0;
	return *local != 0;
}

/* batv_sign - tag the envelope sender of outgoing mail */
int batv_sign(const struct batv *b, const struct lg_host *h,
	      struct lg_ctx *ctx)
{
	const char *from = h->sender(ctx), *at, *rest;
	char tag[BATV_TAG_LEN + 1], local[BATV_LOCAL_MAX + 1], sig[7];
	char signed_from[BATV_ADDR_MAX + BATV_PREFIX_LEN + BATV_TAG_LEN + 2];
	int key, ddd;

	if (!b || !from[0] || (at = strrchr(from, '@')) == NULL ||
	    at == from || !batv_domain(b, at + 1))
		return 0;
	if ((size_t) (at - from) + BATV_PREFIX_LEN + BATV_TAG_LEN + 1 >
	    BATV_LOCAL_MAX ||
	    strlen(from) + BATV_PREFIX_LEN + BATV_TAG_LEN + 1 > BATV_ADDR_MAX) {
		h->log(ctx, LG_LOG_INFO,
		       "bounce: <%.320s> not signed: the tagged address would be too long",
		       from);
		return 0;
	}
	snprintf(local, sizeof(local), "%.*s", (int) (at - from), from);
	if (!plain_local(local)) {
		h->log(ctx, LG_LOG_INFO,
		       "bounce: <%s> not signed: a quoted or unusual local part",
		       from);
		return 0;
	}
	if (batv_parse(local, &key, &ddd, sig, &rest) ||
	    batv_exempt(b, from) || !should_sign(b, h, ctx))
		return 0;
	if (batv_make(b->keys[b->sign_key].secret, b->keys[b->sign_key].len,
		      b->sign_key, batv_day(h->now()) + b->days, from,
		      tag) != 0) {
		h->log(ctx, LG_LOG_ERROR, "bounce: cannot sign <%s>", from);
		return -1;
	}
	snprintf(signed_from, sizeof(signed_from), "%s%s=%s", BATV_PREFIX, tag,
		 from);
	if (b->report_only) {
		h->decision(ctx, "report", NULL,
			    "would sign the envelope sender <%s> as <%s>",
			    from, signed_from);
		return 0;
	}
	if (h->change_sender(ctx, signed_from) != 0) {
		/* the MTA offers no sender change (or another plugin made
		 * one): the mail leaves unsigned, as with BATV off */
		h->log(ctx, LG_LOG_INFO,
		       "bounce: <%s> not signed: the sender change was refused",
		       from);
		return 0;
	}
	count(h, ctx, "batv.signed");
	h->log(ctx, LG_LOG_INFO, "bounce: envelope sender <%s> signed as <%s>",
	       from, signed_from);
	return 0;
}

/* batv_deliver - replace each tagged recipient by its existing base */
int batv_deliver(const struct batv *b, const struct lg_host *h,
		 struct lg_ctx *ctx)
{
	size_t i, n;

	if (!b)
		return 0;
	n = h->rcpt_count(ctx);
	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		if (!in_play(r) || !r->untagged || r->rclass != LG_RCPT_LOCAL)
			continue;
		if (h->add_rcpt(ctx, r->untagged) != 0 ||
		    h->del_rcpt(ctx, r->index) != 0)
			return -1;
		h->log(ctx, LG_LOG_DEBUG, "bounce: <%s> delivered to <%s>",
		       r->addr, r->untagged);
	}
	return 0;
}

/* check_tag - one tagged recipient: BATV_GENUINE or BATV_FORGED */
static enum batv_judgement check_tag(const struct batv *b, long today,
				     const struct lg_rcpt_info *r, int key,
				     int ddd, const char *sig,
				     const char *base, char *reason,
				     size_t size)
{
	char addr[BATV_ADDR_MAX + 1], tag[BATV_TAG_LEN + 1];
	int left;

	if (!b->keys[key].set) {
		snprintf(reason, size,
			 "forged bounce: the BATV tag of <%s> names key %d, which is not configured",
			 r->addr, key);
		return BATV_FORGED;
	}
	if ((size_t) snprintf(addr, sizeof(addr), "%s@%s", base, r->domain) >=
	    sizeof(addr) ||
	    batv_make(b->keys[key].secret, b->keys[key].len, key, ddd, addr,
		      tag) != 0 || !batv_sig_equal(tag + 4, sig)) {
		snprintf(reason, size,
			 "forged bounce: the BATV tag of <%s> does not verify",
			 r->addr);
		return BATV_FORGED;
	}
	left = batv_days_left(ddd, today);
	if (left > b->days && left <= BATV_DAYS_MAX) {
		/* no tag is made further ahead than 365 days: this one came
		 * from a larger days setting than today's */
		snprintf(reason, size,
			 "expired BATV tag: <%s> is dated %d day(s) ahead, more than days (%lld) allows",
			 r->addr, left, b->days);
		return BATV_FORGED;
	}
	if (left > b->days) {
		snprintf(reason, size,
			 "expired BATV tag: <%s> expired %d day(s) ago",
			 r->addr, 1000 - left);
		return BATV_FORGED;
	}
	snprintf(reason, size, "bounce to a valid BATV tag <%s>", r->addr);
	return BATV_GENUINE;
}

/* batv_judge - a null-sender message judged by its recipients' tags */
enum batv_judgement batv_judge(const struct batv *b, const struct lg_host *h,
			       struct lg_ctx *ctx, char *reason, size_t size,
			       const char **to_r)
{
	size_t i, n, local = 0, valid = 0;
	long today;
	const char *base;
	char sig[7];
	int key, ddd;

	if (!b)
		return BATV_UNDECIDED;
	today = batv_day(h->now());
	n = h->rcpt_count(ctx);
	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		/* batv_deliver may have deleted a tagged one: still judged */
		if (!r || r->mta_rejected || r->refused ||
		    (r->deleted && !r->untagged) ||
		    r->rclass == LG_RCPT_EXTERNAL)
			continue;
		local++;
		if (!batv_domain(b, r->domain) ||
		    !batv_parse(r->local, &key, &ddd, sig, &base))
			continue;
		*to_r = r->addr;
		if (check_tag(b, today, r, key, ddd, sig, base, reason,
			      size) == BATV_FORGED) {
			count(h, ctx, "batv.refused");
			return BATV_FORGED;
		}
		valid++;
	}
	if (local == 0 || valid != local)
		return BATV_UNDECIDED;
	count(h, ctx, "batv.valid");
	return BATV_GENUINE;
}
