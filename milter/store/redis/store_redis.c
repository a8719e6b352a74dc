/*
 * NAME
 *	store_redis.c - the Redis store backend: open, close, writes
 * SYNOPSIS
 *	See store_redis.h.
 * DESCRIPTION
 *	incr, add and set are one EVALSHA of rd_write_script with a mode
 *	("i", "a", "s"); put (state import) is one EVAL of a short script
 *	that sets the whole hash and its expiry; get, del, scan and stats
 *	are in store_redis_scan.c, connections in store_redis_conn.c, the
 *	Sentinel search in store_redis_sentinel.c, the parser of the
 *	server setting in store_redis_server.c.
 *
 *	When a round trip fails (see store_redis_conn.c), the operation is
 *	answered by the local memory store, or fails with -1 in tempfail
 *	mode. A key that is not a hash of ours (WRONGTYPE), or any other
 *	error reply about one key, makes that one operation fall back; the
 *	server is not marked down for it.
 *
 *	A command that timed out may still be carried out by the server
 *	later (it was sent): a count can then be one higher than the
 *	fallback answer said.
 * DIAGNOSTICS
 *	"store: key "..." refused: N bytes, limit M" for a key too long.
 *	See also store_redis_conn.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "events.h"
#include "log.h"

/* Store library. */
#include "snapshot.h"
#include "store_memory.h"
#include "store_redis_impl.h"
#include "store_redis_io.h"
#include "store_redis_sentinel.h"

#define RD_DEFAULT_TIMEOUT 200

/*
 * ARGV: mode, now, expires, n; then the pairs the caller gives (plugin,
 * size, from, to, client, status). A new entry gets count n, created
 * now, size 0 and blank text fields, then the given pairs (HSET keeps
 * the last value of a field named twice). An entry whose expires is not
 * after now is dead and made afresh. A live entry gets only the given
 * fields that differ (one HMGET reads them with expires, so a repeated
 * incr is two calls). Returns {created, count}; the count is a string,
 * or an integer when HINCRBY gave one a Lua number holds exactly. The
 * defaults live here, not in ARGV: fewer arguments make each call
 * cheaper for redis-server.
 */
const char rd_write_script[] =
	"local k, mode, a = KEYS[1], ARGV[1], ARGV\n"
	"local names = {'expires'}\n"
	"for i = 5, #a, 2 do names[#names + 1] = a[i] end\n"
	"local cur = redis.call('HMGET', k, unpack(names))\n"
	"local e = cur[1]\n"
	"if e and (tonumber(e) or 0) > tonumber(a[2]) then\n"
	"  if mode == 'a' then return {0, 0} end\n"
	"  local set, c = {}, a[4]\n"
	"  for i = 5, #a, 2 do\n"
	"    if cur[(i - 1) / 2] ~= a[i + 1] then\n"
	"      set[#set + 1] = a[i]; set[#set + 1] = a[i + 1]\n"
	"    end\n"
	"  end\n"
	"  if mode == 's' then\n"
	"    redis.call('HSET', k, 'count', c, 'expires', a[3], unpack(set))\n"
	"    redis.call('EXPIREAT', k, a[3])\n"
	"    return {0, c}\n"
	"  end\n"
	"  c = redis.pcall('HINCRBY', k, 'count', c)\n"
	"  if type(c) == 'table' then\n"
	"    c = string.sub(a[4], 1, 1) == '-' and\n"
	"        '-9223372036854775808' or '9223372036854775807'\n"
	"    set[#set + 1] = 'count'; set[#set + 1] = c\n"
	"  elseif c >= 9007199254740992 or c <= -9007199254740992 then\n"
	"    c = false\n"
	"  end\n"
	"  if #set > 0 then redis.call('HSET', k, unpack(set)) end\n"
	"  if not c then c = redis.call('HGET', k, 'count') end\n"
	"  return {0, c}\n"
	"end\n"
	"if e then redis.call('DEL', k) end\n"
	"local f = {'count', a[4], 'created', a[2], 'expires', a[3], 'size', '0',\n"
	"  'from', '', 'to', '', 'client', '', 'status', '', 'plugin', ''}\n"
	"for i = 5, #a do f[#f + 1] = a[i] end\n"
	"redis.call('HSET', k, unpack(f))\n"
	"redis.call('EXPIREAT', k, a[3])\n"
	"return {1, a[4]}\n";

