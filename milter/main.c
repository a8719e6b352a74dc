/*
 * NAME
 *	loopguard - milter against bounce loops, with a safe catch-all
 * SYNOPSIS
 *	loopguard [-f] [-c FILE]
 *	loopguard -n [-c FILE]
 *	loopguard -V
 * DESCRIPTION
 *	Loads and checks the config (and every plugin), binds the milter
 *	socket, detaches unless -f, drops privileges, opens the store, and
 *	serves the MTA through libmilter. SIGUSR1 reloads the config: the
 *	new one is validated completely first, and a bad one is refused
 *	with the old one kept. SIGTERM, SIGHUP and SIGINT stop (libmilter
 *	owns them); the store's snapshot is written on the way out.
 * DIAGNOSTICS
 *	Exit 0; 64 for bad usage; 78 (EX_CONFIG) for a bad config, with
 *	one "FILE:LINE: message" line; 71 (EX_OSERR) when the socket, the
 *	pid file or the privileges fail.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "host.h"
#include "log.h"
#include "mailer.h"
#include "milter.h"
#include "postfix_check.h"
#include "settings.h"
#include "store.h"
#include "store_memory.h"
#include "store_redis.h"

#define EX_USAGE_CODE 64
#define EX_OSERR_CODE 71
#define EX_CONFIG_CODE 78

static const char *config_path = SYSCONFDIR "/loopguard.conf";
static atomic_int stopping;
static struct lg_store store;

static int detached;

/* fatal - log a startup failure; before detaching, stderr sees it too */
static int fatal(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fatal(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lg_log(LG_LOG_ERROR, "%s", msg);
	if (!detached && !lg_log_to_stderr())
		fprintf(stderr, "loopguard: %s\n", msg);
	return code;
}

/* usage - the one-line synopsis */
static void usage(void)
{
	fprintf(stderr, "usage: loopguard [-f] [-n] [-V] [-c FILE]\n"
		"  -c FILE  config file (default %s)\n"
		"  -f       stay in the foreground, log to stderr\n"
		"  -n       check the config and exit\n"
		"  -V       print the version and exit\n", config_path);
}

/* load_config - one load, errors as one line */
static struct lg_config *load_config(char *err, size_t errsize)
{
	struct lg_config_opts opts = { getenv("LOOPGUARD_PLUGIN_DIR"), 0 };
	struct lg_config *cfg;

	if (lg_config_load(config_path, &opts, &cfg, err, errsize) != 0)
		return NULL;
	return cfg;
}

/* reload - SIGUSR1: validate fully, then swap; a bad file changes
 * nothing */
static void reload(void)
{
	struct lg_config *cfg, *old;
	char err[1024];

	cfg = load_config(err, sizeof(err));
	if (!cfg) {
		lg_log(LG_LOG_ERROR, "reload refused, old config kept: %s", err);
		return;
	}
	old = lg_config_current();
	if (old && strcmp(old->socket, cfg->socket) != 0)
		lg_log(LG_LOG_WARN,
		       "reload: socket changed from %s to %s; restart loopguard for that to take effect",
		       old->socket, cfg->socket);
	if (old && (strcmp(old->state.backend, cfg->state.backend) != 0 ||
		    strcmp(old->state.server, cfg->state.server) != 0 ||
		    (old->state.snapshot == NULL) != (cfg->state.snapshot == NULL) ||
		    (old->state.snapshot && cfg->state.snapshot &&
		     strcmp(old->state.snapshot, cfg->state.snapshot) != 0)))
		lg_log(LG_LOG_WARN,
		       "reload: the state settings changed; restart loopguard for that to take effect");
	if (old && (old->mailer.configured != cfg->mailer.configured ||
		    (cfg->mailer.configured &&
		     strcmp(old->mailer.outbox, cfg->mailer.outbox) != 0)))
		lg_log(LG_LOG_WARN,
		       "reload: the mailer group or its outbox changed; restart loopguard for that to take effect");
	lg_config_unref(&old);
	lg_log_set_min_level(cfg->log_level);
	lg_log_reload(cfg->log);
	lg_config_install(cfg);
	lg_log(LG_LOG_INFO, "config %s reloaded (%zu plugins)", config_path,
	       cfg->n_plugins);
}

/* lg_request_reload - the control socket's "reload" */
void lg_request_reload(void)
{
	kill(getpid(), SIGUSR1);
}

/* housekeeping - reload on SIGUSR1; tick the store every second */
static void *housekeeping(void *arg)
{
	sigset_t set;
	struct timespec second = { 1, 0 };

	(void) arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	while (!atomic_load(&stopping)) {
		int sig = sigtimedwait(&set, NULL, &second);

		if (sig == SIGUSR1)
			reload();
		if (sig == SIGUSR2)
			lg_log_reopen();
		if (store.ops && store.ops->tick)
			store.ops->tick(store.be, lg_now());
	}
	return NULL;
}

/* open_store - the configured backend; a failure is a config error */
static int open_store(const struct lg_config *cfg, char *err, size_t errsize)
{
	const struct lg_state_config *st = &cfg->state;
	struct lg_store_memory_opts mopts;
	struct lg_store_redis_opts ropts;

	memset(&mopts, 0, sizeof(mopts));
	mopts.snapshot = st->snapshot;
	mopts.snapshot_interval = st->snapshot_interval;
	mopts.max_entries = (size_t) st->max_entries;
	memset(&ropts, 0, sizeof(ropts));
	ropts.server = st->server;
	ropts.password = st->password;
	ropts.db = st->db;
	ropts.prefix = st->prefix;
	ropts.timeout_ms = st->timeout_ms;
	ropts.tempfail = st->on_store_error_tempfail;
	if (lg_store_open(st->backend, &mopts, &ropts, lg_now(), &store, err,
			  errsize) != 0)
		return -1;
	lg_host_set_store(&store);
	lg_host_set_store_tempfail(st->on_store_error_tempfail);
	return 0;
}

/* serve - everything after a good config */
static int serve(struct lg_config *cfg, int foreground)
{
	pthread_t keeper;
	sigset_t set;
	char err[1024];
	int rc;

	if (lg_daemon_check_socket(cfg->socket, &cfg->socket_spec, err,
				   sizeof(err)) != 0)
		return fatal(EX_OSERR_CODE, "%s", err);
	if (lg_milter_register(cfg->socket, 0) != 0 || lg_milter_open() != 0)
		return fatal(EX_OSERR_CODE,
			     "socket %s: libmilter could not listen there",
			     cfg->socket);
	lg_daemon_set_nodelay();
	if (cfg->socket_spec.kind == LG_SOCK_UNIX &&
	    lg_daemon_socket_perms(cfg->socket_spec.path, cfg->socket_mode,
				   cfg->user, cfg->socket_group, err,
				   sizeof(err)) != 0)
		return fatal(EX_OSERR_CODE, "%s", err);
	if (lg_control_open(cfg, err, sizeof(err)) != 0)
		return fatal(EX_OSERR_CODE, "%s", err);
	if (!foreground && lg_daemon_detach(err, sizeof(err)) != 0)
		return fatal(EX_OSERR_CODE, "%s", err);
	detached = !foreground;
	if (cfg->pidfile && lg_daemon_write_pidfile(cfg->pidfile, err,
						    sizeof(err)) != 0) {
		lg_log(LG_LOG_ERROR, "%s", err);
		return EX_OSERR_CODE;
	}
	if (lg_daemon_drop_privileges(cfg->user, cfg->group, err,
				      sizeof(err)) != 0) {
		lg_log(LG_LOG_ERROR, "%s", err);
		return EX_OSERR_CODE;
	}
	if (open_store(cfg, err, sizeof(err)) != 0) {
		lg_log(LG_LOG_ERROR, "state: %s", err);
		return EX_CONFIG_CODE;
	}
	/* Threads inherit this mask: only sigwait sees these signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	lg_config_install(lg_config_ref(cfg));
	/* after the mask: the worker must not take SIGUSR1 */
	if (lg_mailer_start(cfg, err, sizeof(err)) != 0) {
		lg_log(LG_LOG_ERROR, "mailer: %s", err);
		return EX_OSERR_CODE;
	}
	if (pthread_create(&keeper, NULL, housekeeping, NULL) != 0) {
		lg_log(LG_LOG_ERROR, "cannot start housekeeping thread");
		return EX_OSERR_CODE;
	}
	lg_control_start();
	lg_log(LG_LOG_INFO, "loopguard %s listening on %s with %zu plugins",
	       PACKAGE_VERSION, cfg->socket, cfg->n_plugins);
	rc = lg_milter_main();
	lg_log(LG_LOG_INFO, "stopping");
	atomic_store(&stopping, 1);
	pthread_join(keeper, NULL);
	lg_control_stop();
	lg_mailer_stop();
	lg_host_set_store(NULL);
	if (store.ops)
		lg_store_close(&store, lg_now());
	if (cfg->socket_spec.kind == LG_SOCK_UNIX)
		unlink(cfg->socket_spec.path);
	if (cfg->pidfile)
		unlink(cfg->pidfile);
	lg_config_install(NULL);
	return rc == 0 ? 0 : EX_OSERR_CODE;
}

int main(int argc, char **argv)
{
	int foreground = 0, check_only = 0, opt, rc;
	struct lg_config *cfg;
	char err[1024] = "";

	while ((opt = getopt(argc, argv, "c:fnVh")) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check_only = 1; break;
		case 'V':
			printf("loopguard %s (plugin ABI %d.%d)\n",
			       PACKAGE_VERSION, LG_PLUGIN_ABI_MAJOR,
			       LG_PLUGIN_ABI_MINOR);
			return 0;
		case 'h': usage(); return 0;
		default: usage(); return EX_USAGE_CODE;
		}
	}
	if (optind != argc) {
		usage();
		return EX_USAGE_CODE;
	}
	lg_log_open("loopguard", foreground || check_only ? LG_LOG_STDERR :
		    LG_LOG_SYSLOG);
	cfg = load_config(err, sizeof(err));
	if (!cfg) {
		if (!foreground && !check_only)
			lg_log(LG_LOG_ERROR, "%s", err);
		fprintf(stderr, "loopguard: %s\n", err);
		return EX_CONFIG_CODE;
	}
	lg_daemon_warn_writable(config_path);
	lg_postfix_warn(cfg);	/* -n: on stderr; at start: in the log */
	if (check_only) {
		printf("%s: OK (%zu plugins)\n", config_path, cfg->n_plugins);
		lg_config_unref(&cfg);
		return 0;
	}
	lg_log_set_min_level(cfg->log_level);
	if (lg_log_use(cfg->log, foreground, cfg->user, err, sizeof(err)) != 0)
		rc = fatal(EX_OSERR_CODE, "%s", err);
	else
		rc = serve(cfg, foreground);
	lg_config_unref(&cfg);
	return rc;
}
