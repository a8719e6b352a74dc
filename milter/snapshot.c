/*
 * NAME
 *	snapshot.c - write and read the memory store's snapshot file
 * SYNOPSIS
 *	See snapshot.h.
 * DESCRIPTION
 *	The writer queues encoded records in a growing buffer (cheap, so
 *	the caller may hold a shard lock) and writes the buffer when told
 *	to; the header, with the entry count and checksums, goes in last.
 *	The reader streams the file through a 1 MiB buffer, so loading
 *	needs no memory beyond the store itself.
 * DIAGNOSTICS
 *	"store: cannot save snapshot PATH: write PATH.tmp: REASON",
 *	"store: snapshot PATH is unusable (WHY); moved to PATH.corrupt-T".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "snapshot.h"

#define SNAP_MAGIC	"LGSNAP\r\n"
#define SNAP_VERSION	1
#define SNAP_HEADER	48
#define SNAP_NAMES_MAX	65535
#define SNAP_RECORD_MIN	11		/* bytes of the smallest record */
#define SNAP_RECORD_MAX	8192		/* more than the largest record */
#define SNAP_READ_BUF	(1 << 20)

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

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

/* crc_init - tables for CRC-32 (IEEE, reflected), eight bytes a step */
static void crc_init(void)
{
	uint32_t c;
	unsigned i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
		crc_table[0][i] = c;
	}
	for (k = 1; k < 8; k++)
		for (i = 0; i < 256; i++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
				crc_table[0][crc_table[k - 1][i] & 0xff];
}

/* get_le32 - a little-endian 32-bit value */
static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/* get_le64 - a little-endian 64-bit value */
static uint64_t get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* put_le32 - store a little-endian 32-bit value */
static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* put_le64 - store a little-endian 64-bit value */
static void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* crc32_update - continue a CRC-32 over N more bytes (start from 0) */
static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
	const uint32_t (*t)[256] = crc_table;
	uint32_t lo, hi;

	crc = ~crc;
	for (; n >= 8; p += 8, n -= 8) {
		lo = crc ^ get_le32(p);
		hi = get_le32(p + 4);
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
			t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
			t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
			t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (n-- > 0)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

/* zigzag - a signed value as an unsigned one, small magnitudes small */
static uint64_t zigzag(int64_t v)
{
	return v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;
}

/* unzigzag - undo zigzag() */
static int64_t unzigzag(uint64_t u)
{
	return (u & 1) ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
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

	pthread_once(&crc_once, crc_init);
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
		w->crc = crc32_update(w->crc, w->buf, w->len);
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
	put_le32(h + 44, crc32_update(0, h, 44));
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
		r->crc = crc32_update(r->crc, r->buf + r->len, (size_t)k);
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
	if (get_le32(h + 44) != crc32_update(0, h, 44))
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

/* lg_snapshot_load - feed a snapshot's live entries to a loader */
int lg_snapshot_load(const char *path, time_t now,
		     const struct lg_snapshot_loader *ld,
		     struct lg_snapshot_result *res)
{
	unsigned char h[SNAP_HEADER];
	struct snap_reader *r = NULL;
	const char *bad = NULL;
	char why[128];
	struct stat st;
	int fd, io = 0;
	size_t i;

	memset(res, 0, sizeof(*res));
	pthread_once(&crc_once, crc_init);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			lg_log(LG_LOG_INFO, "store: no snapshot %s yet, "
			       "starting with an empty store", path);
			return 0;
		}
		lg_log(LG_LOG_ERROR, "store: cannot read snapshot %s: %s; "
		       "starting with an empty store", path, strerror(errno));
		return -1;
	}
	memset(&st, 0, sizeof(st));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		lg_log(LG_LOG_ERROR, "store: cannot read snapshot %s: %s; "
		       "starting with an empty store", path, st.st_mode ?
		       "not a regular file" : strerror(errno));
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
	if (bad && io) {
		lg_log(LG_LOG_ERROR, "store: cannot load snapshot %s: %s: %s; "
		       "starting with an empty store", path, bad, strerror(io));
		return -1;
	}
	if (bad) {
		set_aside(path, now, bad);
		return -1;
	}
	lg_log(LG_LOG_INFO, "store: loaded %zu entries from snapshot %s "
	       "(%zu expired dropped)", res->loaded, path, res->expired);
	return 0;
}
