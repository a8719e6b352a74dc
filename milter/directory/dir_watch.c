/*
 * NAME
 *	dir_watch.c - the thread that keeps the recipient directory live
 * SYNOPSIS
 *	#include "directory.h"
 *
 *	lg_dir_watch_start(refresh, arg);
 *	lg_dir_watch_stop();
 * DESCRIPTION
 *	About once a second, refresh(arg, now) runs: the program hands in
 *	a function that refreshes the running config's directory
 *	(lg_dir_refresh), since which directory is running is known only
 *	above this layer. It runs in a thread of its own, so reading a
 *	large table never delays a signal, the store's tick or a reply.
 */
#include "config.h"

#include <pthread.h>
#include <time.h>

/* Utility library. */
#include "clock.h"
#include "log.h"

/* Directory library. */
#include "directory.h"

#define PERIOD_S	1

static pthread_t watcher;
static int running;
static int stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static void (*refresh_fn)(void *arg, time_t now);
static void *refresh_arg;

/* watch - refresh, then sleep until the next second or a stop */
static void *watch(void *arg)
{
	struct timespec until;

	(void) arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		pthread_mutex_unlock(&lock);
		refresh_fn(refresh_arg, lg_now());
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += PERIOD_S;
		if (!stopping)
			pthread_cond_timedwait(&wake, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* lg_dir_watch_start - 0, or -1 (logged) */
int lg_dir_watch_start(void (*refresh)(void *arg, time_t now), void *arg)
{
	refresh_fn = refresh;
	refresh_arg = arg;
	stopping = 0;
	if (pthread_create(&watcher, NULL, watch, NULL) != 0) {
		lg_log(LG_LOG_ERROR,
		       "recipients: cannot start the thread that reloads changed tables");
		return -1;
	}
	running = 1;
	return 0;
}

/* lg_dir_watch_stop - wait for the thread to end */
void lg_dir_watch_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(watcher, NULL);
	running = 0;
}
