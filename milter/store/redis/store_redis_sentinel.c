/*
 * NAME
 *	store_redis_sentinel.c - find the Redis master through Sentinel
 * SYNOPSIS
 *	#include "store_redis_sentinel.h"
 *
 *	if (rd_dial_address(rd, &srv, why, sizeof(why)) == 0)
 *		... connect to srv, AUTH, then ROLE ...
 *	if (rd_role_needed(rd) && rd_role_master(rd, &srv, reply, why,
 *						 sizeof(why)) < 0)
 *		... a replica: close it, never write to it ...
 * DESCRIPTION
 *	With sentinels configured, every new connection of the pool asks
 *	where the master is: the sentinels are asked in turn, starting with
 *	the one that answered last, "SENTINEL get-master-addr-by-name
 *	NAME" (after AUTH with the sentinel password when one is set). The
 *	address one names is then asked "ROLE" on a connection of its own
 *	(with the Redis password); only a server answering "master" is
 *	taken, and only at a host and port (a sentinel cannot name a
 *	local socket path). A sentinel that cannot be reached, does not
 *	know NAME, or names a server that is not a master (a replica not
 *	yet promoted, a dead master during a failover) sends the search
 *	on to the next sentinel. The pool's own connection is checked with ROLE once more
 *	after it is made (rd_role_master), so a failover between the two
 *	never leaves a replica in the pool.
 *
 *	Every round trip of this file goes through sentinel_command(): one
 *	connection within the store's timeout, then AUTH when asked and one
 *	command within one more timeout (store_redis_io.c). A search asks each sentinel once, so it takes at
 *	most 2 round trips per sentinel.
 *
 *	Without sentinels the configured server is the address and every
 *	role is accepted, so the callers need no other path.
 * DIAGNOSTICS
 *	"state: redis master NAME is HOST:PORT (via sentinel S)" when the
 *	address changes (and at the first answer). A failed search gives
 *	the reason per sentinel, e.g. "no sentinel named a master that
 *	answers: 127.0.0.1:26379: ROLE of 127.0.0.1:6380: slave, not
 *	master; ...", which store_redis_conn.c logs in its "unreachable"
 *	line.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "log.h"

/* Store library. */
#include "store_redis_sentinel.h"
#include "store_redis_io.h"

#define RD_NAME_MAX	127

struct rd_sentinel {
	int n;
	struct lg_redis_server srv[LG_REDIS_SENTINELS_MAX];
	char spec[LG_REDIS_SENTINELS_MAX][280];	/* as written, for logs */
	char *name;
	char *password;			/* NULL: no AUTH */
	pthread_mutex_t lock;		/* guards first, master */
	int first;			/* the sentinel to ask first */
	char master[300];		/* "HOST:PORT"; "" not known yet */
};

/* srv_text - a server as written in the settings */
static void srv_text(const struct lg_redis_server *srv, char *buf,
		     size_t size)
{
	if (srv->is_unix)
		snprintf(buf, size, "unix:%s", srv->path);
	else if (strchr(srv->host, ':'))
		snprintf(buf, size, "[%s]:%d", srv->host, srv->port);
	else
		snprintf(buf, size, "%s:%d", srv->host, srv->port);
}

/* add_reason - append "; WHO: WHAT" to why (truncated, never overrun) */
static void add_reason(char *why, size_t n, const char *who,
		       const char *what)
{
	size_t used = strlen(why);

	if (used + 1 < n)
		snprintf(why + used, n - used, "%s%s: %s", used ? "; " : "",
			 who, what);
}

/* sentinel_ask - one command on c, answered before dl: the reply, or
 * NULL with why set */
static redisReply *sentinel_ask(redisContext *c, const struct rd_deadline *dl,
				int argc, const char **argv, char *why,
				size_t n)
{
	redisReply *r = NULL;

	if (rd_io_append(c, argc, argv, NULL, why, n) < 0 ||
	    rd_io_exchange(c, dl, RD_REPLY_KEY, &r, 1, why, n) < 0)
		return NULL;
	return r;
}

/* sentinel_command - one connection to srv, AUTH with password when
 * set, one command; the reply (which may be an error reply), or NULL
 * with why set. The connect has the store's timeout, and AUTH and the
 * command together one more (store_redis_io.c). */
