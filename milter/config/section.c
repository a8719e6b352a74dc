/*
 * NAME
 *	section.c - typed, checked access to a plugin's config group
 * DESCRIPTION
 *	Plugins never see libconfig: they call the cfg_* host functions,
 *	which land here. Each getter validates type and range, records the
 *	key as known, and on error keeps one "FILE:LINE: plugin NAME: ..."
 *	message. libconfig is not thread safe, so plugins copy what they
 *	keep; sections only live while the config is being loaded.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libconfig.h>

/* Utility library. */
#include "parse.h"

/* Config library. */
#include "section.h"

struct lg_section {
	config_setting_t *group;
	const char *plugin;
	const char *default_file;
	char **used;
	size_t n_used;
	struct lg_section **children;
	size_t n_children;
	struct lg_section *root;	/* where errors are kept */
	char *const *local_domains;	/* handed in: not the file's */
	size_t n_local_domains;
	char error[1024];
};

/* lg_section_new - wrap a group (NULL: an empty section) */
struct lg_section *lg_section_new(config_setting_t *group,
				  const char *plugin_name,
				  const char *default_file)
{
	struct lg_section *sec = calloc(1, sizeof(*sec));

	if (!sec)
		return NULL;
	sec->group = group;
	sec->plugin = plugin_name;
	sec->default_file = default_file;
	sec->root = sec;
	return sec;
}

/* lg_section_free - free a section and the children it handed out */
void lg_section_free(struct lg_section **secp)
{
	struct lg_section *sec = *secp;
	size_t i;

	if (!sec)
		return;
	for (i = 0; i < sec->n_children; i++)
		lg_section_free(&sec->children[i]);
	free(sec->children);
	for (i = 0; i < sec->n_used; i++)
		free(sec->used[i]);
	free(sec->used);
	free(sec);
	*secp = NULL;
}

/* where - the file and line of a setting, or of the section */
static void where(struct lg_section *sec, config_setting_t *setting,
		  const char **file_r, int *line_r)
{
	config_setting_t *s = setting ? setting : sec->group;
	const char *file = s ? config_setting_source_file(s) : NULL;

	*file_r = file ? file : sec->default_file;
	*line_r = s ? (int) config_setting_source_line(s) : 0;
}

/* section_verror - keep the first error of the whole tree */
static void section_verror(struct lg_section *sec, config_setting_t *at,
			   const char *fmt, va_list ap)
{
	struct lg_section *root = sec->root;
	const char *file;
	char msg[768];
	int line;

	if (root->error[0])
		return;
	where(sec, at, &file, &line);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(root->error, sizeof(root->error), "%s:%d: plugin %s: %s",
		 file, line, sec->plugin, msg);
}

