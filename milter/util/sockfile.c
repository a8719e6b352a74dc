/*
 * NAME
 *	sockfile.c - mode and owner of a unix socket just bound
 * SYNOPSIS
 *	#include "sockfile.h"
 * DESCRIPTION
 *	See sockfile.h. A descriptor opened with O_PATH cannot be given
 *	to fchmod(), so the mode goes through /proc/self/fd/N, which
 *	names the very file the descriptor holds, and the owner through
 *	fchownat(fd, "", ..., AT_EMPTY_PATH).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Utility library. */
#include "sockfile.h"

/* socket_ours - FD is the socket just bound: NULL, or why not */
static const char *socket_ours(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return strerror(errno);
	if (S_ISLNK(st.st_mode))
		return "a symbolic link is there now; not followed";
	if (!S_ISSOCK(st.st_mode))
		return "it is no longer a socket";
	if (st.st_uid != geteuid())
		return "it is not owned by loopguard's own uid";
	if (st.st_nlink != 1)
		return "it has more than one name (a hard link)";
	return NULL;
}

/* lg_sockfile_perms - mode and owner of the socket just bound at path */
int lg_sockfile_perms(const char *path, int mode, uid_t uid, gid_t gid,
		      char *err, size_t errsize)
{
	struct stat st;
	char fdpath[64];
	const char *why;
	int fd, rc = -1;

	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsize, "socket %s: %s", path, strerror(errno));
		return -1;
	}
	if ((why = socket_ours(fd)) != NULL) {
		snprintf(err, errsize, "socket %s: not the socket loopguard made (%s); its mode and owner are left alone",
			 path, why);
		goto out;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (mode >= 0 && fstat(fd, &st) == 0 &&
	    (st.st_mode & 07777) != (mode_t) mode &&
	    chmod(fdpath, (mode_t) mode) != 0) {
		snprintf(err, errsize, "socket %s: chmod %04o: %s", path, mode,
			 strerror(errno));
		goto out;
	}
	if ((uid != (uid_t) -1 || gid != (gid_t) -1) &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0) {
		snprintf(err, errsize, "socket %s: chown: %s", path,
			 strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
