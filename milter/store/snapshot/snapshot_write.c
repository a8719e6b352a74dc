/*
 * NAME
 *	snapshot_write.c - write the memory store's snapshot file
 * SYNOPSIS
 *	See snapshot.h.
 * DESCRIPTION
 *	The writer queues encoded records in a growing buffer (cheap, so
 *	the caller may hold a shard lock) and writes the buffer when told
 *	to; the header, with the entry count and checksums, goes in last.
 * DIAGNOSTICS
 *	"store: cannot save snapshot PATH: write PATH.tmp: REASON".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"

/* Store library. */
#include "snapshot.h"
#include "snapshot_impl.h"

struct lg_snapshot_writer {
	char *path;
	char *tmp;
	int fd;
	int error;			/* first errno, 0 if none */
	const char *doing;		/* what failed */
	time_t saved_at;
	uint64_t entries;
	uint64_t payload;
	uint32_t crc;
	unsigned char *buf;
	size_t len;
	size_t cap;
	char **names;			/* plugin names in file order */
	size_t nnames;
};

/* zigzag - a signed value as an unsigned one, small magnitudes small */
static uint64_t zigzag(int64_t v)
{
	return v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;
}

/* put_uvarint - append LEB128 */
static unsigned char *put_uvarint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

/* put_string - append a length and the bytes */
static unsigned char *put_string(unsigned char *p, const char *s, size_t n)
{
	p = put_uvarint(p, n);
	memcpy(p, s, n);
	return p + n;
}

/* write_all - write everything at the current offset, or -1 */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* writer_fail - remember the first error */
static void writer_fail(struct lg_snapshot_writer *w, const char *doing,
			int err)
{
	if (w->error == 0) {
		w->error = err ? err : EIO;
		w->doing = doing;
	}
}

/* writer_free - release a writer */
static void writer_free(struct lg_snapshot_writer *w)
{
	size_t i;

	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->nnames; i++)
		free(w->names[i]);
	free(w->names);
	free(w->buf);
	free(w->tmp);
	free(w->path);
	free(w);
}

/* lg_snapshot_begin - open PATH.tmp and leave room for the header */
struct lg_snapshot_writer *lg_snapshot_begin(const char *path, time_t now)
{
	struct lg_snapshot_writer *w = calloc(1, sizeof(*w));
	size_t n = strlen(path);

	lg_snap_crc_init();
	if (w == NULL || (w->path = strdup(path)) == NULL ||
	    (w->tmp = malloc(n + 5)) == NULL) {
		lg_log(LG_LOG_ERROR, "store: cannot save snapshot %s: %s",
		       path, strerror(ENOMEM));
		if (w) {
			w->fd = -1;
			writer_free(w);
		}
		return NULL;
	}
	memcpy(w->tmp, path, n);
	memcpy(w->tmp + n, ".tmp", 5);
	w->saved_at = now;
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0 || lseek(w->fd, SNAP_HEADER, SEEK_SET) < 0) {
		lg_log(LG_LOG_ERROR, "store: cannot save snapshot %s: open %s: %s",
		       path, w->tmp, strerror(errno));
		if (w->fd >= 0)
			unlink(w->tmp);
		writer_free(w);
		return NULL;
	}
	return w;
}

/* name_ref - the file's reference for a plugin name; *new_r if first use */
static uint64_t name_ref(struct lg_snapshot_writer *w, const char *name,
			 int *new_r)
{
	char **grown;
	size_t i;

	*new_r = 0;
	if (name == NULL || *name == 0)
		return 0;
	for (i = 0; i < w->nnames; i++)
		if (strncmp(w->names[i], name, LG_STORE_PLUGIN_MAX) == 0 &&
		    strlen(w->names[i]) == strnlen(name, LG_STORE_PLUGIN_MAX))
			return i + 1;
	if (w->nnames >= SNAP_NAMES_MAX)
		return 0;
	grown = realloc(w->names, (w->nnames + 1) * sizeof(*grown));
	if (grown == NULL)
		return 0;
	w->names = grown;
	if ((w->names[w->nnames] = strndup(name, LG_STORE_PLUGIN_MAX)) == NULL)
		return 0;
	*new_r = 1;
	return ++w->nnames;
}

