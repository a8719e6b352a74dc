/*
 * NAME
 *	check_store_budget - the memory store's byte budget: what an entry
 *	costs, max_bytes under a flood, cut fields in the snapshot
 * SYNOPSIS
 *	check_store_budget
 * DESCRIPTION
 *	The bytes stats reports are the heap the entries and the hash
 *	table hold, as malloc spends it: checked against the formula for a
 *	short and a maximal entry (the figures the README states) and,
 *	outside AddressSanitizer, against glibc's own count. A flood of
 *	entries with 500-byte addresses from the /64s of one /48 never
 *	takes the store past max_bytes, and an older entry from another
 *	client stays. A snapshot written with long fields (as before they
 *	were cut) loads cut; one with a field longer than the file format
 *	allows is refused and set aside.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "snapshot.h"
#include "store_memory.h"
#include "store_backends.h"

#define T0	5000

static struct lg_store st;
static struct fx_dir fd;

/* setup - a fresh folder and an empty log for each test */
static void setup(void)
{
	fx_dir_setup(&fd, "check_budget", &st);
}

/* teardown - close what a test left open, remove the files */
static void teardown(void)
{
	fx_dir_teardown(&fd, &st, T0);
}

/* open_budget - a memory store with these limits */
static void open_budget(const char *path, size_t entries, size_t bytes)
{
	struct lg_store_memory_opts o = { path, 60, entries, bytes };
	char err[256] = "";

	ck_assert_msg(lg_store_memory_open(&o, T0, &st, err, sizeof(err)) ==
		      0, "open: %s", err);
}

/* stats_bytes - what stats says the store holds */
static size_t stats_bytes(void)
{
	struct lg_store_stats s;

	st.ops->stats(st.be, &s);
	return s.bytes;
}

/* fill_text - n copies of c, NUL-ended, in buf */
static char *fill_text(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = 0;
	return buf;
}

/* What an entry costs: key and fields of these lengths (before the
 * cut) make a malloc chunk of `chunk` bytes. */
static const struct size_case {
	const char *name;
	size_t key, from, to, client, status;
	size_t chunk;
} size_cases[] = {
	/* 42-byte header + 51 + 26 + 26 + 16 + 9 = 170: a 192-byte chunk */
	{ "typical", 50, 25, 25, 15, 8, 192 },
	/* 42 + 1025 + 4 x 129 = 1583: a 1,600-byte chunk */
	{ "largest", 1024, 1000, 1000, 1000, 1000, 1600 },
	/* 500-byte addresses, cut to 128: 42 + 31 + 129 + 129 + 19 + 9 */
	{ "long addresses", 30, 500, 500, 18, 8, 368 },
};

#define SIZE_N	10000

START_TEST(bytes_per_entry)
{
	const struct size_case *c = &size_cases[_i];
	struct lg_store_meta m = { NULL, NULL, NULL, NULL, -1 };
	static char key[1100], from[1100], to[1100], client[1100], status[1100];
	size_t before, after, per, i;
	struct mallinfo2 m0, m1;

	open_budget(NULL, 0, 0);
	m.from = fill_text(from, 'f', c->from);
	m.to = fill_text(to, 't', c->to);
	m.client = fill_text(client, 'c', c->client);
	m.status = fill_text(status, 's', c->status);
	before = stats_bytes();
	m0 = mallinfo2();
	for (i = 0; i < SIZE_N; i++) {
		fill_text(key, 'k', c->key);
		snprintf(key, c->key + 1, "%zu:", i);
		key[strlen(key)] = 'k';
		ck_assert_uint_eq(strlen(key), c->key);
		ck_assert_int_eq(st.ops->set(st.be, key, 1, 600, T0, "repeat",
					     &m), 0);
	}
	m1 = mallinfo2();
	after = stats_bytes();
	per = (after - before) / SIZE_N;
	/* the chunk, and 8 to 16 bytes of bucket array per entry */
	ck_assert_msg(per >= c->chunk + 8 && per <= c->chunk + 16,
		      "%s: %zu bytes per entry, want %zu + 8..16", c->name, per,
		      c->chunk);
	printf("%s: %zu bytes per entry\n", c->name, per);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/* glibc's count of the heap in use grew by what stats says, give
	 * or take 2% (the test's own allocations) */
	ck_assert_msg(m1.uordblks - m0.uordblks <= (after - before) * 102 / 100
		      && m1.uordblks - m0.uordblks >= (after - before) * 98 / 100,
		      "%s: malloc says %zu bytes, stats %zu", c->name,
		      m1.uordblks - m0.uordblks, after - before);
#else
	(void)m0;
	(void)m1;
#endif
}
END_TEST

