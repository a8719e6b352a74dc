/*
 * NAME
 *	check_store_contract - what every state store backend promises
 * SYNOPSIS
 *	check_store_contract [backend ...]
 * DESCRIPTION
 *	The cases below hold a store to store.h: incr in fixed windows,
 *	add if absent, get, set, del, scan by prefix, stats, tick, expiry
 *	judged by the caller's "now", the fields the status view shows,
 *	the limits on keys and fields, saturating counts, put (a whole
 *	record, as state import sets it), the health stats reports, and
 *	exact counts under threads. They are written once and run against each row of
 *	fx_backends (store_backends.c), or only the backends named on the
 *	command line: one Check suite per backend, its test cases named
 *	after it. Log lines are captured in memory (LG_LOG_MEMORY).
 * DIAGNOSTICS
 *	A backend that cannot run here (no redis-server) is reported
 *	"SKIP: backend NAME: REASON". Exit status 1 when a test failed,
 *	else 77 (skip) when a backend was skipped, else 0.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_backends.h"

#define BIG_COUNT	9223372036854775807LL

static const struct fx_backend *backend;
static struct lg_store st, st2;
static time_t T;

/* setup - an empty log and a fresh, empty store of the backend */
static void setup(void)
{
	lg_log_capture_reset();
	memset(&st, 0, sizeof(st));
	memset(&st2, 0, sizeof(st2));
	backend->open(&st, &T);
}

/* teardown - close what a test left open */
static void teardown(void)
{
	if (st.ops)
		lg_store_close(&st, T);
	if (st2.ops)
		lg_store_close(&st2, T);
}

/* Calls and what they answer (store_backends.h: struct fx_step). */
static const struct fx_step fixed_window[] = {
	FX_INCR("w", 1, 60, 0, 1),
	FX_INCR("w", 2, 600, 30, 3),
	FX_INCR("w", 0, 600, 40, 3),		/* by 0 too */
	FX_GET("w", 59, 3, 0, 60),		/* the window is fixed */
	FX_GONE("w", 60),
	FX_INCR("w", 5, 60, 60, 5),		/* a new window */
	FX_GET("w", 60, 5, 60, 120),
	FX_INCR("w", -2, 60, 61, 3),
	FX_END
};

static const struct fx_step expiry_by_now[] = {
	FX_FILL("short:", 100, 10),
	FX_FILL("long:", 50, 1000),
	FX_ENTRIES(150),
	FX_GET("short:7", 9, 7, 0, 10),
	FX_GONE("short:7", 10),
	FX_SCAN("", 10, 50),
	FX_TICK(20),
	FX_SCAN("long:", 20, 50),
	FX_SET("zero", 1, 0, 0),		/* a ttl of 0: dead at once */
	FX_GONE("zero", 0),
	FX_END
};

static const struct fx_step get_set_del[] = {
	FX_GONE("none", 0),
	FX_SET("s", 5, 100, 0),
	FX_GET("s", 0, 5, 0, 100),
	FX_INCR("s", 1, 5, 1, 6),
	FX_SET("s", 2, 10, 50),			/* created stays */
	FX_GET("s", 50, 2, 0, 60),
	FX_DEL("s"),
	FX_GONE("s", 50),
	FX_DEL("s"),				/* gone already: 0 too */
	FX_ENTRIES(0),
	FX_END
};

static const struct fx_step counts_saturate[] = {
	FX_SET("big", BIG_COUNT - 1, 60, 0),
	FX_INCR("big", 5, 60, 0, BIG_COUNT),
	FX_INCR("big", -7, 60, 0, BIG_COUNT - 7),
	FX_END
};

static const struct fx_step prefix_is_literal[] = {
	FX_SET("a*b:1", 1, 100, 0), FX_SET("a?b:2", 1, 100, 0),
	FX_SET("a[b]:3", 1, 100, 0), FX_SET("axb:4", 1, 100, 0),
	FX_SET("a\\b:5", 1, 100, 0),
	FX_SCAN("a*", 0, 1), FX_SCAN("a?", 0, 1), FX_SCAN("a[b]", 0, 1),
	FX_SCAN("a\\", 0, 1), FX_SCAN("a", 0, 5),
	FX_END
};

