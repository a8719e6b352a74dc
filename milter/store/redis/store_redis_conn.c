/*
 * NAME
 *	store_redis_conn.c - Redis connections: pool, health, backoff
 * SYNOPSIS
 *	#include "store_redis_impl.h"
 *
 *	struct rd_lease ls;
 *
 *	if (rd_acquire(rd, now, &ls) == 0) {
 *		reply = rd_io_command(ls.cn->c, &dl, ...);
 *		reply ? rd_release(rd, &ls, now) :
 *			rd_broken(rd, &ls, now, reason);
 *	}
 * DESCRIPTION
 *	The pool is a free list under pool_lock: a thread takes an idle
 *	connection, or dials a new one while fewer than pool_max exist,
 *	or waits (at most twice the timeout) for one to come back. A new
 *	connection authenticates, selects the database and loads the
 *	write script before it is used. An idle connection the server
 *	has closed meanwhile (its client timeout, a proxy's idle timeout)
 *	or sent something on unasked is dropped when it is taken, not
 *	used: that is no outage.
 *
 *	Health: the first failure marks the server down for backoff_min
 *	seconds; until then rd_acquire() refuses at once, without touching
 *	the network. After that one caller (the probe) may dial; if it
 *	fails the wait doubles, up to backoff_max; if its round trips work
 *	the server is up again. Times are the callers' "now". Under
 *	Sentinel the first probe may come at once and the wait stays
 *	backoff_min: a failover moves the master, and each dial asks the
 *	sentinels where it went (store_redis_sentinel.c).
 * DIAGNOSTICS
 *	"state: redis SERVER unreachable (REASON); using the local memory
 *	store" (or "...; store operations fail until it is back" in
 *	tempfail mode), at most once a minute; "state: redis SERVER is
 *	back" after a logged outage; "state: redis SERVER: KEY: ERROR" for
 *	an error reply about one key, at most once a minute.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "log.h"

/* Store library. */
#include "store_redis_impl.h"
#include "store_redis_io.h"
#include "store_redis_sentinel.h"

enum { DIAL_OK = 0, DIAL_NET = -1, DIAL_REFUSED = -2 };

/* ask - one command during dialling, answered before dl; the reply, or
 * NULL with why set */
static redisReply *ask(redisContext *c, const struct rd_deadline *dl,
		       int argc, const char **argv, char *why, size_t n,
		       int *code_r)
{
	redisReply *r = NULL;

	if (rd_io_append(c, argc, argv, NULL, why, n) < 0 ||
	    rd_io_exchange(c, dl, RD_REPLY_KEY, &r, 1, why, n) < 0) {
		*code_r = DIAL_NET;
	} else if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, n, "%s refused: %s", argv[0], r->str);
		*code_r = DIAL_REFUSED;
		freeReplyObject(r);
		r = NULL;
	}
	return r;
}

/* rd_dial - a new connection, authenticated, in the right database, with
 * the script loaded: DIAL_OK, DIAL_NET or DIAL_REFUSED (why set). The
 * connect has timeout_ms, and so has the handshake after it. */
