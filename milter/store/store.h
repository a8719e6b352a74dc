/*
 * NAME
 *	store.h - the state store: counters with expiry, shared by plugins
 * DESCRIPTION
 *	One interface, two backends: "memory" and "redis".
 *	Keys are strings; each entry also carries what the status view
 *	(loopguardctl list) shows. Every call takes "now" from the caller,
 *	so tests move a fake clock instead of sleeping. All functions are
 *	thread safe. Return values: 0 (or 1/0 where documented), -1 on a
 *	backend failure.
 */
#ifndef LG_STORE_H
#define LG_STORE_H

#include <stddef.h>
#include <time.h>

#include <loopguard/plugin.h>

/* A full copy of one entry, as listed by scan. */
struct lg_store_record {
	const char *key;
	const char *plugin;
	const char *from;
	const char *to;
	const char *client;
	const char *status;
	long long count;
	long long size;
	time_t created;
	time_t expires;
};

/* What a backend is and whether it is well; cheap (no round trip). */
#define LG_STORE_SERVER_MAX	280
struct lg_store_health {
	const char *backend;		/* "memory", "redis" */
	char server[LG_STORE_SERVER_MAX]; /* the address in use; "" if none */
	int down;			/* the server cannot be reached */
	time_t down_since;		/* when it went down (0: up) */
	int fallback;			/* answers come from the local store */
};

struct lg_store_stats {
	size_t entries;
	size_t bytes;		/* memory held by entries */
	size_t evicted;		/* dropped by max_entries since start */
	/* Appended: the backend and its health, and the counts of each
	 * store separately (redis: the server's, when it answered, and
	 * the local fallback's; memory: only "server" is unset). */
	struct lg_store_health health;
	int server_known;	/* server_entries/bytes were counted now */
	size_t server_entries;	/* keys under the prefix on the server */
	size_t server_bytes;	/* the server's used_memory */
	int has_local;		/* there is a local fallback store */
	size_t local_entries;
	size_t local_bytes;
};

/* Display fields (from, to, client, status) are kept at most this many
 * bytes; a longer one is cut on a UTF-8 boundary and ends in "...". */
#define LG_STORE_SHOW_MAX	128

/* Room for a meta whose display fields were cut (lg_store_shown). */
struct lg_store_shown {
	struct lg_store_meta meta;
	char text[4][LG_STORE_SHOW_MAX + 1];
};

/* lg_store_cut - TEXT as a store keeps it: itself when short enough,
 * else its first bytes and "..." in buf */
const char *lg_store_cut(const char *text, char buf[LG_STORE_SHOW_MAX + 1]);
/* lg_store_shown - META with every display field as a store keeps it
 * (pointing into buf where cut); NULL for NULL */
const struct lg_store_meta *lg_store_shown(const struct lg_store_meta *meta,
					   struct lg_store_shown *buf);

typedef int (*lg_store_scan_fn)(void *arg, const struct lg_store_record *rec);

struct lg_store_ops {
	int (*incr)(void *be, const char *key, long long by, long long ttl,
		    time_t now, const char *plugin,
		    const struct lg_store_meta *meta, long long *count_r);
	int (*add)(void *be, const char *key, long long ttl, time_t now,
		   const char *plugin, const struct lg_store_meta *meta);
	int (*get)(void *be, const char *key, time_t now,
		   struct lg_store_value *val_r);
	int (*set)(void *be, const char *key, long long count, long long ttl,
		   time_t now, const char *plugin,
		   const struct lg_store_meta *meta);
	int (*del)(void *be, const char *key);
	/* Call fn for every live entry whose key starts with prefix ("" =
	 * all); stop early when fn returns non-zero. */
	int (*scan)(void *be, const char *prefix, time_t now,
		    lg_store_scan_fn fn, void *arg);
	void (*stats)(void *be, struct lg_store_stats *stats_r);
	/* Set a whole record as it is (count, size, created, expires,
	 * plugin and text fields), replacing a live entry: state import.
	 * 0, or -1; an empty key or an expires not after now is
	 * refused (-1). Redis: the record goes to the server or fails,
	 * never to the local fallback. */
	int (*put)(void *be, const struct lg_store_record *rec, time_t now);
	/* What the backend is and its health, without a round trip. */
	void (*health)(void *be, struct lg_store_health *h_r);
	/* Periodic work (expiry sweep, snapshot); may be NULL. */
	void (*tick)(void *be, time_t now);
	/* Final snapshot, then free. */
	void (*close)(void *be, time_t now);
};

struct lg_store {
	const struct lg_store_ops *ops;
	void *be;
};

/* Final snapshot and free; the store is zeroed. */
void lg_store_close(struct lg_store *store, time_t now);

#endif
