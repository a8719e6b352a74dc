/*
 * NAME
 *	session_tap.c - readers of the message that a plugin asked for
 * SYNOPSIS
 *	#include "session_impl.h"
 *
 *	lg_session_tap_attach(s, &tap, state);
 *	state = lg_session_tap_state(s, &tap);
 *	lg_session_taps_header(s, name, value); ...eoh, body, eom
 *	lg_session_taps_reset(s);
 * DESCRIPTION
 *	A service above the session (DKIM verification today) attaches a
 *	tap to one message; the session feeds every attached tap the
 *	headers and body as they come, and resets and detaches them all
 *	when the message ends. The session never knows what a tap is,
 *	so the services that read the message sit above it and are
 *	never called by name from here.
 * DIAGNOSTICS
 *	lg_session_tap_attach returns -1 when the message already has
 *	LG_MSG_TAPS_MAX taps or no message is in progress.
 */
#include "config.h"

#include <stddef.h>

/* Session library. */
#include "session_impl.h"

/* lg_session_tap_attach - feed TAP from now until the message ends */
int lg_session_tap_attach(struct lg_ctx *s, const struct lg_msg_tap *tap,
			  void *state)
{
	if (!s || !tap || !s->in_message || s->n_taps >= LG_MSG_TAPS_MAX)
		return -1;
	s->taps[s->n_taps].tap = tap;
	s->taps[s->n_taps].state = state;
	s->n_taps++;
	return 0;
}

/* lg_session_tap_state - TAP's state in this message, or NULL */
void *lg_session_tap_state(const struct lg_ctx *s,
			   const struct lg_msg_tap *tap)
{
	size_t i;

	for (i = 0; s && i < s->n_taps; i++)
		if (s->taps[i].tap == tap)
			return s->taps[i].state;
	return NULL;
}

/* lg_session_taps_header - one header to every tap */
void lg_session_taps_header(struct lg_ctx *s, const char *name,
			    const char *value)
{
	size_t i;

	for (i = 0; i < s->n_taps; i++)
		if (s->taps[i].tap->header)
			s->taps[i].tap->header(s, s->taps[i].state, name,
					       value);
}

/* lg_session_taps_eoh - end of headers to every tap */
void lg_session_taps_eoh(struct lg_ctx *s)
{
	size_t i;

	for (i = 0; i < s->n_taps; i++)
		if (s->taps[i].tap->eoh)
			s->taps[i].tap->eoh(s, s->taps[i].state);
}

/* lg_session_taps_body - one body chunk to every tap */
void lg_session_taps_body(struct lg_ctx *s, const unsigned char *chunk,
			  size_t len)
{
	size_t i;

	for (i = 0; i < s->n_taps; i++)
		if (s->taps[i].tap->body)
			s->taps[i].tap->body(s, s->taps[i].state, chunk, len);
}

/* lg_session_taps_eom - end of message to every tap, before the hooks */
void lg_session_taps_eom(struct lg_ctx *s)
{
	size_t i;

	for (i = 0; i < s->n_taps; i++)
		if (s->taps[i].tap->eom)
			s->taps[i].tap->eom(s, s->taps[i].state);
}

/* lg_session_taps_reset - the message is over: release and detach */
void lg_session_taps_reset(struct lg_ctx *s)
{
	size_t i;

	for (i = 0; i < s->n_taps; i++)
		if (s->taps[i].tap->reset)
			s->taps[i].tap->reset(s, s->taps[i].state);
	s->n_taps = 0;
}
