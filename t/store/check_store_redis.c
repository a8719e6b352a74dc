/*
 * NAME
 *	check_store_redis - unit tests of the Redis store against a real
 *	redis-server
 * SYNOPSIS
 *	check_store_redis
 * DESCRIPTION
 *	Starts its own redis-server (unix socket in a fresh directory, no
 *	TCP port, no persistence) as a child process, and more of them for
 *	the tests that need a password or kill the server; each is stopped
 *	by its PID (and dies with this process: PR_SET_PDEATHSIG). The
 *	operations are held to the memory backend's expectations; times
 *	are the test's "now", near the real clock because Redis expires
 *	keys by it. Log lines are captured in memory (LG_LOG_MEMORY).
 * DIAGNOSTICS
 *	Exit status 1 when a test failed, 77 (skip) when redis-server is
 *	not installed.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <libconfig.h>

#include "log.h"
#include "settings.h"
#include "store.h"
#include "store_memory.h"
#include "store_open.h"
#include "store_redis.h"

struct server {
	pid_t pid;
	char sock[160];
	char spec[170];		/* "unix:" sock */
};

static char topdir[64];
static struct server main_srv;
static struct lg_store st, st2;
static time_t T;

/* server_ping - 1 if a PING on the socket is answered */
static int server_ping(const char *sock, const char *password)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);
	redisReply *r = NULL;
	int ok = 0;

	if (c && !c->err) {
		if (password)
			freeReplyObject(redisCommand(c, "AUTH %s", password));
		r = redisCommand(c, "PING");
		ok = r && r->type == REDIS_REPLY_STATUS;
	}
	if (r)
		freeReplyObject(r);
	if (c)
		redisFree(c);
	return ok;
}

/* server_start - a redis-server on DIR/NAME.sock; extra args may add a
 * password; 0, or -1 if it did not answer within 10 s */
