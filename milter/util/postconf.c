/*
 * NAME
 *	postconf.c - run a helper program with a deadline (see postconf.h)
 * DESCRIPTION
 *	Used for postconf, at start, on -n and on reload: the reload runs
 *	in a thread while others serve mail, so between fork and exec the
 *	child calls only async-signal-safe functions.
 */
#include "config.h"

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "postconf.h"

#define POSTCONF_MS	5000	/* the longest postconf may take */
#define HUNG_PAUSE_S	60	/* after a hang, do not ask again for this */

static atomic_llong hung_at;	/* CLOCK_MONOTONIC seconds; 0: never */

/* elapsed_ms - since start */
static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
		(now.tv_nsec - start->tv_nsec) / 1000000;
}

/* child - in the forked process: stdin from /dev/null, the pipes as
 * stdout and stderr, signals as a fresh process has them */
static void child(const char *const argv[], int (*fn)(void *), void *arg,
		  int out, int err) __attribute__((noreturn));
static void child(const char *const argv[], int (*fn)(void *), void *arg,
		  int out, int err)
{
	int null = open("/dev/null", O_RDONLY);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0)
		_exit(126);
	if (fn)
		_exit(fn(arg) & 0x7f);
	execv(argv[0], (char *const *) argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* One pipe's destination: a fixed buffer cut at its size, or (grow)
 * a heap buffer of at most max bytes. */
struct sink {
	char   *buf;
	size_t  size;
	size_t  len;
	int     grow;
	size_t  max;
	int     over;		/* grow: more than max arrived, or no memory */
};

/* keep - append what was read; a fixed buffer drops what is beyond its
 * bound, a growing one marks it over */
static void keep(struct sink *k, const char *data, size_t n)
{
	size_t room, take, cap;
	char *p;

	if (k->grow) {
		if (k->over || n > k->max - k->len) {
			k->over = 1;
			return;
		}
		if (k->len + n + 1 > k->size) {
			for (cap = k->size ? k->size : 65536;
			     cap < k->len + n + 1; cap *= 2)
				;
			if (!(p = realloc(k->buf, cap))) {
				k->over = 1;
				return;
			}
			k->buf = p;
			k->size = cap;
		}
		memcpy(k->buf + k->len, data, n);
		k->len += n;
		k->buf[k->len] = 0;
		return;
	}
	if (k->len + 1 >= k->size)
		return;		/* beyond the bound: read on and drop */
	room = k->size - 1 - k->len;
	take = n < room ? n : room;
	memcpy(k->buf + k->len, data, take);
	k->len += take;
	k->buf[k->len] = 0;
}

/* collect - read both pipes until they close or the deadline passes;
 * 0, or -1 on timeout */
static int collect(int fds[2], int timeout_ms, struct sink sinks[2])
{
	char scratch[65536];
	struct timespec start;
	int open_fds = 2, i;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (open_fds) {
		struct pollfd p[2] = { { fds[0], POLLIN, 0 },
				       { fds[1], POLLIN, 0 } };
		long left = timeout_ms - elapsed_ms(&start);

		if (left <= 0)
			return -1;
		if (poll(p, 2, (int) left) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i] < 0 || !p[i].revents)
				continue;
			n = read(fds[i], scratch, sizeof(scratch));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fds[i]);
				fds[i] = -1;
				open_fds--;
				continue;
			}
			keep(&sinks[i], scratch, (size_t) n);
		}
	}
	return 0;
}

/* run - fork, exec and collect into the two sinks (see postconf.h) */
static int run(const char *const argv[], int (*fn)(void *), void *arg,
	       int timeout_ms, struct sink sinks[2], char *err, size_t errsize)
{
	int po[2], pe[2], fds[2], status = 0, timed_out;
	pid_t pid;

	if (!fn && !argv[0]) {
		snprintf(err, errsize, "no program to run");
		return -1;
	}
	if (pipe2(po, O_CLOEXEC) != 0)
		goto fail;
	if (pipe2(pe, O_CLOEXEC) != 0) {
		close(po[0]);
		close(po[1]);
		goto fail;
	}
	pid = fork();
	if (pid == 0)
		child(argv, fn, arg, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		goto fail;
	}
	fds[0] = po[0];
	fds[1] = pe[0];
	timed_out = collect(fds, timeout_ms, sinks) != 0;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		if (timeout_ms % 1000 == 0)
			snprintf(err, errsize, "no answer within %d s",
				 timeout_ms / 1000);
		else
			snprintf(err, errsize, "no answer within %d ms",
				 timeout_ms);
		return -1;
	}
	err[strcspn(err, "\n")] = 0;	/* the first line is the reason */
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	snprintf(err, errsize, "killed by signal %d", WTERMSIG(status));
	return -1;
