/*
 * NAME
 *	check_store_sentinel - the Redis backend finding its master through
 *	Sentinel
 * SYNOPSIS
 *	t_store_sentinel.sh runs it with the setup of t/lib/sentinel.sh:
 *	SN_SENTINELS="127.0.0.1:P1 127.0.0.1:P2 127.0.0.1:P3"
 *	SN_MASTER=PORT SN_REPLICA=PORT SN_NAME=NAME check_store_sentinel
 * DESCRIPTION
 *	One table of cases. Each opens a Redis store on a list of
 *	sentinels: the real ones (S1..S3), a fake sentinel (F, a thread on
 *	a unix socket giving canned replies, one per command received) or
 *	a dead address (D), and checks where a write went (the master, or
 *	the local fallback store), what was logged and which address
 *	rd_current_server() reports. The fake gives the replica's address
 *	to show that a replica is never written to, nothing for a name it
 *	does not know, garbage, or wants AUTH.
 * DIAGNOSTICS
 *	Exit 77 when the environment is not set (not run by the wrapper).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"
#include "store_open.h"
#include "store_redis.h"
#include "store_redis_sentinel.h"
#include "store_backends.h"


static char sentinel[3][64];
static int master_port, replica_port;
static const char *name;

/* The fake sentinel: canned replies, in order, on each connection. */
struct fake {
	int fd;
	char path[108];
	const char *replies[3];		/* "%R": the replica's address */
	char got[1024];			/* what the last connection sent */
	pthread_t tid;
};

/* fake_reply - a canned reply with %R replaced */
static void fake_reply(int fd, const char *r)
{
	char buf[256], port[16];
	int n;

	if (strcmp(r, "%R") == 0) {
		n = snprintf(port, sizeof(port), "%d", replica_port);
		n = snprintf(buf, sizeof(buf), "*2\r\n$9\r\n127.0.0.1\r\n$%d\r\n%s"
			     "\r\n", n, port);
	} else {
		n = snprintf(buf, sizeof(buf), "%s", r);
	}
	if (write(fd, buf, (size_t)n) != n)
		return;
}

/* fake_serve - answer each connection: one canned reply per read */
static void *fake_serve(void *arg)
{
	struct fake *f = arg;
	int c, i;
	ssize_t n;
	size_t used;

	while ((c = accept(f->fd, NULL, NULL)) >= 0) {
		used = 0;
		for (i = 0; i < 3 && f->replies[i]; i++) {
			n = read(c, f->got + used, sizeof(f->got) - 1 - used);
			if (n <= 0)
				break;
			used += (size_t)n;
			f->got[used] = 0;
			fake_reply(c, f->replies[i]);
		}
		close(c);
	}
	return NULL;
}

/* fake_start - listen on DIR/fake.sock, serve in a thread */
static void fake_start(struct fake *f, const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(f->path, sizeof(f->path), "%s/fake.sock", dir);
	strcpy(sa.sun_path, f->path);
	ck_assert_int_ge(f->fd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(f->fd, 8), 0);
	ck_assert_int_eq(pthread_create(&f->tid, NULL, fake_serve, f), 0);
}

/* exists - whether key is on the server at 127.0.0.1:port */
static int exists(int port, const char *key)
{
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	redisReply *r;
	int found = -1;

	if (c && !c->err && (r = redisCommand(c, "EXISTS %s", key)) != NULL) {
		found = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : -1;
		freeReplyObject(r);
	}
	if (c)
		redisFree(c);
	return found;
}

struct sn_case {
	const char *label;
	const char *list[3];	/* S1..S3, F (the fake), D (nothing there) */
	const char *replies[3];	/* the fake's */
	const char *master_name;	/* NULL: SN_NAME */
	const char *password;	/* sentinel_password */
	int tempfail;
	int on_master;		/* 1: the write reached the master */
	const char *logged;	/* "%M" master port, "%R" replica, "%S" S1 */
	const char *fake_got;	/* the fake must have been sent this */
};

