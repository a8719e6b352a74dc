/*
 * NAME
 *	console_events_watch.c - the daemon's "watch" stream, read
 * SYNOPSIS
 *	#include "console_events.h"
 *
 *	cn_watch_open();
 *	pthread_create(&t, NULL, cn_watch_run, NULL);
 *	cn_watch_wake();	(after cn_events_stopping() turned true)
 *	cn_watch_close();
 * DESCRIPTION
 *	The thread connects to the control socket, sends "watch" and
 *	reads its lines (milter/control/control_cmd.h):
 *
 *	watching SEQ			the daemon is up
 *	event SEQ TIME KIND ID PLUGIN	entry-* or outbox-* or reload
 *	tick SEQ TIME			every 5 s without an event
 *	lost N				events were dropped
 *	OK stopping			the daemon stops
 *
 *	It does not use ctl_stream(): that waits 60 s for a line and
 *	cannot be interrupted. Here every wait is a poll() that also
 *	watches a pipe, so cn_events_stop() ends the thread at once, and
 *	12 s without a line (ticks come every 5 s) means the daemon hung.
 *	When the stream ends it connects again after 1 s, doubling up to
 *	30 s while it fails. A line longer than 1024 bytes or not of the
 *	protocol drops the connection.
 * DIAGNOSTICS
 *	"watch refused by the daemon: ERR ..." once, until a watch works
 *	again (the daemon is up, but has too many watchers or is older
 *	than the watch request); its up/down changes are logged by
 *	console_events.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "console.h"
#include "console_events.h"

#define WATCH_LINE_MAX	1024
#define SILENCE_MS	12000	/* no line for this long: the daemon hung */
#define BACKOFF_FIRST	1000
#define BACKOFF_MAX	30000

static int wake_pipe[2] = { -1, -1 };
static int ever_watched;	/* a reconnection is a change of everything */
static int refused_said;	/* "watch refused" was logged */

/* seq_of - a decimal number, or 0 */
static unsigned long long seq_of(const char *s)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno || (*end && *end != '\t') ? 0 : v;
}

/* cn_watch_parse - what a line says */
void cn_watch_parse(const char *line, struct cn_watch_line *w)
{
	const char *kind;
	size_t i;

	memset(w, 0, sizeof(*w));
	w->kind = CN_WATCH_BAD;
	if (strncmp(line, "watching\t", 9) == 0) {
		if ((w->seq = seq_of(line + 9)) != 0 || strcmp(line + 9, "0") == 0)
			w->kind = CN_WATCH_WATCHING;
	} else if (strncmp(line, "event\t", 6) == 0) {
		if ((w->seq = seq_of(line + 6)) == 0)
			return;
		/* SEQ TIME KIND: the fourth field */
		for (kind = line, i = 0; i < 3 && kind; i++)
			if ((kind = strchr(kind, '\t')) != NULL)
				kind++;
		if (kind == NULL)
			return;
		w->kind = CN_WATCH_EVENT;
		w->entries = strncmp(kind, "entry-", 6) == 0;
		w->outbox = strncmp(kind, "outbox-", 7) == 0;
		if (!w->entries && !w->outbox)
			w->entries = w->outbox = 1;	/* reload, or new */
	} else if (strncmp(line, "tick\t", 5) == 0) {
		w->kind = CN_WATCH_TICK;
		w->seq = seq_of(line + 5);
	} else if (strncmp(line, "lost\t", 5) == 0) {
		w->kind = CN_WATCH_LOST;
		w->entries = w->outbox = 1;
	} else if (strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0) {
		w->kind = CN_WATCH_END;
	} else if (strcmp(line, "ERR") == 0 || strncmp(line, "ERR ", 4) == 0) {
		w->kind = CN_WATCH_REFUSED;
	}
}

/* now_ms - the monotonic clock in milliseconds */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* drain - empty the wake-up pipe */
static void drain(void)
{
	char junk[64];

	while (read(wake_pipe[0], junk, sizeof(junk)) > 0)
		;
}

/* pause_ms - wait, or less when woken; 1 when stopping */
static int pause_ms(int ms)
{
	struct pollfd p = { wake_pipe[0], POLLIN, 0 };

	if (cn_events_stopping())
		return 1;
	if (poll(&p, 1, ms) > 0)
		drain();
	return cn_events_stopping();
}