static int server_start(struct server *s, const char *name,
			const char *password)
{
	char log[200];
	int i, fd, status;

	snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", topdir, name);
	snprintf(s->spec, sizeof(s->spec), "unix:%s", s->sock);
	snprintf(log, sizeof(log), "%s/%s.log", topdir, name);
	unlink(s->sock);
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0",
		       "--unixsocket", s->sock, "--unixsocketperm", "700",
		       "--save", "", "--appendonly", "no", "--daemonize", "no",
		       "--dir", topdir, password ? "--requirepass" : NULL,
		       password, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if (server_ping(s->sock, password))
			return 0;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

/* server_stop - signal the server by PID and reap it */
static void server_stop(struct server *s, int sig)
{
	if (s->pid > 0) {
		kill(s->pid, sig);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	unlink(s->sock);
}

/* admin - a command on the main server, as the operator would type it;
 * returns the reply's integer (or 0) */
static long long admin(const char *sock, const char *fmt, ...)
{
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);
	redisReply *r;
	long long n = -1;
	va_list ap;

	ck_assert_msg(c && !c->err, "admin connect %s", sock);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(r);
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	else if (r->type != REDIS_REPLY_ERROR)
		n = 0;
	freeReplyObject(r);
	redisFree(c);
	return n;
}

/* opts - options for a server, with a short backoff for tests */
static struct lg_store_redis_opts opts(const struct server *s)
{
	struct lg_store_redis_opts o = { .server = s->spec, .prefix = "lg:",
					 .timeout_ms = 500, .backoff_min = 1,
					 .backoff_max = 4 };

	return o;
}

/* open_with - open a Redis store, failing the test if it cannot */
static void open_with(struct lg_store *s, const struct lg_store_redis_opts *o)
{
	struct lg_store_memory_opts mo = { NULL, 0, 10000 };
	char err[512] = "";

	ck_assert_msg(lg_store_open("redis", &mo, o, T, s, err,
				    sizeof(err)) == 0, "open: %s", err);
}

/* open_main - the store most tests use, on the main server */
static void open_main(void)
{
	struct lg_store_redis_opts o = opts(&main_srv);

	open_with(&st, &o);
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

/* setup - an empty server, an empty log, the clock near real time */
static void setup(void)
{
	ck_assert_int_eq(admin(main_srv.sock, "FLUSHALL"), 0);
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

struct capture {
	const char *key;
	int found;
	char plugin[80];
	char from[1100], to[1100], client[1100], status[1100];
	long long count, size;
	time_t created, expires;
};

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
static int fetch(struct lg_store *s, const char *key, time_t now,
		 struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->key = key;
	ck_assert_int_eq(s->ops->scan(s->be, key, now, capture_fn, c), 0);
	return c->found;
}

/* live_count - a key's count, or -1 when it is not live */
static long long live_count(struct lg_store *s, const char *key, time_t now)
{
	struct lg_store_value v;

	return s->ops->get(s->be, key, now, &v) == 1 ? v.count : -1;
}

/* counter_fn - count records; stop after n[1] calls when that is > 0 */
static int counter_fn(void *arg, const struct lg_store_record *r)
{
	int *n = arg;

	(void)r;
	n[0]++;
	return n[1] > 0 && n[0] >= n[1];
}

/* scan_count - live entries under prefix */
static int scan_count(struct lg_store *s, const char *prefix, time_t now)
{
	int n[2] = { 0, 0 };

	ck_assert_int_eq(s->ops->scan(s->be, prefix, now, counter_fn, n), 0);
	return n[0];
}

/* entries - what stats counts */
static size_t entries(struct lg_store *s)
{
	struct lg_store_stats stats;

	s->ops->stats(s->be, &stats);
	return stats.entries;
}

/* incr_n - incr and return the count (the call must succeed) */
static long long incr_n(struct lg_store *s, const char *key, long long by,
			time_t now)
{
	long long c = -99;

	ck_assert_int_eq(s->ops->incr(s->be, key, by, 60, now, "repeat", NULL,
				      &c), 0);
	return c;
}

START_TEST(incr_fixed_window)
{
	struct lg_store_value v;
	long long c = 0;

	open_main();
	ck_assert_int_eq(st.ops->incr(st.be, "w", 1, 60, T, "repeat", NULL,
				      &c), 0);
	ck_assert_int_eq(c, 1);
	ck_assert_int_eq(st.ops->incr(st.be, "w", 2, 600, T + 30, "repeat",
				      NULL, &c), 0);
	ck_assert_int_eq(c, 3);
	ck_assert_int_eq(st.ops->get(st.be, "w", T + 59, &v), 1);
	ck_assert_int_eq(v.count, 3);
	ck_assert_int_eq(v.created, T);
	ck_assert_int_eq(v.expires, T + 60);	/* the window is fixed */
	ck_assert_int_eq(st.ops->get(st.be, "w", T + 60, &v), 0);
	ck_assert_int_eq(st.ops->incr(st.be, "w", 5, 60, T + 60, "repeat",
				      NULL, &c), 0);
	ck_assert_int_eq(c, 5);
	ck_assert_int_eq(st.ops->get(st.be, "w", T + 60, &v), 1);
	ck_assert_int_eq(v.created, T + 60);
	ck_assert_int_eq(v.expires, T + 120);
	ck_assert_int_eq(st.ops->incr(st.be, "w", -2, 60, T + 61, NULL,
				      NULL, &c), 0);
	ck_assert_int_eq(c, 3);
	/* Redis expires the hash at the same moment */
	ck_assert_int_eq(admin(main_srv.sock, "EXPIRETIME lg:w"), T + 120);
}
END_TEST

START_TEST(expiry_by_now)
{
	char key[32];
	int i;

	open_main();
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "short:%d", i);
		ck_assert_int_eq(st.ops->set(st.be, key, 1, 10, T, "repeat",
					     NULL), 0);
	}
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "long:%d", i);
		ck_assert_int_eq(st.ops->set(st.be, key, 1, 1000, T, "repeat",
					     NULL), 0);
	}
	ck_assert_uint_eq(entries(&st), 150);
	ck_assert_int_eq(live_count(&st, "short:7", T + 9), 1);
	ck_assert_int_eq(live_count(&st, "short:7", T + 10), -1);
	ck_assert_int_eq(scan_count(&st, "", T + 10), 50);
	st.ops->tick(st.be, T + 20);
	ck_assert_int_eq(scan_count(&st, "long:", T + 20), 50);
	/* a ttl of 0 makes an entry that is dead at once */
	ck_assert_int_eq(st.ops->set(st.be, "zero", 1, 0, T, NULL, NULL), 0);
	ck_assert_int_eq(live_count(&st, "zero", T), -1);
	ck_assert_int_eq(admin(main_srv.sock, "EXISTS lg:zero"), 0);
}
END_TEST

START_TEST(add_if_absent)
{
	struct lg_store_meta m1 = { NULL, NULL, NULL, "blocked", -1 };
	struct lg_store_meta m2 = { "x@y", NULL, NULL, "other", 5 };
	struct lg_store_value v;
	struct capture c;

	open_main();
	ck_assert_int_eq(st.ops->add(st.be, "a", 10, T, "autoreply", &m1), 1);
	ck_assert_int_eq(st.ops->add(st.be, "a", 99, T + 5, "bounce", &m2),
			 0);
	ck_assert_int_eq(st.ops->get(st.be, "a", T + 5, &v), 1);
	ck_assert_int_eq(v.count, 1);
	ck_assert_int_eq(v.expires, T + 10);
	ck_assert_str_eq(v.status, "blocked");
	ck_assert_int_eq(fetch(&st, "a", T + 5, &c), 1);
	ck_assert_str_eq(c.plugin, "autoreply");
	ck_assert_str_eq(c.from, "");
	ck_assert_int_eq(c.size, 0);
	ck_assert_int_eq(st.ops->add(st.be, "a", 10, T + 10, NULL, NULL), 1);
	ck_assert_int_eq(st.ops->get(st.be, "a", T + 10, &v), 1);
	ck_assert_int_eq(v.created, T + 10);
	ck_assert_int_eq(v.expires, T + 20);
	ck_assert_str_eq(v.status, "");
}
END_TEST

