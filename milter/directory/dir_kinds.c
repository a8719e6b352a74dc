/*
 * NAME
 *	dir_kinds.c - the kinds of recipient source, by spec prefix
 */
#include "config.h"

#include <string.h>

/* Directory library. */
#include "dir_source.h"
#include "dir_kinds.h"

/* In the order "loopguard -n" lists them. */
const struct lg_dir_source_ops *const lg_dir_kinds[] = {
	&lg_dir_src_file,
	&lg_dir_src_passwd,
	&lg_dir_src_aliases,
	&lg_dir_src_postfix,
	&lg_dir_src_sendmail,
	&lg_dir_src_ldap,
	NULL
};

/* lg_dir_kind - the kind named by the LEN bytes at KIND, or NULL */
const struct lg_dir_source_ops *lg_dir_kind(const char *kind, size_t len)
{
	size_t i;

	for (i = 0; lg_dir_kinds[i]; i++)
		if (strlen(lg_dir_kinds[i]->kind) == len &&
		    strncmp(lg_dir_kinds[i]->kind, kind, len) == 0)
			return lg_dir_kinds[i];
	return NULL;
}
