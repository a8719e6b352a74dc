/*
 * NAME
 *	console_listen.c - the console's listening socket
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	if (cn_http_bind(err, sizeof(err)) < 0) ...
 *	cn_listen_fd
 * DESCRIPTION
 *	The console binds its socket itself, before it drops its
 *	privileges, and hands it to libmicrohttpd (MHD_OPTION_LISTEN_SOCKET).
 *	listen is "HOST:PORT" (HOST an IPv4 address or a name),
 *	"[IPV6]:PORT", or "unix:/path". A unix socket's file is replaced
 *	when a socket is already there (a console that did not stop
 *	cleanly), never when it is anything else; it gets mode 0660 and,
 *	when the console runs as root, the group of the `user` it becomes,
 *	so a reverse proxy in that group may connect.
 * DIAGNOSTICS
 *	"listen "SPEC": what" for a bad spec, "cannot bind SPEC: why".
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "console.h"
#include "console_impl.h"

int cn_listen_fd = -1;

/* bind_unix - a unix socket at path */
static int bind_unix(const char *path, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct passwd *pw;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (!*path || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsize, "listen \"unix:%s\": not a socket path", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsize, "listen \"unix:%s\": the file is there and is no socket",
				 path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
	    || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0
	    || chmod(path, 0660) < 0) {
		snprintf(err, errsize, "cannot bind unix:%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (geteuid() == 0 && cn_cfg.user && (pw = getpwnam(cn_cfg.user))
	    && chown(path, pw->pw_uid, pw->pw_gid) < 0) {
		snprintf(err, errsize, "cannot chown unix:%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* bind_inet - HOST:PORT or [V6]:PORT */
static int bind_inet(const char *spec, char *err, size_t errsize)
{
	struct addrinfo hints, *ai = NULL;
	char host[256];
	const char *port, *end;
	int fd = -1, one = 1, rc;

	if (spec[0] == '[') {
		if (!(end = strchr(spec, ']')) || end[1] != ':')
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int) (end - spec - 1), spec + 1);
		port = end + 2;
	} else {
		if (!(end = strrchr(spec, ':')) || (size_t) (end - spec) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int) (end - spec), spec);
		port = end + 1;
	}
	if (!*host || !*port || strspn(port, "0123456789") != strlen(port))
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errsize, "listen \"%s\": %s", spec, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0)) < 0
	    || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
	    || (ai->ai_family == AF_INET6
		&& setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
	    || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		snprintf(err, errsize, "cannot bind %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
bad:
	snprintf(err, errsize, "listen \"%s\": want HOST:PORT, [IPV6]:PORT or unix:/path",
		 spec);
	return -1;
}

/* cn_http_bind - bind and listen on cn_cfg.listen */
int cn_http_bind(char *err, size_t errsize)
{
	const char *spec = cn_cfg.listen;
	int fd;

	if (strncmp(spec, "unix:", 5) == 0)
		fd = bind_unix(spec + 5, err, errsize);
	else
		fd = bind_inet(spec, err, errsize);
	if (fd < 0)
		return -1;
	if (listen(fd, 64) < 0) {
		snprintf(err, errsize, "cannot listen on %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	cn_listen_fd = fd;
	return 0;
}
