/*
 * NAME
 *	dir_cache.c - remembered answers of a source asked per recipient
 * DESCRIPTION
 *	A fixed array of max entries, chained from a bucket table twice
 *	as large. When the array is full a victim is chosen among eight
 *	entries drawn at random: the expired one, or the one closest to
 *	expiry. That keeps a put O(1) whatever the size, and an attacker
 *	who makes many misses flushes mostly short-lived negative answers.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Directory library. */
#include "dir_cache.h"

#define KEY_MAX		512
#define SAMPLE		8
#define NONE		UINT32_MAX

struct entry {
	char   *key;
	uint32_t hash;
	uint32_t next;			/* in its bucket; NONE ends */
	time_t  expires;
	int     answer;
};

struct lg_dir_cache {
	pthread_mutex_t lock;
	struct entry *entries;
	size_t  used;
	size_t  max;
	uint32_t *buckets;
	size_t  nbuckets;		/* a power of two */
	int     ttl, neg_ttl;
	uint64_t rng;
	unsigned long long hits, misses;
};

/* key_hash - FNV-1a */
static uint32_t key_hash(const char *k)
{
	uint32_t h = 2166136261u;

	for (; *k; k++)
		h = (h ^ (unsigned char) *k) * 16777619u;
	return h;
}

/* lg_dir_cache_new - an empty cache of at most max entries; NULL when
 * max is 0 (caching off) or memory is short */
struct lg_dir_cache *lg_dir_cache_new(size_t max, int ttl_s, int neg_ttl_s)
{
	struct lg_dir_cache *c;
	size_t n = 16;

	if (max == 0 || max > (1u << 24) || !(c = calloc(1, sizeof(*c))))
		return NULL;
	while (n < max * 2)
		n *= 2;
	c->entries = calloc(max, sizeof(*c->entries));
	c->buckets = malloc(n * sizeof(*c->buckets));
	if (!c->entries || !c->buckets) {
		free(c->entries);
		free(c->buckets);
		free(c);
		return NULL;
	}
	memset(c->buckets, 0xff, n * sizeof(*c->buckets));
	c->nbuckets = n;
	c->max = max;
	c->ttl = ttl_s;
	c->neg_ttl = neg_ttl_s;
	c->rng = (uint64_t) (uintptr_t) c ^ 0x9e3779b97f4a7c15ULL;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* find - the index of KEY, or NONE */
static uint32_t find(const struct lg_dir_cache *c, const char *key,
		     uint32_t h)
{
	uint32_t i;

	for (i = c->buckets[h & (c->nbuckets - 1)]; i != NONE;
	     i = c->entries[i].next)
		if (c->entries[i].hash == h && strcmp(c->entries[i].key, key) == 0)
			return i;
	return NONE;
}

/* lg_dir_cache_get - LG_DIR_YES, LG_DIR_NO, or LG_DIR_CACHE_MISS */
int lg_dir_cache_get(struct lg_dir_cache *c, const char *key, time_t now)
{
	uint32_t i, h;
	int a = LG_DIR_CACHE_MISS;

	if (!c || !key || strlen(key) > KEY_MAX)
		return LG_DIR_CACHE_MISS;
	h = key_hash(key);
	pthread_mutex_lock(&c->lock);
	i = find(c, key, h);
	if (i != NONE && c->entries[i].expires > now)
		a = c->entries[i].answer;
	if (a == LG_DIR_CACHE_MISS)
		c->misses++;
	else
		c->hits++;
	pthread_mutex_unlock(&c->lock);
	return a;
}

/* unlink_entry - take entry i out of its bucket chain */
static void unlink_entry(struct lg_dir_cache *c, uint32_t i)
{
	uint32_t *p = &c->buckets[c->entries[i].hash & (c->nbuckets - 1)];

	while (*p != NONE && *p != i)
		p = &c->entries[*p].next;
	if (*p == i)
		*p = c->entries[i].next;
}

/* victim - of SAMPLE random entries, the expired or soonest to expire */
static uint32_t victim(struct lg_dir_cache *c, time_t now)
{
	uint32_t best = NONE, i;
	int n;

	for (n = 0; n < SAMPLE; n++) {
		c->rng ^= c->rng << 13;
		c->rng ^= c->rng >> 7;
		c->rng ^= c->rng << 17;
		i = (uint32_t) (c->rng % c->max);
		if (best == NONE ||
		    c->entries[i].expires < c->entries[best].expires)
			best = i;
		if (c->entries[best].expires <= now)
			break;
	}
	return best;
}

/* lg_dir_cache_put - remember YES or NO for its time to live */
void lg_dir_cache_put(struct lg_dir_cache *c, const char *key,
		      enum lg_dir_answer a, time_t now)
{
	uint32_t i, h;
	int ttl;
	char *copy;

	if (!c || !key || a == LG_DIR_FAIL || strlen(key) > KEY_MAX)
		return;
	ttl = a == LG_DIR_YES ? c->ttl : c->neg_ttl;
	if (ttl <= 0)
		return;
	h = key_hash(key);
	pthread_mutex_lock(&c->lock);
	if ((i = find(c, key, h)) == NONE) {
		if (!(copy = strdup(key)))
			goto out;
		if (c->used < c->max) {
			i = (uint32_t) c->used++;
		} else {
			i = victim(c, now);
			unlink_entry(c, i);
			free(c->entries[i].key);
		}
		c->entries[i].key = copy;
		c->entries[i].hash = h;
		c->entries[i].next = c->buckets[h & (c->nbuckets - 1)];
		c->buckets[h & (c->nbuckets - 1)] = i;
	}
	c->entries[i].answer = a;
	c->entries[i].expires = now + ttl;
out:
	pthread_mutex_unlock(&c->lock);
}

/* lg_dir_cache_counts - for the stats */
void lg_dir_cache_counts(struct lg_dir_cache *c, unsigned long long *hits,
			 unsigned long long *misses, size_t *entries)
{
	*hits = *misses = 0;
	*entries = 0;
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	*entries = c->used;
	pthread_mutex_unlock(&c->lock);
}

/* lg_dir_cache_free - everything, and clear the pointer */
void lg_dir_cache_free(struct lg_dir_cache **cp)
{
	struct lg_dir_cache *c = cp ? *cp : NULL;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->used; i++)
		free(c->entries[i].key);
	pthread_mutex_destroy(&c->lock);
	free(c->entries);
	free(c->buckets);
	free(c);
	*cp = NULL;
}
