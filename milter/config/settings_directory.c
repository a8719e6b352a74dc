/*
 * NAME
 *	settings_directory.c - the "recipients" list and the "directory"
 *	group: which sources say who exists, and how they are asked
 * DESCRIPTION
 *	recipients = [ "postfix", "ldap:ldap.cf", "extra-users" ] names
 *	the sources in the order they are asked. A file argument that is
 *	relative (a bare path, "file:", "aliases:", "ldap:", "sendmail:")
 *	is taken from the config file's folder, as every path is.
 *
 *	directory = { max_shrink = 50; timeout = "5s"; cache_size =
 *	10000; cache_ttl = "10m"; negative_ttl = "1m"; } tunes them all.
 *
 *	lg_settings_directory_load() builds the directory, loads it (from
 *	the running config's directory where nothing moved), and runs the
 *	self-checks: a local domain that no source serves is an error;
 *	the other findings are warnings.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

/* Utility library. */
#include "log.h"
#include "parse.h"

/* Directory library. */
#include "directory.h"

/* Config library. */
#include "settings.h"
#include "settings_impl.h"

#define SHRINK_DEFAULT	50
#define TIMEOUT_DEFAULT	5000
#define CACHE_DEFAULT	10000
#define TTL_DEFAULT	600
#define NEG_TTL_DEFAULT	60
#define CACHE_MAX	(1 << 24)

/* file_arg - where the file argument of SPEC starts, or NULL when
 * it names no file (a kind without one, or a Postfix table) */
static const char *file_arg(const char *spec)
{
	static const char *const kinds[] = {
		"file:", "aliases:", "ldap:", "sendmail:", "postfix:", NULL
	};
	size_t i, n;

	for (i = 0; kinds[i]; i++) {
		n = strlen(kinds[i]);
		if (strncmp(spec, kinds[i], n) == 0)
			/* "postfix:DIR" is a folder; "postfix:TYPE:NAME" not */
			return strcmp(kinds[i], "postfix:") == 0 &&
				spec[n] != '/' ? NULL : spec + n;
	}
	if (strchr(spec, ':') ||
	    (!strchr(spec, '/') && lg_dir_kind(spec, strlen(spec))))
		return NULL;		/* "passwd", "postfix", ... */
	return spec;
}

/* lg_key_recipients - the sources, relative paths resolved */
int lg_key_recipients(struct loader *ld, const config_setting_t *s)
{
	struct lg_config *cfg = ld->cfg;
	size_t i;

	ld->recipients_at = s;
	if (lg_get_strings(ld, s, &cfg->recipient_sources,
			   &cfg->n_recipient_sources) != 0)
		return -1;
	for (i = 0; i < cfg->n_recipient_sources; i++) {
		char *spec = cfg->recipient_sources[i], *abs, *out;
		const char *arg = file_arg(spec);

		if (!*spec)
			return lg_loader_fail(ld, s, "recipients: an empty source");
		if (!arg || arg[0] == '/' || !*arg)
			continue;
		if (!(abs = lg_config_resolve(ld->path, arg)) ||
		    !(out = malloc((size_t) (arg - spec) + strlen(abs) + 1))) {
			free(abs);
			return lg_loader_fail(ld, s, "out of memory");
		}
		sprintf(out, "%.*s%s", (int) (arg - spec), spec, abs);
		free(abs);
		free(spec);
		cfg->recipient_sources[i] = out;
	}
	return 0;
}

/* dir_int - a whole number within [lo, hi] */
static int dir_int(struct loader *ld, const config_setting_t *s, long long lo,
		   long long hi, long long *v_r)
{
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return lg_loader_fail(ld, s, "directory: %s must be a number",
				      config_setting_name(s));
	*v_r = config_setting_get_int64(s);
	if (*v_r < lo || *v_r > hi)
		return lg_loader_fail(ld, s,
				      "directory: %s must be from %lld to %lld",
				      config_setting_name(s), lo, hi);
	return 0;
}

/* dir_duration - a duration in ms within [lo_ms, hi_ms] */
static int dir_duration(struct loader *ld, const config_setting_t *s,
			long long lo_ms, long long hi_ms, long long *ms_r)
{
	const char *text = config_setting_type(s) == CONFIG_TYPE_STRING ?
		config_setting_get_string(s) : NULL;
	long long ms;

	if (!text || lg_parse_duration_ms(text, &ms) != 0 || ms < lo_ms ||
	    ms > hi_ms)
		return lg_loader_fail(ld, s,
				      "directory: %s must be a duration from %lldms to %llds, as \"5s\"",
				      config_setting_name(s), lo_ms,
				      hi_ms / 1000);
	*ms_r = ms;
	return 0;
}

