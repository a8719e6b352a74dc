/*
 * NAME
 *	milter.c - the libmilter glue: the only file that knows SMFIS_*
 * DESCRIPTION
 *	Each xxfi_* callback forwards to the session (session.c) and maps
 *	its verdict to an SMFIS_* code, with the reply a plugin set. The
 *	edit sink turns the session's queued edits into smfi_* calls, which
 *	libmilter allows only here, in xxfi_eom. A session that cannot be
 *	created (out of memory) answers on_error, so the MTA keeps the mail.
 *	DATA and end-of-header callbacks are registered even when no plugin
 *	needs them: without them Postfix waits on a delayed ACK per message.
 *
 *	Negotiation asks the MTA for the steps the plugins use (session
 *	steps) and nothing else. Where no_reply allows (by default on a
 *	unix socket only: over TCP an unanswered packet waits for the
 *	delayed ACK), the MTA is told not to wait for an answer at the
 *	steps nobody answers (SMFIP_NR_*); such a callback answers
 *	SMFIS_NOREPLY and the session keeps its verdict for later. With
 *	replies on, SMFIS_SKIP ends the body once nobody reads it. The
 *	session is made at negotiation, so the steps and the config it
 *	pins agree. x_close always leaves the private pointer NULL (else
 *	libmilter warns "private data not NULL" in syslog at the end of
 *	every connection), so a session made at connect (after
 *	SMFIC_QUIT_NC, or when negotiation could not make one) does not
 *	know which steps are quiet: it answers every step and also keeps
 *	each verdict for the next RCPT or end of message, which is right
 *	whether or not the MTA waits for the answer.
 *
 *	Stopping: smfi_stop() sets libmilter's stop flag and then closes
 *	the listening socket under the lock that the listener holds while
 *	it polls, for up to 5 s (MI_CHK_TIME). lg_milter_stop() therefore
 *	calls it from a short-lived thread of its own, and the caller
 *	connects to the socket (lg_daemon_wake) until the listener has
 *	noticed: its poll returns, the flag is seen, smfi_main() returns.
 */
#include "config.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

/* Utility library. */
#include "log.h"

/* Session library. */
#include "session.h"

/* Program. */
#include "milter.h"

/* sink_macro - a macro of the current stage */
static const char *sink_macro(void *arg, const char *name)
{
	return smfi_getsymval((SMFICTX *) arg, (char *) name);
}

static int sink_add_rcpt(void *arg, const char *addr)
{
	return smfi_addrcpt((SMFICTX *) arg, (char *) addr) == MI_SUCCESS ?
		0 : -1;
}

static int sink_del_rcpt(void *arg, const char *raw)
{
	return smfi_delrcpt((SMFICTX *) arg, (char *) raw) == MI_SUCCESS ?
		0 : -1;
}

static int sink_add_header(void *arg, const char *name, const char *value)
{
	return smfi_addheader((SMFICTX *) arg, (char *) name,
			      (char *) value) == MI_SUCCESS ? 0 : -1;
}

static int sink_change_header(void *arg, const char *name, int n,
			      const char *value)
{
	return smfi_chgheader((SMFICTX *) arg, (char *) name, n,
			      (char *) value) == MI_SUCCESS ? 0 : -1;
}

static int sink_quarantine(void *arg, const char *reason)
{
	return smfi_quarantine((SMFICTX *) arg, (char *) reason) ==
		MI_SUCCESS ? 0 : -1;
}

/* sink_change_sender - the new envelope sender, without ESMTP args */
static int sink_change_sender(void *arg, const char *addr)
{
	return smfi_chgfrom((SMFICTX *) arg, (char *) addr, NULL) ==
		MI_SUCCESS ? 0 : -1;
}

static const struct lg_edit_sink milter_sink = {
	sink_macro, sink_add_rcpt, sink_del_rcpt, sink_add_header,
	sink_change_header, sink_quarantine, sink_change_sender
};

/* on_error_status - what to answer when there is no session */
static sfsistat on_error_status(void)
{
	struct lg_config *cfg = lg_config_current();
	sfsistat st = cfg && cfg->on_error == LG_ACCEPT ? SMFIS_ACCEPT :
		SMFIS_TEMPFAIL;

	lg_config_unref(&cfg);
	return st;
}

