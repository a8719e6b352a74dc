/*
 * NAME
 *	console_main.c - loopguard-console: options, start, privileges, stop
 * SYNOPSIS
 *	loopguard-console [-c FILE] [-f] [-t]
 *	loopguard-console user add NAME [--role read|operator] [-c FILE]
 *	loopguard-console user del NAME [-c FILE]
 *	loopguard-console user list [-c FILE]
 * DESCRIPTION
 *	The start goes in an order that keeps secrets and privileges
 *	apart: read the settings; as root, read the users file, the TLS
 *	certificate and key (checked), the metrics token, and bind the
 *	listening socket; then become `user` (initgroups, setgid, setuid,
 *	and check that root cannot come back); only then start threads
 *	(the change events, the chart sampler, libmicrohttpd's).
 *
 *	-t does everything up to the bind and says whether it would
 *	start. -f stays in the foreground (systemd, the tests); without
 *	it the console detaches. SIGTERM and SIGINT stop it: the HTTP
 *	server closes its connections and joins its threads, then the
 *	events and the chart stop (the chart writes its state file).
 * DIAGNOSTICS
 *	Start errors on stderr (and in the log) as "loopguard-console:
 *	FILE: what"; exit 1. Bad usage: exit 64.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "console_impl.h"
#include "lg_paths.h"

#define EX_USAGE_CODE	64
#define TOKEN_MAX	4096

/* die - a start error */
static void die(const char *msg)
{
	fprintf(stderr, "loopguard-console: %s\n", msg);
	cn_log(CN_LOG_ERR, "%s", msg);
	exit(1);
}

/* usage - the synopsis, and exit */
static void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: loopguard-console [-c FILE] [-f] [-t]\n"
		"       loopguard-console user add NAME [--role read|operator] [-c FILE]\n"
		"       loopguard-console user del NAME [-c FILE]\n"
		"       loopguard-console user list [-c FILE]\n"
		"  -c FILE  the config with a console group (default %s)\n"
		"  -f       stay in the foreground\n"
		"  -t       check the config, users file and TLS files, then exit\n",
		LG_PATH_CONFIG);
	exit(code);
}

/* read_token - the metrics bearer token, trailing white space cut */
static void read_token(void)
{
	char err[512];
	size_t len;

	if (!cn_cfg.metrics_token_file)
		return;
	if (cn_read_private_file(cn_cfg.metrics_token_file, TOKEN_MAX,
				 &cn_metrics_token, &len, err, sizeof(err)) < 0)
		die(err);
	while (len && strchr(" \t\r\n", cn_metrics_token[len - 1]))
		cn_metrics_token[--len] = 0;
	if (len < 16 || strpbrk(cn_metrics_token, " \t\r\n")) {
		snprintf(err, sizeof(err), "%s: the token must be one line of at least 16 characters",
			 cn_cfg.metrics_token_file);
		die(err);
	}
}

/* read_files - what is read as root: users, TLS, token */
static void read_files(void)
{
	char err[1024];

	if (cn_users_open(cn_cfg.users_file, err, sizeof(err)) < 0)
		die(err);
	if (cn_http_tls_load(err, sizeof(err)) < 0)
		die(err);
	read_token();
}

/* drop_privileges - become cn_cfg.user when started as root */
static void drop_privileges(void)
{
	struct passwd *pw;
	char err[512];

	if (geteuid() != 0)
		return;
	if (!cn_cfg.user || !(pw = getpwnam(cn_cfg.user))) {
		snprintf(err, sizeof(err), "user \"%s\": no such account (console.user)",
			 cn_cfg.user ? cn_cfg.user : "");
		die(err);
	}
	if (pw->pw_uid == 0)
		die("console.user must not be root");
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0
	    || setuid(pw->pw_uid) < 0) {
		snprintf(err, sizeof(err), "cannot become user %s: %s", pw->pw_name,
			 strerror(errno));
		die(err);
	}
	if (setuid(0) == 0)
		die("could become root again after dropping privileges");
}

/* detach - into the background */
static void detach(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		die("fork failed");
	if (pid > 0)
		_exit(0);
	setsid();
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (strcmp(cn_cfg.log, "stderr") != 0)
			dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* serve - start, wait for a signal, stop */
static int serve(int foreground)
{
	sigset_t set;
	char err[1024];
	int sig;

	read_files();
	cn_auth_routes();
	cn_views_routes();
	cn_events_routes();
	cn_metrics_routes();
	if (cn_http_bind(err, sizeof(err)) < 0)
		die(err);
	if (!foreground)
		detach();
	drop_privileges();
	/* signals go to sigwait below, in every thread started after */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (cn_events_start() < 0)
		die("cannot start the change events");
	if (cn_chart_start() < 0)
		die("cannot start the chart");
	if (cn_http_start(err, sizeof(err)) < 0)
		die(err);
	cn_log(CN_LOG_INFO, "listening on %s (%s)", cn_cfg.listen,
	       cn_tls_cert_pem ? "https" : "http");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			cn_log(CN_LOG_INFO, "SIGHUP: the users file is read again when it changes; other settings need a restart");
			continue;
		}
		break;
	}
	cn_log(CN_LOG_INFO, "stopping (signal %d)", sig);
	cn_http_stop();
	cn_events_stop();
	cn_chart_stop();
	if (strncmp(cn_cfg.listen, "unix:", 5) == 0)
		unlink(cn_cfg.listen + 5);
	cn_log(CN_LOG_INFO, "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	const char *file = LG_PATH_CONFIG;
	char err[1024];
	int c, foreground = 0, test = 0;

	while ((c = getopt(argc, argv, "+c:fth")) != -1)
		switch (c) {
		case 'c': file = optarg; break;
		case 'f': foreground = 1; break;
		case 't': test = 1; break;
		case 'h': usage(0); break;
		default: usage(EX_USAGE_CODE);
		}
	if (optind < argc && strcmp(argv[optind], "user") == 0)
		return cn_users_cmd(file, argc - optind - 1, argv + optind + 1);
	if (optind < argc)
		usage(EX_USAGE_CODE);
	if (cn_config_load(file, err, sizeof(err)) < 0)
		die(err);
	if (test) {
		read_files();
		printf("loopguard-console: %s: the console settings are good\n", file);
		return 0;
	}
	if (cn_log_open(cn_cfg.log) < 0)
		die("bad log setting");
	return serve(foreground);
}
