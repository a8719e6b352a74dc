/*
 * NAME
 *	src_sendmail_impl.h - the "sendmail" source's inside, shared by
 *	src_sendmail.c (the source's operations, classes, aliases) and
 *	src_sendmail_vu.c (the virtusertable)
 * SYNOPSIS
 *	#include "src_sendmail_impl.h"
 * DESCRIPTION
 *	A generation holds class w, class {VirtHost}, the virtusertable
 *	split into the keys that exist and those whose value is
 *	"error:", the alias names, and the stamp of every file it was
 *	read from.
 */
#ifndef LG_SRC_SENDMAIL_IMPL_H
#define LG_SRC_SENDMAIL_IMPL_H

#include <stddef.h>

/* Directory library. */
#include "recipients.h"
#include "dir_stamp.h"
#include "src_sendmail.h"

#define LIST_MAX	((size_t) 1 << 30)	/* a virtusertable: 1 GB */
#define LOCAL_MAX	512
#define STAMPS_MAX	(3 + 3 * LG_SM_FILES_MAX)	/* cf, files, table */

struct sm_conf {
	char   *cf;
	/* the inputs of the last load, for the world-writable check */
	char   *inputs[STAMPS_MAX + 1];
	char   *makemap;		/* NULL: none, read the text */
	int     case_sensitive_local;
	int     timeout_ms;
};

struct sm_stamp {
	char   *path;
	struct lg_dir_stamp st;
};

struct sm_gen {
	struct lg_recipients *w;	/* class w: ("", domain) */
	struct lg_recipients *vh;	/* class {VirtHost} */
	struct lg_recipients *vu;	/* virtusertable keys that exist */
	struct lg_recipients *vu_err;	/* keys whose value is error: */
	struct lg_recipients *local;	/* alias names */
	int     vu_fold;		/* fold local parts for vu lookups */
	struct sm_stamp stamps[STAMPS_MAX];
	size_t  n_stamps;
	/* load only */
	unsigned long vu_outside;
	char    vu_outside_first[300];
	unsigned long vu_skipped;
};

/* lg_sm_stamp - remember PATH as an input of G (src_sendmail.c) */
int     lg_sm_stamp(struct sm_gen *g, const char *path);

/* lg_sm_add_virtuser - the virtusertable into G (src_sendmail_vu.c) */
int     lg_sm_add_virtuser(struct sm_conf *c, struct sm_gen *g,
			   const struct lg_sm_cf *cf, char *err,
			   size_t errsize);

/* lg_sm_virtuser - Sendmail's virtusertable lookup (src_sendmail_vu.c) */
int     lg_sm_virtuser(const struct sm_gen *g, const char *local,
		       const char *domain);

#endif
