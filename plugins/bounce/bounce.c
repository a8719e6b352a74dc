/*
 * NAME
 *	bounce - bounce-loop and backscatter guard
 * SYNOPSIS
 *	plugins = ( { name = "bounce";
 *	              action = "reject";	# discard, tag, quarantine
 *	              ledger_ttl = "14d";
 *	              max_loops = 1;
 *	              replies = true;
 *	              max_bounce_rcpts = 1;
 *	              multi_rcpt_action = "reject";	# or "off"
 *	              never_send = [ "noreply", "no-reply" ];
 *	              never_send_action = "reject";	# or "off"
 *	              mode = "enforce"; } );	# or "report"
 * DESCRIPTION
 *	The sent ledger: the Message-ID of every message submitted by an
 *	authenticated or trusted sender is kept in the store for
 *	ledger_ttl, as a hidden entry (no status). The milter must also run
 *	on submission (smtpd_milters of the submission service, or
 *	non_smtpd_milters) to see outgoing mail.
 *
 *	A bounce is a message with the null envelope sender for at least
 *	one local recipient (known or unknown). At RCPT, the cheap checks
 *	(bounce_rcpt.c) may refuse a recipient: past max_bounce_rcpts, or
 *	one that never sends mail. At end of message its returned
 *	original is looked for (bounce_mime.c) and the bounce is judged
 *	(bounce_judge.c): genuine when the original's Message-ID is in
 *	the ledger, or when the original (message/rfc822 or
 *	text/rfc822-headers) carries a DKIM-Signature of a local domain
 *	that verifies (host->dkim_verify_returned, same keys as the core;
 *	with headers only, the header signature counts); with replies =
 *	true, an answer whose In-Reply-To or References names a ledger id
 *	passes too (bounce_reply.c). A returned original that itself had
 *	a null sender (Return-Path: <>, or a report) makes a bounce of a
 *	bounce: it is discarded. Any other bounce is backscatter and gets
 *	the action: "reject" (550 5.7.1), "discard", "tag"
 *	(X-Loopguard-Bounce: unverified) or "quarantine".
 *
 *	loopguard's own generated mail (postmaster notices, autoreplies)
 *	comes back through the milter with a null sender: from a trusted
 *	client with one LG_LOOP_HEADER naming this host it is let through.
 *
 *	Any message (bounce or not) that carries LG_LOOP_HEADER more than
 *	max_loops times, counting the returned original's copies too,
 *	went round: it is discarded.
 *
 *	mode = "report" logs every decision as action=report and changes
 *	nothing. A store that cannot be read never turns a bounce away:
 *	reject and discard become tag.
 * DIAGNOSTICS
 *	One decision line per message handled (host->decision), ending
 *	with what bounced (final recipient, status, DSN action, reporting
 *	MTA) when the report says; counters through host->count.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <loopguard/plugin.h>

#include "batv.h"
#include "bounce_plugin.h"

#define BOUNCE_SCAN_MAX	(256 * 1024)	/* body bytes kept per bounce */

static const char *const bounce_modes[] = { "enforce", "report", NULL };

/* bounce_init - parse and check the settings */
static int bounce_init(const struct lg_host *h, struct lg_section *cfg,
		       void **instance_r)
{
	struct bounce *b = calloc(1, sizeof(*b));
	int action, mode;

	if (!b)
		return -1;
	*instance_r = b;
	b->host = h;
	if (h->struct_size < offsetof(struct lg_host, hostname) +
	    sizeof(h->hostname)) {
		h->cfg_error(cfg, NULL, "the daemon is too old for this plugin");
		return -1;
	}
	if (h->cfg_enum(cfg, "action", bounce_actions, ACTION_REJECT,
			&action) != 0 ||
	    h->cfg_duration(cfg, "ledger_ttl", "14d", 60,
			    &b->ledger_ttl) != 0 ||
	    h->cfg_int(cfg, "max_loops", 1, 0, 100, &b->max_loops) != 0 ||
	    h->cfg_enum(cfg, "mode", bounce_modes, 0, &mode) != 0 ||
	    h->cfg_bool(cfg, "replies", 1, &b->replies) != 0 ||
	    bounce_rcpt_init(b, cfg) != 0)
		return -1;
	b->action = (enum bounce_action) action;
	b->report_only = mode == 1;
	if (batv_config(h, cfg, b->report_only, &b->batv) != 0)
		return -1;
	return 0;
}

