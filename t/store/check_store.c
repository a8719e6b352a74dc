/*
 * NAME
 *	check_store - unit tests of the memory store and its snapshot
 * SYNOPSIS
 *	check_store
 * DESCRIPTION
 *	Every call gets "now" from the test, so windows and expiry are
 *	checked without sleeping. Snapshot files live in a fresh directory
 *	per test. Log lines are captured in memory (LG_LOG_MEMORY).
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_open.h"
#include "store_memory.h"

#define T0	1000

static struct lg_store st;
static char dir[64];
static char snap[128];

struct capture {
	const char *key;
	int found;
	char plugin[80];
	char from[1100], to[1100], client[1100], status[1100];
	long long count, size;
	time_t created, expires;
};

/* setup - a fresh directory and an empty log for each test */
static void setup(void)
{
	strcpy(dir, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(snap, sizeof(snap), "%s/state", dir);
	lg_log_capture_reset();
	memset(&st, 0, sizeof(st));
}

/* teardown - close the store if a test left it open, remove the files */
static void teardown(void)
{
	struct dirent *d;
	char path[512];
	DIR *dp;

	if (st.ops)
		lg_store_close(&st, T0);
	if ((dp = opendir(dir)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			if (d->d_name[0] != '.')
				unlink(path);
		}
		closedir(dp);
	}
	rmdir(dir);
}

/* open_store - open the memory store, failing the test if it cannot */
static void open_store(const char *path, long long interval, size_t max,
		       time_t now)
{
	struct lg_store_memory_opts o = { path, interval, max };
	char err[256] = "";

	ck_assert_msg(lg_store_open("memory", &o, NULL, now, &st, err,
				    sizeof(err)) == 0, "open: %s", err);
}

/* occurrences - how often needle appears in the captured log */
static int occurrences(const char *needle)
{
	const char *p = lg_log_captured();
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* logged - the captured log holds needle */
static int logged(const char *needle)
{
	return strstr(lg_log_captured(), needle) != NULL;
}

/* capture_fn - keep a copy of the record for the wanted key */
static int capture_fn(void *arg, const struct lg_store_record *r)
{
	struct capture *c = arg;

	if (strcmp(r->key, c->key) != 0)
		return 0;
	c->found++;
	snprintf(c->plugin, sizeof(c->plugin), "%s", r->plugin);
	snprintf(c->from, sizeof(c->from), "%s", r->from);
	snprintf(c->to, sizeof(c->to), "%s", r->to);
	snprintf(c->client, sizeof(c->client), "%s", r->client);
	snprintf(c->status, sizeof(c->status), "%s", r->status);
	c->count = r->count;
	c->size = r->size;
	c->created = r->created;
	c->expires = r->expires;
	return 0;
}

/* fetch - the full record of key, via scan; returns how often seen */
static int fetch(const char *key, time_t now, struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->key = key;
	ck_assert_int_eq(st.ops->scan(st.be, key, now, capture_fn, c), 0);
	return c->found;
}

/* entries - how many entries the store holds */
static size_t entries(void)
{
	struct lg_store_stats s;

	st.ops->stats(st.be, &s);
	return s.entries;
}

/* live_count - a key's count, or -1 when it is not live */
static long long live_count(const char *key, time_t now)
{
	struct lg_store_value v;

	return st.ops->get(st.be, key, now, &v) == 1 ? v.count : -1;
}

/* counter_fn - count records; stop after *arg calls when that is > 0 */
static int counter_fn(void *arg, const struct lg_store_record *r)
{
	int *n = arg;

	(void)r;
	n[0]++;
	return n[1] > 0 && n[0] >= n[1];
}

/* scan_count - live entries under prefix */
static int scan_count(const char *prefix, time_t now)
{
	int n[2] = { 0, 0 };

	ck_assert_int_eq(st.ops->scan(st.be, prefix, now, counter_fn, n), 0);
	return n[0];
}

START_TEST(incr_fixed_window)
{
	struct lg_store_value v;
	long long c = 0;

	open_store(NULL, 0, 0, T0);
	ck_assert_int_eq(st.ops->incr(st.be, "w", 1, 60, T0, "repeat", NULL,
				      &c), 0);
	ck_assert_int_eq(c, 1);
	ck_assert_int_eq(st.ops->incr(st.be, "w", 2, 600, T0 + 30, "repeat",
				      NULL, &c), 0);
	ck_assert_int_eq(c, 3);
	ck_assert_int_eq(st.ops->get(st.be, "w", T0 + 59, &v), 1);
	ck_assert_int_eq(v.count, 3);
	ck_assert_int_eq(v.created, T0);
	ck_assert_int_eq(v.expires, T0 + 60);	/* the window is fixed */
	ck_assert_int_eq(st.ops->get(st.be, "w", T0 + 60, &v), 0);
	ck_assert_int_eq(st.ops->incr(st.be, "w", 5, 60, T0 + 60, "repeat",
				      NULL, &c), 0);
	ck_assert_int_eq(c, 5);
	ck_assert_int_eq(st.ops->get(st.be, "w", T0 + 60, &v), 1);
	ck_assert_int_eq(v.created, T0 + 60);
	ck_assert_int_eq(v.expires, T0 + 120);
	ck_assert_int_eq(st.ops->incr(st.be, "w", -2, 60, T0 + 61, NULL,
				      NULL, &c), 0);
	ck_assert_int_eq(c, 3);
}
END_TEST

START_TEST(expiry_lazy_and_tick)
{
	char key[32];
	int i;

	open_store(NULL, 0, 0, T0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "short:%d", i);
		st.ops->set(st.be, key, 1, 10, T0, "repeat", NULL);
	}
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "long:%d", i);
		st.ops->set(st.be, key, 1, 1000, T0, "repeat", NULL);
	}
	ck_assert_uint_eq(entries(), 150);
	ck_assert_int_eq(live_count("short:7", T0 + 9), 1);
	ck_assert_int_eq(live_count("short:7", T0 + 10), -1);
	ck_assert_uint_lt(entries(), 150);	/* reclaimed on the way */
	ck_assert_int_eq(scan_count("", T0 + 10), 50);
	st.ops->tick(st.be, T0 + 20);
	ck_assert_uint_eq(entries(), 50);
	ck_assert_int_eq(scan_count("long:", T0 + 20), 50);
}
END_TEST

