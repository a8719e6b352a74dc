/*
 * NAME
 *	daemon.c - socket checks, TCP_NODELAY, privileges, pid file
 * DESCRIPTION
 *	All of this runs before smfi_main(), before any thread exists,
 *	except lg_daemon_wake(), which the signal thread calls to stop.
 *
 *	A pid file is taken over when the pid in it is not running, or
 *	is a process whose name (/proc/PID/comm) is not "loopguard" (a
 *	pid reused after a reboot); a running loopguard is refused.
 *
 *	The pid file's folder may belong to the daemon's user, who could
 *	plant links there: a pid file is read only when it is a regular
 *	file (never through a symbolic link, never a FIFO that would hang
 *	the start), and written as PATH.tmp, created new (O_EXCL,
 *	O_NOFOLLOW), then renamed over PATH. A PATH.tmp found there is
 *	unlinked first, never opened; one that was not a regular file
 *	draws a warning. main.c writes the pid file after the privileges
 *	are dropped, as the user the daemon serves as.
 *
 *	A TCP milter socket draws a warning at start and at -n: any local
 *	user may connect to it and forge MTA sessions.
 *
 *	Threads get a 1 MiB stack instead of the 8 MiB that RLIMIT_STACK
 *	usually gives (lg_daemon_thread_stack). libmilter starts its
 *	workers without attributes and ends idle ones, so on short MTA
 *	sessions threads come and go all the time; glibc keeps up to
 *	40 MiB of stacks of ended threads for reuse, which is four 8 MiB
 *	stacks but thirty-nine 1 MiB ones. Beyond its cache each new
 *	thread costs an mmap, an mprotect and an munmap, whose TLB flush
 *	reaches every CPU.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"
#include "sockfile.h"

/* Program. */
#include "daemon.h"

/* check_unix - a live socket is in use; a dead one is removed */
static int check_unix(const char *text, const char *path, char *err,
		      size_t errsize)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errsize,
			 "socket %s: %s exists and is not a socket; refusing to remove it",
			 text, path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errsize, "socket %s: %s", text, strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errsize,
			 "socket %s: another process is listening there (is loopguard already running?)",
			 text);
		return -1;
	}
	if (unlink(path) != 0) {
		snprintf(err, errsize, "socket %s: cannot remove stale %s: %s",
			 text, path, strerror(errno));
		return -1;
	}
	lg_log(LG_LOG_INFO, "socket %s: removed stale socket file", text);
	return 0;
}

/* check_inet - try to bind the address ourselves first, for a clear
 * error message; libmilter binds it for real right after */
static int check_inet(const char *text, const struct lg_socket_spec *spec,
		      char *err, size_t errsize)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int rc, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = spec->kind == LG_SOCK_INET6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof(port), "%u", spec->port);
	rc = getaddrinfo(spec->host[0] ? spec->host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errsize, "socket %s: %s", text, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM, 0);

		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		rc = bind(fd, ai->ai_addr, ai->ai_addrlen);
		close(fd);
		if (rc != 0) {
			snprintf(err, errsize, "socket %s: %s", text,
				 strerror(errno));
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	return 0;
}

/* lg_daemon_check_socket - clear errors before libmilter tries */
int lg_daemon_check_socket(const char *text, const struct lg_socket_spec *spec,
			   char *err, size_t errsize)
{
	if (spec->kind == LG_SOCK_UNIX)
		return check_unix(text, spec->path, err, errsize);
	return check_inet(text, spec, err, errsize);
}

/* lg_daemon_thread_stack - the default stack of new threads */
size_t lg_daemon_thread_stack(size_t size)
{
#if defined(__GLIBC__)
	pthread_attr_t attr;
	size_t now = 0;

	if (pthread_getattr_default_np(&attr) != 0)
		return 0;
	if (pthread_attr_getstacksize(&attr, &now) == 0 && now > size &&
	    pthread_attr_setstacksize(&attr, size) == 0 &&
	    pthread_setattr_default_np(&attr) == 0)
		now = size;
	pthread_attr_destroy(&attr);
	return now;
#else
	(void) size;
	return 0;
#endif
}

/* lg_daemon_set_nodelay - find our listening TCP sockets */
int lg_daemon_set_nodelay(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int changed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = atoi(de->d_name), listening = 0, one = 1;
		socklen_t llen = sizeof(listening);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd == dirfd(d))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
			       &llen) != 0 || !listening)
			continue;
		if (getsockname(fd, (struct sockaddr *) &ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof(one)) == 0)
			changed++;
	}
	closedir(d);
	return changed;
}