/* lg_snapshot_put - encode one record into the buffer */
void lg_snapshot_put(struct lg_snapshot_writer *w,
		     const struct lg_store_record *rec)
{
	const char *s[5] = { rec->key, rec->from, rec->to, rec->client,
			     rec->status };
	size_t n[5], need = 12 * 10 + LG_STORE_PLUGIN_MAX, i;
	unsigned char *p;
	uint64_t ref;
	int fresh;

	if (w->error)
		return;
	for (i = 0; i < 5; i++) {
		if (s[i] == NULL)
			s[i] = "";
		n[i] = strnlen(s[i], i ? LG_STORE_FIELD_MAX :
			       LG_STORE_KEY_MAX + 1);
		need += n[i];
	}
	if (n[0] > LG_STORE_KEY_MAX)
		return;
	if (w->len + need > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : SNAP_READ_BUF;
		unsigned char *grown;

		while (cap < w->len + need)
			cap *= 2;
		if ((grown = realloc(w->buf, cap)) == NULL) {
			writer_fail(w, "allocate buffer for", ENOMEM);
			return;
		}
		w->buf = grown;
		w->cap = cap;
	}
	ref = name_ref(w, rec->plugin, &fresh);
	p = put_string(w->buf + w->len, s[0], n[0]);
	p = put_uvarint(p, ref);
	if (fresh)
		p = put_string(p, w->names[ref - 1], strlen(w->names[ref - 1]));
	for (i = 1; i < 5; i++)
		p = put_string(p, s[i], n[i]);
	p = put_uvarint(p, zigzag(rec->count));
	p = put_uvarint(p, zigzag(rec->size));
	p = put_uvarint(p, zigzag((int64_t)((uint64_t)rec->created -
					    (uint64_t)w->saved_at)));
	p = put_uvarint(p, zigzag((int64_t)((uint64_t)rec->expires -
					    (uint64_t)w->saved_at)));
	w->len = (size_t)(p - w->buf);
	w->entries++;
}

/* lg_snapshot_flush - checksum and write the queued records */
void lg_snapshot_flush(struct lg_snapshot_writer *w)
{
	if (w->error == 0 && w->len > 0) {
		w->crc = lg_snap_crc32(w->crc, w->buf, w->len);
		if (write_all(w->fd, w->buf, w->len) < 0)
			writer_fail(w, "write", errno);
		w->payload += w->len;
	}
	w->len = 0;
}

/* header_build - the 48-byte header */
static void header_build(unsigned char *h, uint64_t entries,
			 uint64_t payload, time_t saved_at, uint32_t crc)
{
	memcpy(h, SNAP_MAGIC, 8);
	put_le32(h + 8, SNAP_VERSION);
	put_le32(h + 12, 0);
	put_le64(h + 16, entries);
	put_le64(h + 24, payload);
	put_le64(h + 32, (uint64_t)saved_at);
	put_le32(h + 40, crc);
	put_le32(h + 44, lg_snap_crc32(0, h, 44));
}

/* sync_dir - make the rename durable; failure only costs durability */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) :
		strdup(".");
	int fd;

	if (dir == NULL)
		return;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* lg_snapshot_commit - header, fsync, close, rename over PATH */
int lg_snapshot_commit(struct lg_snapshot_writer *w, size_t *entries_r)
{
	unsigned char hdr[SNAP_HEADER];
	int rc = 0;

	lg_snapshot_flush(w);
	if (w->error == 0) {
		header_build(hdr, w->entries, w->payload, w->saved_at, w->crc);
		if (pwrite(w->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
			writer_fail(w, "write", errno);
		else if (fsync(w->fd) < 0)
			writer_fail(w, "fsync", errno);
	}
	if (close(w->fd) < 0)
		writer_fail(w, "close", errno);
	w->fd = -1;
	if (w->error == 0 && rename(w->tmp, w->path) < 0)
		writer_fail(w, "rename", errno);
	if (w->error) {
		lg_log(LG_LOG_ERROR, "store: cannot save snapshot %s: %s %s: %s",
		       w->path, w->doing, w->tmp, strerror(w->error));
		unlink(w->tmp);
		rc = -1;
	} else {
		sync_dir(w->path);
		if (entries_r)
			*entries_r = (size_t)w->entries;
	}
	writer_free(w);
	return rc;
}
