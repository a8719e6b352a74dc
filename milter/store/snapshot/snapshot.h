/*
 * NAME
 *	snapshot.h - the memory store's snapshot file
 * SYNOPSIS
 *	#include "snapshot.h"
 *
 *	struct lg_snapshot_writer *w = lg_snapshot_begin(path, now);
 *	lg_snapshot_put(w, &record); ...	(no I/O, may hold a lock)
 *	lg_snapshot_flush(w);			(I/O, hold no lock)
 *	lg_snapshot_commit(w);			(fsync, rename)
 *
 *	lg_snapshot_load(path, now, &loader, &result);
 * DESCRIPTION
 *	A snapshot is written to PATH.tmp, fsync()ed and renamed over PATH,
 *	so PATH is always either the old or the new complete file.
 *
 *	Format (integers little endian): a 48-byte header
 *	    magic "LGSNAP\r\n", u32 version (1), u32 reserved (0),
 *	    u64 entries, u64 payload bytes, i64 saved_at,
 *	    u32 CRC-32 of the payload, u32 CRC-32 of the 44 bytes before it;
 *	then one record per entry: key, plugin reference, from, to, client,
 *	status, count, size, created, expires. Strings are a LEB128 length
 *	and the bytes; numbers are zigzag LEB128, times relative to
 *	saved_at. A plugin reference is 0 (none) or index+1 into the names
 *	seen so far; a new name is written right after its first reference.
 *
 *	lg_snapshot_load() checks the header and the size first, hands each
 *	entry that is still live at NOW to loader->entry(), and checks the
 *	payload checksum at the end; if that fails it calls
 *	loader->discard() so the caller drops everything it was given.
 * DIAGNOSTICS
 *	Every failure is logged ("store: ...") with the path and the reason.
 *	A file that is corrupt, truncated, empty or not a snapshot is
 *	renamed to PATH.corrupt-NOW; the caller then starts empty. A missing
 *	file is not an error.
 */
#ifndef LG_SNAPSHOT_H
#define LG_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

/* Store library. */
#include "store.h"

/* Limits shared by the store and the file (bytes, without the NUL). */
#define LG_STORE_KEY_MAX	1024	/* a longer key is refused */
#define LG_STORE_FIELD_MAX	1024	/* from, to, client, status: cut */
#define LG_STORE_PLUGIN_MAX	64	/* plugin name: cut */

struct lg_snapshot_writer;

/* Open PATH.tmp; NULL after logging why. */
struct lg_snapshot_writer *lg_snapshot_begin(const char *path, time_t now);
/* Queue one entry in memory. Errors are kept for commit. */
void lg_snapshot_put(struct lg_snapshot_writer *w,
		     const struct lg_store_record *rec);
/* Write what was queued. Errors are kept for commit. */
void lg_snapshot_flush(struct lg_snapshot_writer *w);
/* Finish and rename; 0, or -1 after logging (PATH is left as it was).
 * Frees w either way. */
int lg_snapshot_commit(struct lg_snapshot_writer *w, size_t *entries_r);

struct lg_snapshot_loader {
	void *arg;
	/* The file claims this many entries (a hint); may be NULL. */
	void (*reserve)(void *arg, size_t entries);
	/* One live entry; strings are valid during the call only. Return
	 * -1 to give up (out of memory). */
	int (*entry)(void *arg, const struct lg_store_record *rec);
	/* Forget every entry handed over so far: the file was bad. */
	void (*discard)(void *arg);
};

struct lg_snapshot_result {
	size_t loaded;		/* handed to entry() */
	size_t expired;		/* dropped: expired meanwhile */
};

/* 0: loaded, or no file; -1: file unusable (logged, set aside when it
 * was bad, discard() called). */
int lg_snapshot_load(const char *path, time_t now,
		     const struct lg_snapshot_loader *loader,
		     struct lg_snapshot_result *result_r);

/* lg_snapshot_count - how many entries of PATH are live at NOW, without
 * a log line and without setting a bad file aside: 0 (a missing file
 * counts 0), or -1 when it cannot be read or is bad. */
int lg_snapshot_count(const char *path, time_t now, size_t *live_r);

#endif