/* lg_daemon_ids - the ids the daemon will run with */
int lg_daemon_ids(const char *user, const char *group, struct lg_ids *ids,
		  char *err, size_t errsize)
{
	struct passwd *pw;
	struct group *gr;
	int n = LG_IDS_GROUPS;

	memset(ids, 0, sizeof(*ids));
	ids->uid = geteuid();
	ids->gid = getegid();
	if (user) {
		if ((pw = getpwnam(user)) == NULL) {
			snprintf(err, errsize, "user %s: no such user", user);
			return -1;
		}
		ids->user = user;
		ids->uid = pw->pw_uid;
		ids->gid = pw->pw_gid;
	}
	if (group) {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errsize, "group %s: no such group", group);
			return -1;
		}
		ids->gid = gr->gr_gid;
	}
	if (user && getgrouplist(user, ids->gid, ids->groups, &n) < 0)
		n = LG_IDS_GROUPS;
	else if (!user)
		n = getgroups(LG_IDS_GROUPS, ids->groups);
	ids->ngroups = n < 0 ? 0 : n > LG_IDS_GROUPS ? LG_IDS_GROUPS : n;
	return 0;
}

/* lg_daemon_socket_perms - mode and owner so the MTA can connect,
 * changed without following what may now be at the socket's name */
int lg_daemon_socket_perms(const char *path, int mode, const char *user,
			   const char *group, char *err, size_t errsize)
{
	struct lg_ids ids;

	if (mode < 0 && !user && !group)
		return 0;
	if ((user || group) &&
	    lg_daemon_ids(user, group, &ids, err, errsize) != 0)
		return -1;
	return lg_sockfile_perms(path, mode,
				 user ? ids.uid : (uid_t) -1,
				 user || group ? ids.gid : (gid_t) -1,
				 err, errsize);
}

/* lg_daemon_drop_privileges - become user (and group) for good */
int lg_daemon_drop_privileges(const char *user, const char *group,
			      char *err, size_t errsize)
{
	struct lg_ids ids;
	uid_t uid;
	gid_t gid;

	if (!user && !group)
		return 0;
	if (lg_daemon_ids(user, group, &ids, err, errsize) != 0)
		return -1;
	uid = user ? ids.uid : (uid_t) -1;
	gid = ids.gid;
	if (setgid(gid) != 0) {
		snprintf(err, errsize, "setgid %lu: %s", (unsigned long) gid,
			 strerror(errno));
		return -1;
	}
	if (user && initgroups(user, gid) != 0) {
		snprintf(err, errsize, "initgroups %s: %s", user,
			 strerror(errno));
		return -1;
	}
	if (uid != (uid_t) -1 && setuid(uid) != 0) {
		snprintf(err, errsize, "setuid %s: %s", user, strerror(errno));
		return -1;
	}
	if (uid != 0 && uid != (uid_t) -1 && setuid(0) == 0) {
		snprintf(err, errsize, "setuid %s: could regain root", user);
		return -1;
	}
	return 0;
}

/* remove_stale_tmp - unlink a PATH.tmp that is there, without ever
 * opening or following it; a folder there is an error */
