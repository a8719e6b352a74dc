/*
 * NAME
 *	log.c - syslog, stderr, a log file, or memory for tests
 * SYNOPSIS
 *	#include "log.h"
 * DESCRIPTION
 *	One lock guards where lines go (the target, the file descriptor,
 *	the file's path), so a reload or a SIGUSR2 may switch or reopen
 *	while other threads log. Each line is formatted first and written
 *	with one write(2) on an O_APPEND descriptor: lines of several
 *	threads never mix, and nothing waits in a buffer.
 *
 *	A file line is stamped like a syslog line (local time, the short
 *	host name, ident[pid]); control characters in the message become
 *	"?", so a value quoted in a message cannot forge a second line.
 * DIAGNOSTICS
 *	See log.h. Failing writes are ignored: logging never stops mail.
 */
#include "config.h"

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"

#ifndef _PATH_LOG
#define _PATH_LOG "/dev/log"
#endif

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static enum lg_log_target log_target = LG_LOG_STDERR;
static int out_fd = 2;			/* stderr, or the log file */
static char file_path[4096];		/* LG_LOG_FILE: what out_fd is */
static int syslog_facility = LOG_MAIL;
static int stderr_saved = -1;		/* stderr kept past detaching */
static int use_foreground;
static char host_short[64] = "localhost";

static enum lg_log_level log_min = LG_LOG_INFO;
static const char *log_ident = "loopguard";
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;
static char *capture_buf;
static size_t capture_len;

static const char *const level_names[] = { "debug", "info", "warning",
					   "error" };

static const struct facility {
	const char *name;
	int value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 }, { NULL, 0 }
};

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
	char out[2300], pre[16];
	int n;

	n = snprintf(out, sizeof(out), "%s: %s%s\n", log_ident,
		     level_prefix(level, pre, sizeof(pre)), line);
	if (n > 0)
		write_all(out_fd, out, (size_t) n < sizeof(out) ?
			  (size_t) n : sizeof(out) - 1);
}

