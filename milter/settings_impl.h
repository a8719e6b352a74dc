/*
 * NAME
 *	settings_impl.h - shared by settings.c and settings_keys.c only
 */
#ifndef LG_SETTINGS_IMPL_H
#define LG_SETTINGS_IMPL_H

#include <stddef.h>

#include <libconfig.h>

#include "settings.h"

/* One load in progress. */
struct loader {
	const char *path;
	struct lg_config *cfg;
	char *err;
	size_t errsize;
	const config_setting_t *recipients_at;	/* where to point errors */
};

/* lg_loader_fail - "FILE:LINE: message" into ld->err; returns -1 */
int lg_loader_fail(struct loader *ld, const config_setting_t *at,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct lg_core_key {
	const char *name;
	int (*parse)(struct loader *ld, const config_setting_t *s);
};

/* Every top-level key but "plugins"; NULL-terminated. */
extern const struct lg_core_key lg_core_keys[];

#endif