/* A flood as harvest makes it: per recipient a hidden "seen" entry and
 * a counter per /64, all from one /48, with 500-byte addresses. The
 * store stays within max_bytes at every step; the older entry of
 * another client (a repeat counter) stays. */
START_TEST(budget_holds_under_flood)
{
	struct lg_store_meta legit = { "alice@example.org", "nosuch@example.com",
				       "192.0.2.10", "counting", 2048 };
	struct lg_store_meta m = { NULL, NULL, NULL, "counting", -1 };
	static char from[600], to[600];
	char key[128], net[64];
	struct lg_store_stats s;
	size_t max = 256 * 1024, peak = 0, b;
	int i;

	open_budget(NULL, 1000000, max);
	ck_assert_int_eq(st.ops->set(st.be, "repeat:fp:legit", 3, 3600, T0,
				     "repeat", &legit), 0);
	m.from = fill_text(from, 'p', 500);
	for (i = 0; i < 5000; i++) {
		snprintf(to, sizeof(to), "%08d", i);
		fill_text(to + 8, 'r', 492);
		snprintf(net, sizeof(net), "2001:db8:77:%x::/64", i / 20);
		m.to = to;
		m.client = net;
		snprintf(key, sizeof(key), "harvest:seen:%016x", i * 2654435761u);
		st.ops->add(st.be, key, 600, T0 + i / 10, "harvest", &m);
		snprintf(key, sizeof(key), "harvest:net:%s", net);
		st.ops->incr(st.be, key, 1, 600, T0 + i / 10, "harvest", &m,
			     NULL);
		if ((b = stats_bytes()) > peak)
			peak = b;
		ck_assert_msg(b <= max, "step %d: %zu bytes, max_bytes %zu", i,
			      b, max);
	}
	st.ops->stats(st.be, &s);
	printf("flood: %zu entries, %zu bytes (peak %zu), %zu evicted\n",
	       s.entries, s.bytes, peak, s.evicted);
	ck_assert_uint_gt(s.evicted, 1000);
	ck_assert_int_eq(fx_live(&st, "repeat:fp:legit", T0 + 600), 3);
	ck_assert(fx_logged("store: full (max_entries 1000000, max_bytes "
			    "262144)"));
}
END_TEST

/* A flood spread over many networks, one entry each (a botnet, or
 * the /48s of a wider allocation), after a busy legitimate network
 * made 50 counters: no flooding network weighs more than one entry in
 * the sample, and the older counters must not go for it. */
START_TEST(spread_flood_keeps_older_network)
{
	struct lg_store_meta legit = { "alice@example.org", "bob@example.com",
				       "192.0.2.10", "counting", -1 };
	struct lg_store_meta m = { NULL, NULL, NULL, "counting", -1 };
	static char from[600], to[600];
	char key[128], net[64];
	size_t max = 256 * 1024;
	int i, kept = 0;

	open_budget(NULL, 1000000, max);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "repeat:fp:legit%d", i);
		ck_assert_int_eq(st.ops->set(st.be, key, 3, 3600, T0,
					     "repeat", &legit), 0);
	}
	m.from = fill_text(from, 'p', 500);
	for (i = 0; i < 5000; i++) {
		snprintf(to, sizeof(to), "%08d", i);
		fill_text(to + 8, 'r', 492);
		snprintf(net, sizeof(net), "2001:db8:%x::/64", i);
		m.to = to;
		m.client = net;
		snprintf(key, sizeof(key), "harvest:net:%s", net);
		st.ops->incr(st.be, key, 1, 600, T0 + 10 + i / 10, "harvest",
			     &m, NULL);
		ck_assert_uint_le(stats_bytes(), max);
	}
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "repeat:fp:legit%d", i);
		kept += fx_live(&st, key, T0 + 600) == 3;
	}
	ck_assert_msg(kept == 50, "%d of 50 older counters kept", kept);
}
END_TEST

/* keys_of - collect the keys a scan gives into a static list */
static char drift_keys[600][64];
static int drift_n;

