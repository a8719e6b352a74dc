/*
 * NAME
 *	settings_keys.c - the core keys of the config file, one parser each
 * DESCRIPTION
 *	lg_core_keys maps each top-level key to a function that checks its
 *	type and value and copies it into the snapshot. "plugins" is not
 *	here: settings.c loads plugins after every core key is known.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

/* Config library. */
#include "settings.h"
#include "settings_impl.h"

/* lg_loader_fail - keep one error located at a setting */
int lg_loader_fail(struct loader *ld, const config_setting_t *at,
		const char *fmt, ...)
{
	const char *file = at ? config_setting_source_file(at) : NULL;
	int line = at ? (int) config_setting_source_line(at) : 0;
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errsize, "%s:%d: %s", file ? file : ld->path,
		 line, msg);
	return -1;
}

/* get_string - copy a string setting */
static int get_string(struct loader *ld, const config_setting_t *s,
		      char **val_r)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return lg_loader_fail(ld, s, "%s must be a string", config_setting_name(s));
	free(*val_r);
	*val_r = strdup(config_setting_get_string(s));
	return *val_r ? 0 : lg_loader_fail(ld, s, "out of memory");
}

/* get_strings - copy a list or array of strings */
int lg_get_strings(struct loader *ld, const config_setting_t *s,
		       char ***list_r, size_t *n_r)
{
	int i, n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		n = 1;
	else if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
		 config_setting_type(s) == CONFIG_TYPE_LIST)
		n = config_setting_length(s);
	else
		return lg_loader_fail(ld, s, "%s must be a list of strings [ \"...\" ]",
			    config_setting_name(s));
	*list_r = calloc((size_t) n + 1, sizeof(char *));
	if (!*list_r)
		return lg_loader_fail(ld, s, "out of memory");
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_type(s) ==
			CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return lg_loader_fail(ld, e, "%s: element %d must be a string",
				    config_setting_name(s), i + 1);
		(*list_r)[i] = strdup(config_setting_get_string(e));
		if (!(*list_r)[i])
			return lg_loader_fail(ld, s, "out of memory");
		*n_r = (size_t) i + 1;
	}
	return 0;
}

/* get_mode - "0660" or an integer, as file permissions */
static int get_mode(struct loader *ld, const config_setting_t *s, int *mode_r)
{
	const char *text;
	char *end;
	long v;

	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		v = config_setting_get_int(s);
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		text = config_setting_get_string(s);
		errno = 0;
		v = strtol(text, &end, 8);
		if (!*text || *end || errno)
			return lg_loader_fail(ld, s, "%s: bad octal mode \"%s\"",
				    config_setting_name(s), text);
	} else {
		return lg_loader_fail(ld, s, "%s must be an octal string such as \"0660\"",
			    config_setting_name(s));
	}
	if (v < 0 || v > 0777)
		return lg_loader_fail(ld, s, "%s must be between 0000 and 0777",
			    config_setting_name(s));
	*mode_r = (int) v;
	return 0;
}

/* key_socket - where the MTA connects */
static int key_socket(struct loader *ld, const config_setting_t *s)
{
	const char *why;

	if (get_string(ld, s, &ld->cfg->socket) != 0)
		return -1;
	if (lg_parse_socket_spec(ld->cfg->socket, &ld->cfg->socket_spec,
				 &why) != 0)
		return lg_loader_fail(ld, s, "socket \"%s\": %s", ld->cfg->socket, why);
	return 0;
}

/* key_control - the control socket (unix only) */
static int key_control(struct loader *ld, const config_setting_t *s)
{
	struct lg_socket_spec spec;
	const char *why;

	if (get_string(ld, s, &ld->cfg->control) != 0)
		return -1;
	if (lg_parse_socket_spec(ld->cfg->control, &spec, &why) != 0)
		return lg_loader_fail(ld, s, "control \"%s\": %s", ld->cfg->control, why);
	if (spec.kind != LG_SOCK_UNIX)
		return lg_loader_fail(ld, s, "control must be a unix socket (unix:/path)");
	return 0;
}

