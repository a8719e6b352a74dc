/*
 * NAME
 *	check_store_redis_deadline - the Redis store against servers that
 *	answer too slowly, stop half-way or answer too much
 * SYNOPSIS
 *	check_store_redis_deadline
 * DESCRIPTION
 *	Each row starts t/store/redis_misbehave.py in one of its modes (a
 *	unix socket, or a loopback TCP port), opens a store on it with a
 *	1 s timeout and makes one call. The open, and the call, must each
 *	take less than 3 x timeout (a margin for a loaded machine, far
 *	below the 200 s a server trickling its 2000-byte reply takes),
 *	the call must be answered by the local memory store, and the
 *	outage must be logged with its reason: "state: redis SERVER
 *	unreachable (REASON); using the local memory store". The next call
 *	does not touch the server (it is down): well under the timeout.
 *
 *	The reply caps are checked the same way: a bulk string announced
 *	as 512 MB and streamed, and an array announced with 2e9 elements,
 *	are refused after the cap (the second at once), whatever the op.
 *
 *	A write refused by a replica, in the words of Redis before 7 (an
 *	"ERR" reply that names READONLY), is an outage too, never an
 *	error about one key: the connection is to a replica.
 *
 *	The server is a child process, stopped by its PID after each row.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed, 77 (skip) without python3.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_redis.h"
#include "store_backends.h"

#define TIMEOUT_MS	1000
#define BOUND_MS	(3 * TIMEOUT_MS)

/* One row: a server's misbehaviour and the call that meets it. */
static const struct deadline_case {
	const char *mode;	/* redis_misbehave.py --mode */
	const char *on;		/* --on, or NULL: all but the handshake */
	int tcp;		/* a loopback TCP port, else a unix socket */
	char op;		/* o open, i incr, a add, s set, g get, d del,
				 * c scan, n stats */
	const char *reason;	/* what "unreachable (...)" says */
} cases[] = {
	{ "trickle", NULL, 0, 'i', "reply not complete within 1000 ms" },
	{ "trickle", NULL, 0, 'a', "reply not complete within 1000 ms" },
	{ "trickle", NULL, 0, 's', "reply not complete within 1000 ms" },
	{ "trickle", NULL, 0, 'g', "reply not complete within 1000 ms" },
	{ "trickle", NULL, 0, 'd', "reply not complete within 1000 ms" },
	{ "trickle", NULL, 0, 'c', "reply not complete within 1000 ms" },
	{ "trickle", NULL, 0, 'n', "reply not complete within 1000 ms" },
	{ "trickle", "HMGET", 0, 'c', "reply not complete within 1000 ms" },
	{ "trickle", "INFO", 0, 'n', "reply not complete within 1000 ms" },
	{ "trickle", "SCRIPT", 0, 'o', "reply not complete within 1000 ms" },
	{ "trickle", NULL, 1, 'i', "reply not complete within 1000 ms" },
	{ "stall", NULL, 0, 'i', "reply not complete within 1000 ms" },
	{ "stall", NULL, 0, 'c', "reply not complete within 1000 ms" },
	{ "stall", "SCRIPT", 0, 'o', "reply not complete within 1000 ms" },
	{ "bulk", NULL, 0, 'g', "reply over 16384 bytes)" },
	{ "bulk", NULL, 0, 'i', "reply over 16384 bytes)" },
	{ "bulk", NULL, 0, 'c', "reply over 4194304 bytes)" },
	{ "bulk", "HMGET", 0, 'c', "reply over 8192 bytes)" },
	{ "bulk", NULL, 1, 'n', "reply over 4194304 bytes)" },
	{ "elements", NULL, 0, 'i', "reply over 16384 bytes (its arrays "
	  "announce 2000000000 elements)" },
	{ "elements", NULL, 0, 'c', "reply over 4194304 bytes (its arrays "
	  "announce 2000000000 elements)" },
	{ "twice", NULL, 0, 'i', "the server sent more than was asked" },
	{ "noaccept", NULL, 1, 'o', "no connection within 1000 ms" },
	{ "readonly6", "EVALSHA", 0, 'i', "ERR Error running script (call "
	  "to f_0123456789abcdef0123456789abcdef01234567): @user_script:16: "
	  "@user_script: 16: -READONLY You can't write" },
};

static char topdir[64];
static const char *script;
static pid_t server_pid;
static struct lg_store st;

/* ms_since - milliseconds on the monotonic clock since a */
static long long ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (long long)(b.tv_sec - a->tv_sec) * 1000 +
		(b.tv_nsec - a->tv_nsec) / 1000000;
}

/* ready_text - the ready file's first line once it is there (20 s) */
static int ready_text(const char *path, char *buf, size_t size)
{
	FILE *f;
	int i;

	for (i = 0; i < 400; i++) {
		if ((f = fopen(path, "r")) != NULL) {
			buf[0] = 0;
			if (fgets(buf, (int)size, f))
				buf[strcspn(buf, "\n")] = 0;
			fclose(f);
			return buf[0] ? 0 : -1;
		}
		if (waitpid(server_pid, NULL, WNOHANG) == server_pid) {
			server_pid = 0;
			return -1;
		}
		usleep(50000);
	}
	return -1;
}

