/*
 * NAME
 *	daemon.h - process chores: socket checks, privileges, pid file
 * DESCRIPTION
 *	Each function returns 0, or -1 with one line in err that names its
 *	subject (the path, the user, the socket).
 */
#ifndef LG_DAEMON_H
#define LG_DAEMON_H

#include <stddef.h>

#include "parse.h"

/* Remove a stale unix socket; refuse one that answers, or a port that
 * is already taken. */
int lg_daemon_check_socket(const char *text, const struct lg_socket_spec *spec,
			   char *err, size_t errsize);

/* TCP_NODELAY on every listening TCP socket of this process, so the
 * accepted connections inherit it. Returns how many were changed. */
int lg_daemon_set_nodelay(void);

/* chmod (mode >= 0) and chown (user/group may be NULL) a unix socket */
int lg_daemon_socket_perms(const char *path, int mode, const char *user,
			   const char *group, char *err, size_t errsize);

/* setgid/initgroups/setuid to user (and group); no-op if user is NULL */
int lg_daemon_drop_privileges(const char *user, const char *group,
			      char *err, size_t errsize);

/* fork into the background, new session, stdio to /dev/null */
int lg_daemon_detach(char *err, size_t errsize);

int lg_daemon_write_pidfile(const char *path, char *err, size_t errsize);

/* A config file others can write draws a warning (returns 1). */
int lg_daemon_warn_writable(const char *path);

#endif
