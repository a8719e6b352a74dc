/*
 * NAME
 *	settings_state.c - the "state" group: which store, and how
 * DESCRIPTION
 *	state = { backend = "memory"; snapshot = "PATH";
 *	          snapshot_interval = "60s"; max_entries = 1000000; }
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "parse.h"
#include "settings.h"

/* state_fail - "FILE:LINE: state: message" */
static int state_fail(const config_setting_t *at, const char *fallback,
		      char *err, size_t errsize, const char *msg,
		      const char *arg)
{
	const char *file = config_setting_source_file(at);
	char text[512];

	snprintf(text, sizeof(text), msg, arg);
	snprintf(err, errsize, "%s:%u: state: %s", file ? file : fallback,
		 config_setting_source_line(at), text);
	return -1;
}

/* lg_settings_state - check and copy the state group */
int lg_settings_state(struct lg_config *cfg,
		      const struct config_setting_t *group,
		      char *err, size_t errsize)
{
	struct lg_state_config *st = &cfg->state;
	int i, n;

	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return state_fail(group, cfg->path, err, errsize,
				  "state must be a group { backend = \"memory\"; ... }%s", "");
	n = config_setting_length(group);
	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(group, i);
		const char *name = config_setting_name(s);
		const char *text = config_setting_type(s) == CONFIG_TYPE_STRING ?
			config_setting_get_string(s) : NULL;

		if (strcmp(name, "max_entries") == 0) {
			long long v;

			if (config_setting_type(s) == CONFIG_TYPE_INT)
				v = config_setting_get_int(s);
			else if (config_setting_type(s) == CONFIG_TYPE_INT64)
				v = config_setting_get_int64(s);
			else
				return state_fail(s, cfg->path, err, errsize,
						  "max_entries must be an integer%s", "");
			if (v < 100 || v > 1000000000LL)
				return state_fail(s, cfg->path, err, errsize,
						  "max_entries must be between 100 and 1000000000%s", "");
			st->max_entries = v;
			continue;
		}
		if (!text)
			return state_fail(s, cfg->path, err, errsize,
					  "%s must be a string", name);
		if (strcmp(name, "backend") == 0) {
			if (strcmp(text, "memory") != 0)
				return state_fail(s, cfg->path, err, errsize,
						  "backend must be \"memory\", not \"%s\"",
						  text);
			free(st->backend);
			st->backend = strdup(text);
		} else if (strcmp(name, "snapshot") == 0) {
			free(st->snapshot);
			st->snapshot = *text ? lg_config_resolve(cfg->path, text) :
				NULL;
		} else if (strcmp(name, "snapshot_interval") == 0) {
			if (lg_parse_duration(text, &st->snapshot_interval) != 0 ||
			    st->snapshot_interval < 1)
				return state_fail(s, cfg->path, err, errsize,
						  "snapshot_interval: bad duration \"%s\" (use e.g. 60s, 5m)",
						  text);
		} else {
			return state_fail(s, cfg->path, err, errsize,
					  "unknown setting \"%s\"", name);
		}
	}
	return 0;
}