/* status - map a verdict, with the plugin's reply */
static sfsistat status(SMFICTX *ctx, struct lg_ctx *s, enum lg_verdict v)
{
	const struct lg_reply *r;

	switch (v) {
	case LG_CONTINUE:
		return SMFIS_CONTINUE;
	case LG_ACCEPT:
		return SMFIS_ACCEPT;
	case LG_DISCARD:
		return SMFIS_DISCARD;
	case LG_REJECT:
	case LG_TEMPFAIL:
		r = lg_session_reply(s);
		if (r && r->rcode[0] == (v == LG_REJECT ? '5' : '4'))
			smfi_setreply(ctx, (char *) r->rcode,
				      r->xcode[0] ? (char *) r->xcode : NULL,
				      r->text[0] ? (char *) r->text : NULL);
		return v == LG_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
	}
	return on_error_status();
}

#define SESSION(ctx) ((struct lg_ctx *) smfi_getpriv(ctx))

/* Whether the MTA offered SMFIF_CHGFROM at its last negotiation: a
 * session made at connect (after SMFIC_QUIT_NC) has no offer of its
 * own to go by, and one MTA answers alike each time. */
static atomic_int mta_offers_chgfrom = 1;

/* answer - the SMFIS_* for a step's verdict; none at a quiet step */
static sfsistat answer(SMFICTX *ctx, struct lg_ctx *s, unsigned step,
		       enum lg_verdict v)
{
	if (lg_session_quiet(s) & step)
		return SMFIS_NOREPLY;
	return status(ctx, s, v);
}

/* x_connect - the session made at negotiation, or a new one that
 * answers every step and keeps every verdict */
static sfsistat x_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	unsigned char addr[16] = { 0 };
	struct lg_ctx *s = SESSION(ctx);
	int family = 0;

	if (!s) {
		struct lg_config *cfg = lg_config_current();

		if (!cfg)
			return SMFIS_TEMPFAIL;
		s = lg_session_new(cfg, &milter_sink, ctx);
		lg_config_unref(&cfg);
		if (!s) {
			lg_log(LG_LOG_ERROR, "connect from %s: out of memory",
			       hostname ? hostname : "unknown");
			return on_error_status();
		}
		lg_session_set_quiet(s, LG_SESSION_QUIET_UNKNOWN);
		/* the actions were negotiated for the connection before:
		 * the MTA's last answer stands for them */
		lg_session_set_can_change_sender(s,
			atomic_load(&mta_offers_chgfrom));
		smfi_setpriv(ctx, s);
	}
	if (sa && sa->sa_family == AF_INET) {
		family = 4;
		memcpy(addr, &((struct sockaddr_in *) sa)->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		const unsigned char *a6 =
			((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
		static const unsigned char v4mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a6, v4mapped, 12) == 0) {
			family = 4;
			memcpy(addr, a6 + 12, 4);
		} else {
			family = 6;
			memcpy(addr, a6, 16);
		}
	}
	return answer(ctx, s, LG_STEP_CONNECT,
		      lg_session_connect(s, hostname, family, addr));
}

/* The steps below run only after a session was made at negotiation
 * or connect; without one, the MTA waits for an answer at each. */

static sfsistat x_helo(SMFICTX *ctx, char *helo)
{
	struct lg_ctx *s = SESSION(ctx);

	return s ? answer(ctx, s, LG_STEP_HELO, lg_session_helo(s, helo)) :
		on_error_status();
}

static sfsistat x_envfrom(SMFICTX *ctx, char **argv)
{
	struct lg_ctx *s = SESSION(ctx);

	return s ? answer(ctx, s, LG_STEP_MAIL,
			  lg_session_envfrom(s, argv[0])) :
		on_error_status();
}

static sfsistat x_envrcpt(SMFICTX *ctx, char **argv)
{
	struct lg_ctx *s = SESSION(ctx);

	return s ? status(ctx, s, lg_session_envrcpt(s, argv[0])) :
		on_error_status();
}