/* emit_file - "Dec  5 06:10:00 host loopguard[42]: message" */
static void emit_file(enum lg_log_level level, char *line)
{
	char out[2400], stamp[32], pre[16], *p;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	for (p = line; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = '?';
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

/* lg_vlog - format and emit one line */
void lg_vlog(enum lg_log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING,
				    LOG_ERR };
	char line[2048];

	if (level < log_min)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
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

/* lg_log_parse - "syslog", "syslog:FACILITY", "stderr" or "file:/path" */
int lg_log_parse(const char *text, struct lg_log_dest *dest,
		 const char **why)
{
	const struct facility *f;
	const char *p;

	memset(dest, 0, sizeof(*dest));
	dest->facility = LOG_MAIL;
	if (strcmp(text, "stderr") == 0) {
		dest->target = LG_LOG_STDERR;
		return 0;
	}
	if (strncmp(text, "file:", 5) == 0) {
		dest->target = LG_LOG_FILE;
		dest->path = text + 5;
		for (p = dest->path; *p; p++)
			if ((unsigned char) *p < 0x20 || *p == 0x7f)
				break;
		if (!*dest->path || *p || strlen(dest->path) >=
		    sizeof(file_path)) {
			*why = "file: needs a path, as in \"file:/var/log/loopguard.log\"";
			return -1;
		}
		return 0;
	}
	dest->target = LG_LOG_SYSLOG;
	if (strcmp(text, "syslog") == 0)
		return 0;
	if (strncmp(text, "syslog:", 7) == 0) {
		for (f = facilities; f->name; f++)
			if (strcmp(f->name, text + 7) == 0) {
				dest->facility = f->value;
				return 0;
			}
		*why = "unknown syslog facility (use mail, daemon, user, or local0 to local7)";
		return -1;
	}
	*why = "must be \"syslog\", \"syslog:FACILITY\", \"stderr\" or \"file:/path\"";
	return -1;
}

/* open_file - append to PATH, created 0640 (given to USER when root);
 * a descriptor, or -1 with errno set */
static int open_file(const char *path, const char *user)
{
	const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY |
		O_NONBLOCK;
	struct passwd *pw;
	struct stat st;
	int fd, created = 1, saved;

	fd = open(path, flags | O_CREAT | O_EXCL, 0640);
	if (fd < 0 && errno == EEXIST) {
		created = 0;
		fd = open(path, flags);
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		saved = errno;
		if (fstat(fd, &st) == 0)
			saved = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = saved;
		return -1;
	}
	fcntl(fd, F_SETFL, O_WRONLY | O_APPEND);
	if (created) {
		fchmod(fd, 0640);
		if (user && geteuid() == 0 && (pw = getpwnam(user)) != NULL)
			(void) !fchown(fd, pw->pw_uid, pw->pw_gid);
	}
	return fd;
}

/* open_error - why open_file failed */
static const char *open_error(int errnum)
{
	return errnum == EINVAL ? "not a regular file" : strerror(errnum);
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

/* lg_log_syslog_listens - connect to the syslog socket, as syslog(3)
 * would (datagram first, then stream) */
int lg_log_syslog_listens(const char *path)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un sun;
	size_t i;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		rc = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
		close(fd);
		if (rc == 0)
			return 1;
	}
	return 0;
}

/* fill_host - the short host name for file lines */
static void fill_host(void)
{
	char buf[256];

	if (gethostname(buf, sizeof(buf) - 1) != 0)
		return;
	buf[sizeof(buf) - 1] = 0;
	buf[strcspn(buf, ". \t\r\n")] = 0;
	if (buf[0] && strlen(buf) < sizeof(host_short))
		memcpy(host_short, buf, strlen(buf) + 1);
}

/* use_syslog - the background daemon's syslog; warn on stderr when
 * nothing listens, while stderr still reaches whoever started us */
static void use_syslog(int facility)
{
	pthread_mutex_lock(&out_lock);
	switch_to(LG_LOG_SYSLOG, 2, NULL, facility);
	pthread_mutex_unlock(&out_lock);
	if (!lg_log_syslog_listens(_PATH_LOG))
		fprintf(stderr, "%s: warning: no syslog daemon listens on %s; set log = \"file:/var/log/loopguard.log\" or install rsyslog (see journalctl -t loopguard under systemd)\n",
			log_ident, _PATH_LOG);
}

/* lg_log_use - the "log" setting, at start */
int lg_log_use(const char *text, int foreground, const char *user,
	       char *err, size_t errsize)
{
	struct lg_log_dest dest;
	const char *why = "";
	int fd;

	if (!text)
		text = "syslog";
	if (lg_log_parse(text, &dest, &why) != 0) {
		snprintf(err, errsize, "log \"%s\": %s", text, why);
		return -1;
	}
	use_foreground = foreground;
	tzset();
	fill_host();
	if (dest.target == LG_LOG_FILE) {
		if ((fd = open_file(dest.path, user)) < 0) {
			snprintf(err, errsize, "log %s: %s", text,
				 open_error(errno));
			return -1;
		}
		pthread_mutex_lock(&out_lock);
		switch_to(LG_LOG_FILE, fd, dest.path, syslog_facility);
		pthread_mutex_unlock(&out_lock);
	} else if (dest.target == LG_LOG_SYSLOG && !foreground) {
		use_syslog(dest.facility);
	} else {
		/* stderr in the background: keep a copy of it, since
		 * detaching points fd 2 at /dev/null */
		if (!foreground && stderr_saved < 0)
			stderr_saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
		pthread_mutex_lock(&out_lock);
		switch_to(LG_LOG_STDERR, foreground || stderr_saved < 0 ? 2 :
			  stderr_saved, NULL, syslog_facility);
		pthread_mutex_unlock(&out_lock);
	}
	return 0;
}

/* lg_log_reopen - the same path again (logrotate moved the file) */
int lg_log_reopen(void)
{
	char path[sizeof(file_path)];
	int fd, saved, is_file;

	pthread_mutex_lock(&out_lock);
	memcpy(path, file_path, sizeof(path));
	is_file = log_target == LG_LOG_FILE;
	pthread_mutex_unlock(&out_lock);
	if (!is_file)
		return 0;
	if ((fd = open_file(path, NULL)) < 0) {
		saved = errno;
		lg_log(LG_LOG_WARN,
		       "log file:%s: cannot reopen (%s); still writing to the file that was open",
		       path, open_error(saved));
		return -1;
	}
	pthread_mutex_lock(&out_lock);
	if (log_target == LG_LOG_FILE && strcmp(path, file_path) == 0)
		switch_to(LG_LOG_FILE, fd, path, syslog_facility);
	else
		close(fd);
	pthread_mutex_unlock(&out_lock);
	lg_log(LG_LOG_INFO, "log file:%s reopened", path);
	return 0;
}

/* lg_log_reload - reopen the file, or switch to a changed setting */
int lg_log_reload(const char *text)
{
	struct lg_log_dest dest;
	const char *why = "";
	int fd, same;

	if (!text)
		text = "syslog";
	if (lg_log_parse(text, &dest, &why) != 0)
		return -1;
	pthread_mutex_lock(&out_lock);
	same = dest.target == LG_LOG_FILE && log_target == LG_LOG_FILE &&
		strcmp(dest.path, file_path) == 0;
	pthread_mutex_unlock(&out_lock);
	if (same)
		return lg_log_reopen();
	if (dest.target == LG_LOG_FILE) {
		if ((fd = open_file(dest.path, NULL)) < 0) {
			lg_log(LG_LOG_WARN,
			       "log %s: %s; the log stays where it was",
			       text, open_error(errno));
			return -1;
		}
		pthread_mutex_lock(&out_lock);
		switch_to(LG_LOG_FILE, fd, dest.path, syslog_facility);
		pthread_mutex_unlock(&out_lock);
		return 0;
	}
	if (dest.target == LG_LOG_SYSLOG && !use_foreground) {
		pthread_mutex_lock(&out_lock);
		switch_to(LG_LOG_SYSLOG, 2, NULL, dest.facility);
		pthread_mutex_unlock(&out_lock);
		return 0;
	}
	if (!use_foreground && stderr_saved < 0) {
		lg_log(LG_LOG_WARN,
		       "log stderr: the daemon left its stderr when it detached; restart loopguard for that to take effect");
		return -1;
	}
	pthread_mutex_lock(&out_lock);
	switch_to(LG_LOG_STDERR, use_foreground ? 2 : stderr_saved, NULL,
		  syslog_facility);
	pthread_mutex_unlock(&out_lock);
	return 0;
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