static const struct sn_case cases[] = {
	{ "the real sentinels name the master", { "S1", "S2", "S3" },
	  { NULL }, NULL, NULL, 0, 1,
	  "state: redis master %N is 127.0.0.1:%M (via sentinel %S1)", NULL },
	{ "a sentinel naming the replica is passed over", { "F", "S2" },
	  { "%R" }, NULL, NULL, 0, 1,
	  "state: redis master %N is 127.0.0.1:%M (via sentinel %S2)",
	  "get-master-addr-by-name" },
	{ "a sentinel that does not know the name is passed over",
	  { "F", "S3" }, { "$-1\r\n" }, NULL, NULL, 0, 1,
	  "state: redis master %N is 127.0.0.1:%M (via sentinel %S3)", NULL },
	{ "only a replica named: never written to, the fallback answers",
	  { "F" }, { "%R" }, NULL, NULL, 0, 0,
	  "ROLE of 127.0.0.1:%R: slave, not master", NULL },
	{ "no sentinel answers: the fallback answers", { "D", "D2" },
	  { NULL }, NULL, NULL, 0, 0,
	  "state: redis master %N unreachable (no sentinel named a master "
	  "that answers: unix:", NULL },
	{ "no sentinel answers, tempfail: the write fails", { "D" },
	  { NULL }, NULL, NULL, 1, 0,
	  "store operations fail until it is back", NULL },
	{ "a name no sentinel monitors", { "S1", "S2" }, { NULL },
	  "nosuchmaster", NULL, 0, 0,
	  "%S2: does not know master nosuchmaster", NULL },
	{ "an odd answer from a sentinel", { "F" }, { "+hello\r\n" }, NULL,
	  NULL, 0, 0, "gave an odd answer for master %N", NULL },
	{ "a sentinel naming a unix socket is not followed", { "F" },
	  { "*2\r\n$4\r\nunix\r\n$4\r\n/tmp\r\n" }, NULL, NULL, 0, 0,
	  "named master %N at \"unix:/tmp\": not a host and port", NULL },
	{ "sentinel_password: AUTH comes first", { "F" },
	  { "+OK\r\n", "*2\r\n$9\r\n127.0.0.1\r\n$%L\r\n%M\r\n" }, NULL,
	  "s3cret", 0, 1,
	  "state: redis master %N is 127.0.0.1:%M (via sentinel unix:",
	  "s3cret" },
};

/* expand - text with %N (name), %M, %R (ports), %L (length of the master
 * port), %S1..%S3 (sentinels) */
static void expand(const char *in, char *out, size_t size)
{
	char m[16];
	size_t used = 0;

	snprintf(m, sizeof(m), "%d", master_port);
	while (*in && used + 1 < size) {
		const char *add = NULL;
		char tmp[80];

		if (in[0] == '%' && in[1] == 'N') {
			add = name;
		} else if (in[0] == '%' && in[1] == 'M') {
			add = m;
		} else if (in[0] == '%' && in[1] == 'L') {
			snprintf(tmp, sizeof(tmp), "%zu", strlen(m));
			add = tmp;
		} else if (in[0] == '%' && in[1] == 'R') {
			snprintf(tmp, sizeof(tmp), "%d", replica_port);
			add = tmp;
		} else if (in[0] == '%' && in[1] == 'S' && in[2] >= '1' &&
			   in[2] <= '3') {
			add = sentinel[in[2] - '1'];
		}
		if (add == NULL) {
			out[used++] = *in++;
			continue;
		}
		used += (size_t)snprintf(out + used, size - used, "%s", add);
		in += in[1] == 'S' ? 3 : 2;
		if (used >= size)
			used = size - 1;
	}
	out[used] = 0;
}

