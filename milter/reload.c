/*
 * NAME
 *	reload.c - load the config file, and swap in a new one
 * SYNOPSIS
 *	#include "reload.h"
 *
 *	lg_reload_init(path);
 *	cfg = lg_reload_load(err, sizeof(err));
 *	rc = lg_reload(force, err, sizeof(err));
 * DESCRIPTION
 *	The plugin folder default comes from LOOPGUARD_PLUGIN_DIR. A
 *	reload that changes what only a restart can change (the milter
 *	socket, the state group, the mailer outbox) is taken, with a
 *	warning for each such change.
 *
 *	Every reload is counted (counters.h, for stats) and posted as a
 *	"reload" event (events.h, for watch clients); the first load sets
 *	only the time of the last good one.
 * DIAGNOSTICS
 *	"reload refused, old config kept: FILE:LINE: message" and
 *	"config FILE reloaded (N plugins)" on the log.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "clock.h"
#include "counters.h"
#include "events.h"
#include "log.h"

/* Plugin host. */
#include "host.h"

/* Program. */
#include "reload.h"

static const char *config_path;
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;

/* lg_reload_init - the file every load reads */
void lg_reload_init(const char *path)
{
	config_path = path;
}

/* load - one load, errors as one line; the recipient sources of
 * PREVIOUS (the running config, or NULL) are kept where unchanged */
static struct lg_config *load(struct lg_config *previous, int force,
			      char *err, size_t errsize)
{
	struct lg_config_opts opts = { getenv("LOOPGUARD_PLUGIN_DIR"), 0,
				       lg_host_get(), previous, force };
	struct lg_config *cfg;

	if (lg_config_load(config_path, &opts, &cfg, err, errsize) != 0)
		return NULL;
	return cfg;
}

/* lg_reload_load - the first load */
struct lg_config *lg_reload_load(char *err, size_t errsize)
{
	struct lg_config *cfg = load(NULL, 0, err, errsize);

	if (cfg)
		lg_reload_first((long long) lg_now());
	return cfg;
}

/* same - two optional strings are equal */
static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* warn_restart - what a reload cannot change while running */
static void warn_restart(const struct lg_config *old,
			 const struct lg_config *cfg)
{
	if (strcmp(old->socket, cfg->socket) != 0)
		lg_log(LG_LOG_WARN,
		       "reload: socket changed from %s to %s; restart loopguard for that to take effect",
		       old->socket, cfg->socket);
	if (strcmp(old->state.backend, cfg->state.backend) != 0 ||
	    strcmp(old->state.server, cfg->state.server) != 0 ||
	    memcmp(old->state.sentinels, cfg->state.sentinels,
		   sizeof(cfg->state.sentinels)) != 0 ||
	    strcmp(old->state.master_name, cfg->state.master_name) != 0 ||
	    !same(old->state.snapshot, cfg->state.snapshot))
		lg_log(LG_LOG_WARN,
		       "reload: the state settings changed; restart loopguard for that to take effect");
	if (!same(old->control, cfg->control) ||
	    old->control_mode != cfg->control_mode ||
	    !same(old->control_group, cfg->control_group))
		lg_log(LG_LOG_WARN,
		       "reload: control, control_mode or control_group changed; restart loopguard for that to take effect");
	if (old->mailer.configured != cfg->mailer.configured ||
	    (cfg->mailer.configured &&
	     strcmp(old->mailer.outbox, cfg->mailer.outbox) != 0))
		lg_log(LG_LOG_WARN,
		       "reload: the mailer group or its outbox changed; restart loopguard for that to take effect");
}

/* lg_reload - validate fully, then swap; one at a time. FORCE takes
 * recipient tables that lost more than max_shrink of their entries. */
int lg_reload(int force, char *err, size_t errsize)
{
	struct lg_config *cfg, *old;

	pthread_mutex_lock(&reload_lock);
	old = lg_config_current();
	cfg = load(old, force, err, errsize);
	if (!cfg) {
		lg_log(LG_LOG_ERROR, "reload refused, old config kept: %s", err);
		lg_config_unref(&old);
		lg_reload_count(0, (long long) lg_now());
		lg_events_post(LG_EV_RELOAD, "failed", NULL);
		pthread_mutex_unlock(&reload_lock);
		return -1;
	}
	if (old)
		warn_restart(old, cfg);
	lg_config_unref(&old);
	lg_log_set_min_level(cfg->log_level);
	lg_log_reload(cfg->log);
	lg_config_install(cfg);
	lg_log(LG_LOG_INFO, "config %s reloaded (%zu plugins)", config_path,
	       cfg->n_plugins);
	lg_config_log_local_domains(cfg);
	lg_reload_count(1, (long long) lg_now());
	lg_events_post(LG_EV_RELOAD, "ok", NULL);
	pthread_mutex_unlock(&reload_lock);
	return 0;
}
