/*
 * NAME
 *	log.c - syslog, stderr, a log file, or memory for tests
 * SYNOPSIS
 *	#include "log.h"
 *	#include "log_impl.h"
 * DESCRIPTION
 *	One lock guards where lines go (the target, the file descriptor,
 *	the file's path), so a reload or a SIGUSR2 may switch or reopen
 *	while other threads log. Each line is formatted first and written
 *	with one write(2) on an O_APPEND descriptor: lines of several
 *	threads never mix, and nothing waits in a buffer.
 *
 *	Every line is escaped in lg_vlog() itself, before it reaches any
 *	target (escape.h: control bytes and bytes that are not UTF-8
 *	become \xHH, a backslash \\, TAB/CR/LF \t, \r, \n): text the
 *	SMTP peer chose, quoted anywhere in a message, can neither start
 *	a second line nor reach a terminal as an escape sequence, and no
 *	caller has to remember to escape it. Valid UTF-8 stays readable.
 *	The escaped line has room for four times the formatted one, the
 *	most escaping can make of it: it is never cut, so peer text made
 *	longer cannot push a line's last fields (client=, reason=) out.
 *
 *	A file line is stamped like a syslog line (local time, the short
 *	host name, ident[pid]).
 *
 *	The minimum level is read by every thread that logs and written
 *	by the reload: a relaxed atomic, so no lock on the fast path and
 *	no data race. Everything else the targets use (target, file
 *	descriptor, path, facility, host name, ident) is read and written
 *	under out_lock only.
 *
 *	The "log" setting itself (parsing, opening the file, reopening)
 *	is in log_setting.c.
 * DIAGNOSTICS
 *	See log.h. Failing writes are ignored: logging never stops mail.
 */
#include "config.h"

/* System library. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "escape.h"
#include "log.h"
#include "log_impl.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static enum lg_log_target log_target = LG_LOG_STDERR;
static int out_fd = 2;			/* stderr, or the log file */
static char file_path[LG_LOG_PATH_MAX];	/* LG_LOG_FILE: what out_fd is */
static int syslog_facility = LOG_MAIL;
static char host_short[64] = "localhost";

static atomic_int log_min = LG_LOG_INFO;	/* relaxed: see above */
static const char *log_ident = "loopguard";
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;
static char *capture_buf;
static size_t capture_len;

static const char *const level_names[] = { "debug", "info", "warning",
					   "error" };

static void switch_to(enum lg_log_target target, int fd, const char *path,
		      int facility);

/* lg_log_open - choose where lines go */
void lg_log_open(const char *ident, enum lg_log_target target)
{
	pthread_mutex_lock(&out_lock);
	log_ident = ident;
	switch_to(target == LG_LOG_FILE ? LG_LOG_STDERR : target, 2, NULL,
		  syslog_facility);
	pthread_mutex_unlock(&out_lock);
}

/* lg_log_set_min_level - drop lines below this level */
void lg_log_set_min_level(enum lg_log_level level)
{
	atomic_store_explicit(&log_min, (int) level, memory_order_relaxed);
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

/* write_all - the whole buffer, or give up quietly */
static void write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t) n;
	}
}

/* level_prefix - "warning: " and so on; info lines carry none */
static const char *level_prefix(enum lg_log_level level, char *buf,
				size_t size)
{
	if (level == LG_LOG_INFO)
		return "";
	snprintf(buf, size, "%s: ", level_names[level]);
	return buf;
}

/* emit_stderr - "loopguard: warning: message" */
static void emit_stderr(enum lg_log_level level, const char *line)
{
	char out[LG_LOG_LINE_MAX + 256], pre[16];
	int n;

	n = snprintf(out, sizeof(out), "%s: %s%s\n", log_ident,
		     level_prefix(level, pre, sizeof(pre)), line);
	if (n > 0)
		write_all(out_fd, out, (size_t) n < sizeof(out) ?
			  (size_t) n : sizeof(out) - 1);
}