fail:
	snprintf(err, errsize, "%s", strerror(errno));
	return -1;
}

/* lg_run_program - see postconf.h */
int lg_run_program(const char *const argv[], int timeout_ms, char *out,
		   size_t outsize, char *err, size_t errsize)
{
	struct sink sinks[2] = { { out, outsize, 0, 0, 0, 0 },
				 { err, errsize, 0, 0, 0, 0 } };

	out[0] = err[0] = 0;
	return run(argv, NULL, NULL, timeout_ms, sinks, err, errsize);
}

/* capture - run a program or a function, its output into a buffer */
static int capture(const char *const argv[], int (*fn)(void *), void *arg,
		   int timeout_ms, size_t max_out, char **out_r, size_t *len_r,
		   char *err, size_t errsize)
{
	struct sink sinks[2] = { { NULL, 0, 0, 1, max_out, 0 },
				 { err, errsize, 0, 0, 0, 0 } };
	int rc;

	*out_r = NULL;
	*len_r = 0;
	err[0] = 0;
	rc = run(argv, fn, arg, timeout_ms, sinks, err, errsize);
	if (rc >= 0 && sinks[0].over) {
		snprintf(err, errsize, "%s", sinks[0].len < max_out ?
			 strerror(ENOMEM) : "output larger than the bound");
		rc = -1;
	}
	if (rc < 0 || !sinks[0].buf) {
		if (rc >= 0 && !(sinks[0].buf = calloc(1, 1))) {
			snprintf(err, errsize, "%s", strerror(ENOMEM));
			rc = -1;
		}
		if (rc < 0) {
			free(sinks[0].buf);
			return -1;
		}
	}
	*out_r = sinks[0].buf;
	*len_r = sinks[0].len;
	return rc;
}

/* lg_run_capture - see postconf.h */
int lg_run_capture(const char *const argv[], int timeout_ms, size_t max_out,
		   char **out_r, size_t *len_r, char *err, size_t errsize)
{
	return capture(argv, NULL, NULL, timeout_ms, max_out, out_r, len_r,
		       err, errsize);
}

/* lg_run_func_capture - see postconf.h */
int lg_run_func_capture(int (*fn)(void *arg), void *arg, int timeout_ms,
			size_t max_out, char **out_r, size_t *len_r,
			char *err, size_t errsize)
{
	return capture(NULL, fn, arg, timeout_ms, max_out, out_r, len_r, err,
		       errsize);
}

/* postfix_configured - a main.cf where Postfix will look for it */
static int postfix_configured(void)
{
	const char *dir = getenv("MAIL_CONFIG");
	char path[4096];

	snprintf(path, sizeof(path), "%s/main.cf",
		 dir && *dir ? dir : "/etc/postfix");
	return access(path, R_OK) == 0;
}

/* runnable_postconf - the first runnable postconf of the usual places */
static const char *runnable_postconf(void)
{
	static const char *const places[] = {
		"/usr/sbin/postconf", "/usr/local/sbin/postconf",
		"/usr/bin/postconf", "/usr/local/bin/postconf", NULL
	};
	size_t i;

	for (i = 0; places[i]; i++)
		if (access(places[i], X_OK) == 0)
			return places[i];
	return NULL;
}

/* lg_postconf_path - see postconf.h */
const char *lg_postconf_path(void)
{
	const char *env = getenv("LOOPGUARD_POSTCONF");

	if (env)
		return *env ? env : NULL;
	if (!postfix_configured())
		return NULL;
	return runnable_postconf();
}

/* lg_postconf_find - see postconf.h */
const char *lg_postconf_find(void)
{
	const char *env = getenv("LOOPGUARD_POSTCONF");
	const char *found;

	if (env)
		return *env ? env : NULL;
	found = runnable_postconf();
	return found ? found : "/usr/sbin/postconf";
}

/* mono_s - a monotonic clock in seconds */
static long long mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec;
}

/* lg_postconf_run - see postconf.h */
int lg_postconf_run(const char *const argv[], char *out, size_t outsize,
		    char *err, size_t errsize)
{
	long long last = atomic_load(&hung_at);
	int rc;

	out[0] = err[0] = 0;
	if (last && mono_s() - last < HUNG_PAUSE_S) {
		snprintf(err, errsize,
			 "no answer within %d s a moment ago; not asked again for %d s",
			 POSTCONF_MS / 1000, HUNG_PAUSE_S);
		return -1;
	}
	rc = lg_run_program(argv, POSTCONF_MS, out, outsize, err, errsize);
	if (rc < 0 && strncmp(err, "no answer", 9) == 0)
		atomic_store(&hung_at, mono_s() ? mono_s() : 1);
	return rc;
}