static int rd_dial(struct rd_store *rd, unsigned gen, struct rd_conn **cn_r,
		   char *why, size_t n)
{
	const char *auth[] = { "AUTH", rd->password };
	const char *load[] = { "SCRIPT", "LOAD", rd_write_script };
	const char *sel[] = { "SELECT", NULL };
	const char *role[] = { "ROLE" };
	struct lg_redis_server srv;
	struct rd_deadline dl;
	struct rd_conn *cn;
	redisContext *c;
	redisReply *r;
	char db[16];
	int code = DIAL_OK;

	*cn_r = NULL;
	if (rd_dial_address(rd, &srv, why, n) < 0 ||
	    (c = rd_io_connect(&srv, rd->timeout_ms, why, n)) == NULL)
		return DIAL_NET;
	rd_deadline_start(&dl, rd->timeout_ms);
	if (rd->password && (r = ask(c, &dl, 2, auth, why, n, &code)) != NULL)
		freeReplyObject(r);
	if (code == DIAL_OK && rd_role_needed(rd) &&
	    (r = ask(c, &dl, 1, role, why, n, &code)) != NULL) {
		if (rd_role_master(rd, &srv, r, why, n) < 0)
			code = DIAL_NET;
		freeReplyObject(r);
	}
	snprintf(db, sizeof(db), "%d", rd->db);
	sel[1] = db;
	if (code == DIAL_OK && rd->db &&
	    (r = ask(c, &dl, 2, sel, why, n, &code)) != NULL)
		freeReplyObject(r);
	r = code == DIAL_OK ? ask(c, &dl, 3, load, why, n, &code) : NULL;
	if (code == DIAL_OK && (r->type != REDIS_REPLY_STRING ||
				r->len != RD_SHA_LEN)) {
		snprintf(why, n, "SCRIPT LOAD gave an odd answer");
		code = DIAL_REFUSED;
	}
	if (code == DIAL_OK && (cn = calloc(1, sizeof(*cn))) == NULL) {
		snprintf(why, n, "out of memory");
		code = DIAL_NET;
	}
	if (code != DIAL_OK) {
		if (r)
			freeReplyObject(r);
		redisFree(c);
		return code;
	}
	memcpy(cn->sha, r->str, RD_SHA_LEN);
	freeReplyObject(r);
	cn->c = c;
	cn->gen = gen;
	*cn_r = cn;
	return DIAL_OK;
}

/* rd_reload_script - SCRIPT LOAD again (after NOSCRIPT): 0, or -1 with
 * why set */
int rd_reload_script(struct rd_store *rd, struct rd_conn *cn, char *why,
		     size_t n)
{
	const char *load[] = { "SCRIPT", "LOAD", rd_write_script };
	struct rd_deadline dl;
	int code = DIAL_OK;
	redisReply *r;

	rd_deadline_start(&dl, rd->timeout_ms);
	r = ask(cn->c, &dl, 3, load, why, n, &code);
	if (r && (r->type != REDIS_REPLY_STRING || r->len != RD_SHA_LEN)) {
		snprintf(why, n, "SCRIPT LOAD gave an odd answer");
		code = DIAL_REFUSED;
	}
	if (code == DIAL_OK)
		memcpy(cn->sha, r->str, RD_SHA_LEN);
	if (r)
		freeReplyObject(r);
	return code == DIAL_OK ? 0 : -1;
}

/* conn_free - close a connection */
static void conn_free(struct rd_conn *cn)
{
	if (cn) {
		redisFree(cn->c);
		free(cn);
	}
}

/* conn_closed - the server closed an idle connection (its client
 * timeout, a proxy's) or sent on it unasked: it is of no more use */
static int conn_closed(const struct rd_conn *cn)
{
	struct pollfd p = { cn->c->fd, POLLIN, 0 };

	return poll(&p, 1, 0) != 0;
}

/* pool_take - an idle connection of generation gen or newer; else
 * *dial_r = 1 when a new one may be made (counted already); else NULL
 * after waiting for one in vain */
static struct rd_conn *pool_take(struct rd_store *rd, unsigned gen,
				 int *dial_r)
{
	struct rd_conn *cn, *old, *stale = NULL;
	struct timespec until;
	long long ns;
	int rc = 0;

	*dial_r = 0;
	clock_gettime(CLOCK_REALTIME, &until);
	ns = until.tv_nsec + 2 * rd->timeout_ms * 1000000LL;
	until.tv_sec += (time_t)(ns / 1000000000LL);
	until.tv_nsec = (long)(ns % 1000000000LL);
	pthread_mutex_lock(&rd->pool_lock);
	for (;;) {
		while ((cn = rd->idle) != NULL &&
		       ((int)(cn->gen - gen) < 0 || conn_closed(cn))) {
			rd->idle = cn->next;
			cn->next = stale;
			stale = cn;
			rd->total--;
		}
		if (cn != NULL) {
			rd->idle = cn->next;
			cn->next = NULL;
			break;
		}
		if (rd->total < rd->pool_max) {
			rd->total++;
			*dial_r = 1;
			break;
		}
		if (rc == ETIMEDOUT)
			break;
		rc = pthread_cond_timedwait(&rd->pool_cond, &rd->pool_lock,
					    &until);
	}
	pthread_mutex_unlock(&rd->pool_lock);
	while ((old = stale) != NULL) {
		stale = old->next;
		conn_free(old);
	}
	return cn;
}