static int keys_of(void *arg, const struct lg_store_record *rec)
{
	(void)arg;
	if (drift_n < 600)
		snprintf(drift_keys[drift_n++], sizeof(drift_keys[0]), "%s",
			 rec->key);
	return 0;
}

/* Many mixed writes over 500 keys whose fields change size (incr, add,
 * set, put, del, expiry found by a lookup, sweeps, snapshot and a
 * reopen, the budget evicting): once everything is deleted and swept,
 * stats gives back exactly the bytes of the empty store. A drift would
 * let the real heap pass max_bytes unseen. */
START_TEST(bytes_exact_after_mixed_ops)
{
	struct lg_store_meta m = { NULL, NULL, NULL, NULL, -1 };
	struct lg_store_record r = { NULL, "repeat", NULL, NULL, NULL, NULL,
				     1, 0, T0, 0 };
	static char a[400], b[400], c[400], d[400];
	char key[64];
	size_t empty;
	time_t now = T0;
	unsigned x = 12345;
	int i, k, op;

	open_budget(fd.snap, 1000000, 96 * 1024);
	empty = stats_bytes();
	for (i = 0; i < 40000; i++) {
		x = x * 1103515245u + 12345u;
		k = (int)((x >> 8) % 500);
		op = (int)((x >> 20) % 8);
		snprintf(key, sizeof(key), "repeat:drift:%d", k);
		m.from = fill_text(a, 'f', (x >> 3) % 300);
		m.to = (x & 1) ? NULL : fill_text(b, 't', (x >> 5) % 200);
		m.client = (x & 2) ? "192.0.2.7" : fill_text(c, '1', x % 150);
		m.status = fill_text(d, 's', (x >> 11) % 140);
		if (i % 97 == 0)
			now++;
		switch (op) {
		case 0:
		case 1:
			st.ops->incr(st.be, key, 1, 1 + x % 5, now, "repeat",
				     &m, NULL);
			break;
		case 2:
			st.ops->add(st.be, key, 1 + x % 5, now, "repeat", &m);
			break;
		case 3:
			st.ops->set(st.be, key, 2, 1 + x % 5, now, "repeat",
				    (x & 4) ? &m : NULL);
			break;
		case 4:
			st.ops->del(st.be, key);
			break;
		case 5:
			r.key = key;
			r.from = m.from;
			r.to = m.to;
			r.client = m.client;
			r.status = m.status;
			r.expires = now + 1 + x % 5;
			st.ops->put(st.be, &r, now);
			break;
		case 6:
			fx_live(&st, key, now);
			break;
		default:
			st.ops->tick(st.be, now + (x % 3) * 30);
			break;
		}
		if (i == 20000) {
			lg_store_close(&st, now);
			open_budget(fd.snap, 1000000, 96 * 1024);
		}
		ck_assert_uint_le(stats_bytes(), 96 * 1024 + 2048);
	}
	drift_n = 0;
	st.ops->scan(st.be, "", now, keys_of, NULL);
	for (i = 0; i < drift_n; i++)
		st.ops->del(st.be, drift_keys[i]);
	st.ops->tick(st.be, now + 3600);
	ck_assert_uint_eq(fx_entries(&st), 0);
	ck_assert_uint_eq(stats_bytes(), empty);
}
END_TEST

/* The default max_bytes (max_entries x 256) lets typical entries meet
 * max_entries first, also at the smallest max_entries the settings
 * allow (100), where the empty table's buckets are no small part. */
START_TEST(default_budget_fits_max_entries)
{
	/* the typical entry of size_cases: key 50, from and to 25,
	 * client 15, status 8 bytes */
	struct lg_store_meta m = { "alice.smith.jr@example.org",
				   "bob.jones.jr@example.org",
				   "198.51.100.123", "counting", -1 };
	struct lg_store_stats s;
	char key[64];
	int i;

	open_budget(NULL, 100, 0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "repeat:fp:%040d", i);
		ck_assert_int_eq(st.ops->set(st.be, key, 1, 600, T0, "repeat",
					     &m), 0);
	}
	st.ops->stats(st.be, &s);
	ck_assert_msg(s.entries == 100 && s.evicted == 0,
		      "%zu entries, %zu evicted, %zu bytes", s.entries,
		      s.evicted, s.bytes);
}
END_TEST

/* write_old - a snapshot with fields of `len` bytes, as the store wrote
 * them before it cut them (the writer takes up to 1,024) */
