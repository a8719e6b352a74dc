/*
 * NAME
 *	settings_state.c - the "state" group: which store, and how
 * SYNOPSIS
 *	state = { backend = "memory"; snapshot = "PATH";
 *	          snapshot_interval = "60s"; max_entries = 1000000;
 *	          max_bytes = "256M"; }
 *
 *	state = { backend = "redis"; server = "unix:/run/redis/redis.sock";
 *	          password = "..."; db = 0; prefix = "lg:";
 *	          timeout = "200ms"; on_store_error = "fallback";
 *	          max_entries = 1000000; }
 *
 *	state = { backend = "redis";
 *	          sentinels = [ "10.0.0.1:26379", "10.0.0.2:26379" ];
 *	          master_name = "mymaster"; sentinel_password = "..."; }
 * DESCRIPTION
 *	One table of keys, each with its own check. server is
 *	"unix:/absolute/path", "HOST:PORT" or "[IPv6]:PORT"; db 0..15;
 *	prefix 1..63 printable bytes without spaces; timeout 1ms..60s
 *	(connect and each command); on_store_error "fallback" (answer from
 *	a local memory store while Redis is away) or "tempfail" (store
 *	operations fail, the core answers tempfail). With backend "redis",
 *	max_entries and max_bytes bound that local store; the memory keys
 *	may stay in the file whichever backend is chosen. max_bytes is an
 *	integer or a string with K, M or G (1024-based), 64K..1024G; left
 *	out (0 here) it is max_entries x 256 bytes, set by the store.
 *
 *	sentinels is a list (1 to 8) of addresses written like server, no
 *	address twice; it replaces server (setting both is an error) and
 *	needs master_name (1..127 printable bytes, no spaces).
 *	sentinel_password is optional. master_name and sentinel_password
 *	without sentinels are errors: they would be silently unused.
 * DIAGNOSTICS
 *	"FILE:LINE: state: ..." naming the key and what is wrong.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

/* Utility library. */
#include "parse.h"

/* Store library. */
#include "store_redis.h"

/* Config library. */
#include "settings.h"

#define TIMEOUT_MAX_MS	60000

#if LG_STATE_SENTINELS_MAX != LG_REDIS_SENTINELS_MAX
#error "the settings and the store disagree on the number of sentinels"
#endif
#define DB_MAX		15

struct state_key {
	const char *name;
	int (*check)(struct lg_config *cfg, const config_setting_t *s,
		     const char *text, char *err, size_t errsize);
};

/* state_fail - "FILE:LINE: state: message" */
static int __attribute__((format(printf, 5, 6)))
state_fail(const config_setting_t *at, const char *fallback, char *err,
	   size_t errsize, const char *fmt, ...)
{
	const char *file = config_setting_source_file(at);
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(err, errsize, "%s:%u: state: %s", file ? file : fallback,
		 config_setting_source_line(at), text);
	return -1;
}

/* need_text - the setting's string, or an error */
static int need_text(struct lg_config *cfg, const config_setting_t *s,
		     const char *text, char *err, size_t errsize)
{
	if (text)
		return 0;
	return state_fail(s, cfg->path, err, errsize, "%s must be a string",
			  config_setting_name(s));
}

/* copy_text - text into a fixed field, or an error if it does not fit */
static int copy_text(struct lg_config *cfg, const config_setting_t *s,
		     const char *text, char *field, size_t size, char *err,
		     size_t errsize)
{
	if (strlen(text) >= size)
		return state_fail(s, cfg->path, err, errsize,
				  "%s is longer than %zu bytes",
				  config_setting_name(s), size - 1);
	strcpy(field, text);
	return 0;
}

/* check_backend - "memory" or "redis" */
static int check_backend(struct lg_config *cfg, const config_setting_t *s,
			 const char *text, char *err, size_t errsize)
{
	char *copy;

	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	if (strcmp(text, "memory") != 0 && strcmp(text, "redis") != 0)
		return state_fail(s, cfg->path, err, errsize,
				  "backend must be \"memory\" or \"redis\", "
				  "not \"%s\"", text);
	if ((copy = strdup(text)) == NULL)
		return state_fail(s, cfg->path, err, errsize,
				  "out of memory");
	free(cfg->state.backend);
	cfg->state.backend = copy;
	return 0;
}