static const struct lg_store_ops rd_ops;

/* stamp - a time as the memory store keeps it: 0 .. 2^32-1 */
static long long stamp(long long t)
{
	return t < 0 ? 0 : t > (long long)UINT32_MAX ? (long long)UINT32_MAX : t;
}

/* rd_full_key - PREFIX+key into buf; -1 (logged) for a missing or long
 * key */
int rd_full_key(const struct rd_store *rd, const char *key, char *buf,
		size_t *len_r)
{
	size_t n;

	if (key == NULL)
		return -1;
	if ((n = strlen(key)) > LG_STORE_KEY_MAX) {
		lg_log(LG_LOG_WARN, "store: key \"%.40s...\" refused: %zu bytes, "
		       "limit %d", key, n, LG_STORE_KEY_MAX);
		return -1;
	}
	memcpy(buf, rd->prefix, rd->plen);
	memcpy(buf + rd->plen, key, n + 1);
	*len_r = rd->plen + n;
	return 0;
}

/* key_level - an error reply about one key rather than the server; a
 * write refused by a replica is about the server, also when Redis
 * before 7 wraps it in "ERR Error running script ... -READONLY ..." */
static int key_level(const char *text)
{
	if (strstr(text, "-READONLY ") != NULL)
		return 0;
	return strncmp(text, "WRONGTYPE", 9) == 0 ||
		strncmp(text, "ERR", 3) == 0;
}

/* rd_exec - one command on a pooled connection: the reply, or NULL when
 * the caller must fall back. With script set, argv[1] becomes the
 * connection's script SHA, loaded again on NOSCRIPT */
redisReply *rd_exec(struct rd_store *rd, time_t now, const char *key,
		    int argc, const char **argv, size_t *len, int script)
{
	struct rd_lease ls;
	redisReply *r;
	char why[512];

	if (rd_acquire(rd, now, &ls) < 0)
		return NULL;
	if (script) {
		argv[1] = ls.cn->sha;
		len[1] = RD_SHA_LEN;
	}
	r = rd_io_command(ls.cn->c, rd->timeout_ms, RD_REPLY_KEY, argc, argv,
			  len, why, sizeof(why));
	if (r && script && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(r);
		r = NULL;
		if (rd_reload_script(rd, ls.cn, why, sizeof(why)) < 0) {
			rd_broken(rd, &ls, now, why);
			return NULL;
		}
		r = rd_io_command(ls.cn->c, rd->timeout_ms, RD_REPLY_KEY,
				  argc, argv, len, why, sizeof(why));
	}
	if (r == NULL) {
		rd_broken(rd, &ls, now, why);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "%s", r->str);
		freeReplyObject(r);
		if (key_level(why)) {
			rd_oddity(rd, now, key, why);
			rd_release(rd, &ls, now);
		} else {
			rd_broken(rd, &ls, now, why);
		}
		return NULL;
	}
	rd_release(rd, &ls, now);
	return r;
}

/* rd_fallback - what the local store says, or -1 in tempfail mode */
static int rd_fallback(struct rd_store *rd, char mode, const char *key,
		       long long n, long long ttl, time_t now,
		       const char *plugin, const struct lg_store_meta *meta,
		       long long *count_r)
{
	const struct lg_store_ops *fb = rd->fallback.ops;

	if (rd->tempfail || fb == NULL)
		return -1;
	if (mode == 'i')
		return fb->incr(rd->fallback.be, key, n, ttl, now, plugin,
				meta, count_r);
	if (mode == 'a')
		return fb->add(rd->fallback.be, key, ttl, now, plugin, meta);
	return fb->set(rd->fallback.be, key, n, ttl, now, plugin, meta);
}

/* A command being built: at most 8 + 2 * 9 + 2 * 6 arguments. */
struct args {
	int n;
	const char *v[40];
	size_t len[40];
};

