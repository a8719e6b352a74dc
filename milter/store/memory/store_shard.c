/*
 * NAME
 *	store_shard.c - the memory store's sharded hash table
 * SYNOPSIS
 *	#include "store_shard.h"
 * DESCRIPTION
 *	Chains hang off a power-of-two bucket array per shard, doubled when
 *	the shard holds more entries than buckets and shrunk by the walks
 *	when many went away. The walks visit every shard under its lock:
 *	the expiry sweep, the snapshot, eviction and scan. Every shard
 *	counts the heap its entries and its bucket array hold; the store
 *	keeps the sum, which max_bytes bounds.
 *
 *	Eviction, when a new entry would pass max_entries or max_bytes:
 *	the thread that finds the store full samples up to 128 entries per
 *	shard and groups them by contributor (lg_mem_entry_group: the
 *	client network). Only the newer half of the sample weighs: a
 *	contributor seen more than once there weighs its bytes there; the
 *	others, and every older entry, weigh nothing. Entries go in this
 *	order: the heaviest contributor's newer entries first, and within
 *	one contributor (or among the light ones) the newest first. A
 *	flood thus evicts its own fresh entries, and neither a lone older
 *	entry nor a contributor's own counter (older than the entries that
 *	made it count) is dropped for it; nor, when the flood is spread
 *	one entry per network, the older entries of a busy network. The sample gives the cut-off below
 *	which about a batch (1/128 of the limits, at least one entry)
 *	falls, and a sweep of every shard drops expired entries and those
 *	before the cut-off. When every shard was sampled whole, the choice
 *	is exact. Lock order: evict_lock, then one shard lock at a time.
 * DIAGNOSTICS
 *	"store: full (max_entries N, max_bytes B), evicted M entries, the
 *	largest contributors' newest first", at most once a minute.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "events.h"
#include "log.h"

/* Store library. */
#include "store.h"
#include "snapshot.h"
#include "store_shard.h"

#define MEM_LOG_EVERY	60		/* seconds between eviction lines */

/* lg_mem_shard_drop - free an entry already unlinked from a locked shard */
void lg_mem_shard_drop(struct mem_store *ms, struct mem_shard *sh,
		       struct mem_entry *e)
{
	sh->count--;
	lg_mem_shard_account(ms, sh, 0, lg_mem_entry_bytes(e));
	atomic_fetch_sub_explicit(&ms->total, 1, memory_order_relaxed);
	free(e);
}

/* lg_mem_shard_account - a locked shard's heap changed by add - sub */
void lg_mem_shard_account(struct mem_store *ms, struct mem_shard *sh,
			  size_t add, size_t sub)
{
	sh->bytes += add;
	sh->bytes -= sub;
	if (add)
		atomic_fetch_add_explicit(&ms->bytes, add, memory_order_relaxed);
	if (sub)
		atomic_fetch_sub_explicit(&ms->bytes, sub, memory_order_relaxed);
}

/* buckets_bytes - heap held by a bucket array of n */
static size_t buckets_bytes(size_t n)
{
	return heap_bytes(n * sizeof(struct mem_entry *));
}

/* lg_mem_shard_resize - rehash into n buckets (a power of two); keep on
 * failure */
void lg_mem_shard_resize(struct mem_store *ms, struct mem_shard *sh,
			 size_t n)
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
	lg_mem_shard_account(ms, sh, buckets_bytes(n),
			     buckets_bytes(sh->nbuckets));
	sh->buckets = nb;
	sh->nbuckets = n;
}

/* shard_shrink - give back bucket space after many entries went away */
static void shard_shrink(struct mem_store *ms, struct mem_shard *sh)
{
	size_t n = MEM_BUCKETS_MIN;

	if (sh->nbuckets <= MEM_BUCKETS_MIN || sh->count >= sh->nbuckets / 4)
		return;
	while (n < sh->count * 2)
		n <<= 1;
	lg_mem_shard_resize(ms, sh, n);
}

