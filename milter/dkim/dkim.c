/*
 * NAME
 *	dkim.c - DKIM verification as a host service (see lg_dkim.h)
 * DESCRIPTION
 *	The per-message state lives in the message arena and is fed by
 *	a message tap (session_tap.c) attached at the first request, or
 *	at the first returned original verified (dkim_buffer.c), which
 *	shares the message's lookup budget; only the libopendkim handle
 *	needs freeing, when the tap is reset.
 *	The config snapshot owns the library handle through the
 *	destructor handed to it with the handle; the handle carries the
 *	prescreen (dkim_screen.c) and the bounded lookups (dkim_dns.c).
 *	Header values may come with bare LF folds: they are given to the
 *	library as CRLF. Only signatures of the envelope sender's domain
 *	are looked at, all key lookups of the message end by one
 *	deadline (dkim_impl.h), and nothing runs unless a plugin asked.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dkim.h>

/* Utility library. */
#include "log.h"

/* Session library. */
#include "session_impl.h"

/* DKIM library. */
#include "lg_dkim.h"
#include "dkim_impl.h"

/* One message's verification. */
struct lg_dkim_msg {
	DKIM *handle;
	int requested;			/* lg_dkim_request ran */
	int failed;			/* the library said no: no proof */
	int finished;
	char *passed[LG_DKIM_MAX_PASSED];	/* d= of the good signatures */
	size_t n_passed;
	struct lg_dkim_want want;	/* the sender's domain */
	struct lg_dkim_budget budget;	/* all lookups of the message */
	struct lg_dkim_returned returned;	/* dkim_buffer.c */
};

static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct lg_msg_tap dkim_tap;
static void tap_header(struct lg_ctx *s, void *state, const char *name,
		       const char *value);

/* lib_free - the snapshot's destructor for its library handle */
static void lib_free(void *lib)
{
	if (lib)
		dkim_close(lib);
}

/* msg_of - this message's verification, or NULL */
static struct lg_dkim_msg *msg_of(const struct lg_ctx *s)
{
	return lg_session_tap_state(s, &dkim_tap);
}

/* make_lib - one library handle for this snapshot */
static DKIM_LIB *make_lib(struct lg_config *cfg)
{
	DKIM_LIB *lib;
	unsigned timeout = LG_DKIM_LOOKUP_TIMEOUT;
	unsigned flags = DKIM_LIBFLAGS_FIXCRLF;
	dkim_query_t method = DKIM_QUERY_FILE;

	pthread_mutex_lock(&lib_lock);
	if ((lib = cfg->dkim_lib) != NULL) {
		pthread_mutex_unlock(&lib_lock);
		return lib;
	}
	lib = dkim_init(NULL, NULL);
	if (lib) {
		dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout,
			     sizeof(timeout));
		dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
			     sizeof(flags));
		if (cfg->dkim_keys &&
		    (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD,
				  &method, sizeof(method)) != DKIM_STAT_OK ||
		     dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO,
				  cfg->dkim_keys, strlen(cfg->dkim_keys)) !=
		     DKIM_STAT_OK)) {
			lg_log(LG_LOG_ERROR, "dkim: cannot use key file %s",
			       cfg->dkim_keys);
			dkim_close(lib);
			lib = NULL;
		} else if (lg_dkim_screen_use(lib) != 0 ||
			   lg_dkim_dns_use(lib, NULL) != 0) {
			lg_log(LG_LOG_ERROR, "dkim: cannot set up the "
			       "prescreen or the key lookups");
			dkim_close(lib);
			lib = NULL;
		}
	}
	cfg->dkim_lib = lib;
	cfg->dkim_lib_free = lib_free;
	pthread_mutex_unlock(&lib_lock);
	return lib;
}

/* lg_dkim_lib - the snapshot's library handle (dkim_buffer.c) */
void *lg_dkim_lib(struct lg_config *cfg)
{
	return make_lib(cfg);
}

/* give_up - log once, free the handle, no proof for this message */
static void give_up(struct lg_ctx *s, struct lg_dkim_msg *m,
		    const char *step, DKIM_STAT st)
{
	lg_log(LG_LOG_WARN, "%s: dkim: %s: %s", lg_session_queue_id(s), step,
	       m->handle ? dkim_geterror(m->handle) ?
	       dkim_geterror(m->handle) : dkim_getresultstr(st) :
	       dkim_getresultstr(st));
	if (m->handle)
		dkim_free(m->handle);
	m->handle = NULL;
	m->failed = 1;
}

