/*
 * NAME
 *	store_entry.c - the memory store's entries
 * SYNOPSIS
 *	#include "store_shard.h"
 * DESCRIPTION
 *	An entry is one allocation: a 42-byte header, then the key, from,
 *	to, client and status strings back to back, each NUL-ended. Its
 *	plugin is an index into a small table of interned names. With
 *	typical values (key 50, from/to 25, client 15, status 8 bytes) an
 *	entry is a 192-byte malloc chunk plus 8 to 16 bytes of bucket
 *	array; the largest (key 1024 bytes, each display field cut at
 *	LG_STORE_SHOW_MAX = 128) is a 1,600-byte chunk.
 *
 *	Its group names who made it, for fair eviction: the client's
 *	network (IPv4 /24, IPv6 /48; "2001:db8::/64" as harvest writes it
 *	counts as its address), else the client text, else (no client,
 *	as in the bounce ledger) the entry alone.
 *
 *	plugin_lock is taken alone.
 * DIAGNOSTICS
 *	"store: key \"KEY...\" refused: N bytes, limit M".
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
#include "parse.h"

/* Store library. */
#include "store.h"
#include "snapshot.h"
#include "store_shard.h"

/* lg_mem_key_hash - FNV-1a of the key, mixed; -1 for a missing or long key */
int lg_mem_key_hash(const char *key, uint64_t *h_r, size_t *len_r)
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

/* lg_mem_entry_fields - the five strings of an entry; returns the tail
 * length */
size_t lg_mem_entry_fields(const struct mem_entry *e, const char *f[5],
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

/* lg_mem_copy_size - bytes of an entry (or a copy of one): header and
 * strings */
size_t lg_mem_copy_size(const struct mem_entry *e)
{
	const char *f[5];
	size_t len[5];

	return offsetof(struct mem_entry, tail) +
		lg_mem_entry_fields(e, f, len);
}

/* lg_mem_entry_bytes - heap held by an entry */
size_t lg_mem_entry_bytes(const struct mem_entry *e)
{
	return heap_bytes(lg_mem_copy_size(e));
}

/* lg_mem_entry_build - one allocation with room for the strings, which it
 * copies */
struct mem_entry *lg_mem_entry_build(const char *const f[5],
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

/* lg_mem_entry_strings - what an entry is to hold: meta where given, else
 * the old strings (or ""); 1 if that differs from e (or e is NULL) */
int lg_mem_entry_strings(const struct mem_entry *e,
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
		lg_mem_entry_fields(e, f, len);
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

/* fnv - FNV-1a over n bytes, from h */
static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

/* lg_mem_entry_group - the contributor of an entry: its client's network
 * (IPv4 /24, IPv6 /48), its client text, or itself when it has none;
 * never 0 */
uint32_t lg_mem_entry_group(const struct mem_entry *e)
{
	const char *f[5], *slash;
	unsigned char addr[16];
	char ip[64];
	size_t len[5], n;
	uint32_t h = 2166136261u;
	int family;

	lg_mem_entry_fields(e, f, len);
	if (len[3] == 0)
		return fnv(fnv(h, "k", 1), &e->hash, sizeof(e->hash)) | 1;
	slash = memchr(f[3], '/', len[3]);
	n = slash ? (size_t)(slash - f[3]) : len[3];
	if (n < sizeof(ip)) {
		memcpy(ip, f[3], n);
		ip[n] = 0;
		if (lg_parse_ip(ip, &family, addr) == 0) {
			n = family == 4 ? 3 : 6;
			h = fnv(h, family == 4 ? "4" : "6", 1);
			return fnv(h, addr, n) | 1;
		}
	}
	return fnv(fnv(h, "t", 1), f[3], len[3]) | 1;
}

/* lg_mem_plugin_index - the number that stands for a plugin name (0: none) */
unsigned lg_mem_plugin_index(struct mem_store *ms, const char *name)
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

/* lg_mem_record_of - an entry as a record; strings point into the entry */
void lg_mem_record_of(struct mem_store *ms, const struct mem_entry *e,
		      struct lg_store_record *rec)
{
	const char *f[5];
	size_t len[5];

	lg_mem_entry_fields(e, f, len);
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
