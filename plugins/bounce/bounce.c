/*
 * NAME
 *	bounce - bounce-loop and backscatter guard
 * SYNOPSIS
 *	plugins = ( { name = "bounce";
 *	              action = "reject";	# discard, tag, quarantine
 *	              ledger_ttl = "14d";
 *	              max_loops = 1;
 *	              mode = "enforce"; } );	# or "report"
 * DESCRIPTION
 *	The sent ledger: the Message-ID of every message submitted by an
 *	authenticated or trusted sender is kept in the store for
 *	ledger_ttl, as a hidden entry (no status). The milter must also run
 *	on submission (smtpd_milters of the submission service, or
 *	non_smtpd_milters) to see outgoing mail.
 *
 *	A bounce is a message with the null envelope sender for at least
 *	one local recipient (known or unknown). Its returned original is
 *	looked for (bounce_mime.c). The bounce is genuine when the
 *	original's Message-ID is in the ledger, or when the original
 *	(message/rfc822 or text/rfc822-headers) carries a DKIM-Signature
 *	of a local domain that verifies (host->dkim_verify_returned, same
 *	keys as the core; with headers only, the header signature counts).
 *	The original is verified once, for the signatures of local
 *	domains only, within the core's limits (a key that does not come
 *	before the message's lookup deadline is no proof).
 *	A returned original that
 *	itself had a null sender (Return-Path: <>, or a report) makes a
 *	bounce of a bounce: it is discarded. Any other bounce is
 *	backscatter and gets the action: "reject" (550 5.7.1), "discard",
 *	"tag" (X-Loopguard-Bounce: unverified) or "quarantine".
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
 *	One decision line per message handled (host->decision).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "batv.h"
#include "bounce.h"

#define BOUNCE_SCAN_MAX	(256 * 1024)	/* body bytes kept per bounce */
#define BOUNCE_TAG	"X-Loopguard-Bounce"

enum bounce_action {
	ACTION_REJECT = 0,
	ACTION_DISCARD,
	ACTION_TAG,
	ACTION_QUARANTINE
};

static const char *const bounce_actions[] = {
	"reject", "discard", "tag", "quarantine", NULL
};
static const char *const bounce_modes[] = { "enforce", "report", NULL };

struct bounce {
	const struct lg_host *host;
	enum bounce_action action;
	long long ledger_ttl;
	long long max_loops;
	int report_only;
	struct batv *batv;	/* NULL: BATV off (batv.c) */
};

/* Per message: the captured body of a bounce. */
struct bounce_msg {
	int candidate;		/* null sender, local recipient */
	char *buf;
	size_t len, cap;
};

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
	    h->cfg_enum(cfg, "mode", bounce_modes, 0, &mode) != 0)
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

	if (b)
		batv_free(&b->batv);
	free(b);
}

/* bounce_first_local - the first local recipient still in play */
static const struct lg_rcpt_info *bounce_first_local(const struct lg_host *h,
						     struct lg_ctx *ctx)
{
	size_t i, n = h->rcpt_count(ctx);

	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		if (r && r->rclass != LG_RCPT_EXTERNAL && !r->mta_rejected &&
		    !r->refused && !r->deleted)
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

