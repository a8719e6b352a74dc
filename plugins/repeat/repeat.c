/*
 * NAME
 *	repeat - stop a client that sends one message again and again
 * SYNOPSIS
 *	plugins = ( { name = "repeat";
 *	              threshold = 3;
 *	              window = "1h";
 *	              action = "discard";
 *	              reject_text = "Message refused: ...";
 *	              notify = true;
 *	              mode = "enforce"; },
 *	            { name = "catchall"; } );
 * DESCRIPTION
 *	A broken client (the Outlook connector case) can re-send the same
 *	message to a misspelled local address for ever; the catch-all
 *	would hand every copy to the postmaster. At end of message each
 *	accepted copy for an unknown recipient is counted per client,
 *	envelope sender, recipient and message fingerprint. The first
 *	"threshold" copies within "window" pass (the catch-all redirects
 *	them); later ones are marked "looping" and get the action:
 *
 *	discard   the looping recipients are deleted, or, when every live
 *	          recipient of the message loops, the message is dropped;
 *	reject    550 5.7.1 reject_text for the whole message;
 *	tempfail  450 4.7.1 reject_text for the whole message.
 *
 *	When a loop starts (the first copy past the threshold) the
 *	postmaster of the recipient's domain gets one notice, unless
 *	notify = false.
 *
 *	The fingerprint is the Message-ID (brackets and blanks stripped,
 *	domain lower-cased), or, without one, a hash of From, Date,
 *	Subject and the body. The store key is a hash of all four parts,
 *	"fp:" and 16 hex digits, so entries stay small. List repeat before
 *	catchall: it must see the copy first. mode = "report" logs what
 *	would be done and changes nothing in the mail (the store entries
 *	are kept as in enforce mode, so the status view shows them).
 * DIAGNOSTICS
 *	One decision line per looping copy and recipient. A store that is
 *	down lets the message pass; that is logged once per message. A
 *	looping recipient that cannot be deleted passes, with an error.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <loopguard/plugin.h>

#define REPEAT_MAX_TEXT 400		/* reject_text, bytes */
#define REPEAT_MAX_MSGID 200		/* of the Message-ID in a log line */

enum repeat_action { REPEAT_DISCARD, REPEAT_REJECT, REPEAT_TEMPFAIL };

struct repeat {
	const struct lg_host *host;
	long long threshold;
	long long window;		/* seconds */
	char window_text[32];		/* for log lines, e.g. "1h" */
	enum repeat_action action;
	char *reject_text;
	int report_only;
	int notify;			/* tell the postmaster once per incident */
};

/* Per message: the body hash, fed chunk by chunk. */
struct repeat_msg {
	uint64_t body_hash;
};

static const char *const repeat_actions[] = {
	"discard", "reject", "tempfail", NULL
};
static const char *const repeat_modes[] = { "enforce", "report", NULL };

#define REPEAT_FNV_BASIS 0xcbf29ce484222325ULL
#define REPEAT_FNV_PRIME 0x100000001b3ULL

/* repeat_fnv - continue a 64-bit FNV-1a hash over len bytes */
static uint64_t repeat_fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * REPEAT_FNV_PRIME;
	return h;
}

/* repeat_fnv_field - a string, ASCII case folded if asked, then a NUL
 * so that ("ab", "c") and ("a", "bc") differ */
static uint64_t repeat_fnv_field(uint64_t h, const char *s, int fold)
{
	const unsigned char *p = (const unsigned char *) (s ? s : "");

	for (; *p; p++) {
		unsigned char c = *p;

		if (fold && c >= 'A' && c <= 'Z')
			c = (unsigned char) (c - 'A' + 'a');
		h = (h ^ c) * REPEAT_FNV_PRIME;
	}
	return (h ^ 0) * REPEAT_FNV_PRIME;
}

/* repeat_format_duration - seconds as "90s", "10m", "1h" or "7d" */
static void repeat_format_duration(long long s, char *buf, size_t size)
{
	if (s > 0 && s % 86400 == 0)
		snprintf(buf, size, "%lldd", s / 86400);
	else if (s > 0 && s % 3600 == 0)
		snprintf(buf, size, "%lldh", s / 3600);
	else if (s > 0 && s % 60 == 0)
		snprintf(buf, size, "%lldm", s / 60);
	else
		snprintf(buf, size, "%llds", s);
}

/* repeat_valid_text - one line of printable ASCII, not empty */
static int repeat_valid_text(const char *text)
{
	const unsigned char *p = (const unsigned char *) text;

	if (!*p || strlen(text) > REPEAT_MAX_TEXT)
		return 0;
	for (; *p; p++)
		if (*p < ' ' || *p >= 127)
			return 0;
	return 1;
}

