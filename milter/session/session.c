/*
 * NAME
 *	session.c - the connection/message model and hook dispatch
 * DESCRIPTION
 *	Every MTA event lands here first: the core records it in the model
 *	(classifying client, sender and recipients), then runs each
 *	plugin's hook in config order. The first verdict other than
 *	LG_CONTINUE ends the round and is logged with the plugin's name.
 *	Per-message state is reset at MAIL, end of message and abort.
 *	Decisions made at end of message are logged only once the verdict
 *	and the edits' fate are known (session_log.c); edits are queued
 *	and applied in edits.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */
#include "counters.h"
#include "log.h"
#include "parse.h"

/* Session library. */
#include "session_impl.h"

static int store_tempfail;		/* on_store_error = "tempfail" */

/* lg_session_set_store_tempfail - the policy, set by the program */
void lg_session_set_store_tempfail(int on)
{
	store_tempfail = on;
}

/* lg_verdict_name - for logs and stats */
const char *lg_verdict_name(enum lg_verdict v)
{
	switch (v) {
	case LG_CONTINUE: return "continue";
	case LG_ACCEPT: return "accept";
	case LG_REJECT: return "reject";
	case LG_TEMPFAIL: return "tempfail";
	case LG_DISCARD: return "discard";
	}
	return "unknown";
}

/* lg_session_new - a session pinned to cfg */
struct lg_ctx *lg_session_new(struct lg_config *cfg,
			      const struct lg_edit_sink *sink, void *sink_arg)
{
	struct lg_ctx *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = lg_config_ref(cfg);
	s->sink = sink;
	s->sink_arg = sink_arg;
	s->plugin = LG_NO_PLUGIN;
	s->conn_slots = calloc(cfg->n_plugins + 1, sizeof(void *));
	s->msg_slots = calloc(cfg->n_plugins + 1, sizeof(void *));
	s->body_done = calloc(cfg->n_plugins + 1, 1);
	if (!s->conn_slots || !s->msg_slots || !s->body_done) {
		lg_session_free(&s);
		return NULL;
	}
	strcpy(s->queue_id, "NOQUEUE");
	s->can_change_sender = sink && sink->change_sender;
	lg_counter_add(LG_COUNT_CONNECTIONS, 1);
	return s;
}

/* lg_session_set_can_change_sender - as the MTA negotiated */
void lg_session_set_can_change_sender(struct lg_ctx *s, int can)
{
	s->can_change_sender = can && s->sink && s->sink->change_sender;
}

/* lg_session_in_eom - the end-of-message hooks are running */
int lg_session_in_eom(const struct lg_ctx *s)
{
	return s->holding && s->plugin < s->cfg->n_plugins;
}

/* message_reset - forget everything about the message in progress */
static void message_reset(struct lg_ctx *s)
{
	lg_session_taps_reset(s);
	lg_arena_reset(&s->msg_arena);
	memset(s->msg_slots, 0, (s->cfg->n_plugins + 1) * sizeof(void *));
	s->in_message = 0;
	s->sender = NULL;
	s->sender_domain = NULL;
	s->auth_user = NULL;
	s->sender_class = LG_SENDER_NULL;
	strcpy(s->queue_id, "NOQUEUE");
	s->rcpts = NULL;
	s->n_rcpts = s->cap_rcpts = 0;
	s->headers = NULL;
	s->n_headers = s->cap_headers = 0;
	s->body_size = 0;
	s->edits = NULL;
	s->n_edits = s->cap_edits = 0;
	s->edit_failed = 0;
	s->holding = 0;
	s->held = NULL;
	s->held_tail = NULL;
	lg_session_steps_reset(s);
}

/* lg_session_free - run close hooks, then release the config */
void lg_session_free(struct lg_ctx **sp)
{
	struct lg_ctx *s = *sp;
	size_t i;

	if (!s)
		return;
	if (s->conn_slots && s->msg_slots) {
		for (i = 0; i < s->cfg->n_plugins; i++) {
			const struct lg_loaded_plugin *lp = &s->cfg->plugins[i];

			s->plugin = i;
			if (lp->desc->close)
				lp->desc->close(lp->instance, s);
		}
		message_reset(s);
	}
	lg_arena_reset(&s->conn_arena);
	free(s->conn_slots);
	free(s->msg_slots);
	free(s->body_done);
	lg_config_unref(&s->cfg);
	free(s);
	*sp = NULL;
}

/* log_verdict - the core's line for a terminal verdict, unless the
 * plugin already logged its decision */
