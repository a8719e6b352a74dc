/*
 * NAME
 *	dir_read.h - what several sources do alike: read a bounded file
 *	whole, fold a key to lower case
 * SYNOPSIS
 *	#include "dir_read.h"
 *
 *	text = lg_dir_read_file(path, max, &len, &mode, err, errsize);
 *	lg_dir_fold(key);
 * DESCRIPTION
 *	lg_dir_read_file() reads the regular file PATH of at most MAX
 *	bytes into memory, NUL-terminated (a binary file, such as a cdb
 *	table, may hold NUL bytes of its own: LEN says where it ends).
 *	A file that cannot be opened, is not a regular file, is larger
 *	than MAX, or that could not be read to the size it had when
 *	opened (cut or rewritten meanwhile, a read error) is an error:
 *	a source never loads half a file.
 *
 *	lg_dir_fold() and lg_dir_fold_n() fold ASCII upper case to lower
 *	case, as Postfix and Sendmail fold their keys (other bytes are
 *	kept: neither MTA folds them).
 * DIAGNOSTICS
 *	lg_dir_read_file: NULL with "PATH: why" in err and errno set
 *	(ENOENT for a missing file, EFBIG for the wrong kind or size).
 */
#ifndef LG_DIR_READ_H
#define LG_DIR_READ_H

#include <stddef.h>
#include <sys/types.h>

/* lg_dir_read_file - PATH whole (malloc'd); *mode_r, when not NULL,
 * its mode; NULL with err */
char   *lg_dir_read_file(const char *path, size_t max, size_t *len_r,
			 mode_t *mode_r, char *err, size_t errsize);

/* lg_dir_fold - S lower-cased in place; S */
char   *lg_dir_fold(char *s);

/* lg_dir_fold_n - the N bytes at S lower-cased in place */
void    lg_dir_fold_n(char *s, size_t n);

#endif