static sfsistat x_data(SMFICTX *ctx)
{
	struct lg_ctx *s = SESSION(ctx);

	return s ? answer(ctx, s, LG_SESSION_STEP_DATA, LG_CONTINUE) :
		on_error_status();
}

static sfsistat x_header(SMFICTX *ctx, char *name, char *value)
{
	struct lg_ctx *s = SESSION(ctx);

	return s ? answer(ctx, s, LG_STEP_HEADERS,
			  lg_session_header(s, name, value)) :
		on_error_status();
}

static sfsistat x_eoh(SMFICTX *ctx)
{
	struct lg_ctx *s = SESSION(ctx);

	return s ? answer(ctx, s, LG_STEP_EOH, lg_session_eoh(s)) :
		on_error_status();
}

/* x_body - with replies on, SMFIS_SKIP once nobody reads the body */
static sfsistat x_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct lg_ctx *s = SESSION(ctx);
	enum lg_verdict v;

	if (!s)
		return on_error_status();
	v = lg_session_body(s, chunk, len);
	if (v == LG_CONTINUE && !(lg_session_quiet(s) & LG_STEP_BODY) &&
	    (lg_session_quiet(s) & LG_SESSION_SKIP_BODY) &&
	    !lg_session_body_wanted(s))
		return SMFIS_SKIP;
	return answer(ctx, s, LG_STEP_BODY, v);
}

static sfsistat x_eom(SMFICTX *ctx)
{
	struct lg_ctx *s = SESSION(ctx);

	return s ? status(ctx, s, lg_session_eom(s)) : on_error_status();
}

static sfsistat x_abort(SMFICTX *ctx)
{
	struct lg_ctx *s = SESSION(ctx);

	if (s)
		lg_session_abort(s);
	return SMFIS_CONTINUE;
}

/* x_close - may be the only callback, with no private data; leaves
 * none (a connect after SMFIC_QUIT_NC makes a new session) */
static sfsistat x_close(SMFICTX *ctx)
{
	struct lg_ctx *s = SESSION(ctx);

	if (s) {
		smfi_setpriv(ctx, NULL);
		lg_session_free(&s);
	}
	return SMFIS_CONTINUE;
}

/* SMFIF_CHGFROM: Postfix (2.6 on) and Sendmail 8.14 on offer it; an
 * MTA that does not gets no sender change (host change_sender) */
#define WANTED_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | \
			SMFIF_DELRCPT | SMFIF_QUARANTINE | SMFIF_CHGFROM)

static int listen_unix;		/* the milter socket is a unix socket */

/* One step: the flag that drops it, the flag that makes it quiet. */
static const struct {
	unsigned step;
	unsigned long no, no_reply;
} step_flags[] = {
	{ LG_STEP_CONNECT, 0, SMFIP_NR_CONN },
	{ LG_STEP_HELO, SMFIP_NOHELO, SMFIP_NR_HELO },
	{ LG_STEP_MAIL, 0, SMFIP_NR_MAIL },
	{ LG_SESSION_STEP_DATA, 0, SMFIP_NR_DATA },
	{ LG_STEP_HEADERS, SMFIP_NOHDRS, SMFIP_NR_HDR },
	{ LG_STEP_EOH, 0, SMFIP_NR_EOH },
	{ LG_STEP_BODY, SMFIP_NOBODY, SMFIP_NR_BODY },
};

/* negotiate_steps - the protocol flags for CFG out of the OFFERED
 * ones, and the steps that become quiet */