/* arg - append one argument of len bytes */
static void arg(struct args *a, const char *s, size_t len)
{
	a->v[a->n] = s;
	a->len[a->n++] = len;
}

/* rd_write - incr ("i"), add ("a") and set ("s") in one script */
static int rd_write(struct rd_store *rd, char mode, const char *key,
		    long long n, long long ttl, time_t now,
		    const char *plugin, const struct lg_store_meta *meta,
		    long long *count_r)
{
	static const char *const given_names[4] = { "from", "to", "client",
						    "status" };
	const char *given[4] = { NULL, NULL, NULL, NULL };
	char k[RD_KEY_BUF], nb[24], cb[24], eb[24], sb[24], mb[2] = { mode };
	long long created = stamp(now), expires = created;
	size_t klen, nlen, clen, elen;
	struct args a = { 0 };
	struct lg_store_shown shown;
	redisReply *r;
	long long count = 0;
	int i, rc = -1;

	meta = lg_store_shown(meta, &shown);
	if (rd_full_key(rd, key, k, &klen) < 0)
		return -1;
	if (ttl > 0)
		expires = stamp(created + (ttl > UINT32_MAX ? UINT32_MAX : ttl));
	nlen = (size_t)snprintf(nb, sizeof(nb), "%lld", n);
	clen = (size_t)snprintf(cb, sizeof(cb), "%lld", created);
	elen = (size_t)snprintf(eb, sizeof(eb), "%lld", expires);
	arg(&a, "EVALSHA", 7);
	arg(&a, "", 0);			/* the SHA, filled in by rd_exec */
	arg(&a, "1", 1);
	arg(&a, k, klen);
	arg(&a, mb, 1);			/* ARGV[1..4] */
	arg(&a, cb, clen);
	arg(&a, eb, elen);
	arg(&a, nb, nlen);
	if (plugin && *plugin) {	/* ARGV[5..]: what is given */
		arg(&a, "plugin", 6);
		arg(&a, plugin, strnlen(plugin, LG_STORE_PLUGIN_MAX));
	}
	if (meta && meta->size >= 0) {
		arg(&a, "size", 4);
		arg(&a, sb, (size_t)snprintf(sb, sizeof(sb), "%lld",
					     meta->size));
	}
	if (meta) {
		given[0] = meta->from;
		given[1] = meta->to;
		given[2] = meta->client;
		given[3] = meta->status;
	}
	for (i = 0; i < 4; i++)
		if (given[i]) {
			arg(&a, given_names[i], strlen(given_names[i]));
			arg(&a, given[i], strnlen(given[i],
						  LG_STORE_FIELD_MAX));
		}
	if ((r = rd_exec(rd, now, key, a.n, a.v, a.len, 1)) == NULL)
		return rd_fallback(rd, mode, key, n, ttl, now, plugin, meta,
				   count_r);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER) {
		rc = mode == 'a' ? (int)r->element[0]->integer : 0;
		if (r->element[1]->type == REDIS_REPLY_STRING)
			count = strtoll(r->element[1]->str, NULL, 10);
		else
			count = r->element[1]->integer;
		if (count_r)
			*count_r = count;
		/* Watch clients: only what this write says (a write with
		 * no status leaves one unknown: nothing is posted). */
		if (meta && (mode != 'a' || rc == 1))
			lg_events_entry(mode == 'a' || (mode == 'i' &&
					count == n) ? LG_EV_ENTRY_ADDED :
					LG_EV_ENTRY_CHANGED, key, plugin,
					meta->status);
	} else {
		rd_oddity(rd, now, key, "the write script gave an odd answer");
	}
	freeReplyObject(r);
	return rc < 0 ? rd_fallback(rd, mode, key, n, ttl, now, plugin, meta,
				    count_r) : rc;
}

/* rd_incr - add BY; a new entry gets expiry now+ttl, a live one keeps it */
static int rd_incr(void *be, const char *key, long long by, long long ttl,
		   time_t now, const char *plugin,
		   const struct lg_store_meta *meta, long long *count_r)
{
	return rd_write(be, 'i', key, by, ttl, now, plugin, meta, count_r);
}

