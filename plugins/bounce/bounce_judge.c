/*
 * NAME
 *	bounce_judge - the sent ledger and the verdict on a bounce
 * SYNOPSIS
 *	#include "bounce_plugin.h"
 *
 *	bounce_record(b, ctx);		(outgoing mail of a proven sender)
 *	v = bounce_judge(b, ctx, &original, to);
 * DESCRIPTION
 *	bounce_record() keeps an outgoing message's Message-ID in the
 *	store as "sent:ID" for ledger_ttl.
 *
 *	bounce_judge() decides on a bounce, in this order: a returned
 *	original that had a null sender makes a bounce of a bounce
 *	(discarded); the returned original's Message-ID in the ledger, or
 *	its verifying DKIM signature of a local domain, makes it genuine;
 *	then, with replies = true, an In-Reply-To or References id in the
 *	ledger makes it an answer to mail sent from here ("reply to
 *	<ID>", or "auto-reply to <ID>" with an auto-reply marker); all
 *	pass. Anything else is backscatter and gets the action; when a
 *	ledger lookup failed, reject and discard become tag. Every such
 *	decision line ends with the DSN fields that are known
 *	(bounce_report.c), and the status and DSN action are counted.
 *
 *	bounce_act() carries out an action, or in report mode logs what
 *	it would have done.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "batv.h"
#include "bounce_plugin.h"

#define BOUNCE_TAG	"X-Loopguard-Bounce"

const char *const bounce_actions[] = {
	"reject", "discard", "tag", "quarantine", NULL
};

/* bounce_count_loops - LG_LOOP_HEADER lines of the message itself */
int bounce_count_loops(const struct lg_host *h, struct lg_ctx *ctx)
{
	int n = 0;

	while (n < 1000 && h->header_get(ctx, LG_LOOP_HEADER, (size_t) n))
		n++;
	return n;
}

/* bounce_own_mail - generated here and handed back by the local MTA:
 * a trusted client and exactly one loop header naming this host */
int bounce_own_mail(const struct lg_host *h, struct lg_ctx *ctx)
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

/* ledger_key - "sent:ID" */
static void ledger_key(const char *id, char *key, size_t size)
{
	snprintf(key, size, "sent:%.*s", BOUNCE_ID_MAX, id);
}

/* ledger_has - 1 if ID was sent from here, 0 if not, -1 if unknown */
static int ledger_has(const struct lg_host *h, struct lg_ctx *ctx,
		      const char *id)
{
	char key[BOUNCE_ID_MAX + 16];
	struct lg_store_value val;
	int hit;

	ledger_key(id, key, sizeof(key));
	hit = h->store_get(ctx, key, &val);
	return hit == 1 ? 1 : hit < 0 ? -1 : 0;
}

/* bounce_record - put an outgoing message's Message-ID in the ledger */
void bounce_record(struct bounce *b, struct lg_ctx *ctx)
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
	ledger_key(id, key, sizeof(key));
	if (h->store_set(ctx, key, 1, b->ledger_ttl, &meta) != 0)
		h->log(ctx, LG_LOG_WARN,
		       "bounce: cannot record <%s> in the sent ledger", id);
}

/* bounce_edit_failed - an edit could not be queued: keep the mail */
enum lg_verdict bounce_edit_failed(const struct lg_host *h,
				   struct lg_ctx *ctx, const char *what)
{
	h->log(ctx, LG_LOG_ERROR, "bounce: cannot queue %s; tempfail", what);
	return LG_TEMPFAIL;
}

