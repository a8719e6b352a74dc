/*
 * NAME
 *	daemon.c - socket checks, TCP_NODELAY, privileges, pid file
 * DESCRIPTION
 *	All of this runs before smfi_main(), before any thread exists.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

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

/* lookup_ids - uid/gid for user and group names */
static int lookup_ids(const char *user, const char *group, uid_t *uid_r,
		      gid_t *gid_r, char *err, size_t errsize)
{
	struct passwd *pw = NULL;
	struct group *gr;

	*uid_r = (uid_t) -1;
	*gid_r = (gid_t) -1;
	if (user) {
		pw = getpwnam(user);
		if (!pw) {
			snprintf(err, errsize, "user %s: no such user", user);
			return -1;
		}
		*uid_r = pw->pw_uid;
		*gid_r = pw->pw_gid;
	}
	if (group) {
		gr = getgrnam(group);
		if (!gr) {
			snprintf(err, errsize, "group %s: no such group", group);
			return -1;
		}
		*gid_r = gr->gr_gid;
	}
	return 0;
}

/* lg_daemon_socket_perms - mode and owner so the MTA can connect */
int lg_daemon_socket_perms(const char *path, int mode, const char *user,
			   const char *group, char *err, size_t errsize)
{
	uid_t uid;
	gid_t gid;

	if (mode >= 0 && chmod(path, (mode_t) mode) != 0) {
		snprintf(err, errsize, "socket %s: chmod %04o: %s", path, mode,
			 strerror(errno));
		return -1;
	}
	if (!user && !group)
		return 0;
	if (lookup_ids(user, group, &uid, &gid, err, errsize) != 0)
		return -1;
	if (chown(path, uid, gid) != 0) {
		snprintf(err, errsize, "socket %s: chown: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* lg_daemon_drop_privileges - become user (and group) for good */
int lg_daemon_drop_privileges(const char *user, const char *group,
			      char *err, size_t errsize)
{
	uid_t uid;
	gid_t gid;

	if (!user && !group)
		return 0;
	if (lookup_ids(user, group, &uid, &gid, err, errsize) != 0)
		return -1;
	if (gid != (gid_t) -1 && setgid(gid) != 0) {
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

/* lg_daemon_detach - into the background */
int lg_daemon_detach(char *err, size_t errsize)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		snprintf(err, errsize, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		_exit(0);
	if (setsid() < 0) {
		snprintf(err, errsize, "setsid: %s", strerror(errno));
		return -1;
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* lg_daemon_write_pidfile - our pid, written atomically */
int lg_daemon_write_pidfile(const char *path, char *err, size_t errsize)
{
	char tmp[4096];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "w");
	if (!fp || fprintf(fp, "%ld\n", (long) getpid()) < 0 ||
	    fclose(fp) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errsize, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
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
