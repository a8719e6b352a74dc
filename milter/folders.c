/*
 * NAME
 *	folders.c - the daemon's own folders: check, create, verify
 * SYNOPSIS
 *	#include "folders.h"
 *
 *	rc = lg_folders(cfg, &ids, mode, err, sizeof(err));
 * DESCRIPTION
 *	The folders loopguard needs are: the folder of the unix milter
 *	socket and of the control socket (they must exist; the MTA and
 *	loopguardctl must be able to reach through them), the folder of
 *	the pid file (writable by the daemon's user, which removes the
 *	file at stop), the folder of the memory store's snapshot
 *	(writable: the snapshot is written beside it and renamed; an
 *	existing snapshot must be readable), and the outbox of the
 *	mailer group (writable, and so its env/, msg/ and tmp/ when they
 *	exist).
 *
 *	LG_FOLDERS_PREPARE, at start, first looks at every folder as
 *	LG_FOLDERS_CHECK does (a start that is refused creates nothing),
 *	then creates each missing folder: only its
 *	last level, never the folders above it (a missing parent is an
 *	error, so a typo never grows a tree under /), unless the parent
 *	is itself one of these folders (an outbox inside the state
 *	folder: the shorter path is made first), owned by the
 *	daemon's user and group when started as root, mode 0755 for the
 *	socket and pid file folders (the MTA must reach the socket; the
 *	socket keeps its own mode) and 0750 for the state folder and the
 *	outbox. A folder that exists is never changed. Then each folder
 *	is checked against the user's uid, gid and groups, from its owner
 *	and mode bits: a folder the user cannot write is refused, with its
 *	owner and mode in the message.
 *
 *	The pid file's folder must be writable by no one but root and
 *	the user the daemon serves as (who writes the pid file there,
 *	after the privileges are dropped): one owned by another user, or
 *	writable by a group other than root's and the daemon's, or by
 *	others, is refused, since whoever writes there can replace the
 *	pid file that init scripts signal, or plant links in it.
 *
 *	LG_FOLDERS_CHECK (loopguard -n) looks the same way and changes
 *	nothing; a missing folder whose parent exists is fine (a start
 *	creates it), and is said so on the log.
 *
 *	LG_FOLDERS_VERIFY runs after privileges are dropped and asks the
 *	kernel (access(2)), which also sees ACLs and read-only mounts.
 * DIAGNOSTICS
 *	-1 with "WHAT PATH: reason" in err; creations are logged (info).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"
#include "parse.h"

/* Program. */
#include "folders.h"

#define MAX_FOLDERS	5
#define PATH_MAX_LG	4096

/* One folder and what is asked of it. */
struct folder {
	const char *what;		/* "outbox", "state folder", ... */
	char path[PATH_MAX_LG];
	mode_t mode;			/* when created */
	int writable;			/* the user must write in it */
	int private;			/* only root and the user may */
	const char *readable;		/* a file in it the user must read */
};

struct folders {
	struct folder f[MAX_FOLDERS];
	size_t n;
};

/* parent_of - the folder a path is in ("." for a bare name) */
static void parent_of(const char *path, char *out, size_t size)
{
	size_t n = strlen(path);
	const char *slash;

	while (n > 1 && path[n - 1] == '/')
		n--;
	slash = memrchr(path, '/', n);
	if (!slash)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int) (slash - path), path);
}

/* add - one folder; the same path twice keeps the first mode, the
 * stricter needs of both, and the name of the one that must write */
static void add(struct folders *fs, const char *what, const char *path,
		int is_file, mode_t mode, int writable, int private,
		const char *readable)
{
	struct folder *f;
	char dir[PATH_MAX_LG];
	size_t i;

	if (!path || !*path || fs->n == MAX_FOLDERS)
		return;
	if (is_file)
		parent_of(path, dir, sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%s", path);
	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].path, dir) == 0) {
			if (writable && !fs->f[i].writable)
				fs->f[i].what = what;
			fs->f[i].writable |= writable;
			fs->f[i].private |= private;
			if (readable)
				fs->f[i].readable = readable;
			return;
		}
	f = &fs->f[fs->n++];
	f->what = what;
	snprintf(f->path, sizeof(f->path), "%s", dir);
	f->mode = mode;
	f->writable = writable;
	f->private = private;
	f->readable = readable;
}

/* by_length - shorter paths first, so a folder comes before the
 * folders configured inside it (an outbox in the state folder) */
static void by_length(struct folders *fs)
{
	struct folder tmp;
	size_t i, j;

	for (i = 1; i < fs->n; i++)
		for (j = i; j > 0 && strlen(fs->f[j - 1].path) >
		     strlen(fs->f[j].path); j--) {
			tmp = fs->f[j];
			fs->f[j] = fs->f[j - 1];
			fs->f[j - 1] = tmp;
		}
}