START_TEST(get_set_del)
{
	struct lg_store_value v;
	long long c;

	open_main();
	ck_assert_int_eq(st.ops->get(st.be, "none", T, &v), 0);
	ck_assert_int_eq(st.ops->set(st.be, "s", 5, 100, T, "harvest", NULL),
			 0);
	ck_assert_int_eq(live_count(&st, "s", T), 5);
	st.ops->incr(st.be, "s", 1, 5, T + 1, "harvest", NULL, &c);
	ck_assert_int_eq(c, 6);
	ck_assert_int_eq(st.ops->set(st.be, "s", 2, 10, T + 50, "harvest",
				     NULL), 0);
	ck_assert_int_eq(st.ops->get(st.be, "s", T + 50, &v), 1);
	ck_assert_int_eq(v.count, 2);
	ck_assert_int_eq(v.created, T);
	ck_assert_int_eq(v.expires, T + 60);
	ck_assert_int_eq(st.ops->del(st.be, "s"), 0);
	ck_assert_int_eq(st.ops->get(st.be, "s", T + 50, &v), 0);
	ck_assert_int_eq(st.ops->del(st.be, "s"), 0);
	ck_assert_uint_eq(entries(&st), 0);
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

	open_main();
	st.ops->incr(st.be, "m", 1, 60, T, "repeat", &full, &n);
	st.ops->incr(st.be, "m", 1, 60, T, NULL, &to_only, &n);
	ck_assert_int_eq(fetch(&st, "m", T, &c), 1);
	ck_assert_str_eq(c.plugin, "repeat");
	ck_assert_str_eq(c.from, "a@x.example");
	ck_assert_str_eq(c.to, "c@z.example");
	ck_assert_str_eq(c.client, "10.0.0.1");
	ck_assert_str_eq(c.status, "counting");
	ck_assert_int_eq(c.size, 1234);
	ck_assert_int_eq(c.count, 2);
	ck_assert_int_eq(c.created, T);
	ck_assert_int_eq(c.expires, T + 60);
	st.ops->set(st.be, "m", 7, 60, T, "harvest", &status);
	st.ops->incr(st.be, "m", 1, 60, T, NULL, NULL, &n);
	ck_assert_int_eq(fetch(&st, "m", T, &c), 1);
	ck_assert_str_eq(c.plugin, "harvest");
	ck_assert_str_eq(c.from, "a@x.example");
	ck_assert_str_eq(c.to, "c@z.example");
	ck_assert_str_eq(c.status, "looping");
	ck_assert_int_eq(c.size, 99);
	ck_assert_int_eq(c.count, 8);
	st.ops->incr(st.be, "m", 0, 60, T, NULL, &longer, &n);
	ck_assert_int_eq(st.ops->get(st.be, "m", T, &v), 1);
	ck_assert_str_eq(v.status, "a-very-long-sta");
	memset(big, 'f', sizeof(big) - 1);
	full.from = big;
	st.ops->incr(st.be, "m", 0, 60, T, NULL, &full, &n);
	ck_assert_int_eq(fetch(&st, "m", T, &c), 1);
	ck_assert_uint_eq(strlen(c.from), 1024);	/* LG_STORE_FIELD_MAX */
	memset(key, 'k', sizeof(key) - 1);
	ck_assert_int_eq(st.ops->incr(st.be, key, 1, 60, T, NULL, NULL, &n),
			 -1);
	ck_assert(occurrences("refused") == 1);
	/* counts saturate as in the memory store */
	ck_assert_int_eq(st.ops->set(st.be, "big", 9223372036854775806LL, 60,
				     T, NULL, NULL), 0);
	ck_assert_int_eq(incr_n(&st, "big", 5, T), 9223372036854775807LL);
	ck_assert_int_eq(incr_n(&st, "big", -7, T), 9223372036854775800LL);
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

	open_main();
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "p:%d", i);
		st.ops->set(st.be, key, i, 100, T, "repeat", NULL);
	}
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "q:%d", i);
		st.ops->set(st.be, key, i, 100, T, "harvest", NULL);
	}
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "p:old%d", i);
		st.ops->set(st.be, key, i, 5, T, "repeat", NULL);
	}
	ck_assert_int_eq(scan_count(&st, "p:", T), 13);
	ck_assert_int_eq(scan_count(&st, "p:", T + 10), 10);
	ck_assert_int_eq(scan_count(&st, "q:", T + 10), 5);
	ck_assert_int_eq(scan_count(&st, "", T + 10), 15);
	ck_assert_int_eq(scan_count(&st, "r:", T + 10), 0);
	ck_assert_int_eq(st.ops->scan(st.be, "", T + 10, counter_fn, n), 0);
	ck_assert_int_eq(n[0], 3);			/* stopped early */
	ck_assert_int_eq(st.ops->scan(st.be, "p:", T + 10, delete_fn,
				      &deleted), 0);
	ck_assert_int_eq(deleted, 10);
	ck_assert_int_eq(scan_count(&st, "p:", T + 10), 0);
	ck_assert_int_eq(scan_count(&st, "", T + 10), 5);
}
END_TEST

