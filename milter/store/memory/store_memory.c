/*
 * NAME
 *	store_memory.c - sharded in-memory store with expiry and snapshot
 * SYNOPSIS
 *	See store_memory.h.
 * DESCRIPTION
 *	The lg_store_ops of the memory backend, its opening and closing,
 *	and its snapshot: loaded at open, written by tick() and close().
 *	The entries are in store_entry.c, the table, walks and eviction in
 *	store_shard.c.
 *
 *	Lock order: tick_lock, evict_lock, one shard lock at a time;
 *	plugin_lock is taken alone. Scan copies a shard's matches out before
 *	calling back, so a callback may use the store.
 * DIAGNOSTICS
 *	"store: out of memory for KEY", "store: out of memory while listing".
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "events.h"
#include "log.h"

/* Store library. */
#include "store.h"
#include "snapshot.h"
#include "store_memory.h"
#include "store_shard.h"

#define MEM_SWEEP_EVERY	10		/* seconds between expiry sweeps */

enum mem_mode { MEM_INCR, MEM_ADD, MEM_SET };

static const struct lg_store_ops mem_ops;

/* mem_growth - heap an entry of these strings adds to a locked shard,
 * replacing e (NULL: a new entry, perhaps doubling the buckets) */
static size_t mem_growth(const struct mem_shard *sh,
			 const struct mem_entry *e, const size_t len[5])
{
	size_t n = offsetof(struct mem_entry, tail), old;
	int i;

	for (i = 0; i < 5; i++)
		n += len[i] + 1;
	n = heap_bytes(n);
	if (e) {
		old = lg_mem_entry_bytes(e);
		return n > old ? n - old : 0;
	}
	if (sh->count + 1 > sh->nbuckets)
		n += heap_bytes(2 * sh->nbuckets * sizeof(*sh->buckets)) -
			heap_bytes(sh->nbuckets * sizeof(*sh->buckets));
	return n;
}

/* mem_post - tell watch clients about E (shard locked); hidden
 * entries and unwatched stores cost one atomic load */
static void mem_post(struct mem_store *ms, const struct mem_entry *e,
		     enum lg_event_kind kind)
{
	const char *f[5];
	size_t len[5];

	if (!lg_events_wanted())
		return;
	lg_mem_entry_fields(e, f, len);
	lg_events_entry(kind, f[0], e->plugin ? ms->plugins[e->plugin] : "",
			f[4]);
}

/* mem_write - the one path behind incr, add and set */
static int mem_write(struct mem_store *ms, enum mem_mode mode,
		     const char *key, long long n, long long ttl, time_t now,
		     const char *plugin, const struct lg_store_meta *meta,
		     long long *count_r)
{
	struct mem_entry **link, *e, *fresh;
	struct mem_shard *sh;
	struct lg_store_shown shown;
	const char *f[5] = { key };
	size_t len[5], grow;
	unsigned pi = lg_mem_plugin_index(ms, plugin);
	uint64_t h;
	int created, differ, tried = 0;

	meta = lg_store_shown(meta, &shown);
	if (lg_mem_key_hash(key, &h, &len[0]) < 0)
		return -1;
	sh = shard_of(ms, h);
	pthread_mutex_lock(&sh->lock);
again:
	link = lg_mem_shard_find(ms, sh, (uint32_t)h, key, now);
	e = *link;
	created = e == NULL;
	if (e && mode == MEM_ADD) {
		pthread_mutex_unlock(&sh->lock);
		return 0;
	}
	f[0] = key;
	differ = lg_mem_entry_strings(e, meta, f, len);
	grow = differ ? mem_growth(sh, e, len) : 0;
	if (grow && !tried && lg_mem_full(ms, created, grow)) {
		tried = 1;		/* evict once, then write anyway */
		pthread_mutex_unlock(&sh->lock);
		lg_mem_make_room(ms, now, grow);
		pthread_mutex_lock(&sh->lock);
		goto again;
	}
	if (differ) {
		if ((fresh = lg_mem_entry_build(f, len)) == NULL) {
			pthread_mutex_unlock(&sh->lock);
			lg_log(LG_LOG_ERROR, "store: out of memory for %s", key);
			return -1;
		}
		if (e) {
			memcpy(fresh, e, offsetof(struct mem_entry, tail));
			fresh->group = lg_mem_entry_group(fresh);
			*link = fresh;
			lg_mem_shard_account(ms, sh, lg_mem_entry_bytes(fresh),
					     lg_mem_entry_bytes(e));
			free(e);
		} else {
			fresh->count = n;
			fresh->size = 0;
			fresh->created = stamp(now);
			fresh->expires = expiry(now, ttl);
			fresh->hash = (uint32_t)h;
			fresh->group = lg_mem_entry_group(fresh);
			fresh->plugin = 0;
			lg_mem_shard_insert(ms, sh, link, fresh);
		}
		e = fresh;
	}
	if (!created && mode == MEM_INCR) {
		if (__builtin_add_overflow(e->count, n, &e->count))
			e->count = n < 0 ? INT64_MIN : INT64_MAX;
	} else if (!created) {
		e->count = n;
		e->expires = expiry(now, ttl);
	}
	if (meta && meta->size >= 0)
		e->size = meta->size;
	if (pi)
		e->plugin = (uint16_t)pi;
	if (count_r)
		*count_r = e->count;
	mem_post(ms, e, created ? LG_EV_ENTRY_ADDED : LG_EV_ENTRY_CHANGED);
	pthread_mutex_unlock(&sh->lock);
	return created && mode == MEM_ADD;
}