/* lg_key_directory - the group that tunes every source */
int lg_key_directory(struct loader *ld, const config_setting_t *group)
{
	struct lg_directory_config *dc = &ld->cfg->directory;
	int i, n;

	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return lg_loader_fail(ld, group,
				      "directory must be a group { max_shrink = 50; ... }");
	n = config_setting_length(group);
	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(group, i);
		const char *name = config_setting_name(s);
		long long v;
		int rc;

		if (strcmp(name, "max_shrink") == 0)
			rc = dir_int(ld, s, 0, 100, &v) ||
				((dc->max_shrink = (int) v), 0);
		else if (strcmp(name, "cache_size") == 0)
			rc = dir_int(ld, s, 0, CACHE_MAX, &v) ||
				((dc->cache_size = (size_t) v), 0);
		else if (strcmp(name, "timeout") == 0)
			rc = dir_duration(ld, s, 10, 60000, &v) ||
				((dc->timeout_ms = (int) v), 0);
		else if (strcmp(name, "cache_ttl") == 0)
			rc = dir_duration(ld, s, 0, 86400000LL, &v) ||
				((dc->cache_ttl_s = (int) (v / 1000)), 0);
		else if (strcmp(name, "negative_ttl") == 0)
			rc = dir_duration(ld, s, 0, 86400000LL, &v) ||
				((dc->negative_ttl_s = (int) (v / 1000)), 0);
		else
			rc = lg_loader_fail(ld, s,
					    "directory: unknown setting \"%s\" (max_shrink, timeout, cache_size, cache_ttl, negative_ttl)",
					    name);
		if (rc)
			return -1;
	}
	return 0;
}

/* lg_directory_defaults - before the file is read */
void lg_directory_defaults(struct lg_directory_config *dc)
{
	dc->max_shrink = SHRINK_DEFAULT;
	dc->timeout_ms = TIMEOUT_DEFAULT;
	dc->cache_size = CACHE_DEFAULT;
	dc->cache_ttl_s = TTL_DEFAULT;
	dc->negative_ttl_s = NEG_TTL_DEFAULT;
}

/* Findings of the self-checks, as the loader reports them. */
struct findings {
	struct loader *ld;
	const config_setting_t *at;
	char first_error[700];
};

/* finding - a warning goes to the log at once; an error is kept */
static void finding(void *arg, const char *text)
{
	struct findings *f = arg;

	if (strncmp(text, "warning: ", 9) == 0)
		lg_loader_warn(f->ld, f->at, "%s", text + 9);
	else if (!f->first_error[0])
		snprintf(f->first_error, sizeof(f->first_error), "%s", text);
	else
		lg_loader_warn(f->ld, f->at, "%s", text);
}

/* lg_settings_directory_load - build, load and check the directory */
int lg_settings_directory_load(struct loader *ld, const config_setting_t *at)
{
	struct lg_config *cfg = ld->cfg;
	struct lg_directory_config *dc = &cfg->directory;
	struct lg_dir_env env;
	struct findings f = { ld, at, "" };
	struct lg_dir *old = ld->opts && ld->opts->previous ?
		ld->opts->previous->dir : NULL;
	char why[900];
	size_t i;

	if (ld->recipients_at)
		at = f.at = ld->recipients_at;
	memset(&env, 0, sizeof(env));
	env.case_sensitive_local = cfg->case_sensitive_local;
	env.delimiter = cfg->recipient_delimiter;
	env.local_domains = cfg->local_domains;
	env.n_local_domains = cfg->n_local_domains;
	env.timeout_ms = dc->timeout_ms;
	env.cache_max = dc->cache_size;
	env.cache_ttl_s = dc->cache_ttl_s;
	env.negative_ttl_s = dc->negative_ttl_s;
	if (!(cfg->dir = lg_dir_new(&env, dc->max_shrink)))
		return lg_loader_fail(ld, at, "out of memory");
	for (i = 0; i < cfg->n_recipient_sources; i++)
		if (lg_dir_add(cfg->dir, cfg->recipient_sources[i], why,
			       sizeof(why)) != 0)
			return lg_loader_fail(ld, at, "recipients: %s", why);
	if (cfg->n_local_domains && cfg->n_recipient_sources == 0)
		return lg_loader_fail(ld, at,
				      "recipients: no source listed; every local recipient would count as unknown (recipients = [ \"postfix\" ] reads Postfix's own tables)");
	if (lg_dir_load(cfg->dir, old, ld->opts ? ld->opts->force : 0, why,
			sizeof(why)) != 0)
		return lg_loader_fail(ld, at, "recipients: %s", why);
	lg_dir_check(cfg->dir, finding, &f);
	if (f.first_error[0])
		return lg_loader_fail(ld, at, "%s", f.first_error);
	return 0;
}