/* msg_get - this message's state, attached on first use; NULL if no
 * message is in progress or no tap is free */
static struct lg_dkim_msg *msg_get(struct lg_ctx *s)
{
	struct lg_dkim_msg *m;

	if (!s || !s->in_message)
		return NULL;
	if ((m = msg_of(s)) != NULL)
		return m;
	if ((m = lg_arena_alloc(&s->msg_arena, sizeof(*m))) == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->want.s = s;
	if (lg_session_tap_attach(s, &dkim_tap, m) != 0) {
		lg_log(LG_LOG_WARN, "%s: dkim: cannot follow the message "
		       "(no free message tap)", lg_session_queue_id(s));
		return NULL;
	}
	return m;
}

/* lg_dkim_budget_of - see dkim_impl.h */
struct lg_dkim_budget *lg_dkim_budget_of(struct lg_ctx *s)
{
	struct lg_dkim_msg *m = msg_get(s);

	return m ? &m->budget : NULL;
}

/* lg_dkim_returned_of - see dkim_impl.h */
struct lg_dkim_returned *lg_dkim_returned_of(struct lg_ctx *s)
{
	struct lg_dkim_msg *m = msg_get(s);

	return m ? &m->returned : NULL;
}

/* lg_dkim_request - start verifying this message for its envelope
 * sender's domain; repeated calls are harmless */
int lg_dkim_request(struct lg_ctx *s)
{
	struct lg_dkim_msg *m;
	DKIM_STAT st = DKIM_STAT_INTERNAL;
	DKIM_LIB *lib;
	size_t i;

	if ((m = msg_get(s)) == NULL)
		return -1;
	if (m->requested)
		return m->failed ? -1 : 0;
	m->requested = 1;
	if (!s->sender_domain || !*s->sender_domain) {
		m->failed = 1;		/* nothing to prove */
		return -1;
	}
	m->want.domain = lg_arena_strdup(&s->msg_arena, s->sender_domain);
	if (m->want.domain && (lib = make_lib(s->cfg)) != NULL)
		m->handle = dkim_verify(lib, (const unsigned char *)
					lg_session_queue_id(s), NULL, &st);
	if (m->handle && lg_dkim_screen_want(m->handle, &m->want) != 0) {
		dkim_free(m->handle);
		m->handle = NULL;
	}
	if (!m->handle) {
		give_up(s, m, "cannot start verification", st);
		return -1;
	}
	for (i = 0; i < s->n_headers; i++)
		tap_header(s, m, s->headers[i].name, s->headers[i].value);
	return m->failed ? -1 : 0;
}

/* tap_header - "Name: value", folds as CRLF */
static void tap_header(struct lg_ctx *s, void *state, const char *name,
		       const char *value)
{
	struct lg_dkim_msg *m = state;
	size_t n = strlen(name) + 2 * strlen(value) + 3, len = 0;
	const char *p;
	char *buf;
	DKIM_STAT st;

	if (!m || !m->handle || (buf = malloc(n)) == NULL)
		return;
	len = (size_t) sprintf(buf, "%s: ", name);
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf[len++] = '\r';
		buf[len++] = *p;
	}
	if (!lg_dkim_screen_field(&m->want, buf, len)) {
		free(buf);		/* a signature not looked at */
		return;
	}
	st = dkim_header(m->handle, (unsigned char *) buf, len);
	free(buf);
	if (st != DKIM_STAT_OK)
		give_up(s, m, "header", st);
}

/* lg_dkim_note_limits - log what the limits left out (dkim_impl.h) */
void lg_dkim_note_limits(struct lg_ctx *s, const char *what,
			 const struct lg_dkim_want *w,
			 const struct lg_dkim_budget *b)
{
	if (b->expired)
		lg_log(LG_LOG_WARN, "%s: dkim: %s: key lookups stopped by the "
		       "%d s deadline: no proof from the rest",
		       lg_session_queue_id(s), what, LG_DKIM_DEADLINE);
	if (w->seen > w->kept)
		lg_log(LG_LOG_DEBUG, "%s: dkim: %s: %d of %d signatures "
		       "looked at (%s, at most %d)", lg_session_queue_id(s),
		       what, w->kept, w->seen,
		       w->domain ? w->domain : "local domains",
		       LG_DKIM_MAX_SIGS);
}