/* rd_add - create with count 1 unless a live entry exists: 1 or 0 */
static int rd_add(void *be, const char *key, long long ttl, time_t now,
		  const char *plugin, const struct lg_store_meta *meta)
{
	return rd_write(be, 'a', key, 1, ttl, now, plugin, meta, NULL);
}

/* rd_set - create or overwrite count and expiry */
static int rd_set(void *be, const char *key, long long count, long long ttl,
		  time_t now, const char *plugin,
		  const struct lg_store_meta *meta)
{
	return rd_write(be, 's', key, count, ttl, now, plugin, meta, NULL);
}

/* The whole record at once: ARGV[1] is expires, then field pairs. */
static const char put_script[] =
	"redis.call('DEL', KEYS[1])\n"
	"redis.call('HSET', KEYS[1], unpack(ARGV, 2))\n"
	"redis.call('EXPIREAT', KEYS[1], ARGV[1])\n"
	"return 1\n";

/* rd_put - set a whole record on the server (state import); no fallback:
 * a record that did not reach the server is a failure */
static int rd_put(void *be, const struct lg_store_record *rec, time_t now)
{
	static const char *const names[9] = { "count", "size", "created",
		"expires", "plugin", "from", "to", "client", "status" };
	struct rd_store *rd = be;
	char k[RD_KEY_BUF], num[4][24];
	const char *text[5] = { rec->plugin, rec->from, rec->to, rec->client,
				rec->status };
	long long v[4] = { rec->count, rec->size, stamp(rec->created),
			   stamp(rec->expires) };
	char cut[4][LG_STORE_SHOW_MAX + 1];
	struct args a = { 0 };
	size_t klen;
	redisReply *r;
	int i;

	for (i = 1; i < 5; i++)
		text[i] = lg_store_cut(text[i], cut[i - 1]);
	if (rec->key == NULL || *rec->key == 0 ||
	    rd_full_key(rd, rec->key, k, &klen) < 0 || v[3] <= (long long)now)
		return -1;
	arg(&a, "EVAL", 4);
	arg(&a, put_script, sizeof(put_script) - 1);
	arg(&a, "1", 1);
	arg(&a, k, klen);
	for (i = 0; i < 4; i++)
		snprintf(num[i], sizeof(num[i]), "%lld", v[i]);
	arg(&a, num[3], strlen(num[3]));
	for (i = 0; i < 9; i++) {
		arg(&a, names[i], strlen(names[i]));
		if (i < 4)
			arg(&a, num[i], strlen(num[i]));
		else
			arg(&a, text[i - 4] ? text[i - 4] : "",
			    text[i - 4] ? strnlen(text[i - 4], i == 4 ?
			    LG_STORE_PLUGIN_MAX : LG_STORE_FIELD_MAX) : 0);
	}
	if ((r = rd_exec(rd, now, rec->key, a.n, a.v, a.len, 0)) == NULL)
		return -1;
	freeReplyObject(r);
	lg_events_entry(LG_EV_ENTRY_ADDED, rec->key, rec->plugin, rec->status);
	return 0;
}

/* rd_tick - the local store's sweep; a reconnect try when one is due */
static void rd_tick(void *be, time_t now)
{
	struct rd_store *rd = be;
	const char *argv[1] = { "PING" };
	size_t len[1] = { 4 };
	redisReply *r;
	int due;

	if (rd->fallback.ops && rd->fallback.ops->tick)
		rd->fallback.ops->tick(rd->fallback.be, now);
	pthread_mutex_lock(&rd->health_lock);
	due = rd->down && !rd->probing && now >= rd->retry_at;
	pthread_mutex_unlock(&rd->health_lock);
	if (due && (r = rd_exec(rd, now, NULL, 1, argv, len, 0)) != NULL)
		freeReplyObject(r);
}

/* rd_free - everything but what rd_init made */
static void rd_free(struct rd_store *rd)
{
	rd_sentinel_free(rd);
	free(rd->server);
	free(rd->password);
	free(rd->prefix);
	free(rd);
}