/* check_snapshot - a path, relative to the config file; "" for none */
static int check_snapshot(struct lg_config *cfg, const config_setting_t *s,
			  const char *text, char *err, size_t errsize)
{
	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	free(cfg->state.snapshot);
	cfg->state.snapshot = *text ? lg_config_resolve(cfg->path, text) :
		NULL;
	return 0;
}

/* check_interval - a duration of at least a second */
static int check_interval(struct lg_config *cfg, const config_setting_t *s,
			  const char *text, char *err, size_t errsize)
{
	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	if (lg_parse_duration(text, &cfg->state.snapshot_interval) != 0 ||
	    cfg->state.snapshot_interval < 1)
		return state_fail(s, cfg->path, err, errsize,
				  "snapshot_interval: bad duration \"%s\" "
				  "(use e.g. 60s, 5m)", text);
	return 0;
}

/* integer - an int or int64 setting; -1 if it is neither */
static int integer(const config_setting_t *s, long long *v_r)
{
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		*v_r = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		*v_r = config_setting_get_int64(s);
	else
		return -1;
	return 0;
}

/* check_max_entries - 100 .. 10^9 */
static int check_max_entries(struct lg_config *cfg,
			     const config_setting_t *s, const char *text,
			     char *err, size_t errsize)
{
	long long v;

	(void)text;
	if (integer(s, &v) < 0)
		return state_fail(s, cfg->path, err, errsize,
				  "max_entries must be an integer");
	if (v < 100 || v > 1000000000LL)
		return state_fail(s, cfg->path, err, errsize,
				  "max_entries must be between 100 and "
				  "1000000000");
	cfg->state.max_entries = v;
	return 0;
}

/* parse_bytes - "123", "64K", "256M", "2G" (1024-based); -1 if bad */
static int parse_bytes(const char *text, long long *v_r)
{
	unsigned long long v = 0, unit = 1;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (1ULL << 50))
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (*p == 'K' || *p == 'k')
		unit = 1ULL << 10;
	else if (*p == 'M' || *p == 'm')
		unit = 1ULL << 20;
	else if (*p == 'G' || *p == 'g')
		unit = 1ULL << 30;
	if (unit > 1)
		p++;
	if (*p || v > (1ULL << 50) / unit)
		return -1;
	*v_r = (long long)(v * unit);
	return 0;
}

/* check_max_bytes - 64K .. 1024G, an integer or "256M" */
static int check_max_bytes(struct lg_config *cfg, const config_setting_t *s,
			   const char *text, char *err, size_t errsize)
{
	long long v;

	if (text ? parse_bytes(text, &v) < 0 : integer(s, &v) < 0)
		return state_fail(s, cfg->path, err, errsize,
				  "max_bytes must be a number of bytes, "
				  "e.g. 268435456 or \"256M\"");
	if (v < (1LL << 16) || v > (1LL << 40))
		return state_fail(s, cfg->path, err, errsize,
				  "max_bytes must be between 64K and 1024G");
	cfg->state.max_bytes = v;
	return 0;
}

/* check_server - "unix:/path", "HOST:PORT" or "[IPv6]:PORT" */
static int check_server(struct lg_config *cfg, const config_setting_t *s,
			const char *text, char *err, size_t errsize)
{
	struct lg_redis_server srv;
	char why[256];

	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	if (lg_store_redis_server(text, &srv, why, sizeof(why)) < 0)
		return state_fail(s, cfg->path, err, errsize,
				  "bad server \"%s\": %s", text, why);
	return copy_text(cfg, s, text, cfg->state.server,
			 sizeof(cfg->state.server), err, errsize);
}

/* check_password - any string; "" for none */
static int check_password(struct lg_config *cfg, const config_setting_t *s,
			  const char *text, char *err, size_t errsize)
{
	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	return copy_text(cfg, s, text, cfg->state.password,
			 sizeof(cfg->state.password), err, errsize);
}

