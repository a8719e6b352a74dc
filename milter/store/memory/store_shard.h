/*
 * NAME
 *	store_shard.h - the inside of the memory store, shared by
 *	store_memory.c, store_entry.c and store_shard.c only
 * DESCRIPTION
 *	The types of the sharded hash table and its entries, the entry
 *	helpers (store_entry.c) and the table, walk and eviction helpers
 *	(store_shard.c). A "locked shard" is one whose lock the caller
 *	holds.
 */
#ifndef LG_STORE_SHARD_H
#define LG_STORE_SHARD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Store library. */
#include "store.h"
#include "snapshot.h"

#define MEM_SHARD_BITS	6
#define MEM_SHARDS	(1 << MEM_SHARD_BITS)
#define MEM_BUCKETS_MIN	16
#define MEM_PLUGINS	256
#define MEM_SAMPLE	128		/* per shard, when evicting */
#define MEM_SAMPLES	(MEM_SHARDS * MEM_SAMPLE)
#define MEM_WEIGHTS	(2 * MEM_SAMPLES)	/* open addressing, power of 2 */
/* Bytes per entry of the default byte budget: max_entries x this. */
#define MEM_ENTRY_BUDGET 256
/* The smallest default byte budget, as the max_bytes setting's. */
#define MEM_BYTES_MIN	65536

struct mem_entry {
	struct mem_entry *next;
	int64_t count;
	int64_t size;
	uint32_t created;
	uint32_t expires;
	uint32_t hash;
	uint32_t group;		/* who made it: see lg_mem_entry_group */
	uint16_t plugin;
	char tail[];		/* key, from, to, client, status */
};

/* One entry seen by the eviction sample. */
struct mem_sample {
	uint64_t rank;		/* eviction order: lowest first */
	uint32_t group;
	uint32_t bytes;
	uint32_t created;
};

/* A contributor's bytes in the sample (group 0: empty slot). */
struct mem_weight {
	uint32_t group;
	uint32_t bytes;
	uint32_t entries;
};

struct mem_shard {
	_Alignas(64) pthread_mutex_t lock;
	struct mem_entry **buckets;
	size_t nbuckets;
	size_t count;
	size_t bytes;		/* heap held by the entries and buckets */
	size_t cursor;		/* where the next eviction sample starts */
};

struct mem_store {
	struct mem_shard shard[MEM_SHARDS];
	atomic_size_t total;
	atomic_size_t bytes;		/* sum of the shards' bytes */
	atomic_size_t evicted;
	size_t max_entries;
	size_t max_bytes;
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
	struct mem_sample sample[MEM_SAMPLES];
	struct mem_weight weight[MEM_WEIGHTS];
	uint32_t recent;		/* sampled entries this new weigh */
	pthread_mutex_t plugin_lock;	/* adding a name */
	atomic_uint nplugins;		/* names[0] is "no plugin" */
	char *plugins[MEM_PLUGINS];
};

/* State of a walk over a shard: sweep, save, evict, scan. */
struct mem_walk {
	struct mem_store *ms;
	time_t now;
	struct lg_snapshot_writer *w;
	uint64_t cut;
	size_t need, freed, evicted;
	size_t need_bytes, freed_bytes;
	const char *prefix;
	size_t plen;
	char *copy;
	size_t len, cap;
	int nomem;
};

typedef int (*mem_walk_fn)(struct mem_walk *wk, struct mem_entry *e);

/* heap_bytes - what malloc really spends on a request (glibc, 64-bit) */
static inline size_t heap_bytes(size_t n)
{
	n = (n + 8 + 15) & ~(size_t)15;
	return n < 32 ? 32 : n;
}

