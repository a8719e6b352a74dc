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

/* Per-plugin action counts; fn is called per (plugin, action) row. */
void lg_action_counts(void (*fn)(void *arg, const char *plugin,
				 const char *action,
				 unsigned long long count),
		      void *arg);

#endif
