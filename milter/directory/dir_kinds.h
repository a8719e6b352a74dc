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
extern const struct lg_dir_source_ops lg_dir_src_sendmail;	/* src_sendmail.c */
extern const struct lg_dir_source_ops lg_dir_src_postfix;	/* src_postfix*.c */
extern const struct lg_dir_source_ops lg_dir_src_ldap;		/* src_ldap.c */

/* lg_dir_passwd_lookup - does account NAME exist (src_passwd.c) */
enum lg_dir_answer lg_dir_passwd_lookup(const char *name, char *err,
					size_t errsize);

struct lg_recipients;

/* lg_dir_aliases_read - the names of an aliases(5) file into SET
 * (src_aliases.c); 0, or -1 with err */
int lg_dir_aliases_read(const char *path, struct lg_recipients *set,
			char *err, size_t errsize);

/* lg_dir_postfix_unused - the self-check for Postfix recipient tables
 * that no source reads (src_postfix.c) */
struct lg_dir;
void lg_dir_postfix_unused(struct lg_dir *dir,
			   void (*fn)(void *arg, const char *finding),
			   void *arg);

#endif
