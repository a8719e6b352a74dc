/*
 * NAME
 *	counters.c - message, recipient and per-plugin action counts
 * DESCRIPTION
 *	Counters are atomics. Actions ("redirect", "reject", ...) are kept
 *	per plugin in a small table under a mutex taken only when a plugin
 *	decides something.
 *
 *	Beside them, a second bounded table holds the plugins' own named
 *	counters (host->count). A name is 1 to LG_COUNTER_NAME_MAX bytes
 *	of [A-Za-z0-9._-]; any other is counted as "other". A plugin has
 *	at most MAX_NAMES_PER_PLUGIN names; the last MAX_OTHER_RESERVE
 *	rows of the table are kept for "other" rows, so a name that finds
 *	no room is counted under its plugin's "other"; only when even
 *	that cannot be made is it counted as dropped. Nothing grows.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Utility library. */
#include "counters.h"

#define MAX_ACTION_ROWS 256

static _Atomic unsigned long long counters[LG_COUNT_MAX];

struct action_row {
	char plugin[33];
	char action[24];
	unsigned long long count;
};

static pthread_mutex_t rows_lock = PTHREAD_MUTEX_INITIALIZER;
static struct action_row rows[MAX_ACTION_ROWS];
static size_t n_rows;

struct named_row {
	char plugin[LG_COUNTER_PLUGIN_MAX + 1];
	char name[LG_COUNTER_NAME_MAX + 1];
	unsigned long long count;
};

static pthread_mutex_t named_lock = PTHREAD_MUTEX_INITIALIZER;
static struct named_row named[LG_COUNTER_ROWS_MAX];
static size_t n_named;
static unsigned long long named_dropped;

static _Atomic unsigned long long reloads_ok, reloads_failed;
static _Atomic long long last_reload;

/* lg_reload_count - one config load, good (ok) or refused */
void lg_reload_count(int ok, long long now)
{
	if (ok) {
		atomic_fetch_add(&reloads_ok, 1);
		atomic_store(&last_reload, now);
	} else {
		atomic_fetch_add(&reloads_failed, 1);
	}
}

/* lg_reload_first - the load at start: the last good one so far */
void lg_reload_first(long long now)
{
	atomic_store(&last_reload, now);
}

/* lg_reload_counts - the counts so far */
void lg_reload_counts(struct lg_reload_counts *r)
{
	r->ok = atomic_load(&reloads_ok);
	r->failed = atomic_load(&reloads_failed);
	r->last_ok = atomic_load(&last_reload);
}

/* lg_counter_add - add n */
void lg_counter_add(enum lg_counter c, unsigned long long n)
{
	atomic_fetch_add(&counters[c], n);
}

/* lg_counter_get - current value */
unsigned long long lg_counter_get(enum lg_counter c)
{
	return atomic_load(&counters[c]);
}

/* lg_action_count - one more ACTION by PLUGIN */
void lg_action_count(const char *plugin, const char *action)
{
	size_t i;

	pthread_mutex_lock(&rows_lock);
	for (i = 0; i < n_rows; i++)
		if (strncmp(rows[i].plugin, plugin, sizeof(rows[i].plugin) - 1) == 0 &&
		    strncmp(rows[i].action, action, sizeof(rows[i].action) - 1) == 0)
			break;
	if (i == n_rows && n_rows < MAX_ACTION_ROWS) {
		strncpy(rows[i].plugin, plugin, sizeof(rows[i].plugin) - 1);
		strncpy(rows[i].action, action, sizeof(rows[i].action) - 1);
		n_rows++;
	}
	if (i < n_rows)
		rows[i].count++;
	pthread_mutex_unlock(&rows_lock);
}

/* lg_counters_get - a copy for stats */
void lg_counters_get(struct lg_counters *c)
{
	c->connections = lg_counter_get(LG_COUNT_CONNECTIONS);
	c->messages = lg_counter_get(LG_COUNT_MESSAGES);
	c->recipients = lg_counter_get(LG_COUNT_RECIPIENTS);
	c->unknown_recipients = lg_counter_get(LG_COUNT_UNKNOWN);
	c->errors = lg_counter_get(LG_COUNT_ERRORS);
}

/* lg_action_counts - each (plugin, action, count) row */
void lg_action_counts(void (*fn)(void *arg, const char *plugin,
				 const char *action,
				 unsigned long long count),
		      void *arg)
{
	static struct action_row copy[MAX_ACTION_ROWS];
	static pthread_mutex_t copy_lock = PTHREAD_MUTEX_INITIALIZER;
	size_t i, n;

	pthread_mutex_lock(&copy_lock);
	pthread_mutex_lock(&rows_lock);
	n = n_rows;
	memcpy(copy, rows, n * sizeof(copy[0]));
	pthread_mutex_unlock(&rows_lock);
	for (i = 0; i < n; i++)
		fn(arg, copy[i].plugin, copy[i].action, copy[i].count);
	pthread_mutex_unlock(&copy_lock);
}