/* bounce_fini - free the instance */
static void bounce_fini(void *instance)
{
	struct bounce *b = instance;

	if (!b)
		return;
	bounce_rcpt_fini(b);
	batv_free(&b->batv);
	free(b);
}

/* bounce_local - R is a local recipient still in play */
static int bounce_local(const struct lg_rcpt_info *r)
{
	return r && r->rclass != LG_RCPT_EXTERNAL && !r->mta_rejected &&
		!r->refused && !r->deleted;
}

/* bounce_first_local - the first local recipient still in play */
static const struct lg_rcpt_info *bounce_first_local(const struct lg_host *h,
						     struct lg_ctx *ctx)
{
	size_t i, n = h->rcpt_count(ctx);

	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		if (bounce_local(r))
			return r;
	}
	return NULL;
}

/* bounce_state - this message's state, made on first use */
static struct bounce_msg *bounce_state(const struct lg_host *h,
				       struct lg_ctx *ctx)
{
	void **slot = h->msg_slot(ctx);

	if (!*slot) {
		*slot = h->msg_alloc(ctx, sizeof(struct bounce_msg));
		if (*slot)
			memset(*slot, 0, sizeof(struct bounce_msg));
	}
	return *slot;
}

/* bounce_envrcpt - the cheap checks on each local recipient of a bounce */
static enum lg_verdict bounce_envrcpt(void *instance, struct lg_ctx *ctx,
				      const struct lg_rcpt_info *rcpt)
{
	struct bounce *b = instance;
	const struct lg_host *h = b->host;
	struct bounce_msg *m;

	if (h->sender_class(ctx) != LG_SENDER_NULL || !bounce_local(rcpt))
		return LG_CONTINUE;
	if ((m = bounce_state(h, ctx)) == NULL) {
		h->log(ctx, LG_LOG_ERROR, "bounce: out of memory; tempfail");
		return LG_TEMPFAIL;
	}
	return bounce_rcpt(b, ctx, m, rcpt);
}

/* bounce_eoh - decide whether the body is worth keeping */
static enum lg_verdict bounce_eoh(void *instance, struct lg_ctx *ctx)
{
	struct bounce *b = instance;
	const struct lg_host *h = b->host;
	struct bounce_msg *m;

	if (h->sender_class(ctx) != LG_SENDER_NULL ||
	    !bounce_first_local(h, ctx)) {
		if (LG_HOST_HAS(h, body_done))
			h->body_done(ctx);
		return LG_CONTINUE;
	}
	if ((m = bounce_state(h, ctx)) != NULL)
		m->candidate = 1;
	return LG_CONTINUE;
}

/* bounce_body - keep up to BOUNCE_SCAN_MAX bytes of a bounce */
static enum lg_verdict bounce_body(void *instance, struct lg_ctx *ctx,
				   const unsigned char *chunk, size_t len)
{
	struct bounce *b = instance;
	const struct lg_host *h = b->host;
	struct bounce_msg *m = *h->msg_slot(ctx);
	size_t want;
	char *bigger;

	if (!m || !m->candidate || m->full || m->len >= BOUNCE_SCAN_MAX) {
		if (LG_HOST_HAS(h, body_done))
			h->body_done(ctx);
		return LG_CONTINUE;
	}
	if (len == 0)
		return LG_CONTINUE;
	if (len > BOUNCE_SCAN_MAX - m->len)
		len = BOUNCE_SCAN_MAX - m->len;
	if (m->len + len > m->cap) {
		/* the arena frees the old buffer with the message */
		want = m->cap ? m->cap * 2 : 16384;
		while (want < m->len + len)
			want *= 2;
		if (want > BOUNCE_SCAN_MAX)
			want = BOUNCE_SCAN_MAX;
		if ((bigger = h->msg_alloc(ctx, want)) == NULL) {
			h->log(ctx, LG_LOG_WARN,
			       "bounce: out of memory; body kept so far is used");
			/* stop trying; len stays what buf holds */
			m->full = 1;
			return LG_CONTINUE;
		}
		if (m->len)
			memcpy(bigger, m->buf, m->len);
		m->buf = bigger;
		m->cap = want;
	}
	memcpy(m->buf + m->len, chunk, len);
	m->len += len;
	return LG_CONTINUE;
}