/* mem_incr - add BY; a new entry gets expiry now+ttl, a live one keeps its */
static int mem_incr(void *be, const char *key, long long by, long long ttl,
		    time_t now, const char *plugin,
		    const struct lg_store_meta *meta, long long *count_r)
{
	return mem_write(be, MEM_INCR, key, by, ttl, now, plugin, meta,
			 count_r);
}

/* mem_add - create with count 1 unless a live entry exists: 1 or 0 */
static int mem_add(void *be, const char *key, long long ttl, time_t now,
		   const char *plugin, const struct lg_store_meta *meta)
{
	return mem_write(be, MEM_ADD, key, 1, ttl, now, plugin, meta, NULL);
}

/* mem_set - create or overwrite count and expiry */
static int mem_set(void *be, const char *key, long long count, long long ttl,
		   time_t now, const char *plugin,
		   const struct lg_store_meta *meta)
{
	return mem_write(be, MEM_SET, key, count, ttl, now, plugin, meta,
			 NULL);
}

/* mem_get - 1 and a copy if KEY is live, else 0 */
static int mem_get(void *be, const char *key, time_t now,
		   struct lg_store_value *val)
{
	struct mem_store *ms = be;
	struct mem_shard *sh;
	struct mem_entry *e;
	const char *f[5];
	size_t len[5];
	uint64_t h;

	if (lg_mem_key_hash(key, &h, &len[0]) < 0)
		return -1;
	sh = shard_of(ms, h);
	pthread_mutex_lock(&sh->lock);
	if ((e = *lg_mem_shard_find(ms, sh, (uint32_t)h, key, now)) != NULL) {
		lg_mem_entry_fields(e, f, len);
		if (len[4] >= sizeof(val->status))
			len[4] = sizeof(val->status) - 1;
		memcpy(val->status, f[4], len[4]);
		val->status[len[4]] = 0;
		val->count = e->count;
		val->created = (time_t)e->created;
		val->expires = (time_t)e->expires;
	}
	pthread_mutex_unlock(&sh->lock);
	return e != NULL;
}

/* mem_del - remove KEY if it is there */
static int mem_del(void *be, const char *key)
{
	struct mem_store *ms = be;
	struct mem_entry **link, *e;
	struct mem_shard *sh;
	size_t len;
	uint64_t h;

	if (lg_mem_key_hash(key, &h, &len) < 0)
		return -1;
	sh = shard_of(ms, h);
	pthread_mutex_lock(&sh->lock);
	link = lg_mem_shard_find(ms, sh, (uint32_t)h, key, 0);
	if ((e = *link) != NULL) {
		*link = e->next;
		mem_post(ms, e, LG_EV_ENTRY_REMOVED);
		lg_mem_shard_drop(ms, sh, e);
	}
	pthread_mutex_unlock(&sh->lock);
	return 0;
}