/* check_db - 0 .. 15 */
static int check_db(struct lg_config *cfg, const config_setting_t *s,
		    const char *text, char *err, size_t errsize)
{
	long long v;

	(void)text;
	if (integer(s, &v) < 0 || v < 0 || v > DB_MAX)
		return state_fail(s, cfg->path, err, errsize,
				  "db must be an integer from 0 to %d",
				  DB_MAX);
	cfg->state.db = (int)v;
	return 0;
}

/* check_prefix - 1..63 printable bytes, no spaces */
static int check_prefix(struct lg_config *cfg, const config_setting_t *s,
			const char *text, char *err, size_t errsize)
{
	const unsigned char *p;

	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	if (*text == 0)
		return state_fail(s, cfg->path, err, errsize,
				  "prefix must not be empty");
	for (p = (const unsigned char *)text; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return state_fail(s, cfg->path, err, errsize,
					  "prefix \"%s\" holds a space or a "
					  "control character", text);
	return copy_text(cfg, s, text, cfg->state.prefix,
			 sizeof(cfg->state.prefix), err, errsize);
}

/* check_timeout - 1ms .. 60s */
static int check_timeout(struct lg_config *cfg, const config_setting_t *s,
			 const char *text, char *err, size_t errsize)
{
	long long ms;

	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	if (lg_parse_duration_ms(text, &ms) != 0 || ms < 1 ||
	    ms > TIMEOUT_MAX_MS)
		return state_fail(s, cfg->path, err, errsize,
				  "timeout: bad duration \"%s\" (use 1ms to "
				  "60s, e.g. 200ms)", text);
	cfg->state.timeout_ms = ms;
	return 0;
}

/* check_on_store_error - "fallback" or "tempfail" */
static int check_on_store_error(struct lg_config *cfg,
				const config_setting_t *s, const char *text,
				char *err, size_t errsize)
{
	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	if (strcmp(text, "fallback") == 0)
		cfg->state.on_store_error_tempfail = 0;
	else if (strcmp(text, "tempfail") == 0)
		cfg->state.on_store_error_tempfail = 1;
	else
		return state_fail(s, cfg->path, err, errsize,
				  "on_store_error must be \"fallback\" or "
				  "\"tempfail\", not \"%s\"", text);
	return 0;
}

/* check_sentinels - a list of 1..8 addresses, each like server */
static int check_sentinels(struct lg_config *cfg, const config_setting_t *s,
			   const char *text, char *err, size_t errsize)
{
	struct lg_state_config *st = &cfg->state;
	struct lg_redis_server srv;
	char why[256];
	int i, j, n;

	(void)text;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST)
		return state_fail(s, cfg->path, err, errsize, "sentinels must "
				  "be a list, e.g. [ \"10.0.0.1:26379\" ]");
	n = config_setting_length(s);
	if (n < 1 || n > LG_STATE_SENTINELS_MAX)
		return state_fail(s, cfg->path, err, errsize, "sentinels must "
				  "list 1 to %d addresses, not %d",
				  LG_STATE_SENTINELS_MAX, n);
	for (i = 0; i < n; i++) {
		const char *one = config_setting_get_string_elem(s, i);

		if (one == NULL)
			return state_fail(s, cfg->path, err, errsize,
					  "sentinels: entry %d is not a "
					  "string", i + 1);
		if (lg_store_redis_server(one, &srv, why, sizeof(why)) < 0)
			return state_fail(s, cfg->path, err, errsize,
					  "bad sentinel \"%s\": %s", one, why);
		for (j = 0; j < i; j++)
			if (strcmp(st->sentinels[j], one) == 0)
				return state_fail(s, cfg->path, err, errsize,
						  "sentinel \"%s\" is listed "
						  "twice", one);
		if (copy_text(cfg, s, one, st->sentinels[i],
			      sizeof(st->sentinels[i]), err, errsize) < 0)
			return -1;
	}
	st->nsentinels = n;
	return 0;
}

