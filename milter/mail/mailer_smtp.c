/*
 * NAME
 *	mailer_smtp.c - hand a message over by SMTP
 * SYNOPSIS
 *	r = lg_mailer_smtp(mc, "user@example.com", msg_path, err, n);
 * DESCRIPTION
 *	The smallest useful client: connect to host:port, EHLO (HELO if
 *	that is refused), MAIL FROM:<>, RCPT TO:<RCPT>, DATA with the
 *	content in CRLF lines, dot-stuffed, ".", QUIT. Every step shares
 *	one deadline (the mailer timeout). A 5xx answer is permanent, a
 *	4xx, a timeout or a lost connection is tried again.
 * DIAGNOSTICS
 *	err: "smtp HOST:PORT: STEP: reply or system error".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Mail library. */
#include "mailer.h"

/* One conversation. */
struct smtp {
	int fd;
	struct timespec deadline;
	char in[4096];
	size_t len;
	char reply[512];	/* last reply's last line */
	char *err;
	size_t errsize;
	const struct lg_mailer_config *mc;
};

/* left - milliseconds to the deadline */
static int left(const struct smtp *c)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (c->deadline.tv_sec - now.tv_sec) * 1000LL +
		(c->deadline.tv_nsec - now.tv_nsec) / 1000000LL;
	return ms <= 0 ? 0 : ms > 60000 ? 60000 : (int) ms;
}

/* failed - note why, return RETRY */
static enum lg_outbox_result failed(struct smtp *c, const char *step,
				    const char *why)
{
	snprintf(c->err, c->errsize, "smtp %s:%d: %s: %s", c->mc->host,
		 c->mc->port, step, why);
	return LG_OUTBOX_RETRY;
}

/* wait_fd - poll for events within the deadline; 0 or -1 */
static int wait_fd(struct smtp *c, short events)
{
	struct pollfd p = { c->fd, events, 0 };
	int rc, ms;

	do {
		if ((ms = left(c)) == 0)
			return -1;
		rc = poll(&p, 1, ms);
	} while (rc < 0 && errno == EINTR);
	return rc > 0 ? 0 : -1;
}

/* send_all - write everything; 0 or -1 */
static int send_all(struct smtp *c, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if (wait_fd(c, POLLOUT) != 0)
			return -1;
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t) n;
	}
	return 0;
}

/* read_line - one line of the reply into line; 0 or -1 */
static int read_line(struct smtp *c, char *line, size_t size)
{
	char *nl;
	ssize_t n;

	while ((nl = memchr(c->in, '\n', c->len)) == NULL) {
		if (c->len == sizeof(c->in) - 1 || wait_fd(c, POLLIN) != 0)
			return -1;
		n = recv(c->fd, c->in + c->len, sizeof(c->in) - 1 - c->len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		c->len += (size_t) n;
	}
	*nl = 0;
	if (nl > c->in && nl[-1] == '\r')
		nl[-1] = 0;
	snprintf(line, size, "%.*s", (int) (size - 1), c->in);
	c->len -= (size_t) (nl + 1 - c->in);
	memmove(c->in, nl + 1, c->len);
	return 0;
}

/* reply - read a whole (multi-line) reply; its code, or -1 */
static int reply(struct smtp *c)
{
	char line[512];

	do {
		if (read_line(c, line, sizeof(line)) != 0 || strlen(line) < 3 ||
		    line[0] < '2' || line[0] > '5')
			return -1;
		snprintf(c->reply, sizeof(c->reply), "%s", line);
	} while (line[3] == '-');
	return atoi(line);
}

/* step - send a command, expect a reply class; RETRY/FAILED or SENT */
static enum lg_outbox_result step(struct smtp *c, const char *name,
				  const char *cmd, int want)
{
	int code;

	if (cmd && send_all(c, cmd, strlen(cmd)) != 0)
		return failed(c, name, "write failed or timed out");
	if ((code = reply(c)) < 0)
		return failed(c, name, "no reply or timed out");
	if (code / 100 == want)
		return LG_OUTBOX_SENT;
	failed(c, name, c->reply);
	return code / 100 == 5 ? LG_OUTBOX_FAILED : LG_OUTBOX_RETRY;
}

/* connect_to - a TCP connection within the deadline; 0 or -1 */
static int connect_to(struct smtp *c)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int err;
	socklen_t len = sizeof(err);

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", c->mc->port);
	if (getaddrinfo(c->mc->host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			       SOCK_NONBLOCK, ai->ai_protocol);
		if (c->fd < 0)
			continue;
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			if (wait_fd(c, POLLOUT) != 0)
				err = ETIMEDOUT;
			else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
					    &len) != 0)
				err = errno;
			if (err == 0)
				break;
			errno = err;
		}
		close(c->fd);
		c->fd = -1;
	}
	err = errno;
	freeaddrinfo(res);
	errno = err;
	return c->fd >= 0 ? 0 : -1;
}

