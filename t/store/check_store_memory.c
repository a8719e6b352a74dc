/*
 * NAME
 *	check_store_memory - what only the memory store does: reclaiming,
 *	eviction, its size, its snapshot file
 * SYNOPSIS
 *	check_store_memory
 * DESCRIPTION
 *	What every backend does is in check_store_contract. Here: expired
 *	entries freed on the way and by tick, eviction at max_entries and
 *	its log line, the bytes an entry costs, and the snapshot written,
 *	read back, set aside when corrupt, and replaced atomically. Every
 *	call gets "now" from the test; snapshot files live in a fresh
 *	directory per test; log lines are captured in memory.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"
#include "store_backends.h"

#define T0	1000

static struct lg_store st;
static struct fx_dir fd;

/* setup - a fresh folder and an empty log for each test */
static void setup(void)
{
	fx_dir_setup(&fd, "check_store", &st);
}

/* teardown - close what a test left open, remove the files */
static void teardown(void)
{
	fx_dir_teardown(&fd, &st, T0);
}

/* open_store - open the memory store, failing the test if it cannot */
static void open_store(const char *path, long long interval, size_t max,
		       time_t now)
{
	struct lg_store_memory_opts o = { path, interval, max, 0 };
	char err[256] = "";

	ck_assert_msg(lg_store_memory_open(&o, now, &st, err, sizeof(err)) ==
		      0, "open: %s", err);
}

START_TEST(expiry_reclaims)
{
	open_store(NULL, 0, 0, T0);
	fx_fill(&st, "short:", 100, 10, 0, T0);
	fx_fill(&st, "long:", 50, 1000, 0, T0);
	ck_assert_int_eq(fx_live(&st, "short:7", T0 + 10), -1);
	ck_assert_uint_lt(fx_entries(&st), 150);	/* freed on the way */
	st.ops->tick(st.be, T0 + 20);
	ck_assert_uint_eq(fx_entries(&st), 50);
}
END_TEST

/* set_from - a set with CLIENT as the entry's client */
static void set_from(const char *key, const char *client, long long ttl,
		     time_t now)
{
	struct lg_store_meta m = { NULL, NULL, NULL, "counting", -1 };

	m.client = client;
	ck_assert_int_eq(st.ops->set(st.be, key, 1, ttl, now, "harvest", &m),
			 0);
}

/* A full store (100 entries): 60 lone entries, one per client, the
 * oldest "legit"; then a flood of 100 from the /64s of one /48. The
 * flood, the largest contributor, loses its newest entries; every lone
 * entry stays, though each is older (closer to expiry) than the flood. */
START_TEST(evict_largest_newest_first)
{
	struct lg_store_stats s;
	char key[32], client[64];
	int i;

	open_store(NULL, 0, 100, T0);
	set_from("legit", "192.0.2.1", 1000, T0);
	for (i = 0; i < 59; i++) {
		snprintf(key, sizeof(key), "lone%d", i);
		snprintf(client, sizeof(client), "198.51.%d.7", i);
		set_from(key, client, 1000, T0 + 1);
	}
	ck_assert_int_eq(fx_logged("store: full"), 0);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "flood%d", i);
		snprintf(client, sizeof(client), "2001:db8:1:%x::/64", i);
		set_from(key, client, 100000, T0 + 100 + i);
	}
	st.ops->stats(st.be, &s);
	ck_assert_uint_eq(s.entries, 100);
	ck_assert_uint_eq(s.evicted, 60);
	ck_assert_int_eq(fx_live(&st, "legit", T0 + 200), 1);
	ck_assert_int_eq(fx_scan_count(&st, "lone", T0 + 200), 59);
	for (i = 0; i < 39; i++) {		/* the flood's oldest stay */
		snprintf(key, sizeof(key), "flood%d", i);
		ck_assert_int_eq(fx_live(&st, key, T0 + 200), 1);
	}
	ck_assert_int_eq(fx_live(&st, "flood99", T0 + 200), 1);	/* last */
	ck_assert_int_eq(fx_scan_count(&st, "flood", T0 + 200), 40);
	ck_assert(fx_logged("store: full (max_entries 100, max_bytes 65536), "
			    "evicted 1 entries, the largest contributors' "
			    "newest first"));
	ck_assert_int_eq(fx_logged("store: full"), 1);	/* rate limited */
	st.ops->tick(st.be, T0 + 140 + 61);
	ck_assert_int_eq(fx_logged("store: full"), 2);
	ck_assert(fx_logged("evicted 59 entries"));
}
END_TEST

/* Sampled eviction (20,000 entries, more than the sample): lone entries
 * made over time, then a flood of as many from one /48. The store never
 * passes its limit; the flood pays for itself, but for the first batch,
 * taken from the newest lone entries before the flood had any. */
