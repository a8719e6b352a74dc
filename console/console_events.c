/*
 * NAME
 *	console_events.c - change events from the daemon, to the browsers
 * SYNOPSIS
 *	#include "console.h"
 *
 *	cn_events_routes();		(GET /events)
 *	cn_events_start();		(the watch thread)
 *	up = cn_daemon_up();
 *	cn_events_stop();
 * DESCRIPTION
 *	One thread keeps a "watch" request open on the daemon's control
 *	socket (console_events_watch.c reads it) and counts what
 *	changed: entries, outbox messages, and whether the daemon is up.
 *	Each GET /events is a text/event-stream that passes those
 *	changes on:
 *
 *	event: daemon	data: up or down; at connect and when it changes
 *	event: change	data: {"entries":B,"outbox":B,"seq":N}, what
 *			changed since the stream's last change event, at
 *			most 2 a second (changes in between are merged)
 *	: keepalive	after 15 s of nothing, so proxies keep the stream
 *
 *	A "lost" from the daemon (this console fell behind) and a
 *	reconnection count as a change of both. At most 32 streams at
 *	once; more get 503. The stream's function runs in its
 *	connection's thread and waits at most a second a call.
 * DIAGNOSTICS
 *	"daemon is up", "daemon is down: WHY" (info), once per change.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "console_events.h"

#define MAX_STREAMS		32
#define KEEPALIVE_MS		15000
#define CHANGE_GAP_MS		500	/* at most 2 change events a second */
#define WAIT_MS			1000	/* the most one stream call waits */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;		/* with CLOCK_MONOTONIC */
static pthread_once_t changed_once = PTHREAD_ONCE_INIT;
static unsigned long entries_gen, outbox_gen;	/* under lock */
static unsigned long long last_seq;	/* under lock */
static int stopping;			/* under lock */
static atomic_int daemon_up = -1;	/* -1 until the watch knows */
static atomic_int streams;
static int running;
static pthread_t watcher;

/* One /events response. */
struct stream {
	unsigned long entries_gen, outbox_gen;	/* what it passed on */
	int sent_up;			/* -1: nothing sent yet */
	long long last_write, last_change;	/* ms, monotonic */
	char out[512];			/* what is still to be sent */
	size_t len, off;
};

/* now_ms - the monotonic clock in milliseconds */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* changed_init - the condition, on the monotonic clock */
static void changed_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&changed, &attr);
	pthread_condattr_destroy(&attr);
}

/* wait_until - wait on changed (lock held) until ms or a signal */
static void wait_until(long long ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t) (ms / 1000);
	ts.tv_nsec = (long) (ms % 1000) * 1000000;
	pthread_cond_timedwait(&changed, &lock, &ts);
}

/* cn_daemon_up - the watch's view of the daemon */
int cn_daemon_up(void)
{
	return atomic_load(&daemon_up) == 1;
}

/* what the daemon said changed, counted: cached answers older than
 * the last change are not used (console_ctl.c) */
static atomic_ullong generation;

/* cn_events_generation - moves whenever the daemon reports a change */
unsigned long long cn_events_generation(void)
{
	return atomic_load(&generation);
}