static const struct script {
	const char *name;
	const struct fx_step *steps;
} scripts[] = {
	{ "fixed_window", fixed_window },
	{ "expiry_by_now", expiry_by_now },
	{ "get_set_del", get_set_del },
	{ "counts_saturate", counts_saturate },
	{ "prefix_is_literal", prefix_is_literal },
};

START_TEST(script)
{
	fx_run(&st, T, scripts[_i].name, scripts[_i].steps);
}
END_TEST

static const struct lg_store_meta m_blocked = { NULL, NULL, NULL, "blocked",
						-1 };
static const struct lg_store_meta m_other = { "x@y", NULL, NULL, "other", 5 };

static const struct fx_step add_first[] = {
	{ .op = 'a', .key = "a", .ttl = 10, .rc = 1, .plugin = "autoreply",
	  .meta = &m_blocked },
	{ .op = 'a', .key = "a", .ttl = 99, .at = 5, .plugin = "bounce",
	  .meta = &m_other },
	{ .op = 'g', .key = "a", .at = 5, .rc = 1, .count = 1, .expires = 10,
	  .status = "blocked" },
	FX_END
};

static const struct fx_step add_after_expiry[] = {
	FX_ADD("a", 10, 10, 1),
	{ .op = 'g', .key = "a", .at = 10, .rc = 1, .count = 1, .created = 10,
	  .expires = 20, .status = "" },
	FX_END
};

START_TEST(add_if_absent)
{
	struct fx_want w = { "a", "autoreply", "", "", "", "blocked", 1, 0,
			     T, T + 10 };

	fx_run(&st, T, "add_first", add_first);
	fx_expect(&st, T + 5, &w);		/* left as it was */
	fx_run(&st, T, "add_after_expiry", add_after_expiry);
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
	struct fx_want w1 = { "m", "repeat", "a@x.example", "c@z.example",
			      "10.0.0.1", "counting", 2, 1234, T, T + 60 };
	struct fx_want w2 = { "m", "harvest", "a@x.example", "c@z.example",
			      "10.0.0.1", "looping", 8, 99, T, T + 60 };
	static char big[3000], key[2000];
	struct lg_store_value v;
	struct fx_record r;
	long long n;

	st.ops->incr(st.be, "m", 1, 60, T, "repeat", &full, &n);
	st.ops->incr(st.be, "m", 1, 60, T, NULL, &to_only, &n);
	fx_expect(&st, T, &w1);		/* NULL fields keep their value */
	st.ops->set(st.be, "m", 7, 60, T, "harvest", &status);
	st.ops->incr(st.be, "m", 1, 60, T, NULL, NULL, &n);
	fx_expect(&st, T, &w2);
	st.ops->incr(st.be, "m", 0, 60, T, NULL, &longer, &n);
	ck_assert_int_eq(st.ops->get(st.be, "m", T, &v), 1);
	ck_assert_str_eq(v.status, "a-very-long-sta");
	memset(big, 'f', sizeof(big) - 1);
	full.from = big;
	st.ops->incr(st.be, "m", 0, 60, T, NULL, &full, &n);
	ck_assert_int_eq(fx_fetch(&st, "m", T, &r), 1);
	ck_assert_uint_eq(strlen(r.from), LG_STORE_SHOW_MAX);	/* cut */
	ck_assert_str_eq(r.from + LG_STORE_SHOW_MAX - 3, "...");
	memset(key, 'k', sizeof(key) - 1);
	ck_assert_int_eq(st.ops->incr(st.be, key, 1, 60, T, NULL, NULL, &n),
			 -1);
	ck_assert_int_eq(fx_logged("refused"), 1);
}
END_TEST

/* Display fields as every backend keeps them: at most 128 bytes, cut
 * on a UTF-8 boundary and ending in "...". "E" is a 2-byte character
 * and "R" a 4-byte one, repeated to the length given. */