/* key_console - loopguard-console's group: it reads it, the daemon
 * only checks that it is a group */
static int key_console(struct loader *ld, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return lg_loader_fail(ld, s, "console must be a group { ... } (read by loopguard-console)");
	return 0;
}

static int key_socket_mode(struct loader *ld, const config_setting_t *s)
{
	return get_mode(ld, s, &ld->cfg->socket_mode);
}

static int key_control_mode(struct loader *ld, const config_setting_t *s)
{
	return get_mode(ld, s, &ld->cfg->control_mode);
}

/* key_user - the user to drop to: it must exist, so -n, a start and
 * a reload all name the line of a misspelled one */
static int key_user(struct loader *ld, const config_setting_t *s)
{
	struct passwd pw, *found = NULL;
	char buf[4096];

	if (get_string(ld, s, &ld->cfg->user) != 0)
		return -1;
	if (!*ld->cfg->user ||
	    getpwnam_r(ld->cfg->user, &pw, buf, sizeof(buf), &found) != 0 ||
	    !found)
		return lg_loader_fail(ld, s, "user \"%s\": no such user",
				      ld->cfg->user);
	return 0;
}

/* key_group - the daemon's group, which must exist; the MTA's draws a
 * warning */
static int key_group(struct loader *ld, const config_setting_t *s)
{
	struct group gr, *found = NULL;
	char buf[4096];

	if (get_string(ld, s, &ld->cfg->group) != 0)
		return -1;
	if (!*ld->cfg->group ||
	    getgrnam_r(ld->cfg->group, &gr, buf, sizeof(buf), &found) != 0 ||
	    !found)
		return lg_loader_fail(ld, s, "group \"%s\": no such group",
				      ld->cfg->group);
	lg_warn_mta_group(ld, s);
	return 0;
}

static int key_pidfile(struct loader *ld, const config_setting_t *s)
{
	return get_string(ld, s, &ld->cfg->pidfile);
}

static int key_plugin_dir(struct loader *ld, const config_setting_t *s)
{
	return get_string(ld, s, &ld->cfg->plugin_dir);
}

static int key_delimiter(struct loader *ld, const config_setting_t *s)
{
	return get_string(ld, s, &ld->cfg->recipient_delimiter);
}

/* lg_config_resolve - a relative path is taken from the config's folder */
char *lg_config_resolve(const char *config_path, const char *path)
{
	const char *slash = strrchr(config_path, '/');
	size_t dirlen = slash ? (size_t) (slash - config_path) : 0;
	char *out;

	if (path[0] == '/' || !slash)
		return strdup(path);
	out = malloc(dirlen + strlen(path) + 2);
	if (out)
		sprintf(out, "%.*s/%s", (int) dirlen, config_path, path);
	return out;
}

/* get_word - one of WORDS; its VALUES entry goes to *val_r */
static int get_word(struct loader *ld, const config_setting_t *s,
		    const char *const *words, const int *values, int *val_r)
{
	char *v = NULL, choices[256] = "";
	size_t i, n;
	int rc = get_string(ld, s, &v);

	for (n = 0; words[n]; n++)
		;
	for (i = 0; rc == 0 && i < n; i++) {
		if (strcmp(v, words[i]) == 0) {
			*val_r = values[i];
			free(v);
			return 0;
		}
		snprintf(choices + strlen(choices),
			 sizeof(choices) - strlen(choices), "%s\"%s\"",
			 i == 0 ? "" : i + 1 == n ? " or " : ", ", words[i]);
	}
	if (rc == 0)
		rc = lg_loader_fail(ld, s, "%s must be %s, not \"%s\"",
				    config_setting_name(s), choices, v);
	free(v);
	return rc;
}

/* key_local_part_case - "insensitive" (default) or "sensitive" */
static int key_local_part_case(struct loader *ld, const config_setting_t *s)
{
	static const char *const words[] = { "insensitive", "sensitive", NULL };
	static const int values[] = { 0, 1 };

	return get_word(ld, s, words, values, &ld->cfg->case_sensitive_local);
}