static redisReply *sentinel_command(struct rd_store *rd,
				    const struct lg_redis_server *srv,
				    const char *password, int argc,
				    const char **argv, char *why, size_t n)
{
	const char *auth[] = { "AUTH", password };
	struct rd_deadline dl;
	redisContext *c;
	redisReply *r = NULL;
	int ok = 1;

	if ((c = rd_io_connect(srv, rd->timeout_ms, why, n)) == NULL)
		return NULL;
	rd_deadline_start(&dl, rd->timeout_ms);
	if (password) {
		r = sentinel_ask(c, &dl, 2, auth, why, n);
		if (r && r->type == REDIS_REPLY_ERROR)
			snprintf(why, n, "AUTH refused: %s", r->str);
		ok = r && r->type != REDIS_REPLY_ERROR;
		if (r)
			freeReplyObject(r);
		r = NULL;
	}
	if (ok)
		r = sentinel_ask(c, &dl, argc, argv, why, n);
	redisFree(c);
	return r;
}

/* role_master - judge a ROLE reply: 0 for a master, else -1 with why */
static int role_master(const char *who, const redisReply *r, char *why,
		       size_t n)
{
	const redisReply *e;

	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, n, "ROLE of %s refused: %s", who, r->str);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    (e = r->element[0])->type != REDIS_REPLY_STRING) {
		snprintf(why, n, "ROLE of %s gave an odd answer", who);
		return -1;
	}
	if (strcmp(e->str, "master") != 0) {
		snprintf(why, n, "ROLE of %s: %.20s, not master", who, e->str);
		return -1;
	}
	return 0;
}

/* master_of - the address in a get-master-addr-by-name reply: 0, or -1
 * with why set */
static int master_of(const struct rd_sentinel *sn, const redisReply *r,
		     struct lg_redis_server *srv_r, char *why, size_t n)
{
	const redisReply *h, *p;
	char spec[300], bad[256];

	if (r->type == REDIS_REPLY_NIL) {
		snprintf(why, n, "does not know master %s", sn->name);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, n, "refused: %s", r->str);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    (h = r->element[0])->type != REDIS_REPLY_STRING ||
	    (p = r->element[1])->type != REDIS_REPLY_STRING ||
	    h->len == 0 || h->len > 255 || p->len > 5) {
		snprintf(why, n, "gave an odd answer for master %s", sn->name);
		return -1;
	}
	snprintf(spec, sizeof(spec), strchr(h->str, ':') ? "[%s]:%s" :
		 "%s:%s", h->str, p->str);
	if (lg_store_redis_server(spec, srv_r, bad, sizeof(bad)) < 0) {
		snprintf(why, n, "named master %.127s at \"%.60s\": %.180s",
			 sn->name, spec, bad);
		return -1;
	}
	/* host "unix", port "/xyz" would read as a local socket */
	if (srv_r->is_unix) {
		snprintf(why, n, "named master %.127s at \"%.60s\": not a "
			 "host and port", sn->name, spec);
		return -1;
	}
	return 0;
}

/* ask_sentinel - where sentinel i says the master is: 0, or -1 */
static int ask_sentinel(struct rd_store *rd, int i,
			struct lg_redis_server *srv_r, char *why, size_t n)
{
	struct rd_sentinel *sn = rd->sentinel;
	const char *argv[] = { "SENTINEL", "get-master-addr-by-name",
			       sn->name };
	redisReply *r;
	int rc;

	r = sentinel_command(rd, &sn->srv[i], sn->password, 3, argv, why, n);
	if (r == NULL)
		return -1;
	rc = master_of(sn, r, srv_r, why, n);
	freeReplyObject(r);
	return rc;
}

/* probe_role - ask the named server its role: 0 for a master */
static int probe_role(struct rd_store *rd, const struct lg_redis_server *srv,
		      char *why, size_t n)
{
	const char *argv[] = { "ROLE" };
	char who[300];
	redisReply *r;
	int rc;

	srv_text(srv, who, sizeof(who));
	r = sentinel_command(rd, srv, rd->password, 1, argv, why, n);
	if (r == NULL) {
		char net[256];

		snprintf(net, sizeof(net), "%s", why);
		snprintf(why, n, "master %.60s: %.300s", who, net);
		return -1;
	}
	rc = role_master(who, r, why, n);
	freeReplyObject(r);
	return rc;
}

/* note_master - remember the master sentinel i named; log a change */
static void note_master(struct rd_store *rd, int i,
			const struct lg_redis_server *srv)
{
	struct rd_sentinel *sn = rd->sentinel;
	char text[300];
	int changed;

	srv_text(srv, text, sizeof(text));
	pthread_mutex_lock(&sn->lock);
	sn->first = i;
	changed = strcmp(sn->master, text) != 0;
	if (changed)
		strcpy(sn->master, text);
	pthread_mutex_unlock(&sn->lock);
	if (changed)
		lg_log(LG_LOG_INFO, "state: redis master %s is %s (via "
		       "sentinel %s)", sn->name, text, sn->spec[i]);
}

