/*
 * NAME
 *	loopguard - milter against bounce loops, with a safe catch-all
 * SYNOPSIS
 *	loopguard [-f] [-c FILE]
 *	loopguard -n [-c FILE]
 *	loopguard -V | -h | --help
 * DESCRIPTION
 *	Loads and checks the config (and every plugin), the user and
 *	group, and the folders it needs (creating what is missing, as
 *	root); takes over a stale pid file or refuses a running daemon;
 *	binds the milter and control sockets; detaches unless -f, and the
 *	parent waits until the daemon reports it is ready (ready.c); the
 *	daemon drops privileges, writes the pid file as the user it now
 *	is (its folder may be that user's: root never writes there),
 *	checks its folders again as the user, opens the store, starts the
 *	mailer and serves the MTA through libmilter.
 *
 *	The unix milter socket is created with umask 0117, so it is never
 *	open to others, even for the moment before socket_mode and
 *	socket_group are applied. A TCP milter socket draws a warning
 *	(daemon.c): any local user could forge MTA sessions through it.
 *
 *	One thread owns the signals (signals.c): SIGHUP and SIGUSR1
 *	reload (reload.c), SIGTERM and SIGINT stop at once: smfi_stop()
 *	and a connection to our own socket to wake libmilter's listener.
 *	The store's snapshot is written on the way out.
 *
 *	-n checks what a start checks, changing and binding nothing.
 * DIAGNOSTICS
 *	Exit 0; 64 for bad usage; 78 (EX_CONFIG) for a bad config, an
 *	unknown user or group, or a folder that is missing or not
 *	writable, with one line naming the file or folder; 71 (EX_OSERR)
 *	when a socket, the pid file, the privileges or a thread fail, or
 *	loopguard is already running.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "clock.h"
#include "log.h"
#include "lg_paths.h"

/* Store library. */
#include "store.h"
#include "store_memory.h"
#include "store_open.h"
#include "store_redis.h"

/* Config library. */
#include "settings.h"

/* MTA checks. */
#include "postfix_check.h"

/* Mail library. */
#include "mailer.h"

/* Session library. */
#include "session.h"

/* Plugin host. */
#include "host.h"

/* Control socket. */
#include "control.h"

/* Program. */
#include "daemon.h"
#include "folders.h"
#include "milter.h"
#include "ready.h"
#include "reload.h"
#include "signals.h"

#define EX_USAGE_CODE 64
#define EX_OSERR_CODE 71
#define EX_CONFIG_CODE 78

static const char *config_path = LG_PATH_CONFIG;
static struct lg_store store;
static struct lg_socket_spec listen_spec;	/* for the wake-up at stop */
static struct stat listen_st;			/* the socket file we bound */
static int bound, pid_written;

static int detached;

/* fatal - log a startup failure; stderr sees it too before detaching,
 * the waiting parent after */
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
	lg_ready_report(code, msg);
	return code;
}

/* usage - the synopsis, on stdout for -h, on stderr for a mistake */
static void usage(FILE *fp)
{
	fprintf(fp, "usage: loopguard [-f] [-n] [-V] [-h] [-c FILE]\n"
		"  -c FILE     config file (default %s)\n"
		"  -f          stay in the foreground, log to stderr\n"
		"  -n          check the config, user and folders, and exit\n"
		"  -V          print the version and exit\n"
		"  -h, --help  print this and exit\n", LG_PATH_CONFIG);
}

/* on_reload - SIGHUP, SIGUSR1: the outcome is logged */
static void on_reload(void)
{
	char err[1024];

	(void) lg_reload(0, err, sizeof(err));
}

/* on_stop - SIGTERM, SIGINT: stop libmilter, and wake its listener
 * (every 10 ms, at most 2 s) until smfi_main() returns */