START_TEST(add_if_absent)
{
	struct lg_store_meta m1 = { NULL, NULL, NULL, "blocked", -1 };
	struct lg_store_meta m2 = { "x@y", NULL, NULL, "other", 5 };
	struct lg_store_value v;
	struct capture c;

	open_store(NULL, 0, 0, T0);
	ck_assert_int_eq(st.ops->add(st.be, "a", 10, T0, "autoreply", &m1), 1);
	ck_assert_int_eq(st.ops->add(st.be, "a", 99, T0 + 5, "bounce", &m2),
			 0);
	ck_assert_int_eq(st.ops->get(st.be, "a", T0 + 5, &v), 1);
	ck_assert_int_eq(v.count, 1);
	ck_assert_int_eq(v.expires, T0 + 10);
	ck_assert_str_eq(v.status, "blocked");
	ck_assert_int_eq(fetch("a", T0 + 5, &c), 1);
	ck_assert_str_eq(c.plugin, "autoreply");
	ck_assert_str_eq(c.from, "");
	ck_assert_int_eq(c.size, 0);
	ck_assert_int_eq(st.ops->add(st.be, "a", 10, T0 + 10, NULL, NULL), 1);
	ck_assert_int_eq(st.ops->get(st.be, "a", T0 + 10, &v), 1);
	ck_assert_int_eq(v.created, T0 + 10);
	ck_assert_int_eq(v.expires, T0 + 20);
	ck_assert_str_eq(v.status, "");
}
END_TEST