static void write_old(size_t len)
{
	static char text[1100];
	struct lg_store_record rec = { "repeat:old", "repeat", text, text,
				       "192.0.2.1", "counting", 4, 10, T0,
				       T0 + 1000 };
	struct lg_snapshot_writer *w;

	fill_text(text, 'o', len);
	ck_assert_ptr_nonnull(w = lg_snapshot_begin(fd.snap, T0));
	lg_snapshot_put(w, &rec);
	lg_snapshot_flush(w);
	ck_assert_int_eq(lg_snapshot_commit(w, NULL), 0);
}

/* put_le32 - a little-endian u32 */
static void put_le32(unsigned char *p, uint32_t v)
{
	int k;

	for (k = 0; k < 4; k++)
		p[k] = (unsigned char)(v >> (8 * k));
}

/* grow_field - make the first 1,024-byte field of the snapshot 1,025
 * bytes long, with valid sizes and checksums */
static void grow_field(void)
{
	unsigned char *buf, *p;
	size_t n, at;
	uint64_t payload;
	FILE *fp;
	int k;

	buf = fx_file_read(fd.snap, &n);
	for (p = buf + 48; p + 2 < buf + n; p++)
		if (p[0] == 0x80 && p[1] == 0x08 && p[2] == 'o')
			break;
	ck_assert_msg(p + 2 < buf + n, "no 1,024-byte field found");
	p[0] = 0x81;			/* LEB128 1025 */
	at = (size_t)(p + 2 - buf);
	memmove(buf + at + 1, buf + at, n - at);
	buf[at] = 'o';
	n++;
	payload = n - 48;
	for (k = 0; k < 8; k++)
		buf[24 + k] = (unsigned char)(payload >> (8 * k));
	put_le32(buf + 40, fx_crc32(buf + 48, n - 48));
	put_le32(buf + 44, fx_crc32(buf, 44));
	ck_assert_ptr_nonnull(fp = fopen(fd.snap, "wb"));
	ck_assert_uint_eq(fwrite(buf, 1, n, fp), n);
	fclose(fp);
	free(buf);
}

START_TEST(old_snapshot_loads_cut)
{
	struct fx_record r;
	char want[200];

	write_old(1024);
	open_budget(fd.snap, 0, 0);
	ck_assert(fx_logged("store: loaded 1 entries from snapshot"));
	ck_assert_int_eq(fx_fetch(&st, "repeat:old", T0, &r), 1);
	fill_text(want, 'o', 125);
	strcat(want, "...");
	ck_assert_str_eq(r.from, want);
	ck_assert_str_eq(r.to, want);
	ck_assert_int_eq(r.count, 4);
	/* and it is saved cut: the file shrinks */
	lg_store_close(&st, T0 + 1);
	ck_assert_int_eq(access(fd.snap, F_OK), 0);
	open_budget(fd.snap, 0, 0);
	ck_assert_int_eq(fx_fetch(&st, "repeat:old", T0 + 1, &r), 1);
	ck_assert_str_eq(r.from, want);
}
END_TEST

START_TEST(oversize_field_refused)
{
	char aside[256];

	write_old(1024);
	grow_field();
	open_budget(fd.snap, 0, 0);
	ck_assert_msg(fx_logged("malformed record"), "log: %s",
		      lg_log_captured());
	ck_assert_uint_eq(fx_entries(&st), 0);
	snprintf(aside, sizeof(aside), "%s.corrupt-%d", fd.snap, T0);
	ck_assert_int_eq(access(aside, F_OK), 0);
}
END_TEST

/* budget_suite - every case */
static Suite *budget_suite(void)
{
	Suite *s = suite_create("store budget");
	TCase *tc = tcase_create("budget");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, bytes_per_entry, 0,
			    sizeof(size_cases) / sizeof(size_cases[0]));
	tcase_add_test(tc, budget_holds_under_flood);
	tcase_add_test(tc, spread_flood_keeps_older_network);
	tcase_add_test(tc, bytes_exact_after_mixed_ops);
	tcase_add_test(tc, default_budget_fits_max_entries);
	tcase_add_test(tc, old_snapshot_loads_cut);
	tcase_add_test(tc, oversize_field_refused);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 on any failure */
int main(void)
{
	SRunner *sr = srunner_create(budget_suite());
	int failed;

	lg_log_open("test", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