static void on_stop(void)
{
	struct timespec pause_ms = { 0, 10 * 1000 * 1000 };
	int i;

	lg_log(LG_LOG_INFO, "stop requested");
	/* a signal taken while starting waits until smfi_main() runs
	 * (the next few microseconds), so libmilter is stopped, not
	 * half set up */
	for (i = 0; i < 200 && !lg_milter_serving(); i++)
		nanosleep(&pause_ms, NULL);
	lg_milter_stop();
	for (i = 0; i < 200 && lg_milter_serving(); i++) {
		if (lg_daemon_wake(&listen_spec) != 0)
			break;
		nanosleep(&pause_ms, NULL);
	}
}

/* on_reopen - SIGUSR2: the log file again by its path (logrotate);
 * a failure is logged and the old file kept */
static void on_reopen(void)
{
	(void) lg_log_reopen();
}

/* on_tick - about once a second: the store's snapshot and expiry */
static void on_tick(void)
{
	if (store.ops && store.ops->tick)
		store.ops->tick(store.be, lg_now());
}

/* refresh_directory - the running config's recipient directory reloads
 * what changed (from the directory's watch thread) */
static void refresh_directory(void *arg, time_t now)
{
	struct lg_config *cfg = lg_config_current();

	(void) arg;
	if (cfg) {
		lg_dir_refresh(cfg->dir, now);
		lg_config_unref(&cfg);
	}
}

/* open_store - the configured backend; a failure is a config error */
static int open_store(const struct lg_config *cfg, char *err, size_t errsize)
{
	const struct lg_state_config *st = &cfg->state;
	struct lg_store_memory_opts mopts;
	struct lg_store_redis_opts ropts;
	const char *sentinels[LG_STATE_SENTINELS_MAX];
	int i;

	memset(&mopts, 0, sizeof(mopts));
	mopts.snapshot = st->snapshot;
	mopts.snapshot_interval = st->snapshot_interval;
	mopts.max_entries = (size_t) st->max_entries;
	mopts.max_bytes = (size_t) st->max_bytes;
	memset(&ropts, 0, sizeof(ropts));
	ropts.server = st->server;
	ropts.password = st->password;
	ropts.db = st->db;
	ropts.prefix = st->prefix;
	ropts.timeout_ms = st->timeout_ms;
	ropts.tempfail = st->on_store_error_tempfail;
	for (i = 0; i < st->nsentinels; i++)
		sentinels[i] = st->sentinels[i];
	ropts.sentinels = sentinels;
	ropts.nsentinels = st->nsentinels;
	ropts.master_name = st->master_name;
	ropts.sentinel_password = st->sentinel_password;
	if (lg_store_open(st->backend, &mopts, &ropts, lg_now(), &store, err,
			  errsize) != 0)
		return -1;
	lg_store_check_switch(st->backend, st->snapshot, st->server, &store,
			      lg_now());
	lg_host_set_store(&store);
	lg_session_set_store_tempfail(st->on_store_error_tempfail);
	return 0;
}

/* teardown - undo what serve() did, in reverse; safe to call after a
 * start that failed half-way */
static void teardown(const struct lg_config *cfg)
{
	struct stat st;

	lg_signals_stop();
	lg_dir_watch_stop();
	lg_control_stop();
	lg_mailer_stop();
	lg_host_set_store(NULL);
	if (store.ops)
		lg_store_close(&store, lg_now());
	memset(&store, 0, sizeof(store));
	if (bound && lstat(cfg->socket_spec.path, &st) == 0 &&
	    st.st_dev == listen_st.st_dev && st.st_ino == listen_st.st_ino)
		unlink(cfg->socket_spec.path);
	bound = 0;
	if (pid_written)
		lg_daemon_remove_pidfile(cfg->pidfile, (long) getpid());
	pid_written = 0;
	lg_config_install(NULL);
}

/* failed - a start that went wrong after something was set up */
static int failed(const struct lg_config *cfg, int code, const char *err)
{
	fatal(code, "%s", err);
	teardown(cfg);
	return code;
}

