/*
 * NAME
 *	console_chart.h - the chart's samples, without threads or files
 * SYNOPSIS
 *	#include "console_chart.h"
 * DESCRIPTION
 *	The chart counts the daemon's decisions per plugin and action in
 *	one-minute buckets over the last 24 hours. Everything here is
 *	pure (no I/O, no clock, no locks) so it is tested by tables of
 *	cases: console_chart_data.c keeps the buckets and reads and
 *	writes the state file's text, console_chart_draw.c draws them
 *	as SVG or gives them as JSON. console_chart.c owns the sampler
 *	thread, the lock and the file.
 *
 *	Bucket i of a series holds minute m where m % CN_CHART_MINUTES
 *	== i, for the minutes (end - CN_CHART_MINUTES, end]; "end" is
 *	the newest minute (an epoch time divided by 60).
 */
#ifndef LG_CONSOLE_CHART_H
#define LG_CONSOLE_CHART_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CN_CHART_MINUTES	1440	/* 24 hours of one-minute buckets */
#define CN_CHART_SERIES		24	/* named series; then other/other */
#define CN_CHART_NAME_MAX	64	/* bytes of a plugin or action name */
#define CN_CHART_COUNTERS	256	/* (plugin, action) counters followed */
#define CN_CHART_LINE_MAX	640	/* bytes of a state file line */
#define CN_CHART_FILE_MAX	(4 * 1024 * 1024)	/* bytes of a state file */
#define CN_CHART_OTHER		CN_CHART_SERIES	/* the index of other/other */

/* One daemon counter as a stats reply gives it. */
struct cn_chart_counter {
	char plugin[CN_CHART_NAME_MAX + 1];
	char action[CN_CHART_NAME_MAX + 1];
	unsigned long long value;
};

struct cn_chart_series {
	int used;
	char plugin[CN_CHART_NAME_MAX + 1];
	char action[CN_CHART_NAME_MAX + 1];
	uint32_t count[CN_CHART_MINUTES];
};

struct cn_chart {
	long long end;		/* the newest minute; 0: nothing yet */
	/* series[CN_CHART_OTHER] is other/other */
	struct cn_chart_series series[CN_CHART_SERIES + 1];
	/* the last sample, to take deltas from */
	int have_last;
	long long last_started;	/* the daemon's start time then, or 0 */
	size_t nlast;
	struct cn_chart_counter last[CN_CHART_COUNTERS];
};

/* cn_chart_init - empty */
void cn_chart_init(struct cn_chart *c);

/* cn_chart_advance - make minute the newest, clearing the buckets that
 * fell out of the 24 hours; a minute older than end changes nothing */
void cn_chart_advance(struct cn_chart *c, long long minute);

/* cn_chart_add - count n decisions of plugin/action in minute (a
 * bucket within the window; older ones are dropped); a new pair takes
 * a free series, or one that is all zero, or other/other */
void cn_chart_add(struct cn_chart *c, long long minute, const char *plugin,
		  const char *action, unsigned long long n);

/* cn_chart_sample - one stats reply taken at now: the deltas since the
 * last one go into now's minute. The first sample only sets the base.
 * A counter that went down, a new counter, or a new daemon start time
 * (started, 0 if unknown) counts from 0. At most CN_CHART_COUNTERS. */
void cn_chart_sample(struct cn_chart *c, time_t now, long long started,
		     const struct cn_chart_counter *v, size_t n);

/* cn_chart_get - the count of series s in minute (0 outside the window) */
uint32_t cn_chart_get(const struct cn_chart *c, size_t s, long long minute);

/* cn_chart_total - the sum of series s over the window */
unsigned long long cn_chart_total(const struct cn_chart *c, size_t s);

/* cn_chart_format - the state file's text, malloc'ed (NULL: no memory);
 * *len_r its length */
char *cn_chart_format(const struct cn_chart *c, size_t *len_r);

/* cn_chart_parse - read len bytes of a state file into c (emptied
 * first), then advance it to now. 0, or -1 with c empty and the reason
 * in err ("line N: ..."). */
int cn_chart_parse(struct cn_chart *c, const char *text, size_t len,
		   time_t now, char *err, size_t errsize);

/* Drawing (console_chart_draw.c); needs console.h's cn_buf. */
struct cn_buf;
/* cn_chart_draw_svg - an inline <svg> of the 24 hours ending at now;
 * hour labels in local time */
void cn_chart_draw_svg(const struct cn_chart *c, time_t now,
		       struct cn_buf *b);
/* cn_chart_draw_json - {"step":60,"start":T,"end":T,"series":[...]} */
void cn_chart_draw_json(const struct cn_chart *c, time_t now,
			struct cn_buf *b);

#endif