static unsigned long negotiate_steps(const struct lg_config *cfg,
				     unsigned long offered, unsigned *quiet_r)
{
	unsigned long want = SMFIP_RCPT_REJ | SMFIP_NOUNKNOWN;
	unsigned take, answers, quiet = 0;
	int no_reply;
	size_t i;

	lg_session_steps(cfg, &take, &answers);
	no_reply = cfg->no_reply == LG_NO_REPLY_ALWAYS ||
		(cfg->no_reply == LG_NO_REPLY_AUTO && listen_unix);
	for (i = 0; i < sizeof(step_flags) / sizeof(step_flags[0]); i++) {
		unsigned step = step_flags[i].step;

		if (!(take & step)) {
			want |= step_flags[i].no;
		} else if (no_reply && !(answers & step) &&
			   (offered & step_flags[i].no_reply)) {
			want |= step_flags[i].no_reply;
			quiet |= step;
		}
	}
	/* a step the MTA cannot drop still comes, answered or quiet */
	for (i = 0; i < sizeof(step_flags) / sizeof(step_flags[0]); i++)
		if ((want & step_flags[i].no) && !(offered & step_flags[i].no) &&
		    no_reply && (offered & step_flags[i].no_reply)) {
			want |= step_flags[i].no_reply;
			quiet |= step_flags[i].step;
		}
	if ((take & LG_STEP_BODY) && !(quiet & LG_STEP_BODY) &&
	    (offered & SMFIP_SKIP)) {
		want |= SMFIP_SKIP;
		quiet |= LG_SESSION_SKIP_BODY;
	}
	*quiet_r = quiet;
	return want & offered;
}

/* x_negotiate - the steps the plugins need, and the session */
static sfsistat x_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			    unsigned long f2, unsigned long f3,
			    unsigned long *pf0, unsigned long *pf1,
			    unsigned long *pf2, unsigned long *pf3)
{
	struct lg_config *cfg = lg_config_current();
	struct lg_ctx *s = NULL;
	unsigned quiet = 0;

	(void) f2;
	(void) f3;
	*pf0 = f0 & WANTED_ACTIONS;
	*pf1 = f1 & SMFIP_RCPT_REJ;
	*pf2 = 0;
	*pf3 = 0;
	if (cfg)
		s = lg_session_new(cfg, &milter_sink, ctx);
	/* without a session every step is answered: connect then
	 * answers on_error */
	if (s) {
		*pf1 = negotiate_steps(cfg, f1, &quiet);
		lg_session_set_quiet(s, quiet);
		lg_session_set_can_change_sender(s, (f0 & SMFIF_CHGFROM) != 0);
		atomic_store(&mta_offers_chgfrom, (f0 & SMFIF_CHGFROM) != 0);
		smfi_setpriv(ctx, s);
	}
	lg_config_unref(&cfg);
	return SMFIS_CONTINUE;
}

static struct smfiDesc loopguard_desc = {
	"loopguard", SMFI_VERSION, WANTED_ACTIONS,
	x_connect, x_helo, x_envfrom, x_envrcpt, x_header, x_eoh, x_body,
	x_eom, x_abort, x_close, NULL, x_data, x_negotiate
};

/* lg_milter_register - smfi_setconn and smfi_register */
int lg_milter_register(const char *socket_spec, int timeout)
{
	listen_unix = strncmp(socket_spec, "unix:", 5) == 0 ||
		strncmp(socket_spec, "local:", 6) == 0;
	if (smfi_setconn((char *) socket_spec) != MI_SUCCESS)
		return -1;
	if (timeout > 0)
		smfi_settimeout(timeout);
	return smfi_register(loopguard_desc) == MI_SUCCESS ? 0 : -1;
}

/* lg_milter_open - bind the socket now, before privileges drop */
int lg_milter_open(void)
{
	return smfi_opensocket(0) == MI_SUCCESS ? 0 : -1;
}

static atomic_int serving;

/* lg_milter_main - serve until lg_milter_stop() */
int lg_milter_main(void)
{
	int rc;

	atomic_store(&serving, 1);
	rc = smfi_main() == MI_SUCCESS ? 0 : -1;
	atomic_store(&serving, 0);
	return rc;
}

/* lg_milter_serving - 1 from lg_milter_main() until smfi_main returns */
int lg_milter_serving(void)
{
	return atomic_load(&serving);
}

/* stopper - smfi_stop() in a thread of its own: it marks the stop at
 * once, then waits for the lock the listener holds while it polls */
static void *stopper(void *arg)
{
	(void) arg;
	(void) smfi_stop();
	return NULL;
}

/* lg_milter_stop - ask smfi_main() to return; never blocks */
void lg_milter_stop(void)
{
	pthread_attr_t attr;
	pthread_t tid;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, stopper, NULL) != 0)
		(void) smfi_stop();
	pthread_attr_destroy(&attr);
}