/* bind_sockets - as root: the milter socket, then the control socket */
static int bind_sockets(struct lg_config *cfg, char *err, size_t errsize)
{
	mode_t old_mask;
	int rc;

	if (lg_daemon_check_socket(cfg->socket, &cfg->socket_spec, err,
				   errsize) != 0)
		return -1;
	old_mask = umask(0117);		/* born 0660 at most, root's */
	rc = lg_milter_register(cfg->socket, 0) != 0 || lg_milter_open() != 0;
	umask(old_mask);
	if (rc) {
		snprintf(err, errsize, "socket %s: libmilter could not listen there",
			 cfg->socket);
		return -1;
	}
	listen_spec = cfg->socket_spec;
	bound = cfg->socket_spec.kind == LG_SOCK_UNIX &&
		lstat(cfg->socket_spec.path, &listen_st) == 0;
	lg_daemon_set_nodelay();
	if (cfg->socket_spec.kind == LG_SOCK_UNIX &&
	    lg_daemon_socket_perms(cfg->socket_spec.path, cfg->socket_mode,
				   cfg->user, cfg->socket_group, err, errsize) != 0)
		return -1;
	return lg_control_open(cfg, err, errsize);
}

/* detach - fork; the parent waits for lg_ready_report() */
static int detach(const struct lg_config *cfg, char *err, size_t errsize)
{
	struct lg_socket_spec cspec;
	const char *socks[2] = { NULL, NULL }, *why;

	if (bound)
		socks[0] = cfg->socket_spec.path;
	if (cfg->control && lg_parse_socket_spec(cfg->control, &cspec,
						 &why) == 0 &&
	    cspec.kind == LG_SOCK_UNIX)
		socks[1] = cspec.path;
	if (lg_ready_detach(cfg->pidfile, socks, 2, err, errsize) != 0)
		return -1;
	detached = 1;
	return 0;
}

/* start - everything up to "ready"; the exit code, or 0 */
static int start(struct lg_config *cfg, const struct lg_ids *ids,
		 int foreground)
{
	struct lg_signal_hooks hooks = { on_reload, on_stop, on_tick,
					 on_reopen };
	char err[1024];

	/* before any thread and the fork: all inherit the mask */
	lg_signals_block();
	(void) lg_daemon_thread_stack(LG_THREAD_STACK);
	signal(SIGPIPE, SIG_IGN);
	/* the folders first: root reads and removes a stale pid file
	 * only in a folder no one but root and the user may write in */
	if (lg_folders(cfg, ids, LG_FOLDERS_PREPARE, err, sizeof(err)) != 0)
		return fatal(EX_CONFIG_CODE, "%s", err);
	if (cfg->pidfile && lg_daemon_check_pidfile(cfg->pidfile, err,
						    sizeof(err)) != 0)
		return fatal(EX_OSERR_CODE, "%s", err);
	lg_daemon_warn_inet(cfg->socket, &cfg->socket_spec);
	lg_daemon_warn_mode(cfg->socket, &cfg->socket_spec, cfg->socket_mode);
	if (bind_sockets(cfg, err, sizeof(err)) != 0 ||
	    (!foreground && detach(cfg, err, sizeof(err)) != 0))
		return failed(cfg, EX_OSERR_CODE, err);
	if (lg_daemon_drop_privileges(cfg->user, cfg->group, err,
				      sizeof(err)) != 0)
		return failed(cfg, EX_OSERR_CODE, err);
	/* as the user: root never writes in a folder the user owns */
	if (cfg->pidfile) {
		if (lg_daemon_write_pidfile(cfg->pidfile, err, sizeof(err)) != 0)
			return failed(cfg, EX_OSERR_CODE, err);
		pid_written = 1;
	}
	if (lg_folders(cfg, ids, LG_FOLDERS_VERIFY, err, sizeof(err)) != 0)
		return failed(cfg, EX_CONFIG_CODE, err);
	if (open_store(cfg, err, sizeof(err)) != 0) {
		char msg[1100];

		snprintf(msg, sizeof(msg), "state: %s", err);
		return failed(cfg, EX_CONFIG_CODE, msg);
	}
	lg_config_install(lg_config_ref(cfg));
	if (lg_mailer_start(cfg, err, sizeof(err)) != 0)
		return failed(cfg, EX_OSERR_CODE, err);
	if (lg_signals_start(&hooks) != 0)
		return failed(cfg, EX_OSERR_CODE, "cannot start the signal thread");
	lg_control_start(&store, lg_reload);
	if (lg_dir_watch_start(refresh_directory, NULL) != 0)
		return failed(cfg, EX_OSERR_CODE,
			      "cannot start the recipient directory's thread");
	return 0;
}

