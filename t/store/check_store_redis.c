/*
 * NAME
 *	check_store_redis - what only the Redis store does, against real
 *	redis-servers
 * SYNOPSIS
 *	check_store_redis
 * DESCRIPTION
 *	What every backend does is in check_store_contract. Here: the
 *	server's own expiry, keys of other users in the database, several
 *	hosts (handles) on one server, prefixes, password and database,
 *	a lost or stopped server (fallback to the local memory store, or
 *	tempfail), and reconnection. The settings are checked in
 *	check_store_open, which needs no server.
 *
 *	A redis-server is started for the run (store_backends.c), and more
 *	of them for the tests that need a password or kill the server;
 *	each is stopped by its PID. Times are the test's "now", near the
 *	real clock because Redis expires keys by it. Log lines are captured
 *	in memory (LG_LOG_MEMORY).
 * DIAGNOSTICS
 *	Exit status 1 when a test failed, 77 (skip) when redis-server is
 *	not installed.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"
#include "store_open.h"
#include "store_redis.h"
#include "store_backends.h"

static struct lg_store st, st2;
static time_t T;

/* setup - an empty server, an empty log, the clock near real time */
static void setup(void)
{
	ck_assert_int_eq(fx_admin(fx_main_srv.sock, "FLUSHALL"), 0);
	lg_log_capture_reset();
	memset(&st, 0, sizeof(st));
	memset(&st2, 0, sizeof(st2));
	T = time(NULL);
}

/* teardown - close what a test left open */
static void teardown(void)
{
	if (st.ops)
		lg_store_close(&st, T);
	if (st2.ops)
		lg_store_close(&st2, T);
}

/* open_main - the store most tests use, on the main server */
static void open_main(void)
{
	struct lg_store_redis_opts o = fx_redis_opts(&fx_main_srv);

	fx_redis_open(&st, &o, T);
}

START_TEST(server_expiry)
{
	open_main();
	ck_assert_int_eq(fx_incr(&st, "w", 1, T), 1);
	ck_assert_int_eq(fx_admin(fx_main_srv.sock, "EXPIRETIME lg:w"),
			 T + 60);
	/* a new window moves the server's expiry with it */
	ck_assert_int_eq(fx_incr(&st, "w", 5, T + 60), 5);
	ck_assert_int_eq(fx_admin(fx_main_srv.sock, "EXPIRETIME lg:w"),
			 T + 120);
	/* a ttl of 0 leaves nothing on the server */
	ck_assert_int_eq(st.ops->set(st.be, "zero", 1, 0, T, NULL, NULL), 0);
	ck_assert_int_eq(fx_admin(fx_main_srv.sock, "EXISTS lg:zero"), 0);
}
END_TEST

START_TEST(foreign_keys)
{
	char key[32];
	int i;

	open_main();
	/* other users of the database are not ours */
	fx_admin(fx_main_srv.sock, "SET other:x 1");
	fx_admin(fx_main_srv.sock, "SET lg:plain 1");
	for (i = 0; i < 1200; i++) {	/* several SCAN batches */
		snprintf(key, sizeof(key), "many:%d", i);
		st.ops->add(st.be, key, 100, T, NULL, NULL);
	}
	ck_assert_int_eq(fx_scan_count(&st, "", T), 1200);
	ck_assert_uint_eq(fx_entries(&st), 1201);
}
END_TEST

START_TEST(two_hosts_share_counts)
{
	struct lg_store_redis_opts o = fx_redis_opts(&fx_main_srv);
	struct lg_store_meta m = { "a@x", NULL, "192.0.2.7", "counting", -1 };
	struct lg_store st3 = { 0 };
	long long c;

	open_main();
	fx_redis_open(&st2, &o, T);
	o.prefix = "other:";
	fx_redis_open(&st3, &o, T);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 1);
	ck_assert_int_eq(fx_incr(&st2, "k", 1, T + 1), 2);
	ck_assert_int_eq(fx_incr(&st, "k", 3, T + 2), 5);
	ck_assert_int_eq(fx_live(&st2, "k", T + 3), 5);
	ck_assert_int_eq(st2.ops->add(st2.be, "seen", 60, T, "bounce", &m), 1);
	ck_assert_int_eq(st.ops->add(st.be, "seen", 60, T, "bounce", &m), 0);
	ck_assert_int_eq(fx_scan_count(&st, "", T), 2);
	ck_assert_int_eq(st.ops->del(st.be, "seen"), 0);
	ck_assert_int_eq(fx_live(&st2, "seen", T), -1);
	/* another prefix is another store */
	ck_assert_int_eq(fx_live(&st3, "k", T), -1);
	ck_assert_int_eq(st3.ops->incr(st3.be, "k", 1, 60, T, NULL, NULL, &c),
			 0);
	ck_assert_int_eq(c, 1);
	ck_assert_int_eq(fx_scan_count(&st3, "", T), 1);
	lg_store_close(&st3, T);
}
END_TEST