/* bounce_eom - loops, the ledger, and the verdict on a bounce */
static enum lg_verdict bounce_eom(void *instance, struct lg_ctx *ctx)
{
	struct bounce *b = instance;
	const struct lg_host *h = b->host;
	struct bounce_msg *m = *h->msg_slot(ctx);
	const struct lg_rcpt_info *r = bounce_first_local(h, ctx);
	enum lg_sender_class sc = h->sender_class(ctx);
	struct bounce_original o;
	char reason[256];
	int loops;

	memset(&o, 0, sizeof(o));
	if (m && m->candidate &&
	    bounce_find_original(h->header_get(ctx, "Content-Type", 0),
				 h->header_get(ctx,
					       "Content-Transfer-Encoding", 0),
				 m->buf, m->len, &o) < 0) {
		h->log(ctx, LG_LOG_ERROR,
		       "bounce: no memory to decode the bounce; tempfail");
		return LG_TEMPFAIL;
	}
	loops = bounce_count_loops(h, ctx) + o.loops;
	if (loops > b->max_loops) {
		snprintf(reason, sizeof(reason),
			 "mail loop: %s seen %d times (max_loops %lld)",
			 LG_LOOP_HEADER, loops, b->max_loops);
		return bounce_act(b, ctx, ACTION_DISCARD, r ? r->addr : NULL,
				  reason);
	}
	if (batv_deliver(b->batv, h, ctx) != 0)
		return bounce_edit_failed(h, ctx, "the BATV tag removal");
	if (sc == LG_SENDER_AUTHENTICATED || sc == LG_SENDER_TRUSTED) {
		if (h->sender(ctx)[0])
			bounce_record(b, ctx);
		if (batv_sign(b->batv, h, ctx) != 0)
			return bounce_edit_failed(h, ctx, "the BATV sender");
		return LG_CONTINUE;
	}
	/* a notice or autoreply of ours on its way to a local mailbox */
	if (!m || !m->candidate || bounce_own_mail(h, ctx))
		return LG_CONTINUE;
	return bounce_judge(b, ctx, &o, r ? r->addr : NULL);
}

/* bounce_untag - a BATV tag on a local part (batv.c) */
static int bounce_untag(const void *instance, const char *local,
			const char *domain, char *base, size_t size)
{
	const struct bounce *b = instance;

	return batv_untag(b->batv, local, domain, base, size);
}

/* bounce_needs - the headers, the returned original in the body, and
 * RCPT when a cheap check is on */
static void bounce_needs(const void *instance, unsigned *uses_r,
			 unsigned *answers_r)
{
	const struct bounce *b = instance;

	*uses_r = LG_STEP_HEADERS | LG_STEP_EOH | LG_STEP_BODY | LG_STEP_EOM;
	*answers_r = LG_STEP_EOM;
	if (!b || b->multi_rcpt_reject || b->never_send_reject) {
		*uses_r |= LG_STEP_RCPT;
		*answers_r |= LG_STEP_RCPT;
	}
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "bounce",
	.version = PACKAGE_VERSION,
	.init = bounce_init,
	.fini = bounce_fini,
	.envrcpt = bounce_envrcpt,
	.eoh = bounce_eoh,
	.body = bounce_body,
	.eom = bounce_eom,
	.needs = bounce_needs,
	.untag = bounce_untag,
};