/* dial - a non-blocking connected socket that asked "watch", or -1 */
static int dial(const char *path, char *why, size_t whysize)
{
	struct sockaddr_un sun;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		snprintf(why, whysize, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	/* a full backlog (EAGAIN) is a daemon that does not answer */
	if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0 ||
	    send(fd, "watch\n", 6, MSG_NOSIGNAL) != 6) {
		snprintf(why, whysize, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* take - one line: 0 to go on, 1 when the stream is over */
static int take(const char *line, int *watching, int *down, char *why,
		size_t whysize)
{
	struct cn_watch_line w;

	cn_watch_parse(line, &w);
	switch (w.kind) {
	case CN_WATCH_WATCHING:
		if (*watching)
			return 0;
		*watching = 1;
		refused_said = 0;
		cn_events_daemon(1, NULL);
		cn_events_changed(ever_watched, ever_watched, w.seq);
		ever_watched = 1;
		return 0;
	case CN_WATCH_EVENT:
	case CN_WATCH_LOST:
		cn_events_changed(w.entries, w.outbox, w.seq);
		return 0;
	case CN_WATCH_TICK:
		return 0;
	case CN_WATCH_END:
		snprintf(why, whysize, "it ended the watch: %.100s", line);
		return 1;
	case CN_WATCH_REFUSED:
		if (!refused_said)
			cn_log(CN_LOG_WARN, "watch refused by the daemon: %.200s",
			       line);
		refused_said = 1;
		*down = 0;	/* it answered */
		cn_events_daemon(1, NULL);
		return 1;
	default:
		snprintf(why, whysize, "not a watch line: %.60s", line);
		return 1;
	}
}

/* lines - take each whole line of buf; 1 when the stream is over */
static int lines(char *buf, size_t *len, int *watching, int *down,
		 char *why, size_t whysize)
{
	char *p = buf, *nl;
	size_t left = *len;

	while ((nl = memchr(p, '\n', left)) != NULL) {
		*nl = 0;
		if (memchr(p, 0, (size_t) (nl - p)) != NULL) {
			snprintf(why, whysize, "a NUL byte in the watch");
			return 1;
		}
		if (take(p, watching, down, why, whysize))
			return 1;
		left -= (size_t) (nl + 1 - p);
		p = nl + 1;
	}
	if (left >= WATCH_LINE_MAX) {
		snprintf(why, whysize, "a watch line over %d bytes",
			 WATCH_LINE_MAX);
		return 1;
	}
	memmove(buf, p, left);
	*len = left;
	return 0;
}

/* session - one watch, until it ends; 1 if it was on */
static int session(const char *path)
{
	char buf[WATCH_LINE_MAX + 256], why[256] = "";
	struct pollfd p[2];
	long long last = now_ms(), left;
	size_t len = 0;
	ssize_t n;
	int fd, watching = 0, down = 1, over = 0;

	if ((fd = dial(path, why, sizeof(why))) < 0) {
		cn_events_daemon(0, why);
		return 0;
	}
	while (!over && !cn_events_stopping()) {
		if ((left = last + SILENCE_MS - now_ms()) <= 0) {
			snprintf(why, sizeof(why), "no word from it for %d s",
				 SILENCE_MS / 1000);
			break;
		}
		p[0] = (struct pollfd) { fd, POLLIN, 0 };
		p[1] = (struct pollfd) { wake_pipe[0], POLLIN, 0 };
		if (poll(p, 2, (int) left) < 0 && errno != EINTR) {
			snprintf(why, sizeof(why), "poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			drain();
		if (!p[0].revents)
			continue;
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(why, sizeof(why), "%s", n == 0 ?
				 "it closed the watch" : strerror(errno));
			break;
		}
		last = now_ms();
		len += (size_t) n;
		over = lines(buf, &len, &watching, &down, why, sizeof(why));
	}
	close(fd);
	if (down && !cn_events_stopping())
		cn_events_daemon(0, why);
	return watching;
}

/* cn_watch_run - the thread: watch, and watch again */
void *cn_watch_run(void *arg)
{
	const char *path = cn_cfg.control ? ctl_socket_path(cn_cfg.control) : NULL;
	int backoff = BACKOFF_FIRST;

	(void) arg;
	if (path == NULL) {
		cn_log(CN_LOG_ERR, "events: control %s is not a unix socket; no watch",
		       cn_cfg.control ? cn_cfg.control : "(unset)");
		return NULL;
	}
	while (!cn_events_stopping()) {
		if (session(path))
			backoff = BACKOFF_FIRST;
		if (pause_ms(backoff))
			break;
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
	return NULL;
}

/* cn_watch_open - the wake-up pipe */
int cn_watch_open(void)
{
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		cn_log(CN_LOG_ERR, "events: pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* cn_watch_wake - make the thread look up */
void cn_watch_wake(void)
{
	/* a full pipe already wakes it */
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0)
		return;
}

/* cn_watch_close - the pipe */
void cn_watch_close(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
}