/* lg_mem_shard_insert - hang an entry at link in a locked shard */
void lg_mem_shard_insert(struct mem_store *ms, struct mem_shard *sh,
			 struct mem_entry **link, struct mem_entry *e)
{
	e->next = *link;
	*link = e;
	sh->count++;
	lg_mem_shard_account(ms, sh, lg_mem_entry_bytes(e), 0);
	atomic_fetch_add_explicit(&ms->total, 1, memory_order_relaxed);
	if (sh->count > sh->nbuckets)
		lg_mem_shard_resize(ms, sh, sh->nbuckets * 2);
}

/* lg_mem_shard_find - where KEY's live entry hangs (*link NULL: absent),
 * freeing expired entries on the way */
struct mem_entry **lg_mem_shard_find(struct mem_store *ms,
				     struct mem_shard *sh, uint32_t h,
				     const char *key, time_t now)
{
	struct mem_entry **link = &sh->buckets[h & (sh->nbuckets - 1)], *e;

	while ((e = *link) != NULL) {
		if (!live(e, now)) {
			*link = e->next;
			lg_mem_shard_drop(ms, sh, e);
		} else if (e->hash == h && strcmp(e->tail, key) == 0) {
			break;
		} else {
			link = &e->next;
		}
	}
	return link;
}

/* lg_mem_shard_walk - visit every entry of a locked shard; fn returns 1 to
 * drop */
void lg_mem_shard_walk(struct mem_shard *sh, mem_walk_fn fn,
		       struct mem_walk *wk)
{
	struct mem_entry **link, *e;
	size_t i;

	for (i = 0; i < sh->nbuckets; i++) {
		link = &sh->buckets[i];
		while ((e = *link) != NULL) {
			if (fn(wk, e)) {
				*link = e->next;
				lg_mem_shard_drop(wk->ms, sh, e);
			} else {
				link = &e->next;
			}
		}
	}
}

/* lg_mem_walk_each - run fn over every shard, each under its lock */
void lg_mem_walk_each(struct mem_walk *wk, mem_walk_fn fn, unsigned start)
{
	struct mem_shard *sh;
	unsigned s;

	for (s = 0; s < MEM_SHARDS; s++) {
		sh = &wk->ms->shard[(start + s) % MEM_SHARDS];
		pthread_mutex_lock(&sh->lock);
		lg_mem_shard_walk(sh, fn, wk);
		shard_shrink(wk->ms, sh);
		pthread_mutex_unlock(&sh->lock);
		if (wk->w)
			lg_snapshot_flush(wk->w);
	}
}

/* lg_mem_walk_all - drop everything */
int lg_mem_walk_all(struct mem_walk *wk, struct mem_entry *e)
{
	(void)wk;
	(void)e;
	return 1;
}

/* lg_mem_walk_expired - drop what expired (the sweep: watch clients
 * hear of it) */
int lg_mem_walk_expired(struct mem_walk *wk, struct mem_entry *e)
{
	struct lg_store_record rec;

	if (live(e, wk->now))
		return 0;
	if (lg_events_wanted()) {
		lg_mem_record_of(wk->ms, e, &rec);
		lg_events_entry(LG_EV_ENTRY_REMOVED, rec.key, rec.plugin,
				rec.status);
	}
	return 1;
}

/* lg_mem_walk_save - queue live entries for the snapshot, drop expired ones */
int lg_mem_walk_save(struct mem_walk *wk, struct mem_entry *e)
{
	struct lg_store_record rec;

	if (!live(e, wk->now))
		return 1;
	lg_mem_record_of(wk->ms, e, &rec);
	lg_snapshot_put(wk->w, &rec);
	return 0;
}

