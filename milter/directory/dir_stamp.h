/*
 * NAME
 *	dir_stamp.h - has a file changed since it was read
 * SYNOPSIS
 *	#include "dir_stamp.h"
 *
 *	lg_dir_stamp_take(&st, path);	   before reading the file
 *	if (lg_dir_stamp_moved(&st, path)) ...	   later: reload
 * DESCRIPTION
 *	A stamp is the file's device, inode, size, change and
 *	modification times (nanoseconds). A table rewritten in place, one
 *	renamed over the old, one removed or made again all move the
 *	stamp. A file that is missing has a stamp too (all zero), so a
 *	table that appears is noticed as well.
 */
#ifndef LG_DIR_STAMP_H
#define LG_DIR_STAMP_H

#include <sys/types.h>

struct lg_dir_stamp {
	dev_t   dev;
	ino_t   ino;
	off_t   size;
	long long mtime_ns;
	long long ctime_ns;
};

void lg_dir_stamp_take(struct lg_dir_stamp *st, const char *path);
int lg_dir_stamp_moved(const struct lg_dir_stamp *st, const char *path);

/* lg_dir_warn_writable - a warning, once per load, for a source file
 * anyone may change (which addresses exist is at stake) */
void lg_dir_warn_writable(const char *what, const char *path);

#endif