static void log_verdict(struct lg_ctx *s, const char *stage,
			enum lg_verdict v, const char *to)
{
	const struct lg_loaded_plugin *lp = &s->cfg->plugins[s->plugin];

	if (s->decision_logged)
		return;
	lg_action_count(lp->name, lg_verdict_name(v));
	lg_log(LG_LOG_INFO,
	       "%s: plugin=%s action=%s stage=%s from=<%s> to=<%s> client=%s",
	       lg_session_queue_id(s), lp->name, lg_verdict_name(v), stage,
	       s->sender ? s->sender : "", to ? to : "",
	       s->client_addr[0] ? s->client_addr : "unknown");
}

/* Which hook a dispatch round calls. */
enum hook {
	HOOK_CONNECT, HOOK_HELO, HOOK_ENVFROM, HOOK_ENVRCPT, HOOK_HEADER,
	HOOK_EOH, HOOK_BODY, HOOK_EOM
};

static const char *const hook_stage[] = {
	"connect", "helo", "mail", "rcpt", "header", "eoh", "body", "eom"
};

static const unsigned hook_step[] = {
	LG_STEP_CONNECT, LG_STEP_HELO, LG_STEP_MAIL, LG_STEP_RCPT,
	LG_STEP_HEADERS, LG_STEP_EOH, LG_STEP_BODY, LG_STEP_EOM
};

struct hook_args {
	const struct lg_rcpt_info *rcpt;
	const char *name;
	const char *value;
	const unsigned char *chunk;
	size_t len;
};

/* call_one - one plugin's hook, or LG_CONTINUE if it has none */
static enum lg_verdict call_one(struct lg_ctx *s,
				const struct lg_loaded_plugin *lp,
				enum hook h, const struct hook_args *a)
{
	const struct lg_plugin *d = lp->desc;
	void *in = lp->instance;

	switch (h) {
	case HOOK_CONNECT: return d->connect ? d->connect(in, s) : LG_CONTINUE;
	case HOOK_HELO: return d->helo ? d->helo(in, s) : LG_CONTINUE;
	case HOOK_ENVFROM: return d->envfrom ? d->envfrom(in, s) : LG_CONTINUE;
	case HOOK_ENVRCPT:
		return d->envrcpt ? d->envrcpt(in, s, a->rcpt) : LG_CONTINUE;
	case HOOK_HEADER:
		return d->header ? d->header(in, s, a->name, a->value) :
			LG_CONTINUE;
	case HOOK_EOH: return d->eoh ? d->eoh(in, s) : LG_CONTINUE;
	case HOOK_BODY:
		return d->body ? d->body(in, s, a->chunk, a->len) : LG_CONTINUE;
	case HOOK_EOM: return d->eom ? d->eom(in, s) : LG_CONTINUE;
	}
	return LG_CONTINUE;
}

/* dispatch - run a hook over the plugins; the first verdict wins */
static enum lg_verdict dispatch(struct lg_ctx *s, enum hook h,
				const struct hook_args *a)
{
	enum lg_verdict v = LG_CONTINUE;
	size_t i;

	s->have_reply = 0;
	s->verdict_plugin = LG_NO_PLUGIN;
	s->verdict_forced = 0;
	for (i = 0; i < s->cfg->n_plugins; i++) {
		/* a plugin sees exactly the steps it said it uses */
		if (!(s->cfg->plugins[i].uses & hook_step[h]) ||
		    (h == HOOK_BODY && s->body_done[i]))
			continue;
		s->plugin = i;
		s->decision_logged = 0;
		s->store_failed = 0;
		v = call_one(s, &s->cfg->plugins[i], h, a);
		if (s->store_failed && store_tempfail &&
		    v != LG_TEMPFAIL) {
			/* a decision made without the store must not drop mail */
			v = LG_TEMPFAIL;
			snprintf(s->reply.rcode, sizeof(s->reply.rcode), "451");
			snprintf(s->reply.xcode, sizeof(s->reply.xcode), "4.3.0");
			snprintf(s->reply.text, sizeof(s->reply.text),
				 "loopguard: state store unavailable, try again later");
			s->have_reply = 1;
			/* whatever the plugin logged, the core says what happened */
			s->decision_logged = 0;
			s->verdict_forced = 1;
		}
		if (v > LG_DISCARD || v < LG_CONTINUE) {
			lg_log(LG_LOG_ERROR,
			       "%s: plugin=%s returned bad verdict %d at %s",
			       lg_session_queue_id(s),
			       s->cfg->plugins[i].name, (int) v, hook_stage[h]);
			v = s->cfg->on_error;
		}
		if (v == LG_DISCARD &&
		    (h == HOOK_CONNECT || h == HOOK_HELO)) {
			/* only a message can be discarded: Postfix answers
			 * its default action, and a verdict kept for the
			 * connection would drop each of its messages */
			lg_log(LG_LOG_ERROR,
			       "%s: plugin=%s returned discard at %s, where no message can be discarded: on_error",
			       lg_session_queue_id(s),
			       s->cfg->plugins[i].name, hook_stage[h]);
			v = s->cfg->on_error;
		}
		if (v != LG_CONTINUE) {
			s->verdict_plugin = i;
			log_verdict(s, hook_stage[h], v,
				    a && a->rcpt ? a->rcpt->addr : NULL);
			break;
		}
	}
	s->plugin = LG_NO_PLUGIN;
	return v;
}

