/*
 * NAME
 *	state_line.c - write and read one line of a state export file
 * SYNOPSIS
 *	See state_line.h.
 * DESCRIPTION
 *	The format is described in state_line.h. Writing escapes the text
 *	fields with the log's escaper (escape.c); reading undoes exactly
 *	that escaping, checks every number and every size, and never
 *	writes past the buffers of struct lg_state_line. loopguardctl
 *	compiles this file too (with escape.c), to check a file before it
 *	sends it and what it writes.
 * DIAGNOSTICS
 *	lg_state_parse() and lg_state_header() say what is wrong in ERR,
 *	naming the field ("field 4 (count): not a number"); the caller
 *	adds the file name and the line number.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "escape.h"

/* Store library. */
#include "state_line.h"

#define NFIELDS	11

enum { S_TYPE, S_KEY, S_PLUGIN, S_COUNT, S_SIZE, S_CREATED, S_EXPIRES,
       S_FROM, S_TO, S_CLIENT, S_STATUS };

static const char *const names[NFIELDS] = {
	"type", "key", "plugin", "count", "size", "created", "expires",
	"from", "to", "client", "status"
};

/* One piece of output being built. */
struct out {
	char *buf;
	size_t size, at;
	int full;
};

/* put - append n bytes, or mark the output full */
static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->at + n + 1 > o->size) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->at, s, n);
	o->at += n;
	o->buf[o->at] = 0;
}

/* put_text - a tab and up to max bytes of s, escaped */
static void put_text(struct out *o, const char *s, size_t max)
{
	char piece[LG_ESCAPE_MAX + 1];
	size_t left = s ? strnlen(s, max) : 0, used, n;

	put(o, "\t", 1);
	while (left > 0 && !o->full) {
		n = lg_escape_one(s, left, piece, &used);
		put(o, piece, n);
		s += used;
		left -= used;
	}
}

/* put_number - a tab and a decimal number */
static void put_number(struct out *o, long long v)
{
	char num[32];

	put(o, num, (size_t)snprintf(num, sizeof(num), "\t%lld", v));
}

/* clamp - a time as the stores keep it: 0 .. 2^32-1 */
static long long clamp(long long t)
{
	return t < 0 ? 0 : t > (long long)UINT32_MAX ? (long long)UINT32_MAX
						     : t;
}

/* lg_state_format - one entry line, without a newline */
size_t lg_state_format(const struct lg_store_record *rec, char *buf,
		       size_t size)
{
	struct out o = { buf, size, 0, 0 };
	size_t klen;

	if (size == 0 || rec->key == NULL)
		return 0;
	buf[0] = 0;
	klen = strlen(rec->key);
	if (klen == 0 || klen > LG_STORE_KEY_MAX)
		return 0;
	put(&o, "entry", 5);
	put_text(&o, rec->key, LG_STORE_KEY_MAX);
	put_text(&o, rec->plugin, LG_STORE_PLUGIN_MAX);
	put_number(&o, rec->count);
	put_number(&o, rec->size);
	put_number(&o, clamp((long long)rec->created));
	put_number(&o, clamp((long long)rec->expires));
	put_text(&o, rec->from, LG_STORE_FIELD_MAX);
	put_text(&o, rec->to, LG_STORE_FIELD_MAX);
	put_text(&o, rec->client, LG_STORE_FIELD_MAX);
	put_text(&o, rec->status, LG_STORE_FIELD_MAX);
	if (o.full) {
		buf[0] = 0;
		return 0;
	}
	return o.at;
}

/* lg_state_header - the first line: the format and version 1 */
int lg_state_header(const char *line, size_t len, char *err,
		    size_t errsize)
{
	size_t hlen = strlen(LG_STATE_HEADER);

	if (len == hlen && memcmp(line, LG_STATE_HEADER, hlen) == 0)
		return 0;
	if (len > 16 && memcmp(line, "loopguard-state\t", 16) == 0)
		snprintf(err, errsize, "format version %.*s is not supported "
			 "(this loopguard reads version 1)",
			 (int)(len - 16 > 20 ? 20 : len - 16), line + 16);
	else
		snprintf(err, errsize, "not a loopguard state file (the first "
			 "line must be \"loopguard-state<TAB>1\")");
	return -1;
}

/* unescape - n bytes of a text field into dst (at most max bytes and a
 * NUL): 0, or -1 with err */