/* check_master_name - 1..127 printable bytes, no spaces */
static int check_master_name(struct lg_config *cfg,
			     const config_setting_t *s, const char *text,
			     char *err, size_t errsize)
{
	const unsigned char *p;

	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	if (*text == 0)
		return state_fail(s, cfg->path, err, errsize,
				  "master_name must not be empty");
	for (p = (const unsigned char *)text; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return state_fail(s, cfg->path, err, errsize,
					  "master_name \"%s\" holds a space "
					  "or a control character", text);
	return copy_text(cfg, s, text, cfg->state.master_name,
			 sizeof(cfg->state.master_name), err, errsize);
}

/* check_sentinel_password - any string; "" for none */
static int check_sentinel_password(struct lg_config *cfg,
				   const config_setting_t *s,
				   const char *text, char *err,
				   size_t errsize)
{
	if (need_text(cfg, s, text, err, errsize) < 0)
		return -1;
	return copy_text(cfg, s, text, cfg->state.sentinel_password,
			 sizeof(cfg->state.sentinel_password), err, errsize);
}

/* check_sentinel_use - server or sentinels (with a master_name), and no
 * Sentinel setting left without sentinels */
static int check_sentinel_use(struct lg_config *cfg,
			      const config_setting_t *group, char *err,
			      size_t errsize)
{
	const struct lg_state_config *st = &cfg->state;

	if (st->nsentinels > 0 && st->server[0])
		return state_fail(group, cfg->path, err, errsize,
				  "set server or sentinels, not both");
	if (st->nsentinels > 0 && st->master_name[0] == 0)
		return state_fail(group, cfg->path, err, errsize,
				  "sentinels need master_name = \"NAME\" "
				  "(the name the sentinels monitor)");
	if (st->nsentinels == 0 &&
	    (st->master_name[0] || st->sentinel_password[0]))
		return state_fail(group, cfg->path, err, errsize,
				  "master_name and sentinel_password need "
				  "sentinels = [ \"HOST:PORT\", ... ]");
	return 0;
}

static const struct state_key state_keys[] = {
	{ "backend", check_backend },
	{ "snapshot", check_snapshot },
	{ "snapshot_interval", check_interval },
	{ "max_entries", check_max_entries },
	{ "max_bytes", check_max_bytes },
	{ "server", check_server },
	{ "password", check_password },
	{ "db", check_db },
	{ "prefix", check_prefix },
	{ "timeout", check_timeout },
	{ "on_store_error", check_on_store_error },
	{ "sentinels", check_sentinels },
	{ "master_name", check_master_name },
	{ "sentinel_password", check_sentinel_password },
	{ NULL, NULL }
};

/* lg_settings_state - check and copy the state group */
int lg_settings_state(struct lg_config *cfg,
		      const struct config_setting_t *group,
		      char *err, size_t errsize)
{
	struct lg_state_config *st = &cfg->state;
	const struct state_key *k;
	int i, n;

	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return state_fail(group, cfg->path, err, errsize,
				  "state must be a group { backend = "
				  "\"memory\"; ... }");
	if (st->prefix[0] == 0)
		strcpy(st->prefix, "lg:");
	if (st->timeout_ms == 0)
		st->timeout_ms = 200;
	n = config_setting_length(group);
	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(group, i);
		const char *name = config_setting_name(s);
		const char *text = config_setting_type(s) == CONFIG_TYPE_STRING ?
			config_setting_get_string(s) : NULL;

		for (k = state_keys; k->name; k++)
			if (strcmp(name, k->name) == 0)
				break;
		if (k->name == NULL)
			return state_fail(s, cfg->path, err, errsize,
					  "unknown setting \"%s\"", name);
		if (k->check(cfg, s, text, err, errsize) < 0)
			return -1;
	}
	if (check_sentinel_use(cfg, group, err, errsize) < 0)
		return -1;
	if (st->backend && strcmp(st->backend, "redis") == 0 &&
	    st->server[0] == 0 && st->nsentinels == 0)
		return state_fail(group, cfg->path, err, errsize,
				  "backend \"redis\" needs server = "
				  "\"unix:/path\" or \"HOST:PORT\" (or "
				  "sentinels and master_name)");
	return 0;
}
