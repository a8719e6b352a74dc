/*
 * NAME
 *	dkim.c - DKIM verification as a host service (see lg_dkim.h)
 * DESCRIPTION
 *	The per-message state lives in the message arena; only the
 *	libopendkim handle needs freeing, at reset. Header values may
 *	come with bare LF folds: they are given to the library as CRLF.
 *	Nothing here blocks longer than the DNS timeout, and nothing
 *	runs unless a plugin asked.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dkim.h>

#include "lg_dkim.h"
#include "log.h"
#include "session_impl.h"

#define DNS_TIMEOUT	5	/* seconds per key lookup */
#define MAX_PASSED	8

/* One message's verification. */
struct lg_dkim_msg {
	DKIM *handle;
	int failed;			/* the library said no: no proof */
	int finished;
	char *passed[MAX_PASSED];	/* d= of the good signatures */
	size_t n_passed;
};

static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;

/* make_lib - one library handle for this snapshot */
static DKIM_LIB *make_lib(struct lg_config *cfg)
{
	DKIM_LIB *lib;
	unsigned timeout = DNS_TIMEOUT, flags = DKIM_LIBFLAGS_FIXCRLF;
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
		}
	}
	cfg->dkim_lib = lib;
	pthread_mutex_unlock(&lib_lock);
	return lib;
}

/* lg_dkim_lib - the snapshot's library handle (dkim_buffer.c) */
void *lg_dkim_lib(struct lg_config *cfg)
{
	return make_lib(cfg);
}

/* lg_dkim_lib_free - with the config snapshot */
void lg_dkim_lib_free(void *lib)
{
	if (lib)
		dkim_close(lib);
}

/* give_up - log once, free the handle, no proof for this message */
static void give_up(struct lg_ctx *s, const char *step, DKIM_STAT st)
{
	struct lg_dkim_msg *m = s->dkim;

	lg_log(LG_LOG_WARN, "%s: dkim: %s: %s", lg_session_queue_id(s), step,
	       m->handle ? dkim_geterror(m->handle) ?
	       dkim_geterror(m->handle) : dkim_getresultstr(st) :
	       dkim_getresultstr(st));
	if (m->handle)
		dkim_free(m->handle);
	m->handle = NULL;
	m->failed = 1;
}

/* lg_dkim_request - start verifying this message; repeated calls are
 * harmless */
int lg_dkim_request(struct lg_ctx *s)
{
	struct lg_dkim_msg *m;
	DKIM_STAT st = DKIM_STAT_INTERNAL;
	DKIM_LIB *lib;
	size_t i;

	if (!s || !s->in_message)
		return -1;
	if (s->dkim)
		return s->dkim->failed ? -1 : 0;
	if ((m = lg_arena_alloc(&s->msg_arena, sizeof(*m))) == NULL)
		return -1;
	memset(m, 0, sizeof(*m));
	s->dkim = m;
	if ((lib = make_lib(s->cfg)) != NULL)
		m->handle = dkim_verify(lib, (const unsigned char *)
					lg_session_queue_id(s), NULL, &st);
	if (!m->handle) {
		give_up(s, "cannot start verification", st);
		return -1;
	}
	for (i = 0; i < s->n_headers; i++)
		lg_dkim_header(s, s->headers[i].name, s->headers[i].value);
	return m->failed ? -1 : 0;
}

/* lg_dkim_header - "Name: value", folds as CRLF */
void lg_dkim_header(struct lg_ctx *s, const char *name, const char *value)
{
	struct lg_dkim_msg *m = s->dkim;
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
	st = dkim_header(m->handle, (unsigned char *) buf, len);
	free(buf);
	if (st != DKIM_STAT_OK)
		give_up(s, "header", st);
}

/* lg_dkim_eoh - no signature is not an error: the proof is just missing */
void lg_dkim_eoh(struct lg_ctx *s)
{
	struct lg_dkim_msg *m = s->dkim;
	DKIM_STAT st;

	if (!m || !m->handle)
		return;
	st = dkim_eoh(m->handle);
	if (st == DKIM_STAT_NOSIG) {
		dkim_free(m->handle);
		m->handle = NULL;
		m->finished = 1;
	} else if (st != DKIM_STAT_OK) {
		give_up(s, "end of headers", st);
	}
}

/* lg_dkim_body - one chunk */
void lg_dkim_body(struct lg_ctx *s, const unsigned char *chunk, size_t len)
{
	struct lg_dkim_msg *m = s->dkim;
	DKIM_STAT st;

	if (!m || !m->handle || len == 0)
		return;
	st = dkim_body(m->handle, (unsigned char *) chunk, len);
	if (st != DKIM_STAT_OK && st != DKIM_STAT_NOSIG)
		give_up(s, "body", st);
}

/* lg_dkim_eom - finish; remember the domains of the good signatures */
void lg_dkim_eom(struct lg_ctx *s)
{
	struct lg_dkim_msg *m = s->dkim;
	DKIM_SIGINFO **sigs = NULL;
	bool testkey = false;
	int n = 0, i;
	const char *d;

	if (!m || !m->handle || m->finished)
		return;
	m->finished = 1;
	(void) dkim_eom(m->handle, &testkey);
	if (dkim_getsiglist(m->handle, &sigs, &n) != DKIM_STAT_OK)
		n = 0;
	for (i = 0; i < n && m->n_passed < MAX_PASSED; i++) {
		if (!(dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PASSED) ||
		    dkim_sig_getbh(sigs[i]) != DKIM_SIGBH_MATCH)
			continue;
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
	size_t i;

	if (!s || !s->dkim || !domain)
		return 0;
	if (!s->dkim->finished)
		lg_dkim_eom(s);
	for (i = 0; i < s->dkim->n_passed; i++)
		if (strcasecmp(s->dkim->passed[i], domain) == 0)
			return 1;
	return 0;
}

/* lg_dkim_reset - free the library handle of an unfinished message */
void lg_dkim_reset(struct lg_ctx *s)
{
	if (s->dkim && s->dkim->handle)
		dkim_free(s->dkim->handle);
	s->dkim = NULL;
}
