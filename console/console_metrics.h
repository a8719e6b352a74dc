/*
 * NAME
 *	console_metrics.h - a stats reply in the Prometheus text format
 * SYNOPSIS
 *	#include "console_metrics.h"
 *
 *	skipped = cn_metrics_text(&body, reply.lines, reply.n, 1,
 *				  VERSION, time(NULL));
 * DESCRIPTION
 *	console_metrics_text.c turns the data lines of one "stats" reply
 *	(control_cmd.h) into the text exposition format 0.0.4; it does no
 *	I/O, so the tests hand it lines of their own. console_metrics.c
 *	is the GET /metrics route around it.
 */
#ifndef LG_CONSOLE_METRICS_H
#define LG_CONSOLE_METRICS_H

#include <stddef.h>
#include <time.h>

#include "console.h"

#define CN_METRICS_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* A label value taken from the daemon, at most: a plugin, action or
 * counter name; a version, backend or recipient source (a path or URL) */
#define CN_METRICS_NAME_MAX	64
#define CN_METRICS_TEXT_MAX	200
/* Labelled series of one metric at most; more are skipped. */
#define CN_METRICS_ROWS_MAX	1024

/* cn_metrics_text - the exposition of one stats reply into b. lines
 * are the reply's data lines as the daemon sent them (escaped); up 0
 * means the daemon did not answer: only loopguard_build_info (version,
 * the console's own) and loopguard_up 0 are written. now is for the
 * age of the oldest outbox message. Returns how many lines of a kind
 * it knows it could not use (bad value, name or duplicate, over the
 * limit), which it reports as loopguard_console_stats_lines_skipped. */
size_t cn_metrics_text(struct cn_buf *b, char *const *lines, size_t n,
		       int up, const char *version, time_t now);

/* cn_metrics_label - a label value, quotes included, with backslash,
 * double quote and newline escaped as the format wants */
void cn_metrics_label(struct cn_buf *b, const char *value);

/* cn_metrics_name_ok - 1 to CN_METRICS_NAME_MAX bytes of
 * [A-Za-z0-9._-]: a plugin, action or counter name fit for a label */
int cn_metrics_name_ok(const char *s);

/* cn_metrics_text_ok - 1 to CN_METRICS_TEXT_MAX printable ASCII
 * bytes: a version, backend or source fit for a label */
int cn_metrics_text_ok(const char *s);

#endif
