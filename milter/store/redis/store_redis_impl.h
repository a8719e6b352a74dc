/*
 * NAME
 *	store_redis_impl.h - shared by store_redis.c, store_redis_scan.c,
 *	store_redis_conn.c and store_redis_sentinel.c
 * DESCRIPTION
 *	The backend's state: settings, the connection pool and the health
 *	of the server (up, or down with a time for the next try).
 *
 *	Generations: every time the server is found down, gen goes up;
 *	a pooled connection of an older generation is closed instead of
 *	used, so connections to a dead server are never tried twice.
 *
 *	Lock order: health_lock and pool_lock are never held together, and
 *	neither is held during a round trip.
 */
#ifndef LG_STORE_REDIS_IMPL_H
#define LG_STORE_REDIS_IMPL_H

#include <pthread.h>
#include <time.h>

#include <hiredis/hiredis.h>

/* Store library. */
#include "store.h"
#include "snapshot.h"
#include "store_redis.h"

#define RD_SHA_LEN	40
#define RD_PREFIX_MAX	63
#define RD_KEY_BUF	(RD_PREFIX_MAX + LG_STORE_KEY_MAX + 1)
#define RD_WARN_EVERY	60	/* seconds between "unreachable" lines */

struct rd_conn {
	redisContext *c;
	unsigned gen;
	char sha[RD_SHA_LEN + 1];	/* the write script, as loaded here */
	struct rd_conn *next;
};

struct rd_sentinel;

struct rd_store {
	/* settings */
	char *server;			/* as configured, for log lines */
	struct lg_redis_server srv;
	struct rd_sentinel *sentinel;	/* NULL: srv; else the master it
					 * names (store_redis_sentinel.h) */
	char *password;
	int db;
	char *prefix;
	size_t plen;
	long long timeout_ms;		/* connect; each round trip */
	int tempfail;
	long long backoff_min, backoff_max;

	/* where answers come from while the server is away */
	struct lg_store fallback;	/* ops NULL in tempfail mode */

	/* the pool */
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	struct rd_conn *idle;
	int total, pool_max;

	/* health */
	pthread_mutex_t health_lock;
	int down;
	time_t down_since;		/* when down went from 0 to 1 */
	int probing;			/* one thread is trying to reconnect */
	time_t retry_at;
	long long backoff;
	unsigned gen;
	int warned;
	time_t warned_at;
	int said;			/* this outage was logged */
	time_t clock;			/* the last "now" an operation gave */
	int odd_warned;			/* "WRONGTYPE" and such, per key */
	time_t odd_at;
};

/* A connection checked out for one operation. */
struct rd_lease {
	struct rd_conn *cn;
	int probe;			/* this use decides whether it is back */
};

/* The Lua script behind incr, add and set (store_redis.c). */
extern const char rd_write_script[];

/* rd_init - pool and health; -1 if the locks cannot be made */
int rd_init(struct rd_store *rd);
/* rd_fini - close every pooled connection, destroy the locks */
void rd_fini(struct rd_store *rd);

/* rd_acquire - a connection, or -1: the server is down or backing off
 * (or could not be reached now, which is recorded and logged) */
int rd_acquire(struct rd_store *rd, time_t now, struct rd_lease *ls);
/* rd_release - the round trips went well: back into the pool */
void rd_release(struct rd_store *rd, struct rd_lease *ls, time_t now);
/* rd_broken - the connection failed (I/O, timeout, refusal): close it
 * and mark the server down, logging REASON if it is time to */
void rd_broken(struct rd_store *rd, struct rd_lease *ls, time_t now,
	       const char *reason);
/* rd_oddity - an error reply about one key; logged once a minute */
void rd_oddity(struct rd_store *rd, time_t now, const char *key,
	       const char *text);
/* rd_reload_script - SCRIPT LOAD again on this connection: 0, or -1
 * with why set */
int rd_reload_script(struct rd_store *rd, struct rd_conn *cn, char *why,
		     size_t n);
/* rd_now - the last "now" an operation gave, else the time of day */
time_t rd_now(struct rd_store *rd);
/* rd_full_key - PREFIX+key into buf (RD_KEY_BUF bytes); -1 (logged)
 * for a missing or long key (store_redis.c) */
int rd_full_key(const struct rd_store *rd, const char *key, char *buf,
		size_t *len_r);
/* rd_exec - one command on a pooled connection: the reply, or NULL when
 * the caller must fall back; script: argv[1] becomes the script SHA
 * (store_redis.c) */
redisReply *rd_exec(struct rd_store *rd, time_t now, const char *key,
		    int argc, const char **argv, size_t *len, int script);
/* The reading operations (store_redis_scan.c). */
int rd_get(void *be, const char *key, time_t now,
	   struct lg_store_value *val_r);
int rd_del(void *be, const char *key);
int rd_scan(void *be, const char *prefix, time_t now, lg_store_scan_fn fn,
	    void *arg);
void rd_stats(void *be, struct lg_store_stats *st);
void rd_health(void *be, struct lg_store_health *h);
/* rd_open_check - one connection at open: 0, or -1 with err set when the
 * server refused the password or the database; an unreachable server
 * is logged and is not an error */
int rd_open_check(struct rd_store *rd, time_t now, char *err,
		  size_t errsize);

#endif
