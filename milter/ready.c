/*
 * NAME
 *	ready.c - detach, and let the parent tell the caller how it went
 * SYNOPSIS
 *	#include "ready.h"
 *
 *	lg_ready_detach(pidfile, sockets, n, err, sizeof(err));
 *	lg_ready_report(code, msg);
 * DESCRIPTION
 *	lg_ready_detach() makes a pipe and forks. The child (the daemon)
 *	starts a new session, puts /dev/null on its standard input,
 *	output and error, and goes on starting. The parent waits on the
 *	pipe for one line, "CODE TEXT", that lg_ready_report() writes:
 *	code 0 means the daemon is ready (sockets listening, pid file
 *	written, privileges dropped, store open, folders usable, mailer
 *	started), and the parent exits 0. Any other code is a failed
 *	start: the parent waits for the daemon to end, removes what it
 *	left (the pid file if it holds the daemon's pid, each socket file
 *	if it is still the one bound before the fork), prints
 *	"loopguard: TEXT" on standard error and exits with the code. A
 *	daemon that ends without a word is reported with its exit status
 *	or signal, and the parent exits 71. The parent never waits for
 *	ever: with no word within 120 s (LOOPGUARD_READY_WAIT seconds when
 *	set) it says so and exits 75, leaving the daemon to go on
 *	starting; a failed daemon that has not ended 10 s after its report
 *	is left to end by itself.
 *
 *	The parent removes the leftovers because it is still root: the
 *	daemon may already have dropped the privileges it needs for that.
 * DIAGNOSTICS
 *	lg_ready_detach() returns -1 with "fork: ..." or "pipe: ..." in
 *	err; the parent's own exit status is described above.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Program. */
#include "daemon.h"
#include "ready.h"
#include "signals.h"

#define MAX_SOCKETS	4
#define EX_OSERR_CODE	71
#define EX_TEMPFAIL_CODE 75
#define READY_WAIT_S	120	/* the longest a start may take */
#define END_WAIT_S	10	/* a failed daemon's way out */

static int report_fd = -1;

/* A socket file bound before the fork, as it was then. */
struct bound {
	const char *path;
	dev_t dev;
	ino_t ino;
};

/* remove_leftovers - what a daemon that failed to start left behind */
static void remove_leftovers(const char *pidfile, pid_t pid,
			     const struct bound *b, size_t n)
{
	struct stat st;
	size_t i;

	lg_daemon_remove_pidfile(pidfile, (long) pid);
	for (i = 0; i < n; i++)
		if (lstat(b[i].path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == b[i].dev && st.st_ino == b[i].ino)
			unlink(b[i].path);
}

/* ready_wait_s - READY_WAIT_S, or $LOOPGUARD_READY_WAIT (tests) */
static int ready_wait_s(void)
{
	const char *env = getenv("LOOPGUARD_READY_WAIT");
	int v = env ? atoi(env) : 0;

	return v > 0 ? v : READY_WAIT_S;
}

/* mono_s - a monotonic clock in seconds */
static long long mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec;
}

/* read_report - the first line from the daemon; 0 at EOF without one,
 * -1 when none came within the deadline */
static ssize_t read_report(int fd, char *buf, size_t size)
{
	long long deadline = mono_s() + ready_wait_s();
	struct pollfd p = { fd, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		long long left = deadline - mono_s();

		if (left <= 0)
			return -1;
		n = poll(&p, 1, (int) left * 1000);
		if (n == 0)
			return -1;
		if (n < 0)
			continue;	/* EINTR: the deadline is checked again */
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t) n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = 0;
	if (!memchr(buf, '\n', len))
		return 0;
	buf[strcspn(buf, "\n")] = 0;
	return (ssize_t) len;
}

/* reap - wait for the daemon to end, at most END_WAIT_S; 0 once it has */
static int reap(pid_t pid, int *status)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < END_WAIT_S * 20; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

/* silent_end - how a daemon that said nothing ended */
static void silent_end(pid_t pid, int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size,
			 "the daemon (pid %ld) exited with status %d before it was ready; see the log",
			 (long) pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size,
			 "the daemon (pid %ld) was killed by signal %d (%s) before it was ready; see the log",
			 (long) pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "the daemon (pid %ld) ended before it was ready",
			 (long) pid);
}

/* wait_for_daemon - the parent's side; never returns */
static void wait_for_daemon(int fd, pid_t pid, const char *pidfile,
			    const struct bound *b, size_t n)
{
	char buf[2048], *text;
	int status = 0, code = EX_OSERR_CODE;
	ssize_t got;
	long c;

	lg_signals_unblock();
	if ((got = read_report(fd, buf, sizeof(buf))) < 0) {
		/* a store or a disk that hangs: say so, never hang with it */
		fprintf(stderr,
			"loopguard: the daemon (pid %ld) is not ready after %d s and goes on starting; see the log\n",
			(long) pid, ready_wait_s());
		_exit(EX_TEMPFAIL_CODE);
	}
	if (got > 0) {
		c = strtol(buf, &text, 10);
		if (c == 0 && text != buf)
			_exit(0);
		code = c > 0 && c < 256 ? (int) c : EX_OSERR_CODE;
		text += strspn(text, " ");
	} else
		text = NULL;
	if (reap(pid, &status) != 0) {
		fprintf(stderr, "loopguard: %s (the daemon, pid %ld, did not end within %d s)\n",
			text ? text : "the daemon stopped reporting",
			(long) pid, END_WAIT_S);
		_exit(code);
	}
	remove_leftovers(pidfile, pid, b, n);
	if (!text) {
		silent_end(pid, status, buf, sizeof(buf));
		text = buf;
	}
	fprintf(stderr, "loopguard: %s\n", text);
	fflush(stderr);
	_exit(code);
}

/* lg_ready_detach - fork; the parent waits, the daemon goes on */
int lg_ready_detach(const char *pidfile, const char *const *sockets,
		    size_t n, char *err, size_t errsize)
{
	struct bound b[MAX_SOCKETS];
	struct stat st;
	size_t i, nb = 0;
	int fds[2], fd;
	pid_t pid;

	for (i = 0; i < n && nb < MAX_SOCKETS; i++)
		if (sockets[i] && lstat(sockets[i], &st) == 0) {
			b[nb].path = sockets[i];
			b[nb].dev = st.st_dev;
			b[nb++].ino = st.st_ino;
		}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(err, errsize, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		wait_for_daemon(fds[0], pid, pidfile, b, nb);
	}
	close(fds[0]);
	report_fd = fds[1];
	setsid();
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* lg_ready_report - one line to the waiting parent, then close */
void lg_ready_report(int code, const char *msg)
{
	char line[2048];
	size_t len;

	if (report_fd < 0)
		return;
	/* one byte kept for the newline; a message is one line */
	snprintf(line, sizeof(line) - 1, "%d %s", code, msg);
	line[strcspn(line, "\n")] = 0;
	len = strlen(line);
	line[len++] = '\n';
	(void) !write(report_fd, line, len);
	close(report_fd);
	report_fd = -1;
}
