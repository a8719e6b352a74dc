/*
 * NAME
 *	store_shard.c - the memory store's sharded hash table
 * SYNOPSIS
 *	#include "store_shard.h"
 * DESCRIPTION
 *	Chains hang off a power-of-two bucket array per shard, doubled when
 *	the shard holds more entries than buckets and shrunk by the walks
 *	when many went away. The walks visit every shard under its lock:
 *	the expiry sweep, the snapshot, eviction and scan.
 *
 *	Eviction: the thread that finds the store full samples up to 128
 *	entries per shard, takes as cut-off the expiry below which about a
 *	batch (max_entries/128, at least one) falls, and sweeps every shard
 *	dropping expired entries and those before the cut-off. When every
 *	shard was sampled whole, the choice is exact. Lock order:
 *	evict_lock, then one shard lock at a time.
 * DIAGNOSTICS
 *	"store: max_entries N reached, evicted M entries closest to expiry",
 *	at most once a minute.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
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
	sh->bytes -= lg_mem_entry_bytes(e);
	atomic_fetch_sub_explicit(&ms->total, 1, memory_order_relaxed);
	free(e);
}

/* lg_mem_shard_resize - rehash into n buckets (a power of two); keep on
 * failure */
void lg_mem_shard_resize(struct mem_shard *sh, size_t n)
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
	lg_mem_shard_resize(sh, n);
}

/* lg_mem_shard_insert - hang an entry at link in a locked shard */
void lg_mem_shard_insert(struct mem_store *ms, struct mem_shard *sh,
			 struct mem_entry **link, struct mem_entry *e)
{
	e->next = *link;
	*link = e;
	sh->count++;
	sh->bytes += lg_mem_entry_bytes(e);
	atomic_fetch_add_explicit(&ms->total, 1, memory_order_relaxed);
	if (sh->count > sh->nbuckets)
		lg_mem_shard_resize(sh, sh->nbuckets * 2);
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
		shard_shrink(sh);
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

/* lg_mem_walk_expired - drop what expired */
int lg_mem_walk_expired(struct mem_walk *wk, struct mem_entry *e)
{
	return !live(e, wk->now);
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
				lg_mem_shard_drop(wk->ms, sh, e);
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

/* lg_mem_make_room - drop expired entries, then those closest to expiry, so
 * a batch of new entries fits; one thread at a time, holding no shard */
void lg_mem_make_room(struct mem_store *ms, time_t now)
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
			lg_mem_walk_each(&wk, walk_evict, ms->evict_start++);
		}
		atomic_fetch_add(&ms->evicted, wk.evicted);
		ms->evict_pending += wk.evicted;
		lg_mem_evict_log(ms, now, 0);
	}
	pthread_mutex_unlock(&ms->evict_lock);
}