/* key_trusted_networks - CIDRs, v4 and v6 */
static int key_trusted_networks(struct loader *ld, const config_setting_t *s)
{
	char **list = NULL;
	size_t n = 0, i;
	int rc;

	rc = lg_get_strings(ld, s, &list, &n);
	if (rc == 0) {
		ld->cfg->trusted = calloc(n ? n : 1, sizeof(struct lg_cidr));
		if (!ld->cfg->trusted)
			rc = lg_loader_fail(ld, s, "out of memory");
	}
	for (i = 0; rc == 0 && i < n; i++) {
		if (lg_parse_cidr(list[i], &ld->cfg->trusted[i]) != 0)
			rc = lg_loader_fail(ld, s, "trusted_networks: bad network \"%s\"",
				  list[i]);
		else
			ld->cfg->n_trusted = i + 1;
	}
	for (i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

/* key_on_error - what the MTA hears when loopguard itself fails */
static int key_on_error(struct loader *ld, const config_setting_t *s)
{
	static const char *const words[] = { "tempfail", "accept", NULL };
	static const int values[] = { LG_TEMPFAIL, LG_ACCEPT };
	int v;

	if (get_word(ld, s, words, values, &v) != 0)
		return -1;
	ld->cfg->on_error = (enum lg_verdict) v;
	return 0;
}

/* key_no_reply - "auto" (unix sockets only), "always" or "never" */
static int key_no_reply(struct loader *ld, const config_setting_t *s)
{
	static const char *const words[] = { "auto", "always", "never", NULL };
	static const int values[] = { LG_NO_REPLY_AUTO, LG_NO_REPLY_ALWAYS,
				      LG_NO_REPLY_NEVER };

	return get_word(ld, s, words, values, &ld->cfg->no_reply);
}

/* key_log_level - "info" (default), "debug" or "warning" */
static int key_log_level(struct loader *ld, const config_setting_t *s)
{
	static const char *const words[] = { "debug", "info", "warning", NULL };
	static const int values[] = { LG_LOG_DEBUG, LG_LOG_INFO, LG_LOG_WARN };
	int v;

	if (get_word(ld, s, words, values, &v) != 0)
		return -1;
	ld->cfg->log_level = (enum lg_log_level) v;
	return 0;
}

/* key_state - the store group, checked in settings_state.c */
static int key_state(struct loader *ld, const config_setting_t *s)
{
	return lg_settings_state(ld->cfg, s, ld->err, ld->errsize);
}

/* key_mailer - the mailer group, checked in settings_mailer.c */
static int key_mailer(struct loader *ld, const config_setting_t *s)
{
	return lg_settings_mailer(ld->cfg, s, ld->err, ld->errsize);
}

/* key_dkim_keys - a DKIM key file instead of DNS (settings_mailer.c) */
static int key_dkim_keys(struct loader *ld, const config_setting_t *s)
{
	return lg_settings_dkim_keys(ld->cfg, s, ld->err, ld->errsize);
}

const struct lg_core_key lg_core_keys[] = {
	{ "socket", key_socket },
	{ "socket_mode", key_socket_mode },
	{ "user", key_user },
	{ "group", key_group },
	{ "socket_group", lg_key_socket_group },
	{ "control_group", lg_key_control_group },
	{ "log", lg_key_log },
	{ "hostname", lg_key_hostname },
	{ "pidfile", key_pidfile },
	{ "control", key_control },
	{ "control_mode", key_control_mode },
	{ "local_domains", lg_key_local_domains },
	{ "recipients", lg_key_recipients },
	{ "directory", lg_key_directory },
	{ "recipient_delimiter", key_delimiter },
	{ "local_part_case", key_local_part_case },
	{ "trusted_networks", key_trusted_networks },
	{ "on_error", key_on_error },
	{ "no_reply", key_no_reply },
	{ "plugin_dir", key_plugin_dir },
	{ "log_level", key_log_level },
	{ "state", key_state },
	{ "mailer", key_mailer },
	{ "dkim_keys", key_dkim_keys },
	{ "console", key_console },
	{ NULL, NULL }
};
