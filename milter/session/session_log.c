/*
 * NAME
 *	session_log.c - the session's decision lines and one-time notices
 * SYNOPSIS
 *	lg_session_decision(s, plugin, action, line);
 *	lg_session_flush_decisions(s, terminal, applied);
 *	lg_session_note_mta_rejected(s, rcpt);
 * DESCRIPTION
 *	A decision is one log line and one count in "loopguardctl stats".
 *	Outside end of message it is logged at once. During end of message
 *	it is held until the message's fate is known, because a decision
 *	that queued edits (a catch-all redirect) only happened if those
 *	edits reached the MTA: when a later plugin rejects, tempfails or
 *	discards the message, or the edits cannot be applied, such a
 *	decision is dropped (one debug line says so). Decisions that
 *	queued no edits (a reply sent, a report) and the decision of the
 *	plugin that ended the message are always kept.
 *
 *	A recipient that the MTA refused itself in a local domain, and
 *	that the recipient directory does not know, shows that the MTA
 *	checks unknown users before loopguard: the catch-all never sees
 *	them. That is noted once an hour per process.
 * DIAGNOSTICS
 *	"QUEUEID: catch-all inactive: ..." at warning level.
 */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

/* Utility library. */
#include "clock.h"
#include "counters.h"
#include "log.h"

/* Session library. */
#include "session_impl.h"

#define NOTICE_INTERVAL 3600

/* emit - count the decision and log its line */
static void emit(const char *plugin, const char *action, const char *line)
{
	lg_action_count(plugin, action);
	lg_log(LG_LOG_INFO, "%s", line);
}

/* plugin_name - the name of plugin number i */
static const char *plugin_name(const struct lg_ctx *s, size_t i)
{
	return i < s->cfg->n_plugins ? s->cfg->plugins[i].name : "core";
}

/* lg_session_decision - log now, or hold until end of message is over */
void lg_session_decision(struct lg_ctx *s, const char *plugin,
			 const char *action, const char *line)
{
	struct lg_held_decision *d;

	if (!s->holding) {
		emit(plugin, action, line);
		return;
	}
	d = lg_arena_alloc(&s->msg_arena, sizeof(*d));
	if (!d || !(d->action = lg_arena_strdup(&s->msg_arena, action)) ||
	    !(d->line = lg_arena_strdup(&s->msg_arena, line))) {
		emit(plugin, action, line);	/* better early than lost */
		return;
	}
	d->plugin = s->plugin;
	d->next = NULL;
	if (!s->held_tail)
		s->held_tail = &s->held;
	*s->held_tail = d;
	s->held_tail = &d->next;
}

/* queued_edits - did plugin i queue any edit for this message? */
static int queued_edits(const struct lg_ctx *s, size_t i)
{
	size_t k;

	for (k = 0; k < s->n_edits; k++)
		if (s->edits[k].plugin == i)
			return 1;
	return 0;
}

/* lg_session_flush_decisions - log and count what really happened */
void lg_session_flush_decisions(struct lg_ctx *s, size_t terminal,
				int applied)
{
	struct lg_held_decision *d;

	for (d = s->held; d; d = d->next) {
		if (applied || d->plugin == terminal ||
		    !queued_edits(s, d->plugin)) {
			emit(plugin_name(s, d->plugin), d->action, d->line);
			continue;
		}
		lg_log(LG_LOG_DEBUG,
		       "%s: plugin=%s decision \"%s\" not logged: %s%s",
		       lg_session_queue_id(s), plugin_name(s, d->plugin),
		       d->action, terminal != LG_NO_PLUGIN ?
		       "the message was ended by plugin=" :
		       "the edits were not applied", terminal != LG_NO_PLUGIN ?
		       plugin_name(s, terminal) : "");
	}
	s->held = NULL;
	s->held_tail = NULL;
}

/* catchall_loaded - is a plugin named "catchall" configured? */
static int catchall_loaded(const struct lg_ctx *s)
{
	size_t i;

	for (i = 0; i < s->cfg->n_plugins; i++)
		if (strcmp(s->cfg->plugins[i].name, "catchall") == 0)
			return 1;
	return 0;
}

/* due - once per NOTICE_INTERVAL per process, whatever the thread */
static int due(void)
{
	static _Atomic long long last;
	long long now = (long long) lg_now(), then = atomic_load(&last);

	if (then && now - then < NOTICE_INTERVAL && now >= then)
		return 0;
	return atomic_compare_exchange_strong(&last, &then, now ? now : 1);
}

/* lg_session_note_mta_rejected - the MTA refused an unknown user first */
void lg_session_note_mta_rejected(struct lg_ctx *s,
				  const struct lg_rcpt_info *r)
{
	const char *mta;
	int postfix;

	if (!r->mta_rejected || r->rclass != LG_RCPT_UNKNOWN ||
	    !catchall_loaded(s) || !due())
		return;
	mta = s->sink && s->sink->macro ? s->sink->macro(s->sink_arg, "v") :
		NULL;
	postfix = mta && strncmp(mta, "Postfix", 7) == 0;
	lg_log(LG_LOG_WARN,
	       "%s: catch-all inactive: %s rejects unknown users itself (%s), "
	       "here <%s>; see loopguard(8)",
	       lg_session_queue_id(s), postfix ? "Postfix" : "the MTA",
	       postfix ? "local_recipient_maps, or "
	       "smtpd_reject_unlisted_recipient for virtual domains" :
	       "Sendmail: the local mailer's w flag; Postfix: "
	       "local_recipient_maps", r->addr);
}
