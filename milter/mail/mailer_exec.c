/*
 * NAME
 *	mailer_exec.c - hand a message to the MTA's sendmail binary
 * SYNOPSIS
 *	r = lg_mailer_sendmail(mc, "user@example.com", msg_path, err, n);
 * DESCRIPTION
 *	fork + execv of PATH -f <> -oi -- RCPT, never a shell: the
 *	recipient is one argument after "--", checked by the outbox
 *	(no blanks, not starting with "-"). "<>" is the null sender both
 *	Postfix's and Sendmail's sendmail(1) accept. stdin is the content
 *	file; stdout and stderr go to a pipe whose first line explains a
 *	failure. The child is killed when it outlives the timeout.
 *	Exit 0 is sent; EX_DATAERR, EX_NOUSER and EX_NOHOST are permanent;
 *	anything else is tried again.
 * DIAGNOSTICS
 *	err: "sendmail PATH: exit N: first line of its output" and so on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Mail library. */
#include "mailer.h"

/* child - stdin from the content, output to the pipe, then exec */
static void child(const char *path, const char *rcpt, int in, int out)
	__attribute__((noreturn));
static void child(const char *path, const char *rcpt, int in, int out)
{
	char *argv[7];
	sigset_t none;
	int fd;

	argv[0] = (char *) path;
	argv[1] = (char *) "-f";
	argv[2] = (char *) "<>";
	argv[3] = (char *) "-oi";
	argv[4] = (char *) "--";
	argv[5] = (char *) rcpt;
	argv[6] = NULL;
	/* the daemon's threads block SIGTERM & co. and ignore SIGPIPE:
	 * give the child the defaults back */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(75);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	execv(path, argv);
	_exit(75);
}

/* ms_left - milliseconds until deadline, at least 0 */
static int ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
		(deadline->tv_nsec - now.tv_nsec) / 1000000LL;
	return ms < 0 ? 0 : ms > 1000 ? 1000 : (int) ms;
}

/* collect - read the child's output until EOF or the deadline;
 * 0 on EOF, -1 on timeout */
static int collect(int fd, const struct timespec *deadline, char *buf,
		   size_t size)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t len = 0;
	char junk[512];
	ssize_t n;
	int rc;

	buf[0] = 0;
	for (;;) {
		int ms = ms_left(deadline);

		if (ms == 0)
			return -1;
		rc = poll(&p, 1, ms);
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc <= 0)
			continue;
		if (len + 1 < size)
			n = read(fd, buf + len, size - len - 1);
		else
			n = read(fd, junk, sizeof(junk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (len + 1 < size) {
			len += (size_t) n;
			buf[len] = 0;
		}
	}
}

/* lg_mailer_sendmail - one hand-over through the sendmail binary */
enum lg_outbox_result lg_mailer_sendmail(const struct lg_mailer_config *mc,
					 const char *rcpt,
					 const char *msg_path, char *err,
					 size_t errsize)
{
	struct timespec deadline;
	char out[512], *nl;
	int in, fds[2], status = 255 << 8, timed_out;
	pid_t pid;

	if ((in = open(msg_path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errsize, "%s: %s", msg_path, strerror(errno));
		return LG_OUTBOX_RETRY;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		close(in);
		return LG_OUTBOX_RETRY;
	}
	pid = fork();
	if (pid == 0)
		child(mc->path, rcpt, in, fds[1]);
	close(in);
	close(fds[1]);
	if (pid < 0) {
		snprintf(err, errsize, "fork: %s", strerror(errno));
		close(fds[0]);
		return LG_OUTBOX_RETRY;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += mc->timeout > 0 ? mc->timeout : 60;
	timed_out = collect(fds[0], &deadline, out, sizeof(out)) != 0;
	close(fds[0]);
	while (!timed_out && waitpid(pid, &status, WNOHANG) == 0) {
		struct timespec tick = { 0, 20000000 };

		if (ms_left(&deadline) == 0)
			timed_out = 1;
		else
			nanosleep(&tick, NULL);
	}
	if (timed_out) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if ((nl = strpbrk(out, "\r\n")) != NULL)
		*nl = 0;
	if (timed_out) {
		snprintf(err, errsize, "sendmail %s: timed out after %llds",
			 mc->path, mc->timeout);
		return LG_OUTBOX_RETRY;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return LG_OUTBOX_SENT;
	if (WIFEXITED(status))
		snprintf(err, errsize, "sendmail %s: exit %d%s%s", mc->path,
			 WEXITSTATUS(status), out[0] ? ": " : "", out);
	else
		snprintf(err, errsize, "sendmail %s: killed by signal %d",
			 mc->path, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 65 ||
				  WEXITSTATUS(status) == 67 ||
				  WEXITSTATUS(status) == 68))
		return LG_OUTBOX_FAILED;
	return LG_OUTBOX_RETRY;
}