static int unescape(const char *s, size_t n, char *dst, size_t max, int f,
		    char *err, size_t errsize)
{
	size_t i = 0, at = 0, used;
	unsigned char c;

	while (i < n) {
		c = (unsigned char)s[i++];
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errsize, "field %d (%s): control byte "
				 "0x%02x (write it as \\xHH)", f + 1, names[f],
				 c);
			return -1;
		}
		if (c == '\\') {
			if ((used = lg_unescape_one(s + i - 1, n - i + 1, &c)) == 0)
				goto bad;
			i += used - 1;
			if (c == 0) {
				snprintf(err, errsize, "field %d (%s): "
					 "\\x00 is not allowed", f + 1,
					 names[f]);
				return -1;
			}
		}
		if (at == max) {
			snprintf(err, errsize, "field %d (%s): longer than %zu "
				 "bytes", f + 1, names[f], max);
			return -1;
		}
		dst[at++] = (char)c;
	}
	dst[at] = 0;
	return 0;
bad:
	snprintf(err, errsize, "field %d (%s): bad escape at byte %zu (use "
		 "\\\\, \\t, \\n, \\r or \\xHH)", f + 1, names[f], i);
	return -1;
}

/* number - a decimal integer of n bytes within lo .. hi: 0, or -1 */
static int number(const char *s, size_t n, long long lo, long long hi,
		  long long *v_r, int f, char *err, size_t errsize)
{
	char tmp[24], *end;
	long long v;

	if (n == 0 || n >= sizeof(tmp) || strspn(s + (s[0] == '-'),
		"0123456789") != n - (s[0] == '-') || n == (s[0] == '-'))
		goto bad;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno || *end || v < lo || v > hi)
		goto bad;
	*v_r = v;
	return 0;
bad:
	snprintf(err, errsize, "field %d (%s): not a number from %lld to "
		 "%lld", f + 1, names[f], lo, hi);
	return -1;
}

/* lg_state_parse - one line: 1 and a record, 0 for a comment, -1 */
int lg_state_parse(const char *line, size_t len, time_t now,
		   struct lg_state_line *out, char *err, size_t errsize)
{
	char *const text[NFIELDS] = { NULL, out->key, out->plugin, NULL, NULL,
		NULL, NULL, out->from, out->to, out->client, out->status };
	static const size_t max[NFIELDS] = { 0, LG_STORE_KEY_MAX,
		LG_STORE_PLUGIN_MAX, 0, 0, 0, 0, LG_STORE_FIELD_MAX,
		LG_STORE_FIELD_MAX, LG_STORE_FIELD_MAX, LG_STORE_FIELD_MAX };
	const char *start[NFIELDS], *p, *end = line + len, *tab;
	size_t flen[NFIELDS];
	long long v[NFIELDS];
	int f = 0;

	memset(&out->rec, 0, sizeof(out->rec));
	out->expired = 0;
	if (len > LG_STATE_LINE_MAX) {
		snprintf(err, errsize, "line too long (%zu bytes, at most %d)",
			 len, LG_STATE_LINE_MAX);
		return -1;
	}
	if (len == 0 || line[0] == '#')
		return 0;
	for (p = line; f < NFIELDS; f++) {
		start[f] = p;
		tab = memchr(p, '\t', (size_t)(end - p));
		flen[f] = (size_t)((tab ? tab : end) - p);
		if (tab == NULL)
			break;
		p = tab + 1;
	}
	if (flen[S_TYPE] != 5 || memcmp(line, "entry", 5) != 0) {
		snprintf(err, errsize, "unknown line (an entry line starts "
			 "with \"entry\" and a tab)");
		return -1;
	}
	if (f != NFIELDS - 1) {
		snprintf(err, errsize, "%s%d tab-separated fields, expected "
			 "%d (entry, key, plugin, count, size, created, "
			 "expires, from, to, client, status)", f < NFIELDS ?
			 "" : "more than ", f < NFIELDS ? f + 1 : NFIELDS,
			 NFIELDS);
		return -1;
	}
	for (f = 1; f < NFIELDS; f++) {
		if (text[f] && unescape(start[f], flen[f], text[f], max[f], f,
					err, errsize) < 0)
			return -1;
		if (text[f] == NULL &&
		    number(start[f], flen[f], f >= S_CREATED ? 0 :
			   f == S_SIZE ? -1 : INT64_MIN, f >= S_CREATED ?
			   (long long)UINT32_MAX : INT64_MAX, &v[f], f, err,
			   errsize) < 0)
			return -1;
	}
	if (out->key[0] == 0) {
		snprintf(err, errsize, "field 2 (key): empty");
		return -1;
	}
	out->rec.key = out->key;
	out->rec.plugin = out->plugin;
	out->rec.from = out->from;
	out->rec.to = out->to;
	out->rec.client = out->client;
	out->rec.status = out->status;
	out->rec.count = v[S_COUNT];
	out->rec.size = v[S_SIZE];
	out->rec.created = (time_t)v[S_CREATED];
	out->rec.expires = (time_t)v[S_EXPIRES];
	out->expired = v[S_EXPIRES] <= (long long)now;
	return 1;
}