/* rd_dial_address - the server, or the master the sentinels name now */
int rd_dial_address(struct rd_store *rd, struct lg_redis_server *srv_r,
		    char *why, size_t n)
{
	struct rd_sentinel *sn = rd->sentinel;
	char one[400], all[1024] = "";
	int i, k, first;

	if (sn == NULL) {
		*srv_r = rd->srv;
		return 0;
	}
	pthread_mutex_lock(&sn->lock);
	first = sn->first;
	pthread_mutex_unlock(&sn->lock);
	for (k = 0; k < sn->n; k++) {
		i = (first + k) % sn->n;
		one[0] = 0;
		if (ask_sentinel(rd, i, srv_r, one, sizeof(one)) == 0 &&
		    probe_role(rd, srv_r, one, sizeof(one)) == 0) {
			note_master(rd, i, srv_r);
			return 0;
		}
		add_reason(all, sizeof(all), sn->spec[i], one);
	}
	snprintf(why, n, "no sentinel named a master that answers: %s", all);
	return -1;
}

/* rd_role_needed - 1 when new connections are checked with ROLE */
int rd_role_needed(const struct rd_store *rd)
{
	return rd->sentinel != NULL;
}

/* rd_role_master - judge the ROLE reply of a new pool connection */
int rd_role_master(struct rd_store *rd, const struct lg_redis_server *srv,
		   const redisReply *r, char *why, size_t n)
{
	char who[300];

	if (rd->sentinel == NULL)
		return 0;
	srv_text(srv, who, sizeof(who));
	return role_master(who, r, why, n);
}

/* rd_current_server - the address in use, or "" before one is known */
size_t rd_current_server(struct rd_store *rd, char *buf, size_t size)
{
	struct rd_sentinel *sn = rd->sentinel;

	if (size == 0)
		return 0;
	if (sn == NULL) {
		srv_text(&rd->srv, buf, size);
	} else {
		pthread_mutex_lock(&sn->lock);
		snprintf(buf, size, "%s", sn->master);
		pthread_mutex_unlock(&sn->lock);
	}
	return strlen(buf);
}

/* init_fail - err, and -1 */
static int init_fail(char *err, size_t errsize, const char *what)
{
	snprintf(err, errsize, "state: redis sentinels: %s", what);
	return -1;
}

/* rd_sentinel_init - parse the sentinels, copy the name and password */
int rd_sentinel_init(struct rd_store *rd, const struct lg_store_redis_opts *o,
		     char *err, size_t errsize)
{
	struct rd_sentinel *sn;
	char why[256];
	int i;

	if (o->nsentinels <= 0)
		return 0;
	if (o->nsentinels > LG_REDIS_SENTINELS_MAX || o->sentinels == NULL)
		return init_fail(err, errsize, "too many (at most 8)");
	if (o->master_name == NULL || *o->master_name == 0 ||
	    strlen(o->master_name) > RD_NAME_MAX)
		return init_fail(err, errsize, "master_name is missing or "
				 "longer than 127 bytes");
	if ((sn = calloc(1, sizeof(*sn))) == NULL)
		return init_fail(err, errsize, "out of memory");
	rd->sentinel = sn;
	if (pthread_mutex_init(&sn->lock, NULL) != 0) {
		free(sn);
		rd->sentinel = NULL;
		return init_fail(err, errsize, "cannot make a lock");
	}
	for (i = 0; i < o->nsentinels; i++) {
		if (lg_store_redis_server(o->sentinels[i], &sn->srv[i], why,
					  sizeof(why)) < 0) {
			snprintf(err, errsize, "state: redis sentinel \"%.200s\""
				 ": %s", o->sentinels[i] ? o->sentinels[i] :
				 "", why);
			return -1;
		}
		srv_text(&sn->srv[i], sn->spec[i], sizeof(sn->spec[i]));
		sn->n++;
	}
	if ((sn->name = strdup(o->master_name)) == NULL ||
	    (o->sentinel_password && *o->sentinel_password &&
	     (sn->password = strdup(o->sentinel_password)) == NULL))
		return init_fail(err, errsize, "out of memory");
	return 0;
}

/* rd_sentinel_free - forget the sentinels */
void rd_sentinel_free(struct rd_store *rd)
{
	struct rd_sentinel *sn = rd->sentinel;

	if (sn == NULL)
		return;
	pthread_mutex_destroy(&sn->lock);
	free(sn->name);
	free(sn->password);
	free(sn);
	rd->sentinel = NULL;
}
