/*
 * NAME
 *	console_readcache.c - recent answers to the console's reads
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	if (cn_readcache_get(request, gen, &reply) == 0) ...hit...
 *	cn_readcache_put(request, gen, &reply);
 *	cn_readcache_clear();
 * DESCRIPTION
 *	A list, queue or stats request walks the daemon's store. Many
 *	browsers and scrapers asking the same page at once must not turn
 *	into as many walks competing with the mail for the CPU, so an
 *	answer is given again to the same request for up to
 *	CN_READCACHE_MS, unless the daemon has reported a change since
 *	(gen, from cn_events_generation()) or the console made one
 *	(cn_readcache_clear()). At most CACHE_SLOTS answers of at most
 *	CACHE_MAX_LINES lines are kept; the oldest slot is reused.
 * DIAGNOSTICS
 *	cn_readcache_get() returns 0 with a copy the caller frees
 *	(ctl_reply_free), or -1 (nothing fresh, or out of memory).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "console_impl.h"
#include "ctl.h"

#define CACHE_SLOTS	16
#define CACHE_MAX_LINES	2000	/* a page of 1000 rows and some */

static struct slot {
	char *request;
	unsigned long long gen;
	long long at_ms;
	struct ctl_reply reply;
} slots[CACHE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* now_ms - the monotonic clock */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* copy_reply - a deep copy of src into dst: 0, or -1 (nothing kept) */
static int copy_reply(struct ctl_reply *dst, const struct ctl_reply *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (src->n && !(dst->lines = calloc(src->n, sizeof(char *))))
		return -1;
	dst->cap = src->n;
	for (i = 0; i < src->n; i++, dst->n++)
		if (!(dst->lines[i] = strdup(src->lines[i])))
			goto fail;
	if (src->final && !(dst->final = strdup(src->final)))
		goto fail;
	return 0;
fail:
	ctl_reply_free(dst);
	memset(dst, 0, sizeof(*dst));
	return -1;
}

/* slot_free - empty one slot (lock held) */
static void slot_free(struct slot *s)
{
	free(s->request);
	ctl_reply_free(&s->reply);
	memset(s, 0, sizeof(*s));
}

/* cn_readcache_get - a fresh answer to request, copied into reply */
int cn_readcache_get(const char *request, unsigned long long gen,
		     struct ctl_reply *reply)
{
	long long now = now_ms();
	int rc = -1;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < CACHE_SLOTS; i++) {
		struct slot *s = &slots[i];

		if (!s->request || strcmp(s->request, request) != 0)
			continue;
		if (s->gen == gen && now - s->at_ms < CN_READCACHE_MS)
			rc = copy_reply(reply, &s->reply);
		else
			slot_free(s);
		break;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* cn_readcache_put - keep an OK answer to request */
void cn_readcache_put(const char *request, unsigned long long gen,
		      const struct ctl_reply *reply)
{
	struct slot *s = &slots[0];
	size_t i;

	if (!reply->final || strncmp(reply->final, "OK", 2) != 0 ||
	    reply->n > CACHE_MAX_LINES)
		return;
	pthread_mutex_lock(&lock);
	for (i = 0; i < CACHE_SLOTS; i++) {
		if (!slots[i].request || strcmp(slots[i].request, request) == 0) {
			s = &slots[i];
			break;
		}
		if (slots[i].at_ms < s->at_ms)
			s = &slots[i];
	}
	slot_free(s);
	if ((s->request = strdup(request)) && copy_reply(&s->reply, reply) == 0) {
		s->gen = gen;
		s->at_ms = now_ms();
	} else
		slot_free(s);
	pthread_mutex_unlock(&lock);
}

/* cn_readcache_clear - the console changed something: forget it all */
void cn_readcache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < CACHE_SLOTS; i++)
		slot_free(&slots[i]);
	pthread_mutex_unlock(&lock);
}
