/*
 * NAME
 *	ctl_conn.c - one request to the control socket, one reply back
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	path = ctl_socket_path("unix:/run/loopguard/control.sock");
 *	ctl_request(path, "list --all", &reply, err, sizeof(err));
 *	ctl_reply_free(&reply);
 * DESCRIPTION
 *	ctl_request() connects to the unix socket, writes the request and
 *	a newline, and reads lines until the final "OK"/"ERR" line. Data
 *	lines are kept in reply->lines for the caller to format; the
 *	final line in reply->final. The daemon answers at once, so a
 *	reply that stalls for REPLY_TIMEOUT seconds is an error.
 *
 *	ctl_stream() is the same exchange for the state commands: after
 *	the request line a body may be sent (state import), and the
 *	reply's data lines go to a callback as they arrive, so an export
 *	of any size is never held in memory.
 * DIAGNOSTICS
 *	Failures come back as one line in err: "cannot connect to PATH:
 *	REASON (HINT)", a timeout, or a reply cut short.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define REPLY_TIMEOUT	60

/* ctl_socket_path - the file behind a socket spec, or NULL */
const char *ctl_socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		spec += 5;
	else if (strncmp(spec, "local:", 6) == 0)
		spec += 6;
	else if (spec[0] != '/' && strchr(spec, ':'))
		return NULL;
	if (!*spec || strlen(spec) >= sizeof(((struct sockaddr_un *) 0)->sun_path))
		return NULL;
	return spec;
}

/* hint - what a connect error usually means */
static const char *hint(const char *path, int errnum, char *buf,
			size_t size)
{
	if (errnum == ECONNREFUSED || errnum == ENOENT)
		snprintf(buf, size, " (is loopguard running with control = \"unix:%s\"?)",
			 path);
	else if (errnum == EACCES || errnum == EPERM)
		snprintf(buf, size, " (run as root or as a member of the socket's group)");
	else
		buf[0] = 0;
	return buf;
}

/* ctl_dial - a connected socket, or -1 with err */
int ctl_dial(const char *path, int timeout_s, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct timeval tv = { timeout_s, 0 };
	char why[160];
	int fd, saved;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errsize, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
		saved = errno;
		close(fd);
		snprintf(err, errsize, "cannot connect to %s: %s%s", path,
			 strerror(saved), hint(path, saved, why, sizeof(why)));
		return -1;
	}
	if (timeout_s > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

/* keep - append one data line */
static int keep(struct ctl_reply *r, char *line)
{
	char **grown;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		if ((grown = realloc(r->lines, r->cap * sizeof(*grown))) == NULL)
			return -1;
		r->lines = grown;
	}
	r->lines[r->n++] = line;
	return 0;
}

/* is_final - "OK", "OK ...", "ERR ..." */
static int is_final(const char *line)
{
	return strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0 ||
	       strncmp(line, "ERR ", 4) == 0 || strcmp(line, "ERR") == 0;
}

/* read_reply - lines up to the final one */
static int read_reply(FILE *fp, const char *path, struct ctl_reply *r,
		      char *err, size_t errsize)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, fp)) > 0) {
		if (line[n - 1] != '\n')
			break;
		line[--n] = 0;
		if (is_final(line)) {
			r->final = line;
			return 0;
		}
		if (keep(r, line) != 0) {
			snprintf(err, errsize, "out of memory");
			free(line);
			return -1;
		}
		line = NULL;
		cap = 0;
	}
	free(line);
	if (ferror(fp) && (errno == EAGAIN || errno == EWOULDBLOCK))
		snprintf(err, errsize, "%s: no reply within %d s", path,
			 REPLY_TIMEOUT);
	else if (ferror(fp))
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
	else
		snprintf(err, errsize, "%s: the reply ended early (is this loopguard's control socket?)",
			 path);
	return -1;
}

/* ctl_request - send one request, collect its reply */
int ctl_request(const char *path, const char *request,
		struct ctl_reply *reply, char *err, size_t errsize)
{
	size_t len = strlen(request), off = 0;
	ssize_t n;
	FILE *fp;
	int fd, rc;

	memset(reply, 0, sizeof(*reply));
	if ((fd = ctl_dial(path, REPLY_TIMEOUT, err, errsize)) < 0)
		return -1;
	while (off <= len) {
		n = off < len ? send(fd, request + off, len - off, MSG_NOSIGNAL) :
			send(fd, "\n", 1, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* the reply may still say why */
		off += (size_t) n;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	rc = read_reply(fp, path, reply, err, errsize);
	fclose(fp);
	if (rc != 0)
		ctl_reply_free(reply);
	return rc;
}

/* send_all - n bytes to fd: 0, or -1 with errno set */
int ctl_send_all(int fd, const char *buf, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = send(fd, buf, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t) k;
	}
	return 0;
}

/* ctl_stream - one request, a body, and the reply line by line */
int ctl_stream(const char *path, const char *request, ctl_body_fn body,
	       void *body_arg, ctl_line_fn line_fn, void *line_arg,
	       char **final_r, char *err, size_t errsize)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;
	int fd, sent, rc = -1;

	*final_r = NULL;
	if ((fd = ctl_dial(path, REPLY_TIMEOUT, err, errsize)) < 0)
		return -1;
	sent = ctl_send_all(fd, request, strlen(request)) == 0 &&
		ctl_send_all(fd, "\n", 1) == 0;
	if (sent && body && body(body_arg, fd, err, errsize) != 0) {
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) > 0 && line[n - 1] == '\n') {
		line[--n] = 0;
		if (is_final(line)) {
			*final_r = line;
			line = NULL;
			rc = 0;
			break;
		}
		if (line_fn(line_arg, line, err, errsize) != 0)
			break;
	}
	if (rc != 0 && *err == 0)
		snprintf(err, errsize, "%s: %s", path, ferror(fp) ?
			 strerror(errno) : "the reply ended early");
	free(line);
	fclose(fp);
	return rc;
}

/* ctl_reply_free - release the lines */
void ctl_reply_free(struct ctl_reply *reply)
{
	size_t i;

	for (i = 0; i < reply->n; i++)
		free(reply->lines[i]);
	free(reply->lines);
	free(reply->final);
	memset(reply, 0, sizeof(*reply));
}
