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
 *	with one writev(2) (stamp, line, newline) on an O_APPEND
 *	descriptor: lines of several threads never mix, and nothing waits
 *	in a buffer.
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
 *	Only a line that escaping changes gets that room, from the heap
 *	(should that fail, the line is cut at a whole escape); most lines
 *	are printable ASCII and go out as formatted. The stack in use
 *	while logging stays small: libmilter's workers come and go, glibc
 *	hands a new one a reused stack whose pages deeper than 16 KiB
 *	were given back, and every page touched there again is a page
 *	fault (one per logged message, before this was so).
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
#include <sys/uio.h>
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

/* writev_all - the pieces as one writev(2), finished if it was cut
 * short; errors are given up quietly */
static void writev_all(int fd, struct iovec *iov, int cnt)
{
	ssize_t n;

	while (cnt > 0) {
		n = writev(fd, iov, cnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		while (cnt > 0 && (size_t) n >= iov->iov_len) {
			n -= (ssize_t) iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *) iov->iov_base + n;
			iov->iov_len -= (size_t) n;
		}
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

/* emit_line - HEAD (LEN bytes), the line and a newline in one writev */
static void emit_line(const char *head, int len, const char *line)
{
	struct iovec iov[3];

	if (len < 0)
		return;
	iov[0].iov_base = (char *) head;
	iov[0].iov_len = (size_t) len;
	iov[1].iov_base = (char *) line;
	iov[1].iov_len = strlen(line);
	iov[2].iov_base = (char *) "\n";
	iov[2].iov_len = 1;
	writev_all(out_fd, iov, 3);
}

/* emit_stderr - "loopguard: warning: message" */
static void emit_stderr(enum lg_log_level level, const char *line)
{
	char head[128], pre[16];
	int n;

	n = snprintf(head, sizeof(head), "%s: %s", log_ident,
		     level_prefix(level, pre, sizeof(pre)));
	emit_line(head, n < (int) sizeof(head) ? n : (int) sizeof(head) - 1,
		  line);
}

/* emit_file - "Dec  5 06:10:00 host loopguard[42]: message" */
static void emit_file(enum lg_log_level level, const char *line)
{
	char head[256], stamp[32], pre[16];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (!localtime_r(&now, &tm) ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long) now);
	n = snprintf(head, sizeof(head), "%s %s %s[%ld]: %s", stamp,
		     host_short, log_ident, (long) getpid(),
		     level_prefix(level, pre, sizeof(pre)));
	emit_line(head, n < (int) sizeof(head) ? n : (int) sizeof(head) - 1,
		  line);
}

/* emit - one escaped line to the current target */
static void emit(enum lg_log_level level, const char *line)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING,
				    LOG_ERR };

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

/* emit_cut - out of memory for the escaped line: what fits of it in a
 * buffer of the raw line's size, never half an escape */
static __attribute__((noinline)) void emit_cut(enum lg_log_level level,
					       const char *raw, size_t len)
{
	char line[LG_LOG_RAW_MAX];

	lg_escape(raw, len, line, sizeof(line));
	emit(level, line);
}

/* lg_vlog - format, escape and emit one line */
void lg_vlog(enum lg_log_level level, const char *fmt, va_list ap)
{
	char raw[LG_LOG_RAW_MAX], *line;
	size_t len;
	int n;

	if ((int) level < atomic_load_explicit(&log_min, memory_order_relaxed))
		return;
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		return;
	len = (size_t) n < sizeof(raw) ? (size_t) n : sizeof(raw) - 1;
	if (!lg_escape_needed(raw, len)) {
		emit(level, raw);
		return;
	}
	if ((line = malloc(LG_ESCAPE_SIZE(len))) == NULL) {
		emit_cut(level, raw, len);
		return;
	}
	lg_escape(raw, len, line, LG_ESCAPE_SIZE(len));
	emit(level, line);
	free(line);
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