static const struct cut_case {
	const char *unit;	/* repeated ... */
	int times;		/* ... this many times */
	size_t kept;		/* bytes kept before "..." (0: whole) */
} cut_cases[] = {
	{ "a", 128, 0 },	/* fits: whole */
	{ "a", 129, 125 },
	{ "a", 1500, 125 },
	{ "\xc3\xa9", 64, 0 },	/* 128 bytes of e-acute: fits */
	{ "\xc3\xa9", 65, 124 },	/* 125 would split the 63rd */
	{ "\xf0\x9f\x98\x80", 40, 124 },
	{ "ab\xf0\x9f\x98\x80", 30, 122 },
};

START_TEST(display_fields_cut)
{
	const struct cut_case *c = &cut_cases[_i];
	struct lg_store_meta m = { NULL, NULL, NULL, "counting", -1 };
	static char text[8000], want[200];
	struct fx_record r;
	size_t n = strlen(c->unit) * (size_t)c->times;
	int i;

	for (text[0] = 0, i = 0; i < c->times; i++)
		strcat(text, c->unit);
	if (c->kept) {
		memcpy(want, text, c->kept);
		strcpy(want + c->kept, "...");
	} else {
		strcpy(want, text);
	}
	ck_assert_uint_le(strlen(want), LG_STORE_SHOW_MAX);
	m.from = m.to = m.client = text;
	ck_assert_int_eq(st.ops->set(st.be, "cut", 1, 60, T, "repeat", &m), 0);
	ck_assert_int_eq(fx_fetch(&st, "cut", T, &r), 1);
	ck_assert_msg(strcmp(r.from, want) == 0 && strcmp(r.to, want) == 0 &&
		      strcmp(r.client, want) == 0, "case %d (%zu bytes): "
		      "from \"%s\", want \"%s\"", _i, n, r.from, want);
	/* cut text written again stays as it is */
	m.from = r.from;
	ck_assert_int_eq(st.ops->set(st.be, "cut", 1, 60, T, NULL, &m), 0);
	ck_assert_int_eq(fx_fetch(&st, "cut", T, &r), 1);
	ck_assert_str_eq(r.from, want);
}
END_TEST

/* delete_fn - remove each record's key from inside the scan */
static int delete_fn(void *arg, const struct lg_store_record *r)
{
	(*(int *)arg)++;
	return st.ops->del(st.be, r->key);
}

static const struct fx_step prefixes[] = {
	FX_FILL("p:", 10, 100),
	FX_FILL("q:", 5, 100),
	FX_FILL("p:old", 3, 5),
	FX_SCAN("p:", 0, 13),
	FX_SCAN("p:", 10, 10),
	FX_SCAN("q:", 10, 5),
	FX_SCAN("", 10, 15),
	FX_SCAN("r:", 10, 0),
	FX_END
};

START_TEST(scan_prefix)
{
	int n[2] = { 0, 3 }, deleted = 0;

	fx_run(&st, T, "prefixes", prefixes);
	ck_assert_int_eq(st.ops->scan(st.be, "", T + 10, fx_scan_stop, n), 0);
	ck_assert_int_eq(n[0], 3);			/* stopped early */
	ck_assert_int_eq(st.ops->scan(st.be, "p:", T + 10, delete_fn,
				      &deleted), 0);
	ck_assert_int_eq(deleted, 10);
	ck_assert_int_eq(fx_scan_count(&st, "p:", T + 10), 0);
	ck_assert_int_eq(fx_scan_count(&st, "", T + 10), 5);
}
END_TEST

START_TEST(stats_counts_entries)
{
	struct lg_store_stats s;

	fx_fill(&st, "s:", 700, 100, 0, T);
	st.ops->stats(st.be, &s);
	ck_assert_uint_eq(s.entries, 700);
	ck_assert_uint_ge(s.bytes, 700 * backend->entry_bytes_min);
	ck_assert_uint_eq(s.evicted, 0);
}
END_TEST

/* put (state import) sets a whole record as it is, replacing a live
 * entry; an expired record or a bad key is refused */