/* bounce_act - carry out (or, in report mode, describe) ACTION */
enum lg_verdict bounce_act(struct bounce *b, struct lg_ctx *ctx,
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

/* dkim_proof - the local domain whose DKIM signature on the returned
 * original verifies, or NULL */
static const char *dkim_proof(const struct lg_host *h, struct lg_ctx *ctx,
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

/* reply_pass - an answer naming a ledger id passes; 1 if it did. Sets
 * *unread when a lookup failed, *named to the ids named. */
static int reply_pass(struct bounce *b, struct lg_ctx *ctx, const char *to,
		      const char *dsn, int *unread, size_t *named)
{
	const struct lg_host *h = b->host;
	char ids[BOUNCE_REPLY_IDS][BOUNCE_ID_MAX + 1], mark[64];
	const char *why;
	size_t i, n = bounce_reply_ids_of(h, ctx, ids, BOUNCE_REPLY_IDS);
	int hit;

	*named = n;
	for (i = 0; i < n; i++) {
		if ((hit = ledger_has(h, ctx, ids[i])) < 0)
			*unread = 1;
		if (hit != 1)
			continue;
		if ((why = bounce_reply_marker(h, ctx, mark, sizeof(mark)))) {
			bounce_count(h, ctx, "autoreply");
			h->decision(ctx, "pass", to,
				    "auto-reply to <%s>, sent from here (%s)%s",
				    ids[i], why, dsn);
		} else {
			bounce_count(h, ctx, "reply");
			h->decision(ctx, "pass", to,
				    "reply to <%s>, sent from here%s", ids[i],
				    dsn);
		}
		return 1;
	}
	return 0;
}

/* bounce_judge - a bounce: genuine, an answer, a bounce of a bounce,
 * or backscatter */
enum lg_verdict bounce_judge(struct bounce *b, struct lg_ctx *ctx,
			     const struct bounce_original *o, const char *to)
{
	const struct lg_host *h = b->host;
	char reason[1024], dsn[BOUNCE_DSN_TEXT_MAX], why[96] = "";
	enum bounce_action action = b->action;
	const char *signer;
	int hit = 0, unread = 0;
	size_t named = 0;

	bounce_dsn_text(o, dsn, sizeof(dsn));
	bounce_dsn_count(h, ctx, o);
	if (o->null_sender) {
		snprintf(reason, sizeof(reason),
			 "bounce of a bounce: the returned message (%s) had a null sender%s",
			 bounce_kind_name(o->kind), dsn);
		return bounce_act(b, ctx, ACTION_DISCARD, to, reason);
	}
	if (b->batv) {
		/* a tag decides first; an untagged recipient is judged below */
		switch (batv_judge(b->batv, h, ctx, reason, sizeof(reason),
				   &to)) {
		case BATV_GENUINE:
			h->decision(ctx, "pass", to, "%s%s", reason, dsn);
			return LG_CONTINUE;
		case BATV_FORGED:
			if (strlen(reason) + strlen(dsn) < sizeof(reason))
				strcat(reason, dsn);
			return bounce_act(b, ctx, action, to, reason);
		case BATV_UNDECIDED:
			break;
		}
	}
	if (o->message_id[0]) {
		if ((hit = ledger_has(h, ctx, o->message_id)) == 1) {
			h->decision(ctx, "pass", to,
				    "bounce answers <%s>, sent from here%s",
				    o->message_id, dsn);
			return LG_CONTINUE;
		}
		unread = hit < 0;
	}
	if ((signer = dkim_proof(h, ctx, o)) != NULL) {
		h->decision(ctx, "pass", to,
			    "returned original has a valid DKIM signature of %s%s",
			    signer, dsn);
		return LG_CONTINUE;
	}
	if (b->replies && reply_pass(b, ctx, to, dsn, &unread, &named))
		return LG_CONTINUE;
	bounce_count(h, ctx, "unverified");
	if (named)
		snprintf(why, sizeof(why),
			 "; In-Reply-To/References name %zu message%s never sent from here",
			 named, named == 1 ? "" : "s");
	if (!o->message_id[0])
		snprintf(reason, sizeof(reason),
			 "unverified bounce: no returned Message-ID found (%s)%s%s",
			 bounce_kind_name(o->kind), why, dsn);
	else
		snprintf(reason, sizeof(reason),
			 "unverified bounce: returned <%s> was never sent from here%s%s",
			 o->message_id, why, dsn);
	if (unread && (action == ACTION_REJECT || action == ACTION_DISCARD)) {
		/* no evidence either way: never turn a bounce away */
		action = ACTION_TAG;
		if (o->message_id[0])
			snprintf(reason, sizeof(reason),
				 "unverified bounce: the sent ledger cannot be read (returned <%s>)%s",
				 o->message_id, dsn);
		else
			snprintf(reason, sizeof(reason),
				 "unverified bounce: the sent ledger cannot be read (In-Reply-To/References)%s",
				 dsn);
	}
	return bounce_act(b, ctx, action, to, reason);
}
