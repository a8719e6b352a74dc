/*
 * NAME
 *	session.h - one SMTP connection and its message, without libmilter
 * SYNOPSIS
 *	s = lg_session_new(cfg, &sink, sink_arg);
 *	v = lg_session_connect(s, name, family, addr);
 *	v = lg_session_envfrom(s, "<a@b>"); v = lg_session_envrcpt(s, "<c@d>");
 *	... header/eoh/body ...; v = lg_session_eom(s);
 *	lg_session_free(&s);
 * DESCRIPTION
 *	The session owns the model (client, sender class, recipients with
 *	their class, headers), runs the plugins' hooks in config order
 *	(the first terminal verdict wins), and applies the edits they
 *	queued, once, at end of message, through an edit sink. The libmilter
 *	glue (milter.c) provides a sink calling smfi_*; the tests provide
 *	one that records. A session pins the config snapshot it started
 *	with until it is freed.
 */
#ifndef LG_SESSION_H
#define LG_SESSION_H

#include <stddef.h>

#include <loopguard/plugin.h>

/* Config library. */
#include "settings.h"

/* What the MTA side provides: macros and the edit operations. */
struct lg_edit_sink {
	const char *(*macro)(void *arg, const char *name);
	int (*add_rcpt)(void *arg, const char *addr);
	int (*del_rcpt)(void *arg, const char *raw);
	int (*add_header)(void *arg, const char *name, const char *value);
	int (*change_header)(void *arg, const char *name, int n,
			     const char *value);
	int (*quarantine)(void *arg, const char *reason);
	/* the envelope sender, "local@domain" without <>; NULL: the
	 * MTA side cannot change it */
	int (*change_sender)(void *arg, const char *addr);
};

/* The SMTP reply that goes with a reject or tempfail. */
struct lg_reply {
	char rcode[4];
	char xcode[16];
	char text[512];
};

struct lg_ctx;		/* defined in session_impl.h */

struct lg_ctx *lg_session_new(struct lg_config *cfg,
				  const struct lg_edit_sink *sink,
				  void *sink_arg);
void lg_session_free(struct lg_ctx **s);

/* family: 4, 6, or 0 (unix socket, unknown); addr in network order. */
enum lg_verdict lg_session_connect(struct lg_ctx *s, const char *name,
				   int family, const unsigned char addr[16]);
enum lg_verdict lg_session_helo(struct lg_ctx *s, const char *helo);
enum lg_verdict lg_session_envfrom(struct lg_ctx *s, const char *raw);
enum lg_verdict lg_session_envrcpt(struct lg_ctx *s, const char *raw);
enum lg_verdict lg_session_header(struct lg_ctx *s, const char *name,
				  const char *value);
enum lg_verdict lg_session_eoh(struct lg_ctx *s);
enum lg_verdict lg_session_body(struct lg_ctx *s,
				const unsigned char *chunk, size_t len);
enum lg_verdict lg_session_eom(struct lg_ctx *s);
void lg_session_abort(struct lg_ctx *s);

/* The reply for the last reject/tempfail verdict, or NULL. */
const struct lg_reply *lg_session_reply(const struct lg_ctx *s);

/* The config this session pinned. */
struct lg_config *lg_session_config(const struct lg_ctx *s);

/* DATA: a step of the core's own (no plugin hook), kept because
 * Postfix stalls without it; beside the LG_STEP_* of the plugin ABI. */
#define LG_SESSION_STEP_DATA	0x100
/* Not a step: carried with the quiet steps, the MTA lets the rest of a
 * body be skipped (lg_session_body_wanted says when). */
#define LG_SESSION_SKIP_BODY	0x200
/* Not a step: which steps are quiet is not known (a session made at
 * connect, after SMFIC_QUIT_NC): every step is answered, and a verdict
 * is kept for the next RCPT or end of message as well, in case the MTA
 * did not wait for it. */
#define LG_SESSION_QUIET_UNKNOWN	0x400

/* lg_session_steps - what CFG's plugins and the core need from the
 * MTA: *take_r, the steps to be sent (LG_STEP_*, DATA included), and
 * *answer_r, those whose verdict must reach the MTA at once. */
void lg_session_steps(const struct lg_config *cfg, unsigned *take_r,
		      unsigned *answer_r);

/* lg_session_set_quiet - the steps at which the MTA waits for no
 * answer (as negotiated): a verdict given there is kept and answered
 * at the next step that is not quiet. Set before connect. */
void lg_session_set_quiet(struct lg_ctx *s, unsigned steps);
unsigned lg_session_quiet(const struct lg_ctx *s);

/* lg_session_body_wanted - 0 once no plugin and no reader (DKIM)
 * needs more of this message's body, or the message is decided */
int lg_session_body_wanted(const struct lg_ctx *s);

/* lg_session_body_done - the running plugin needs no more body */
void lg_session_body_done(struct lg_ctx *s);

/* lg_session_set_can_change_sender - whether the MTA lets this
 * connection's envelope sender be changed (as negotiated); by default
 * it can when the sink has change_sender */
void lg_session_set_can_change_sender(struct lg_ctx *s, int can);

/* lg_session_set_store_tempfail - on_store_error = "tempfail": a hook
 * whose store call failed answers tempfail, whatever it decided */
void lg_session_set_store_tempfail(int on);

const char *lg_verdict_name(enum lg_verdict v);

#endif
