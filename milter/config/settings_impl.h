/*
 * NAME
 *	settings_impl.h - shared by settings.c, settings_keys.c and
 *	settings_process.c only
 */
#ifndef LG_SETTINGS_IMPL_H
#define LG_SETTINGS_IMPL_H

#include <stddef.h>

#include <libconfig.h>

/* Config library. */
#include "settings.h"

/* One load in progress. */
struct loader {
	const char *path;
	struct lg_config *cfg;
	char *err;
	size_t errsize;
	const config_setting_t *recipients_at;	/* where to point errors */
	const struct lg_host *host;	/* handed to each plugin's init */
	const struct lg_config_opts *opts;
};

/* lg_loader_fail - "FILE:LINE: message" into ld->err; returns -1 */
int lg_loader_fail(struct loader *ld, const config_setting_t *at,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* lg_loader_warn - log "FILE:LINE: message" as a warning */
void lg_loader_warn(struct loader *ld, const config_setting_t *at,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* lg_loader_finish - defaults that depend on other keys (socket and
 * control groups, hostname); after every core key, 0 or -1 */
int lg_loader_finish(struct loader *ld);

/* The keys of settings_process.c. */
int lg_key_socket_group(struct loader *ld, const config_setting_t *s);
int lg_key_control_group(struct loader *ld, const config_setting_t *s);
int lg_key_log(struct loader *ld, const config_setting_t *s);
int lg_key_hostname(struct loader *ld, const config_setting_t *s);
void lg_warn_mta_group(struct loader *ld, const config_setting_t *s);

/* local_domains: a list, or asked from Postfix (settings_domains.c). */
int lg_key_local_domains(struct loader *ld, const config_setting_t *s);

/* The keys and the load of settings_directory.c. */
int lg_key_recipients(struct loader *ld, const config_setting_t *s);
int lg_key_directory(struct loader *ld, const config_setting_t *s);
void lg_directory_defaults(struct lg_directory_config *dc);
int lg_settings_directory_load(struct loader *ld, const config_setting_t *at);

/* lg_get_strings - a string or a list of strings (settings_keys.c) */
int lg_get_strings(struct loader *ld, const config_setting_t *s,
		   char ***list_r, size_t *n_r);

struct lg_core_key {
	const char *name;
	int (*parse)(struct loader *ld, const config_setting_t *s);
};

/* Every top-level key but "plugins"; NULL-terminated. */
extern const struct lg_core_key lg_core_keys[];

#endif