/* pool_put - a connection back into the pool (NULL: one fewer exists) */
static void pool_put(struct rd_store *rd, struct rd_conn *cn)
{
	pthread_mutex_lock(&rd->pool_lock);
	if (cn) {
		cn->next = rd->idle;
		rd->idle = cn;
	} else {
		rd->total--;
	}
	pthread_cond_signal(&rd->pool_cond);
	pthread_mutex_unlock(&rd->pool_lock);
}

/* mark_down - a failure on a connection of generation gen: go down, or
 * back off longer after a failed probe; log the reason if none was
 * logged for a minute. A connection older than the last outage failing
 * late says nothing about the server now. */
static void mark_down(struct rd_store *rd, time_t now, int probe,
		      unsigned gen, const char *reason)
{
	int say = 0;

	pthread_mutex_lock(&rd->health_lock);
	if (!rd->down && (int)(gen - rd->gen) < 0) {
		pthread_mutex_unlock(&rd->health_lock);
		return;
	}
	if (!rd->down) {
		rd->down = 1;
		rd->down_since = now;
		rd->gen++;
		rd->backoff = rd->backoff_min;
		/* under Sentinel the master may have moved: ask at once */
		rd->retry_at = rd->sentinel ? now : now + rd->backoff;
	} else if (probe) {
		if (!rd->sentinel)
			rd->backoff = rd->backoff * 2 > rd->backoff_max ?
				rd->backoff_max : rd->backoff * 2;
		rd->retry_at = now + rd->backoff;
	}
	if (probe)
		rd->probing = 0;
	if (!rd->warned || now - rd->warned_at >= RD_WARN_EVERY) {
		say = 1;
		rd->warned = 1;
		rd->warned_at = now;
		rd->said = 1;
	}
	pthread_mutex_unlock(&rd->health_lock);
	if (say)
		lg_log(LG_LOG_WARN, "state: redis %s unreachable (%s); %s",
		       rd->server, reason, rd->tempfail ?
		       "store operations fail until it is back "
		       "(on_store_error = tempfail)" :
		       "using the local memory store");
}

/* mark_up - a probe worked: the server is back (said if its going away
 * was) */
static void mark_up(struct rd_store *rd)
{
	int say;

	pthread_mutex_lock(&rd->health_lock);
	rd->down = 0;
	rd->probing = 0;
	rd->backoff = 0;
	say = rd->said;
	rd->said = 0;
	pthread_mutex_unlock(&rd->health_lock);
	if (say)
		lg_log(LG_LOG_INFO, "state: redis %s is back", rd->server);
}

/* rd_acquire - a connection for one operation, or -1 */
int rd_acquire(struct rd_store *rd, time_t now, struct rd_lease *ls)
{
	char why[512];
	unsigned gen;
	int dial;

	ls->cn = NULL;
	ls->probe = 0;
	pthread_mutex_lock(&rd->health_lock);
	if (now > rd->clock)
		rd->clock = now;
	if (rd->down) {
		if (rd->probing || now < rd->retry_at) {
			pthread_mutex_unlock(&rd->health_lock);
			return -1;
		}
		rd->probing = 1;
		ls->probe = 1;
	}
	gen = rd->gen;
	pthread_mutex_unlock(&rd->health_lock);
	if ((ls->cn = pool_take(rd, gen, &dial)) != NULL)
		return 0;
	if (!dial) {
		if (ls->probe) {
			pthread_mutex_lock(&rd->health_lock);
			rd->probing = 0;
			pthread_mutex_unlock(&rd->health_lock);
		}
		snprintf(why, sizeof(why), "all %d connections stayed busy "
			 "for %lld ms", rd->pool_max, 2 * rd->timeout_ms);
		rd_oddity(rd, now, NULL, why);
		return -1;
	}
	if (rd_dial(rd, gen, &ls->cn, why, sizeof(why)) != DIAL_OK) {
		pool_put(rd, NULL);
		mark_down(rd, now, ls->probe, gen, why);
		return -1;
	}
	return 0;
}

