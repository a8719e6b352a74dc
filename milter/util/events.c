/*
 * NAME
 *	events.c - the change-event ring that "watch" clients read
 * SYNOPSIS
 *	See events.h.
 * DESCRIPTION
 *	One mutex guards the ring; a condition variable wakes readers.
 *	Posters check lg_events_watchers first, without the lock, so the
 *	milter pays one relaxed atomic load per store write while the
 *	console is not connected. Slot seq % LG_EVENTS_RING holds event
 *	seq; the oldest kept is last - LG_EVENTS_RING + 1.
 * DIAGNOSTICS
 *	None: a full ring overwrites its oldest events, and readers are
 *	told how many they lost.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Utility library. */
#include "clock.h"
#include "events.h"

atomic_int lg_events_watchers;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t posted;
static pthread_once_t cond_once = PTHREAD_ONCE_INIT;
static struct lg_event ring[LG_EVENTS_RING];
static unsigned long long last;		/* seq of the newest event */
static int readers;			/* guarded by lock */

static const char *const kind_names[LG_EV_KINDS] = {
	"entry-added", "entry-changed", "entry-removed",
	"outbox-queued", "outbox-sent", "outbox-deferred", "outbox-removed",
	"outbox-failed", "reload"
};

/* cond_init - waits measured on the monotonic clock */
static void cond_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&posted, &attr);
	pthread_condattr_destroy(&attr);
}

/* lg_events_kind_name - the protocol's name of a kind */
const char *lg_events_kind_name(enum lg_event_kind kind)
{
	return (unsigned) kind < LG_EV_KINDS ? kind_names[kind] : "unknown";
}

/* copy_text - at most size - 1 bytes, cut on a UTF-8 boundary */
static void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char) src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

/* lg_events_post - keep one event, wake the readers */
void lg_events_post(enum lg_event_kind kind, const char *id,
		    const char *plugin)
{
	struct lg_event *ev;

	if (!lg_events_wanted())
		return;
	pthread_once(&cond_once, cond_init);
	pthread_mutex_lock(&lock);
	if (readers > 0) {
		ev = &ring[++last % LG_EVENTS_RING];
		ev->seq = last;
		ev->time = lg_now();
		ev->kind = kind;
		copy_text(ev->id, sizeof(ev->id), id);
		copy_text(ev->plugin, sizeof(ev->plugin), plugin);
		pthread_cond_broadcast(&posted);
	}
	pthread_mutex_unlock(&lock);
}

/* lg_events_entry_id - first 10 hex digits of the key's 64-bit FNV-1a */
void lg_events_entry_id(const char *key,
			char id_r[LG_EVENTS_ENTRY_ID_LEN + 1])
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *) (key ? key : ""); *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	snprintf(id_r, LG_EVENTS_ENTRY_ID_LEN + 1, "%010llx",
		 (unsigned long long) (h >> (64 - 4 * LG_EVENTS_ENTRY_ID_LEN)));
}

/* lg_events_entry - an entry's change; hidden entries post nothing */
void lg_events_entry(enum lg_event_kind kind, const char *key,
		     const char *plugin, const char *status)
{
	char id[LG_EVENTS_ENTRY_ID_LEN + 1];

	if (!lg_events_wanted() || !status || !*status || !key)
		return;
	lg_events_entry_id(key, id);
	lg_events_post(kind, id, plugin && *plugin ? plugin : NULL);
}

/* lg_events_watch_begin - take a reader's place */
int lg_events_watch_begin(unsigned long long *cursor_r)
{
	int rc = -1;

	pthread_once(&cond_once, cond_init);
	pthread_mutex_lock(&lock);
	if (readers < LG_EVENTS_WATCHERS) {
		readers++;
		atomic_store(&lg_events_watchers, readers);
		*cursor_r = last;
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* lg_events_watch_end - give the place back */
void lg_events_watch_end(void)
{
	pthread_mutex_lock(&lock);
	if (readers > 0)
		readers--;
	atomic_store(&lg_events_watchers, readers);
	pthread_mutex_unlock(&lock);
}

/* lg_events_wait - sleep until something after cursor, or ms */
int lg_events_wait(unsigned long long cursor, int ms)
{
	struct timespec until;
	int rc = 0;

	pthread_once(&cond_once, cond_init);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long) (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lock);
	while (last <= cursor && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&posted, &lock, &until);
	rc = last > cursor;
	pthread_mutex_unlock(&lock);
	return rc;
}

/* lg_events_next - the next event, or how many were overwritten first */
int lg_events_next(unsigned long long *cursor, struct lg_event *ev,
		   unsigned long long *lost_r)
{
	unsigned long long want = *cursor + 1, oldest;
	int rc = 0;

	*lost_r = 0;
	pthread_mutex_lock(&lock);
	if (want <= last) {
		oldest = last >= LG_EVENTS_RING ? last - LG_EVENTS_RING + 1 : 1;
		if (want < oldest) {
			*lost_r = oldest - want;
			want = oldest;
		}
		*ev = ring[want % LG_EVENTS_RING];
		*cursor = want;
		rc = 1;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* lg_events_seq - the newest seq */
unsigned long long lg_events_seq(void)
{
	unsigned long long n;

	pthread_mutex_lock(&lock);
	n = last;
	pthread_mutex_unlock(&lock);
	return n;
}
