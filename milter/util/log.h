/*
 * NAME
 *	log.h - the daemon's log: syslog, stderr, a file, or memory
 * SYNOPSIS
 *	lg_log_open("loopguard", LG_LOG_SYSLOG);	before the config
 *	lg_log_use(cfg->log, foreground, cfg->user, err, sizeof(err));
 *	lg_log_reload(cfg->log);			at each reload
 *	lg_log_reopen();				SIGUSR2 (logrotate)
 * DESCRIPTION
 *	lg_log() may be called from any thread. Messages name their
 *	subject ("config FILE: ...", "store: ..."); decisions use the
 *	"QUEUEID: plugin=NAME action=..." form built in host.c.
 *	For tests, LG_LOG_MEMORY keeps the last lines in memory.
 *
 *	The "log" setting is "syslog" (facility mail), "syslog:FACILITY"
 *	(mail, daemon, user, local0 ... local7), "stderr", or
 *	"file:/path". lg_log_use() applies it once the config is read,
 *	before the daemon detaches and drops privileges: a log file is
 *	opened (created mode 0640 and given to USER when loopguard runs
 *	as root), and in the background a syslog nobody listens to draws
 *	a warning on stderr. With -f (foreground) "syslog" means stderr.
 *	A file line looks like Postfix's maillog_file:
 *	"Mon DD HH:MM:SS host loopguard[pid]: warning: message" ("info"
 *	lines carry no level word).
 *
 *	lg_log_reopen() opens the file again by its path (logrotate moved
 *	it away); when that fails, the old file stays in use and a
 *	warning says why. lg_log_reload() does the same, or switches to a
 *	new "log" setting.
 * DIAGNOSTICS
 *	lg_log_use: -1 with "log file:/path: open: reason" in err.
 */
#ifndef LG_LOG_H
#define LG_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include <loopguard/plugin.h>

enum lg_log_target { LG_LOG_SYSLOG, LG_LOG_STDERR, LG_LOG_MEMORY,
		     LG_LOG_FILE };

/* A parsed "log" setting. */
struct lg_log_dest {
	enum lg_log_target target;	/* SYSLOG, STDERR or FILE */
	int facility;			/* syslog: LOG_MAIL, LOG_LOCAL3, ... */
	const char *path;		/* file: points into the text */
};

void lg_log_open(const char *ident, enum lg_log_target target);
void lg_log_set_min_level(enum lg_log_level level);
void lg_log(enum lg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lg_vlog(enum lg_log_level level, const char *fmt, va_list ap);

int lg_log_to_stderr(void);

/* lg_log_parse - check a "log" setting; 0, or -1 with *why set */
int lg_log_parse(const char *text, struct lg_log_dest *dest,
		 const char **why);

/* lg_log_use - apply the "log" setting at start; 0 or -1 */
int lg_log_use(const char *text, int foreground, const char *user,
	       char *err, size_t errsize);

/* lg_log_reload - a reloaded "log" setting (reopens a file); 0 or -1 */
int lg_log_reload(const char *text);

/* lg_log_reopen - the log file again by its path; 0, or -1 (old kept) */
int lg_log_reopen(void);

/* lg_log_syslog_listens - 1 when a syslog daemon answers on PATH */
int lg_log_syslog_listens(const char *path);

/* Tests: the lines logged since the last lg_log_capture_reset(),
 * newline-separated ("" if none). */
const char *lg_log_captured(void);
int lg_log_captured_has(const char *text);
void lg_log_capture_reset(void);

#endif
