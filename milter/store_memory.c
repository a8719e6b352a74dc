/*
 * NAME
 *	store_memory.c - sharded in-memory store with expiry and snapshot
 * SYNOPSIS
 *	See store_memory.h.
 * DESCRIPTION
 *	An entry is one allocation: a 38-byte header, then the key, from,
 *	to, client and status strings back to back, each NUL-ended. Its
 *	plugin is an index into a small table of interned names. Chains
 *	hang off a power-of-two bucket array per shard, doubled when the
 *	shard holds more entries than buckets. With typical values (key 50,
 *	from/to 25, client 15, status 8 bytes) an entry is a 176-byte malloc
 *	chunk plus 8 to 16 bytes of bucket array.
 *
 *	Lock order: tick_lock, evict_lock, one shard lock at a time;
 *	plugin_lock is taken alone. Scan copies a shard's matches out before
 *	calling back, so a callback may use the store.
 *
 *	Eviction: the thread that finds the store full samples up to 128
 *	entries per shard, takes as cut-off the expiry below which about a
 *	batch (max_entries/128, at least one) falls, and sweeps every shard
 *	dropping expired entries and those before the cut-off. When every
 *	shard was sampled whole, the choice is exact.
 * DIAGNOSTICS
 *	"store: max_entries N reached, evicted M entries closest to expiry",
 *	at most once a minute.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "snapshot.h"
#include "store.h"
#include "store_memory.h"

#define MEM_SHARD_BITS	6
#define MEM_SHARDS	(1 << MEM_SHARD_BITS)
#define MEM_BUCKETS_MIN	16
#define MEM_PLUGINS	256
#define MEM_SAMPLE	128		/* per shard, when evicting */
#define MEM_SWEEP_EVERY	10		/* seconds between expiry sweeps */
#define MEM_LOG_EVERY	60		/* seconds between eviction lines */

enum mem_mode { MEM_INCR, MEM_ADD, MEM_SET };

struct mem_entry {
	struct mem_entry *next;
	int64_t count;
	int64_t size;
	uint32_t created;
	uint32_t expires;
	uint32_t hash;
	uint16_t plugin;
	char tail[];		/* key, from, to, client, status */
};

struct mem_shard {
	_Alignas(64) pthread_mutex_t lock;
	struct mem_entry **buckets;
	size_t nbuckets;
	size_t count;
	size_t bytes;		/* heap held by the entries */
	size_t cursor;		/* where the next eviction sample starts */
};

struct mem_store {
	struct mem_shard shard[MEM_SHARDS];
	atomic_size_t total;
	atomic_size_t evicted;
	size_t max_entries;
	char *snapshot;
	long long interval;
	pthread_mutex_t tick_lock;	/* save and sweep */
	time_t last_save;
	time_t last_sweep;
	pthread_mutex_t evict_lock;	/* eviction and its log line */
	unsigned evict_start;
	size_t evict_pending;		/* evicted, not logged yet */
	int evict_logged;
	time_t evict_log_time;
	uint32_t sample[MEM_SHARDS * MEM_SAMPLE];
	pthread_mutex_t plugin_lock;	/* adding a name */
	atomic_uint nplugins;		/* names[0] is "no plugin" */
	char *plugins[MEM_PLUGINS];
};

/* State of a walk over a shard: sweep, save, evict, scan. */
struct mem_walk {
	struct mem_store *ms;
	time_t now;
	struct lg_snapshot_writer *w;
	uint32_t cut;
	size_t need, freed, evicted;
	const char *prefix;
	size_t plen;
	char *copy;
	size_t len, cap;
	int nomem;
};

typedef int (*mem_walk_fn)(struct mem_walk *wk, struct mem_entry *e);

static const struct lg_store_ops mem_ops;

/* heap_bytes - what malloc really spends on a request (glibc, 64-bit) */
static size_t heap_bytes(size_t n)
{
	n = (n + 8 + 15) & ~(size_t)15;
	return n < 32 ? 32 : n;
}