	if (!m || !m->candidate || m->len >= BOUNCE_SCAN_MAX) {
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
			m->len = BOUNCE_SCAN_MAX;	/* stop trying */
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

/* bounce_count_loops - LG_LOOP_HEADER lines of the message itself */
static int bounce_count_loops(const struct lg_host *h, struct lg_ctx *ctx)
{
	int n = 0;

	while (n < 1000 && h->header_get(ctx, LG_LOOP_HEADER, (size_t) n))
		n++;
	return n;
}

/* bounce_own_mail - generated here and handed back by the local MTA:
 * a trusted client and exactly one loop header naming this host */
static int bounce_own_mail(const struct lg_host *h, struct lg_ctx *ctx)
{
	const char *v = h->header_get(ctx, LG_LOOP_HEADER, 0);

	if (!v || h->header_get(ctx, LG_LOOP_HEADER, 1) ||
	    !h->client_trusted(ctx))
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	return strncasecmp(v, h->hostname(), strlen(h->hostname())) == 0 &&
		strspn(v + strlen(h->hostname()), " \t\r\n") ==
		strlen(v + strlen(h->hostname()));
}

/* bounce_ledger_key - "sent:ID" */
static void bounce_ledger_key(const char *id, char *key, size_t size)
{
	snprintf(key, size, "sent:%s", id);
}

/* bounce_record - put an outgoing message's Message-ID in the ledger */
static void bounce_record(struct bounce *b, struct lg_ctx *ctx)
{
	const struct lg_host *h = b->host;
	const char *value = h->header_get(ctx, "Message-ID", 0);
	char id[BOUNCE_ID_MAX + 1], key[BOUNCE_ID_MAX + 16];
	struct lg_store_meta meta;

	if (!value || bounce_message_id(value, strlen(value), id,
					 sizeof(id)) != 0) {
		h->log(ctx, LG_LOG_DEBUG,
		       "bounce: outgoing message has no usable Message-ID; not in the ledger");
		return;
	}
	memset(&meta, 0, sizeof(meta));
	meta.from = h->sender(ctx);
	meta.size = -1;
	bounce_ledger_key(id, key, sizeof(key));
	if (h->store_set(ctx, key, 1, b->ledger_ttl, &meta) != 0)
		h->log(ctx, LG_LOG_WARN,
		       "bounce: cannot record <%s> in the sent ledger", id);
}

/* bounce_edit_failed - an edit could not be queued: keep the mail */
static enum lg_verdict bounce_edit_failed(const struct lg_host *h,
					  struct lg_ctx *ctx, const char *what)
{
	h->log(ctx, LG_LOG_ERROR, "bounce: cannot queue %s; tempfail", what);
	return LG_TEMPFAIL;
}

/* bounce_act - carry out (or, in report mode, describe) ACTION */
static enum lg_verdict bounce_act(struct bounce *b, struct lg_ctx *ctx,
				  enum bounce_action action, const char *to,
				  const char *reason)
{
	const struct lg_host *h = b->host;

	if (b->report_only) {
		h->decision(ctx, "report", to, "would %s: %s",
			    bounce_actions[action], reason);
		return LG_CONTINUE;
	}
	switch (action) {
	case ACTION_REJECT:
		if (h->set_reply(ctx, "550", "5.7.1",
				 "Bounce not accepted: it answers no message sent from here") != 0)
			return bounce_edit_failed(h, ctx, "the reply");
		h->decision(ctx, "reject", to, "%s", reason);
		return LG_REJECT;
	case ACTION_DISCARD:
		h->decision(ctx, "discard", to, "%s", reason);
		return LG_DISCARD;
	case ACTION_TAG:
		if (h->add_header(ctx, BOUNCE_TAG, "unverified") != 0)
			return bounce_edit_failed(h, ctx, "the header");
		h->decision(ctx, "tag", to, "%s", reason);
		return LG_CONTINUE;
	case ACTION_QUARANTINE:
		if (h->quarantine(ctx, "loopguard: unverified bounce") != 0)
			return bounce_edit_failed(h, ctx, "the quarantine");
		h->decision(ctx, "quarantine", to, "%s", reason);
		return LG_CONTINUE;
	}
	return LG_CONTINUE;
}

/* bounce_dkim_proof - the local domain whose DKIM signature on the
 * returned original verifies, or NULL */
static const char *bounce_dkim_proof(const struct lg_host *h,
				     struct lg_ctx *ctx,
				     const struct bounce_original *o)
{
	int i;

	if (h->struct_size < offsetof(struct lg_host, dkim_verify_returned) +
	    sizeof(h->dkim_verify_returned) || !h->dkim_verify_returned ||
	    !o->text || !o->text_len)
		return NULL;
	/* the host verifies the buffer once, for all local domains; the
	 * questions after the first cost no lookup */
	for (i = 0; i < o->n_dkim; i++)
		if (h->is_local_domain(ctx, o->dkim_domains[i]) &&
		    h->dkim_verify_returned(ctx, o->text, o->text_len,
					    o->dkim_domains[i]) == 1)
			return o->dkim_domains[i];
	return NULL;
}

/* bounce_judge - a bounce: genuine, bounce of a bounce, or backscatter */
static enum lg_verdict bounce_judge(struct bounce *b, struct lg_ctx *ctx,
				    const struct bounce_original *o,
				    const char *to)
{
	const struct lg_host *h = b->host;
	char key[BOUNCE_ID_MAX + 16], reason[512];
	struct lg_store_value val;
	enum bounce_action action = b->action;
	const char *signer;
	int hit = 0;

	if (o->null_sender) {
		snprintf(reason, sizeof(reason),
			 "bounce of a bounce: the returned message (%s) had a null sender",
			 bounce_kind_name(o->kind));
		return bounce_act(b, ctx, ACTION_DISCARD, to, reason);
	}
	if (o->message_id[0]) {
		bounce_ledger_key(o->message_id, key, sizeof(key));
		hit = h->store_get(ctx, key, &val);
		if (hit == 1) {
			h->decision(ctx, "pass", to,
				    "bounce answers <%s>, sent from here",
				    o->message_id);
			return LG_CONTINUE;
		}
	}
	if ((signer = bounce_dkim_proof(h, ctx, o)) != NULL) {
		h->decision(ctx, "pass", to,
			    "returned original has a valid DKIM signature of %s",
			    signer);
		return LG_CONTINUE;
	}
	if (!o->message_id[0]) {
		snprintf(reason, sizeof(reason),
			 "unverified bounce: no returned Message-ID found (%s)",
			 bounce_kind_name(o->kind));
		return bounce_act(b, ctx, action, to, reason);
	}
	snprintf(reason, sizeof(reason),
		 "unverified bounce: returned <%s> was never sent from here",
		 o->message_id);
	if (hit < 0 && (action == ACTION_REJECT || action == ACTION_DISCARD)) {
		/* no evidence either way: never turn a bounce away */
		action = ACTION_TAG;
		snprintf(reason, sizeof(reason),
			 "unverified bounce: the sent ledger cannot be read (returned <%s>)",
			 o->message_id);
	}
	return bounce_act(b, ctx, action, to, reason);
}

/* bounce_batv_judge - a bounce judged by its BATV tags first (batv.c),
 * then, when they do not decide, by the ledger */
static enum lg_verdict bounce_batv_judge(struct bounce *b, struct lg_ctx *ctx,
					 const struct bounce_original *o,
					 const char *to)
{
	char reason[512];

	switch (batv_judge(b->batv, b->host, ctx, reason, sizeof(reason),
			   &to)) {
	case BATV_GENUINE:
		b->host->decision(ctx, "pass", to, "%s", reason);
		return LG_CONTINUE;
	case BATV_FORGED:
		return bounce_act(b, ctx, b->action, to, reason);
	case BATV_UNDECIDED:
		break;
	}
	return bounce_judge(b, ctx, o, to);
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
	if (b->batv)
		return bounce_batv_judge(b, ctx, &o, r ? r->addr : NULL);
	return bounce_judge(b, ctx, &o, r ? r->addr : NULL);
}

/* bounce_untag - a BATV tag on a local part (batv.c) */
static int bounce_untag(const void *instance, const char *local,
			const char *domain, char *base, size_t size)
{
	const struct bounce *b = instance;

	return batv_untag(b->batv, local, domain, base, size);
}

/* bounce_needs - the headers, and the returned original in the body */
static void bounce_needs(const void *instance, unsigned *uses_r,
			 unsigned *answers_r)
{
	(void) instance;
	*uses_r = LG_STEP_HEADERS | LG_STEP_EOH | LG_STEP_BODY | LG_STEP_EOM;
	*answers_r = LG_STEP_EOM;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "bounce",
	.version = PACKAGE_VERSION,
	.init = bounce_init,
	.fini = bounce_fini,
	.eoh = bounce_eoh,
	.body = bounce_body,
	.eom = bounce_eom,
	.needs = bounce_needs,
	.untag = bounce_untag,
};
