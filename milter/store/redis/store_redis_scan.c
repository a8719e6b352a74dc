/*
 * NAME
 *	store_redis_scan.c - the Redis store backend: get, del, scan, stats
 * SYNOPSIS
 *	#include "store_redis_impl.h"
 *
 *	rd_get(rd, "repeat:k", now, &val);
 *	rd_del(rd, "repeat:k");
 *	rd_scan(rd, "repeat:", now, fn, arg);
 *	rd_stats(rd, &stats);
 *	rd_health(rd, &health);
 * DESCRIPTION
 *	get is one HMGET; an entry whose expires field is not after "now"
 *	is absent. del is DEL, and also deletes the key from the local
 *	store, so an entry lifted by the operator does not come back in
 *	the next outage; del has no "now" of its own and uses the last
 *	one an operation gave (for backoff and log lines only).

 *	scan walks SCAN cursor MATCH PREFIX<prefix>* COUNT 500; the HMGETs
 *	of one batch are pipelined on the same connection, which goes back
 *	to the pool before the callbacks run, so a callback may use the
 *	store (delete what it sees, say). Entries whose expires field is
 *	not after "now" are skipped, as are keys that are not our hashes.
 *	SCAN may report a key twice when Redis resizes its table during
 *	the walk; the callback then sees it twice.
 *
 *	stats counts the PREFIX* keys (dead ones Redis has not reclaimed
 *	yet included) and takes bytes from INFO memory (used_memory, the
 *	whole server) and evicted from INFO stats (evicted_keys). It also
 *	reports the health (rd_health: up, or down since when, and whether
 *	the local store answers meanwhile) and the local store's own
 *	entries and bytes beside the server's. health reads the flags
 *	only, under health_lock, with no round trip.
 *
 *	When the server is down or fails before the first callback, both
 *	answer from the local memory store (scan: -1 in tempfail mode);
 *	a failure after some callbacks makes scan return -1.
 * DIAGNOSTICS
 *	"state: redis SERVER: listing cut short (REASON)".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "events.h"
#include "log.h"

/* Store library. */
#include "snapshot.h"
#include "store_redis_impl.h"
#include "store_redis_io.h"
#include "store_redis_sentinel.h"

#define SCAN_COUNT	"500"
#define STATS_COUNT	"1000"
#define PATTERN_MAX	(2 * (64 + LG_STORE_KEY_MAX) + 2)

/* The fields scan reads, in this order. */
enum { F_COUNT, F_SIZE, F_CREATED, F_EXPIRES, F_FROM, F_TO, F_CLIENT,
       F_PLUGIN, F_STATUS, F_N };
static const char *const fields[F_N] = {
	"count", "size", "created", "expires", "from", "to", "client",
	"plugin", "status"
};

/* One SCAN step: its keys and a row of fields for each. */
struct batch {
	char cursor[32];
	redisReply *scan;
	redisReply **rows;
	size_t n;
};

/* pattern - PREFIX and prefix with glob characters escaped, then "*";
 * -1 when too long */
static int pattern(const struct rd_store *rd, const char *prefix,
		   char *buf)
{
	const char *part[2] = { rd->prefix, prefix ? prefix : "" };
	const char *s;
	size_t at = 0;
	int i;

	for (i = 0; i < 2; i++)
		for (s = part[i]; *s; s++) {
			if (at + 4 > PATTERN_MAX)
				return -1;
			if (strchr("*?[]\\", *s))
				buf[at++] = '\\';
			buf[at++] = *s;
		}
	buf[at++] = '*';
	buf[at] = 0;
	return 0;
}

/* batch_free - the replies of one step */
static void batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->rows[i])
			freeReplyObject(b->rows[i]);
	free(b->rows);
	if (b->scan)
		freeReplyObject(b->scan);
	b->scan = NULL;
	b->rows = NULL;
	b->n = 0;
}

/* scan_step - SCAN once from cursor, answered within the timeout; the
 * reply's keys, or NULL with why set */
