/*
 * NAME
 *	dir_kinds.h - each kind of recipient source (one file or group
 *	of files each, src_*.c)
 */
#ifndef LG_DIR_KINDS_H
#define LG_DIR_KINDS_H

/* Directory library. */
#include "dir_source.h"

extern const struct lg_dir_source_ops lg_dir_src_file;		/* src_file.c */
extern const struct lg_dir_source_ops lg_dir_src_passwd;	/* src_passwd.c */
extern const struct lg_dir_source_ops lg_dir_src_aliases;	/* src_aliases.c */
extern const struct lg_dir_source_ops lg_dir_src_ldap;		/* src_ldap.c */

/* lg_dir_passwd_lookup - does account NAME exist (src_passwd.c) */
enum lg_dir_answer lg_dir_passwd_lookup(const char *name, char *err,
					size_t errsize);

#endif
