/*
 * NAME
 *	log.h - the daemon's log: syslog facility mail, or stderr with -f
 * DESCRIPTION
 *	lg_log() may be called from any thread. Messages name their
 *	subject ("config FILE: ...", "store: ..."); decisions use the
 *	"QUEUEID: plugin=NAME action=..." form built in host.c.
 *	For tests, lg_log_capture() keeps the last lines in memory.
 */
#ifndef LG_LOG_H
#define LG_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include <loopguard/plugin.h>

enum lg_log_target { LG_LOG_SYSLOG, LG_LOG_STDERR, LG_LOG_MEMORY };

void lg_log_open(const char *ident, enum lg_log_target target);
void lg_log_set_min_level(enum lg_log_level level);
void lg_log(enum lg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lg_vlog(enum lg_log_level level, const char *fmt, va_list ap);

int lg_log_to_stderr(void);

/* Tests: the lines logged since the last lg_log_capture_reset(),
 * newline-separated ("" if none). */
const char *lg_log_captured(void);
int lg_log_captured_has(const char *text);
void lg_log_capture_reset(void);

#endif
