/*
 * NAME
 *	daemon.h - process chores: socket checks, privileges, pid file
 * DESCRIPTION
 *	The detach with its readiness report is in ready.c, the folders
 *	in folders.c, the signals in signals.c.
 *
 *	Each function returns 0, or -1 with one line in err that names its
 *	subject (the path, the user, the socket).
 */
#ifndef LG_DAEMON_H
#define LG_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

/* Utility library. */
#include "parse.h"

#define LG_IDS_GROUPS	64

/* Who the daemon runs as: the user's uid, the gid it takes (the
 * user's, or the group setting's) and its groups. Without a user, the
 * process's own ids, and user is NULL. */
struct lg_ids {
	const char *user;
	uid_t uid;
	gid_t gid;
	gid_t groups[LG_IDS_GROUPS];
	int ngroups;
};

/* lg_daemon_ids - look user and group up: "user NAME: no such user" */
int lg_daemon_ids(const char *user, const char *group, struct lg_ids *ids,
		  char *err, size_t errsize);

/* Remove a stale unix socket; refuse one that answers, or a port that
 * is already taken. */
int lg_daemon_check_socket(const char *text, const struct lg_socket_spec *spec,
			   char *err, size_t errsize);

/* TCP_NODELAY on every listening TCP socket of this process, so the
 * accepted connections inherit it. Returns how many were changed. */
int lg_daemon_set_nodelay(void);

/* The stack of threads created without attributes (libmilter's
 * workers, one per MTA connection at a time) and of our own threads:
 * LG_THREAD_STACK, or less when the default is smaller already. Called
 * before any thread starts. Returns the size now in force, or 0 when
 * the default cannot be changed (it is then left as it was). */
#define LG_THREAD_STACK	((size_t) 1 << 20)

size_t lg_daemon_thread_stack(size_t size);

/* chmod (mode >= 0) and chown (user/group may be NULL) a unix socket */
int lg_daemon_socket_perms(const char *path, int mode, const char *user,
			   const char *group, char *err, size_t errsize);

/* setgid/initgroups/setuid to user (and group); no-op if user is NULL */
int lg_daemon_drop_privileges(const char *user, const char *group,
			      char *err, size_t errsize);

/* lg_daemon_check_pidfile - a pid file naming a live loopguard is
 * refused ("pidfile P: loopguard is already running, pid N"); one left
 * by a dead daemon is removed, with an info line. */
int lg_daemon_check_pidfile(const char *path, char *err, size_t errsize);

/* lg_daemon_write_pidfile - PATH.tmp created new (O_EXCL|O_NOFOLLOW;
 * a stale one is unlinked, never followed), then renamed over PATH */
int lg_daemon_write_pidfile(const char *path, char *err, size_t errsize);

/* lg_daemon_remove_pidfile - unlink PATH if it holds PID; 1 if it did */
int lg_daemon_remove_pidfile(const char *path, long pid);

/* lg_daemon_wake - connect once to our own milter socket, so that
 * libmilter's listener, which looks at smfi_stop() only between
 * connections or every 5 s, notices it at once; 0 if connected */
int lg_daemon_wake(const struct lg_socket_spec *spec);

/* A config file others can write draws a warning (returns 1). */
int lg_daemon_warn_writable(const char *path);

/* A TCP milter socket draws a warning, "socket TEXT: any local user
 * can connect to a TCP milter socket and forge MTA sessions, ..."
 * (returns 1); a unix socket none (returns 0). */
int lg_daemon_warn_inet(const char *text, const struct lg_socket_spec *spec);

/* A unix milter socket whose socket_mode lets others write (connect)
 * draws the same kind of warning (returns 1); otherwise 0. */
int lg_daemon_warn_mode(const char *text, const struct lg_socket_spec *spec,
			int mode);

#endif
