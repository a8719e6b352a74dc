/*
 * NAME
 *	settings_mailer.c - the "mailer" group and the "dkim_keys" key
 * SYNOPSIS
 *	mailer = { method = "sendmail"; path = "/usr/sbin/sendmail";
 *	           outbox = "/var/spool/loopguard/outbox";
 *	           retry_interval = "5m"; max_attempts = 10;
 *	           timeout = "60s"; }
 *	mailer = { method = "smtp"; host = "127.0.0.1"; port = 25; ... }
 *	dkim_keys = "FILE";
 * DESCRIPTION
 *	How generated mail (autoreplies, postmaster notices) is handed
 *	over: through the MTA's sendmail binary (exec'd, never a shell)
 *	or SMTP to host:port. Messages wait in the outbox directory until
 *	handed over, retried every retry_interval (30s..7d), at most
 *	max_attempts times (1..1000). timeout (1s..10m) bounds one
 *	hand-over. Relative paths are taken from the config's folder.
 *
 *	dkim_keys names a file of "SELECTOR._domainkey.DOMAIN TXT-DATA"
 *	lines that DKIM verification uses instead of DNS (offline setups
 *	and tests); it must be readable when the config is loaded.
 * DIAGNOSTICS
 *	"FILE:LINE: mailer: ..." naming the key and what is wrong.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

/* Utility library. */
#include "parse.h"
#include "lg_paths.h"

/* Config library. */
#include "settings.h"

#define DEFAULT_OUTBOX	LG_PATH_OUTBOX

/* fail - "FILE:LINE: mailer: ..." */
static int fail(const config_setting_t *at, const char *path, char *err,
		size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(const config_setting_t *at, const char *path, char *err,
		size_t errsize, const char *fmt, ...)
{
	const char *file = config_setting_source_file(at);
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errsize, "%s:%d: %s", file ? file : path,
		 (int) config_setting_source_line(at), msg);
	return -1;
}

/* set_string - replace *dst with a copy; 0 or -1 */
static int set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

/* get_duration - "5m" style, bounded */
static int get_duration(const config_setting_t *s, const char *path,
			long long min, long long max, long long *val_r,
			char *err, size_t errsize)
{
	const char *name = config_setting_name(s);

	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    lg_parse_duration(config_setting_get_string(s), val_r) != 0)
		return fail(s, path, err, errsize,
			    "mailer: %s must be a duration such as \"5m\"", name);
	if (*val_r < min || *val_r > max)
		return fail(s, path, err, errsize,
			    "mailer: %s must be between %llds and %llds", name,
			    min, max);
	return 0;
}

/* get_int - an integer in [min, max] */
static int get_int(const config_setting_t *s, const char *path,
		   long long min, long long max, long long *val_r, char *err,
		   size_t errsize)
{
	const char *name = config_setting_name(s);

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(s, path, err, errsize, "mailer: %s must be a number",
			    name);
	*val_r = config_setting_get_int64(s);
	if (*val_r < min || *val_r > max)
		return fail(s, path, err, errsize,
			    "mailer: %s must be between %lld and %lld", name, min,
			    max);
	return 0;
}

