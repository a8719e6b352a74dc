/*
 * NAME
 *	console_config.c - the console's settings
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	if (cn_config_load("/etc/loopguard/loopguard.conf", err, size) < 0)
 *		...
 *	cn_cfg.listen, cn_cfg.users_file, ...
 * DESCRIPTION
 *	The settings are the "console" group of loopguard.conf, or of a
 *	file of its own with the same group. The daemon ignores that
 *	group; the console reads only it and the top-level "control" (the
 *	daemon's socket, unless the group names one). A key it does not
 *	know, a value of the wrong type or out of range is an error with
 *	the file and line, so a typo never silently weakens a setting.
 *
 *	cn_read_private_file() reads a file that holds a secret and
 *	refuses it when others may read or write it.
 * DIAGNOSTICS
 *	"FILE:LINE: console.KEY: what is wrong".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "console_impl.h"
#include "lg_paths.h"

struct cn_settings cn_cfg;

enum kind { K_STR, K_BOOL, K_UINT };

static const struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	unsigned min, max;
} keys[] = {
#define S(f)	K_STR, offsetof(struct cn_settings, f), 0, 0
#define U(f, lo, hi)	K_UINT, offsetof(struct cn_settings, f), lo, hi
	{ "listen", S(listen) },
	{ "tls_cert", S(tls_cert) },
	{ "tls_key", S(tls_key) },
	{ "allow_plain_http", K_BOOL, offsetof(struct cn_settings, allow_plain_http), 0, 1 },
	{ "users_file", S(users_file) },
	{ "metrics_token_file", S(metrics_token_file) },
	{ "state_file", S(state_file) },
	{ "user", S(user) },
	{ "log", S(log) },
	{ "control", S(control) },
	{ "max_connections", U(max_connections, 1, 10000) },
	{ "timeout", U(timeout, 1, 3600) },
	{ "session_idle", U(session_idle, 1, 7 * 86400) },
	{ "session_max", U(session_max, 1, 31 * 86400) },
#undef S
#undef U
};

/* set_defaults - the settings without a config */
static void set_defaults(void)
{
	cn_config_free();
	cn_cfg.listen = strdup("127.0.0.1:8025");
	cn_cfg.users_file = strdup(SYSCONFDIR "/loopguard/console.users");
	cn_cfg.state_file = strdup(LOCALSTATEDIR "/lib/loopguard-console/chart");
	cn_cfg.user = strdup("loopguard-console");
	cn_cfg.log = strdup("syslog");
	cn_cfg.max_connections = 64;
	cn_cfg.timeout = 30;
	cn_cfg.session_idle = 1800;
	cn_cfg.session_max = 43200;
}

/* cn_config_free - release the strings */
void cn_config_free(void)
{
	char **s[] = { &cn_cfg.listen, &cn_cfg.tls_cert, &cn_cfg.tls_key,
		&cn_cfg.users_file, &cn_cfg.metrics_token_file,
		&cn_cfg.control, &cn_cfg.state_file, &cn_cfg.user, &cn_cfg.log };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
	memset(&cn_cfg, 0, sizeof(cn_cfg));
}

/* where - "FILE:LINE: " of a setting */
static void where(const config_setting_t *s, const char *file, char *buf,
		  size_t size)
{
	const char *f = config_setting_source_file(s);

	snprintf(buf, size, "%s:%u", f ? f : file,
		 config_setting_source_line(s));
}

/* set_key - one setting of the group: 0, or -1 with err */
static int set_key(const config_setting_t *s, const char *file, char *err,
		   size_t errsize)
{
	const char *name = config_setting_name(s), *str;
	char at[512];
	size_t i;
	long long v;

	where(s, file, at, sizeof(at));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		snprintf(err, errsize, "%s: console.%s: no such setting", at, name);
		return -1;
	}
	switch (keys[i].kind) {
	case K_STR:
		if (!(str = config_setting_get_string(s)) || !*str) {
			snprintf(err, errsize, "%s: console.%s: wants a non-empty string",
				 at, name);
			return -1;
		}
		free(*(char **) ((char *) &cn_cfg + keys[i].offset));
		*(char **) ((char *) &cn_cfg + keys[i].offset) = strdup(str);
		return 0;
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			snprintf(err, errsize, "%s: console.%s: wants true or false", at, name);
			return -1;
		}
		*(int *) ((char *) &cn_cfg + keys[i].offset) = config_setting_get_bool(s);
		return 0;
	case K_UINT:
		if (config_setting_type(s) != CONFIG_TYPE_INT
		    && config_setting_type(s) != CONFIG_TYPE_INT64) {
			snprintf(err, errsize, "%s: console.%s: wants a number", at, name);
			return -1;
		}
		v = config_setting_get_int64(s);
		if (v < keys[i].min || v > keys[i].max) {
			snprintf(err, errsize, "%s: console.%s: %lld is not in %u..%u",
				 at, name, v, keys[i].min, keys[i].max);
			return -1;
		}
		*(unsigned *) ((char *) &cn_cfg + keys[i].offset) = (unsigned) v;
		return 0;
	}
	return -1;
}