/* mem_scan - call fn for live entries under prefix, outside the locks */
static int mem_scan(void *be, const char *prefix, time_t now,
		    lg_store_scan_fn fn, void *arg)
{
	struct mem_walk wk = { .ms = be, .now = now };
	struct lg_store_record rec;
	struct mem_shard *sh;
	const struct mem_entry *e;
	size_t off;
	unsigned s;
	int stop = 0;

	wk.prefix = prefix ? prefix : "";
	wk.plen = strlen(wk.prefix);
	for (s = 0; s < MEM_SHARDS && !stop && !wk.nomem; s++) {
		sh = &wk.ms->shard[s];
		wk.len = 0;
		pthread_mutex_lock(&sh->lock);
		lg_mem_shard_walk(sh, lg_mem_walk_scan, &wk);
		pthread_mutex_unlock(&sh->lock);
		for (off = 0; off < wk.len && !stop && !wk.nomem;
		     off += (lg_mem_copy_size(e) + 7) & ~(size_t)7) {
			e = (const struct mem_entry *)(wk.copy + off);
			lg_mem_record_of(wk.ms, e, &rec);
			stop = fn(arg, &rec) != 0;
		}
	}
	free(wk.copy);
	if (wk.nomem)
		lg_log(LG_LOG_ERROR, "store: out of memory while listing");
	return wk.nomem ? -1 : 0;
}

/* mem_stats - entries, heap held (entries and buckets), evictions */
static void mem_stats(void *be, struct lg_store_stats *st)
{
	struct mem_store *ms = be;
	struct mem_shard *sh;
	unsigned s;

	memset(st, 0, sizeof(*st));
	for (s = 0; s < MEM_SHARDS; s++) {
		sh = &ms->shard[s];
		pthread_mutex_lock(&sh->lock);
		st->entries += sh->count;
		st->bytes += sh->bytes;
		pthread_mutex_unlock(&sh->lock);
	}
	st->evicted = atomic_load(&ms->evicted);
	st->health.backend = "memory";
	st->server_known = 1;
	st->server_entries = st->entries;
	st->server_bytes = st->bytes;
}

/* mem_health - always up: the store is in this process */
static void mem_health(void *be, struct lg_store_health *h)
{
	(void)be;
	memset(h, 0, sizeof(*h));
	h->backend = "memory";
}

/* mem_save - write every live entry; tick_lock held */
static int mem_save(struct mem_store *ms, time_t now)
{
	struct mem_walk wk = { .ms = ms, .now = now };

	if ((wk.w = lg_snapshot_begin(ms->snapshot, now)) == NULL)
		return -1;
	lg_mem_walk_each(&wk, lg_mem_walk_save, 0);
	return lg_snapshot_commit(wk.w, NULL);
}

/* lg_store_memory_save - write the snapshot now */
int lg_store_memory_save(struct lg_store *store, time_t now)
{
	struct mem_store *ms = store->be;
	int rc;

	if (store->ops != &mem_ops)
		return -1;
	if (ms->snapshot == NULL)
		return 0;
	pthread_mutex_lock(&ms->tick_lock);
	rc = mem_save(ms, now);
	ms->last_save = now;
	pthread_mutex_unlock(&ms->tick_lock);
	return rc;
}

/* mem_tick - snapshot when due, else sweep expired entries when due */
static void mem_tick(void *be, time_t now)
{
	struct mem_store *ms = be;
	struct mem_walk wk = { .ms = ms, .now = now };

	pthread_mutex_lock(&ms->tick_lock);
	if (ms->snapshot && ms->interval > 0 &&
	    now - ms->last_save >= ms->interval) {
		(void)mem_save(ms, now);
		ms->last_save = ms->last_sweep = now;
	} else if (now - ms->last_sweep >= MEM_SWEEP_EVERY) {
		lg_mem_walk_each(&wk, lg_mem_walk_expired, 0);
		ms->last_sweep = now;
	}
	pthread_mutex_unlock(&ms->tick_lock);
	pthread_mutex_lock(&ms->evict_lock);
	lg_mem_evict_log(ms, now, 0);
	pthread_mutex_unlock(&ms->evict_lock);
}