START_TEST(scan_glob_and_foreign_keys)
{
	char key[32];
	int i;

	open_main();
	st.ops->set(st.be, "a*b:1", 1, 100, T, NULL, NULL);
	st.ops->set(st.be, "a?b:2", 1, 100, T, NULL, NULL);
	st.ops->set(st.be, "a[b]:3", 1, 100, T, NULL, NULL);
	st.ops->set(st.be, "axb:4", 1, 100, T, NULL, NULL);
	st.ops->set(st.be, "a\\b:5", 1, 100, T, NULL, NULL);
	ck_assert_int_eq(scan_count(&st, "a*", T), 1);
	ck_assert_int_eq(scan_count(&st, "a?", T), 1);
	ck_assert_int_eq(scan_count(&st, "a[b]", T), 1);
	ck_assert_int_eq(scan_count(&st, "a\\", T), 1);
	ck_assert_int_eq(scan_count(&st, "a", T), 5);
	/* other users of the database are not ours */
	admin(main_srv.sock, "SET other:x 1");
	admin(main_srv.sock, "SET lg:plain 1");
	for (i = 0; i < 1200; i++) {	/* several SCAN batches */
		snprintf(key, sizeof(key), "many:%d", i);
		st.ops->add(st.be, key, 100, T, NULL, NULL);
	}
	ck_assert_int_eq(scan_count(&st, "", T), 1205);
	ck_assert_uint_eq(entries(&st), 1206);
}
END_TEST

START_TEST(two_hosts_share_counts)
{
	struct lg_store_redis_opts o = opts(&main_srv);
	struct lg_store_meta m = { "a@x", NULL, "192.0.2.7", "counting", -1 };
	struct lg_store st3 = { 0 };
	long long c;

	open_main();
	open_with(&st2, &o);
	o.prefix = "other:";
	open_with(&st3, &o);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);
	ck_assert_int_eq(incr_n(&st2, "k", 1, T + 1), 2);
	ck_assert_int_eq(incr_n(&st, "k", 3, T + 2), 5);
	ck_assert_int_eq(live_count(&st2, "k", T + 3), 5);
	ck_assert_int_eq(st2.ops->add(st2.be, "seen", 60, T, "bounce", &m), 1);
	ck_assert_int_eq(st.ops->add(st.be, "seen", 60, T, "bounce", &m), 0);
	ck_assert_int_eq(scan_count(&st, "", T), 2);
	ck_assert_int_eq(st.ops->del(st.be, "seen"), 0);
	ck_assert_int_eq(live_count(&st2, "seen", T), -1);
	/* another prefix is another store */
	ck_assert_int_eq(live_count(&st3, "k", T), -1);
	ck_assert_int_eq(st3.ops->incr(st3.be, "k", 1, 60, T, NULL, NULL, &c),
			 0);
	ck_assert_int_eq(c, 1);
	ck_assert_int_eq(scan_count(&st3, "", T), 1);
	lg_store_close(&st3, T);
}
END_TEST

#define THREADS		8
#define ROUNDS		1500
#define HOT_KEYS	20

/* hammer - incr on shared keys through two handles, other traffic too */
static void *hammer(void *arg)
{
	long id = (long)arg;
	struct lg_store *s = id & 1 ? &st2 : &st;
	struct lg_store_meta m = { "a@x.example", NULL, "10.0.0.1", NULL, -1 };
	struct lg_store_value v;
	char key[32];
	long long c;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		snprintf(key, sizeof(key), "hot:%d", (i + (int)id) % HOT_KEYS);
		m.status = i & 1 ? "counting" : "looping";
		if (s->ops->incr(s->be, key, 1, 100000, T, "repeat", &m, &c)
		    != 0)
			return (void *)1;
		snprintf(key, sizeof(key), "own:%ld:%d", id, i % 50);
		if (s->ops->add(s->be, key, 100000, T, "bounce", NULL) < 0 ||
		    s->ops->get(s->be, key, T, &v) != 1)
			return (void *)2;
		if (i % 3 == 0)
			s->ops->del(s->be, key);
	}
	return NULL;
}

START_TEST(threads_exact_counts)
{
	struct lg_store_redis_opts o = opts(&main_srv);
	pthread_t th[THREADS];
	void *rv;
	char key[32];
	long i;

	o.pool_max = 3;			/* threads wait for a connection */
	open_with(&st, &o);
	open_with(&st2, &o);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer,
						(void *)i), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], &rv);
		ck_assert_ptr_null(rv);
	}
	for (i = 0; i < HOT_KEYS; i++) {
		snprintf(key, sizeof(key), "hot:%ld", i);
		ck_assert_int_eq(live_count(&st, key, T),
				 THREADS * ROUNDS / HOT_KEYS);
	}
	ck_assert_str_eq(lg_log_captured(), "");
}
END_TEST