START_TEST(get_set_del)
{
	struct lg_store_value v;
	long long c;

	open_store(NULL, 0, 0, T0);
	ck_assert_int_eq(st.ops->get(st.be, "none", T0, &v), 0);
	ck_assert_int_eq(st.ops->set(st.be, "s", 5, 100, T0, "harvest", NULL),
			 0);
	ck_assert_int_eq(live_count("s", T0), 5);
	st.ops->incr(st.be, "s", 1, 5, T0 + 1, "harvest", NULL, &c);
	ck_assert_int_eq(c, 6);
	ck_assert_int_eq(st.ops->set(st.be, "s", 2, 10, T0 + 50, "harvest",
				     NULL), 0);
	ck_assert_int_eq(st.ops->get(st.be, "s", T0 + 50, &v), 1);
	ck_assert_int_eq(v.count, 2);
	ck_assert_int_eq(v.created, T0);
	ck_assert_int_eq(v.expires, T0 + 60);
	ck_assert_int_eq(st.ops->del(st.be, "s"), 0);
	ck_assert_int_eq(st.ops->get(st.be, "s", T0 + 50, &v), 0);
	ck_assert_int_eq(st.ops->del(st.be, "s"), 0);
	ck_assert_uint_eq(entries(), 0);
}
END_TEST

START_TEST(meta_update_rules)
{
	struct lg_store_meta full = { "a@x.example", "b@y.example", "10.0.0.1",
				      "counting", 1234 };
	struct lg_store_meta to_only = { NULL, "c@z.example", NULL, NULL, -1 };
	struct lg_store_meta status = { NULL, NULL, NULL, "looping", 99 };
	struct lg_store_meta longer = { NULL, NULL, NULL,
					"a-very-long-status-value", -1 };
	static char big[3000], key[2000];
	struct lg_store_value v;
	struct capture c;
	long long n;

	open_store(NULL, 0, 0, T0);
	st.ops->incr(st.be, "m", 1, 60, T0, "repeat", &full, &n);
	st.ops->incr(st.be, "m", 1, 60, T0, NULL, &to_only, &n);
	ck_assert_int_eq(fetch("m", T0, &c), 1);
	ck_assert_str_eq(c.plugin, "repeat");
	ck_assert_str_eq(c.from, "a@x.example");
	ck_assert_str_eq(c.to, "c@z.example");
	ck_assert_str_eq(c.client, "10.0.0.1");
	ck_assert_str_eq(c.status, "counting");
	ck_assert_int_eq(c.size, 1234);
	ck_assert_int_eq(c.count, 2);
	st.ops->set(st.be, "m", 7, 60, T0, "harvest", &status);
	st.ops->incr(st.be, "m", 1, 60, T0, NULL, NULL, &n);
	ck_assert_int_eq(fetch("m", T0, &c), 1);
	ck_assert_str_eq(c.plugin, "harvest");
	ck_assert_str_eq(c.from, "a@x.example");
	ck_assert_str_eq(c.to, "c@z.example");
	ck_assert_str_eq(c.status, "looping");
	ck_assert_int_eq(c.size, 99);
	ck_assert_int_eq(c.count, 8);
	st.ops->incr(st.be, "m", 0, 60, T0, NULL, &longer, &n);
	ck_assert_int_eq(st.ops->get(st.be, "m", T0, &v), 1);
	ck_assert_str_eq(v.status, "a-very-long-sta");
	memset(big, 'f', sizeof(big) - 1);
	full.from = big;
	st.ops->incr(st.be, "m", 0, 60, T0, NULL, &full, &n);
	ck_assert_int_eq(fetch("m", T0, &c), 1);
	ck_assert_uint_eq(strlen(c.from), 1024);	/* LG_STORE_FIELD_MAX */
	memset(key, 'k', sizeof(key) - 1);
	ck_assert_int_eq(st.ops->incr(st.be, key, 1, 60, T0, NULL, NULL, &n),
			 -1);
	ck_assert(logged("refused"));
}
END_TEST