/* mem_free - free the store and everything in it */
static void mem_free(struct mem_store *ms)
{
	struct mem_walk wk = { .ms = ms };
	unsigned s;

	for (s = 0; s < MEM_SHARDS; s++) {
		if (ms->shard[s].buckets)
			lg_mem_shard_walk(&ms->shard[s], lg_mem_walk_all, &wk);
		free(ms->shard[s].buckets);
		pthread_mutex_destroy(&ms->shard[s].lock);
	}
	for (s = 1; s < atomic_load(&ms->nplugins); s++)
		free(ms->plugins[s]);
	pthread_mutex_destroy(&ms->tick_lock);
	pthread_mutex_destroy(&ms->evict_lock);
	pthread_mutex_destroy(&ms->plugin_lock);
	free(ms->snapshot);
	free(ms);
}

/* mem_close - final snapshot, then free */
static void mem_close(void *be, time_t now)
{
	struct mem_store *ms = be;

	if (ms->snapshot)
		(void)mem_save(ms, now);
	lg_mem_evict_log(ms, now, 1);
	mem_free(ms);
}

struct mem_load {
	struct mem_store *ms;
	time_t now;
	const char *plugin;		/* the last name seen, and its index */
	unsigned index;
};

/* load_reserve - size the bucket arrays for what the snapshot holds */
static void load_reserve(void *arg, size_t entries)
{
	struct mem_load *ld = arg;
	size_t n = MEM_BUCKETS_MIN;
	unsigned s;

	while (n < entries / MEM_SHARDS + 1)
		n <<= 1;
	for (s = 0; s < MEM_SHARDS; s++)
		if (ld->ms->shard[s].nbuckets < n)
			lg_mem_shard_resize(ld->ms, &ld->ms->shard[s], n);
}

/* load_entry - put one entry from the snapshot into the store */
static int load_entry(void *arg, const struct lg_store_record *rec)
{
	struct mem_load *ld = arg;
	const char *f[5] = { rec->key, rec->from, rec->to, rec->client,
			     rec->status };
	char cut[4][LG_STORE_SHOW_MAX + 1];
	struct mem_entry **link, *e, *old;
	struct mem_shard *sh;
	size_t len[5];
	uint64_t h;
	int i;

	if (lg_mem_key_hash(rec->key, &h, &len[0]) < 0)
		return 0;
	for (i = 1; i < 5; i++) {
		f[i] = lg_store_cut(f[i] ? f[i] : "", cut[i - 1]);
		len[i] = strnlen(f[i], LG_STORE_FIELD_MAX);
	}
	if ((e = lg_mem_entry_build(f, len)) == NULL)
		return -1;
	if (rec->plugin != ld->plugin) {
		ld->plugin = rec->plugin;
		ld->index = lg_mem_plugin_index(ld->ms, rec->plugin);
	}
	e->count = rec->count;
	e->size = rec->size;
	e->created = stamp(rec->created);
	e->expires = stamp(rec->expires);
	e->hash = (uint32_t)h;
	e->group = lg_mem_entry_group(e);
	e->plugin = (uint16_t)ld->index;
	sh = shard_of(ld->ms, h);
	pthread_mutex_lock(&sh->lock);
	link = lg_mem_shard_find(ld->ms, sh, e->hash, rec->key, ld->now);
	if ((old = *link) != NULL) {
		*link = old->next;
		lg_mem_shard_drop(ld->ms, sh, old);
	}
	lg_mem_shard_insert(ld->ms, sh, link, e);
	mem_post(ld->ms, e, old ? LG_EV_ENTRY_CHANGED : LG_EV_ENTRY_ADDED);
	pthread_mutex_unlock(&sh->lock);
	return 0;
}

/* mem_put - set a whole record (state import); expired ones refused */
static int mem_put(void *be, const struct lg_store_record *rec, time_t now)
{
	struct mem_store *ms = be;
	struct mem_load ld = { ms, now, NULL, 0 };
	struct lg_store_record r = *rec;
	size_t len, need;
	uint64_t h;

	if (rec->key == NULL || *rec->key == 0 ||
	    lg_mem_key_hash(rec->key, &h, &len) < 0 ||
	    (long long)rec->expires <= (long long)now ||
	    stamp(rec->expires) <= (long long)now)
		return -1;
	r.plugin = r.plugin ? r.plugin : "";
	r.from = r.from ? r.from : "";
	r.to = r.to ? r.to : "";
	r.client = r.client ? r.client : "";
	r.status = r.status ? r.status : "";
	rec = &r;
	need = heap_bytes(offsetof(struct mem_entry, tail) + len + 1 +
			  4 * (LG_STORE_SHOW_MAX + 1));	/* at most */
	if (lg_mem_full(ms, 1, need))
		lg_mem_make_room(ms, now, need);
	return load_entry(&ld, rec) == 0 ? 0 : -1;
}

