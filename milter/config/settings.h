/*
 * NAME
 *	settings.h - the validated, reference-counted configuration snapshot
 * DESCRIPTION
 *	lg_config_load() reads one libconfig file, checks every core key
 *	(types, ranges, unknown keys), loads the recipient directory, loads
 *	and initialises every plugin, and returns an immutable snapshot.
 *	The first error stops it and comes back as one line
 *	"FILE:LINE: message". A connection pins the snapshot it started
 *	with (lg_config_ref/unref), so a reload never changes config under
 *	a message in flight.
 */
#ifndef LG_SETTINGS_H
#define LG_SETTINGS_H

#include <stddef.h>

#include <loopguard/plugin.h>

/* Utility library. */
#include "parse.h"

/* Directory library. */
#include "directory.h"

/* Config library. */
#include "plugin_loader.h"

struct lg_loaded_plugin;

/* The "directory" group: how the recipient sources are asked. */
struct lg_directory_config {
	int     max_shrink;		/* percent a reload may lose */
	int     timeout_ms;		/* per query, per program run */
	size_t  cache_size;		/* answers remembered, per source */
	int     cache_ttl_s;
	int     negative_ttl_s;
};

/* The state store settings. */
#define LG_STATE_SENTINELS_MAX	8
struct lg_state_config {
	char *backend;			/* "memory" */
	char *snapshot;			/* NULL: none */
	long long snapshot_interval;	/* seconds */
	long long max_entries;
	long long max_bytes;		/* 0: max_entries x 256 */
	/* backend "redis" (settings_state.c); "" and 0 mean the default */
	char server[256];		/* "unix:/path" or "HOST:PORT" */
	char password[256];		/* "": no AUTH */
	char prefix[64];		/* "lg:" */
	int db;				/* 0..15 */
	long long timeout_ms;		/* 200 */
	int on_store_error_tempfail;	/* on_store_error = "tempfail" */
	/* Sentinel instead of server: "HOST:PORT" or "unix:/path" each */
	char sentinels[LG_STATE_SENTINELS_MAX][256];
	int nsentinels;
	char master_name[128];
	char sentinel_password[256];	/* "": no AUTH */
};

/* The mailer group: how generated mail is handed over
 * (settings_mailer.c). configured is 0 when the file has no group. */
struct lg_mailer_config {
	int configured;
	int method;			/* LG_MAILER_SENDMAIL or LG_MAILER_SMTP */
	char *path;			/* sendmail binary */
	char *host;			/* smtp relay */
	int port;
	char *outbox;			/* directory */
	long long retry_interval;	/* seconds */
	long long max_attempts;
	long long timeout;		/* seconds, per hand-over */
};
/* no_reply: when the MTA is told not to wait for an answer at the
 * steps where nobody answers (SMFIP_NR_*) */
#define LG_NO_REPLY_AUTO	0	/* on a unix socket only */
#define LG_NO_REPLY_ALWAYS	1
#define LG_NO_REPLY_NEVER	2

#define LG_MAILER_SENDMAIL	0
#define LG_MAILER_SMTP		1

struct lg_config {
	int refs;			/* atomic */
	char *path;
	char *socket;
	struct lg_socket_spec socket_spec;
	int socket_mode;		/* -1: leave as created */
	char *user;
	char *group;			/* the daemon's group, NULL: user's */
	char *socket_group;		/* milter socket's; NULL: group or
					 * the user's */
	char *pidfile;
	char *control;			/* control socket spec, NULL: none */
	int control_mode;
	char *control_group;		/* control socket's; NULL: as above */
	char *log;			/* "syslog[:FAC]", "stderr", "file:/p" */
	const char *hostname;		/* generated mail's; interned, never
					 * freed (hostname.h) */
	char **local_domains;		/* lower case */
	size_t n_local_domains;
	char *local_domains_from;	/* "postfix": the Postfix config
					 * folder asked; NULL: listed */
	char **recipient_sources;	/* "postfix", "file:/path", ... */
	size_t n_recipient_sources;
	struct lg_directory_config directory;
	char *recipient_delimiter;
	int case_sensitive_local;
	struct lg_dir *dir;		/* who exists (directory/) */
	struct lg_cidr *trusted;
	size_t n_trusted;
	enum lg_verdict on_error;	/* LG_TEMPFAIL or LG_ACCEPT */
	char *plugin_dir;
	enum lg_log_level log_level;
	struct lg_state_config state;
	struct lg_loaded_plugin *plugins;
	size_t n_plugins;
	unsigned plugin_uses;		/* LG_STEP_*: some plugin reads it */
	unsigned plugin_answers;	/* LG_STEP_*: some plugin answers */
	int no_reply;			/* LG_NO_REPLY_* */
	struct lg_mailer_config mailer;	/* settings_mailer.c */
	char *dkim_keys;		/* key file, NULL: DNS */
	/* the DKIM library handle, made on first use by dkim/ with its
	 * destructor: the snapshot owns it without knowing what it is */
	void *dkim_lib;
	void (*dkim_lib_free)(void *lib);
};

/* Options that come from the command line or the environment. */
struct lg_config_opts {
	const char *plugin_dir_default;	/* when the file has none */
	int check_only;			/* -n: plugins are still initialised */
	/* the plugin host every plugin's init gets; the caller hands it
	 * in (the config sits below the host). NULL: a config that lists
	 * plugins is refused */
	const struct lg_host *host;
	/* the running config, whose recipient sources a reload may keep
	 * where nothing changed; NULL at start */
	struct lg_config *previous;
	int force;			/* take a directory that shrank */
};

/* lg_config_load - 0, or -1 with one line in err. */
int lg_config_load(const char *path, const struct lg_config_opts *opts,
		   struct lg_config **cfg_r, char *err, size_t errsize);

/* lg_config_ref - pin a snapshot; returns it */
struct lg_config *lg_config_ref(struct lg_config *cfg);

/* lg_config_unref - release; the last one frees plugins and all */
void lg_config_unref(struct lg_config **cfg);

/* lg_config_resolve - PATH relative to the config file's folder
 * (absolute paths unchanged); malloc'ed */
char *lg_config_resolve(const char *config_path, const char *path);

/* lg_config_is_local_domain - case-insensitive */
int lg_config_is_local_domain(const struct lg_config *cfg,
			      const char *domain);

/* lg_config_log_local_domains - one info line naming the domains
 * taken from Postfix (settings_domains.c); nothing for a list */
void lg_config_log_local_domains(const struct lg_config *cfg);

/* lg_config_is_trusted - 1 if the client address is in trusted_networks */
int lg_config_is_trusted(const struct lg_config *cfg, int family,
			 const unsigned char addr[16]);

/* lg_settings_state - check the "state" group (settings_state.c) */
struct config_setting_t;
int lg_settings_state(struct lg_config *cfg,
		      const struct config_setting_t *group,
		      char *err, size_t errsize);

/* lg_settings_mailer / lg_settings_dkim_keys - the "mailer" group and
 * the "dkim_keys" key (settings_mailer.c); lg_settings_mailer_free
 * releases both at the last unref. */
int lg_settings_mailer(struct lg_config *cfg,
		       const struct config_setting_t *group,
		       char *err, size_t errsize);
int lg_settings_dkim_keys(struct lg_config *cfg,
			  const struct config_setting_t *s,
			  char *err, size_t errsize);
void lg_settings_mailer_free(struct lg_config *cfg);

/* The current snapshot, swapped by reload. */
struct lg_config *lg_config_current(void);	/* returns a new reference */
void lg_config_install(struct lg_config *cfg);	/* takes the reference */

#endif