/* collect - the folders this config needs, sockets first (0755) */
static void collect(const struct lg_config *cfg, struct folders *fs)
{
	struct lg_socket_spec spec;
	const char *why;

	fs->n = 0;
	if (cfg->socket_spec.kind == LG_SOCK_UNIX)
		add(fs, "milter socket folder", cfg->socket_spec.path, 1, 0755,
		    0, 0, NULL);
	if (cfg->control && lg_parse_socket_spec(cfg->control, &spec,
						 &why) == 0 &&
	    spec.kind == LG_SOCK_UNIX)
		add(fs, "control socket folder", spec.path, 1, 0755, 0, 0,
		    NULL);
	add(fs, "pid file folder", cfg->pidfile, 1, 0755, 1, 1, NULL);
	if (strcmp(cfg->state.backend, "memory") == 0 && cfg->state.snapshot)
		add(fs, "state folder", cfg->state.snapshot, 1, 0750, 1, 0,
		    cfg->state.snapshot);
	if (cfg->mailer.configured)
		add(fs, "outbox", cfg->mailer.outbox, 0, 0750, 1, 0, NULL);
	by_length(fs);
}

/* who - "user NAME" or "uid N", for messages */
static const char *who(const struct lg_ids *ids, char *buf, size_t size)
{
	if (ids->user)
		snprintf(buf, size, "user %s", ids->user);
	else
		snprintf(buf, size, "uid %lu", (unsigned long) ids->uid);
	return buf;
}

/* owner - "owner root:postfix, mode 0750" */
static const char *owner(const struct stat *st, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);
	char u[32], g[32];

	snprintf(u, sizeof(u), "%lu", (unsigned long) st->st_uid);
	snprintf(g, sizeof(g), "%lu", (unsigned long) st->st_gid);
	snprintf(buf, size, "owner %s:%s, mode %04o", pw ? pw->pw_name : u,
		 gr ? gr->gr_name : g, (unsigned) (st->st_mode & 07777));
	return buf;
}

/* may - whether ids may do what (a mask of 4 read, 2 write, 1 search),
 * from the owner and mode bits */
static int may(const struct stat *st, const struct lg_ids *ids, int what)
{
	unsigned bits = st->st_mode;
	int i, member = st->st_gid == ids->gid;

	if (ids->uid == 0)
		return 1;
	for (i = 0; i < ids->ngroups && !member; i++)
		member = st->st_gid == ids->groups[i];
	if (st->st_uid == ids->uid)
		bits >>= 6;
	else if (member)
		bits >>= 3;
	return ((int) bits & what) == what;
}

/* others_may_write - someone besides root and the daemon's user may
 * write in the folder: another owner, a group other than root's and
 * the daemon's, or others */
static int others_may_write(const struct stat *st, const struct lg_ids *ids)
{
	if (st->st_uid != 0 && st->st_uid != ids->uid)
		return 1;
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0 &&
	    st->st_gid != ids->gid)
		return 1;
	return (st->st_mode & S_IWOTH) != 0;
}

/* fail - "WHAT PATH: reason" */
static int fail(char *err, size_t errsize, const struct folder *f,
		const char *reason)
{
	snprintf(err, errsize, "%s %s: %s", f->what, f->path, reason);
	return -1;
}

/* create - mkdir the last level, give it to the user */
static int create(const struct folder *f, const struct lg_ids *ids,
		  char *err, size_t errsize)
{
	char buf[PATH_MAX_LG + 64];
	struct stat st;

	if (mkdir(f->path, 0700) != 0) {
		snprintf(buf, sizeof(buf), "cannot create it: %s",
			 strerror(errno));
		return fail(err, errsize, f, buf);
	}
	if ((geteuid() == 0 && ids->user &&
	     chown(f->path, ids->uid, ids->gid) != 0) ||
	    chmod(f->path, f->mode) != 0 || stat(f->path, &st) != 0) {
		snprintf(buf, sizeof(buf), "created, but cannot set its owner and mode: %s",
			 strerror(errno));
		rmdir(f->path);
		return fail(err, errsize, f, buf);
	}
	lg_log(LG_LOG_INFO, "%s %s: created (%s)", f->what, f->path,
	       owner(&st, buf, sizeof(buf)));
	return 0;
}

/* planned - PATH is one of the folders before f, which a start
 * creates first */
static int planned(const struct folders *fs, const struct folder *f,
		   const char *path)
{
	const struct folder *g;

	for (g = fs->f; g < f; g++)
		if (strcmp(g->path, path) == 0)
			return 1;
	return 0;
}

/* missing - a folder that is not there: create it, or say it would be
 * (unless quiet) */
