/*
 * NAME
 *	sockfile.h - mode and owner of a unix socket just bound
 * SYNOPSIS
 *	#include "sockfile.h"
 *
 *	rc = lg_sockfile_perms(path, mode, uid, gid, err, errsize);
 * DESCRIPTION
 *	A socket's folder may belong to the user loopguard becomes, who
 *	could put a link, a hard link or a file at the socket's name
 *	between the bind and a chmod or chown by name, and have root
 *	change the target instead. lg_sockfile_perms() opens the name
 *	without following links, checks that it is the socket just made
 *	(a socket, owned by our effective uid, one name), and changes
 *	mode and owner through that descriptor only.
 *
 *	mode < 0, uid (uid_t) -1 or gid (gid_t) -1 leave that part as it
 *	is. The result is 0, or -1 with the reason in err.
 */
#ifndef LG_SOCKFILE_H
#define LG_SOCKFILE_H

#include <stddef.h>
#include <sys/types.h>

/* lg_sockfile_perms - mode and owner of the socket just bound at path */
int lg_sockfile_perms(const char *path, int mode, uid_t uid, gid_t gid,
		      char *err, size_t errsize);

#endif