static redisReply *scan_step(struct rd_store *rd, redisContext *c,
			     char *cursor, const char *pat, const char *count,
			     char *why, size_t wsize)
{
	const char *argv[6] = { "SCAN", cursor, "MATCH", pat, "COUNT",
				count };
	redisReply *r;

	if ((r = rd_io_command(c, rd->timeout_ms, RD_REPLY_BATCH, 6, argv,
			       NULL, why, wsize)) == NULL)
		return NULL;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[0]->len < 32 &&
	    r->element[1]->type == REDIS_REPLY_ARRAY) {
		memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
		return r;
	}
	snprintf(why, wsize, "SCAN: %s", r->type == REDIS_REPLY_ERROR ?
		 r->str : "odd answer");
	freeReplyObject(r);
	return NULL;
}

/* batch_fetch - one SCAN step and the pipelined HMGETs of its keys, each
 * round trip within the timeout, the HMGETs' replies within
 * RD_REPLY_ROW bytes a key: 0, or -1 with why set (the connection is
 * then unusable) */
static int batch_fetch(struct rd_store *rd, redisContext *c,
		       const char *pat, struct batch *b, char *why,
		       size_t wsize)
{
	const char *argv[2 + F_N] = { "HMGET" };
	size_t len[2 + F_N] = { 5 }, i;
	struct rd_deadline dl;
	redisReply *key;

	if ((b->scan = scan_step(rd, c, b->cursor, pat, SCAN_COUNT, why,
				 wsize)) == NULL)
		return -1;
	for (i = 0; i < F_N; i++) {
		argv[2 + i] = fields[i];
		len[2 + i] = strlen(fields[i]);
	}
	b->n = b->scan->element[1]->elements;
	if (b->n && (b->rows = calloc(b->n, sizeof(*b->rows))) == NULL) {
		b->n = 0;
		snprintf(why, wsize, "out of memory");
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		key = b->scan->element[1]->element[i];
		argv[1] = key->type == REDIS_REPLY_STRING ? key->str : "";
		len[1] = key->type == REDIS_REPLY_STRING ? key->len : 0;
		if (rd_io_append(c, 2 + F_N, argv, len, why, wsize) < 0)
			return -1;
	}
	if (b->n == 0)
		return 0;
	rd_deadline_start(&dl, rd->timeout_ms);
	return rd_io_exchange(c, &dl, b->n * RD_REPLY_ROW, b->rows, b->n, why,
			      wsize);
}

/* text - a field as a string ("" when missing) */
static const char *text(const redisReply *e)
{
	return e->type == REDIS_REPLY_STRING ? e->str : "";
}

/* batch_deliver - call fn for the live entries of a batch; returns how
 * many calls were made, *stop_r set when fn asked to stop */
static size_t batch_deliver(const struct rd_store *rd, const struct batch *b,
			    time_t now, lg_store_scan_fn fn, void *arg,
			    int *stop_r)
{
	struct lg_store_record rec;
	redisReply *key, **e;
	size_t i, calls = 0;

	for (i = 0; i < b->n && !*stop_r; i++) {
		key = b->scan->element[1]->element[i];
		if (b->rows[i]->type != REDIS_REPLY_ARRAY ||
		    b->rows[i]->elements != F_N ||
		    key->type != REDIS_REPLY_STRING || key->len < rd->plen)
			continue;
		e = b->rows[i]->element;
		if (e[F_EXPIRES]->type != REDIS_REPLY_STRING ||
		    strtoll(e[F_EXPIRES]->str, NULL, 10) <= (long long)now)
			continue;
		rec.key = key->str + rd->plen;
		rec.plugin = text(e[F_PLUGIN]);
		rec.from = text(e[F_FROM]);
		rec.to = text(e[F_TO]);
		rec.client = text(e[F_CLIENT]);
		rec.status = text(e[F_STATUS]);
		rec.count = strtoll(text(e[F_COUNT]), NULL, 10);
		rec.size = strtoll(text(e[F_SIZE]), NULL, 10);
		rec.created = (time_t)strtoll(text(e[F_CREATED]), NULL, 10);
		rec.expires = (time_t)strtoll(e[F_EXPIRES]->str, NULL, 10);
		calls++;
		*stop_r = fn(arg, &rec) != 0;
	}
	return calls;
}