static int missing(const struct folders *fs, const struct folder *f,
		   const struct lg_ids *ids, enum lg_folders_mode mode,
		   int quiet, char *err, size_t errsize)
{
	char parent[PATH_MAX_LG], buf[PATH_MAX_LG + 128];
	struct stat st;

	parent_of(f->path, parent, sizeof(parent));
	if ((stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) &&
	    !(mode == LG_FOLDERS_CHECK && planned(fs, f, parent))) {
		snprintf(buf, sizeof(buf),
			 "does not exist, nor does %s (loopguard creates only the last level)",
			 parent);
		return fail(err, errsize, f, buf);
	}
	if (mode == LG_FOLDERS_VERIFY)
		return fail(err, errsize, f, "does not exist");
	if (mode == LG_FOLDERS_PREPARE)
		return create(f, ids, err, errsize);
	if (!quiet)
		lg_log(LG_LOG_INFO, "%s %s: does not exist yet; a start creates it (mode %04o)",
		       f->what, f->path, (unsigned) f->mode);
	return 1;
}

/* usable - the folder exists: may the user do what is needed? */
static int usable(const struct folder *f, const struct stat *st,
		  const struct lg_ids *ids, enum lg_folders_mode mode,
		  char *err, size_t errsize)
{
	char buf[PATH_MAX_LG + 256], id[64], own[128];
	struct statvfs vfs;
	struct stat fst;
	int ok;

	if (!S_ISDIR(st->st_mode))
		return fail(err, errsize, f, "exists and is not a folder");
	if (!f->writable)
		return 0;
	if (mode == LG_FOLDERS_VERIFY)
		ok = access(f->path, W_OK | X_OK) == 0;
	else
		ok = may(st, ids, 3);
	if (!ok) {
		snprintf(buf, sizeof(buf), "not writable by %s (%s)",
			 who(ids, id, sizeof(id)), owner(st, own, sizeof(own)));
		return fail(err, errsize, f, buf);
	}
	if (f->private && others_may_write(st, ids)) {
		if (ids->uid == 0)
			snprintf(buf, sizeof(buf),
				 "writable by others than root (%s); the pid file is written there as root: give the folder to root, writable by no one else",
				 owner(st, own, sizeof(own)));
		else
			snprintf(buf, sizeof(buf),
				 "writable by others than root and %s (%s); give the folder to root or to that user, writable by no one else",
				 who(ids, id, sizeof(id)),
				 owner(st, own, sizeof(own)));
		return fail(err, errsize, f, buf);
	}
	if (statvfs(f->path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return fail(err, errsize, f, "on a read-only file system");
	if (f->readable && stat(f->readable, &fst) == 0 &&
	    !(mode == LG_FOLDERS_VERIFY ? access(f->readable, R_OK) == 0 :
	      may(&fst, ids, 4))) {
		snprintf(err, errsize, "snapshot %s: not readable by %s (%s)",
			 f->readable, who(ids, id, sizeof(id)),
			 owner(&fst, own, sizeof(own)));
		return -1;
	}
	return 0;
}

/* outbox_parts - env/, msg/ and tmp/ must be writable when they exist */
static int outbox_parts(const struct folder *f, const struct lg_ids *ids,
			enum lg_folders_mode mode, char *err, size_t errsize)
{
	static const char *const sub[] = { "env", "msg", "tmp" };
	struct folder part;
	struct stat st;
	size_t i;

	for (i = 0; i < 3; i++) {
		part = *f;
		snprintf(part.path, sizeof(part.path), "%s/%s", f->path,
			 sub[i]);
		if (stat(part.path, &st) == 0 &&
		    usable(&part, &st, ids, mode, err, errsize) != 0)
			return -1;
	}
	return 0;
}

/* run - every folder of the config, in order */
static int run(const struct lg_config *cfg, const struct lg_ids *ids,
	       enum lg_folders_mode mode, int quiet, char *err,
	       size_t errsize)
{
	char buf[PATH_MAX_LG + 64];
	struct folders fs;
	struct stat st;
	size_t i;
	int rc;

	collect(cfg, &fs);
	for (i = 0; i < fs.n; i++) {
		const struct folder *f = &fs.f[i];

		if (stat(f->path, &st) != 0) {
			if (errno != ENOENT) {
				snprintf(buf, sizeof(buf), "%s", strerror(errno));
				return fail(err, errsize, f, buf);
			}
			if ((rc = missing(&fs, f, ids, mode, quiet, err,
					  errsize)) < 0)
				return -1;
			if (rc > 0 || stat(f->path, &st) != 0)
				continue;	/* -n: it will be created */
		}
		if (usable(f, &st, ids, mode, err, errsize) != 0)
			return -1;
		if (strcmp(f->what, "outbox") == 0 &&
		    outbox_parts(f, ids, mode, err, errsize) != 0)
			return -1;
	}
	return 0;
}

/* lg_folders - a start looks at all of them first, so that a refused
 * start creates nothing */
int lg_folders(const struct lg_config *cfg, const struct lg_ids *ids,
	       enum lg_folders_mode mode, char *err, size_t errsize)
{
	if (mode == LG_FOLDERS_PREPARE &&
	    run(cfg, ids, LG_FOLDERS_CHECK, 1, err, errsize) != 0)
		return -1;
	return run(cfg, ids, mode, 0, err, errsize);
}