/* repeat_normalise_msgid - strip blanks and <>, lower-case the domain;
 * 0, or -1 if nothing is left or it does not fit */
static int repeat_normalise_msgid(const char *value, char *buf, size_t size)
{
	const char *start = value, *end = value + strlen(value);
	char *at;
	size_t len;

	while (start < end && (*start == ' ' || *start == '\t' ||
			       *start == '\r' || *start == '\n'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' ||
			       end[-1] == '\r' || end[-1] == '\n'))
		end--;
	if (start < end && *start == '<')
		start++;
	if (end > start && end[-1] == '>')
		end--;
	len = (size_t) (end - start);
	if (len == 0 || len >= size)
		return -1;
	memcpy(buf, start, len);
	buf[len] = 0;
	at = strrchr(buf, '@');
	for (at = at ? at + 1 : NULL; at && *at; at++)
		if (*at >= 'A' && *at <= 'Z')
			*at = (char) (*at - 'A' + 'a');
	return 0;
}

/* repeat_fingerprint - the message's fingerprint as a hash; desc gets
 * what it was taken from, for the log */
static uint64_t repeat_fingerprint(const struct repeat *rp,
				   struct lg_ctx *ctx, char *desc, size_t size)
{
	const struct lg_host *h = rp->host;
	const char *msgid = h->header_get(ctx, "Message-ID", 0);
	void **slot = h->msg_slot(ctx);
	const struct repeat_msg *m = slot ? *slot : NULL;
	uint64_t fp = REPEAT_FNV_BASIS, body;
	char id[1024];

	if (msgid && repeat_normalise_msgid(msgid, id, sizeof(id)) == 0) {
		snprintf(desc, size, "<%.*s>", REPEAT_MAX_MSGID, id);
		return repeat_fnv_field(repeat_fnv_field(fp, "id", 0), id, 0);
	}
	snprintf(desc, size, "without Message-ID");
	/* no body chunk at all hashes like an empty body */
	body = m ? m->body_hash : REPEAT_FNV_BASIS;
	fp = repeat_fnv_field(fp, "content", 0);
	fp = repeat_fnv_field(fp, h->header_get(ctx, "From", 0), 0);
	fp = repeat_fnv_field(fp, h->header_get(ctx, "Date", 0), 0);
	fp = repeat_fnv_field(fp, h->header_get(ctx, "Subject", 0), 0);
	return repeat_fnv(fp, &body, sizeof(body));
}

/* repeat_fini - free the instance */
static void repeat_fini(void *instance)
{
	struct repeat *rp = instance;

	if (!rp)
		return;
	free(rp->reject_text);
	free(rp);
}

/* repeat_init - parse and check the settings */
static int repeat_init(const struct lg_host *h, struct lg_section *cfg,
		       void **instance_r)
{
	struct repeat *rp = calloc(1, sizeof(*rp));
	const char *text;
	int action, mode;

	if (!rp)
		return -1;
	*instance_r = rp;
	rp->host = h;
	if (h->cfg_int(cfg, "threshold", 3, 1, 1000000, &rp->threshold) != 0 ||
	    h->cfg_duration(cfg, "window", "1h", 1, &rp->window) != 0 ||
	    h->cfg_enum(cfg, "action", repeat_actions, REPEAT_DISCARD,
			&action) != 0 ||
	    h->cfg_string(cfg, "reject_text",
			  "Message refused: this message was sent repeatedly to an unknown address",
			  &text) != 0 ||
	    h->cfg_enum(cfg, "mode", repeat_modes, 0, &mode) != 0 ||
	    h->cfg_bool(cfg, "notify", 1, &rp->notify) != 0)
		return -1;
	if (!repeat_valid_text(text)) {
		h->cfg_error(cfg, "reject_text",
			     "reject_text must be one line of printable text, 1 to %d characters",
			     REPEAT_MAX_TEXT);
		return -1;
	}
	repeat_format_duration(rp->window, rp->window_text,
			       sizeof(rp->window_text));
	rp->action = (enum repeat_action) action;
	rp->report_only = mode == 1;
	rp->reject_text = strdup(text);
	return rp->reject_text ? 0 : -1;
}

/* repeat_rcpt_counts - an unknown recipient the message really has */
static int repeat_rcpt_counts(const struct lg_rcpt_info *r)
{
	return r && r->rclass == LG_RCPT_UNKNOWN && !r->mta_rejected &&
		!r->refused && !r->deleted;
}

