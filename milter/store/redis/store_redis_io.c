/*
 * NAME
 *	store_redis_io.c - Redis round trips bounded in time and in size
 * SYNOPSIS
 *	See store_redis_io.h.
 * DESCRIPTION
 *	hiredis is used for what it is good at, formatting commands and
 *	parsing replies; the waiting is done here. A connection is made
 *	with hiredis's non-blocking connect and stays non-blocking: the
 *	connect is waited for with poll(POLLOUT) and judged by SO_ERROR;
 *	a command is written with redisBufferWrite() when poll() says the
 *	socket takes more, and its reply read with read() into the reader
 *	when poll() says there is some, until the reader has every reply.
 *	Each poll() waits only for what is left before the absolute
 *	deadline (CLOCK_MONOTONIC), so no pace of bytes can stretch it.
 *	Replies are read while the command is still being written, so a
 *	long pipeline cannot lock up with both socket buffers full.
 *
 *	Size: each read() asks for at most one byte more than the
 *	exchange's cap still allows, so the reader never holds more than
 *	the cap. The reader's array builder is wrapped: an exchange whose
 *	arrays announce more elements in all than its cap could carry
 *	(each element takes 3 bytes at least, "+\r\n") is refused before
 *	hiredis allocates the element table (an announced 2^31 elements
 *	would otherwise cost 16 GB of address space).
 *
 *	Anything more in the reader than the replies asked for (a server
 *	that answers twice) fails the exchange too, so a later command
 *	can never take an earlier one's reply.
 *
 *	The program ignores SIGPIPE (main.c), so a write to a closed
 *	connection is an EPIPE error here, not a signal.
 * DIAGNOSTICS
 *	The reasons, for the "unreachable (REASON)" log line: "no
 *	connection within N ms", "command not sent within N ms", "no
 *	answer within N ms" (not one byte came), "reply not complete
 *	within N ms", "reply over N bytes", "the server closed the
 *	connection", "the server sent more than was asked", "protocol
 *	error: ...", and the system's words for a failed connect, write
 *	or read.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

/* Store library. */
#include "store_redis_io.h"

#define READ_CHUNK	(16 * 1024)
#define ELEMENT_MIN	3		/* the shortest element: "+\r\n" */

/* What one exchange has read; the array builder sees it as the reader's
 * privdata. */
struct xfer {
	size_t max;			/* the cap, in bytes */
	size_t got;			/* bytes read so far */
	unsigned long long announced;	/* array elements announced */
	int over;			/* more than max could carry */
};

static redisReplyObjectFunctions capped_fns;
static void *(*plain_array)(const redisReadTask *, int);
static pthread_once_t capped_once = PTHREAD_ONCE_INIT;

/* capped_array - hiredis's array, unless this exchange's arrays announce
 * more elements than its cap could carry */
static void *capped_array(const redisReadTask *task, int elements)
{
	struct xfer *x = task->privdata;

	if (x && elements > 0) {
		x->announced += (unsigned long long)elements;
		if (x->announced > x->max / ELEMENT_MIN) {
			x->over = 1;
			return NULL;
		}
	}
	return plain_array(task, elements);
}

/* capped_init - hiredis's own reply builders, the array check in front */
static void capped_init(void)
{
	redisReader *r = redisReaderCreate();

	if (r == NULL)
		return;
	capped_fns = *r->fn;
	plain_array = r->fn->createArray;
	capped_fns.createArray = capped_array;
	redisReaderFree(r);
}

/* rd_deadline_start - ms milliseconds from now */
void rd_deadline_start(struct rd_deadline *dl, long long ms)
{
	clock_gettime(CLOCK_MONOTONIC, &dl->at);
	dl->ms = ms;
	dl->at.tv_sec += (time_t)(ms / 1000);
	dl->at.tv_nsec += (long)(ms % 1000 * 1000000);
	if (dl->at.tv_nsec >= 1000000000L) {
		dl->at.tv_sec++;
		dl->at.tv_nsec -= 1000000000L;
	}
}

/* left_ms - milliseconds left before dl, rounded up; 0 once it passed */
static int left_ms(const struct rd_deadline *dl)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(dl->at.tv_sec - now.tv_sec) * 1000000000LL +
		(dl->at.tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	ns = (ns + 999999) / 1000000;
	return ns > 3600000 ? 3600000 : (int)ns;
}

/* wait_fd - poll fd for events until dl: its revents, 0 once dl passed,
 * -1 with why set when poll() fails */
