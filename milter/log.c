/*
 * NAME
 *	log.c - syslog (facility mail), stderr, or memory for tests
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static enum lg_log_target log_target = LG_LOG_STDERR;
static enum lg_log_level log_min = LG_LOG_INFO;
static const char *log_ident = "loopguard";
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;
static char *capture_buf;
static size_t capture_len;

static const char *const level_names[] = { "debug", "info", "warning",
					   "error" };

/* lg_log_open - choose where lines go */
void lg_log_open(const char *ident, enum lg_log_target target)
{
	log_ident = ident;
	log_target = target;
	if (target == LG_LOG_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* lg_log_set_min_level - drop lines below this level */
void lg_log_set_min_level(enum lg_log_level level)
{
	log_min = level;
}

/* capture_append - keep a line for tests (bounded to 64 KiB) */
static void capture_append(const char *line)
{
	size_t n = strlen(line);

	pthread_mutex_lock(&capture_lock);
	if (capture_len + n + 2 < 65536) {
		char *grown = realloc(capture_buf, capture_len + n + 2);

		if (grown) {
			capture_buf = grown;
			memcpy(capture_buf + capture_len, line, n);
			capture_len += n;
			capture_buf[capture_len++] = '\n';
			capture_buf[capture_len] = 0;
		}
	}
	pthread_mutex_unlock(&capture_lock);
}

/* lg_vlog - format and emit one line */
void lg_vlog(enum lg_log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING,
				    LOG_ERR };
	char line[2048];

	if (level < log_min)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	switch (log_target) {
	case LG_LOG_SYSLOG:
		syslog(prio[level], "%s", line);
		break;
	case LG_LOG_MEMORY:
		capture_append(line);
		break;
	case LG_LOG_STDERR:
	default:
		if (level == LG_LOG_INFO)
			fprintf(stderr, "%s: %s\n", log_ident, line);
		else
			fprintf(stderr, "%s: %s: %s\n", log_ident,
				level_names[level], line);
		break;
	}
}

/* lg_log - printf-style front end */
void lg_log(enum lg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lg_vlog(level, fmt, ap);
	va_end(ap);
}

/* lg_log_captured - what tests logged so far */
const char *lg_log_captured(void)
{
	return capture_buf ? capture_buf : "";
}

/* lg_log_captured_has - whether the captured lines hold TEXT; safe
 * while other threads log */
int lg_log_captured_has(const char *text)
{
	int found;

	pthread_mutex_lock(&capture_lock);
	found = capture_buf && strstr(capture_buf, text) != NULL;
	pthread_mutex_unlock(&capture_lock);
	return found;
}

/* lg_log_capture_reset - forget captured lines */
void lg_log_capture_reset(void)
{
	pthread_mutex_lock(&capture_lock);
	free(capture_buf);
	capture_buf = NULL;
	capture_len = 0;
	pthread_mutex_unlock(&capture_lock);
}

/* lg_log_to_stderr - 1 when lines already reach stderr */
int lg_log_to_stderr(void)
{
	return log_target == LG_LOG_STDERR;
}