/* repeat_has_unknown - will this message be counted at all? */
static int repeat_has_unknown(const struct lg_host *h, struct lg_ctx *ctx)
{
	size_t i, n = h->rcpt_count(ctx);

	for (i = 0; i < n; i++)
		if (repeat_rcpt_counts(h->rcpt_at(ctx, i)))
			return 1;
	return 0;
}

/* repeat_body - hash the body as it comes */
static enum lg_verdict repeat_body(void *instance, struct lg_ctx *ctx,
				   const unsigned char *chunk, size_t len)
{
	const struct lg_host *h = ((struct repeat *) instance)->host;
	void **slot = h->msg_slot(ctx);
	struct repeat_msg *m;

	if (!slot)
		return LG_CONTINUE;
	/* nothing is counted without an unknown recipient: the rest of
	 * the body may be skipped; with one, its size is shown, and the
	 * body is hashed only for a message with no Message-ID */
	if (!*slot && !repeat_has_unknown(h, ctx)) {
		if (LG_HOST_HAS(h, body_done))
			h->body_done(ctx);
		return LG_CONTINUE;
	}
	if (!*slot && h->header_get(ctx, "Message-ID", 0))
		return LG_CONTINUE;
	if (!*slot) {
		m = h->msg_alloc(ctx, sizeof(*m));
		if (!m)
			return LG_CONTINUE;	/* fingerprint falls back */
		m->body_hash = REPEAT_FNV_BASIS;
		*slot = m;
	}
	m = *slot;
	m->body_hash = repeat_fnv(m->body_hash, chunk, len);
	return LG_CONTINUE;
}

/* repeat_mark_looping - the entry's status becomes "looping"; its
 * window is kept */
static void repeat_mark_looping(const struct repeat *rp, struct lg_ctx *ctx,
				const char *key, long long count)
{
	const struct lg_host *h = rp->host;
	struct lg_store_meta meta = { NULL, NULL, NULL, "looping", -1 };
	struct lg_store_value val;
	long long ttl = rp->window;
	time_t now = h->now();

	if (h->store_get(ctx, key, &val) == 1 && val.expires > now)
		ttl = (long long) (val.expires - now);
	h->store_set(ctx, key, count, ttl, &meta);
}

/* repeat_notify - one notice to the postmaster when a loop starts */
static void repeat_notify(const struct repeat *rp, struct lg_ctx *ctx,
			  const struct lg_rcpt_info *r, const char *desc,
			  const char *fptext)
{
	const struct lg_host *h = rp->host;
	char subject[256], body[2048];

	if (!rp->notify || h->struct_size <
	    offsetof(struct lg_host, notify_postmaster) + sizeof(void *))
		return;
	snprintf(subject, sizeof(subject),
		 "loopguard: a client keeps sending one message to %s",
		 r->addr);
	snprintf(body, sizeof(body),
		 "The client %s keeps sending the same message to an address that\n"
		 "does not exist.\n\n"
		 "  sender:      <%s>\n"
		 "  recipient:   <%s>\n"
		 "  message:     %s\n"
		 "  fingerprint: %s\n\n"
		 "%lld copies within %s passed to the catch-all; later copies are\n"
		 "handled with action \"%s\" until the window ends. This is usually\n"
		 "a broken mail client; \"loopguardctl list --plugin repeat\" shows\n"
		 "the entry and \"loopguardctl remove ID\" resets it.\n",
		 h->client_addr(ctx), h->sender(ctx), r->addr, desc, fptext,
		 rp->threshold, rp->window_text,
		 rp->action == REPEAT_DISCARD ? "discard" :
		 rp->action == REPEAT_REJECT ? "reject" : "tempfail");
	if (h->notify_postmaster(ctx, r->domain, subject, body) != 0)
		h->log(ctx, LG_LOG_WARN, "could not queue the postmaster notice");
}

/* repeat_count - count one copy for recipient r: the new count, or -1
 * if the store could not say */