/* server_start - redis_misbehave.py as the row says; its setting into
 * spec */
static void server_start(const struct deadline_case *c, char *spec,
			 size_t size)
{
	char listen[200], ready[200], log[200], text[32];
	int fd;

	snprintf(ready, sizeof(ready), "%s/ready", topdir);
	snprintf(log, sizeof(log), "%s/server.log", topdir);
	if (c->tcp)
		snprintf(listen, sizeof(listen), "127.0.0.1:0");
	else
		snprintf(listen, sizeof(listen), "unix:%s/mb.sock", topdir);
	unlink(ready);
	unlink(listen + 5);
	ck_assert_int_ge(server_pid = fork(), 0);
	if (server_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("python3", "python3", script, "--listen", listen,
		       "--ready", ready, "--mode", c->mode, "--on",
		       c->on ? c->on : "", (char *)NULL);
		_exit(127);
	}
	ck_assert_msg(ready_text(ready, text, sizeof(text)) == 0,
		      "%s did not start (see %s)", script, log);
	if (c->tcp)
		snprintf(spec, size, "127.0.0.1:%s", text);
	else
		snprintf(spec, size, "%s", listen);
}

/* setup - an empty log, no store */
static void setup(void)
{
	lg_log_capture_reset();
	memset(&st, 0, sizeof(st));
	server_pid = 0;
}

/* teardown - close the store, stop the server by its PID */
static void teardown(void)
{
	if (st.ops)
		lg_store_close(&st, time(NULL));
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	server_pid = 0;
}

/* call - the row's call; 0 when the local store gave its answer */
static int call(struct lg_store *s, char op, time_t now)
{
	struct lg_store_value v;
	long long c = -1;

	switch (op) {
	case 'o':
		return 0;
	case 'i':
		return s->ops->incr(s->be, "k", 1, 60, now, "repeat", NULL,
				    &c) == 0 && c == 1 ? 0 : -1;
	case 'a':
		return s->ops->add(s->be, "k", 60, now, NULL, NULL) == 1 ?
			0 : -1;
	case 's':
		return s->ops->set(s->be, "k", 5, 60, now, NULL, NULL);
	case 'g':
		return s->ops->get(s->be, "k", now, &v) == 0 ? 0 : -1;
	case 'd':
		return s->ops->del(s->be, "k");
	case 'c':
		return fx_scan_count(s, "", now) == 0 ? 0 : -1;
	case 'n':
		return fx_entries(s) == 0 ? 0 : -1;
	}
	return -1;
}

START_TEST(bounded)
{
	const struct deadline_case *c = &cases[_i];
	struct lg_store_redis_opts o = { .prefix = "lg:",
					 .timeout_ms = TIMEOUT_MS,
					 .backoff_min = 1, .backoff_max = 4 };
	char spec[200], line[400];
	struct lg_store_value v;
	struct timespec t0;
	time_t now = time(NULL);
	long long took[3];

	server_start(c, spec, sizeof(spec));
	o.server = spec;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fx_redis_open(&st, &o, now);
	took[0] = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(call(&st, c->op, now) == 0, "%s %c: not the local "
		      "store's answer", c->mode, c->op);
	took[1] = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(st.ops->get(st.be, "none", now, &v), 0);
	took[2] = ms_since(&t0);
	ck_assert_msg(took[0] < BOUND_MS && took[1] < BOUND_MS &&
		      took[2] < TIMEOUT_MS / 2, "%s %c: open %lld ms, call "
		      "%lld ms, next call %lld ms; log:\n%s", c->mode, c->op,
		      took[0], took[1], took[2], lg_log_captured());
	snprintf(line, sizeof(line), "state: redis %s unreachable (%s", spec,
		 c->reason);
	ck_assert_msg(fx_logged(line) == 1, "%s %c: no \"%s\" in:\n%s",
		      c->mode, c->op, line, lg_log_captured());
	ck_assert_int_eq(fx_logged("using the local memory store"), 1);
}
END_TEST

/* deadline_suite - one loop test over the rows */
static Suite *deadline_suite(void)
{
	Suite *s = suite_create("store redis deadline");
	TCase *tc = tcase_create("misbehaving server");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, bounded, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

/* main - a folder for the sockets, the suite, the folder removed */
int main(void)
{
	const char *top = getenv("top_srcdir");
	static char path[512];
	SRunner *sr;
	int failed;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("SKIP: python3 is not installed\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/t/store/redis_misbehave.py",
		 top ? top : ".");
	script = path;
	signal(SIGPIPE, SIG_IGN);
	strcpy(topdir, "/tmp/check_deadline.XXXXXX");
	if (mkdtemp(topdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	lg_log_open("test", LG_LOG_MEMORY);
	sr = srunner_create(deadline_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (!failed)
		fx_remove_dir(topdir);
	return failed ? 1 : 0;
}