/* rd_get - 1 and a copy if KEY is live, else 0 */
int rd_get(void *be, const char *key, time_t now,
	   struct lg_store_value *val)
{
	struct rd_store *rd = be;
	const char *argv[6] = { "HMGET", NULL, "count", "created", "expires",
				"status" };
	size_t len[6] = { 5, 0, 5, 7, 7, 6 }, n;
	char k[RD_KEY_BUF];
	redisReply *r, **e;
	int rc = -1;

	if (rd_full_key(rd, key, k, &len[1]) < 0)
		return -1;
	argv[1] = k;
	if ((r = rd_exec(rd, now, key, 6, argv, len, 0)) != NULL) {
		e = r->element;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) {
			rd_oddity(rd, now, key, "HMGET gave an odd answer");
		} else if (e[2]->type != REDIS_REPLY_STRING ||
			   strtoll(e[2]->str, NULL, 10) <= (long long)now) {
			rc = 0;
		} else {
			val->count = e[0]->type == REDIS_REPLY_STRING ?
				strtoll(e[0]->str, NULL, 10) : 0;
			val->created = e[1]->type == REDIS_REPLY_STRING ?
				(time_t)strtoll(e[1]->str, NULL, 10) : 0;
			val->expires = (time_t)strtoll(e[2]->str, NULL, 10);
			n = e[3]->type == REDIS_REPLY_STRING ? e[3]->len : 0;
			if (n >= sizeof(val->status))
				n = sizeof(val->status) - 1;
			memcpy(val->status, n ? e[3]->str : "", n);
			val->status[n] = 0;
			rc = 1;
		}
		freeReplyObject(r);
	}
	if (rc >= 0)
		return rc;
	if (rd->tempfail || rd->fallback.ops == NULL)
		return -1;
	return rd->fallback.ops->get(rd->fallback.be, key, now, val);
}

/* rd_del - remove KEY there, and from the local store too */
int rd_del(void *be, const char *key)
{
	struct rd_store *rd = be;
	const char *argv[2] = { "DEL", NULL };
	size_t len[2] = { 3, 0 };
	char k[RD_KEY_BUF];
	redisReply *r;
	time_t now = rd_now(rd);
	struct lg_store_value val;
	int watched = lg_events_wanted();

	if (rd_full_key(rd, key, k, &len[1]) < 0)
		return -1;
	argv[1] = k;
	/* Only while someone watches: one more round trip, to learn
	 * whether the entry is there and shown (not hidden). */
	if (watched && rd_get(rd, key, now, &val) != 1)
		watched = 0;
	if (rd->fallback.ops)
		(void)rd->fallback.ops->del(rd->fallback.be, key);
	if ((r = rd_exec(rd, now, key, 2, argv, len, 0)) == NULL)
		return rd->tempfail ? -1 : 0;
	freeReplyObject(r);
	if (watched)
		lg_events_entry(LG_EV_ENTRY_REMOVED, key, NULL, val.status);
	return 0;
}

/* rd_scan - call fn for live entries under prefix */
int rd_scan(void *be, const char *prefix, time_t now, lg_store_scan_fn fn,
	    void *arg)
{
	struct rd_store *rd = be;
	struct batch b = { .cursor = "0" };
	struct rd_lease ls;
	char pat[PATTERN_MAX], why[512] = "server down";
	size_t calls = 0;
	int stop = 0;

	if (pattern(rd, prefix, pat) < 0)
		return -1;
	do {
		if (rd_acquire(rd, now, &ls) < 0)
			goto failed;
		if (batch_fetch(rd, ls.cn->c, pat, &b, why, sizeof(why)) < 0) {
			rd_broken(rd, &ls, now, why);
			goto failed;
		}
		rd_release(rd, &ls, now);
		calls += batch_deliver(rd, &b, now, fn, arg, &stop);
		batch_free(&b);
	} while (!stop && strcmp(b.cursor, "0") != 0);
	return 0;
failed:
	batch_free(&b);
	if (calls) {
		lg_log(LG_LOG_WARN, "state: redis %s: listing cut short (%s)",
		       rd->server, why);
		return -1;
	}
	if (rd->tempfail || rd->fallback.ops == NULL)
		return -1;
	return rd->fallback.ops->scan(rd->fallback.be, prefix, now, fn, arg);
}

