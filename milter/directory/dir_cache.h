/*
 * NAME
 *	dir_cache.h - remembered answers of a source asked per recipient
 * SYNOPSIS
 *	#include "dir_cache.h"
 *
 *	c = lg_dir_cache_new(10000, 600, 60);
 *	switch (lg_dir_cache_get(c, "bob@example.com", now)) { ... }
 *	lg_dir_cache_put(c, "bob@example.com", LG_DIR_YES, now);
 * DESCRIPTION
 *	A bounded map from a key to YES or NO, each with its own time to
 *	live (positive and negative answers age differently: a new user
 *	should not wait as long as a removed one). When full, the entry
 *	closest to expiry goes first. LG_DIR_FAIL is never remembered.
 *	Thread-safe (one mutex); a key longer than 512 bytes is never
 *	cached.
 *
 *	lg_dir_cache_get() answers LG_DIR_YES, LG_DIR_NO, or -2 for a miss.
 */
#ifndef LG_DIR_CACHE_H
#define LG_DIR_CACHE_H

#include <stddef.h>
#include <time.h>

/* Directory library. */
#include "dir_source.h"

#define LG_DIR_CACHE_MISS	(-2)

struct lg_dir_cache;

struct lg_dir_cache *lg_dir_cache_new(size_t max, int ttl_s, int neg_ttl_s);
int lg_dir_cache_get(struct lg_dir_cache *c, const char *key, time_t now);
void lg_dir_cache_put(struct lg_dir_cache *c, const char *key,
		      enum lg_dir_answer a, time_t now);
/* lg_dir_cache_hits - hits and misses so far (for stats) */
void lg_dir_cache_counts(struct lg_dir_cache *c, unsigned long long *hits,
			 unsigned long long *misses, size_t *entries);
void lg_dir_cache_free(struct lg_dir_cache **c);

#endif
