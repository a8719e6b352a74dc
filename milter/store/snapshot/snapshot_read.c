/*
 * NAME
 *	snapshot_read.c - load the memory store's snapshot file
 * SYNOPSIS
 *	See snapshot.h.
 * DESCRIPTION
 *	The reader checks the header against the file's size, then streams
 *	the payload through a 1 MiB buffer, so loading needs no memory
 *	beyond the store itself.
 * DIAGNOSTICS
 *	"store: snapshot PATH is unusable (WHY); moved to PATH.corrupt-T".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"

/* Store library. */
#include "snapshot.h"
#include "snapshot_impl.h"

struct snap_reader {
	int fd;
	unsigned char *buf;
	size_t pos;			/* next byte to decode */
	size_t len;			/* bytes in buf */
	uint64_t left;			/* payload bytes not read yet */
	uint32_t crc;
	char **names;
	size_t nnames;
	char text[5][LG_STORE_KEY_MAX + 1];
};

/* unzigzag - undo the writer's zigzag() */
static int64_t unzigzag(uint64_t u)
{
	return (u & 1) ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
}

/* get_uvarint - decode LEB128 without reading past end; -1 if bad */
static int get_uvarint(const unsigned char **pp, const unsigned char *end,
		       uint64_t *v_r)
{
	const unsigned char *p = *pp;
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; p < end && shift < 64; shift += 7) {
		v |= (uint64_t)(*p & 0x7f) << shift;
		if ((*p++ & 0x80) == 0) {
			*pp = p;
			*v_r = v;
			return 0;
		}
	}
	return -1;
}

/* get_string - decode a string of at most max bytes into out, NUL-ended */
static int get_string(const unsigned char **pp, const unsigned char *end,
		      char *out, size_t max)
{
	uint64_t n;

	if (get_uvarint(pp, end, &n) < 0 || n > max ||
	    n > (uint64_t)(end - *pp))
		return -1;
	memcpy(out, *pp, n);
	out[n] = 0;
	*pp += n;
	return 0;
}

/* set_aside - move a bad snapshot out of the way, for a post-mortem */
static void set_aside(const char *path, time_t now, const char *why)
{
	size_t n = strlen(path) + 32;
	char *aside = malloc(n);

	if (aside == NULL) {
		lg_log(LG_LOG_ERROR, "store: snapshot %s is unusable (%s); "
		       "starting with an empty store", path, why);
		return;
	}
	snprintf(aside, n, "%s.corrupt-%lld", path, (long long)now);
	if (rename(path, aside) == 0)
		lg_log(LG_LOG_WARN, "store: snapshot %s is unusable (%s); moved "
		       "to %s, starting with an empty store", path, why, aside);
	else
		lg_log(LG_LOG_ERROR, "store: snapshot %s is unusable (%s) and "
		       "cannot be moved to %s: %s; starting with an empty store",
		       path, why, aside, strerror(errno));
	free(aside);
}

/* reader_fill - keep a whole record's worth of bytes buffered; -1 on I/O
 * error (errno), -2 if the file ended early */