/* delete_fn - remove each record's key from inside the scan */
static int delete_fn(void *arg, const struct lg_store_record *r)
{
	(*(int *)arg)++;
	return st.ops->del(st.be, r->key);
}

START_TEST(scan_prefix)
{
	int n[2] = { 0, 3 }, deleted = 0, i;
	char key[32];

	open_store(NULL, 0, 0, T0);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "p:%d", i);
		st.ops->set(st.be, key, i, 100, T0, "repeat", NULL);
	}
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "q:%d", i);
		st.ops->set(st.be, key, i, 100, T0, "harvest", NULL);
	}
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "p:old%d", i);
		st.ops->set(st.be, key, i, 5, T0, "repeat", NULL);
	}
	ck_assert_int_eq(scan_count("p:", T0), 13);
	ck_assert_int_eq(scan_count("p:", T0 + 10), 10);
	ck_assert_int_eq(scan_count("q:", T0 + 10), 5);
	ck_assert_int_eq(scan_count("", T0 + 10), 15);
	ck_assert_int_eq(scan_count("r:", T0 + 10), 0);
	ck_assert_int_eq(st.ops->scan(st.be, "", T0 + 10, counter_fn, n), 0);
	ck_assert_int_eq(n[0], 3);			/* stopped early */
	ck_assert_int_eq(st.ops->scan(st.be, "p:", T0 + 10, delete_fn,
				      &deleted), 0);
	ck_assert_int_eq(deleted, 10);
	ck_assert_int_eq(scan_count("p:", T0 + 10), 0);
	ck_assert_int_eq(scan_count("", T0 + 10), 5);
}
END_TEST

START_TEST(evict_closest_to_expiry)
{
	struct lg_store_stats s;
	char key[32];
	long long c;
	int i;

	open_store(NULL, 0, 100, T0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "s%02d", i);
		st.ops->set(st.be, key, 1, 100 + i, T0, "repeat", NULL);
	}
	ck_assert_uint_eq(entries(), 100);
	ck_assert(!logged("max_entries"));
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "l%02d", i);
		st.ops->set(st.be, key, 1, 10000, T0, "repeat", NULL);
	}
	st.ops->stats(st.be, &s);
	ck_assert_uint_eq(s.entries, 100);
	ck_assert_uint_eq(s.evicted, 40);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "s%02d", i);
		ck_assert_int_eq(live_count(key, T0) == 1, i >= 40);
	}
	ck_assert_int_eq(scan_count("l", T0), 40);
	st.ops->incr(st.be, "l00", 1, 10, T0, NULL, NULL, &c);	/* no room */
	st.ops->stats(st.be, &s);
	ck_assert_uint_eq(s.evicted, 40);
	ck_assert(logged("store: max_entries 100 reached, evicted 1 entries "
			 "closest to expiry"));
	ck_assert_int_eq(occurrences("max_entries"), 1);	/* rate limited */
	st.ops->tick(st.be, T0 + 61);
	ck_assert_int_eq(occurrences("max_entries"), 2);
	ck_assert(logged("evicted 39 entries closest to expiry"));
}
END_TEST

START_TEST(evict_sampled_keeps_long_lived)
{
	struct lg_store_stats s;
	char key[32];
	int i;

	open_store(NULL, 0, 20000, T0);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "short:%d", i);
		st.ops->set(st.be, key, 1, 100 + i % 1000, T0, NULL, NULL);
	}
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "long:%d", i);
		st.ops->set(st.be, key, 1, 100000, T0, NULL, NULL);
		ck_assert_uint_le(entries(), 20000);
	}
	st.ops->stats(st.be, &s);
	ck_assert_uint_ge(s.evicted, 2000);
	ck_assert_int_eq(scan_count("long:", T0), 2000);
	ck_assert(logged("store: max_entries 20000 reached"));
}
END_TEST