/* stamp - a time as kept in an entry: unsigned seconds, clamped */
static uint32_t stamp(long long t)
{
	return t < 0 ? 0 : t > (long long)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* expiry - now + ttl as kept in an entry */
static uint32_t expiry(time_t now, long long ttl)
{
	if (ttl < 0)
		ttl = 0;
	if ((long long)now > (long long)UINT32_MAX || ttl > (long long)UINT32_MAX)
		return UINT32_MAX;
	return stamp((long long)now + ttl);
}

/* live - the entry has not expired at now */
static int live(const struct mem_entry *e, time_t now)
{
	return (long long)e->expires > (long long)now;
}

/* key_hash - FNV-1a of the key, mixed; -1 for a missing or long key */
static int key_hash(const char *key, uint64_t *h_r, size_t *len_r)
{
	const unsigned char *p = (const unsigned char *)key;
	uint64_t h = 0xcbf29ce484222325ULL;

	if (key == NULL)
		return -1;
	for (; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	*len_r = (size_t)(p - (const unsigned char *)key);
	if (*len_r > LG_STORE_KEY_MAX) {
		lg_log(LG_LOG_WARN, "store: key \"%.40s...\" refused: %zu bytes, "
		       "limit %d", key, *len_r, LG_STORE_KEY_MAX);
		return -1;
	}
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ULL;
	*h_r = h ^ (h >> 29);
	return 0;
}

/* entry_fields - the five strings of an entry; returns the tail length */
static size_t entry_fields(const struct mem_entry *e, const char *f[5],
			   size_t len[5])
{
	const char *p = e->tail;
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		len[i] = strlen(p);
		p += len[i] + 1;
	}
	return (size_t)(p - e->tail);
}

/* copy_size - bytes of an entry (or a copy of one): header and strings */
static size_t copy_size(const struct mem_entry *e)
{
	const char *f[5];
	size_t len[5];

	return offsetof(struct mem_entry, tail) + entry_fields(e, f, len);
}

/* entry_bytes - heap held by an entry */
static size_t entry_bytes(const struct mem_entry *e)
{
	return heap_bytes(copy_size(e));
}

/* entry_build - one allocation with room for the strings, which it copies */
static struct mem_entry *entry_build(const char *const f[5],
				     const size_t len[5])
{
	struct mem_entry *e;
	size_t tail = 0;
	char *p;
	int i;

	for (i = 0; i < 5; i++)
		tail += len[i] + 1;
	if ((e = malloc(offsetof(struct mem_entry, tail) + tail)) == NULL)
		return NULL;
	for (p = e->tail, i = 0; i < 5; p += len[i++] + 1) {
		memcpy(p, f[i], len[i]);
		p[len[i]] = 0;
	}
	return e;
}

/* entry_strings - what an entry is to hold: meta where given, else the
 * old strings (or ""); 1 if that differs from e (or e is NULL) */
static int entry_strings(const struct mem_entry *e,
			 const struct lg_store_meta *meta, const char *f[5],
			 size_t len[5])
{
	const char *given[5] = { NULL, NULL, NULL, NULL, NULL }, *key = f[0];
	size_t keylen = len[0], n;
	int i, differ = e == NULL;

	if (meta) {
		given[1] = meta->from;
		given[2] = meta->to;
		given[3] = meta->client;
		given[4] = meta->status;
	}
	if (e)
		entry_fields(e, f, len);
	for (i = 1; i < 5; i++) {
		if (e == NULL) {
			f[i] = "";
			len[i] = 0;
		}
		if (given[i] == NULL)
			continue;
		n = strnlen(given[i], LG_STORE_FIELD_MAX);
		if (n != len[i] || memcmp(given[i], f[i], n) != 0) {
			f[i] = given[i];
			len[i] = n;
			differ = 1;
		}
	}
	f[0] = key;
	len[0] = keylen;
	return differ;
}

/* plugin_index - the number that stands for a plugin name (0: none) */
static unsigned plugin_index(struct mem_store *ms, const char *name)
{
	size_t n;
	unsigned i, count;

	if (name == NULL || *name == 0)
		return 0;
	n = strnlen(name, LG_STORE_PLUGIN_MAX);
	count = atomic_load_explicit(&ms->nplugins, memory_order_acquire);
	for (i = 1; i < count; i++)
		if (strncmp(ms->plugins[i], name, n) == 0 &&
		    ms->plugins[i][n] == 0)
			return i;
	pthread_mutex_lock(&ms->plugin_lock);
	count = atomic_load_explicit(&ms->nplugins, memory_order_relaxed);
	for (i = 1; i < count; i++)
		if (strncmp(ms->plugins[i], name, n) == 0 &&
		    ms->plugins[i][n] == 0)
			break;
	if (i == count && (count == MEM_PLUGINS ||
			   (ms->plugins[i] = strndup(name, n)) == NULL))
		i = 0;
	else if (i == count)
		atomic_store_explicit(&ms->nplugins, count + 1,
				      memory_order_release);
	pthread_mutex_unlock(&ms->plugin_lock);
	return i;
}

/* record_of - an entry as a record; strings point into the entry */
static void record_of(struct mem_store *ms, const struct mem_entry *e,
		      struct lg_store_record *rec)
{
	const char *f[5];
	size_t len[5];

	entry_fields(e, f, len);
	rec->key = f[0];
	rec->plugin = e->plugin ? ms->plugins[e->plugin] : "";
	rec->from = f[1];
	rec->to = f[2];
	rec->client = f[3];
	rec->status = f[4];
	rec->count = e->count;
	rec->size = e->size;
	rec->created = (time_t)e->created;
	rec->expires = (time_t)e->expires;
}

/* shard_of - the shard a key hash belongs to */
static struct mem_shard *shard_of(struct mem_store *ms, uint64_t h)
{
	return &ms->shard[h >> (64 - MEM_SHARD_BITS)];
}

/* shard_drop - free an entry already unlinked from a locked shard */
static void shard_drop(struct mem_store *ms, struct mem_shard *sh,
		       struct mem_entry *e)
{
	sh->count--;
	sh->bytes -= entry_bytes(e);
	atomic_fetch_sub_explicit(&ms->total, 1, memory_order_relaxed);
	free(e);
}

/* shard_resize - rehash into n buckets (a power of two); keep on failure */
static void shard_resize(struct mem_shard *sh, size_t n)
{
	struct mem_entry **nb = calloc(n, sizeof(*nb)), *e, *next;
	size_t i;

	if (nb == NULL)
		return;
	for (i = 0; i < sh->nbuckets; i++)
		for (e = sh->buckets[i]; e; e = next) {
			next = e->next;
			e->next = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	free(sh->buckets);
	sh->buckets = nb;
	sh->nbuckets = n;
}

/* shard_shrink - give back bucket space after many entries went away */
static void shard_shrink(struct mem_shard *sh)
{
	size_t n = MEM_BUCKETS_MIN;

	if (sh->nbuckets <= MEM_BUCKETS_MIN || sh->count >= sh->nbuckets / 4)
		return;
	while (n < sh->count * 2)
		n <<= 1;
	shard_resize(sh, n);
}

/* shard_insert - hang an entry at link in a locked shard */
static void shard_insert(struct mem_store *ms, struct mem_shard *sh,
			 struct mem_entry **link, struct mem_entry *e)
{
	e->next = *link;
	*link = e;
	sh->count++;
	sh->bytes += entry_bytes(e);
	atomic_fetch_add_explicit(&ms->total, 1, memory_order_relaxed);
	if (sh->count > sh->nbuckets)
		shard_resize(sh, sh->nbuckets * 2);
}

/* shard_find - where KEY's live entry hangs (*link NULL: absent), freeing
 * expired entries on the way */
static struct mem_entry **shard_find(struct mem_store *ms,
				     struct mem_shard *sh, uint32_t h,
				     const char *key, time_t now)
{
	struct mem_entry **link = &sh->buckets[h & (sh->nbuckets - 1)], *e;

	while ((e = *link) != NULL) {
		if (!live(e, now)) {
			*link = e->next;
			shard_drop(ms, sh, e);
		} else if (e->hash == h && strcmp(e->tail, key) == 0) {
			break;
		} else {
			link = &e->next;
		}
	}
	return link;
}

/* shard_walk - visit every entry of a locked shard; fn returns 1 to drop */
static void shard_walk(struct mem_shard *sh, mem_walk_fn fn,
		       struct mem_walk *wk)
{
	struct mem_entry **link, *e;
	size_t i;

	for (i = 0; i < sh->nbuckets; i++) {
		link = &sh->buckets[i];
		while ((e = *link) != NULL) {
			if (fn(wk, e)) {
				*link = e->next;
				shard_drop(wk->ms, sh, e);
			} else {
				link = &e->next;
			}
		}
	}
}

/* walk_each - run fn over every shard, each under its lock */
static void walk_each(struct mem_walk *wk, mem_walk_fn fn, unsigned start)
{
	struct mem_shard *sh;
	unsigned s;

	for (s = 0; s < MEM_SHARDS; s++) {
		sh = &wk->ms->shard[(start + s) % MEM_SHARDS];
		pthread_mutex_lock(&sh->lock);
		shard_walk(sh, fn, wk);
		shard_shrink(sh);
		pthread_mutex_unlock(&sh->lock);
		if (wk->w)
			lg_snapshot_flush(wk->w);
	}
}

/* walk_all - drop everything */
static int walk_all(struct mem_walk *wk, struct mem_entry *e)
{
	(void)wk;
	(void)e;
	return 1;
}

/* walk_expired - drop what expired */
static int walk_expired(struct mem_walk *wk, struct mem_entry *e)
{
	return !live(e, wk->now);
}

/* walk_save - queue live entries for the snapshot, drop expired ones */
static int walk_save(struct mem_walk *wk, struct mem_entry *e)
{
	struct lg_store_record rec;

	if (!live(e, wk->now))
		return 1;
	record_of(wk->ms, e, &rec);
	lg_snapshot_put(wk->w, &rec);
	return 0;
}

/* walk_evict - drop expired entries and those before the cut-off */
static int walk_evict(struct mem_walk *wk, struct mem_entry *e)
{
	if (!live(e, wk->now)) {
		wk->freed++;
		return 1;
	}
	if (e->expires < wk->cut ||
	    (e->expires == wk->cut && wk->freed < wk->need)) {
		wk->freed++;
		wk->evicted++;
		return 1;
	}
	return 0;
}

/* walk_scan - copy live entries under the prefix, drop expired ones */
static int walk_scan(struct mem_walk *wk, struct mem_entry *e)
{
	size_t n, step;
	char *grown;

	if (!live(e, wk->now))
		return 1;
	if (wk->nomem || strncmp(e->tail, wk->prefix, wk->plen) != 0)
		return 0;
	n = copy_size(e);
	step = (n + 7) & ~(size_t)7;
	if (wk->len + step > wk->cap) {
		wk->cap = wk->cap ? wk->cap * 2 : 65536;
		while (wk->cap < wk->len + step)
			wk->cap *= 2;
		if ((grown = realloc(wk->copy, wk->cap)) == NULL) {
			wk->nomem = 1;
			return 0;
		}
		wk->copy = grown;
	}
	memcpy(wk->copy + wk->len, e, n);
	wk->len += step;
	return 0;
}

/* evict_log - tell the operator what eviction did, at most once a minute;
 * evict_lock held */
static void evict_log(struct mem_store *ms, time_t now, int force)
{
	if (ms->evict_pending == 0 || (!force && ms->evict_logged &&
				       now - ms->evict_log_time < MEM_LOG_EVERY))
		return;
	lg_log(LG_LOG_WARN, "store: max_entries %zu reached, evicted %zu "
	       "entries closest to expiry", ms->max_entries, ms->evict_pending);
	ms->evict_pending = 0;
	ms->evict_logged = 1;
	ms->evict_log_time = now;
}

/* shard_sample - expiries of up to MEM_SAMPLE live entries of a locked
 * shard, freeing expired ones seen; clears *whole_r if some were left */
static void shard_sample(struct mem_walk *wk, struct mem_shard *sh,
			 size_t *n_r, int *whole_r)
{
	struct mem_entry **link, *e;
	size_t i, got = 0, mask = sh->nbuckets - 1;

	for (i = 0; i < sh->nbuckets && got < MEM_SAMPLE; i++) {
		link = &sh->buckets[(sh->cursor + i) & mask];
		while ((e = *link) != NULL) {
			if (!live(e, wk->now)) {
				*link = e->next;
				shard_drop(wk->ms, sh, e);
				wk->freed++;
			} else if (got == MEM_SAMPLE) {
				break;
			} else {
				wk->ms->sample[(*n_r)++] = e->expires;
				got++;
				link = &e->next;
			}
		}
	}
	if (i < sh->nbuckets || got == MEM_SAMPLE)
		*whole_r = 0;
	sh->cursor = (sh->cursor + i) & mask;
}

/* cmp_u32 - qsort order for expiries */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* mem_make_room - drop expired entries, then those closest to expiry, so
 * a batch of new entries fits; one thread at a time, holding no shard */
static void mem_make_room(struct mem_store *ms, time_t now)
{
	struct mem_walk wk = { .ms = ms, .now = now };
	size_t total, left, n = 0, k, batch = ms->max_entries / 128;
	int whole = 1;
	unsigned s;

	if (pthread_mutex_trylock(&ms->evict_lock) != 0)
		return;
	total = atomic_load(&ms->total);
	if (total >= ms->max_entries) {
		wk.need = total - ms->max_entries + (batch ? batch : 1);
		for (s = 0; s < MEM_SHARDS; s++) {
			pthread_mutex_lock(&ms->shard[s].lock);
			shard_sample(&wk, &ms->shard[s], &n, &whole);
			pthread_mutex_unlock(&ms->shard[s].lock);
		}
		if (wk.freed < wk.need && n > 0) {
			qsort(ms->sample, n, sizeof(ms->sample[0]), cmp_u32);
			left = total > wk.freed ? total - wk.freed : n;
			k = wk.need - wk.freed;
			if (!whole && left > n)
				k = (size_t)(((uint64_t)k * n + left - 1) / left);
			wk.cut = ms->sample[(k < 1 ? 1 : k > n ? n : k) - 1];
			walk_each(&wk, walk_evict, ms->evict_start++);
		}
		atomic_fetch_add(&ms->evicted, wk.evicted);
		ms->evict_pending += wk.evicted;
		evict_log(ms, now, 0);
	}
	pthread_mutex_unlock(&ms->evict_lock);
}

/* mem_write - the one path behind incr, add and set */
static int mem_write(struct mem_store *ms, enum mem_mode mode,
		     const char *key, long long n, long long ttl, time_t now,
		     const char *plugin, const struct lg_store_meta *meta,
		     long long *count_r)
{
	struct mem_entry **link, *e, *fresh;
	struct mem_shard *sh;
	const char *f[5] = { key };
	size_t len[5];
	unsigned pi = plugin_index(ms, plugin);
	uint64_t h;
	int created;

	if (key_hash(key, &h, &len[0]) < 0)
		return -1;
	sh = shard_of(ms, h);
	pthread_mutex_lock(&sh->lock);
	link = shard_find(ms, sh, (uint32_t)h, key, now);
	if (*link == NULL && ms->max_entries &&
	    atomic_load(&ms->total) >= ms->max_entries) {
		pthread_mutex_unlock(&sh->lock);
		mem_make_room(ms, now);
		pthread_mutex_lock(&sh->lock);
		link = shard_find(ms, sh, (uint32_t)h, key, now);
	}
	e = *link;
	created = e == NULL;
	if (e && mode == MEM_ADD) {
		pthread_mutex_unlock(&sh->lock);
		return 0;
	}
	if (entry_strings(e, meta, f, len)) {
		if ((fresh = entry_build(f, len)) == NULL) {
			pthread_mutex_unlock(&sh->lock);
			lg_log(LG_LOG_ERROR, "store: out of memory for %s", key);
			return -1;
		}
		if (e) {
			memcpy(fresh, e, offsetof(struct mem_entry, tail));
			*link = fresh;
			sh->bytes += entry_bytes(fresh);
			sh->bytes -= entry_bytes(e);
			free(e);
		} else {
			fresh->count = n;
			fresh->size = 0;
			fresh->created = stamp(now);
			fresh->expires = expiry(now, ttl);
			fresh->hash = (uint32_t)h;
			fresh->plugin = 0;
			shard_insert(ms, sh, link, fresh);
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

	if (key_hash(key, &h, &len[0]) < 0)
		return -1;
	sh = shard_of(ms, h);
	pthread_mutex_lock(&sh->lock);
	if ((e = *shard_find(ms, sh, (uint32_t)h, key, now)) != NULL) {
		entry_fields(e, f, len);
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

	if (key_hash(key, &h, &len) < 0)
		return -1;
	sh = shard_of(ms, h);
	pthread_mutex_lock(&sh->lock);
	link = shard_find(ms, sh, (uint32_t)h, key, 0);
	if ((e = *link) != NULL) {
		*link = e->next;
		shard_drop(ms, sh, e);
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
		shard_walk(sh, walk_scan, &wk);
		pthread_mutex_unlock(&sh->lock);
		for (off = 0; off < wk.len && !stop && !wk.nomem;
		     off += (copy_size(e) + 7) & ~(size_t)7) {
			e = (const struct mem_entry *)(wk.copy + off);
			record_of(wk.ms, e, &rec);
			stop = fn(arg, &rec) != 0;
		}
	}
	free(wk.copy);
	if (wk.nomem)
		lg_log(LG_LOG_ERROR, "store: out of memory while listing");
	return wk.nomem ? -1 : 0;
}

/* mem_stats - entries, estimated heap use, evictions */
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
		st->bytes += sh->bytes +
			heap_bytes(sh->nbuckets * sizeof(*sh->buckets));
		pthread_mutex_unlock(&sh->lock);
	}
	st->evicted = atomic_load(&ms->evicted);
}

/* mem_save - write every live entry; tick_lock held */
static int mem_save(struct mem_store *ms, time_t now)
{
	struct mem_walk wk = { .ms = ms, .now = now };

	if ((wk.w = lg_snapshot_begin(ms->snapshot, now)) == NULL)
		return -1;
	walk_each(&wk, walk_save, 0);
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
		walk_each(&wk, walk_expired, 0);
		ms->last_sweep = now;
	}
	pthread_mutex_unlock(&ms->tick_lock);
	pthread_mutex_lock(&ms->evict_lock);
	evict_log(ms, now, 0);
	pthread_mutex_unlock(&ms->evict_lock);
}

/* mem_free - free the store and everything in it */
static void mem_free(struct mem_store *ms)
{
	struct mem_walk wk = { .ms = ms };
	unsigned s;

	for (s = 0; s < MEM_SHARDS; s++) {
		if (ms->shard[s].buckets)
			shard_walk(&ms->shard[s], walk_all, &wk);
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
	evict_log(ms, now, 1);
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
			shard_resize(&ld->ms->shard[s], n);
}

/* load_entry - put one entry from the snapshot into the store */
static int load_entry(void *arg, const struct lg_store_record *rec)
{
	struct mem_load *ld = arg;
	const char *f[5] = { rec->key, rec->from, rec->to, rec->client,
			     rec->status };
	struct mem_entry **link, *e, *old;
	struct mem_shard *sh;
	size_t len[5];
	uint64_t h;
	int i;

	if (key_hash(rec->key, &h, &len[0]) < 0)
		return 0;
	for (i = 1; i < 5; i++)
		len[i] = strnlen(f[i], LG_STORE_FIELD_MAX);
	if ((e = entry_build(f, len)) == NULL)
		return -1;
	if (rec->plugin != ld->plugin) {
		ld->plugin = rec->plugin;
		ld->index = plugin_index(ld->ms, rec->plugin);
	}
	e->count = rec->count;
	e->size = rec->size;
	e->created = stamp(rec->created);
	e->expires = stamp(rec->expires);
	e->hash = (uint32_t)h;
	e->plugin = (uint16_t)ld->index;
	sh = shard_of(ld->ms, h);
	pthread_mutex_lock(&sh->lock);
	link = shard_find(ld->ms, sh, e->hash, rec->key, ld->now);
	if ((old = *link) != NULL) {
		*link = old->next;
		shard_drop(ld->ms, sh, old);
	}
	shard_insert(ld->ms, sh, link, e);
	pthread_mutex_unlock(&sh->lock);
	return 0;
}

/* load_discard - forget what a bad snapshot gave */
static void load_discard(void *arg)
{
	struct mem_load *ld = arg;
	struct mem_walk wk = { .ms = ld->ms };

	walk_each(&wk, walk_all, 0);
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
		bad |= ms->shard[s].buckets == NULL;
	}
	pthread_mutex_init(&ms->tick_lock, NULL);
	pthread_mutex_init(&ms->evict_lock, NULL);
	pthread_mutex_init(&ms->plugin_lock, NULL);
	atomic_init(&ms->total, 0);
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
	ms->interval = opts ? opts->snapshot_interval : 0;
	ms->last_save = ms->last_sweep = now;
	if (ms->snapshot) {
		ld.ms = ms;
		loader.arg = &ld;
		(void)lg_snapshot_load(ms->snapshot, now, &loader, &res);
		if (ms->max_entries && atomic_load(&ms->total) > ms->max_entries)
			mem_make_room(ms, now);
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
	.tick = mem_tick,
	.close = mem_close,
};