/* lg_dkim_note_sig - why a signature looked at did not pass (debug) */
void lg_dkim_note_sig(struct lg_ctx *s, void *sig)
{
	const char *why;

	if (dkim_sig_getflags(sig) & DKIM_SIGFLAG_IGNORE)
		return;
	why = dkim_sig_geterrorstr(dkim_sig_geterror(sig));
	lg_log(LG_LOG_DEBUG, "%s: DKIM signature d=%s s=%s does not pass: "
	       "%s", lg_session_queue_id(s),
	       (const char *) dkim_sig_getdomain(sig),
	       (const char *) dkim_sig_getselector(sig),
	       why ? why : "does not verify");
}

/* tap_eoh - no signature is not an error: the proof is just missing */
static void tap_eoh(struct lg_ctx *s, void *state)
{
	struct lg_dkim_msg *m = state;
	DKIM_STAT st;

	if (!m || !m->handle)
		return;
	lg_dkim_dns_begin(&m->budget);	/* keys are fetched here */
	st = dkim_eoh(m->handle);
	lg_dkim_dns_end();
	if (st == DKIM_STAT_NOSIG) {
		lg_dkim_note_limits(s, "message", &m->want, &m->budget);
		dkim_free(m->handle);
		m->handle = NULL;
		m->finished = 1;
	} else if (st != DKIM_STAT_OK) {
		give_up(s, m, "end of headers", st);
	}
}

/* tap_body - one chunk */
static void tap_body(struct lg_ctx *s, void *state,
		     const unsigned char *chunk, size_t len)
{
	struct lg_dkim_msg *m = state;
	DKIM_STAT st;

	if (!m || !m->handle || len == 0)
		return;
	st = dkim_body(m->handle, (unsigned char *) chunk, len);
	if (st != DKIM_STAT_OK && st != DKIM_STAT_NOSIG)
		give_up(s, m, "body", st);
}

/* tap_eom - finish; remember the domains of the good signatures */
static void tap_eom(struct lg_ctx *s, void *state)
{
	struct lg_dkim_msg *m = state;
	DKIM_SIGINFO **sigs = NULL;
	bool testkey = false;
	int n = 0, i;
	const char *d;

	if (!m || !m->handle || m->finished)
		return;
	m->finished = 1;
	lg_dkim_dns_begin(&m->budget);
	(void) dkim_eom(m->handle, &testkey);
	lg_dkim_dns_end();
	lg_dkim_note_limits(s, "message", &m->want, &m->budget);
	if (dkim_getsiglist(m->handle, &sigs, &n) != DKIM_STAT_OK)
		n = 0;
	for (i = 0; i < n && m->n_passed < LG_DKIM_MAX_PASSED; i++) {
		if (!(dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PASSED) ||
		    dkim_sig_getbh(sigs[i]) != DKIM_SIGBH_MATCH) {
			lg_dkim_note_sig(s, sigs[i]);
			continue;
		}
		d = (const char *) dkim_sig_getdomain(sigs[i]);
		if (d && (m->passed[m->n_passed] =
			  lg_arena_strdup(&s->msg_arena, d)) != NULL)
			m->n_passed++;
	}
	dkim_free(m->handle);
	m->handle = NULL;
}

/* lg_dkim_passed - a good signature of exactly that domain */
int lg_dkim_passed(struct lg_ctx *s, const char *domain)
{
	struct lg_dkim_msg *m = msg_of(s);
	size_t i;

	if (!m || !domain)
		return 0;
	if (!m->finished)
		tap_eom(s, m);
	for (i = 0; i < m->n_passed; i++)
		if (strcasecmp(m->passed[i], domain) == 0)
			return 1;
	return 0;
}

/* tap_reset - free the library handle of an unfinished message */
static void tap_reset(struct lg_ctx *s, void *state)
{
	struct lg_dkim_msg *m = state;

	(void) s;
	if (m->handle)
		dkim_free(m->handle);
	m->handle = NULL;
}

static const struct lg_msg_tap dkim_tap = {
	tap_header, tap_eoh, tap_body, tap_eom, tap_reset
};