START_TEST(bytes_per_entry)
{
	struct lg_store_meta m = { NULL, NULL, NULL, "counting", 4321 };
	char key[64], from[40], to[40], client[20];
	struct lg_store_stats s;
	int i;

	open_store(NULL, 0, 0, T0);
	m.from = from;
	m.to = to;
	m.client = client;
	for (i = 0; i < 100000; i++) {
		snprintf(client, sizeof(client), "192.0.%d.%d", i / 250 % 250,
			 i % 250);
		snprintf(key, sizeof(key), "repeat:%s:%032x", client,
			 (unsigned)i * 2654435761u);
		snprintf(from, sizeof(from), "sender%06d@example.net", i);
		snprintf(to, sizeof(to), "rcpt%06d@customer.example", i);
		st.ops->incr(st.be, key, 1, 3600, T0, "repeat", &m, NULL);
	}
	st.ops->stats(st.be, &s);
	ck_assert_uint_eq(s.entries, 100000);
	ck_assert_uint_le(s.bytes / s.entries, 200);
	ck_assert_uint_ge(s.bytes / s.entries, 150);
}
END_TEST

START_TEST(snapshot_round_trip)
{
	struct lg_store_meta ma = { "a@x.example", "b@y.example", "10.1.2.3",
				    "counting", 2048 };
	struct lg_store_meta mb = { "", "postmaster@y.example", "2001:db8::1",
				    "blocked", 6000000000LL };
	static char big[1100];
	struct lg_store_meta md = { big, big, big, big, 0 };
	struct capture c;
	long long n;

	memset(big, 'z', 1024);
	open_store(snap, 60, 0, T0);
	ck_assert(logged("no snapshot"));
	st.ops->incr(st.be, "repeat:a", 3, 1000, T0, "repeat", &ma, &n);
	st.ops->set(st.be, "harvest:b", 7, 2000, T0 + 5, "harvest", &mb);
	st.ops->add(st.be, "c", 100, T0, NULL, NULL);
	st.ops->set(st.be, "bounce:d", -42, 500, T0, "bounce", &md);
	st.ops->tick(st.be, T0 + 30);
	ck_assert_int_eq(access(snap, F_OK), -1);
	st.ops->tick(st.be, T0 + 60);
	ck_assert_int_eq(access(snap, F_OK), 0);
	lg_store_close(&st, T0 + 70);
	lg_log_capture_reset();
	open_store(snap, 60, 0, T0 + 100);
	ck_assert(logged("store: loaded 3 entries from snapshot"));
	ck_assert(logged("(1 expired dropped)"));
	ck_assert_uint_eq(entries(), 3);
	ck_assert_int_eq(fetch("c", T0 + 100, &c), 0);
	ck_assert_int_eq(fetch("repeat:a", T0 + 100, &c), 1);
	ck_assert_str_eq(c.plugin, "repeat");
	ck_assert_str_eq(c.from, "a@x.example");
	ck_assert_str_eq(c.to, "b@y.example");
	ck_assert_str_eq(c.client, "10.1.2.3");
	ck_assert_str_eq(c.status, "counting");
	ck_assert_int_eq(c.count, 3);
	ck_assert_int_eq(c.size, 2048);
	ck_assert_int_eq(c.created, T0);
	ck_assert_int_eq(c.expires, T0 + 1000);
	ck_assert_int_eq(fetch("harvest:b", T0 + 100, &c), 1);
	ck_assert_str_eq(c.plugin, "harvest");
	ck_assert_str_eq(c.from, "");
	ck_assert_str_eq(c.to, "postmaster@y.example");
	ck_assert_str_eq(c.client, "2001:db8::1");
	ck_assert_str_eq(c.status, "blocked");
	ck_assert_int_eq(c.count, 7);
	ck_assert_int_eq(c.size, 6000000000LL);
	ck_assert_int_eq(c.created, T0 + 5);
	ck_assert_int_eq(c.expires, T0 + 2005);
	ck_assert_int_eq(fetch("bounce:d", T0 + 100, &c), 1);
	ck_assert_str_eq(c.plugin, "bounce");
	ck_assert_str_eq(c.from, big);
	ck_assert_str_eq(c.status, big);
	ck_assert_int_eq(c.count, -42);
	/* the loaded store keeps working and saves again */
	st.ops->incr(st.be, "repeat:a", 1, 10, T0 + 100, "repeat", NULL, &n);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(lg_store_memory_save(&st, T0 + 100), 0);
}
END_TEST

