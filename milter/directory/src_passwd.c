/*
 * NAME
 *	src_passwd.c - "passwd": the system's accounts, asked live
 * DESCRIPTION
 *	Each lookup asks getpwnam_r() for the local part without its
 *	extension, as Postfix's local delivery does (local_recipient_maps
 *	= proxy:unix:passwd.byname), so every NSS source counts and a
 *	new account counts the moment it exists: nothing to reload.
 *	The source serves every local domain.
 *
 *	getpwnam_r() tells "no such user" (0 with no entry, or one of the
 *	errors its manual lists for that: ENOENT, ESRCH, EBADF, EPERM)
 *	from a lookup that failed (EIO, EMFILE, ENFILE, ENOMEM, ...): only
 *	the former is "no"; the latter is a failure, never "unknown".
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Directory library. */
#include "dir_kinds.h"

#define NAME_MAX_LEN	256
#define BUF_MAX		(1 << 20)

static int passwd_gen;			/* the one, static, generation */

/* passwd_open - no argument, no state */
static void *passwd_open(const char *arg, const struct lg_dir_env *env,
			 char *err, size_t errsize)
{
	(void) env;
	if (arg) {
		snprintf(err, errsize, "passwd takes no argument");
		return NULL;
	}
	return &passwd_gen;
}

/* passwd_load - nothing to load: the one static generation */
static void *passwd_load(void *conf, char *err, size_t errsize)
{
	(void) conf;
	(void) err;
	(void) errsize;
	return &passwd_gen;
}

/* lg_dir_passwd_lookup - does account NAME exist (getpwnam_r); other
 * sources that consult the accounts (postfix, sendmail) ask here */
enum lg_dir_answer lg_dir_passwd_lookup(const char *name, char *err,
					size_t errsize)
{
	struct passwd pw, *found = NULL;
	char small[4096], *buf = small;
	size_t size = sizeof(small);
	int rc;

	if (!*name || strlen(name) > NAME_MAX_LEN)
		return LG_DIR_NO;
	for (;;) {
		rc = getpwnam_r(name, &pw, buf, size, &found);
		if (rc != ERANGE || size >= BUF_MAX)
			break;
		size *= 2;
		if (buf != small)
			free(buf);
		if (!(buf = malloc(size))) {
			snprintf(err, errsize, "getpwnam: %s", strerror(ENOMEM));
			return LG_DIR_FAIL;
		}
	}
	if (buf != small)
		free(buf);
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM)
		return rc == 0 && found ? LG_DIR_YES : LG_DIR_NO;
	snprintf(err, errsize, "getpwnam(%.64s): %s", name, strerror(rc));
	return LG_DIR_FAIL;
}

/* passwd_lookup - the base of the local part */
static enum lg_dir_answer passwd_lookup(void *conf, void *gen,
					const struct lg_dir_key *k,
					char *err, size_t errsize)
{
	(void) conf;
	(void) gen;
	return lg_dir_passwd_lookup(k->base, err, errsize);
}

/* passwd_serves - every local domain */
static int passwd_serves(void *conf, const void *gen, const char *domain)
{
	(void) conf;
	(void) gen;
	(void) domain;
	return 1;
}

const struct lg_dir_source_ops lg_dir_src_passwd = {
	.kind = "passwd",
	.arg_optional = 1,
	.open = passwd_open,
	.load = passwd_load,
	.lookup = passwd_lookup,
	.serves = passwd_serves,
};