/* lg_session_connect - record the client and classify it */
enum lg_verdict lg_session_connect(struct lg_ctx *s, const char *name,
				   int family, const unsigned char addr[16])
{
	enum lg_verdict v;

	if (lg_session_kept(s, LG_STEP_CONNECT, &v))
		return v;
	s->client_name = lg_arena_strdup(&s->conn_arena, name ? name : "");
	s->family = family;
	if (family == 4 || family == 6) {
		memcpy(s->addr, addr, 16);
		lg_format_network(family, addr, family == 4 ? 32 : 128,
				  s->client_addr, sizeof(s->client_addr));
		/* the network form ends in /32 or /128: keep the address */
		*strchr(s->client_addr, '/') = 0;
		s->trusted = lg_config_is_trusted(s->cfg, family, addr);
	} else {
		s->client_addr[0] = 0;
		s->trusted = 0;
	}
	v = s->client_name ? dispatch(s, HOOK_CONNECT, NULL) :
		s->cfg->on_error;
	return lg_session_settle(s, LG_STEP_CONNECT, v);
}

/* lg_session_helo - remember the HELO name */
enum lg_verdict lg_session_helo(struct lg_ctx *s, const char *helo)
{
	enum lg_verdict v;

	if (lg_session_kept(s, LG_STEP_HELO, &v))
		return v;
	s->helo = lg_arena_strdup(&s->conn_arena, helo ? helo : "");
	return lg_session_settle(s, LG_STEP_HELO,
				 dispatch(s, HOOK_HELO, NULL));
}

/* classify_sender - null, authenticated, trusted, local or external */
static enum lg_sender_class classify_sender(struct lg_ctx *s,
					    enum lg_addr_status st)
{
	if (st == LG_ADDR_NULL)
		return LG_SENDER_NULL;
	if (s->auth_user)
		return LG_SENDER_AUTHENTICATED;
	if (s->trusted)
		return LG_SENDER_TRUSTED;
	if (s->sender_domain && lg_config_is_local_domain(s->cfg,
							  s->sender_domain))
		return LG_SENDER_LOCAL;
	return LG_SENDER_EXTERNAL;
}

/* lg_session_envfrom - a new message begins */
enum lg_verdict lg_session_envfrom(struct lg_ctx *s, const char *raw)
{
	const char *local, *domain, *auth;
	enum lg_addr_status st;
	enum lg_verdict v;
	char buf[1024];

	message_reset(s);
	if (lg_session_kept(s, LG_STEP_MAIL, &v))
		return v;
	s->in_message = 1;
	lg_counter_add(LG_COUNT_MESSAGES, 1);
	lg_session_queue_id(s);	/* Sendmail tells it at MAIL already */
	st = lg_parse_address(raw ? raw : "", 0, buf, sizeof(buf), &local,
			      &domain);
	if (st == LG_ADDR_OK) {
		s->sender = lg_arena_strdup(&s->msg_arena, buf);
		s->sender_domain = lg_arena_strdup(&s->msg_arena, domain);
	} else if (st == LG_ADDR_LOCAL_ONLY) {
		s->sender = lg_arena_strdup(&s->msg_arena, buf);
	} else {
		if (st == LG_ADDR_BAD)
			lg_log(LG_LOG_WARN,
			       "%s: unparsable sender \"%.200s\" from %s: treated as external",
			       lg_session_queue_id(s), raw ? raw : "",
			       s->client_addr[0] ? s->client_addr : "unknown");
		s->sender = lg_arena_strdup(&s->msg_arena,
					    st == LG_ADDR_NULL ? "" :
					    (raw ? raw : ""));
	}
	auth = lg_session_macro(s, "{auth_authen}");
	s->auth_user = auth ? lg_arena_strdup(&s->msg_arena, auth) : NULL;
	if (!s->sender || (auth && !s->auth_user))
		return lg_session_settle(s, LG_STEP_MAIL, s->cfg->on_error);
	s->sender_class = classify_sender(s, st);
	return lg_session_settle(s, LG_STEP_MAIL,
				 dispatch(s, HOOK_ENVFROM, NULL));
}