START_TEST(resolve)
{
	const struct sn_case *c = &cases[_i];
	char dir[] = "/tmp/check_sentinel.XXXXXX", specs[3][160], want[512];
	char key[64], full[80], cur[300], canned[3][256];
	const char *list[3];
	struct fake f = { 0 };
	struct lg_store_memory_opts mo = { NULL, 0, 1000, 0 };
	struct lg_store_redis_opts o = { 0 };
	struct lg_store st;
	long long count = 0;
	time_t now = time(NULL);	/* Redis expires keys by its clock */
	char err[512] = "";
	int i, n = 0, rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < 3 && c->replies[i]; i++) {
		expand(c->replies[i], canned[i], sizeof(canned[i]));
		f.replies[i] = strcmp(c->replies[i], "%R") == 0 ? "%R" :
			canned[i];
	}
	if (f.replies[0])
		fake_start(&f, dir);
	for (i = 0; i < 3 && c->list[i]; i++, n++) {
		if (c->list[i][0] == 'S')
			snprintf(specs[i], sizeof(specs[i]), "%s",
				 sentinel[c->list[i][1] - '1']);
		else if (c->list[i][0] == 'F')
			snprintf(specs[i], sizeof(specs[i]), "unix:%s", f.path);
		else
			snprintf(specs[i], sizeof(specs[i]), "unix:%s/%s.sock",
				 dir, c->list[i]);
		list[i] = specs[i];
	}
	o.sentinels = list;
	o.nsentinels = n;
	o.master_name = c->master_name ? c->master_name : name;
	o.sentinel_password = c->password;
	o.prefix = "sn:";
	o.timeout_ms = 500;
	o.tempfail = c->tempfail;
	lg_log_capture_reset();
	ck_assert_msg(lg_store_open("redis", &mo, &o, now, &st, err,
				    sizeof(err)) == 0, "open: %s", err);
	snprintf(key, sizeof(key), "case%d.%ld", _i, (long)getpid());
	rc = st.ops->incr(st.be, key, 1, 600, now, "test", NULL, &count);
	ck_assert_int_eq(rc, c->tempfail ? -1 : 0);
	if (!c->tempfail)
		ck_assert_int_eq(count, 1);
	snprintf(full, sizeof(full), "sn:%s", key);
	ck_assert_int_eq(exists(master_port, full), c->on_master);
	if (!c->on_master)
		ck_assert_int_eq(exists(replica_port, full), 0);
	expand(c->logged, want, sizeof(want));
	ck_assert_msg(lg_log_captured_has(want), "no \"%s\" in the log:\n%s",
		      want, lg_log_captured());
	rd_current_server(st.be, cur, sizeof(cur));
	if (c->on_master) {
		snprintf(want, sizeof(want), "127.0.0.1:%d", master_port);
		ck_assert_str_eq(cur, want);
	} else {
		ck_assert_str_eq(cur, "");
	}
	if (c->fake_got)
		ck_assert_msg(strstr(f.got, c->fake_got) != NULL,
			      "the fake got no \"%s\": %s", c->fake_got, f.got);
	lg_store_close(&st, now);
	if (f.replies[0]) {
		shutdown(f.fd, SHUT_RDWR);
		close(f.fd);
		pthread_join(f.tid, NULL);
	}
	fx_remove_dir(dir);
}
END_TEST

/* main - read the setup from the environment, run the table */
int main(void)
{
	const char *list = getenv("SN_SENTINELS");
	Suite *s = suite_create("store sentinel");
	TCase *tc = tcase_create("resolve");
	SRunner *sr;
	int failed;

	if (list == NULL || getenv("SN_MASTER") == NULL ||
	    getenv("SN_REPLICA") == NULL || getenv("SN_NAME") == NULL ||
	    sscanf(list, "%63s %63s %63s", sentinel[0], sentinel[1],
		   sentinel[2]) != 3) {
		fprintf(stderr, "check_store_sentinel: run it through "
			"t_store_sentinel.sh (SN_* are not set)\n");
		return 77;
	}
	master_port = atoi(getenv("SN_MASTER"));
	replica_port = atoi(getenv("SN_REPLICA"));
	name = getenv("SN_NAME");
	lg_log_open("test", LG_LOG_MEMORY);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, resolve, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
