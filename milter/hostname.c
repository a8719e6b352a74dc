/*
 * NAME
 *	hostname.c - the host name of generated mail (see hostname.h)
 * DESCRIPTION
 *	postconf runs as a child of fork + execv with stdin and stderr on
 *	/dev/null and stdout on a pipe; between fork and exec the child
 *	calls only async-signal-safe functions, so a reload thread may
 *	do this while other threads run. Its first line counts only when
 *	it exits 0 within the deadline; otherwise it is killed and
 *	reaped, and the next source is tried.
 * DIAGNOSTICS
 *	None: a source that fails is skipped.
 */
#include "config.h"

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "hostname.h"

#define POSTCONF_MS	5000		/* the longest postconf may take */

/* lg_hostname_valid - a DNS name, letters digits and hyphens */
int lg_hostname_valid(const char *name)
{
	size_t len = 0, label = 0;
	const char *p;

	if (!name || !*name || strlen(name) > 253)
		return 0;
	for (p = name; *p; p++, len++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
		if ((label == 0 && *p == '-') || ++label > 63)
			return 0;
	}
	return label > 0 && p[-1] != '-';
}

/* postfix_configured - main.cf is there: postconf without it takes a
 * second to fail */
static int postfix_configured(void)
{
	const char *dir = getenv("MAIL_CONFIG");
	char path[4096];

	snprintf(path, sizeof(path), "%s/main.cf",
		 dir && *dir ? dir : "/etc/postfix");
	return access(path, R_OK) == 0;
}

/* lg_hostname_postconf - $LOOPGUARD_POSTCONF or the usual places */
const char *lg_hostname_postconf(void)
{
	static const char *const places[] = { "/usr/sbin/postconf",
					      "/usr/local/sbin/postconf",
					      NULL };
	const char *env = getenv("LOOPGUARD_POSTCONF");
	size_t i;

	if (env)
		return *env ? env : NULL;
	if (!postfix_configured())
		return NULL;
	for (i = 0; places[i]; i++)
		if (access(places[i], X_OK) == 0)
			return places[i];
	return NULL;
}

/* child - run "postconf -h myhostname", stdout to OUT */
static void child(const char *path, int out) __attribute__((noreturn));
static void child(const char *path, int out)
{
	char *argv[] = { (char *) path, (char *) "-h",
			 (char *) "myhostname", NULL };
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(out, 1) < 0 || dup2(fd, 2) < 0)
		_exit(75);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	execv(path, argv);
	_exit(75);
}

/* ms_since - milliseconds from START until now */
static long long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000LL +
		(now.tv_nsec - start->tv_nsec) / 1000000LL;
}

/* read_line - the child's output until EOF or the deadline; 0 on EOF */
static int read_line(int fd, const struct timespec *start, char *buf,
		     size_t size)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char junk[256];
	size_t len = 0;
	ssize_t n;

	buf[0] = 0;
	for (;;) {
		long long left = POSTCONF_MS - ms_since(start);

		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int) left) <= 0)
			continue;
		if (len + 1 < size)
			n = read(fd, buf + len, size - len - 1);
		else
			n = read(fd, junk, sizeof(junk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (len + 1 < size)
			buf[len += (size_t) n] = 0;
	}
}

/* from_postconf - Postfix's myhostname; 0, or -1 */
static int from_postconf(const char *path, char *out, size_t size)
{
	struct timespec start, tick = { 0, 10000000 };
	int fds[2], status = -1, done = 0, got;
	char line[512];
	pid_t pid;

	if (!path || pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid == 0)
		child(path, fds[1]);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	got = read_line(fds[0], &start, line, sizeof(line)) == 0;
	close(fds[0]);
	while (got && !done && ms_since(&start) < POSTCONF_MS) {
		done = waitpid(pid, &status, WNOHANG) == pid;
		if (!done)
			nanosleep(&tick, NULL);
	}
	if (!done) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	line[strcspn(line, "\r\n")] = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    !lg_hostname_valid(line) || strlen(line) >= size)
		return -1;
	memcpy(out, line, strlen(line) + 1);
	return 0;
}

/* from_resolver - the canonical name of NAME, when it has a dot */
static int from_resolver(const char *name, char *out, size_t size)
{
	struct addrinfo hints, *res = NULL;
	int rc = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	if (res && res->ai_canonname && strchr(res->ai_canonname, '.') &&
	    lg_hostname_valid(res->ai_canonname) &&
	    strlen(res->ai_canonname) < size) {
		memcpy(out, res->ai_canonname, strlen(res->ai_canonname) + 1);
		rc = 0;
	}
	freeaddrinfo(res);
	return rc;
}

/* lg_hostname_find - postconf, then the resolver, then the kernel */
const char *lg_hostname_find(const char *postconf, char *out, size_t size)
{
	char kernel[256];

	if (from_postconf(postconf, out, size) == 0)
		return "postconf myhostname";
	if (gethostname(kernel, sizeof(kernel) - 1) == 0) {
		kernel[sizeof(kernel) - 1] = 0;
		if (lg_hostname_valid(kernel) &&
		    from_resolver(kernel, out, size) == 0)
			return "canonical name";
		if (lg_hostname_valid(kernel) && strlen(kernel) < size) {
			memcpy(out, kernel, strlen(kernel) + 1);
			return "gethostname";
		}
	}
	snprintf(out, size, "localhost");
	return "fallback";
}

/* The interned names: a list that only grows. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static struct interned {
	struct interned *next;
	char name[];
} *interned;

/* lg_hostname_intern - one lasting copy per distinct name */
const char *lg_hostname_intern(const char *name)
{
	struct interned *e;
	const char *found = "localhost";

	pthread_mutex_lock(&intern_lock);
	for (e = interned; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			break;
	if (!e && (e = malloc(sizeof(*e) + strlen(name) + 1)) != NULL) {
		memcpy(e->name, name, strlen(name) + 1);
		e->next = interned;
		interned = e;
	}
	if (e)
		found = e->name;
	pthread_mutex_unlock(&intern_lock);
	return found;
}