/* section_error - printf front end for section_verror */
static void section_error(struct lg_section *sec, config_setting_t *at,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void section_error(struct lg_section *sec, config_setting_t *at,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	section_verror(sec, at, fmt, ap);
	va_end(ap);
}

/* mark_used - remember that the plugin asked for KEY */
static void mark_used(struct lg_section *sec, const char *key)
{
	char **grown;
	size_t i;

	for (i = 0; i < sec->n_used; i++)
		if (strcmp(sec->used[i], key) == 0)
			return;
	grown = realloc(sec->used, (sec->n_used + 1) * sizeof(*grown));
	if (!grown)
		return;
	sec->used = grown;
	sec->used[sec->n_used] = strdup(key);
	if (sec->used[sec->n_used])
		sec->n_used++;
}

/* lookup - the setting for KEY, marking it used */
static config_setting_t *lookup(struct lg_section *sec, const char *key)
{
	mark_used(sec, key);
	return sec->group ? config_setting_get_member(sec->group, key) : NULL;
}

/* cfg_string - a string setting */
static int cfg_string(struct lg_section *sec, const char *key,
		      const char *def, const char **val_r)
{
	config_setting_t *s = lookup(sec, key);

	if (!s) {
		*val_r = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		section_error(sec, s, "%s must be a string", key);
		return -1;
	}
	*val_r = config_setting_get_string(s);
	return 0;
}

/* cfg_int - an integer within [min, max] */
static int cfg_int(struct lg_section *sec, const char *key, long long def,
		   long long min, long long max, long long *val_r)
{
	config_setting_t *s = lookup(sec, key);
	long long v;

	if (!s) {
		*val_r = def;
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else {
		section_error(sec, s, "%s must be an integer", key);
		return -1;
	}
	if (v < min || v > max) {
		section_error(sec, s, "%s must be between %lld and %lld, not %lld",
			      key, min, max, v);
		return -1;
	}
	*val_r = v;
	return 0;
}

/* cfg_bool - true or false */
static int cfg_bool(struct lg_section *sec, const char *key, int def,
		    int *val_r)
{
	config_setting_t *s = lookup(sec, key);

	if (!s) {
		*val_r = def;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		section_error(sec, s, "%s must be true or false", key);
		return -1;
	}
	*val_r = config_setting_get_bool(s);
	return 0;
}

/* cfg_duration - "30s", "10m", "1h", "7d" */
static int cfg_duration(struct lg_section *sec, const char *key,
			const char *def, long long min_seconds,
			long long *seconds_r)
{
	config_setting_t *s = lookup(sec, key);
	const char *text = def;

	if (s) {
		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			section_error(sec, s,
				      "%s must be a duration string such as \"10m\"",
				      key);
			return -1;
		}
		text = config_setting_get_string(s);
	}
	if (lg_parse_duration(text, seconds_r) != 0) {
		section_error(sec, s, "%s: bad duration \"%s\" (use e.g. 30s, 10m, 1h, 7d)",
			      key, text);
		return -1;
	}
	if (*seconds_r < min_seconds) {
		section_error(sec, s, "%s must be at least %llds", key,
			      min_seconds);
		return -1;
	}
	return 0;
}

/* cfg_enum - one of a list of words */
static int cfg_enum(struct lg_section *sec, const char *key,
		    const char *const *words, int def, int *val_r)
{
	const char *text;
	char choices[256] = "";
	int i;

	if (cfg_string(sec, key, NULL, &text) != 0)
		return -1;
	if (!text) {
		*val_r = def;
		return 0;
	}
	for (i = 0; words[i]; i++) {
		if (strcmp(words[i], text) == 0) {
			*val_r = i;
			return 0;
		}
		snprintf(choices + strlen(choices),
			 sizeof(choices) - strlen(choices), "%s\"%s\"",
			 i ? ", " : "", words[i]);
	}
	section_error(sec, lookup(sec, key), "%s must be one of %s, not \"%s\"",
		      key, choices, text);
	return -1;
}

/* list_of - a list whose every element has TYPE; count in *count_r
 * (0 when absent) */
static int list_of(struct lg_section *sec, const char *key, int type,
		   const char *what, size_t *count_r)
{
	config_setting_t *s = lookup(sec, key);
	int i, n;

	*count_r = 0;
	if (!s)
		return 0;
	if (!config_setting_is_aggregate(s) ||
	    config_setting_type(s) == CONFIG_TYPE_GROUP) {
		section_error(sec, s, "%s must be a list [ ... ] or ( ... )",
			      key);
		return -1;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != type) {
			section_error(sec, e, "%s: element %d must be %s", key,
				      i + 1, what);
			return -1;
		}
	}
	*count_r = (size_t) n;
	return 0;
}

/* cfg_strings - a list of strings */
static int cfg_strings(struct lg_section *sec, const char *key,
		       size_t *count_r)
{
	return list_of(sec, key, CONFIG_TYPE_STRING, "a string", count_r);
}

/* cfg_strings_at - element i of a checked list of strings */
static const char *cfg_strings_at(struct lg_section *sec, const char *key,
				  size_t i)
{
	config_setting_t *s = sec->group ?
		config_setting_get_member(sec->group, key) : NULL;
	config_setting_t *e = s ? config_setting_get_elem(s, (int) i) : NULL;

	return e ? config_setting_get_string(e) : NULL;
}

/* cfg_groups - a list of groups */
static int cfg_groups(struct lg_section *sec, const char *key,
		      size_t *count_r)
{
	return list_of(sec, key, CONFIG_TYPE_GROUP, "a group { ... }",
		       count_r);
}

