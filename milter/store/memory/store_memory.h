/*
 * NAME
 *	store_memory.h - the embedded in-memory store backend
 * SYNOPSIS
 *	#include "store_memory.h"
 *
 *	struct lg_store_memory_opts opts = { "/var/lib/loopguard/state",
 *					     60, 1000000, 256000000 };
 *	lg_store_memory_open(&opts, now, &store, err, sizeof(err));
 * DESCRIPTION
 *	Sharded hash tables (64 shards, one mutex each) of entries with an
 *	expiry. An expired entry is invisible at once and freed lazily (when
 *	a lookup passes it) and by the periodic sweep in tick().
 *
 *	snapshot: file loaded at open and written by tick() every
 *	snapshot_interval seconds (0: only at close) and by close(); NULL or
 *	"" for none. max_entries: 0 for no limit. max_bytes: the heap the
 *	entries and the hash table may hold, counted as malloc spends it;
 *	0 for max_entries x 256 (no limit when max_entries is 0 too).
 *	When a limit would be passed, entries are evicted a batch at a
 *	time: the largest contributors' newest first (store_shard.c).
 *
 *	Times are kept as unsigned 32-bit seconds (good until 2106); meta
 *	strings are kept as lg_store_shown() cuts them (at most
 *	LG_STORE_SHOW_MAX bytes), also those loaded from a snapshot; keys
 *	longer than LG_STORE_KEY_MAX are refused. A new entry's size is 0 until
 *	meta gives one. add() leaves a live entry as it is (meta included).
 *	A ttl of 0 or less makes an entry that is expired at once. del()
 *	returns 0 whether or not the key was there.
 * DIAGNOSTICS
 *	Open fails only for want of memory; a bad snapshot is logged and set
 *	aside (see snapshot.h) and the store starts empty.
 */
#ifndef LG_STORE_MEMORY_H
#define LG_STORE_MEMORY_H

#include <stddef.h>
#include <time.h>

/* Store library. */
#include "store.h"

struct lg_store_memory_opts {
	const char *snapshot;
	long long snapshot_interval;
	size_t max_entries;
	size_t max_bytes;
};

int lg_store_memory_open(const struct lg_store_memory_opts *opts, time_t now,
			 struct lg_store *store_r, char *err, size_t errsize);

/* Write the snapshot now (control socket, tests, benchmarks): 0, or -1
 * after logging; 0 without doing anything when there is no snapshot. */
int lg_store_memory_save(struct lg_store *store, time_t now);

#endif
