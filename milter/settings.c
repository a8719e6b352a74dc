/*
 * NAME
 *	settings.c - load and validate the config file
 * DESCRIPTION
 *	Core keys are described by a table (name, type, checker); anything
 *	else at the top level is an error. After the core keys, the
 *	recipient directory is loaded and every plugin is loaded and
 *	initialised, so a snapshot that comes back is complete and usable.
 *	The first problem ends the load with "FILE:LINE: message".
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libconfig.h>

#include "host.h"
#include "plugin_loader.h"
#include "section.h"
#include "settings.h"

struct loader {
	const char *path;
	struct lg_config *cfg;
	char *err;
	size_t errsize;
	const config_setting_t *recipients_at;	/* where to point errors */
};

/* fail - keep one error located at a setting */
static int fail(struct loader *ld, const config_setting_t *at,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct loader *ld, const config_setting_t *at,
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
		return fail(ld, s, "%s must be a string", config_setting_name(s));
	free(*val_r);
	*val_r = strdup(config_setting_get_string(s));
	return *val_r ? 0 : fail(ld, s, "out of memory");
}

/* get_strings - copy a list or array of strings */
static int get_strings(struct loader *ld, const config_setting_t *s,
		       char ***list_r, size_t *n_r)
{
	int i, n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		n = 1;
	else if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
		 config_setting_type(s) == CONFIG_TYPE_LIST)
		n = config_setting_length(s);
	else
		return fail(ld, s, "%s must be a list of strings [ \"...\" ]",
			    config_setting_name(s));
	*list_r = calloc((size_t) n + 1, sizeof(char *));
	if (!*list_r)
		return fail(ld, s, "out of memory");
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_type(s) ==
			CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(ld, e, "%s: element %d must be a string",
				    config_setting_name(s), i + 1);
		(*list_r)[i] = strdup(config_setting_get_string(e));
		if (!(*list_r)[i])
			return fail(ld, s, "out of memory");
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
			return fail(ld, s, "%s: bad octal mode \"%s\"",
				    config_setting_name(s), text);
	} else {
		return fail(ld, s, "%s must be an octal string such as \"0660\"",
			    config_setting_name(s));
	}
	if (v < 0 || v > 0777)
		return fail(ld, s, "%s must be between 0000 and 0777",
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
		return fail(ld, s, "socket \"%s\": %s", ld->cfg->socket, why);
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
		return fail(ld, s, "control \"%s\": %s", ld->cfg->control, why);
	if (spec.kind != LG_SOCK_UNIX)
		return fail(ld, s, "control must be a unix socket (unix:/path)");
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

static int key_user(struct loader *ld, const config_setting_t *s)
{
	return get_string(ld, s, &ld->cfg->user);
}

static int key_group(struct loader *ld, const config_setting_t *s)
{
	return get_string(ld, s, &ld->cfg->group);
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

/* key_local_domains - lower-case, no "@", at least one */
static int key_local_domains(struct loader *ld, const config_setting_t *s)
{
	size_t i;
	char *p;

	if (!ld->recipients_at)
		ld->recipients_at = s;
	if (get_strings(ld, s, &ld->cfg->local_domains,
			&ld->cfg->n_local_domains) != 0)
		return -1;
	for (i = 0; i < ld->cfg->n_local_domains; i++) {
		p = ld->cfg->local_domains[i];
		if (!*p || strchr(p, '@') || strpbrk(p, " \t\r\n"))
			return fail(ld, s, "local_domains: bad domain \"%s\"", p);
		for (; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
	}
	return 0;
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

/* key_recipients - files of valid addresses, relative to the config */
static int key_recipients(struct loader *ld, const config_setting_t *s)
{
	size_t i;

	ld->recipients_at = s;
	if (get_strings(ld, s, &ld->cfg->recipient_files,
			&ld->cfg->n_recipient_files) != 0)
		return -1;
	for (i = 0; i < ld->cfg->n_recipient_files; i++) {
		char *abs = lg_config_resolve(ld->path,
					      ld->cfg->recipient_files[i]);

		if (!abs)
			return fail(ld, s, "out of memory");
		free(ld->cfg->recipient_files[i]);
		ld->cfg->recipient_files[i] = abs;
	}
	return 0;
}

/* key_local_part_case - "insensitive" (default) or "sensitive" */
static int key_local_part_case(struct loader *ld, const config_setting_t *s)
{
	char *v = NULL;
	int rc = get_string(ld, s, &v);

	if (rc == 0 && strcmp(v, "sensitive") == 0)
		ld->cfg->case_sensitive_local = 1;
	else if (rc == 0 && strcmp(v, "insensitive") == 0)
		ld->cfg->case_sensitive_local = 0;
	else if (rc == 0)
		rc = fail(ld, s, "local_part_case must be \"insensitive\" or \"sensitive\", not \"%s\"", v);
	free(v);
	return rc;
}

/* key_trusted_networks - CIDRs, v4 and v6 */
static int key_trusted_networks(struct loader *ld, const config_setting_t *s)
{
	char **list = NULL;
	size_t n = 0, i;
	int rc;

	rc = get_strings(ld, s, &list, &n);
	if (rc == 0) {
		ld->cfg->trusted = calloc(n ? n : 1, sizeof(struct lg_cidr));
		if (!ld->cfg->trusted)
			rc = fail(ld, s, "out of memory");
	}
	for (i = 0; rc == 0 && i < n; i++) {
		if (lg_parse_cidr(list[i], &ld->cfg->trusted[i]) != 0)
			rc = fail(ld, s, "trusted_networks: bad network \"%s\"",
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
	char *v = NULL;
	int rc = get_string(ld, s, &v);

	if (rc == 0 && strcmp(v, "tempfail") == 0)
		ld->cfg->on_error = LG_TEMPFAIL;
	else if (rc == 0 && strcmp(v, "accept") == 0)
		ld->cfg->on_error = LG_ACCEPT;
	else if (rc == 0)
		rc = fail(ld, s, "on_error must be \"tempfail\" or \"accept\", not \"%s\"", v);
	free(v);
	return rc;
}

/* key_log_level - "info" (default) or "debug" */
static int key_log_level(struct loader *ld, const config_setting_t *s)
{
	char *v = NULL;
	int rc = get_string(ld, s, &v);

	if (rc == 0 && strcmp(v, "debug") == 0)
		ld->cfg->log_level = LG_LOG_DEBUG;
	else if (rc == 0 && strcmp(v, "info") == 0)
		ld->cfg->log_level = LG_LOG_INFO;
	else if (rc == 0 && strcmp(v, "warning") == 0)
		ld->cfg->log_level = LG_LOG_WARN;
	else if (rc == 0)
		rc = fail(ld, s, "log_level must be \"debug\", \"info\" or \"warning\", not \"%s\"", v);
	free(v);
	return rc;
}

/* key_state - the store group, checked in settings_state.c */
static int key_state(struct loader *ld, const config_setting_t *s)
{
	return lg_settings_state(ld->cfg, s, ld->err, ld->errsize);
}

static int key_plugins(struct loader *ld, const config_setting_t *s);

struct core_key {
	const char *name;
	int (*parse)(struct loader *ld, const config_setting_t *s);
};

static const struct core_key core_keys[] = {
	{ "socket", key_socket },
	{ "socket_mode", key_socket_mode },
	{ "user", key_user },
	{ "group", key_group },
	{ "pidfile", key_pidfile },
	{ "control", key_control },
	{ "control_mode", key_control_mode },
	{ "local_domains", key_local_domains },
	{ "recipients", key_recipients },
	{ "recipient_delimiter", key_delimiter },
	{ "local_part_case", key_local_part_case },
	{ "trusted_networks", key_trusted_networks },
	{ "on_error", key_on_error },
	{ "plugin_dir", key_plugin_dir },
	{ "log_level", key_log_level },
	{ "state", key_state },
	{ "plugins", key_plugins },
	{ NULL, NULL }
};

/* load_recipients - the directory every plugin relies on */
static int load_recipients(struct loader *ld, const config_setting_t *at)
{
	struct lg_config *cfg = ld->cfg;
	char why[1024];
	size_t i;

	if (ld->recipients_at)
		at = ld->recipients_at;
	cfg->recipients = lg_recipients_new(cfg->case_sensitive_local,
					    cfg->recipient_delimiter);
	if (!cfg->recipients)
		return fail(ld, at, "out of memory");
	for (i = 0; i < cfg->n_recipient_files; i++)
		if (lg_recipients_load(cfg->recipients,
				       cfg->recipient_files[i], why,
				       sizeof(why)) != 0)
			return fail(ld, at, "recipients: %s", why);
	if (cfg->n_local_domains && lg_recipients_count(cfg->recipients) == 0)
		return fail(ld, at,
			    "recipients: no valid address loaded (%s%s); every local recipient would count as unknown",
			    cfg->n_recipient_files ? "files: " : "no files listed",
			    cfg->n_recipient_files ? cfg->recipient_files[0] : "");
	return 0;
}

/* key_plugins - load and initialise each plugin in order */
static int key_plugins(struct loader *ld, const config_setting_t *s)
{
	static const char *const skip[] = { "name", NULL };
	struct lg_config *cfg = ld->cfg;
	int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_LIST)
		return fail(ld, s, "plugins must be a list of groups ( { name = \"...\"; ... } )");
	n = config_setting_length(s);
	cfg->plugins = calloc((size_t) n + 1, sizeof(*cfg->plugins));
	if (!cfg->plugins)
		return fail(ld, s, "out of memory");
	for (i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(s, i);
		struct lg_loaded_plugin *lp = &cfg->plugins[i];
		struct lg_section *sec;
		const char *name;
		char why[1024];
		size_t j;
		int rc;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return fail(ld, g, "plugins: element %d must be a group { name = \"...\"; }", i + 1);
		if (!config_setting_lookup_string(g, "name", &name))
			return fail(ld, g, "plugins: element %d has no name = \"...\"", i + 1);
		for (j = 0; j < (size_t) i; j++)
			if (strcmp(cfg->plugins[j].name, name) == 0)
				return fail(ld, g, "plugin %s is listed twice", name);
		if (lg_plugin_open(cfg->plugin_dir, name, lp, why,
				   sizeof(why)) != 0)
			return fail(ld, g, "%s", why);
		cfg->n_plugins = (size_t) i + 1;
		sec = lg_section_new(g, lp->name, ld->path);
		if (!sec)
			return fail(ld, g, "out of memory");
		rc = lp->desc->init ?
			lp->desc->init(lg_host_get(), sec, &lp->instance) : 0;
		if (rc == 0)
			lp->initialised = 1;
		if (lg_section_error(sec, ld->err, ld->errsize) != 0 ||
		    lg_section_check_unknown(sec, skip) != 0) {
			lg_section_error(sec, ld->err, ld->errsize);
			lg_section_free(&sec);
			return -1;
		}
		lg_section_free(&sec);
		if (rc != 0)
			return fail(ld, g, "plugin %s: init failed", name);
	}
	return 0;
}

/* read_file - parse the file; I/O errors name the path and errno */
static int read_file(struct loader *ld, config_t *lc)
{
	FILE *fp = fopen(ld->path, "r");

	if (!fp) {
		snprintf(ld->err, ld->errsize, "%s: %s", ld->path,
			 strerror(errno));
		return -1;
	}
	if (!config_read(lc, fp)) {
		snprintf(ld->err, ld->errsize, "%s:%d: %s",
			 config_error_file(lc) ? config_error_file(lc) : ld->path,
			 config_error_line(lc), config_error_text(lc));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/* walk_core - every top-level key through its parser, in file order */
static int walk_core(struct loader *ld, config_t *lc)
{
	config_setting_t *root = config_root_setting(lc);
	config_setting_t *plugins = NULL;
	int i, n = config_setting_length(root);

	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);
		const struct core_key *k;

		for (k = core_keys; k->name; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (!k->name)
			return fail(ld, s, "unknown setting \"%s\"", name);
		if (k->parse == key_plugins) {
			plugins = s;	/* after every core key */
			continue;
		}
		if (k->parse(ld, s) != 0)
			return -1;
	}
	if (load_recipients(ld, root) != 0)
		return -1;
	return plugins ? key_plugins(ld, plugins) : 0;
}

/* defaults - a snapshot before the file is read */
static struct lg_config *defaults(const char *path,
				  const struct lg_config_opts *opts)
{
	struct lg_config *cfg = calloc(1, sizeof(*cfg));
	const char *dir = opts && opts->plugin_dir_default ?
		opts->plugin_dir_default : PKGLIBDIR;

	if (!cfg)
		return NULL;
	cfg->refs = 1;
	cfg->path = strdup(path);
	cfg->socket = strdup("inet:8890@127.0.0.1");
	cfg->plugin_dir = strdup(dir);
	cfg->socket_mode = -1;
	cfg->control_mode = 0660;
	cfg->on_error = LG_TEMPFAIL;
	cfg->log_level = LG_LOG_INFO;
	cfg->state.backend = strdup("memory");
	cfg->state.snapshot_interval = 60;
	cfg->state.max_entries = 1000000;
	if (!cfg->path || !cfg->socket || !cfg->plugin_dir ||
	    !cfg->state.backend ||
	    lg_parse_socket_spec(cfg->socket, &cfg->socket_spec, NULL) != 0) {
		lg_config_unref(&cfg);
		return NULL;
	}
	return cfg;
}

/* lg_config_load - read, check and build one snapshot */
int lg_config_load(const char *path, const struct lg_config_opts *opts,
		   struct lg_config **cfg_r, char *err, size_t errsize)
{
	struct loader ld = { path, NULL, err, errsize, NULL };
	config_t lc;
	int rc;

	*cfg_r = NULL;
	ld.cfg = defaults(path, opts);
	if (!ld.cfg) {
		snprintf(err, errsize, "%s: out of memory", path);
		return -1;
	}
	config_init(&lc);
	rc = read_file(&ld, &lc);
	if (rc == 0)
		rc = walk_core(&ld, &lc);
	config_destroy(&lc);
	if (rc != 0) {
		lg_config_unref(&ld.cfg);
		return -1;
	}
	*cfg_r = ld.cfg;
	return 0;
}

/* lg_config_ref - pin */
struct lg_config *lg_config_ref(struct lg_config *cfg)
{
	if (cfg)
		__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL);
	return cfg;
}

/* free_strings - a NULL-terminated or counted list */
static void free_strings(char **list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

/* lg_config_unref - the last reference frees everything */
void lg_config_unref(struct lg_config **cfgp)
{
	struct lg_config *cfg = *cfgp;
	size_t i;

	*cfgp = NULL;
	if (!cfg || __atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = cfg->n_plugins; i > 0; i--)
		lg_plugin_close(&cfg->plugins[i - 1]);
	free(cfg->plugins);
	lg_recipients_free(&cfg->recipients);
	free_strings(cfg->local_domains, cfg->n_local_domains);
	free_strings(cfg->recipient_files, cfg->n_recipient_files);
	free(cfg->trusted);
	free(cfg->path);
	free(cfg->socket);
	free(cfg->user);
	free(cfg->group);
	free(cfg->pidfile);
	free(cfg->control);
	free(cfg->recipient_delimiter);
	free(cfg->plugin_dir);
	free(cfg->state.backend);
	free(cfg->state.snapshot);
	free(cfg);
}

/* lg_config_is_local_domain - exact, case-insensitive */
int lg_config_is_local_domain(const struct lg_config *cfg, const char *domain)
{
	size_t i;

	for (i = 0; domain && i < cfg->n_local_domains; i++)
		if (strcasecmp(cfg->local_domains[i], domain) == 0)
			return 1;
	return 0;
}

/* lg_config_is_trusted - client inside trusted_networks */
int lg_config_is_trusted(const struct lg_config *cfg, int family,
			 const unsigned char addr[16])
{
	size_t i;

	for (i = 0; i < cfg->n_trusted; i++)
		if (lg_cidr_match(&cfg->trusted[i], family, addr))
			return 1;
	return 0;
}

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lg_config *current;

/* lg_config_current - a new reference to the live snapshot */
struct lg_config *lg_config_current(void)
{
	struct lg_config *cfg;

	pthread_mutex_lock(&current_lock);
	cfg = lg_config_ref(current);
	pthread_mutex_unlock(&current_lock);
	return cfg;
}

/* lg_config_install - swap in a new snapshot; the old one lives on
 * until the last connection that pinned it closes */
void lg_config_install(struct lg_config *cfg)
{
	struct lg_config *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = cfg;
	pthread_mutex_unlock(&current_lock);
	lg_config_unref(&old);
}