static long long repeat_count(const struct repeat *rp, struct lg_ctx *ctx,
			      const struct lg_rcpt_info *r, uint64_t fp,
			      char *key, size_t keysize)
{
	const struct lg_host *h = rp->host;
	const char *to = *r->addr ? r->addr : r->raw;
	struct lg_store_meta meta;
	uint64_t k = REPEAT_FNV_BASIS;
	long long count;

	k = repeat_fnv_field(k, h->client_addr(ctx), 0);
	k = repeat_fnv_field(k, h->sender(ctx), 1);
	k = repeat_fnv_field(k, to, 1);
	k = repeat_fnv(k, &fp, sizeof(fp));
	snprintf(key, keysize, "fp:%016llx", (unsigned long long) k);
	meta.from = h->sender(ctx);
	meta.to = to;
	meta.client = h->client_addr(ctx);
	meta.status = "counting";
	meta.size = (long long) h->body_size(ctx);
	if (h->store_incr(ctx, key, 1, rp->window, &meta, &count) < 0)
		return -1;
	return count;
}

/* repeat_apply - the action for the looping recipients */
static enum lg_verdict repeat_apply(const struct repeat *rp,
				    struct lg_ctx *ctx,
				    const unsigned char *looping, size_t n)
{
	const struct lg_host *h = rp->host;
	size_t i, live = 0, loops = 0;

	switch (rp->action) {
	case REPEAT_REJECT:
		h->set_reply(ctx, "550", "5.7.1", rp->reject_text);
		return LG_REJECT;
	case REPEAT_TEMPFAIL:
		h->set_reply(ctx, "450", "4.7.1", rp->reject_text);
		return LG_TEMPFAIL;
	case REPEAT_DISCARD:
		break;
	}
	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		if (r && !r->refused && !r->mta_rejected) {
			live++;
			loops += looping[i];
		}
	}
	if (loops == live)
		return LG_DISCARD;
	for (i = 0; i < n; i++)
		if (looping[i] && h->del_rcpt(ctx, i) != 0)
			h->log(ctx, LG_LOG_ERROR,
			       "cannot delete looping recipient %s; it passes",
			       h->rcpt_at(ctx, i)->addr);
	return LG_CONTINUE;
}

/* repeat_eom - count the copy per unknown recipient, act past the
 * threshold */
static enum lg_verdict repeat_eom(void *instance, struct lg_ctx *ctx)
{
	struct repeat *rp = instance;
	const struct lg_host *h = rp->host;
	size_t i, n = h->rcpt_count(ctx), loops = 0;
	const char *action = repeat_actions[rp->action];
	unsigned char *looping;
	char desc[REPEAT_MAX_MSGID + 8], key[32], fptext[20];
	int store_down = 0;
	uint64_t fp;

	for (i = 0; i < n && !repeat_rcpt_counts(h->rcpt_at(ctx, i)); i++)
		;
	if (i == n)
		return LG_CONTINUE;
	looping = h->msg_alloc(ctx, n);
	if (!looping) {
		h->log(ctx, LG_LOG_ERROR, "out of memory; message passes");
		return LG_CONTINUE;
	}
	memset(looping, 0, n);
	fp = repeat_fingerprint(rp, ctx, desc, sizeof(desc));
	snprintf(fptext, sizeof(fptext), "%016llx", (unsigned long long) fp);
	for (; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);
		long long count;

		if (!repeat_rcpt_counts(r))
			continue;
		count = repeat_count(rp, ctx, r, fp, key, sizeof(key));
		if (count < 0 && !store_down++)
			h->log(ctx, LG_LOG_WARN,
			       "store unavailable: copies are not counted, message passes");
		if (count <= rp->threshold)
			continue;
		looping[i] = 1;
		loops++;
		repeat_mark_looping(rp, ctx, key, count);
		if (count == rp->threshold + 1 && !rp->report_only)
			repeat_notify(rp, ctx, r, desc, fptext);
		if (rp->report_only)
			h->decision(ctx, "report", r->addr,
				    "would %s: repeat #%lld of message %s within %s (fingerprint %s)",
				    action, count, desc, rp->window_text,
				    fptext);
		else
			h->decision(ctx, action, r->addr,
				    "repeat #%lld of message %s within %s (fingerprint %s)",
				    count, desc, rp->window_text, fptext);
	}
	if (!loops || rp->report_only)
		return LG_CONTINUE;
	return repeat_apply(rp, ctx, looping, n);
}

/* repeat_needs - the Message-ID, or the body's hash, at end of message */
static void repeat_needs(const void *instance, unsigned *uses_r,
			 unsigned *answers_r)
{
	(void) instance;
	*uses_r = LG_STEP_HEADERS | LG_STEP_BODY | LG_STEP_EOM;
	*answers_r = LG_STEP_EOM;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "repeat",
	.version = PACKAGE_VERSION,
	.init = repeat_init,
	.fini = repeat_fini,
	.body = repeat_body,
	.eom = repeat_eom,
	.needs = repeat_needs,
};