/* child_section - setting E of SEC as a child section, freed with SEC */
static struct lg_section *child_section(struct lg_section *sec,
					config_setting_t *e)
{
	struct lg_section *child, **grown;

	grown = realloc(sec->children,
			(sec->n_children + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	sec->children = grown;
	child = lg_section_new(e, sec->plugin, sec->default_file);
	if (!child)
		return NULL;
	child->root = sec->root;
	sec->children[sec->n_children++] = child;
	return child;
}

/* cfg_group_at - element i of a list of groups, as a child section */
static struct lg_section *cfg_group_at(struct lg_section *sec,
				       const char *key, size_t i)
{
	config_setting_t *s = sec->group ?
		config_setting_get_member(sec->group, key) : NULL;
	config_setting_t *e = s ? config_setting_get_elem(s, (int) i) : NULL;

	return e ? child_section(sec, e) : NULL;
}

/* cfg_group - the group KEY = { ... }, as a child section */
static int cfg_group(struct lg_section *sec, const char *key,
		     struct lg_section **group_r)
{
	config_setting_t *s = lookup(sec, key);

	*group_r = NULL;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		section_error(sec, s, "%s must be a group { ... }", key);
		return -1;
	}
	if ((*group_r = child_section(sec, s)) == NULL) {
		section_error(sec, s, "%s: out of memory", key);
		return -1;
	}
	return 0;
}

/* cfg_error - a plugin's own complaint about a key */
static void cfg_error(struct lg_section *sec, const char *key,
		      const char *fmt, ...)
{
	config_setting_t *at = NULL;
	va_list ap;

	if (key && sec->group)
		at = config_setting_get_member(sec->group, key);
	va_start(ap, fmt);
	section_verror(sec, at, fmt, ap);
	va_end(ap);
}

/* lg_section_error - the first error, if any */
int lg_section_error(const struct lg_section *sec, char *err, size_t errsize)
{
	if (!sec->root->error[0])
		return 0;
	snprintf(err, errsize, "%s", sec->root->error);
	return -1;
}

/* is_listed - KEY in a NULL-terminated list */
static int is_listed(const char *key, char *const *list, size_t n,
		     const char *const *skip)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], key) == 0)
			return 1;
	for (i = 0; skip && skip[i]; i++)
		if (strcmp(skip[i], key) == 0)
			return 1;
	return 0;
}

/* lg_section_check_unknown - report a key no one read, then children */
int lg_section_check_unknown(struct lg_section *sec,
			     const char *const *skip)
{
	int i, n;
	size_t c;

	if (sec->root->error[0])
		return -1;
	n = sec->group ? config_setting_length(sec->group) : 0;
	for (i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(sec->group, i);
		const char *name = config_setting_name(m);

		if (name && !is_listed(name, sec->used, sec->n_used, skip)) {
			section_error(sec, m, "unknown setting \"%s\"", name);
			return -1;
		}
	}
	for (c = 0; c < sec->n_children; c++)
		if (lg_section_check_unknown(sec->children[c], NULL) != 0)
			return -1;
	return 0;
}

/* lg_section_set_local_domains - see section.h */
void lg_section_set_local_domains(struct lg_section *sec,
				  char *const *names, size_t n)
{
	sec->root->local_domains = names;
	sec->root->n_local_domains = n;
}

/* cfg_local_domain - element i of the core's local_domains (already
 * checked by the core, which reads its keys before any plugin): the
 * list handed in (asked from Postfix), else the file's */
static const char *cfg_local_domain(struct lg_section *sec, size_t i)
{
	config_setting_t *s = sec ? sec->group : NULL, *list;

	if (sec && sec->root->local_domains)
		return i < sec->root->n_local_domains ?
			sec->root->local_domains[i] : NULL;
	for (; s && config_setting_parent(s); s = config_setting_parent(s))
		;
	list = s ? config_setting_get_member(s, "local_domains") : NULL;
	if (list && config_setting_type(list) == CONFIG_TYPE_STRING)
		return NULL;	/* "postfix": the list is handed in */
	if (!list || i >= (size_t) config_setting_length(list))
		return NULL;
	return config_setting_get_string_elem(list, (int) i);
}

/* lg_section_fill_host - wire the cfg_* host functions */
void lg_section_fill_host(struct lg_host *host)
{
	host->cfg_string = cfg_string;
	host->cfg_int = cfg_int;
	host->cfg_bool = cfg_bool;
	host->cfg_duration = cfg_duration;
	host->cfg_enum = cfg_enum;
	host->cfg_strings = cfg_strings;
	host->cfg_strings_at = cfg_strings_at;
	host->cfg_groups = cfg_groups;
	host->cfg_group_at = cfg_group_at;
	host->cfg_group = cfg_group;
	host->cfg_error = cfg_error;
	host->cfg_local_domain = cfg_local_domain;
}
