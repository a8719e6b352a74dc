/*
 * NAME
 *	counters.c - message, recipient and per-plugin action counts
 * DESCRIPTION
 *	Counters are atomics. Actions ("redirect", "reject", ...) are kept
 *	per plugin in a small table under a mutex taken only when a plugin
 *	decides something.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
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