START_TEST(noscript_and_wrongtype)
{
	long long c;

	open_main();
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 1);
	fx_admin(fx_main_srv.sock, "SCRIPT FLUSH");
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 2);	/* loaded again */
	/* a key of ours holding something else: that one op falls back */
	fx_admin(fx_main_srv.sock, "SET lg:plain x");
	ck_assert_int_eq(st.ops->incr(st.be, "plain", 4, 60, T, NULL, NULL,
				      &c), 0);
	ck_assert_int_eq(c, 4);				/* from the fallback */
	ck_assert_int_eq(fx_logged("lg:plain: WRONGTYPE"), 1);
	ck_assert_int_eq(fx_logged("unreachable"), 0);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 3);	/* still on Redis */
	ck_assert_int_eq(fx_incr(&st, "plain", 1, T), 5);
	ck_assert_int_eq(fx_logged("WRONGTYPE"), 1);	/* once a minute */
}
END_TEST

/* Opening on a server with a password: what each setting finds. */
static const struct auth_case {
	const char *password;
	int db;
	const char *err;	/* NULL: opens, and sees k only in db 3 */
} auth_cases[] = {
	{ "s3cret", 0, NULL },
	{ "s3cret", 3, NULL },
	{ "wrong", 3, "AUTH refused: WRONGPASS" },
	{ NULL, 3, "NOAUTH" },
	{ "s3cret", 99, "SELECT refused" },
};

START_TEST(password_and_db)
{
	struct fx_server sec = { 0 };
	struct lg_store_redis_opts o;
	struct lg_store_memory_opts mo = { NULL, 0, 0, 0 };
	const struct auth_case *c;
	char err[512];
	size_t i;

	ck_assert_int_eq(fx_server_start(&sec, "secret", "s3cret"), 0);
	o = fx_redis_opts(&sec);
	o.password = "s3cret";
	o.db = 3;
	fx_redis_open(&st, &o, T);
	ck_assert_int_eq(fx_incr(&st, "k", 2, T), 2);
	ck_assert_int_eq(fx_admin(sec.sock, "EXISTS lg:k"), -1);	/* NOAUTH */
	for (i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
		c = &auth_cases[i];
		o.password = c->password;
		o.db = c->db;
		err[0] = 0;
		ck_assert_int_eq(lg_store_open("redis", &mo, &o, T, &st2, err,
					       sizeof(err)), c->err ? -1 : 0);
		if (c->err) {
			ck_assert_msg(strstr(err, c->err), "%s", err);
			ck_assert_ptr_null(st2.ops);
			continue;
		}
		ck_assert_int_eq(fx_live(&st2, "k", T), c->db == 3 ? 2 : -1);
		lg_store_close(&st2, T);
	}
	fx_server_stop(&sec, SIGTERM);
}
END_TEST

static const struct lg_store_meta m_blocked = { NULL, NULL, NULL, "blocked",
						-1 };

/* With the server gone, every call is answered by the local store. */
static const struct fx_step local_answers[] = {
	FX_INCR("k", 1, 60, 0, 1),
	FX_INCR("k", 1, 60, 0, 2),
	{ .op = 'a', .key = "a", .ttl = 60, .rc = 1, .plugin = "bounce",
	  .meta = &m_blocked },
	{ .op = 'a', .key = "a", .ttl = 60, .plugin = "bounce",
	  .meta = &m_blocked },
	{ .op = 'g', .key = "a", .rc = 1, .count = 1, .expires = 60,
	  .status = "blocked" },
	FX_SET("s", 9, 60, 0),
	FX_GET("s", 0, 9, 0, 60),
	FX_SCAN("", 0, 3),
	FX_ENTRIES(3),
	FX_DEL("s"),
	FX_GONE("s", 0),
	FX_END
};

