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

#endif