/* rd_now - the last "now" an operation gave, else the time of day */
time_t rd_now(struct rd_store *rd)
{
	time_t now;

	pthread_mutex_lock(&rd->health_lock);
	now = rd->clock;
	pthread_mutex_unlock(&rd->health_lock);
	return now ? now : time(NULL);
}

/* rd_release - the connection worked: back into the pool */
void rd_release(struct rd_store *rd, struct rd_lease *ls, time_t now)
{
	(void)now;
	pool_put(rd, ls->cn);
	ls->cn = NULL;
	if (ls->probe)
		mark_up(rd);
	ls->probe = 0;
}

/* rd_broken - close a failed connection, mark the server down */
void rd_broken(struct rd_store *rd, struct rd_lease *ls, time_t now,
	       const char *reason)
{
	unsigned gen = ls->cn->gen;

	conn_free(ls->cn);
	ls->cn = NULL;
	pool_put(rd, NULL);
	mark_down(rd, now, ls->probe, gen, reason);
	ls->probe = 0;
}

/* rd_oddity - an error reply about one key, at most once a minute */
void rd_oddity(struct rd_store *rd, time_t now, const char *key,
	       const char *text)
{
	int say = 0;

	pthread_mutex_lock(&rd->health_lock);
	if (!rd->odd_warned || now - rd->odd_at >= RD_WARN_EVERY) {
		say = 1;
		rd->odd_warned = 1;
		rd->odd_at = now;
	}
	pthread_mutex_unlock(&rd->health_lock);
	if (say && key)
		lg_log(LG_LOG_WARN, "state: redis %s: %s%s: %s", rd->server,
		       rd->prefix, key, text);
	else if (say)
		lg_log(LG_LOG_WARN, "state: redis %s: %s", rd->server, text);
}

/* rd_open_check - dial once at open; only a refusal is an error */
int rd_open_check(struct rd_store *rd, time_t now, char *err,
		  size_t errsize)
{
	struct rd_conn *cn;
	char why[512];
	int code;

	code = rd_dial(rd, rd->gen, &cn, why, sizeof(why));
	if (code == DIAL_REFUSED) {
		snprintf(err, errsize, "state: redis %s: %s", rd->server, why);
		return -1;
	}
	if (code == DIAL_NET) {
		mark_down(rd, now, 0, rd->gen, why);
		return 0;
	}
	pthread_mutex_lock(&rd->pool_lock);
	rd->total++;
	pthread_mutex_unlock(&rd->pool_lock);
	pool_put(rd, cn);
	return 0;
}

/* rd_init - the locks; the pool starts empty and the server up */
int rd_init(struct rd_store *rd)
{
	if (pthread_mutex_init(&rd->pool_lock, NULL) != 0)
		return -1;
	if (pthread_mutex_init(&rd->health_lock, NULL) != 0) {
		pthread_mutex_destroy(&rd->pool_lock);
		return -1;
	}
	if (pthread_cond_init(&rd->pool_cond, NULL) != 0) {
		pthread_mutex_destroy(&rd->health_lock);
		pthread_mutex_destroy(&rd->pool_lock);
		return -1;
	}
	return 0;
}

/* rd_fini - close pooled connections, destroy the locks */
void rd_fini(struct rd_store *rd)
{
	struct rd_conn *cn;

	while ((cn = rd->idle) != NULL) {
		rd->idle = cn->next;
		conn_free(cn);
	}
	pthread_cond_destroy(&rd->pool_cond);
	pthread_mutex_destroy(&rd->health_lock);
	pthread_mutex_destroy(&rd->pool_lock);
}
