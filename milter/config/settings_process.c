/*
 * NAME
 *	settings_process.c - the keys about the process: log, hostname,
 *	the groups of the sockets
 * DESCRIPTION
 *	log is "syslog" (facility mail), "syslog:FACILITY", "stderr" or
 *	"file:PATH" (a relative PATH is taken from the config's folder;
 *	its folder must exist, the file is opened at start).
 *
 *	socket_group and control_group name the groups of the milter and
 *	the control socket; each must exist when the file is loaded.
 *	When absent they follow "group" (so a config written before they
 *	existed keeps working), else the sockets keep the user's group.
 *	A "group" that is the MTA's own draws a warning: the daemon would
 *	run in that group and could read what the MTA's group may read.
 *
 *	hostname names this host in generated mail; without it the
 *	default of hostname.h is looked up at each load (start, reload).
 * DIAGNOSTICS
 *	"FILE:LINE: socket_group \"x\": no such group" and the like.
 */
#include "config.h"

/* System library. */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

/* Utility library. */
#include "hostname.h"
#include "postconf.h"
#include "log.h"

/* Config library. */
#include "settings.h"
#include "settings_impl.h"

/* lg_loader_warn - a located warning; the load goes on */
void lg_loader_warn(struct loader *ld, const config_setting_t *at,
		    const char *fmt, ...)
{
	const char *file = at ? config_setting_source_file(at) : NULL;
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lg_log(LG_LOG_WARN, "%s:%d: %s", file ? file : ld->path,
	       at ? (int) config_setting_source_line(at) : 0, msg);
}

/* string_of - the setting's string, or an error */
static const char *string_of(struct loader *ld, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		lg_loader_fail(ld, s, "%s must be a string",
			       config_setting_name(s));
		return NULL;
	}
	return config_setting_get_string(s);
}

/* group_exists - 1 when the group database knows NAME */
static int group_exists(const char *name)
{
	struct group gr, *found = NULL;
	char buf[16384];

	return getgrnam_r(name, &gr, buf, sizeof(buf), &found) == 0 &&
		found != NULL;
}

/* get_group - a group name that exists */
static int get_group(struct loader *ld, const config_setting_t *s,
		     char **val_r)
{
	const char *v = string_of(ld, s);

	if (!v)
		return -1;
	if (!*v || !group_exists(v))
		return lg_loader_fail(ld, s, "%s \"%s\": no such group",
				      config_setting_name(s), v);
	free(*val_r);
	*val_r = strdup(v);
	return *val_r ? 0 : lg_loader_fail(ld, s, "out of memory");
}

/* lg_key_socket_group - the milter socket's group (for the MTA) */
int lg_key_socket_group(struct loader *ld, const config_setting_t *s)
{
	return get_group(ld, s, &ld->cfg->socket_group);
}

/* lg_key_control_group - the control socket's group (for operators) */
int lg_key_control_group(struct loader *ld, const config_setting_t *s)
{
	return get_group(ld, s, &ld->cfg->control_group);
}

/* lg_warn_mta_group - "group" should not be the MTA's */
void lg_warn_mta_group(struct loader *ld, const config_setting_t *s)
{
	static const char *const mta[] = { "postfix", "postdrop", "smmsp",
					   "mail", NULL };
	const char *group = ld->cfg->group;
	size_t i;

	for (i = 0; group && mta[i]; i++)
		if (strcmp(group, mta[i]) == 0)
			lg_loader_warn(ld, s,
				       "group \"%s\" is the MTA's group, so loopguard itself would run in it; remove group and set socket_group = \"%s\" (the milter socket's group) instead",
				       group, group);
}

/* check_folder - the folder of a log file must exist */
static int check_folder(struct loader *ld, const config_setting_t *s,
			const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;

	if (!slash)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
	if (!dir[0])
		return 0;
	if (stat(dir, &st) != 0)
		return lg_loader_fail(ld, s, "log file:%s: folder %s: %s", path,
				      dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return lg_loader_fail(ld, s, "log file:%s: %s is not a folder",
				      path, dir);
	return 0;
}

/* lg_key_log - where the log goes */
int lg_key_log(struct loader *ld, const config_setting_t *s)
{
	struct lg_log_dest dest;
	const char *v = string_of(ld, s), *why = "";
	char *path, *text;

	if (!v)
		return -1;
	if (lg_log_parse(v, &dest, &why) != 0)
		return lg_loader_fail(ld, s, "log \"%s\": %s", v, why);
	free(ld->cfg->log);
	ld->cfg->log = NULL;
	if (dest.target != LG_LOG_FILE) {
		ld->cfg->log = strdup(v);
		return ld->cfg->log ? 0 : lg_loader_fail(ld, s, "out of memory");
	}
	path = lg_config_resolve(ld->path, dest.path);
	text = path ? malloc(strlen(path) + 6) : NULL;
	if (text)
		sprintf(text, "file:%s", path);
	free(path);
	ld->cfg->log = text;
	if (!text)
		return lg_loader_fail(ld, s, "out of memory");
	return check_folder(ld, s, text + 5);
}

/* lg_key_hostname - this host's name in generated mail */
int lg_key_hostname(struct loader *ld, const config_setting_t *s)
{
	const char *v = string_of(ld, s);

	if (!v)
		return -1;
	if (!lg_hostname_valid(v))
		return lg_loader_fail(ld, s,
				      "hostname \"%s\" is not a DNS name (letters, digits and hyphens, labels separated by dots)",
				      v);
	ld->cfg->hostname = lg_hostname_intern(v);
	return 0;
}

/* inherit - DST from "group" when DST was not set */
static int inherit(char **dst, const char *group)
{
	if (*dst || !group)
		return 0;
	*dst = strdup(group);
	return *dst ? 0 : -1;
}

/* lg_loader_finish - what depends on other keys */
int lg_loader_finish(struct loader *ld)
{
	struct lg_config *cfg = ld->cfg;
	char name[256];
	const char *how;

	if (inherit(&cfg->socket_group, cfg->group) != 0 ||
	    inherit(&cfg->control_group, cfg->group) != 0 ||
	    (!cfg->log && !(cfg->log = strdup("syslog"))))
		return lg_loader_fail(ld, NULL, "out of memory");
	if (!cfg->hostname) {
		how = lg_hostname_find(lg_postconf_path(), name,
				       sizeof(name));
		cfg->hostname = lg_hostname_intern(name);
		lg_log(LG_LOG_DEBUG, "hostname %s (%s)", cfg->hostname, how);
	}
	return 0;
}