/* one_key - check one member of the group */
static int one_key(struct lg_config *cfg, const config_setting_t *s,
		   char *err, size_t errsize)
{
	struct lg_mailer_config *m = &cfg->mailer;
	const char *name = config_setting_name(s), *text;
	long long v;
	char *abs;

	if (strcmp(name, "retry_interval") == 0)
		return get_duration(s, cfg->path, 30, 7 * 86400,
				    &m->retry_interval, err, errsize);
	if (strcmp(name, "timeout") == 0)
		return get_duration(s, cfg->path, 1, 600, &m->timeout, err,
				    errsize);
	if (strcmp(name, "max_attempts") == 0)
		return get_int(s, cfg->path, 1, 1000, &m->max_attempts, err,
			       errsize);
	if (strcmp(name, "port") == 0) {
		if (get_int(s, cfg->path, 1, 65535, &v, err, errsize) != 0)
			return -1;
		m->port = (int) v;
		return 0;
	}
	if (strcmp(name, "method") != 0 && strcmp(name, "path") != 0 &&
	    strcmp(name, "host") != 0 && strcmp(name, "outbox") != 0)
		return fail(s, cfg->path, err, errsize,
			    "mailer: unknown setting \"%s\"", name);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(s, cfg->path, err, errsize,
			    "mailer: %s must be a string", name);
	text = config_setting_get_string(s);
	if (!*text || strpbrk(text, "\r\n\t "))
		return fail(s, cfg->path, err, errsize,
			    "mailer: %s \"%s\" is empty or has blanks", name,
			    text);
	if (strcmp(name, "method") == 0) {
		if (strcmp(text, "sendmail") == 0)
			m->method = LG_MAILER_SENDMAIL;
		else if (strcmp(text, "smtp") == 0)
			m->method = LG_MAILER_SMTP;
		else
			return fail(s, cfg->path, err, errsize,
				    "mailer: method must be \"sendmail\" or \"smtp\", not \"%s\"",
				    text);
		return 0;
	}
	if (strcmp(name, "host") == 0)
		return set_string(&m->host, text) == 0 ? 0 :
			fail(s, cfg->path, err, errsize, "mailer: out of memory");
	if (strcmp(name, "path") == 0 && text[0] != '/')
		return fail(s, cfg->path, err, errsize,
			    "mailer: path \"%s\" must be absolute", text);
	abs = lg_config_resolve(cfg->path, text);
	if (!abs)
		return fail(s, cfg->path, err, errsize, "mailer: out of memory");
	free(strcmp(name, "path") == 0 ? m->path : m->outbox);
	if (strcmp(name, "path") == 0)
		m->path = abs;
	else
		m->outbox = abs;
	return 0;
}

/* lg_settings_mailer - the group, with defaults for what it leaves out */
int lg_settings_mailer(struct lg_config *cfg,
		       const struct config_setting_t *group, char *err,
		       size_t errsize)
{
	struct lg_mailer_config *m = &cfg->mailer;
	const config_setting_t *g = (const config_setting_t *) group;
	int i, n;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fail(g, cfg->path, err, errsize,
			    "mailer must be a group { ... }");
	m->configured = 1;
	m->method = LG_MAILER_SENDMAIL;
	m->port = 25;
	m->retry_interval = 300;
	m->max_attempts = 10;
	m->timeout = 60;
	if (set_string(&m->path, "/usr/sbin/sendmail") != 0 ||
	    set_string(&m->host, "127.0.0.1") != 0 ||
	    set_string(&m->outbox, DEFAULT_OUTBOX) != 0)
		return fail(g, cfg->path, err, errsize, "mailer: out of memory");
	n = config_setting_length(g);
	for (i = 0; i < n; i++)
		if (one_key(cfg, config_setting_get_elem(g, i), err,
			    errsize) != 0)
			return -1;
	return 0;
}

/* lg_settings_dkim_keys - a key file, relative to the config */
int lg_settings_dkim_keys(struct lg_config *cfg,
			  const struct config_setting_t *s, char *err,
			  size_t errsize)
{
	const config_setting_t *k = (const config_setting_t *) s;
	const char *text;
	FILE *fp;

	if (config_setting_type(k) != CONFIG_TYPE_STRING ||
	    !*(text = config_setting_get_string(k)))
		return fail(k, cfg->path, err, errsize,
			    "dkim_keys must be the path of a key file");
	free(cfg->dkim_keys);
	cfg->dkim_keys = lg_config_resolve(cfg->path, text);
	if (!cfg->dkim_keys)
		return fail(k, cfg->path, err, errsize, "out of memory");
	if ((fp = fopen(cfg->dkim_keys, "r")) == NULL)
		return fail(k, cfg->path, err, errsize,
			    "dkim_keys: cannot read %s: %s", cfg->dkim_keys,
			    strerror(errno));
	fclose(fp);
	return 0;
}

/* lg_settings_mailer_free - at the last unref */
void lg_settings_mailer_free(struct lg_config *cfg)
{
	free(cfg->mailer.path);
	free(cfg->mailer.host);
	free(cfg->mailer.outbox);
	free(cfg->dkim_keys);
	if (cfg->dkim_lib && cfg->dkim_lib_free)
		cfg->dkim_lib_free(cfg->dkim_lib);
	cfg->dkim_lib = NULL;
	cfg->dkim_lib_free = NULL;
}