/* crc32_bitwise - a slow, independent CRC-32 to forge a valid header */
static uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* file_read - a whole file; *len_r its size */
static unsigned char *file_read(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 64);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len_r = (size_t)n;
	return buf;
}

/* file_write - replace a file's content */
static void file_write(const char *path, const unsigned char *buf, size_t n)
{
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(buf, 1, n, fp), n);
	fclose(fp);
}

/* make_snapshot - a valid snapshot of n entries at snap */
static void make_snapshot(int n)
{
	struct lg_store_meta m = { "a@x.example", "b@y.example", "10.0.0.1",
				   "counting", 100 };
	char key[32];
	int i;

	open_store(snap, 60, 0, T0);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "repeat:%d", i);
		st.ops->incr(st.be, key, i, 100000, T0, "repeat", &m, NULL);
	}
	lg_store_close(&st, T0);
}

static const struct bad_case {
	const char *name;
	const char *logs;		/* expected in the log line */
} bad_cases[] = {
	{ "random bytes", "bad magic" },
	{ "empty file", "empty file" },
	{ "truncated header", "truncated header" },
	{ "truncated payload", "truncated" },
	{ "wrong magic", "bad magic" },
	{ "payload bit flip", "is unusable" },
	{ "header field changed", "bad header checksum" },
	{ "newer version", "unsupported version 2" },
	{ "trailing garbage", "trailing garbage" },
};

START_TEST(snapshot_unusable)
{
	const struct bad_case *bc = &bad_cases[_i];
	unsigned char *buf;
	char aside[256];
	size_t n, i;
	uint32_t x = 12345;

	make_snapshot(50);
	buf = file_read(snap, &n);
	switch (_i) {
	case 0:
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (unsigned char)(x >> 16);
		}
		break;
	case 1:
		n = 0;
		break;
	case 2:
		n = 20;
		break;
	case 3:
		n -= 7;
		break;
	case 4:
		buf[0] ^= 0x20;
		break;
	case 5:
		buf[n / 2] ^= 0x04;
		break;
	case 6:
		buf[16] ^= 0x01;
		break;
	case 7:
		buf[8] = 2;
		buf[44] = crc32_bitwise(buf, 44) & 0xff;
		buf[45] = (crc32_bitwise(buf, 44) >> 8) & 0xff;
		buf[46] = (crc32_bitwise(buf, 44) >> 16) & 0xff;
		buf[47] = crc32_bitwise(buf, 44) >> 24;
		break;
	case 8:
		memcpy(buf + n, "garbage", 7);
		n += 7;
		break;
	}
	file_write(snap, buf, n);
	free(buf);
	lg_log_capture_reset();
	open_store(snap, 60, 0, 5000);
	ck_assert_msg(logged(bc->logs), "%s: log says: %s", bc->name,
		      lg_log_captured());
	ck_assert(logged("corrupt-5000"));
	ck_assert_uint_eq(entries(), 0);
	ck_assert_int_eq(access(snap, F_OK), -1);
	snprintf(aside, sizeof(aside), "%s.corrupt-5000", snap);
	ck_assert_int_eq(access(aside, F_OK), 0);
	/* and the store works and saves afresh */
	ck_assert_int_eq(st.ops->add(st.be, "k", 100, 5000, NULL, NULL), 1);
	lg_store_close(&st, 5001);
	open_store(snap, 60, 0, 5002);
	ck_assert_uint_eq(entries(), 1);
}
END_TEST