/* cn_events_daemon - the watch says the daemon is up or down */
void cn_events_daemon(int up, const char *why)
{
	pthread_once(&changed_once, changed_init);
	atomic_fetch_add(&generation, 1);
	if (atomic_exchange(&daemon_up, up ? 1 : 0) == (up ? 1 : 0))
		return;
	if (up)
		cn_log(CN_LOG_INFO, "daemon is up");
	else
		cn_log(CN_LOG_INFO, "daemon is down: %s", why);
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

/* cn_events_changed - the watch saw a change (seq 0: keep the last) */
void cn_events_changed(int entries, int outbox, unsigned long long seq)
{
	pthread_once(&changed_once, changed_init);
	atomic_fetch_add(&generation, 1);
	pthread_mutex_lock(&lock);
	if (entries)
		entries_gen++;
	if (outbox)
		outbox_gen++;
	if (seq)
		last_seq = seq;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

/* cn_events_stopping - whether cn_events_stop() was called */
int cn_events_stopping(void)
{
	int s;

	pthread_mutex_lock(&lock);
	s = stopping;
	pthread_mutex_unlock(&lock);
	return s;
}

/* compose - the next piece of the stream (lock held): bytes, or 0 */
static size_t compose(struct stream *st, long long now)
{
	int up = cn_daemon_up(), n = 0;
	int entries = st->entries_gen != entries_gen;
	int outbox = st->outbox_gen != outbox_gen;

	if (st->sent_up != up) {
		n += snprintf(st->out + n, sizeof(st->out) - (size_t) n,
			      "%sevent: daemon\ndata: %s\n\n",
			      st->sent_up < 0 ? "retry: 3000\n\n" : "",
			      up ? "up" : "down");
		st->sent_up = up;
	}
	if ((entries || outbox) && now - st->last_change >= CHANGE_GAP_MS) {
		n += snprintf(st->out + n, sizeof(st->out) - (size_t) n,
			      "event: change\ndata: {\"entries\":%s,\"outbox\":%s,\"seq\":%llu}\n\n",
			      entries ? "true" : "false",
			      outbox ? "true" : "false", last_seq);
		st->entries_gen = entries_gen;
		st->outbox_gen = outbox_gen;
		st->last_change = now;
	}
	if (n == 0 && now - st->last_write >= KEEPALIVE_MS)
		n = snprintf(st->out, sizeof(st->out), ": keepalive\n\n");
	if (n > 0)
		st->last_write = now;
	st->len = (size_t) n;
	st->off = 0;
	return st->len;
}

/* next_wake - when this stream has something to say at the latest */
static long long next_wake(const struct stream *st, long long now)
{
	long long at = now + WAIT_MS;

	if ((st->entries_gen != entries_gen || st->outbox_gen != outbox_gen) &&
	    st->last_change + CHANGE_GAP_MS < at)
		at = st->last_change + CHANGE_GAP_MS;
	if (st->last_write + KEEPALIVE_MS < at)
		at = st->last_write + KEEPALIVE_MS;
	return at;
}

/* stream_read - the response body: what is new, waiting a little */
static ssize_t stream_read(void *arg, char *buf, size_t max)
{
	struct stream *st = arg;
	long long now = now_ms(), deadline = now + WAIT_MS;
	size_t n;

	if (st->off == st->len) {
		pthread_mutex_lock(&lock);
		while (!stopping && compose(st, now) == 0 && now < deadline) {
			wait_until(next_wake(st, now) < deadline ?
				   next_wake(st, now) : deadline);
			now = now_ms();
		}
		if (stopping) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
		pthread_mutex_unlock(&lock);
	}
	n = st->len - st->off < max ? st->len - st->off : max;
	memcpy(buf, st->out + st->off, n);
	st->off += n;
	return (ssize_t) n;
}

/* stream_free - the client is gone */
static void stream_free(void *arg)
{
	free(arg);
	atomic_fetch_sub(&streams, 1);
}

/* events_get - GET /events */
static void events_get(struct cn_request *rq, struct cn_response *resp)
{
	struct stream *st;

	pthread_once(&changed_once, changed_init);
	if (atomic_fetch_add(&streams, 1) >= MAX_STREAMS) {
		atomic_fetch_sub(&streams, 1);
		cn_log(CN_LOG_INFO, "events from %s for %s refused: %d streams open",
		       rq->client, cn_who(rq), MAX_STREAMS);
		cn_error_page(rq, resp, 503, "too many event streams");
		return;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		atomic_fetch_sub(&streams, 1);
		cn_error_page(rq, resp, 500, "out of memory");
		return;
	}
	pthread_mutex_lock(&lock);
	st->entries_gen = entries_gen;
	st->outbox_gen = outbox_gen;
	pthread_mutex_unlock(&lock);
	st->sent_up = -1;
	st->last_write = now_ms();
	st->last_change = st->last_write - CHANGE_GAP_MS;
	resp->type = "text/event-stream";
	resp->no_store = 1;
	resp->stream = stream_read;
	resp->stream_arg = st;
	resp->stream_free = stream_free;
}

static const struct cn_route events_route = {
	"GET", "/events", CN_ROLE_READ, 0, events_get
};

/* cn_events_routes - GET /events */
void cn_events_routes(void)
{
	cn_route_add(&events_route);
}

/* cn_events_start - the watch thread */
int cn_events_start(void)
{
	int rc;

	pthread_once(&changed_once, changed_init);
	stopping = 0;
	if (cn_watch_open() != 0)
		return -1;
	if ((rc = pthread_create(&watcher, NULL, cn_watch_run, NULL)) != 0) {
		cn_log(CN_LOG_ERR, "events: cannot start the watch thread: %s",
		       strerror(rc));
		cn_watch_close();
		return -1;
	}
	running = 1;
	return 0;
}

/* cn_events_stop - end every stream and the watch thread */
void cn_events_stop(void)
{
	pthread_once(&changed_once, changed_init);
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	if (!running)
		return;
	cn_watch_wake();
	pthread_join(watcher, NULL);
	cn_watch_close();
	running = 0;
}
