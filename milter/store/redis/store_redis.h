/*
 * NAME
 *	store_redis.h - the Redis store backend, shared by several MX hosts
 * SYNOPSIS
 *	#include "store_redis.h"
 *
 *	struct lg_store_redis_opts ro = { .server = "unix:/run/redis.sock",
 *					  .prefix = "lg:" };
 *	struct lg_store_memory_opts mo = { NULL, 0, 100000 };
 *	lg_store_redis_open(&ro, &mo, now, &store, err, sizeof(err));
 *
 *	struct lg_redis_server srv;
 *	lg_store_redis_server("10.0.0.5:6379", &srv, err, sizeof(err));
 *
 *	const char *sent[] = { "127.0.0.1:26379", "[::1]:26380" };
 *	struct lg_store_redis_opts so = { .sentinels = sent,
 *					  .nsentinels = 2,
 *					  .master_name = "mymaster" };
 * DESCRIPTION
 *	Each entry is one Redis hash at PREFIX+key with the fields count,
 *	created, expires, size, from, to, client, plugin and status, and a
 *	Redis expiry at "expires". incr, add and set run as one Lua script
 *	(EVALSHA), so every write is atomic on the server and two hosts
 *	counting the same key see each other's counts. Liveness is judged
 *	by the caller's "now" against the expires field, exactly as in the
 *	memory backend; the Redis expiry only reclaims the space.
 *
 *	put (state import) sets a whole hash and its expiry in one EVAL;
 *	it goes to the server or fails, never to the local store. health
 *	tells up or down since when, and whether the local store answers.
 *
 *	Connections come from a small pool (one per thread in use, up to
 *	pool_max); no lock is held across a round trip. timeout_ms is a
 *	deadline: for the connect, for the handshake after it, and for
 *	each command from its write to the end of its reply (a pipeline
 *	counts as one); replies are capped in size (store_redis_io.h).
 *
 *	When Redis cannot be reached, is too slow, or refuses to work, an
 *	operation answers from a local memory store instead (no snapshot;
 *	max_entries from the memory options), unless tempfail is set: then
 *	it returns -1. Reconnects are tried after backoff_min seconds,
 *	doubling up to backoff_max; meanwhile operations do not touch the
 *	network. The local store is not merged back when Redis returns.
 *
 *	lg_store_redis_server() is a pure parser for the server setting:
 *	"unix:/absolute/path", "HOST:PORT" or "[IPv6]:PORT".
 *
 *	With sentinels (each written like server) the server setting is
 *	not used: every new connection goes to the master that the
 *	sentinels name for master_name at that moment, confirmed with
 *	ROLE before it is used (store_redis_sentinel.c). A failure re-
 *	resolves it: the first try after one is immediate, later tries
 *	wait backoff_min each (no doubling), so a promoted replica is
 *	found within about backoff_min of the sentinels naming it.
 *
 *	Options left 0 or NULL take defaults: prefix "lg:", timeout_ms 200,
 *	pool_max 64, backoff_min 1, backoff_max 30. A hostname is resolved
 *	at each connect, outside the timeout: prefer addresses.
 * DIAGNOSTICS
 *	Open fails (with a message in err) for a bad server setting, or when
 *	the server answers but refuses the password or the database. An
 *	unreachable server is not an open failure: it is logged
 *	"state: redis SERVER unreachable (REASON); using the local memory
 *	store", at most once a minute while it lasts, and
 *	"state: redis SERVER is back" when it answers again. Under
 *	Sentinel, SERVER reads "master NAME", and "state: redis master
 *	NAME is HOST:PORT (via sentinel S)" is logged when it changes.
 */
#ifndef LG_STORE_REDIS_H
#define LG_STORE_REDIS_H

#include <stddef.h>
#include <time.h>

/* Store library. */
#include "store.h"

struct lg_store_memory_opts;

struct lg_store_redis_opts {
	const char *server;		/* "unix:/path" or "HOST:PORT" */
	const char *password;		/* NULL or "": no AUTH */
	int db;				/* 0..15 */
	const char *prefix;		/* NULL or "": "lg:" */
	long long timeout_ms;		/* connect and command; 0: 200 */
	int tempfail;			/* 1: fail (-1) instead of falling back */
	int pool_max;			/* connections; 0: 64 */
	long long backoff_min;		/* seconds; 0: 1 */
	long long backoff_max;		/* seconds; 0: 30 */
	/* Sentinel, instead of server (store_redis_sentinel.c) */
	const char *const *sentinels;	/* nsentinels "HOST:PORT"/"unix:" */
	int nsentinels;			/* 0: use server */
	const char *master_name;	/* required with sentinels */
	const char *sentinel_password;	/* NULL or "": no AUTH */
};

/* At most this many sentinels are asked. */
#define LG_REDIS_SENTINELS_MAX	8

/* A parsed server setting. */
struct lg_redis_server {
	int is_unix;
	char path[108];			/* is_unix */
	char host[256];			/* else: name or address, no brackets */
	int port;
};

int lg_store_redis_open(const struct lg_store_redis_opts *opts,
			const struct lg_store_memory_opts *fallback,
			time_t now, struct lg_store *store_r, char *err,
			size_t errsize);

/* lg_store_redis_server - 0, or -1 with the reason in err */
int lg_store_redis_server(const char *spec, struct lg_redis_server *srv,
			  char *err, size_t errsize);

#endif
