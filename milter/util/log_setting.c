/*
 * NAME
 *	log_setting.c - the "log" setting: parse it, open the file,
 *	reopen it, check that syslog listens (see log.h)
 * DESCRIPTION
 *	lg_log_use runs in main before any thread. lg_log_reload runs in
 *	the thread that reloads (the signal thread for SIGHUP/SIGUSR1, a
 *	control thread for "loopguardctl reload") while lg_log_reopen
 *	runs in the signal thread for SIGUSR2: setting_lock makes each a
 *	whole, so a reopen that read the old path cannot switch back to
 *	it after a reload moved the log elsewhere. log.c's lock keeps
 *	the threads that log safe.
 * DIAGNOSTICS
 *	See log.h.
 */
#include "config.h"

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"
#include "log_impl.h"

#ifndef _PATH_LOG
#define _PATH_LOG "/dev/log"
#endif

static int stderr_saved = -1;		/* stderr kept past detaching */
static int use_foreground;
static pthread_mutex_t setting_lock = PTHREAD_MUTEX_INITIALIZER;

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
		    LG_LOG_PATH_MAX) {
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
	lg_log_set_host(buf);
}

/* use_syslog - the background daemon's syslog; warn on stderr when
 * nothing listens, while stderr still reaches whoever started us */
static void use_syslog(int facility)
{
	lg_log_switch(LG_LOG_SYSLOG, 2, NULL, facility);
	if (!lg_log_syslog_listens(_PATH_LOG))
		fprintf(stderr, "%s: warning: no syslog daemon listens on %s; set log = \"file:/var/log/loopguard.log\" or install rsyslog (see journalctl -t loopguard under systemd)\n",
			lg_log_ident(), _PATH_LOG);
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
		lg_log_switch(LG_LOG_FILE, fd, dest.path, -1);
	} else if (dest.target == LG_LOG_SYSLOG && !foreground) {
		use_syslog(dest.facility);
	} else {
		/* stderr in the background: keep a copy of it, since
		 * detaching points fd 2 at /dev/null */
		if (!foreground && stderr_saved < 0)
			stderr_saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
		lg_log_switch(LG_LOG_STDERR, foreground || stderr_saved < 0 ?
			      2 : stderr_saved, NULL, -1);
	}
	return 0;
}

/* reopen - the same path again (call with setting_lock held) */
static int reopen(void)
{
	char path[LG_LOG_PATH_MAX];
	int fd, saved;

	if (lg_log_now(path, sizeof(path)) != LG_LOG_FILE)
		return 0;
	if ((fd = open_file(path, NULL)) < 0) {
		saved = errno;
		lg_log(LG_LOG_WARN,
		       "log file:%s: cannot reopen (%s); still writing to the file that was open",
		       path, open_error(saved));
		return -1;
	}
	lg_log_switch(LG_LOG_FILE, fd, path, -1);
	lg_log(LG_LOG_INFO, "log file:%s reopened", path);
	return 0;
}

/* lg_log_reopen - the same path again (logrotate moved the file) */
int lg_log_reopen(void)
{
	int rc;

	pthread_mutex_lock(&setting_lock);
	rc = reopen();
	pthread_mutex_unlock(&setting_lock);
	return rc;
}

/* reload - lg_log_reload's work (call with setting_lock held) */
static int reload(const char *text)
{
	struct lg_log_dest dest;
	char path[LG_LOG_PATH_MAX];
	const char *why = "";
	int fd, same;

	if (!text)
		text = "syslog";
	if (lg_log_parse(text, &dest, &why) != 0)
		return -1;
	same = lg_log_now(path, sizeof(path)) == LG_LOG_FILE &&
		dest.target == LG_LOG_FILE && strcmp(dest.path, path) == 0;
	if (same)
		return reopen();
	if (dest.target == LG_LOG_FILE) {
		if ((fd = open_file(dest.path, NULL)) < 0) {
			lg_log(LG_LOG_WARN,
			       "log %s: %s; the log stays where it was",
			       text, open_error(errno));
			return -1;
		}
		lg_log_switch(LG_LOG_FILE, fd, dest.path, -1);
		return 0;
	}
	if (dest.target == LG_LOG_SYSLOG && !use_foreground) {
		lg_log_switch(LG_LOG_SYSLOG, 2, NULL, dest.facility);
		return 0;
	}
	if (!use_foreground && stderr_saved < 0) {
		lg_log(LG_LOG_WARN,
		       "log stderr: the daemon left its stderr when it detached; restart loopguard for that to take effect");
		return -1;
	}
	lg_log_switch(LG_LOG_STDERR, use_foreground ? 2 : stderr_saved, NULL,
		      -1);
	return 0;
}


/* lg_log_reload - reopen the file, or switch to a changed setting */
int lg_log_reload(const char *text)
{
	int rc;

	pthread_mutex_lock(&setting_lock);
	rc = reload(text);
	pthread_mutex_unlock(&setting_lock);
	return rc;
}