/* emit_file - "Dec  5 06:10:00 host loopguard[42]: message" */
static void emit_file(enum lg_log_level level, const char *line)
{
	char out[LG_LOG_LINE_MAX + 400], stamp[32], pre[16];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (!localtime_r(&now, &tm) ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long) now);
	n = snprintf(out, sizeof(out), "%s %s %s[%ld]: %s%s\n", stamp,
		     host_short, log_ident, (long) getpid(),
		     level_prefix(level, pre, sizeof(pre)), line);
	if (n > 0)
		write_all(out_fd, out, (size_t) n < sizeof(out) ?
			  (size_t) n : sizeof(out) - 1);
}

/* lg_vlog - format, escape and emit one line */
void lg_vlog(enum lg_log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING,
				    LOG_ERR };
	char raw[LG_LOG_RAW_MAX], line[LG_LOG_LINE_MAX];
	int n;

	if ((int) level < atomic_load_explicit(&log_min, memory_order_relaxed))
		return;
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		return;
	lg_escape(raw, (size_t) n < sizeof(raw) ? (size_t) n : sizeof(raw) - 1,
		  line, sizeof(line));
	pthread_mutex_lock(&out_lock);
	switch (log_target) {
	case LG_LOG_SYSLOG:
		syslog(prio[level], "%s", line);
		break;
	case LG_LOG_MEMORY:
		capture_append(line);
		break;
	case LG_LOG_FILE:
		emit_file(level, line);
		break;
	case LG_LOG_STDERR:
	default:
		emit_stderr(level, line);
		break;
	}
	pthread_mutex_unlock(&out_lock);
}

/* lg_log - printf-style front end */
void lg_log(enum lg_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lg_vlog(level, fmt, ap);
	va_end(ap);
}

/* switch_to - make TARGET current (call with out_lock held); the old
 * file, if any, is closed */
static void switch_to(enum lg_log_target target, int fd, const char *path,
		      int facility)
{
	if (log_target == LG_LOG_FILE && out_fd != fd && out_fd > 2)
		close(out_fd);
	if (log_target == LG_LOG_SYSLOG &&
	    (target != LG_LOG_SYSLOG || facility != syslog_facility))
		closelog();
	if (target == LG_LOG_SYSLOG &&
	    (log_target != LG_LOG_SYSLOG || facility != syslog_facility))
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
	syslog_facility = facility;
	log_target = target;
	out_fd = fd;
	snprintf(file_path, sizeof(file_path), "%s", path ? path : "");
}

/* lg_log_switch - make TARGET current, under the lock */
void lg_log_switch(enum lg_log_target target, int fd, const char *path,
		   int facility)
{
	pthread_mutex_lock(&out_lock);
	switch_to(target, fd, path, facility < 0 ? syslog_facility : facility);
	pthread_mutex_unlock(&out_lock);
}

/* lg_log_now - the current target; a file's path into PATH */
enum lg_log_target lg_log_now(char *path, size_t size)
{
	enum lg_log_target target;

	pthread_mutex_lock(&out_lock);
	target = log_target;
	snprintf(path, size, "%s", file_path);
	pthread_mutex_unlock(&out_lock);
	return target;
}

/* lg_log_set_host - the host name of file lines */
void lg_log_set_host(const char *name)
{
	pthread_mutex_lock(&out_lock);
	if (*name && strlen(name) < sizeof(host_short))
		memcpy(host_short, name, strlen(name) + 1);
	pthread_mutex_unlock(&out_lock);
}

/* lg_log_ident - the name lines carry */
const char *lg_log_ident(void)
{
	const char *ident;

	pthread_mutex_lock(&out_lock);
	ident = log_ident;
	pthread_mutex_unlock(&out_lock);
	return ident;
}

/* lg_log_captured - what tests logged so far (read it only while no
 * other thread logs; lg_log_captured_has is safe at any time) */
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
	int yes;

	pthread_mutex_lock(&out_lock);
	yes = log_target == LG_LOG_STDERR;
	pthread_mutex_unlock(&out_lock);
	return yes;
}