START_TEST(save_unwritable_dir)
{
	char path[256];
	long long n;

	snprintf(path, sizeof(path), "%s/file", dir);
	file_write(path, (const unsigned char *)"x", 1);
	snprintf(snap, sizeof(snap), "%s/file/state", dir);
	open_store(snap, 60, 0, T0);
	ck_assert(logged("cannot read snapshot"));
	st.ops->incr(st.be, "k", 1, 100, T0, "repeat", NULL, &n);
	lg_log_capture_reset();
	ck_assert_int_eq(lg_store_memory_save(&st, T0), -1);
	ck_assert(logged("store: cannot save snapshot"));
	ck_assert(logged(snap));
	ck_assert(logged("Not a directory"));
	st.ops->tick(st.be, T0 + 120);		/* fails again, logged */
	ck_assert_int_eq(occurrences("cannot save snapshot"), 2);
	ck_assert_int_eq(live_count("k", T0 + 1), 1);
	lg_store_close(&st, T0 + 2);
	ck_assert_int_eq(occurrences("cannot save snapshot"), 3);
}
END_TEST

START_TEST(save_file_too_large)
{
	struct lg_store_meta m = { NULL, NULL, NULL, "counting", 1 };
	static char big[1000];
	struct lg_store_memory_opts o = { snap, 60, 0 };
	struct lg_store_stats s;
	struct lg_store st2;
	struct rlimit old, small;
	char key[32], tmp[256], err[128];
	int i;

	make_snapshot(10);
	open_store(snap, 60, 0, T0);
	memset(big, 'b', sizeof(big) - 1);
	m.from = big;
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "big:%d", i);
		st.ops->set(st.be, key, 1, 10000, T0, "repeat", &m);
	}
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 100000;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	lg_log_capture_reset();
	ck_assert_int_eq(lg_store_memory_save(&st, T0), -1);
	setrlimit(RLIMIT_FSIZE, &old);
	ck_assert(logged("store: cannot save snapshot"));
	ck_assert(logged("File too large"));
	snprintf(tmp, sizeof(tmp), "%s.tmp", snap);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_uint_eq(entries(), 2010);
	/* the old file is intact: a second store loads it */
	ck_assert_int_eq(lg_store_memory_open(&o, T0, &st2, err, sizeof(err)),
			 0);
	st2.ops->stats(st2.be, &s);
	ck_assert_uint_eq(s.entries, 10);
	lg_store_close(&st2, T0);
}
END_TEST

#define THREADS		8
#define ROUNDS		20000
#define HOT_KEYS	50

/* hammer - incr on shared keys, plus other traffic on private keys */
static void *hammer(void *arg)
{
	static const char *const plugins[] = { "repeat", "harvest", "bounce" };
	struct lg_store_meta m = { "a@x.example", NULL, "10.0.0.1", NULL, -1 };
	long id = (long)arg;
	struct lg_store_value v;
	char key[32];
	long long c;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		snprintf(key, sizeof(key), "hot:%d", (i + (int)id) % HOT_KEYS);
		m.status = i & 1 ? "counting" : "looping";
		if (st.ops->incr(st.be, key, 1, 100000, T0,
				 plugins[(i + id) % 3], &m, &c) != 0)
			return (void *)1;
		snprintf(key, sizeof(key), "own:%ld:%d", id, i % 100);
		st.ops->add(st.be, key, 100000, T0, plugins[id % 3], NULL);
		st.ops->get(st.be, key, T0, &v);
		if (i % 3 == 0)
			st.ops->del(st.be, key);
		if (i % 5000 == 0)
			scan_count("hot:", T0);
	}
	return NULL;
}