START_TEST(put_whole_record)
{
	struct lg_store_record r = { "imp:1", "harvest", "p@x.example",
				     "u@example.com", "192.0.2.0/24",
				     "blocked", 7, 123, T - 50, T + 500 };
	struct fx_want w = { "imp:1", "harvest", "p@x.example",
			     "u@example.com", "192.0.2.0/24", "blocked", 7,
			     123, T - 50, T + 500 };
	struct lg_store_record gone = r, bad = r;

	ck_assert_ptr_nonnull(st.ops->put);
	fx_incr(&st, "imp:1", 3, T);
	ck_assert_int_eq(st.ops->put(st.be, &r, T), 0);
	fx_expect(&st, T + 10, &w);
	gone.key = "imp:2";
	gone.expires = T;
	ck_assert_int_eq(st.ops->put(st.be, &gone, T), -1);
	ck_assert_int_eq(fx_live(&st, "imp:2", T), -1);
	bad.key = "";
	ck_assert_int_eq(st.ops->put(st.be, &bad, T), -1);
	ck_assert_int_eq(fx_scan_count(&st, "", T), 1);
	ck_assert_int_eq(fx_live(&st, "imp:1", T + 499), 7);
	ck_assert_int_eq(fx_live(&st, "imp:1", T + 500), -1);
}
END_TEST

/* stats and health name the backend and say it is up */
START_TEST(health_in_stats)
{
	struct lg_store_health h;
	struct lg_store_stats s;

	fx_fill(&st, "h:", 30, 100, 0, T);
	ck_assert_ptr_nonnull(st.ops->health);
	st.ops->health(st.be, &h);
	ck_assert_str_eq(h.backend, backend->name);
	ck_assert_int_eq(h.down, 0);
	ck_assert_int_eq(h.fallback, 0);
	ck_assert(h.down_since == 0);
	st.ops->stats(st.be, &s);
	ck_assert_str_eq(s.health.backend, backend->name);
	ck_assert_int_eq(s.server_known, 1);
	ck_assert_uint_eq(s.server_entries, 30);
	ck_assert_uint_ge(s.server_bytes, 30 * backend->entry_bytes_min);
}
END_TEST

#define THREADS		8
#define HOT_KEYS	20

/* hammer - incr on shared keys through both handles, other traffic too;
 * NULL when every call answered as it should */
static void *hammer(void *arg)
{
	static const char *const plugins[] = { "repeat", "harvest", "bounce" };
	struct lg_store_meta m = { "a@x.example", NULL, "10.0.0.1", NULL, -1 };
	long id = (long)arg;
	struct lg_store *s = id & 1 && st2.ops ? &st2 : &st;
	int i, rounds = backend->thread_rounds;
	struct lg_store_value v;
	char key[32];
	long long c;

	for (i = 0; i < rounds; i++) {
		snprintf(key, sizeof(key), "hot:%d", (i + (int)id) % HOT_KEYS);
		m.status = i & 1 ? "counting" : "looping";
		if (s->ops->incr(s->be, key, 1, 100000, T,
				 plugins[(i + id) % 3], &m, &c) != 0)
			return (void *)1;
		snprintf(key, sizeof(key), "own:%ld:%d", id, i % 50);
		if (s->ops->add(s->be, key, 100000, T, plugins[id % 3],
				NULL) < 0 || s->ops->get(s->be, key, T, &v) != 1)
			return (void *)2;
		if (i % 3 == 0)
			s->ops->del(s->be, key);
		if (i % (rounds / 4) == 0)
			fx_scan_count(s, "hot:", T);
	}
	return NULL;
}

START_TEST(threads_exact_counts)
{
	pthread_t th[THREADS];
	char key[32];
	void *rv;
	long i;

	if (backend->open_peer)
		backend->open_peer(&st2);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer,
						(void *)i), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &rv);
		ck_assert_msg(rv == NULL, "thread %ld: failed %p; log: %s", i,
			      rv, lg_log_captured());
	}
	ck_assert_str_eq(lg_log_captured(), "");
	for (i = 0; i < HOT_KEYS; i++) {
		snprintf(key, sizeof(key), "hot:%ld", i);
		ck_assert_int_eq(fx_live(&st, key, T),
				 THREADS * backend->thread_rounds / HOT_KEYS);
	}
}
END_TEST