/* lg_mem_walk_scan - copy live entries under the prefix, drop expired ones */
int lg_mem_walk_scan(struct mem_walk *wk, struct mem_entry *e)
{
	size_t n, step;
	char *grown;

	if (!live(e, wk->now))
		return 1;
	if (wk->nomem || strncmp(e->tail, wk->prefix, wk->plen) != 0)
		return 0;
	n = lg_mem_copy_size(e);
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

/* lg_mem_evict_log - tell the operator what eviction did, at most once a
 * minute; evict_lock held */
void lg_mem_evict_log(struct mem_store *ms, time_t now, int force)
{
	if (ms->evict_pending == 0 || (!force && ms->evict_logged &&
				       now - ms->evict_log_time < MEM_LOG_EVERY))
		return;
	lg_log(LG_LOG_WARN, "store: full (max_entries %zu, max_bytes %zu), "
	       "evicted %zu entries, the largest contributors' newest first",
	       ms->max_entries, ms->max_bytes, ms->evict_pending);
	ms->evict_pending = 0;
	ms->evict_logged = 1;
	ms->evict_log_time = now;
}

/* weight_slot - a group's slot in the weight table: its own, or the
 * empty one where it goes */
static struct mem_weight *weight_slot(struct mem_store *ms, uint32_t group)
{
	size_t i = (size_t)(group * 2654435761u) & (MEM_WEIGHTS - 1);

	while (ms->weight[i].group && ms->weight[i].group != group)
		i = (i + 1) & (MEM_WEIGHTS - 1);
	return &ms->weight[i];
}

/* rank_of - when an entry goes, lowest first: the newer half of the
 * sample's entries of a contributor seen more than once there by its
 * sampled bytes, heaviest first; then the newest entry first */
static uint64_t rank_of(struct mem_store *ms, uint32_t group,
			uint32_t created)
{
	const struct mem_weight *w = weight_slot(ms, group);
	uint32_t heavy = created >= ms->recent && w->group &&
		w->entries > 1 ? w->bytes : 0;

	return ((uint64_t)(UINT32_MAX - heavy) << 32) |
		(uint64_t)(UINT32_MAX - created);
}

/* walk_evict - drop expired entries and those before the cut-off */
static int walk_evict(struct mem_walk *wk, struct mem_entry *e)
{
	size_t bytes = lg_mem_entry_bytes(e);
	uint64_t r;

	if (live(e, wk->now)) {
		r = rank_of(wk->ms, e->group, e->created);
		if (r > wk->cut || (r == wk->cut && wk->freed >= wk->need &&
				    wk->freed_bytes >= wk->need_bytes))
			return 0;
		wk->evicted++;
	}
	wk->freed++;
	wk->freed_bytes += bytes;
	return 1;
}

/* shard_sample - up to MEM_SAMPLE live entries of a locked shard, freeing
 * expired ones seen; clears *whole_r if some were left */
static void shard_sample(struct mem_walk *wk, struct mem_shard *sh,
			 size_t *n_r, int *whole_r)
{
	struct mem_entry **link, *e;
	struct mem_sample *sm;
	size_t i, got = 0, mask = sh->nbuckets - 1;

	for (i = 0; i < sh->nbuckets && got < MEM_SAMPLE; i++) {
		link = &sh->buckets[(sh->cursor + i) & mask];
		while ((e = *link) != NULL) {
			if (!live(e, wk->now)) {
				*link = e->next;
				wk->freed_bytes += lg_mem_entry_bytes(e);
				lg_mem_shard_drop(wk->ms, sh, e);
				wk->freed++;
			} else if (got == MEM_SAMPLE) {
				break;
			} else {
				sm = &wk->ms->sample[(*n_r)++];
				sm->group = e->group;
				sm->bytes = (uint32_t)lg_mem_entry_bytes(e);
				sm->created = e->created;
				got++;
				link = &e->next;
			}
		}
	}
	if (i < sh->nbuckets || got == MEM_SAMPLE)
		*whole_r = 0;
	sh->cursor = (sh->cursor + i) & mask;
}

/* cmp_rank - qsort order for samples */
static int cmp_rank(const void *a, const void *b)
{
	uint64_t x = ((const struct mem_sample *)a)->rank;
	uint64_t y = ((const struct mem_sample *)b)->rank;

	return x < y ? -1 : x > y;
}

/* cmp_created - qsort order for samples: oldest first */
static int cmp_created(const void *a, const void *b)
{
	uint32_t x = ((const struct mem_sample *)a)->created;
	uint32_t y = ((const struct mem_sample *)b)->created;

	return x < y ? -1 : x > y;
}

/* weigh - each sampled contributor's bytes in the newer half of the
 * sample, then each sample's rank */
static void weigh(struct mem_store *ms, size_t n)
{
	struct mem_weight *w;
	size_t i;

	qsort(ms->sample, n, sizeof(ms->sample[0]), cmp_created);
	ms->recent = ms->sample[n / 2].created;
	memset(ms->weight, 0, sizeof(ms->weight));
	for (i = 0; i < n; i++) {
		if (ms->sample[i].created < ms->recent)
			continue;
		w = weight_slot(ms, ms->sample[i].group);
		w->group = ms->sample[i].group;
		w->bytes += ms->sample[i].bytes;
		w->entries++;
	}
	for (i = 0; i < n; i++)
		ms->sample[i].rank = rank_of(ms, ms->sample[i].group,
					     ms->sample[i].created);
	qsort(ms->sample, n, sizeof(ms->sample[0]), cmp_rank);
}

/* cut_off - the rank below which about what is still needed falls: the
 * sorted sample scaled to the live entries when it was not whole */
static uint64_t cut_off(struct mem_walk *wk, size_t n, size_t left, int whole)
{
	struct mem_store *ms = wk->ms;
	uint64_t want = wk->need > wk->freed ? wk->need - wk->freed : 0;
	uint64_t want_bytes = wk->need_bytes > wk->freed_bytes ?
		wk->need_bytes - wk->freed_bytes : 0;
	uint64_t got = 0, got_bytes = 0;
	size_t i;

	if (!whole && left > n) {
		want = (want * n + left - 1) / left;
		want_bytes = (want_bytes * n + left - 1) / left;
	}
	for (i = 0; i < n; i++) {
		got++;
		got_bytes += ms->sample[i].bytes;
		if (got >= want && got_bytes >= want_bytes)
			break;
	}
	return ms->sample[i < n ? i : n - 1].rank;
}

/* lg_mem_full - `bytes` more (in a new entry if fresh) would pass a
 * limit; with 0 bytes, whether a limit is passed already */
int lg_mem_full(struct mem_store *ms, int fresh, size_t bytes)
{
	size_t total = atomic_load(&ms->total);

	return (ms->max_entries && (fresh ? total >= ms->max_entries :
				    total > ms->max_entries)) ||
		(ms->max_bytes &&
		 atomic_load(&ms->bytes) + bytes > ms->max_bytes);
}

/* need_room - what must go so a batch more fits; 0 if nothing */
static int need_room(struct mem_walk *wk, size_t bytes)
{
	struct mem_store *ms = wk->ms;
	size_t total = atomic_load(&ms->total);
	size_t used = atomic_load(&ms->bytes), batch;

	if (ms->max_entries && total >= ms->max_entries) {
		batch = ms->max_entries / 128;
		wk->need = total - ms->max_entries + (batch ? batch : 1);
	}
	if (ms->max_bytes && used + bytes > ms->max_bytes) {
		batch = ms->max_bytes / 128;
		wk->need_bytes = used + bytes - ms->max_bytes + batch;
	}
	return wk->need > 0 || wk->need_bytes > 0;
}

/* lg_mem_make_room - drop expired entries, then the largest contributors'
 * newest, so a batch of new entries (and `bytes` more) fits; one thread
 * at a time, holding no shard */
void lg_mem_make_room(struct mem_store *ms, time_t now, size_t bytes)
{
	struct mem_walk wk = { .ms = ms, .now = now };
	size_t left, n = 0;
	int whole = 1;
	unsigned s;

	if (pthread_mutex_trylock(&ms->evict_lock) != 0)
		return;
	if (need_room(&wk, bytes)) {
		for (s = 0; s < MEM_SHARDS; s++) {
			pthread_mutex_lock(&ms->shard[s].lock);
			shard_sample(&wk, &ms->shard[s], &n, &whole);
			pthread_mutex_unlock(&ms->shard[s].lock);
		}
		if ((wk.freed < wk.need || wk.freed_bytes < wk.need_bytes) &&
		    n > 0) {
			weigh(ms, n);
			left = atomic_load(&ms->total);
			wk.cut = cut_off(&wk, n, left, whole);
			lg_mem_walk_each(&wk, walk_evict, ms->evict_start++);
		}
		atomic_fetch_add(&ms->evicted, wk.evicted);
		ms->evict_pending += wk.evicted;
		lg_mem_evict_log(ms, now, 0);
	}
	pthread_mutex_unlock(&ms->evict_lock);
}
