/*
 * NAME
 *	mailer.c - the outbox worker thread (see mailer.h)
 * DESCRIPTION
 *	The worker sleeps until a message is queued, a retry is due or a
 *	minute has passed, then runs the outbox once with the current
 *	config's mailer settings. A config without a mailer group leaves
 *	the messages waiting.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "clock.h"
#include "hostname.h"
#include "log.h"
#include "postconf.h"

/* Mail library. */
#include "mailer.h"

static struct lg_outbox *outbox;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t worker;
static int running, stopping, woken;

/* lg_mailer_outbox - the outbox in use */
struct lg_outbox *lg_mailer_outbox(void)
{
	return outbox;
}

/* lg_mailer_set_outbox - tests: an outbox without a worker */
void lg_mailer_set_outbox(struct lg_outbox *ob)
{
	outbox = ob;
}

static char host_name[256];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

/* fill_hostname - the default name, for a process with no config */
static void fill_hostname(void)
{
	lg_hostname_find(lg_postconf_path(), host_name,
			 sizeof(host_name));
}

/* lg_mailer_hostname - the current config's hostname; the pointer
 * stays valid after a reload (hostname.h) */
const char *lg_mailer_hostname(void)
{
	struct lg_config *cfg = lg_config_current();
	const char *name = cfg ? cfg->hostname : NULL;

	lg_config_unref(&cfg);
	if (name)
		return name;
	pthread_once(&host_once, fill_hostname);
	return host_name;
}

/* lg_mailer_deliver - the configured method */
enum lg_outbox_result lg_mailer_deliver(void *arg,
					const struct lg_outbox_item *item,
					const char *msg_path, char *err,
					size_t errsize)
{
	const struct lg_mailer_config *mc = arg;

	if (mc->method == LG_MAILER_SMTP)
		return lg_mailer_smtp(mc, item->to, msg_path, err, errsize);
	return lg_mailer_sendmail(mc, item->to, msg_path, err, errsize);
}

/* lg_mailer_queue - write, then wake */
int lg_mailer_queue(const char *rcpt, const char *text,
		    char id_r[LG_OUTBOX_ID_MAX])
{
	if (!outbox || !text) {
		lg_log(LG_LOG_ERROR,
		       "mailer: generated mail for <%.100s> dropped: no mailer group in the config",
		       rcpt ? rcpt : "");
		return -1;
	}
	if (lg_outbox_add(outbox, rcpt, text, strlen(text), lg_now(),
			  id_r) != 0)
		return -1;
	lg_mailer_wake();
	return 0;
}

/* lg_mailer_wake - run the outbox now */
void lg_mailer_wake(void)
{
	pthread_mutex_lock(&lock);
	woken = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

/* one_pass - run the outbox with the current settings; next try */
static time_t one_pass(void)
{
	struct lg_config *cfg = lg_config_current();
	time_t next = 0;

	if (cfg && cfg->mailer.configured)
		lg_outbox_run(outbox, lg_now(), cfg->mailer.retry_interval,
			      cfg->mailer.max_attempts, lg_mailer_deliver,
			      &cfg->mailer, &next);
	lg_config_unref(&cfg);
	return next;
}

/* work - the thread */
static void *work(void *arg)
{
	struct timespec until;
	time_t next, now;

	(void) arg;
	for (;;) {
		next = one_pass();
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_REALTIME, &until);
		now = lg_now();
		/* at least a second, so a message that cannot be updated
		 * never makes this spin */
		until.tv_sec += next && next > now && next - now < 60 ?
			next - now : next && next <= now ? 1 : 60;
		while (!woken && !stopping &&
		       pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
			;
		woken = 0;
		if (stopping) {
			pthread_mutex_unlock(&lock);
			break;
		}
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* lg_mailer_start - open the outbox, start the worker */
int lg_mailer_start(const struct lg_config *cfg, char *err, size_t errsize)
{
	if (!cfg->mailer.configured)
		return 0;
	outbox = lg_outbox_open(cfg->mailer.outbox, err, errsize);
	if (!outbox)
		return -1;
	stopping = 0;
	if (pthread_create(&worker, NULL, work, NULL) != 0) {
		snprintf(err, errsize, "mailer: cannot start the outbox worker");
		lg_outbox_close(&outbox);
		return -1;
	}
	running = 1;
	return 0;
}

/* lg_mailer_stop - end the worker; waiting mail stays in the outbox */
void lg_mailer_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(worker, NULL);
	running = 0;
	lg_outbox_close(&outbox);
}