START_TEST(noscript_and_wrongtype)
{
	long long c;

	open_main();
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);
	admin(main_srv.sock, "SCRIPT FLUSH");
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 2);	/* loaded again */
	/* a key of ours holding something else: that one op falls back */
	admin(main_srv.sock, "SET lg:plain x");
	ck_assert_int_eq(st.ops->incr(st.be, "plain", 4, 60, T, NULL, NULL,
				      &c), 0);
	ck_assert_int_eq(c, 4);				/* from the fallback */
	ck_assert_int_eq(occurrences("lg:plain: WRONGTYPE"), 1);
	ck_assert_int_eq(occurrences("unreachable"), 0);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 3);	/* still on Redis */
	ck_assert_int_eq(incr_n(&st, "plain", 1, T), 5);
	ck_assert_int_eq(occurrences("WRONGTYPE"), 1);	/* once a minute */
}
END_TEST

START_TEST(stats_counts_keys)
{
	struct lg_store_stats s;
	char key[32];
	int i;

	open_main();
	for (i = 0; i < 700; i++) {
		snprintf(key, sizeof(key), "s:%d", i);
		st.ops->set(st.be, key, 1, 100, T, "repeat", NULL);
	}
	st.ops->stats(st.be, &s);
	ck_assert_uint_eq(s.entries, 700);
	ck_assert_uint_gt(s.bytes, 100000);
	ck_assert_uint_eq(s.evicted, 0);
}
END_TEST

START_TEST(password_and_db)
{
	struct server sec = { 0 };
	struct lg_store_redis_opts o;
	struct lg_store_memory_opts mo = { NULL, 0, 0 };
	char err[512] = "";

	ck_assert_int_eq(server_start(&sec, "secret", "s3cret"), 0);
	o = opts(&sec);
	o.password = "s3cret";
	o.db = 3;
	open_with(&st, &o);
	ck_assert_int_eq(incr_n(&st, "k", 2, T), 2);
	ck_assert_int_eq(admin(sec.sock, "EXISTS lg:k"), -1);	/* NOAUTH */
	o.db = 0;
	open_with(&st2, &o);
	ck_assert_int_eq(live_count(&st2, "k", T), -1);	/* other db */
	lg_store_close(&st2, T);
	o.db = 3;
	open_with(&st2, &o);
	ck_assert_int_eq(live_count(&st2, "k", T), 2);
	lg_store_close(&st2, T);
	o.password = "wrong";
	ck_assert_int_eq(lg_store_open("redis", &mo, &o, T, &st2, err,
				       sizeof(err)), -1);
	ck_assert_msg(strstr(err, "AUTH refused: WRONGPASS"), "%s", err);
	ck_assert_ptr_null(st2.ops);
	o.password = NULL;
	ck_assert_int_eq(lg_store_open("redis", &mo, &o, T, &st2, err,
				       sizeof(err)), -1);
	ck_assert_msg(strstr(err, "NOAUTH"), "%s", err);
	o.password = "s3cret";
	o.db = 99;
	ck_assert_int_eq(lg_store_open("redis", &mo, &o, T, &st2, err,
				       sizeof(err)), -1);
	ck_assert_msg(strstr(err, "SELECT refused"), "%s", err);
	server_stop(&sec, SIGTERM);
}
END_TEST