START_TEST(threads_exact_counts)
{
	pthread_t th[THREADS];
	void *rv;
	char key[32];
	long i;

	open_store(NULL, 0, 0, T0);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer,
						(void *)i), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &rv);
		ck_assert_ptr_null(rv);
	}
	for (i = 0; i < HOT_KEYS; i++) {
		snprintf(key, sizeof(key), "hot:%ld", i);
		ck_assert_int_eq(live_count(key, T0),
				 THREADS * ROUNDS / HOT_KEYS);
	}
}
END_TEST

static volatile int churn_stop;

/* churn - distinct keys into a full store */
static void *churn(void *arg)
{
	char key[32];
	long id = (long)arg;
	int i;

	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "c:%ld:%d", id, i);
		st.ops->set(st.be, key, 1, 1000 + i, T0, "repeat", NULL);
	}
	return NULL;
}

/* ticker - ticks (sweeps, saves), stats and scans meanwhile */
static void *ticker(void *arg)
{
	struct lg_store_stats s;
	time_t now = T0;

	(void)arg;
	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
		st.ops->tick(st.be, now++);
		st.ops->stats(st.be, &s);
		scan_count("c:1:", T0);
	}
	return NULL;
}

START_TEST(threads_evict_and_save)
{
	pthread_t th[4], tk;
	struct lg_store_stats s;
	long i;

	open_store(snap, 1, 500, T0);
	pthread_create(&tk, NULL, ticker, NULL);
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, churn, (void *)i);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELEASE);
	pthread_join(tk, NULL);
	st.ops->stats(st.be, &s);
	ck_assert_uint_le(s.entries, 500 + 4);
	ck_assert_uint_gt(s.evicted, 0);
	lg_store_close(&st, T0);
	open_store(snap, 1, 500, T0);
	ck_assert_uint_le(entries(), 504);
}
END_TEST

START_TEST(open_backends)
{
	char err[128] = "";

	ck_assert_int_eq(lg_store_open("redis", NULL, NULL, T0, &st, err,
				       sizeof(err)), -1);
	ck_assert_str_eq(err, "state backend \"redis\" needs a server");
	ck_assert_ptr_null(st.ops);
	ck_assert_int_eq(lg_store_open("disk", NULL, NULL, T0, &st, err,
				       sizeof(err)), -1);
	ck_assert_str_eq(err, "state backend \"disk\" is not supported");
	ck_assert_ptr_null(st.ops);
	ck_assert_int_eq(lg_store_open(NULL, NULL, NULL, T0, &st, err,
				       sizeof(err)),
			 0);
	ck_assert_int_eq(st.ops->add(st.be, "k", 10, T0, NULL, NULL), 1);
	ck_assert_int_eq(lg_store_memory_save(&st, T0), 0);	/* no file */
	lg_store_close(&st, T0);
	ck_assert_ptr_null(st.ops);
	ck_assert_ptr_null(st.be);
}
END_TEST

/* store_suite - every case, grouped by what they cover */
static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("operations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, incr_fixed_window);
	tcase_add_test(tc, expiry_lazy_and_tick);
	tcase_add_test(tc, add_if_absent);
	tcase_add_test(tc, get_set_del);
	tcase_add_test(tc, meta_update_rules);
	tcase_add_test(tc, scan_prefix);
	tcase_add_test(tc, open_backends);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, evict_closest_to_expiry);
	tcase_add_test(tc, evict_sampled_keeps_long_lived);
	tcase_add_test(tc, bytes_per_entry);
	suite_add_tcase(s, tc);

	tc = tcase_create("snapshot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, snapshot_round_trip);
	tcase_add_loop_test(tc, snapshot_unusable, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, save_unwritable_dir);
	tcase_add_test(tc, save_file_too_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, threads_exact_counts);
	tcase_add_test(tc, threads_evict_and_save);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 on any failure */
int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	lg_log_open("test", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