START_TEST(killed_falls_back_and_returns)
{
	struct fx_server k = { 0 };
	struct lg_store_redis_opts o;
	char unreachable[256], back[256];

	ck_assert_int_eq(fx_server_start(&k, "kill", NULL), 0);
	snprintf(unreachable, sizeof(unreachable), "state: redis %s "
		 "unreachable (", k.spec);
	snprintf(back, sizeof(back), "state: redis %s is back", k.spec);
	o = fx_redis_opts(&k);
	o.backoff_max = 30;
	fx_redis_open(&st, &o, T);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 1);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 2);
	fx_server_stop(&k, SIGKILL);
	fx_run(&st, T, "local_answers", local_answers);
	ck_assert_int_eq(fx_logged(unreachable), 1);
	ck_assert_msg(fx_logged("using the local memory store") == 1, "%s",
		      lg_log_captured());
	/* probes at T+1 (then wait 2 s), T+3 (then 4 s): both fail */
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 1), 3);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 3), 4);
	ck_assert_int_eq(fx_server_start(&k, "kill", NULL), 0);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 6), 5);  /* backing off */
	st.ops->tick(st.be, T + 6);			  /* not due yet */
	ck_assert_int_eq(fx_logged(back), 0);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 7), 1);  /* Redis again */
	ck_assert_int_eq(fx_logged(back), 1);
	ck_assert_int_eq(fx_logged(unreachable), 1);	  /* once a minute */
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 8), 2);
	ck_assert_int_eq(st.ops->set(st.be, "long", 3, 1000, T + 8, NULL,
				     NULL), 0);
	/* a second outage a minute later is logged again; tick probes */
	fx_server_stop(&k, SIGKILL);
	ck_assert_int_eq(fx_live(&st, "long", T + 70), -1);	/* local */
	ck_assert_int_eq(fx_live(&st, "a", T + 30), 1);
	ck_assert_int_eq(fx_logged(unreachable), 2);
	ck_assert_int_eq(fx_server_start(&k, "kill", NULL), 0);
	st.ops->tick(st.be, T + 71);
	ck_assert_int_eq(fx_logged(back), 2);
	ck_assert_int_eq(fx_live(&st, "a", T + 71), -1);	/* Redis */
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 71), 1);
	fx_server_stop(&k, SIGTERM);
}
END_TEST

static volatile int load_stop;

/* loader - incr on the real clock until told to stop; NULL if every op
 * answered */
static void *loader(void *arg)
{
	long long c;
	char key[16];
	int i = 0;

	(void)arg;
	while (!__atomic_load_n(&load_stop, __ATOMIC_ACQUIRE)) {
		snprintf(key, sizeof(key), "l:%d", i++ % 10);
		if (st.ops->incr(st.be, key, 1, 600, time(NULL), NULL, NULL,
				 &c) != 0 || c < 1)
			return (void *)1;
	}
	return NULL;
}

START_TEST(killed_under_load)
{
	struct fx_server k = { 0 };
	struct lg_store_redis_opts o;
	pthread_t th[4];
	void *rv;
	int i;

	ck_assert_int_eq(fx_server_start(&k, "load", NULL), 0);
	o = fx_redis_opts(&k);
	o.backoff_max = 1;
	fx_redis_open(&st, &o, T);
	__atomic_store_n(&load_stop, 0, __ATOMIC_RELEASE);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, loader, NULL),
				 0);
	usleep(200000);
	fx_server_stop(&k, SIGKILL);
	usleep(300000);
	ck_assert_int_eq(fx_server_start(&k, "load", NULL), 0);
	usleep(2500000);
	__atomic_store_n(&load_stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &rv);
		ck_assert_ptr_null(rv);
	}
	ck_assert_msg(fx_logged("unreachable") == 1 &&
		      fx_logged("is back") == 1, "%s", lg_log_captured());
	ck_assert_int_gt(fx_admin(k.sock, "DBSIZE"), 0);	/* in use again */
	fx_server_stop(&k, SIGTERM);
}
END_TEST