/* check - what the keys say together: 0, or -1 with err */
static int check(const char *file, char *err, size_t errsize)
{
	if (!cn_cfg.tls_cert != !cn_cfg.tls_key) {
		snprintf(err, errsize, "%s: console: tls_cert and tls_key go together",
			 file);
		return -1;
	}
	if (cn_log_open(NULL) < 0 || (strcmp(cn_cfg.log, "syslog") != 0
				      && strcmp(cn_cfg.log, "stderr") != 0)) {
		snprintf(err, errsize, "%s: console.log: \"syslog\" or \"stderr\", not \"%s\"",
			 file, cn_cfg.log);
		return -1;
	}
	if (cn_cfg.session_max < cn_cfg.session_idle) {
		snprintf(err, errsize, "%s: console: session_max (%u) is shorter than session_idle (%u)",
			 file, cn_cfg.session_max, cn_cfg.session_idle);
		return -1;
	}
	if (!cn_cfg.tls_cert && !cn_cfg.allow_plain_http
	    && !cn_listen_is_local(cn_cfg.listen)) {
		snprintf(err, errsize, "%s: console.listen: plain HTTP on \"%s\" would send passwords in the clear: set tls_cert and tls_key, listen on loopback or a unix socket, or set allow_plain_http = true",
			 file, cn_cfg.listen);
		return -1;
	}
	return 0;
}

/* cn_config_load - read the settings of FILE */
int cn_config_load(const char *file, char *err, size_t errsize)
{
	config_t cf;
	config_setting_t *group, *s;
	const char *control;
	char dir[4096], *slash;
	int i, rc = -1;

	set_defaults();
	config_init(&cf);
	snprintf(dir, sizeof(dir), "%s", file);
	if ((slash = strrchr(dir, '/'))) {
		*slash = 0;
		config_set_include_dir(&cf, *dir ? dir : "/");
	}
	if (!config_read_file(&cf, file)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			snprintf(err, errsize, "%s: cannot read: %s", file,
				 strerror(errno ? errno : ENOENT));
		else
			snprintf(err, errsize, "%s:%d: %s",
				 config_error_file(&cf) ? config_error_file(&cf) : file,
				 config_error_line(&cf), config_error_text(&cf));
		goto out;
	}
	if (config_lookup_string(&cf, "control", &control))
		cn_cfg.control = strdup(control);
	else
		cn_cfg.control = strdup(LG_PATH_CONTROL);
	if (!(group = config_lookup(&cf, "console"))) {
		snprintf(err, errsize, "%s: no console group (console = { listen = ...; users_file = ...; };)",
			 file);
		goto out;
	}
	if (!config_setting_is_group(group)) {
		snprintf(err, errsize, "%s:%u: console: wants a group { ... }",
			 file, config_setting_source_line(group));
		goto out;
	}
	for (i = 0; (s = config_setting_get_elem(group, (unsigned) i)); i++)
		if (set_key(s, file, err, errsize) < 0)
			goto out;
	rc = check(file, err, errsize);
out:
	config_destroy(&cf);
	return rc;
}

/* cn_listen_is_local - loopback or a unix socket */
int cn_listen_is_local(const char *listen)
{
	if (!listen)
		return 0;
	if (strncmp(listen, "unix:", 5) == 0)
		return 1;
	if (strncmp(listen, "127.", 4) == 0 || strncmp(listen, "[::1]:", 6) == 0
	    || strncmp(listen, "localhost:", 10) == 0)
		return 1;
	return 0;
}

/* cn_read_private_file - a secret file, refused when others may read it */
int cn_read_private_file(const char *path, size_t max, char **data_r,
			 size_t *len_r, char *err, size_t errsize)
{
	struct stat st;
	char *data;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, errsize, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsize, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		snprintf(err, errsize, "%s: others may read or change it (mode %04o): chmod o-rwx,g-w %s",
			 path, (unsigned) (st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	if ((size_t) st.st_size > max) {
		snprintf(err, errsize, "%s: larger than %zu bytes", path, max);
		close(fd);
		return -1;
	}
	if (!(data = malloc(max + 1))) {
		snprintf(err, errsize, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (len <= max && (n = read(fd, data + len, max + 1 - len)) > 0)
		len += (size_t) n;
	close(fd);
	if (len > max) {
		snprintf(err, errsize, "%s: larger than %zu bytes", path, max);
		free(data);
		return -1;
	}
	data[len] = 0;
	*data_r = data;
	if (len_r)
		*len_r = len;
	return 0;
}