START_TEST(killed_falls_back_and_returns)
{
	struct server k = { 0 };
	struct lg_store_redis_opts o;
	struct lg_store_meta m = { NULL, NULL, NULL, "blocked", -1 };
	struct lg_store_value v;
	char unreachable[256], back[256];

	ck_assert_int_eq(server_start(&k, "kill", NULL), 0);
	snprintf(unreachable, sizeof(unreachable), "state: redis %s "
		 "unreachable (", k.spec);
	snprintf(back, sizeof(back), "state: redis %s is back", k.spec);
	o = opts(&k);
	o.backoff_max = 30;
	open_with(&st, &o);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 2);
	server_stop(&k, SIGKILL);
	/* every op goes on, answered by the local store */
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 2);
	ck_assert_int_eq(st.ops->add(st.be, "a", 60, T, "bounce", &m), 1);
	ck_assert_int_eq(st.ops->add(st.be, "a", 60, T, "bounce", &m), 0);
	ck_assert_int_eq(st.ops->get(st.be, "a", T, &v), 1);
	ck_assert_str_eq(v.status, "blocked");
	ck_assert_int_eq(st.ops->set(st.be, "s", 9, 60, T, NULL, NULL), 0);
	ck_assert_int_eq(live_count(&st, "s", T), 9);
	ck_assert_int_eq(scan_count(&st, "", T), 3);
	ck_assert_uint_eq(entries(&st), 3);
	ck_assert_int_eq(st.ops->del(st.be, "s"), 0);
	ck_assert_int_eq(live_count(&st, "s", T), -1);
	ck_assert_int_eq(occurrences(unreachable), 1);
	ck_assert_msg(occurrences("using the local memory store") == 1, "%s",
		      lg_log_captured());
	/* probes at T+1 (then wait 2 s), T+3 (then 4 s): both fail */
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 1), 3);
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 3), 4);
	ck_assert_int_eq(server_start(&k, "kill", NULL), 0);
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 6), 5);  /* backing off */
	st.ops->tick(st.be, T + 6);			  /* not due yet */
	ck_assert_int_eq(occurrences(back), 0);
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 7), 1);  /* Redis again */
	ck_assert_int_eq(occurrences(back), 1);
	ck_assert_int_eq(occurrences(unreachable), 1);	  /* once a minute */
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 8), 2);
	ck_assert_int_eq(st.ops->set(st.be, "long", 3, 1000, T + 8, NULL,
				     NULL), 0);
	/* a second outage a minute later is logged again; tick probes */
	server_stop(&k, SIGKILL);
	ck_assert_int_eq(live_count(&st, "long", T + 70), -1);	/* local */
	ck_assert_int_eq(live_count(&st, "a", T + 30), 1);
	ck_assert_int_eq(occurrences(unreachable), 2);
	ck_assert_int_eq(server_start(&k, "kill", NULL), 0);
	st.ops->tick(st.be, T + 71);
	ck_assert_int_eq(occurrences(back), 2);
	ck_assert_int_eq(live_count(&st, "a", T + 71), -1);	/* Redis */
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 71), 1);
	server_stop(&k, SIGTERM);
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
	struct server k = { 0 };
	struct lg_store_redis_opts o;
	pthread_t th[4];
	void *rv;
	int i;

	ck_assert_int_eq(server_start(&k, "load", NULL), 0);
	o = opts(&k);
	o.backoff_max = 1;
	open_with(&st, &o);
	__atomic_store_n(&load_stop, 0, __ATOMIC_RELEASE);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, loader, NULL),
				 0);
	usleep(200000);
	server_stop(&k, SIGKILL);
	usleep(300000);
	ck_assert_int_eq(server_start(&k, "load", NULL), 0);
	usleep(2500000);
	__atomic_store_n(&load_stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], &rv);
		ck_assert_ptr_null(rv);
	}
	ck_assert_msg(occurrences("unreachable") == 1 &&
		      occurrences("is back") == 1, "%s", lg_log_captured());
	ck_assert_int_gt(admin(k.sock, "DBSIZE"), 0);	/* in use again */
	server_stop(&k, SIGTERM);
}
END_TEST

START_TEST(stopped_server_times_out)
{
	struct server k = { 0 };
	struct lg_store_redis_opts o;
	struct timespec a, b;
	double took;

	ck_assert_int_eq(server_start(&k, "slow", NULL), 0);
	o = opts(&k);
	o.timeout_ms = 100;
	open_with(&st, &o);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);
	kill(k.pid, SIGSTOP);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);	/* local store */
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 2);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_msg(took < 0.5, "took %.3f s", took);
	ck_assert_msg(occurrences("(no answer within 100 ms); using the "
				  "local memory store") == 1, "%s",
		      lg_log_captured());
	kill(k.pid, SIGCONT);
	/* the command that timed out was still queued, and ran: 2, then 3 */
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 1), 3);	/* back */
	ck_assert_int_eq(occurrences("is back"), 1);
	server_stop(&k, SIGTERM);
}
END_TEST

START_TEST(tempfail_mode)
{
	struct server k = { 0 };
	struct lg_store_redis_opts o;
	struct lg_store_value v;
	long long c = 0;
	int n[2] = { 0, 0 };

	ck_assert_int_eq(server_start(&k, "tempfail", NULL), 0);
	o = opts(&k);
	o.tempfail = 1;
	open_with(&st, &o);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);
	server_stop(&k, SIGKILL);
	ck_assert_int_eq(st.ops->incr(st.be, "k", 1, 60, T, NULL, NULL, &c),
			 -1);
	ck_assert_int_eq(st.ops->add(st.be, "a", 60, T, NULL, NULL), -1);
	ck_assert_int_eq(st.ops->get(st.be, "k", T, &v), -1);
	ck_assert_int_eq(st.ops->set(st.be, "k", 1, 60, T, NULL, NULL), -1);
	ck_assert_int_eq(st.ops->del(st.be, "k"), -1);
	ck_assert_int_eq(st.ops->scan(st.be, "", T, counter_fn, n), -1);
	ck_assert_uint_eq(entries(&st), 0);
	ck_assert_int_eq(occurrences("store operations fail until it is "
				     "back (on_store_error = tempfail)"), 1);
	ck_assert_int_eq(server_start(&k, "tempfail", NULL), 0);
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 1), 1);
	server_stop(&k, SIGTERM);
}
END_TEST