/* lg_session_envrcpt - one more recipient */
enum lg_verdict lg_session_envrcpt(struct lg_ctx *s, const char *raw)
{
	struct hook_args a = { 0 };
	struct lg_rcpt_info *r;
	enum lg_verdict v;
	int mta_rejected, bad_local = 0, dir_failed = 0;

	if (lg_session_kept(s, LG_STEP_RCPT, &v))
		return v;
	if (s->n_rcpts == s->cap_rcpts) {
		size_t cap = s->cap_rcpts ? s->cap_rcpts * 2 : 8;
		struct lg_rcpt_info **grown =
			lg_arena_alloc(&s->msg_arena, cap * sizeof(*grown));

		if (!grown)
			return s->cfg->on_error;
		if (s->n_rcpts)
			memcpy(grown, s->rcpts, s->n_rcpts * sizeof(*grown));
		s->rcpts = grown;
		s->cap_rcpts = cap;
	}
	r = lg_session_classify_rcpt(s, raw ? raw : "", &bad_local, &dir_failed);
	if (!r)
		return s->cfg->on_error;
	r->index = s->n_rcpts;
	s->rcpts[s->n_rcpts++] = r;
	lg_counter_add(LG_COUNT_RECIPIENTS, 1);
	if (bad_local && !r->mta_rejected) {
		/* Accepted, the MTA would bounce it to a sender that may be
		 * forged: refused now, the sending MTA reports it. */
		r->refused = 1;
		snprintf(s->reply.rcode, sizeof(s->reply.rcode), "550");
		snprintf(s->reply.xcode, sizeof(s->reply.xcode), "5.1.3");
		snprintf(s->reply.text, sizeof(s->reply.text),
			 "loopguard: bad address syntax in a local domain");
		s->have_reply = 1;
		return LG_REJECT;
	}
	if (dir_failed && s->cfg->on_error != LG_ACCEPT && !r->mta_rejected) {
		/* Who exists is not known: the MTA keeps the mail and
		 * retries; no plugin sees it (no catch-all, no count). */
		r->refused = 1;
		lg_counter_add(LG_COUNT_ERRORS, 1);
		snprintf(s->reply.rcode, sizeof(s->reply.rcode), "451");
		snprintf(s->reply.xcode, sizeof(s->reply.xcode), "4.3.0");
		snprintf(s->reply.text, sizeof(s->reply.text),
			 "loopguard: cannot tell now whether this address exists, try again later");
		s->have_reply = 1;
		return LG_TEMPFAIL;
	}
	if (r->rclass == LG_RCPT_UNKNOWN && !r->mta_rejected)
		lg_counter_add(LG_COUNT_UNKNOWN, 1);
	lg_session_note_mta_rejected(s, r);
	a.rcpt = r;
	mta_rejected = r->mta_rejected;
	v = dispatch(s, HOOK_ENVRCPT, &a);
	if (v == LG_REJECT || v == LG_TEMPFAIL)
		r->refused = 1;
	/* The MTA refused it already; a milter cannot overturn that. */
	return mta_rejected && v != LG_DISCARD && v != LG_ACCEPT ?
		LG_CONTINUE : v;
}

/* header_step - keep the header, then the hooks */
static enum lg_verdict header_step(struct lg_ctx *s, const char *name,
				   const char *value)
{
	struct hook_args a = { 0 };
	struct lg_header *h;

	if (s->n_headers == s->cap_headers) {
		size_t cap = s->cap_headers ? s->cap_headers * 2 : 32;
		struct lg_header *grown =
			lg_arena_alloc(&s->msg_arena, cap * sizeof(*grown));

		if (!grown)
			return s->cfg->on_error;
		if (s->n_headers)
			memcpy(grown, s->headers,
			       s->n_headers * sizeof(*grown));
		s->headers = grown;
		s->cap_headers = cap;
	}
	h = &s->headers[s->n_headers];
	h->name = lg_arena_strdup(&s->msg_arena, name ? name : "");
	h->value = lg_arena_strdup(&s->msg_arena, value ? value : "");
	if (!h->name || !h->value)
		return s->cfg->on_error;
	s->n_headers++;
	lg_session_taps_header(s, h->name, h->value);
	a.name = h->name;
	a.value = h->value;
	return dispatch(s, HOOK_HEADER, &a);
}

