/*
 * NAME
 *	control_watch.c - the watch request: change events as they happen
 * SYNOPSIS
 *	#include "control_impl.h"
 *
 *	lg_ctl_watch(rq, words, n);
 * DESCRIPTION
 *	watch
 *		a stream that lasts until the client goes or the daemon
 *		stops: "watching<TAB>SEQ" first, then per change
 *		"event<TAB>SEQ<TAB>TIME<TAB>KIND<TAB>ID<TAB>PLUGIN"
 *		(events.h names the kinds; PLUGIN "-" when none),
 *		"lost<TAB>N" before the next event when the client fell
 *		more than the ring behind, "tick<TAB>SEQ<TAB>TIME" after
 *		stream->tick_ms without an event, and "OK stopping" when the
 *		daemon stops. At most LG_EVENTS_WATCHERS at once.
 *
 *	The events come from the ring in events.h, which the store and
 *	the mailer post to; this only reads it. Each batch is pushed out
 *	with stream->flush, which tells when the client stopped reading.
 * DIAGNOSTICS
 *	"ERR watch: too many watchers (4)"; a watch's start and end are
 *	logged with the client.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Utility library. */
#include "clock.h"
#include "events.h"
#include "log.h"

/* Control socket. */
#include "control_impl.h"

#define WAIT_MS		250	/* how often stop is looked at */
#define BATCH		256	/* events sent before a flush */

/* mono_ms - a monotonic clock in milliseconds */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* event_line - one event (and how many were lost before it) */
static void event_line(struct lg_ctl_request *rq, const struct lg_event *ev,
		       unsigned long long lost)
{
	if (lost) {
		rq->len = 0;
		lg_ctl_addf(rq, "lost\t%llu", lost);
		lg_ctl_emit(rq);
	}
	rq->len = 0;
	lg_ctl_addf(rq, "event\t%llu\t%lld\t%s", ev->seq, (long long) ev->time,
		    lg_events_kind_name(ev->kind));
	lg_ctl_add_field(rq, ev->id);
	lg_ctl_add_field(rq, ev->plugin[0] ? ev->plugin : "-");
	lg_ctl_emit(rq);
}

/* stream - events, ticks, until the client goes or the daemon stops */
static int stream(struct lg_ctl_request *rq, unsigned long long cursor)
{
	const struct lg_ctl_stream *sm = rq->stream;
	int tick_ms = sm->tick_ms > 0 ? sm->tick_ms : LG_CTL_TICK_MS;
	unsigned long long lost;
	long long quiet_since = mono_ms();
	struct lg_event ev;
	int sent;

	rq->len = 0;
	lg_ctl_addf(rq, "watching\t%llu", cursor);
	if (lg_ctl_emit(rq) != 0 || sm->flush(rq->arg) != 0)
		return -1;
	while (!rq->gone) {
		if (sm->stopping && sm->stopping()) {
			if (lg_ctl_reply(rq, 1, "stopping") != 0)
				return -1;
			return sm->flush(rq->arg) != 0 ? -1 : 0;
		}
		(void) lg_events_wait(cursor, WAIT_MS);
		for (sent = 0; sent < BATCH && !rq->gone &&
		     lg_events_next(&cursor, &ev, &lost) > 0; sent++)
			event_line(rq, &ev, lost);
		if (!sent && mono_ms() - quiet_since >= tick_ms) {
			rq->len = 0;
			lg_ctl_addf(rq, "tick\t%llu\t%lld", lg_events_seq(),
				    (long long) lg_now());
			lg_ctl_emit(rq);
			sent = 1;
		}
		if (sent)
			quiet_since = mono_ms();
		/* also when quiet: it notices a client that hung up */
		if (!rq->gone && sm->flush(rq->arg) != 0)
			rq->gone = 1;
	}
	return -1;
}

/* lg_ctl_watch - watch: the stream of change events */
int lg_ctl_watch(struct lg_ctl_request *rq, char **w, size_t n)
{
	const char *who = rq->env->who ? rq->env->who : "client";
	unsigned long long cursor;
	int rc;

	if (n)
		return lg_ctl_reply(rq, 0, "watch: unexpected argument %s",
				    lg_ctl_echo(rq, w[0]));
	if (!rq->stream || !rq->stream->flush)
		return lg_ctl_reply(rq, 0, "watch: not available");
	if (lg_events_watch_begin(&cursor) != 0)
		return lg_ctl_reply(rq, 0, "watch: too many watchers (%d)",
				    LG_EVENTS_WATCHERS);
	lg_log(LG_LOG_INFO, "control: %s started watching", who);
	rc = stream(rq, cursor);
	lg_events_watch_end();
	lg_log(LG_LOG_INFO, "control: %s stopped watching", who);
	return rc;
}