START_TEST(unreachable_at_open)
{
	struct server none = { 0 };
	struct lg_store_redis_opts o;

	snprintf(none.spec, sizeof(none.spec), "unix:%s/none.sock", topdir);
	o = opts(&none);
	open_with(&st, &o);
	ck_assert_int_eq(occurrences("none.sock unreachable (No such file or "
				     "directory); using the local memory "
				     "store"), 1);
	ck_assert_int_eq(incr_n(&st, "k", 1, T), 1);
	ck_assert_int_eq(incr_n(&st, "k", 1, T + 1), 2);
	o.tempfail = 1;
	open_with(&st2, &o);
	ck_assert_int_eq(st2.ops->add(st2.be, "k", 60, T, NULL, NULL), -1);
	/* a TCP port nobody listens on */
	lg_store_close(&st, T);
	o.tempfail = 0;
	o.server = "127.0.0.1:1";
	open_with(&st, &o);
	ck_assert_int_eq(occurrences("state: redis 127.0.0.1:1 unreachable "
				     "(Connection refused)"), 1);
}
END_TEST

START_TEST(open_errors)
{
	struct lg_store_redis_opts o = { .server = "nohost" };
	struct lg_store_memory_opts mo = { NULL, 0, 0 };
	char err[256] = "";

	ck_assert_int_eq(lg_store_open("redis", &mo, NULL, T, &st, err,
				       sizeof(err)), -1);
	ck_assert_str_eq(err, "state backend \"redis\" needs a server");
	ck_assert_int_eq(lg_store_open("redis", &mo, &o, T, &st, err,
				       sizeof(err)), -1);
	ck_assert_str_eq(err, "state: redis server \"nohost\": no port (use "
			 "\"HOST:PORT\" or \"unix:/path\")");
	ck_assert_int_eq(lg_store_open("disk", &mo, &o, T, &st, err,
				       sizeof(err)), -1);
	ck_assert_str_eq(err, "state backend \"disk\" is not supported");
	ck_assert_ptr_null(st.ops);
	ck_assert_int_eq(lg_store_open("memory", &mo, NULL, T, &st, err,
				       sizeof(err)), 0);
	ck_assert_int_eq(st.ops->add(st.be, "k", 10, T, NULL, NULL), 1);
	lg_store_close(&st, T);
	ck_assert_int_eq(lg_store_open(NULL, NULL, NULL, T, &st, err,
				       sizeof(err)), 0);
}
END_TEST

struct server_case {
	const char *spec;
	const char *want;	/* "unix PATH", "HOST PORT", or the error */
};

