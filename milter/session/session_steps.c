/*
 * NAME
 *	session_steps.c - which steps the MTA sends, and which it waits for
 * SYNOPSIS
 *	#include "session_impl.h"
 *
 *	lg_session_steps(cfg, &take, &answer);
 *	lg_session_set_quiet(s, quiet);
 *	if (lg_session_kept(s, LG_STEP_MAIL, &v)) return v;
 *	return lg_session_settle(s, LG_STEP_MAIL, v);
 * DESCRIPTION
 *	The MTA sends only the steps that some plugin uses and the core
 *	needs (connect, MAIL, RCPT, end of message; DATA and end of
 *	headers because Postfix stalls without them). At a quiet step the
 *	MTA waits for no answer, so a verdict given there is kept and
 *	answered at the next step that is not quiet: RCPT or end of
 *	message, which are never quiet. A verdict kept at connect or HELO
 *	holds for the whole connection, one kept later for the message,
 *	as the MTA would have applied it; the plugins see nothing more of
 *	what it covers.
 *
 *	The body: each plugin that uses it may say it needs no more of
 *	this message's (lg_session_body_done); once all did and no reader
 *	(DKIM) is attached, the glue may ask the MTA to skip the rest.
 */
#include "config.h"

#include <string.h>

/* Session library. */
#include "session_impl.h"

/* What the core itself needs whatever the plugins use. */
#define CORE_TAKES	(LG_STEP_CONNECT | LG_STEP_MAIL | LG_STEP_RCPT | \
			 LG_STEP_EOH | LG_STEP_EOM | LG_SESSION_STEP_DATA)
#define CORE_ANSWERS	(LG_STEP_RCPT | LG_STEP_EOM)

/* lg_session_steps - what CFG needs from the MTA */
void lg_session_steps(const struct lg_config *cfg, unsigned *take_r,
		      unsigned *answer_r)
{
	*take_r = CORE_TAKES | cfg->plugin_uses;
	*answer_r = CORE_ANSWERS | cfg->plugin_answers;
}

/* lg_session_set_quiet - as negotiated; RCPT and EOM always answer */
void lg_session_set_quiet(struct lg_ctx *s, unsigned steps)
{
	s->quiet = steps & ~(unsigned) CORE_ANSWERS;
}

unsigned lg_session_quiet(const struct lg_ctx *s)
{
	return s->quiet;
}

/* lg_session_kept - an earlier quiet step decided this one */
int lg_session_kept(struct lg_ctx *s, unsigned step, enum lg_verdict *v_r)
{
	if (s->kept == LG_CONTINUE)
		return 0;
	if (s->quiet & step) {
		*v_r = LG_CONTINUE;
		return 1;
	}
	*v_r = s->kept;
	s->reply = s->kept_reply;
	s->have_reply = s->kept_have_reply;
	return 1;
}

/* lg_session_settle - keep a verdict that cannot be answered now, or
 * (quiet steps unknown) that may not have been heard */
enum lg_verdict lg_session_settle(struct lg_ctx *s, unsigned step,
				  enum lg_verdict v)
{
	if (v == LG_CONTINUE ||
	    !(s->quiet & (step | LG_SESSION_QUIET_UNKNOWN)))
		return v;
	s->kept = v;
	s->kept_for_connection =
		(step & (LG_STEP_CONNECT | LG_STEP_HELO)) != 0;
	s->kept_reply = s->reply;
	s->kept_have_reply = s->have_reply;
	return s->quiet & step ? LG_CONTINUE : v;
}

/* lg_session_steps_reset - the message is over */
void lg_session_steps_reset(struct lg_ctx *s)
{
	if (!s->kept_for_connection)
		s->kept = LG_CONTINUE;
	if (s->body_done)
		memset(s->body_done, 0, s->cfg->n_plugins + 1);
}

/* lg_session_body_wanted - someone still reads this body */
int lg_session_body_wanted(const struct lg_ctx *s)
{
	size_t i;

	if (s->kept != LG_CONTINUE)
		return 0;
	if (s->n_taps > 0)
		return 1;
	for (i = 0; i < s->cfg->n_plugins; i++)
		if ((s->cfg->plugins[i].uses & LG_STEP_BODY) &&
		    !(s->body_done && s->body_done[i]))
			return 1;
	return 0;
}

/* lg_session_body_done - the running plugin is done with the body */
void lg_session_body_done(struct lg_ctx *s)
{
	if (s->body_done && s->plugin < s->cfg->n_plugins)
		s->body_done[s->plugin] = 1;
}