/* rd_close - close the connections and the local store */
static void rd_close(void *be, time_t now)
{
	struct rd_store *rd = be;

	rd_fini(rd);
	if (rd->fallback.ops)
		lg_store_close(&rd->fallback, now);
	rd_free(rd);
}

/* server_label - the server for log lines: as configured, or "master
 * NAME" under Sentinel; NULL when out of memory */
static char *server_label(const struct lg_store_redis_opts *o)
{
	const char *name = o->master_name ? o->master_name : "";
	char *s;

	if (o->nsentinels <= 0)
		return strdup(o->server);
	if ((s = malloc(strlen(name) + 8)) != NULL)
		sprintf(s, "master %s", name);
	return s;
}

/* lg_store_redis_open - a Redis store; an unreachable server is no error */
int lg_store_redis_open(const struct lg_store_redis_opts *opts,
			const struct lg_store_memory_opts *fallback,
			time_t now, struct lg_store *store_r, char *err,
			size_t errsize)
{
	struct lg_store_memory_opts fo = { NULL, 0, 0, 0 };
	const char *prefix = opts->prefix && *opts->prefix ? opts->prefix :
		"lg:";
	struct rd_store *rd;
	char why[256];

	if (opts->nsentinels <= 0 &&
	    lg_store_redis_server(opts->server, &(struct lg_redis_server){0},
				  why, sizeof(why)) < 0) {
		snprintf(err, errsize, "state: redis server \"%s\": %s",
			 opts->server ? opts->server : "", why);
		return -1;
	}
	if (opts->db < 0 || strlen(prefix) > RD_PREFIX_MAX) {
		snprintf(err, errsize, "state: redis: bad db or prefix");
		return -1;
	}
	if ((rd = calloc(1, sizeof(*rd))) == NULL ||
	    (rd->server = server_label(opts)) == NULL ||
	    (rd->prefix = strdup(prefix)) == NULL ||
	    (opts->password && *opts->password &&
	     (rd->password = strdup(opts->password)) == NULL)) {
		if (rd)
			rd_free(rd);
		snprintf(err, errsize, "state: out of memory");
		return -1;
	}
	if (rd_sentinel_init(rd, opts, err, errsize) < 0) {
		rd_free(rd);
		return -1;
	}
	if (opts->nsentinels <= 0)
		lg_store_redis_server(opts->server, &rd->srv, NULL, 0);
	rd->plen = strlen(rd->prefix);
	rd->db = opts->db;
	rd->tempfail = opts->tempfail;
	rd->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms :
		RD_DEFAULT_TIMEOUT;
	rd->pool_max = opts->pool_max > 0 ? opts->pool_max : 64;
	rd->backoff_min = opts->backoff_min > 0 ? opts->backoff_min : 1;
	rd->backoff_max = opts->backoff_max > 0 ? opts->backoff_max : 30;
	if (rd->backoff_max < rd->backoff_min)
		rd->backoff_max = rd->backoff_min;
	if (rd_init(rd) < 0) {
		rd_free(rd);
		snprintf(err, errsize, "state: cannot make locks");
		return -1;
	}
	if (!rd->tempfail) {
		fo.max_entries = fallback ? fallback->max_entries : 0;
		fo.max_bytes = fallback ? fallback->max_bytes : 0;
		if (lg_store_memory_open(&fo, now, &rd->fallback, err,
					 errsize) < 0) {
			rd_fini(rd);
			rd_free(rd);
			return -1;
		}
	}
	if (rd_open_check(rd, now, err, errsize) < 0) {
		rd_close(rd, now);
		return -1;
	}
	store_r->ops = &rd_ops;
	store_r->be = rd;
	return 0;
}

static const struct lg_store_ops rd_ops = {
	.incr = rd_incr,
	.add = rd_add,
	.get = rd_get,
	.set = rd_set,
	.del = rd_del,
	.scan = rd_scan,
	.stats = rd_stats,
	.put = rd_put,
	.health = rd_health,
	.tick = rd_tick,
	.close = rd_close,
};
