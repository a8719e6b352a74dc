/*
 * NAME
 *	fuzz_snapshot - libFuzzer harness for the memory store's snapshot
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_snapshot [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	The first byte of the input says which of the snapshot's own
 *	checks to satisfy for the fuzzer, the rest is the file:
 *	    bit 0	the header's payload size is set to the real size
 *	    bit 1	the payload CRC is set to the real one
 *	    bit 2	the header CRC is set to the real one (done last)
 *	Without them almost every mutation would stop at a checksum and
 *	the record decoder would never be reached; with bit 2 clear the
 *	checks themselves are fuzzed.
 *
 *	The file is loaded the way the daemon does it, by opening a
 *	memory store on it (lg_store_memory_open: snapshot_read.c and the
 *	store's loader), then the store is closed, which writes the
 *	snapshot again with the real writer, and opened once more. Both
 *	loads must give the same entries: what the store accepted once
 *	survives a save unchanged.
 *
 *	Checked besides memory errors: every listed entry is live and its
 *	fields keep the store's limits (text fields cut at
 *	LG_STORE_SHOW_MAX, also when the file had them longer); the round
 *	trip above.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fuzz_util.h"
#include "snapshot.h"
#include "snapshot_impl.h"
#include "store.h"
#include "store_memory.h"

#define T0	1700000000

/* What a store holds, in a form that does not depend on order. */
struct digest {
	size_t entries;
	uint64_t sum, xor;
};

/* fnv - 64-bit FNV-1a over n bytes, continued from h */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* fnv_str - a string and its NUL */
static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s ? s : "", strlen(s ? s : "") + 1);
}

/* add_record - check one entry and fold it into the digest */
static int add_record(void *arg, const struct lg_store_record *rec)
{
	struct digest *d = arg;
	uint64_t h = 14695981039346656037ULL;
	long long v[4] = { rec->count, rec->size, (long long) rec->created,
			   (long long) rec->expires };

	FZ_CHECK(rec->key && strlen(rec->key) <= LG_STORE_KEY_MAX,
		 "bad key");
	FZ_CHECK(strlen(rec->plugin ? rec->plugin : "") <= LG_STORE_PLUGIN_MAX,
		 "plugin name too long");
	FZ_CHECK(strlen(rec->from) <= LG_STORE_SHOW_MAX &&
		 strlen(rec->to) <= LG_STORE_SHOW_MAX &&
		 strlen(rec->client) <= LG_STORE_SHOW_MAX &&
		 strlen(rec->status) <= LG_STORE_SHOW_MAX,
		 "a field longer than %d", LG_STORE_SHOW_MAX);
	FZ_CHECK(rec->expires > T0, "expired entry %s listed", rec->key);
	h = fnv_str(h, rec->key);
	h = fnv_str(h, rec->plugin);
	h = fnv_str(h, rec->from);
	h = fnv_str(h, rec->to);
	h = fnv_str(h, rec->client);
	h = fnv_str(h, rec->status);
	h = fnv(h, v, sizeof(v));
	d->entries++;
	d->sum += h;
	d->xor ^= h;
	return 0;
}

/* load - open a store on the file, take its digest, close it (which
 * writes the file anew) */
static void load(const char *path, struct digest *d)
{
	struct lg_store_memory_opts o = { path, 0, 0, 0 };
	struct lg_store store;
	struct lg_store_stats st;
	char err[256];

	memset(d, 0, sizeof(*d));
	if (lg_store_memory_open(&o, T0, &store, err, sizeof(err)) != 0)
		abort();
	FZ_CHECK(store.ops->scan(store.be, "", T0, add_record, d) == 0,
		 "scan failed");
	store.ops->stats(store.be, &st);
	FZ_CHECK(st.entries == d->entries, "stats say %zu entries, scan %zu",
		 st.entries, d->entries);
	lg_store_close(&store, T0);
}

/* fix - satisfy the checks that MODE names */
static void fix(unsigned char *f, size_t len, unsigned mode)
{
	if (len < SNAP_HEADER)
		return;
	lg_snap_crc_init();
	if (mode & 1)
		put_le64(f + 24, len - SNAP_HEADER);
	if (mode & 2)
		put_le32(f + 40, lg_snap_crc32(0, f + SNAP_HEADER,
					       len - SNAP_HEADER));
	if (mode & 4)
		put_le32(f + 44, lg_snap_crc32(0, f, 44));
}

/* LLVMFuzzerInitialize - the log in memory, a frozen clock */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fz_log_setup();
	lg_clock_set(T0);
	return 0;
}

/* LLVMFuzzerTestOneInput - load, save, load again */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest first, second;
	unsigned char *file;
	const char *path;

	if (size == 0)
		return 0;
	file = malloc(size);
	if (!file)
		abort();
	memcpy(file, data + 1, size - 1);
	fix(file, size - 1, data[0]);
	path = fz_file("snapshot", file, size - 1);
	free(file);
	load(path, &first);
	load(path, &second);
	FZ_CHECK(first.entries == second.entries && first.sum == second.sum &&
		 first.xor == second.xor,
		 "%zu entries loaded, %zu after a save and a reload",
		 first.entries, second.entries);
	fz_log_reset();
	return 0;
}
