/*
 * NAME
 *	counters.h - process-wide counters for "loopguardctl stats"
 */
#ifndef LG_COUNTERS_H
#define LG_COUNTERS_H

#include <loopguard/plugin.h>

enum lg_counter {
	LG_COUNT_CONNECTIONS,
	LG_COUNT_MESSAGES,
	LG_COUNT_RECIPIENTS,
	LG_COUNT_UNKNOWN,
	LG_COUNT_ERRORS,
	LG_COUNT_MAX
};

void lg_counter_add(enum lg_counter c, unsigned long long n);
unsigned long long lg_counter_get(enum lg_counter c);
void lg_action_count(const char *plugin, const char *action);

/* Process-wide counters for "loopguardctl stats". */
struct lg_counters {
	unsigned long long connections;
	unsigned long long messages;
	unsigned long long recipients;
	unsigned long long unknown_recipients;
	unsigned long long errors;
};
void lg_counters_get(struct lg_counters *c);

/* Config reloads; the load at start counts only as last_ok. */
struct lg_reload_counts {
	unsigned long long ok;
	unsigned long long failed;
	long long last_ok;		/* epoch of the last good load, 0: none */
};
void lg_reload_count(int ok, long long now);
void lg_reload_first(long long now);
void lg_reload_counts(struct lg_reload_counts *r);

/* Per-plugin action counts; fn is called per (plugin, action) row. */
void lg_action_counts(void (*fn)(void *arg, const char *plugin,
				 const char *action,
				 unsigned long long count),
		      void *arg);

/*
 * A plugin's own named counters (host->count), in a bounded table.
 * NAME is 1 to LG_COUNTER_NAME_MAX bytes of [A-Za-z0-9._-]; any other
 * is counted as LG_COUNTER_OTHER. A plugin keeps at most
 * LG_COUNTER_NAMES_PER_PLUGIN names; a name that finds no row is
 * counted under its plugin's LG_COUNTER_OTHER row, and, when even
 * that row cannot be made, as dropped (lg_named_dropped).
 */
#define LG_COUNTER_NAME_MAX		31
#define LG_COUNTER_PLUGIN_MAX		64
#define LG_COUNTER_ROWS_MAX		512
#define LG_COUNTER_OTHER_RESERVE	32
#define LG_COUNTER_NAMES_PER_PLUGIN	64
#define LG_COUNTER_OTHER		"other"

int lg_counter_name_ok(const char *name);
void lg_named_count(const char *plugin, const char *name);
unsigned long long lg_named_counter_get(const char *plugin,
					const char *name);
unsigned long long lg_named_dropped(void);
/* fn is called per (plugin, name) row, in the order they were made. */
void lg_named_counts(void (*fn)(void *arg, const char *plugin,
				const char *name, unsigned long long count),
		     void *arg);

#endif