/* send_body - the content as CRLF lines, dot-stuffed, then "." */
static int send_body(struct smtp *c, FILE *fp)
{
	char line[1024];
	int bol = 1;
	size_t n;

	while (fgets(line, sizeof(line), fp)) {
		n = strlen(line);
		if (bol && line[0] == '.' && send_all(c, ".", 1) != 0)
			return -1;
		bol = n > 0 && line[n - 1] == '\n';
		if (bol)
			line[--n] = 0;
		if (send_all(c, line, n) != 0 ||
		    (bol && send_all(c, "\r\n", 2) != 0))
			return -1;
	}
	if (!bol && send_all(c, "\r\n", 2) != 0)
		return -1;
	return send_all(c, ".\r\n", 3);
}

/* lg_mailer_smtp - one hand-over by SMTP */
enum lg_outbox_result lg_mailer_smtp(const struct lg_mailer_config *mc,
				     const char *rcpt, const char *msg_path,
				     char *err, size_t errsize)
{
	struct smtp c;
	enum lg_outbox_result r;
	char cmd[700];
	FILE *fp;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.err = err;
	c.errsize = errsize;
	c.mc = mc;
	clock_gettime(CLOCK_MONOTONIC, &c.deadline);
	c.deadline.tv_sec += mc->timeout > 0 ? mc->timeout : 60;
	if ((fp = fopen(msg_path, "re")) == NULL) {
		snprintf(err, errsize, "%s: %s", msg_path, strerror(errno));
		return LG_OUTBOX_RETRY;
	}
	errno = 0;
	if (connect_to(&c) != 0) {
		fclose(fp);
		return failed(&c, "connect", errno ? strerror(errno) :
			      "cannot connect");
	}
	snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", lg_mailer_hostname());
	if ((r = step(&c, "greeting", NULL, 2)) == LG_OUTBOX_SENT &&
	    (r = step(&c, "EHLO", cmd, 2)) == LG_OUTBOX_FAILED) {
		snprintf(cmd, sizeof(cmd), "HELO %s\r\n", lg_mailer_hostname());
		r = step(&c, "HELO", cmd, 2);
	}
	if (r == LG_OUTBOX_SENT)
		r = step(&c, "MAIL", "MAIL FROM:<>\r\n", 2);
	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpt);
	if (r == LG_OUTBOX_SENT)
		r = step(&c, "RCPT", cmd, 2);
	if (r == LG_OUTBOX_SENT)
		r = step(&c, "DATA", "DATA\r\n", 3);
	if (r == LG_OUTBOX_SENT && send_body(&c, fp) != 0)
		r = failed(&c, "DATA", "write failed or timed out");
	if (r == LG_OUTBOX_SENT)
		r = step(&c, "end of data", NULL, 2);
	if (r == LG_OUTBOX_SENT)
		send_all(&c, "QUIT\r\n", 6);
	fclose(fp);
	close(c.fd);
	return r;
}
