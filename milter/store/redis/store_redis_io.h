/*
 * NAME
 *	store_redis_io.h - Redis round trips bounded in time and in size
 * SYNOPSIS
 *	#include "store_redis_io.h"
 *
 *	struct rd_deadline dl;
 *
 *	c = rd_io_connect(&srv, timeout_ms, why, sizeof(why));
 *	r = rd_io_command(c, timeout_ms, RD_REPLY_KEY, argc, argv, len,
 *			  why, sizeof(why));
 *
 *	rd_deadline_start(&dl, timeout_ms);
 *	rd_io_append(c, argc, argv, len, why, sizeof(why));	(n times)
 *	rd_io_exchange(c, &dl, n * RD_REPLY_ROW, replies, n, why,
 *		       sizeof(why));
 * DESCRIPTION
 *	The only code of the Redis backend that touches a socket. The
 *	context is non-blocking; every wait is a poll() against an
 *	absolute deadline on the monotonic clock, so a server that sends
 *	one byte now and then cannot stretch it. A deadline is set once
 *	per command (or pipeline) and covers the write and the whole
 *	reply.
 *
 *	Replies are also bounded in size: an exchange reads at most max
 *	bytes in all, and refuses at once an array announcing more
 *	elements than max bytes could carry, before anything is allocated
 *	for them. Past either bound, or past the deadline, the exchange
 *	fails with the reason in words; the context is then unusable and
 *	the caller drops it.
 */
#ifndef LG_STORE_REDIS_IO_H
#define LG_STORE_REDIS_IO_H

#include <stddef.h>
#include <time.h>

#include <hiredis/hiredis.h>

/* Store library. */
#include "store_redis.h"

/* Reply caps, in bytes. An entry's fields are at most 9 * 1 KB or so
 * (LG_STORE_FIELD_MAX), a key 1 KB and the prefix (LG_STORE_KEY_MAX). */
#define RD_REPLY_KEY	(16 * 1024)		/* one key; a handshake */
#define RD_REPLY_ROW	(8 * 1024)		/* one entry's HMGET in a scan */
#define RD_REPLY_INFO	(256 * 1024)		/* INFO SECTION */
#define RD_REPLY_BATCH	(4 * 1024 * 1024)	/* one SCAN step's keys */

/* An absolute deadline on the monotonic clock, and its length (for the
 * log lines). */
struct rd_deadline {
	struct timespec at;
	long long ms;
};

/* rd_deadline_start - ms milliseconds from now */
void rd_deadline_start(struct rd_deadline *dl, long long ms);

/* rd_io_connect - a non-blocking connection to srv, made within ms:
 * the context, or NULL with why set */
redisContext *rd_io_connect(const struct lg_redis_server *srv, long long ms,
			    char *why, size_t wsize);

/* rd_io_append - queue one command on c (nothing is sent yet): 0, or -1
 * with why set; len NULL: the arguments are strings */
int rd_io_append(redisContext *c, int argc, const char **argv,
		 const size_t *len, char *why, size_t wsize);

/* rd_io_exchange - send what is queued and read n replies into
 * replies[], before dl and within max bytes: 0, or -1 with why set and
 * no reply kept (c is then unusable) */
int rd_io_exchange(redisContext *c, const struct rd_deadline *dl,
		   size_t max, redisReply **replies, size_t n, char *why,
		   size_t wsize);

/* rd_io_command - one command and its reply, within ms from now: the
 * reply (maybe an error reply), or NULL with why set (c is then
 * unusable) */
redisReply *rd_io_command(redisContext *c, long long ms, size_t max,
			  int argc, const char **argv, const size_t *len,
			  char *why, size_t wsize);

#endif