#define ONCE_ROUNDS	300

/* Each value an increment answered, seen by how many callers. */
static unsigned char once_seen[THREADS * ONCE_ROUNDS + 1];

/* incr_once - ONCE_ROUNDS increments by 1 of "once"; NULL when each
 * answered a count in range */
static void *incr_once(void *arg)
{
	long id = (long)arg;
	struct lg_store *s = id & 1 && st2.ops ? &st2 : &st;
	long long c;
	int i;

	for (i = 0; i < ONCE_ROUNDS; i++) {
		if (s->ops->incr(s->be, "once", 1, 100000, T, "harvest", NULL,
				 &c) != 0 || c < 1 ||
		    c > THREADS * ONCE_ROUNDS)
			return (void *)1;
		__atomic_add_fetch(&once_seen[c], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Concurrent increments of one key: each count is answered to exactly
 * one caller (a plugin may act on "the increment that made it N"). */
START_TEST(threads_each_count_once)
{
	pthread_t th[THREADS];
	void *rv;
	long i;

	memset(once_seen, 0, sizeof(once_seen));
	if (backend->open_peer)
		backend->open_peer(&st2);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, incr_once,
						(void *)i), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &rv);
		ck_assert_msg(rv == NULL, "thread %ld: failed; log: %s", i,
			      lg_log_captured());
	}
	for (i = 1; i <= THREADS * ONCE_ROUNDS; i++)
		ck_assert_msg(once_seen[i] == 1, "count %ld answered %d times",
			      i, once_seen[i]);
}
END_TEST

/* contract_suite - every case, against the current backend */
static Suite *contract_suite(const char *name)
{
	Suite *s = suite_create("store contract");
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, script, 0, sizeof(scripts) / sizeof(scripts[0]));
	tcase_add_test(tc, add_if_absent);
	tcase_add_test(tc, meta_update_rules);
	tcase_add_loop_test(tc, display_fields_cut, 0,
			    sizeof(cut_cases) / sizeof(cut_cases[0]));
	tcase_add_test(tc, scan_prefix);
	tcase_add_test(tc, stats_counts_entries);
	tcase_add_test(tc, put_whole_record);
	tcase_add_test(tc, health_in_stats);
	tcase_add_test(tc, threads_exact_counts);
	tcase_add_test(tc, threads_each_count_once);
	suite_add_tcase(s, tc);
	return s;
}

/* chosen - the backend is named on the command line, or none is */
static int chosen(const char *name, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return argc < 2;
}

/* run_backend - the suite against one backend: failures, or -1 if it
 * was skipped */
static int run_backend(const struct fx_backend *b)
{
	const char *why;
	SRunner *sr;
	int failed;

	if (b->missing && (why = b->missing()) != NULL) {
		printf("SKIP: backend %s: %s\n", b->name, why);
		return -1;
	}
	printf("backend %s:\n", b->name);
	fflush(stdout);
	if (b->start && b->start() != 0)
		return 1;
	backend = b;
	sr = srunner_create(contract_suite(b->name));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (b->stop)
		b->stop(failed);
	return failed;
}

/* main - run the contract against each chosen backend */
int main(int argc, char **argv)
{
	const struct fx_backend *b;
	int failed = 0, skipped = 0, ran = 0, rc;

	lg_log_open("test", LG_LOG_MEMORY);
	for (b = fx_backends; b->name; b++) {
		if (!chosen(b->name, argc, argv))
			continue;
		if ((rc = run_backend(b)) < 0) {
			skipped++;
		} else {
			failed += rc;
			ran++;
		}
	}
	if (ran + skipped == 0)
		fprintf(stderr, "check_store_contract: no such backend\n");
	return failed || ran + skipped == 0 ? 1 : skipped ? 77 : 0;
}