START_TEST(evict_sampled_keeps_older)
{
	struct lg_store_stats s;
	char key[32], client[64];
	int i, kept;

	open_store(NULL, 0, 20000, T0);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "legit:%d", i);
		snprintf(client, sizeof(client), "10.%d.%d.1", i / 256, i % 256);
		set_from(key, client, 100000, T0 + i / 100);
	}
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "flood:%d", i);
		snprintf(client, sizeof(client), "2001:db8:1:%x::/64", i);
		set_from(key, client, 100000, T0 + 200 + i / 100);
		ck_assert_uint_le(fx_entries(&st), 20000);
	}
	st.ops->stats(st.be, &s);
	ck_assert_uint_ge(s.evicted, 20000);
	kept = fx_scan_count(&st, "legit:", T0 + 400);
	ck_assert_msg(kept >= 20000 - 2 * 157, "legit entries kept: %d", kept);
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "legit:%d", i);
		ck_assert_int_eq(fx_live(&st, key, T0 + 400), 1);
	}
	ck_assert(fx_logged("store: full (max_entries 20000"));
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
	ck_assert_uint_le(s.bytes / s.entries, 216);
	ck_assert_uint_ge(s.bytes / s.entries, 192);
}
END_TEST

static char big[1100], bigcut[200];

/* What snapshot_round_trip finds after a close and an open. */
static const struct fx_want loaded[] = {
	{ "repeat:a", "repeat", "a@x.example", "b@y.example", "10.1.2.3",
	  "counting", 3, 2048, T0, T0 + 1000 },
	{ "harvest:b", "harvest", "", "postmaster@y.example", "2001:db8::1",
	  "blocked", 7, 6000000000LL, T0 + 5, T0 + 2005 },
	{ "bounce:d", "bounce", bigcut, bigcut, bigcut, bigcut, -42, 0, T0,
	  T0 + 500 },
};

START_TEST(snapshot_round_trip)
{
	struct lg_store_meta ma = { "a@x.example", "b@y.example", "10.1.2.3",
				    "counting", 2048 };
	struct lg_store_meta mb = { "", "postmaster@y.example", "2001:db8::1",
				    "blocked", 6000000000LL };
	struct lg_store_meta md = { big, big, big, big, 0 };
	struct fx_record r;
	size_t i;
	long long n;

	memset(big, 'z', 1024);
	memset(bigcut, 'z', 125);
	strcpy(bigcut + 125, "...");
	open_store(fd.snap, 60, 0, T0);
	ck_assert(fx_logged("no snapshot"));
	st.ops->incr(st.be, "repeat:a", 3, 1000, T0, "repeat", &ma, &n);
	st.ops->set(st.be, "harvest:b", 7, 2000, T0 + 5, "harvest", &mb);
	st.ops->add(st.be, "c", 100, T0, NULL, NULL);
	st.ops->set(st.be, "bounce:d", -42, 500, T0, "bounce", &md);
	st.ops->tick(st.be, T0 + 30);
	ck_assert_int_eq(access(fd.snap, F_OK), -1);	/* not due yet */
	st.ops->tick(st.be, T0 + 60);
	ck_assert_int_eq(access(fd.snap, F_OK), 0);
	lg_store_close(&st, T0 + 70);
	lg_log_capture_reset();
	open_store(fd.snap, 60, 0, T0 + 100);
	ck_assert(fx_logged("store: loaded 3 entries from snapshot"));
	ck_assert(fx_logged("(1 expired dropped)"));
	ck_assert_uint_eq(fx_entries(&st), 3);
	ck_assert_int_eq(fx_fetch(&st, "c", T0 + 100, &r), 0);
	for (i = 0; i < sizeof(loaded) / sizeof(loaded[0]); i++)
		fx_expect(&st, T0 + 100, &loaded[i]);
	/* the loaded store keeps working and saves again */
	ck_assert_int_eq(fx_incr(&st, "repeat:a", 1, T0 + 100), 4);
	ck_assert_int_eq(lg_store_memory_save(&st, T0 + 100), 0);
}
END_TEST

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

	open_store(fd.snap, 60, 0, T0);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "repeat:%d", i);
		st.ops->incr(st.be, key, i, 100000, T0, "repeat", &m, NULL);
	}
	lg_store_close(&st, T0);
}

/* The ways a snapshot goes bad, in the order mangle() knows them. */
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

/* mangle - spoil a snapshot the way bad_cases[i] says; the new length */
static size_t mangle(int i, unsigned char *buf, size_t n)
{
	uint32_t x = 12345, crc;
	size_t k;

	switch (i) {
	case 0:
		for (k = 0; k < n; k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (unsigned char)(x >> 16);
		}
		return n;
	case 1:
		return 0;
	case 2:
		return 20;
	case 3:
		return n - 7;
	case 4:
		buf[0] ^= 0x20;
		return n;
	case 5:
		buf[n / 2] ^= 0x04;
		return n;
	case 6:
		buf[16] ^= 0x01;
		return n;
	case 7:
		buf[8] = 2;
		crc = fx_crc32(buf, 44);
		for (k = 0; k < 4; k++)
			buf[44 + k] = (crc >> (8 * k)) & 0xff;
		return n;
	default:
		memcpy(buf + n, "garbage", 7);
		return n + 7;
	}
}

