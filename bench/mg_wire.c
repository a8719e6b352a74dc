/*
 * NAME
 *	mg_wire.c - sockets and milter packets for miltergen
 * SYNOPSIS
 *	#include "mg.h"
 *
 *	mg_conn_open(&c, "inet:8890@127.0.0.1", timeout, err, sizeof(err));
 *	mg_conn_put(&c, cmd, data, len);	(queued)
 *	mg_conn_flush(&c);			(one write for all queued)
 *	mg_conn_read(&c, &packet);
 *	mg_conn_close(&c);
 * DESCRIPTION
 *	A packet is a 4-byte big-endian length (command byte + data), the
 *	command byte, then the data. Outgoing packets are queued and written
 *	together when a reply is awaited, as an MTA's buffered stream does;
 *	replies are read through a buffer, so a burst of end-of-message
 *	actions costs one read. TCP sockets get TCP_NODELAY; both kinds get
 *	send and receive timeouts.
 * DIAGNOSTICS
 *	Functions return -1 and leave a static reason in c->error
 *	(mg_conn_open writes "SOCKET: reason" into err instead).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "mg.h"

/* open_unix - connect to a unix socket path */
static int open_unix(const char *path, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsize, "socket path too long");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errsize, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
		snprintf(err, errsize, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* open_inet - connect to PORT@HOST (HOST defaults to 127.0.0.1) */
static int open_inet(const char *rest, int family, char *err,
		     size_t errsize)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	const char *at = strchr(rest, '@'), *host;
	size_t plen = at ? (size_t) (at - rest) : strlen(rest);
	int fd = -1, rc, one = 1, saved = 0;

	if (plen == 0 || plen >= sizeof(port) ||
	    strspn(rest, "0123456789") != plen) {
		snprintf(err, errsize, "bad port (want inet:PORT@HOST)");
		return -1;
	}
	memcpy(port, rest, plen);
	port[plen] = '\0';
	host = at && at[1] ? at + 1 :
		(family == AF_INET6 ? "::1" : "127.0.0.1");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errsize, "host %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errsize, "%s", strerror(saved));
		return -1;
	}
	/* Without it every multi-packet reply waits for a delayed ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* mg_conn_open - connect to a milter socket spec */
int mg_conn_open(struct mg_conn *c, const char *spec, int timeout,
		 char *err, size_t errsize)
{
	char why[200] = "";
	struct timeval tv;
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strncmp(spec, "unix:", 5) == 0)
		fd = open_unix(spec + 5, why, sizeof(why));
	else if (strncmp(spec, "local:", 6) == 0)
		fd = open_unix(spec + 6, why, sizeof(why));
	else if (spec[0] == '/')
		fd = open_unix(spec, why, sizeof(why));
	else if (strncmp(spec, "inet:", 5) == 0)
		fd = open_inet(spec + 5, AF_INET, why, sizeof(why));
	else if (strncmp(spec, "inet6:", 6) == 0)
		fd = open_inet(spec + 6, AF_INET6, why, sizeof(why));
	else {
		snprintf(why, sizeof(why),
			 "unknown socket type (want unix:PATH or inet:PORT@HOST)");
		fd = -1;
	}
	if (fd < 0) {
		snprintf(err, errsize, "%s: %s", spec, why);
		return -1;
	}
	if (timeout > 0) {
		tv.tv_sec = timeout;
		tv.tv_usec = 0;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	c->fd = fd;
	return 0;
}

/* mg_conn_close - close the socket and free the buffers */
void mg_conn_close(struct mg_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c->in);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* reserve - make room for n more output bytes */
static int reserve(struct mg_conn *c, size_t n)
{
	size_t cap = c->out_cap ? c->out_cap : 8192;
	char *p;

	if (c->out_len + n <= c->out_cap)
		return 0;
	while (cap < c->out_len + n)
		cap *= 2;
	p = realloc(c->out, cap);
	if (!p) {
		c->error = "out of memory";
		return -1;
	}
	c->out = p;
	c->out_cap = cap;
	return 0;
}

/* mg_conn_put2 - queue one packet whose data is a then b */
int mg_conn_put2(struct mg_conn *c, char cmd, const void *a, size_t alen,
		 const void *b, size_t blen)
{
	uint32_t n = (uint32_t) (alen + blen + 1);
	unsigned char *h;

	if (reserve(c, 5 + alen + blen) != 0)
		return -1;
	h = (unsigned char *) c->out + c->out_len;
	h[0] = (unsigned char) (n >> 24);
	h[1] = (unsigned char) (n >> 16);
	h[2] = (unsigned char) (n >> 8);
	h[3] = (unsigned char) n;
	h[4] = (unsigned char) cmd;
	c->out_len += 5;
	if (alen)
		memcpy(c->out + c->out_len, a, alen);
	c->out_len += alen;
	if (blen)
		memcpy(c->out + c->out_len, b, blen);
	c->out_len += blen;
	return 0;
}

/* mg_conn_put - queue one packet */
int mg_conn_put(struct mg_conn *c, char cmd, const void *data, size_t len)
{
	return mg_conn_put2(c, cmd, data, len, NULL, 0);
}

/* mg_conn_flush - write everything queued */
int mg_conn_flush(struct mg_conn *c)
{
	size_t off = 0;
	ssize_t n;

	while (off < c->out_len) {
		n = send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c->error = errno == EAGAIN || errno == EWOULDBLOCK ?
				"write timed out" : "write failed";
			return -1;
		}
		off += (size_t) n;
	}
	c->out_len = 0;
	return 0;
}

/* fill - read until at least want bytes are buffered */
static int fill(struct mg_conn *c, size_t want)
{
	ssize_t n;
	char *p;

	if (c->in_start > 0 && c->in_start + want > c->in_cap) {
		memmove(c->in, c->in + c->in_start, c->in_len);
		c->in_start = 0;
	}
	if (want > c->in_cap) {
		size_t cap = c->in_cap ? c->in_cap : 16384;

		while (cap < want)
			cap *= 2;
		p = realloc(c->in, cap);
		if (!p) {
			c->error = "out of memory";
			return -1;
		}
		c->in = p;
		c->in_cap = cap;
	}
	while (c->in_len < want) {
		size_t end = c->in_start + c->in_len;

		n = recv(c->fd, c->in + end, c->in_cap - end, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c->error = errno == EAGAIN || errno == EWOULDBLOCK ?
				"reply timed out" : "read failed";
			return -1;
		}
		if (n == 0) {
			c->error = "milter closed the connection";
			return -1;
		}
		c->in_len += (size_t) n;
	}
	return 0;
}

/* mg_conn_read - flush what is queued, then read one reply packet */
int mg_conn_read(struct mg_conn *c, struct mg_packet *p)
{
	const unsigned char *h;
	uint32_t n;

	if (c->out_len && mg_conn_flush(c) != 0)
		return -1;
	if (fill(c, 4) != 0)
		return -1;
	h = (const unsigned char *) c->in + c->in_start;
	n = (uint32_t) h[0] << 24 | (uint32_t) h[1] << 16 |
		(uint32_t) h[2] << 8 | h[3];
	if (n == 0 || n > MG_MAX_PACKET) {
		c->error = "bad packet length";
		return -1;
	}
	if (fill(c, 4 + (size_t) n) != 0)
		return -1;
	p->cmd = c->in[c->in_start + 4];
	p->data = c->in + c->in_start + 5;
	p->len = n - 1;
	c->in_start += 4 + (size_t) n;
	c->in_len -= 4 + (size_t) n;
	if (c->in_len == 0)
		c->in_start = 0;
	return 0;
}
