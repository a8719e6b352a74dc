/*
 * NAME
 *	dirwatch.c - the thread that keeps the recipient directory live
 * SYNOPSIS
 *	#include "dirwatch.h"
 *
 *	lg_dirwatch_start();
 *	lg_dirwatch_stop();
 * DESCRIPTION
 *	About once a second, the running config's directory reloads the
 *	sources whose files changed (lg_dir_refresh). It runs in a thread
 *	of its own, so reading a large table never delays a signal, the
 *	store's tick or a reply.
 */
#include "config.h"

#include <pthread.h>
#include <time.h>

/* Utility library. */
#include "clock.h"
#include "log.h"

/* Config library. */
#include "settings.h"

/* Program. */
#include "dirwatch.h"

#define PERIOD_S	1

static pthread_t watcher;
static int running;
static int stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

/* watch - refresh, then sleep until the next second or a stop */
static void *watch(void *arg)
{
	struct timespec until;

	(void) arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct lg_config *cfg;

		pthread_mutex_unlock(&lock);
		if ((cfg = lg_config_current())) {
			lg_dir_refresh(cfg->dir, lg_now());
			lg_config_unref(&cfg);
		}
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += PERIOD_S;
		if (!stopping)
			pthread_cond_timedwait(&wake, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* lg_dirwatch_start - 0, or -1 (logged) */
int lg_dirwatch_start(void)
{
	stopping = 0;
	if (pthread_create(&watcher, NULL, watch, NULL) != 0) {
		lg_log(LG_LOG_ERROR,
		       "recipients: cannot start the thread that reloads changed tables");
		return -1;
	}
	running = 1;
	return 0;
}

/* lg_dirwatch_stop - wait for the thread to end */
void lg_dirwatch_stop(void)
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