/* load_discard - forget what a bad snapshot gave */
static void load_discard(void *arg)
{
	struct mem_load *ld = arg;
	struct mem_walk wk = { .ms = ld->ms };

	lg_mem_walk_each(&wk, lg_mem_walk_all, 0);
}

/* lg_store_memory_open - a new memory store, loaded from its snapshot */
int lg_store_memory_open(const struct lg_store_memory_opts *opts, time_t now,
			 struct lg_store *store_r, char *err, size_t errsize)
{
	struct lg_snapshot_loader loader = { NULL, load_reserve, load_entry,
					     load_discard };
	struct lg_snapshot_result res;
	struct mem_load ld = { NULL, now, NULL, 0 };
	struct mem_store *ms;
	void *p;
	int s, bad = 0;

	if (posix_memalign(&p, 64, sizeof(*ms)) != 0) {
		snprintf(err, errsize, "store: out of memory");
		return -1;
	}
	ms = memset(p, 0, sizeof(*ms));
	for (s = 0; s < MEM_SHARDS; s++) {
		pthread_mutex_init(&ms->shard[s].lock, NULL);
		ms->shard[s].nbuckets = MEM_BUCKETS_MIN;
		ms->shard[s].buckets = calloc(MEM_BUCKETS_MIN, sizeof(void *));
		ms->shard[s].bytes = heap_bytes(MEM_BUCKETS_MIN * sizeof(void *));
		bad |= ms->shard[s].buckets == NULL;
	}
	pthread_mutex_init(&ms->tick_lock, NULL);
	pthread_mutex_init(&ms->evict_lock, NULL);
	pthread_mutex_init(&ms->plugin_lock, NULL);
	atomic_init(&ms->total, 0);
	atomic_init(&ms->bytes, MEM_SHARDS *
		    heap_bytes(MEM_BUCKETS_MIN * sizeof(void *)));
	atomic_init(&ms->evicted, 0);
	atomic_init(&ms->nplugins, 1);
	if (opts && opts->snapshot && *opts->snapshot &&
	    (ms->snapshot = strdup(opts->snapshot)) == NULL)
		bad = 1;
	if (bad) {
		mem_free(ms);
		snprintf(err, errsize, "store: out of memory");
		return -1;
	}
	ms->max_entries = opts ? opts->max_entries : 0;
	ms->max_bytes = opts ? opts->max_bytes : 0;
	/* by default 256 bytes an entry, at least what max_bytes may be set
	 * to: the empty table alone holds 9K */
	if (ms->max_bytes == 0 && ms->max_entries &&
	    ms->max_entries <= SIZE_MAX / MEM_ENTRY_BUDGET)
		ms->max_bytes = ms->max_entries * MEM_ENTRY_BUDGET <
			MEM_BYTES_MIN ? MEM_BYTES_MIN :
			ms->max_entries * MEM_ENTRY_BUDGET;
	ms->interval = opts ? opts->snapshot_interval : 0;
	ms->last_save = ms->last_sweep = now;
	if (ms->snapshot) {
		ld.ms = ms;
		loader.arg = &ld;
		(void)lg_snapshot_load(ms->snapshot, now, &loader, &res);
		if (lg_mem_full(ms, 0, 0))
			lg_mem_make_room(ms, now, 0);
	}
	store_r->ops = &mem_ops;
	store_r->be = ms;
	return 0;
}

static const struct lg_store_ops mem_ops = {
	.incr = mem_incr,
	.add = mem_add,
	.get = mem_get,
	.set = mem_set,
	.del = mem_del,
	.scan = mem_scan,
	.stats = mem_stats,
	.put = mem_put,
	.health = mem_health,
	.tick = mem_tick,
	.close = mem_close,
};