static int wait_fd(int fd, short events, const struct rd_deadline *dl,
		   char *why, size_t wsize)
{
	struct pollfd p;
	int ms, rc;

	for (;;) {
		if ((ms = left_ms(dl)) == 0)
			return 0;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		if ((rc = poll(&p, 1, ms)) > 0)
			return p.revents;
		if (rc < 0 && errno != EINTR) {
			snprintf(why, wsize, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

/* rd_io_connect - connect without blocking; wait for it until ms passed */
redisContext *rd_io_connect(const struct lg_redis_server *srv, long long ms,
			    char *why, size_t wsize)
{
	struct rd_deadline dl;
	redisContext *c;
	socklen_t len = sizeof(int);
	int err = 0, ev;

	pthread_once(&capped_once, capped_init);
	rd_deadline_start(&dl, ms);
	c = srv->is_unix ? redisConnectUnixNonBlock(srv->path) :
		redisConnectNonBlock(srv->host, srv->port);
	if (c == NULL || plain_array == NULL) {
		snprintf(why, wsize, "out of memory");
		redisFree(c);
		return NULL;
	}
	if (c->err) {
		snprintf(why, wsize, "%s", c->errstr);
		redisFree(c);
		return NULL;
	}
	if ((ev = wait_fd(c->fd, POLLOUT, &dl, why, wsize)) == 0)
		snprintf(why, wsize, "no connection within %lld ms", ms);
	else if (ev > 0 &&
		 getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (ev > 0 && err)
		snprintf(why, wsize, "%s", strerror(err));
	else if (ev > 0 && !srv->is_unix && redisEnableKeepAlive(c) != REDIS_OK)
		snprintf(why, wsize, "%s", c->errstr), err = -1;
	if (ev <= 0 || err) {
		redisFree(c);
		return NULL;
	}
	c->reader->fn = &capped_fns;
	return c;
}

/* rd_io_append - queue one command */
int rd_io_append(redisContext *c, int argc, const char **argv,
		 const size_t *len, char *why, size_t wsize)
{
	if (redisAppendCommandArgv(c, argc, argv, len) == REDIS_OK)
		return 0;
	snprintf(why, wsize, "%s", c->errstr[0] ? c->errstr : "out of memory");
	return -1;
}

/* feed - what the socket has, at most one byte past the cap, into the
 * reader: 0, or -1 with why set */
static int feed(redisContext *c, struct xfer *x, char *why, size_t wsize)
{
	char buf[READ_CHUNK];
	size_t want = x->max - x->got + 1;
	ssize_t n;

	if (want > sizeof(buf))
		want = sizeof(buf);
	if ((n = read(c->fd, buf, want)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		snprintf(why, wsize, "%s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		snprintf(why, wsize, "the server closed the connection");
		return -1;
	}
	x->got += (size_t)n;
	if (x->got > x->max) {
		snprintf(why, wsize, "reply over %zu bytes", x->max);
		return -1;
	}
	if (redisReaderFeed(c->reader, buf, (size_t)n) != REDIS_OK) {
		snprintf(why, wsize, "%s", c->reader->errstr);
		return -1;
	}
	return 0;
}

/* late - why the deadline passed, in words */
static void late(const struct rd_deadline *dl, int sent,
		 const struct xfer *x, char *why, size_t wsize)
{
	if (!sent)
		snprintf(why, wsize, "command not sent within %lld ms", dl->ms);
	else if (x->got == 0)
		snprintf(why, wsize, "no answer within %lld ms", dl->ms);
	else
		snprintf(why, wsize, "reply not complete within %lld ms",
			 dl->ms);
}

/* parsed - the next whole reply in the reader into *r_r (NULL when it
 * has none yet): 0, or -1 with why set */
static int parsed(redisContext *c, const struct xfer *x, void **r_r,
		  char *why, size_t wsize)
{
	*r_r = NULL;
	if (redisReaderGetReply(c->reader, r_r) == REDIS_OK)
		return 0;
	if (x->over)
		snprintf(why, wsize, "reply over %zu bytes (its arrays "
			 "announce %llu elements)", x->max, x->announced);
	else
		snprintf(why, wsize, "protocol error: %s",
			 c->reader->errstr);
	return -1;
}

/* rd_io_exchange - send what is queued, read n replies before dl */
int rd_io_exchange(redisContext *c, const struct rd_deadline *dl,
		   size_t max, redisReply **replies, size_t n, char *why,
		   size_t wsize)
{
	struct xfer x = { max, 0, 0, 0 };
	size_t i = 0;
	int sent = 0, ev, bad = 0;
	void *r;

	c->reader->privdata = &x;
	while (i < n && !bad) {
		if ((bad = parsed(c, &x, &r, why, wsize) < 0) || r != NULL) {
			if (r != NULL)
				replies[i++] = r;
			continue;
		}
		if (!sent && redisBufferWrite(c, &sent) != REDIS_OK) {
			snprintf(why, wsize, "%s", c->errstr);
			bad = 1;
			continue;
		}
		ev = wait_fd(c->fd, sent ? POLLIN : POLLIN | POLLOUT, dl, why,
			     wsize);
		if (ev == 0)
			late(dl, sent, &x, why, wsize);
		bad = ev <= 0 ||
			((ev & ~POLLOUT) && feed(c, &x, why, wsize) < 0);
	}
	if (!bad && (c->reader->ridx >= 0 ||
		     c->reader->pos < c->reader->len)) {
		snprintf(why, wsize, "the server sent more than was asked");
		bad = 1;
	}
	c->reader->privdata = NULL;
	if (!bad)
		return 0;
	while (i > 0) {
		freeReplyObject(replies[--i]);
		replies[i] = NULL;
	}
	return -1;
}

/* rd_io_command - one command and its reply, within ms from now */
redisReply *rd_io_command(redisContext *c, long long ms, size_t max,
			  int argc, const char **argv, const size_t *len,
			  char *why, size_t wsize)
{
	struct rd_deadline dl;
	redisReply *r = NULL;

	rd_deadline_start(&dl, ms);
	if (rd_io_append(c, argc, argv, len, why, wsize) < 0 ||
	    rd_io_exchange(c, &dl, max, &r, 1, why, wsize) < 0)
		return NULL;
	return r;
}