/* lg_session_header - one header, unless the message is decided */
enum lg_verdict lg_session_header(struct lg_ctx *s, const char *name,
				  const char *value)
{
	enum lg_verdict v;

	if (lg_session_kept(s, LG_STEP_HEADERS, &v))
		return v;
	return lg_session_settle(s, LG_STEP_HEADERS,
				 header_step(s, name, value));
}

/* lg_session_eoh - end of headers */
enum lg_verdict lg_session_eoh(struct lg_ctx *s)
{
	enum lg_verdict v;

	lg_session_queue_id(s);	/* Postfix tells it from DATA on */
	if (lg_session_kept(s, LG_STEP_EOH, &v))
		return v;
	lg_session_taps_eoh(s);
	return lg_session_settle(s, LG_STEP_EOH, dispatch(s, HOOK_EOH, NULL));
}

/* lg_session_body - one body chunk */
enum lg_verdict lg_session_body(struct lg_ctx *s, const unsigned char *chunk,
				size_t len)
{
	struct hook_args a = { 0 };
	enum lg_verdict v;

	s->body_size += len;
	if (lg_session_kept(s, LG_STEP_BODY, &v))
		return v;
	lg_session_taps_body(s, chunk, len);
	a.chunk = chunk;
	a.len = len;
	return lg_session_settle(s, LG_STEP_BODY,
				 dispatch(s, HOOK_BODY, &a));
}

/* lg_session_eom - the eom hooks, then the queued edits, once */
enum lg_verdict lg_session_eom(struct lg_ctx *s)
{
	enum lg_verdict v;
	size_t terminal = LG_NO_PLUGIN;
	int applied = 0;

	if (lg_session_kept(s, LG_STEP_EOM, &v)) {
		/* decided at a quiet step: no hook runs, no edit applies */
		lg_session_flush_decisions(s, LG_NO_PLUGIN, 0);
		message_reset(s);
		return v;
	}
	lg_session_taps_eom(s);
	s->holding = 1;
	v = dispatch(s, HOOK_EOM, NULL);
	s->holding = 0;
	/* the queued edits are void; the plugin's own decision stands
	 * unless its verdict was overruled (a failed store call) */
	if ((v == LG_REJECT || v == LG_TEMPFAIL || v == LG_DISCARD) &&
	    !s->verdict_forced)
		terminal = s->verdict_plugin;

	if (v == LG_CONTINUE || v == LG_ACCEPT) {
		applied = lg_session_apply_edits(s) == 0;
		if (!applied) {
			lg_counter_add(LG_COUNT_ERRORS, 1);
			v = s->cfg->on_error;
			if (v == LG_TEMPFAIL) {
				snprintf(s->reply.rcode, sizeof(s->reply.rcode), "451");
				snprintf(s->reply.xcode, sizeof(s->reply.xcode), "4.3.0");
				snprintf(s->reply.text, sizeof(s->reply.text),
					 "loopguard: temporary failure, try again later");
				s->have_reply = 1;
			}
		}
	}
	/* only now is it known which eom decisions really happened */
	lg_session_flush_decisions(s, terminal, applied);
	message_reset(s);
	return v;
}

/* lg_session_abort - the MTA gave up on the message */
void lg_session_abort(struct lg_ctx *s)
{
	size_t i;

	for (i = 0; i < s->cfg->n_plugins; i++) {
		const struct lg_loaded_plugin *lp = &s->cfg->plugins[i];

		s->plugin = i;
		if (lp->desc->abort)
			lp->desc->abort(lp->instance, s);
	}
	s->plugin = LG_NO_PLUGIN;
	message_reset(s);
}

/* lg_session_reply - the reply for the last reject/tempfail */
const struct lg_reply *lg_session_reply(const struct lg_ctx *s)
{
	return s->have_reply ? &s->reply : NULL;
}

/* lg_session_config - the pinned snapshot */
struct lg_config *lg_session_config(const struct lg_ctx *s)
{
	return s->cfg;
}

/* lg_session_queue_id - cached once the MTA tells it */
const char *lg_session_queue_id(struct lg_ctx *s)
{
	if (strcmp(s->queue_id, "NOQUEUE") == 0) {
		const char *qid = lg_session_macro(s, "i");

		if (qid)
			snprintf(s->queue_id, sizeof(s->queue_id), "%s", qid);
	}
	return s->queue_id;
}