START_TEST(snapshot_unusable)
{
	const struct bad_case *bc = &bad_cases[_i];
	unsigned char *buf;
	char aside[256];
	size_t n;

	make_snapshot(50);
	buf = fx_file_read(fd.snap, &n);
	file_write(fd.snap, buf, mangle(_i, buf, n));
	free(buf);
	lg_log_capture_reset();
	open_store(fd.snap, 60, 0, 5000);
	ck_assert_msg(fx_logged(bc->logs), "%s: log says: %s", bc->name,
		      lg_log_captured());
	ck_assert(fx_logged("corrupt-5000"));
	ck_assert_uint_eq(fx_entries(&st), 0);
	ck_assert_int_eq(access(fd.snap, F_OK), -1);
	snprintf(aside, sizeof(aside), "%s.corrupt-5000", fd.snap);
	ck_assert_int_eq(access(aside, F_OK), 0);
	/* and the store works and saves afresh */
	ck_assert_int_eq(st.ops->add(st.be, "k", 100, 5000, NULL, NULL), 1);
	lg_store_close(&st, 5001);
	open_store(fd.snap, 60, 0, 5002);
	ck_assert_uint_eq(fx_entries(&st), 1);
}
END_TEST

START_TEST(save_unwritable_dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/file", fd.dir);
	file_write(path, (const unsigned char *)"x", 1);
	snprintf(fd.snap, sizeof(fd.snap), "%s/file/state", fd.dir);
	open_store(fd.snap, 60, 0, T0);
	ck_assert(fx_logged("cannot read snapshot"));
	fx_incr(&st, "k", 1, T0);
	lg_log_capture_reset();
	ck_assert_int_eq(lg_store_memory_save(&st, T0), -1);
	ck_assert(fx_logged("store: cannot save snapshot"));
	ck_assert(fx_logged(fd.snap));
	ck_assert(fx_logged("Not a directory"));
	st.ops->tick(st.be, T0 + 120);		/* fails again, logged */
	ck_assert_int_eq(fx_logged("cannot save snapshot"), 2);
	ck_assert_int_eq(fx_live(&st, "k", T0 + 1), 1);
	lg_store_close(&st, T0 + 2);
	ck_assert_int_eq(fx_logged("cannot save snapshot"), 3);
}
END_TEST

START_TEST(save_file_too_large)
{
	struct lg_store_meta m = { NULL, NULL, NULL, "counting", 1 };
	static char from[1000];
	struct lg_store_memory_opts o = { fd.snap, 60, 0, 0 };
	struct lg_store st2;
	struct rlimit old, small;
	char key[32], tmp[256], err[128];
	int i;

	make_snapshot(10);
	open_store(fd.snap, 60, 0, T0);
	memset(from, 'b', sizeof(from) - 1);
	m.from = from;
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
	ck_assert(fx_logged("store: cannot save snapshot"));
	ck_assert(fx_logged("File too large"));
	snprintf(tmp, sizeof(tmp), "%s.tmp", fd.snap);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_uint_eq(fx_entries(&st), 2010);
	/* the old file is intact: a second store loads it */
	ck_assert_int_eq(lg_store_memory_open(&o, T0, &st2, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(fx_entries(&st2), 10);
	lg_store_close(&st2, T0);
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
	time_t now = T0;

	(void)arg;
	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
		st.ops->tick(st.be, now++);
		fx_entries(&st);
		fx_scan_count(&st, "c:1:", T0);
	}
	return NULL;
}

START_TEST(threads_evict_and_save)
{
	pthread_t th[4], tk;
	struct lg_store_stats s;
	long i;

	open_store(fd.snap, 1, 500, T0);
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
	open_store(fd.snap, 1, 500, T0);
	ck_assert_uint_le(fx_entries(&st), 504);
}
END_TEST

/* memory_suite - every case, grouped by what they cover */
static Suite *memory_suite(void)
{
	Suite *s = suite_create("store memory");
	TCase *tc;

	tc = tcase_create("entries");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, expiry_reclaims);
	tcase_add_test(tc, evict_largest_newest_first);
	tcase_add_test(tc, evict_sampled_keeps_older);
	tcase_add_test(tc, bytes_per_entry);
	tcase_add_test(tc, threads_evict_and_save);
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
	return s;
}

/* main - run the suite; exit 1 on any failure */
int main(void)
{
	SRunner *sr = srunner_create(memory_suite());
	int failed;

	lg_log_open("test", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
