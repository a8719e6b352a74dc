/*
 * NAME
 *	console_log.c - loopguard-console's log lines
 * SYNOPSIS
 *	#include "console.h"
 *
 *	cn_log_open("syslog");
 *	cn_log(CN_LOG_INFO, "user %s (%s) from %s: %s: %s", ...);
 * DESCRIPTION
 *	Lines go to syslog (facility mail, ident loopguard-console) or
 *	to stderr as "loopguard-console: LEVEL: text". A request's user
 *	name, path or address may hold any byte a client sent, so the
 *	whole line is escaped as the daemon's lines are (escape.h): one
 *	line, printable, every byte told apart. Lines are at most 2 KiB.
 *	Safe from any thread.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "console.h"
#include "console_impl.h"
#include "escape.h"

#define LINE_MAX_LEN	2048

static int use_syslog;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* cn_log_open - where the lines go: 0, or -1 for a bad name */
int cn_log_open(const char *where)
{
	if (!where || strcmp(where, "stderr") == 0) {
		use_syslog = 0;
		return 0;
	}
	if (strcmp(where, "syslog") != 0)
		return -1;
	openlog("loopguard-console", LOG_PID | LOG_NDELAY, LOG_MAIL);
	use_syslog = 1;
	return 0;
}

/* cn_log_close - back to stderr */
void cn_log_close(void)
{
	if (use_syslog)
		closelog();
	use_syslog = 0;
}

/* cn_log - one escaped line */
void cn_log(int level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "info", "debug" };
	char raw[LINE_MAX_LEN], out[LINE_MAX_LEN];
	va_list ap;
	int n;

	if (level < CN_LOG_ERR || level > CN_LOG_DEBUG)
		level = CN_LOG_ERR;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	lg_escape(raw, strlen(raw), out, sizeof(out));
	if (use_syslog) {
		syslog(prio[level], "%s", out);
		return;
	}
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "loopguard-console: %s: %s\n", name[level], out);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}