/* lg_counter_name_ok - 1 to LG_COUNTER_NAME_MAX bytes of [A-Za-z0-9._-] */
int lg_counter_name_ok(const char *name)
{
	size_t n;

	if (!name)
		return 0;
	for (n = 0; name[n]; n++) {
		unsigned char c = (unsigned char) name[n];

		if (n >= LG_COUNTER_NAME_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return n > 0;
}

/* named_find - the row of (PLUGIN, NAME), or n_named; *mine_r counts
 * PLUGIN's rows other than "other" */
static size_t named_find(const char *plugin, const char *name,
			 size_t *mine_r)
{
	size_t i, mine = 0, found = n_named;

	for (i = 0; i < n_named; i++) {
		if (strcmp(named[i].plugin, plugin) != 0)
			continue;
		if (strcmp(named[i].name, name) == 0)
			found = i;
		if (strcmp(named[i].name, LG_COUNTER_OTHER) != 0)
			mine++;
	}
	*mine_r = mine;
	return found;
}

/* named_add - a new row, if LIMIT rows leave room; n_named if not */
static size_t named_add(const char *plugin, const char *name, size_t limit)
{
	size_t i = n_named;

	if (n_named >= limit)
		return n_named;
	snprintf(named[i].plugin, sizeof(named[i].plugin), "%s", plugin);
	snprintf(named[i].name, sizeof(named[i].name), "%s", name);
	named[i].count = 0;
	n_named++;
	return i;
}

/* lg_named_count - one more of PLUGIN's counter NAME */
void lg_named_count(const char *plugin, const char *name)
{
	size_t i, mine;

	if (!plugin || !*plugin || strlen(plugin) > LG_COUNTER_PLUGIN_MAX) {
		pthread_mutex_lock(&named_lock);
		named_dropped++;
		pthread_mutex_unlock(&named_lock);
		return;
	}
	if (!lg_counter_name_ok(name))
		name = LG_COUNTER_OTHER;
	pthread_mutex_lock(&named_lock);
	i = named_find(plugin, name, &mine);
	if (i == n_named && strcmp(name, LG_COUNTER_OTHER) != 0 &&
	    mine < LG_COUNTER_NAMES_PER_PLUGIN)
		i = named_add(plugin, name,
			      LG_COUNTER_ROWS_MAX - LG_COUNTER_OTHER_RESERVE);
	if (i == n_named && strcmp(name, LG_COUNTER_OTHER) != 0)
		/* no room for the name: its plugin's "other" */
		i = named_find(plugin, LG_COUNTER_OTHER, &mine);
	if (i == n_named)
		i = named_add(plugin, LG_COUNTER_OTHER, LG_COUNTER_ROWS_MAX);
	if (i < n_named)
		named[i].count++;
	else
		named_dropped++;
	pthread_mutex_unlock(&named_lock);
}

/* lg_named_counter_get - the value of PLUGIN's NAME, 0 if none */
unsigned long long lg_named_counter_get(const char *plugin, const char *name)
{
	unsigned long long v = 0;
	size_t i, mine;

	if (!plugin || !name)
		return 0;
	pthread_mutex_lock(&named_lock);
	i = named_find(plugin, name, &mine);
	if (i < n_named)
		v = named[i].count;
	pthread_mutex_unlock(&named_lock);
	return v;
}

/* lg_named_dropped - counts that found no row at all */
unsigned long long lg_named_dropped(void)
{
	unsigned long long v;

	pthread_mutex_lock(&named_lock);
	v = named_dropped;
	pthread_mutex_unlock(&named_lock);
	return v;
}

/* lg_named_counts - each (plugin, name, count) row, in the order made */
void lg_named_counts(void (*fn)(void *arg, const char *plugin,
				const char *name, unsigned long long count),
		     void *arg)
{
	static struct named_row copy[LG_COUNTER_ROWS_MAX];
	static pthread_mutex_t copy_lock = PTHREAD_MUTEX_INITIALIZER;
	size_t i, n;

	pthread_mutex_lock(&copy_lock);
	pthread_mutex_lock(&named_lock);
	n = n_named;
	memcpy(copy, named, n * sizeof(copy[0]));
	pthread_mutex_unlock(&named_lock);
	for (i = 0; i < n; i++)
		fn(arg, copy[i].plugin, copy[i].name, copy[i].count);
	pthread_mutex_unlock(&copy_lock);
}
