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

/* Utility library. */
#include "lg_paths.h"

/* Config library. */
#include "plugin_loader.h"
#include "section.h"
#include "settings.h"
#include "settings_impl.h"

/* key_plugins - load and initialise each plugin in order */
static int key_plugins(struct loader *ld, const config_setting_t *s)
{
	static const char *const skip[] = { "name", NULL };
	struct lg_config *cfg = ld->cfg;
	int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_LIST)
		return lg_loader_fail(ld, s, "plugins must be a list of groups ( { name = \"...\"; ... } )");
	n = config_setting_length(s);
	cfg->plugins = calloc((size_t) n + 1, sizeof(*cfg->plugins));
	if (!cfg->plugins)
		return lg_loader_fail(ld, s, "out of memory");
	for (i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(s, i);
		struct lg_loaded_plugin *lp = &cfg->plugins[i];
		struct lg_section *sec;
		const char *name;
		char why[1024];
		size_t j;
		int rc;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return lg_loader_fail(ld, g, "plugins: element %d must be a group { name = \"...\"; }", i + 1);
		if (!config_setting_lookup_string(g, "name", &name))
			return lg_loader_fail(ld, g, "plugins: element %d has no name = \"...\"", i + 1);
		for (j = 0; j < (size_t) i; j++)
			if (strcmp(cfg->plugins[j].name, name) == 0)
				return lg_loader_fail(ld, g, "plugin %s is listed twice", name);
		if (lg_plugin_open(cfg->plugin_dir, name, lp, why,
				   sizeof(why)) != 0)
			return lg_loader_fail(ld, g, "%s", why);
		cfg->n_plugins = (size_t) i + 1;
		if (lp->desc->init && !ld->host)
			return lg_loader_fail(ld, g, "plugin %s: no plugin "
					      "host to start it with", name);
		sec = lg_section_new(g, lp->name, ld->path);
		if (!sec)
			return lg_loader_fail(ld, g, "out of memory");
		if (cfg->local_domains_from)	/* not in the file: Postfix's */
			lg_section_set_local_domains(sec, cfg->local_domains,
						     cfg->n_local_domains);
		rc = lp->desc->init ?
			lp->desc->init(ld->host, sec, &lp->instance) : 0;
		/* fini frees even a half-built instance */
		if (rc == 0 || lp->instance)
			lp->initialised = 1;
		if (lg_section_error(sec, ld->err, ld->errsize) != 0 ||
		    lg_section_check_unknown(sec, skip) != 0) {
			lg_section_error(sec, ld->err, ld->errsize);
			lg_section_free(&sec);
			return -1;
		}
		lg_section_free(&sec);
		if (rc != 0)
			return lg_loader_fail(ld, g, "plugin %s: init failed", name);
		lg_plugin_needs(lp);
		cfg->plugin_uses |= lp->uses;
		cfg->plugin_answers |= lp->answers;
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
		const struct lg_core_key *k;

		if (strcmp(name, "plugins") == 0) {
			plugins = s;	/* after every core key */
			continue;
		}
		for (k = lg_core_keys; k->name; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (!k->name)
			return lg_loader_fail(ld, s, "unknown setting \"%s\"", name);
		if (k->parse(ld, s) != 0)
			return -1;
	}
	if (lg_loader_finish(ld) != 0 || lg_settings_directory_load(ld, root) != 0)
		return -1;
	return plugins ? key_plugins(ld, plugins) : 0;
}

/* defaults - a snapshot before the file is read */
static struct lg_config *defaults(const char *path,
				  const struct lg_config_opts *opts)
{
	struct lg_config *cfg = calloc(1, sizeof(*cfg));
	const char *dir = opts && opts->plugin_dir_default ?
		opts->plugin_dir_default : LG_PATH_PLUGIN_DIR;

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
	lg_directory_defaults(&cfg->directory);
	if (!cfg->path || !cfg->socket || !cfg->plugin_dir ||
	    !cfg->state.backend ||
	    lg_parse_socket_spec(cfg->socket, &cfg->socket_spec, NULL) != 0) {
		lg_config_unref(&cfg);
		return NULL;
	}
	return cfg;
}

/* one_line - a value quoted in an error may hold a line break or another
 * control byte: each becomes "?", so the error stays one line */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* lg_config_load - read, check and build one snapshot */
int lg_config_load(const char *path, const struct lg_config_opts *opts,
		   struct lg_config **cfg_r, char *err, size_t errsize)
{
	struct loader ld = { path, NULL, err, errsize, NULL,
			     opts ? opts->host : NULL, opts };
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
		if (errsize)
			one_line(err);
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
	lg_dir_free(&cfg->dir);
	free_strings(cfg->local_domains, cfg->n_local_domains);
	free(cfg->local_domains_from);
	free_strings(cfg->recipient_sources, cfg->n_recipient_sources);
	free(cfg->trusted);
	free(cfg->path);
	free(cfg->socket);
	free(cfg->user);
	free(cfg->group);
	free(cfg->socket_group);
	free(cfg->control_group);
	free(cfg->log);
	free(cfg->pidfile);
	free(cfg->control);
	free(cfg->recipient_delimiter);
	free(cfg->plugin_dir);
	free(cfg->state.backend);
	free(cfg->state.snapshot);
	lg_settings_mailer_free(cfg);
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