static int reader_fill(struct snap_reader *r)
{
	size_t want;
	ssize_t k;

	if (r->len - r->pos >= SNAP_RECORD_MAX || r->left == 0)
		return 0;
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->len -= r->pos;
	r->pos = 0;
	while (r->left > 0 && r->len < SNAP_READ_BUF) {
		want = SNAP_READ_BUF - r->len;
		if (want > r->left)
			want = (size_t)r->left;
		k = read(r->fd, r->buf + r->len, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -1 : -2;
		r->crc = lg_snap_crc32(r->crc, r->buf + r->len, (size_t)k);
		r->len += (size_t)k;
		r->left -= (uint64_t)k;
	}
	return 0;
}

/* reader_record - decode one record; -1 if it is malformed */
static int reader_record(struct snap_reader *r, time_t saved_at,
			 struct lg_store_record *rec)
{
	const unsigned char *p = r->buf + r->pos, *end = r->buf + r->len;
	uint64_t ref, v[4];
	char **grown;
	int i;

	if (get_string(&p, end, r->text[0], LG_STORE_KEY_MAX) < 0 ||
	    get_uvarint(&p, end, &ref) < 0 || ref > r->nnames + 1)
		return -1;
	if (ref == r->nnames + 1) {
		if (r->nnames >= SNAP_NAMES_MAX ||
		    get_string(&p, end, r->text[1], LG_STORE_PLUGIN_MAX) < 0 ||
		    r->text[1][0] == 0)
			return -1;
		grown = realloc(r->names, (r->nnames + 1) * sizeof(*grown));
		if (grown == NULL)
			return -1;
		r->names = grown;
		if ((r->names[r->nnames] = strdup(r->text[1])) == NULL)
			return -1;
		r->nnames++;
	}
	for (i = 1; i < 5; i++)
		if (get_string(&p, end, r->text[i], LG_STORE_FIELD_MAX) < 0)
			return -1;
	for (i = 0; i < 4; i++)
		if (get_uvarint(&p, end, &v[i]) < 0)
			return -1;
	rec->key = r->text[0];
	rec->plugin = ref ? r->names[ref - 1] : "";
	rec->from = r->text[1];
	rec->to = r->text[2];
	rec->client = r->text[3];
	rec->status = r->text[4];
	rec->count = unzigzag(v[0]);
	rec->size = unzigzag(v[1]);
	rec->created = (time_t)(int64_t)((uint64_t)saved_at +
					 (uint64_t)unzigzag(v[2]));
	rec->expires = (time_t)(int64_t)((uint64_t)saved_at +
					 (uint64_t)unzigzag(v[3]));
	r->pos = (size_t)(p - r->buf);
	return 0;
}

/* check_header - why the header is unusable, or NULL */
static const char *check_header(const unsigned char *h, off_t size,
				char *why, size_t whysize)
{
	uint64_t entries = get_le64(h + 16), payload = get_le64(h + 24);

	if (memcmp(h, SNAP_MAGIC, 8) != 0)
		return "not a snapshot: bad magic";
	if (get_le32(h + 44) != lg_snap_crc32(0, h, 44))
		return "bad header checksum";
	if (get_le32(h + 8) != SNAP_VERSION) {
		snprintf(why, whysize, "unsupported version %u",
			 get_le32(h + 8));
		return why;
	}
	if (payload != (uint64_t)size - SNAP_HEADER) {
		snprintf(why, whysize, "%s: %lld bytes, header says %llu",
			 payload > (uint64_t)size - SNAP_HEADER ?
			 "truncated" : "trailing garbage", (long long)size,
			 (unsigned long long)(payload + SNAP_HEADER));
		return why;
	}
	if (entries > payload / SNAP_RECORD_MIN)
		return "bad entry count";
	return NULL;
}

/* read_entries - stream the payload to the loader; NULL or why not */
static const char *read_entries(struct snap_reader *r, const unsigned char *h,
				time_t now, const struct lg_snapshot_loader *ld,
				struct lg_snapshot_result *res, int *io_r)
{
	uint64_t entries = get_le64(h + 16), i;
	time_t saved_at = (time_t)(int64_t)get_le64(h + 32);
	struct lg_store_record rec;
	int rc;

	r->left = get_le64(h + 24);
	for (i = 0; i < entries; i++) {
		if ((rc = reader_fill(r)) == -1) {
			*io_r = errno;
			return "read error";
		}
		if (rc == -2)
			return "truncated while reading";
		if (reader_record(r, saved_at, &rec) < 0)
			return "malformed record";
		if (rec.expires <= now) {
			res->expired++;
			continue;
		}
		if (ld->entry(ld->arg, &rec) < 0) {
			*io_r = ENOMEM;
			return "cannot store entry";
		}
		res->loaded++;
	}
	if (r->pos != r->len || r->left != 0)
		return "data after the last record";
	if (r->crc != get_le32(h + 40))
		return "payload checksum mismatch";
	return NULL;
}

/* load - lg_snapshot_load; quiet: no log lines, a bad file left as it
 * is (lg_snapshot_count) */
static int load(const char *path, time_t now,
		const struct lg_snapshot_loader *ld,
		struct lg_snapshot_result *res, int quiet)
{
	unsigned char h[SNAP_HEADER];
	struct snap_reader *r = NULL;
	const char *bad = NULL;
	char why[128];
	struct stat st;
	int fd, io = 0;
	size_t i;

	memset(res, 0, sizeof(*res));
	lg_snap_crc_init();
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			if (!quiet)
				lg_log(LG_LOG_INFO, "store: no snapshot %s yet, "
				       "starting with an empty store", path);
			return 0;
		}
		if (!quiet)
			lg_log(LG_LOG_ERROR, "store: cannot read snapshot %s: "
			       "%s; starting with an empty store", path,
			       strerror(errno));
		return -1;
	}
	memset(&st, 0, sizeof(st));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (!quiet)
			lg_log(LG_LOG_ERROR, "store: cannot read snapshot %s: "
			       "%s; starting with an empty store", path,
			       st.st_mode ? "not a regular file" :
			       strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_size == 0)
		bad = "empty file";
	else if (st.st_size < SNAP_HEADER ||
		 pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		bad = "truncated header";
	else
		bad = check_header(h, st.st_size, why, sizeof(why));
	if (bad == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL ||
		    (r->buf = malloc(SNAP_READ_BUF)) == NULL) {
			io = ENOMEM;
			bad = "cannot allocate a buffer";
		} else {
			r->fd = fd;
			(void)lseek(fd, SNAP_HEADER, SEEK_SET);
			if (ld->reserve)
				ld->reserve(ld->arg, (size_t)get_le64(h + 16));
			bad = read_entries(r, h, now, ld, res, &io);
			if (bad)
				ld->discard(ld->arg);
		}
	}
	close(fd);
	if (r) {
		for (i = 0; i < r->nnames; i++)
			free(r->names[i]);
		free(r->names);
		free(r->buf);
		free(r);
	}
	if (bad && quiet)
		return -1;
	if (bad && io) {
		lg_log(LG_LOG_ERROR, "store: cannot load snapshot %s: %s: %s; "
		       "starting with an empty store", path, bad, strerror(io));
		return -1;
	}
	if (bad) {
		set_aside(path, now, bad);
		return -1;
	}
	if (!quiet)
		lg_log(LG_LOG_INFO, "store: loaded %zu entries from snapshot "
		       "%s (%zu expired dropped)", res->loaded, path,
		       res->expired);
	return 0;
}

/* lg_snapshot_load - feed a snapshot's live entries to a loader */
int lg_snapshot_load(const char *path, time_t now,
		     const struct lg_snapshot_loader *ld,
		     struct lg_snapshot_result *res)
{
	return load(path, now, ld, res, 0);
}

/* count_entry, count_discard - a loader that only counts */
static int count_entry(void *arg, const struct lg_store_record *rec)
{
	(void)rec;
	++*(size_t *)arg;
	return 0;
}

static void count_discard(void *arg)
{
	*(size_t *)arg = 0;
}

/* lg_snapshot_count - live entries in a snapshot, quietly: 0, or -1 */
int lg_snapshot_count(const char *path, time_t now, size_t *live_r)
{
	struct lg_snapshot_loader ld = { live_r, NULL, count_entry,
					 count_discard };
	struct lg_snapshot_result res;

	*live_r = 0;
	return load(path, now, &ld, &res, 1);
}