START_TEST(stopped_server_times_out)
{
	struct fx_server k = { 0 };
	struct lg_store_redis_opts o;
	struct timespec a, b;
	double took;

	ck_assert_int_eq(fx_server_start(&k, "slow", NULL), 0);
	o = fx_redis_opts(&k);
	o.timeout_ms = 100;
	fx_redis_open(&st, &o, T);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 1);
	kill(k.pid, SIGSTOP);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 1);	/* local store */
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 2);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_msg(took < 0.5, "took %.3f s", took);
	ck_assert_msg(fx_logged("(no answer within 100 ms); using the "
				  "local memory store") == 1, "%s",
		      lg_log_captured());
	kill(k.pid, SIGCONT);
	/* the command that timed out was still queued, and ran: 2, then 3 */
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 1), 3);	/* back */
	ck_assert_int_eq(fx_logged("is back"), 1);
	fx_server_stop(&k, SIGTERM);
}
END_TEST

/* With the server gone and on_store_error = tempfail, every call fails. */
static const struct fx_step all_fail[] = {
	{ .op = 'i', .key = "k", .n = 1, .ttl = 60, .rc = -1 },
	{ .op = 'a', .key = "a", .ttl = 60, .rc = -1 },
	{ .op = 'g', .key = "k", .rc = -1 },
	{ .op = 's', .key = "k", .n = 1, .ttl = 60, .rc = -1 },
	{ .op = 'd', .key = "k", .rc = -1 },
	FX_END
};

START_TEST(tempfail_mode)
{
	struct fx_server k = { 0 };
	struct lg_store_redis_opts o;
	int n[2] = { 0, 0 };

	ck_assert_int_eq(fx_server_start(&k, "tempfail", NULL), 0);
	o = fx_redis_opts(&k);
	o.tempfail = 1;
	fx_redis_open(&st, &o, T);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 1);
	fx_server_stop(&k, SIGKILL);
	fx_run(&st, T, "all_fail", all_fail);
	ck_assert_int_eq(st.ops->scan(st.be, "", T, fx_scan_stop, n), -1);
	ck_assert_uint_eq(fx_entries(&st), 0);
	ck_assert_int_eq(fx_logged("store operations fail until it is "
				     "back (on_store_error = tempfail)"), 1);
	ck_assert_int_eq(fx_server_start(&k, "tempfail", NULL), 0);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 1), 1);
	fx_server_stop(&k, SIGTERM);
}
END_TEST

START_TEST(unreachable_at_open)
{
	struct fx_server none = { 0 };
	struct lg_store_redis_opts o;

	snprintf(none.spec, sizeof(none.spec), "unix:%s/none.sock", fx_topdir);
	o = fx_redis_opts(&none);
	fx_redis_open(&st, &o, T);
	ck_assert_int_eq(fx_logged("none.sock unreachable (No such file or "
				     "directory); using the local memory "
				     "store"), 1);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T), 1);
	ck_assert_int_eq(fx_incr(&st, "k", 1, T + 1), 2);
	o.tempfail = 1;
	fx_redis_open(&st2, &o, T);
	ck_assert_int_eq(st2.ops->add(st2.be, "k", 60, T, NULL, NULL), -1);
	/* a TCP port nobody listens on */
	lg_store_close(&st, T);
	o.tempfail = 0;
	o.server = "127.0.0.1:1";
	fx_redis_open(&st, &o, T);
	ck_assert_int_eq(fx_logged("state: redis 127.0.0.1:1 unreachable "
				     "(Connection refused)"), 1);
}
END_TEST

/* redis_suite - every case, grouped by what they cover */
static Suite *redis_suite(void)
{
	Suite *s = suite_create("store redis");
	TCase *tc;

	tc = tcase_create("server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, server_expiry);
	tcase_add_test(tc, foreign_keys);
	tcase_add_test(tc, noscript_and_wrongtype);
	tcase_add_test(tc, two_hosts_share_counts);
	tcase_add_test(tc, password_and_db);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, killed_falls_back_and_returns);
	tcase_add_test(tc, killed_under_load);
	tcase_add_test(tc, stopped_server_times_out);
	tcase_add_test(tc, tempfail_mode);
	tcase_add_test(tc, unreachable_at_open);
	suite_add_tcase(s, tc);
	return s;
}

/* main - start the server, run the suite, stop the server */
int main(void)
{
	const char *missing = fx_redis_missing();
	SRunner *sr;
	int failed;

	if (missing) {
		printf("SKIP: %s; the Redis store is not tested\n", missing);
		return 77;
	}
	if (fx_redis_up() != 0)
		return 1;
	lg_log_open("test", LG_LOG_MEMORY);
	sr = srunner_create(redis_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fx_redis_down(failed);
	return failed ? 1 : 0;
}