static const struct server_case server_cases[] = {
	{ "unix:/run/redis/redis.sock", "unix /run/redis/redis.sock" },
	{ "127.0.0.1:6379", "127.0.0.1 6379" },
	{ "redis.example.net:7000", "redis.example.net 7000" },
	{ "[::1]:6379", "::1 6379" },
	{ "[2001:db8::5]:1", "2001:db8::5 1" },
	{ "", "it is empty (use \"unix:/path\" or \"HOST:PORT\")" },
	{ "unix:relative.sock", "the socket path must be absolute" },
	{ "unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "the socket path is longer than 107 bytes" },
	{ "localhost", "no port (use \"HOST:PORT\" or \"unix:/path\")" },
	{ "localhost:", "the port must be a number from 1 to 65535" },
	{ "localhost:0", "the port must be a number from 1 to 65535" },
	{ "localhost:65536", "the port must be a number from 1 to 65535" },
	{ "localhost:99999999999", "the port must be a number from 1 to 65535" },
	{ "localhost:63x", "the port must be a number from 1 to 65535" },
	{ ":6379", "bad host name" },
	{ "bad host:6379", "bad host name" },
	{ "::1:6379", "an IPv6 address needs brackets, e.g. \"[::1]:6379\"" },
	{ "[nope]:6379", "bad IPv6 address" },
	{ "[]:6379", "bad IPv6 address" },
};

START_TEST(server_setting)
{
	const struct server_case *c = &server_cases[_i];
	struct lg_redis_server srv;
	char err[256] = "", got[400];

	if (lg_store_redis_server(c->spec, &srv, err, sizeof(err)) == 0 &&
	    srv.is_unix)
		snprintf(got, sizeof(got), "unix %s", srv.path);
	else if (err[0] == 0)
		snprintf(got, sizeof(got), "%s %d", srv.host, srv.port);
	else
		snprintf(got, sizeof(got), "%s", err);
	ck_assert_str_eq(got, c->want);
}
END_TEST

struct state_case {
	const char *text;
	const char *want;	/* "" when good; %s = the file */
};

static const struct state_case state_cases[] = {
	{ "state = {\n backend = \"redis\";\n server = \"127.0.0.1:6379\";\n"
	  " password = \"pw\";\n db = 15;\n prefix = \"mx:\";\n"
	  " timeout = \"250ms\";\n on_store_error = \"tempfail\";\n};\n", "" },
	{ "state = { backend = \"disk\"; };\n",
	  "%s:1: state: backend must be \"memory\" or \"redis\", not \"disk\"" },
	{ "state = {\n backend = \"redis\";\n};\n",
	  "%s:1: state: backend \"redis\" needs server = \"unix:/path\" or "
	  "\"HOST:PORT\"" },
	{ "state = {\n server = \"localhost\";\n};\n",
	  "%s:2: state: bad server \"localhost\": no port (use \"HOST:PORT\" "
	  "or \"unix:/path\")" },
	{ "state = {\n server = 6379;\n};\n",
	  "%s:2: state: server must be a string" },
	{ "state = {\n db = 16;\n};\n",
	  "%s:2: state: db must be an integer from 0 to 15" },
	{ "state = {\n db = -1;\n};\n",
	  "%s:2: state: db must be an integer from 0 to 15" },
	{ "state = {\n db = \"1\";\n};\n",
	  "%s:2: state: db must be an integer from 0 to 15" },
	{ "state = {\n timeout = \"soon\";\n};\n",
	  "%s:2: state: timeout: bad duration \"soon\" (use 1ms to 60s, e.g. "
	  "200ms)" },
	{ "state = {\n timeout = \"2m\";\n};\n",
	  "%s:2: state: timeout: bad duration \"2m\" (use 1ms to 60s, e.g. "
	  "200ms)" },
	{ "state = {\n prefix = \"\";\n};\n",
	  "%s:2: state: prefix must not be empty" },
	{ "state = {\n prefix = \"a b\";\n};\n",
	  "%s:2: state: prefix \"a b\" holds a space or a control character" },
	{ "state = {\n prefix = "
	  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";"
	  "\n};\n", "%s:2: state: prefix is longer than 63 bytes" },
	{ "state = {\n on_store_error = \"accept\";\n};\n",
	  "%s:2: state: on_store_error must be \"fallback\" or \"tempfail\", "
	  "not \"accept\"" },
	{ "state = {\n sever = \"x:1\";\n};\n",
	  "%s:2: state: unknown setting \"sever\"" },
};

START_TEST(state_settings)
{
	const struct state_case *c = &state_cases[_i];
	struct lg_config cfg = { 0 };
	char path[128], want[512], err[512] = "";
	config_t lc;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/state%d.conf", topdir, _i);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(c->text, fp);
	fclose(fp);
	config_init(&lc);
	ck_assert_msg(config_read_file(&lc, path) == CONFIG_TRUE, "%s",
		      config_error_text(&lc));
	cfg.path = path;
	cfg.state.backend = strdup("memory");
	lg_settings_state(&cfg, config_lookup(&lc, "state"), err,
			  sizeof(err));
	snprintf(want, sizeof(want), c->want, path);
	ck_assert_str_eq(err, want);
	if (_i == 0) {
		ck_assert_str_eq(cfg.state.backend, "redis");
		ck_assert_str_eq(cfg.state.server, "127.0.0.1:6379");
		ck_assert_str_eq(cfg.state.password, "pw");
		ck_assert_int_eq(cfg.state.db, 15);
		ck_assert_str_eq(cfg.state.prefix, "mx:");
		ck_assert_int_eq(cfg.state.timeout_ms, 250);
		ck_assert_int_eq(cfg.state.on_store_error_tempfail, 1);
	}
	free(cfg.state.backend);
	config_destroy(&lc);
}
END_TEST

/* redis_suite - every case, grouped by what they cover */
static Suite *redis_suite(void)
{
	Suite *s = suite_create("store_redis");
	TCase *tc;

	tc = tcase_create("operations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, incr_fixed_window);
	tcase_add_test(tc, expiry_by_now);
	tcase_add_test(tc, add_if_absent);
	tcase_add_test(tc, get_set_del);
	tcase_add_test(tc, meta_update_rules);
	tcase_add_test(tc, scan_prefix);
	tcase_add_test(tc, scan_glob_and_foreign_keys);
	tcase_add_test(tc, noscript_and_wrongtype);
	tcase_add_test(tc, stats_counts_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("shared");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_hosts_share_counts);
	tcase_add_test(tc, threads_exact_counts);
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
	tcase_add_test(tc, open_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("settings");
	tcase_add_loop_test(tc, server_setting, 0,
			    sizeof(server_cases) / sizeof(server_cases[0]));
	tcase_add_loop_test(tc, state_settings, 0,
			    sizeof(state_cases) / sizeof(state_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

/* have_redis_server - redis-server is on the PATH */
static int have_redis_server(void)
{
	return system("command -v redis-server >/dev/null 2>&1") == 0;
}

/* remove_topdir - the sockets and logs of the servers */
static void remove_topdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", topdir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_store_redis: could not remove %s\n",
			topdir);
}

/* main - start the server, run the suite, stop the server */
int main(void)
{
	SRunner *sr;
	int failed;

	if (!have_redis_server()) {
		printf("SKIP: redis-server is not installed (Debian package "
		       "redis-server); the Redis store is not tested\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	strcpy(topdir, "/tmp/check_redis.XXXXXX");
	if (mkdtemp(topdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (server_start(&main_srv, "main", NULL) != 0) {
		fprintf(stderr, "check_store_redis: redis-server did not start "
			"(see %s/main.log)\n", topdir);
		return 1;
	}
	lg_log_open("test", LG_LOG_MEMORY);
	sr = srunner_create(redis_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	server_stop(&main_srv, SIGTERM);
	if (!failed)
		remove_topdir();
	return failed ? 1 : 0;
}