/* serve - start, report ready, serve until stopped */
static int serve(struct lg_config *cfg, const struct lg_ids *ids,
		 int foreground)
{
	int rc;

	if ((rc = start(cfg, ids, foreground)) != 0)
		return rc;
	lg_log(LG_LOG_INFO, "loopguard %s listening on %s with %zu plugins",
	       PACKAGE_VERSION, cfg->socket, cfg->n_plugins);
	lg_ready_report(0, "ready");
	rc = lg_milter_main();
	lg_log(LG_LOG_INFO, "stopping");
	teardown(cfg);
	return rc == 0 ? 0 : EX_OSERR_CODE;
}

/* wants_help - "--help" anywhere before "--" */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

/* check - -n: what a start would check, with nothing changed */
static int check(struct lg_config *cfg, const struct lg_ids *ids)
{
	char err[1024];

	lg_daemon_warn_inet(cfg->socket, &cfg->socket_spec);
	lg_daemon_warn_mode(cfg->socket, &cfg->socket_spec, cfg->socket_mode);
	if (lg_folders(cfg, ids, LG_FOLDERS_CHECK, err, sizeof(err)) != 0) {
		fprintf(stderr, "loopguard: %s\n", err);
		return EX_CONFIG_CODE;
	}
	printf("%s: OK (%zu plugins)\n", config_path, cfg->n_plugins);
	return 0;
}

int main(int argc, char **argv)
{
	int foreground = 0, check_only = 0, opt, rc;
	struct lg_config *cfg;
	struct lg_ids ids;
	char err[1024] = "", why[512];

	if (wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE_CODE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE_CODE;
	}
	lg_log_open("loopguard", foreground || check_only ? LG_LOG_STDERR :
		    LG_LOG_SYSLOG);
	lg_reload_init(config_path);
	cfg = lg_reload_load(err, sizeof(err));
	if (cfg && lg_daemon_ids(cfg->user, cfg->group, &ids, why,
				 sizeof(why)) != 0) {
		snprintf(err, sizeof(err), "%s: %s", config_path, why);
		lg_config_unref(&cfg);
	}
	if (!cfg) {
		if (!foreground && !check_only)
			lg_log(LG_LOG_ERROR, "%s", err);
		fprintf(stderr, "loopguard: %s\n", err);
		return EX_CONFIG_CODE;
	}
	lg_daemon_warn_writable(config_path);
	lg_postfix_warn(cfg);	/* -n: on stderr; at start: in the log */
	if (check_only) {
		lg_config_log_local_domains(cfg);
		rc = check(cfg, &ids);
	} else {
		lg_log_set_min_level(cfg->log_level);
		if (lg_log_use(cfg->log, foreground, cfg->user, err,
			       sizeof(err)) != 0)
			rc = fatal(EX_OSERR_CODE, "%s", err);
		else {
			lg_config_log_local_domains(cfg);
			rc = serve(cfg, &ids, foreground);
		}
	}
	lg_config_unref(&cfg);
	return rc;
}