/* info_number - "NAME:number" from an INFO reply, 0 if absent */
static size_t info_number(const redisReply *r, const char *name)
{
	char needle[64];
	const char *p;

	if (r == NULL || r->type != REDIS_REPLY_STRING)
		return 0;
	snprintf(needle, sizeof(needle), "\n%s:", name);
	if ((p = strstr(r->str, needle)) == NULL)
		return 0;
	return (size_t)strtoull(p + strlen(needle), NULL, 10);
}

/* count_keys - how many keys match pat: 0, or -1 with why set */
static int count_keys(struct rd_store *rd, redisContext *c, const char *pat,
		      size_t *n_r, char *why, size_t wsize)
{
	char cursor[32] = "0";
	redisReply *r;

	*n_r = 0;
	do {
		if ((r = scan_step(rd, c, cursor, pat, STATS_COUNT, why,
				   wsize)) == NULL)
			return -1;
		*n_r += r->element[1]->elements;
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/* rd_server_text - the address in use, for stats and list: the one
 * place it is copied out */
static void rd_server_text(struct rd_store *rd, char *buf, size_t size)
{
	char addr[300];

	if (rd->sentinel && rd_current_server(rd, addr, sizeof(addr)) > 0)
		snprintf(buf, size, "%.130s at %.130s", rd->server, addr);
	else
		snprintf(buf, size, "%s", rd->server);
}

/* rd_health - backend, address, up or down since when, fallback in use */
void rd_health(void *be, struct lg_store_health *h)
{
	struct rd_store *rd = be;

	memset(h, 0, sizeof(*h));
	h->backend = "redis";
	rd_server_text(rd, h->server, sizeof(h->server));
	pthread_mutex_lock(&rd->health_lock);
	h->down = rd->down;
	h->down_since = rd->down ? rd->down_since : 0;
	pthread_mutex_unlock(&rd->health_lock);
	h->fallback = h->down && !rd->tempfail && rd->fallback.ops != NULL;
}

/* stats_report - the health and the local store's own counts; entries
 * and bytes are the server's when it answered, else the local store's */
static void stats_report(struct rd_store *rd, struct lg_store_stats *st,
			 int answered)
{
	struct lg_store_stats local;

	st->server_known = answered;
	st->server_entries = answered ? st->entries : 0;
	st->server_bytes = answered ? st->bytes : 0;
	memset(&local, 0, sizeof(local));
	if (rd->fallback.ops) {
		rd->fallback.ops->stats(rd->fallback.be, &local);
		st->has_local = 1;
		st->local_entries = local.entries;
		st->local_bytes = local.bytes;
	}
	if (!answered) {
		st->entries = local.entries;
		st->bytes = local.bytes;
		st->evicted = local.evicted;
	}
	rd_health(rd, &st->health);
}

/* rd_stats - keys under the prefix, server memory, server evictions */
void rd_stats(void *be, struct lg_store_stats *st)
{
	const char *mem[2] = { "INFO", "memory" }, *sts[2] = { "INFO",
							       "stats" };
	struct rd_store *rd = be;
	redisReply *r = NULL;
	struct rd_lease ls;
	char pat[PATTERN_MAX], why[512] = "INFO failed";
	time_t now = rd_now(rd);

	memset(st, 0, sizeof(*st));
	pattern(rd, "", pat);
	if (rd_acquire(rd, now, &ls) == 0) {
		if (count_keys(rd, ls.cn->c, pat, &st->entries, why,
			       sizeof(why)) == 0 &&
		    (r = rd_io_command(ls.cn->c, rd->timeout_ms, RD_REPLY_INFO,
				       2, mem, NULL, why, sizeof(why))) != NULL) {
			st->bytes = info_number(r, "used_memory");
			freeReplyObject(r);
			r = rd_io_command(ls.cn->c, rd->timeout_ms, RD_REPLY_INFO,
					  2, sts, NULL, why, sizeof(why));
		}
		if (r != NULL) {
			st->evicted = info_number(r, "evicted_keys");
			freeReplyObject(r);
			rd_release(rd, &ls, now);
			stats_report(rd, st, 1);
			return;
		}
		rd_broken(rd, &ls, now, why);
	}
	memset(st, 0, sizeof(*st));
	stats_report(rd, st, 0);
}