/* stamp - a time as kept in an entry: unsigned seconds, clamped */
static inline uint32_t stamp(long long t)
{
	return t < 0 ? 0 : t > (long long)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

/* expiry - now + ttl as kept in an entry */
static inline uint32_t expiry(time_t now, long long ttl)
{
	if (ttl < 0)
		ttl = 0;
	if ((long long)now > (long long)UINT32_MAX || ttl > (long long)UINT32_MAX)
		return UINT32_MAX;
	return stamp((long long)now + ttl);
}

/* live - the entry has not expired at now */
static inline int live(const struct mem_entry *e, time_t now)
{
	return (long long)e->expires > (long long)now;
}

/* shard_of - the shard a key hash belongs to */
static inline struct mem_shard *shard_of(struct mem_store *ms, uint64_t h)
{
	return &ms->shard[h >> (64 - MEM_SHARD_BITS)];
}

/* store_entry.c */

/* lg_mem_key_hash - FNV-1a of the key, mixed; -1 for a missing or long key */
int lg_mem_key_hash(const char *key, uint64_t *h_r, size_t *len_r);
/* lg_mem_entry_fields - the five strings of an entry; returns the tail
 * length */
size_t lg_mem_entry_fields(const struct mem_entry *e, const char *f[5],
			   size_t len[5]);
/* lg_mem_copy_size - bytes of an entry (or a copy of one) */
size_t lg_mem_copy_size(const struct mem_entry *e);
/* lg_mem_entry_bytes - heap held by an entry */
size_t lg_mem_entry_bytes(const struct mem_entry *e);
/* lg_mem_entry_build - one allocation holding copies of the strings */
struct mem_entry *lg_mem_entry_build(const char *const f[5],
				     const size_t len[5]);
/* lg_mem_entry_strings - what an entry is to hold; 1 if that differs */
int lg_mem_entry_strings(const struct mem_entry *e,
			 const struct lg_store_meta *meta, const char *f[5],
			 size_t len[5]);
/* lg_mem_entry_group - the contributor of an entry: its client's network
 * (IPv4 /24, IPv6 /48), its client text, or itself when it has none */
uint32_t lg_mem_entry_group(const struct mem_entry *e);
/* lg_mem_plugin_index - the number that stands for a plugin name */
unsigned lg_mem_plugin_index(struct mem_store *ms, const char *name);
/* lg_mem_record_of - an entry as a record; strings point into the entry */
void lg_mem_record_of(struct mem_store *ms, const struct mem_entry *e,
		      struct lg_store_record *rec);

/* store_shard.c */

/* lg_mem_shard_drop - free an entry already unlinked from a locked shard */
void lg_mem_shard_drop(struct mem_store *ms, struct mem_shard *sh,
		       struct mem_entry *e);
/* lg_mem_shard_resize - rehash into n buckets; keep on failure */
void lg_mem_shard_resize(struct mem_store *ms, struct mem_shard *sh,
			 size_t n);
/* lg_mem_shard_account - a locked shard's heap changed by add - sub */
void lg_mem_shard_account(struct mem_store *ms, struct mem_shard *sh,
			  size_t add, size_t sub);
/* lg_mem_shard_insert - hang an entry at link in a locked shard */
void lg_mem_shard_insert(struct mem_store *ms, struct mem_shard *sh,
			 struct mem_entry **link, struct mem_entry *e);
/* lg_mem_shard_find - where KEY's live entry hangs (*link NULL: absent) */
struct mem_entry **lg_mem_shard_find(struct mem_store *ms,
				     struct mem_shard *sh, uint32_t h,
				     const char *key, time_t now);
/* lg_mem_shard_walk - visit every entry of a locked shard */
void lg_mem_shard_walk(struct mem_shard *sh, mem_walk_fn fn,
		       struct mem_walk *wk);
/* lg_mem_walk_each - run fn over every shard, each under its lock */
void lg_mem_walk_each(struct mem_walk *wk, mem_walk_fn fn, unsigned start);
/* Walk functions: return 1 to drop the entry. */
int lg_mem_walk_all(struct mem_walk *wk, struct mem_entry *e);
int lg_mem_walk_expired(struct mem_walk *wk, struct mem_entry *e);
int lg_mem_walk_save(struct mem_walk *wk, struct mem_entry *e);
int lg_mem_walk_scan(struct mem_walk *wk, struct mem_entry *e);
/* lg_mem_evict_log - report evictions, at most once a minute unless
 * force; evict_lock held */
void lg_mem_evict_log(struct mem_store *ms, time_t now, int force);
/* lg_mem_full - `bytes` more (in a new entry if fresh) would pass a
 * limit */
int lg_mem_full(struct mem_store *ms, int fresh, size_t bytes);
/* lg_mem_make_room - evict so a batch of new entries (and `bytes` more)
 * fits; hold no shard */
void lg_mem_make_room(struct mem_store *ms, time_t now, size_t bytes);

#endif