static int remove_stale_tmp(const char *path, const char *tmp, char *err,
			    size_t errsize)
{
	struct stat st;

	if (lstat(tmp, &st) != 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errsize, "pidfile %s: %s is a folder; remove it",
			 path, tmp);
		return -1;
	}
	if (unlink(tmp) != 0 && errno != ENOENT) {
		snprintf(err, errsize, "pidfile %s: cannot remove the stale %s: %s",
			 path, tmp, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		lg_log(LG_LOG_INFO, "pidfile %s: removed the stale %s", path, tmp);
	else
		lg_log(LG_LOG_WARN, "pidfile %s: removed %s, which was %s, without following it",
		       path, tmp, S_ISLNK(st.st_mode) ? "a symbolic link" :
		       "not a regular file");
	return 0;
}

/* lg_daemon_write_pidfile - our pid, written atomically: PATH.tmp
 * created new, never through a link, then renamed over PATH */
int lg_daemon_write_pidfile(const char *path, char *err, size_t errsize)
{
	char tmp[4096], line[32];
	int fd, len;

	if ((size_t) snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errsize, "pidfile %.200s...: path too long", path);
		return -1;
	}
	if (remove_stale_tmp(path, tmp, err, errsize) != 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		snprintf(err, errsize, "pidfile %s: cannot create %s: %s", path,
			 tmp, strerror(errno));
		return -1;
	}
	len = snprintf(line, sizeof(line), "%ld\n", (long) getpid());
	if (write(fd, line, (size_t) len) != len || close(fd) != 0) {
		snprintf(err, errsize, "pidfile %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errsize, "pidfile %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* read_pid - the number in a pid file: >0; 0 for none; -1 no file;
 * -2 not a regular file (a link is not followed, a FIFO not waited on) */
static long read_pid(const char *path)
{
	struct stat st;
	char buf[32], *end;
	long pid = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -1 : errno == ELOOP ? -2 : 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -2;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	pid = strtol(buf, &end, 10);
	return end == buf || pid < 0 || pid > INT_MAX ? 0 : pid;
}

/* process_name - /proc/PID/comm; "" when it cannot be read */
static void process_name(long pid, char *name, size_t size)
{
	char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	name[0] = 0;
	if ((fp = fopen(path, "r")) == NULL)
		return;
	if (!fgets(name, (int) size, fp))
		name[0] = 0;
	fclose(fp);
	name[strcspn(name, "\n")] = 0;
}

/* lg_daemon_check_pidfile - refuse a live daemon, take over a dead one */
int lg_daemon_check_pidfile(const char *path, char *err, size_t errsize)
{
	long pid = read_pid(path);
	char name[64] = "", why[128];

	if (pid == -1)
		return 0;
	if (pid > 0 && pid != (long) getpid() &&
	    (kill((pid_t) pid, 0) == 0 || errno == EPERM)) {
		process_name(pid, name, sizeof(name));
		/* a name we cannot read counts as loopguard: refuse */
		if (!name[0] || strcmp(name, "loopguard") == 0) {
			snprintf(err, errsize,
				 "pidfile %s: loopguard is already running, pid %ld",
				 path, pid);
			return -1;
		}
		snprintf(why, sizeof(why), "pid %ld is %s, not loopguard",
			 pid, name);
	} else if (pid > 0)
		snprintf(why, sizeof(why), "pid %ld is no longer running", pid);
	else if (pid == -2)
		snprintf(why, sizeof(why), "it is not a regular file; not followed");
	else
		snprintf(why, sizeof(why), "it holds no pid");
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errsize, "pidfile %s: cannot remove the stale file: %s",
			 path, strerror(errno));
		return -1;
	}
	lg_log(LG_LOG_INFO, "pidfile %s: stale (%s); taken over", path, why);
	return 0;
}

/* lg_daemon_remove_pidfile - only our own */
int lg_daemon_remove_pidfile(const char *path, long pid)
{
	if (!path || read_pid(path) != pid)
		return 0;
	return unlink(path) == 0;
}

/* wake_addr - the address to reach a socket bound to SPEC: a wildcard
 * host is reached on loopback */
static struct addrinfo *wake_addr(const struct lg_socket_spec *spec)
{
	struct addrinfo hints, *res = NULL;
	const char *host = spec->host;
	char port[16];

	if (!host[0] || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0)
		host = spec->kind == LG_SOCK_INET6 ? "::1" : "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = spec->kind == LG_SOCK_INET6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", spec->port);
	return getaddrinfo(host, port, &hints, &res) == 0 ? res : NULL;
}

/* lg_daemon_wake - one connection, closed at once: 0 if it was made;
 * a failure is harmless (the listener then notices within its 5 s) */
int lg_daemon_wake(const struct lg_socket_spec *spec)
{
	struct sockaddr_un sun;
	struct addrinfo *ai = NULL;
	struct pollfd pfd;
	int fd, rc = -1;

	if (spec->kind == LG_SOCK_UNIX) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", spec->path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0) {
			rc = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
			close(fd);
		}
		return rc == 0 ? 0 : -1;
	}
	if ((ai = wake_addr(spec)) == NULL)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc != 0 && errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			rc = poll(&pfd, 1, 200) == 1 && !(pfd.revents & (POLLERR | POLLHUP)) ? 0 : -1;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return rc == 0 ? 0 : -1;
}

/* lg_daemon_warn_writable - others must not be able to change config */
int lg_daemon_warn_writable(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH)) {
		lg_log(LG_LOG_WARN,
		       "config %s is writable by everyone (mode %04o); anyone could change how mail is filtered",
		       path, (unsigned) (st.st_mode & 07777));
		return 1;
	}
	return 0;
}

/* is_loopback - a host name or address of this host's loopback */
static int is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
		strcmp(host, "localhost") == 0;
}

/* lg_daemon_warn_inet - whoever connects to the milter socket speaks
 * for the MTA: over TCP that is every local user */
int lg_daemon_warn_inet(const char *text, const struct lg_socket_spec *spec)
{
	if (spec->kind == LG_SOCK_UNIX)
		return 0;
	lg_log(LG_LOG_WARN,
	       "socket %s: any local user%s can connect to a TCP milter socket and forge MTA sessions, which change loopguard's counters, blocks and ledger; use a unix socket only the MTA's group may open (socket_mode = \"0660\", socket_group)",
	       text, is_loopback(spec->host) ? "" : ", and any host that reaches it,");
	return 1;
}

/* lg_daemon_warn_mode - a unix milter socket others may write to (and
 * so connect to) is as open as a TCP one */
int lg_daemon_warn_mode(const char *text, const struct lg_socket_spec *spec,
			int mode)
{
	if (spec->kind != LG_SOCK_UNIX || mode < 0 || !(mode & 0002))
		return 0;
	lg_log(LG_LOG_WARN,
	       "socket %s: socket_mode %04o lets any local user connect and forge MTA sessions, which change loopguard's counters, blocks and ledger; use socket_mode = \"0660\" with socket_group",
	       text, (unsigned) mode);
	return 1;
}
