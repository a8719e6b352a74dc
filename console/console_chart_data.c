/*
 * NAME
 *	console_chart_data.c - the chart's buckets and its state file text
 * SYNOPSIS
 *	#include "console_chart.h"
 *
 *	cn_chart_init(&c);
 *	cn_chart_sample(&c, now, started, counters, n);
 *	text = cn_chart_format(&c, &len);
 *	cn_chart_parse(&c, text, len, now, err, sizeof(err));
 * DESCRIPTION
 *	Pure: no I/O, no clock, no locks (console_chart.c holds the lock
 *	and the file). The daemon's action counters only grow while it
 *	runs; each sample adds what grew since the last one to the
 *	current minute.
 *
 *	The state file is text, one record a line, fields split by one
 *	tab:
 *
 *	loopguard-console-chart	1	the format and its version, first
 *	end	MINUTE			the newest minute (epoch / 60)
 *	series	INDEX	PLUGIN	ACTION	INDEX 0..24 (24 is other/other)
 *	count	MINUTE	INDEX	N	a bucket that is not 0
 *	done				last: a file cut short is refused
 *
 *	PLUGIN and ACTION have bytes outside '!'..'~' and the backslash
 *	written as \xHH.
 * DIAGNOSTICS
 *	cn_chart_parse() refuses the whole file on the first fault (a
 *	file is written by this program; anything else is a damaged or
 *	hostile file) with "line N: WHY", and leaves the chart empty.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_chart.h"

#define FORMAT_NAME	"loopguard-console-chart"
#define FORMAT_VERSION	1
#define MINUTE_MAX	1000000000000LL	/* far beyond any clock */

/* slot - the bucket index of a minute */
static size_t slot(long long minute)
{
	long long m = minute % CN_CHART_MINUTES;

	return (size_t) (m < 0 ? m + CN_CHART_MINUTES : m);
}

/* in_window - minute is one of the 24 hours ending at end */
static int in_window(const struct cn_chart *c, long long minute)
{
	return c->end > 0 && minute <= c->end &&
		minute > c->end - CN_CHART_MINUTES;
}

/* cn_chart_init - empty */
void cn_chart_init(struct cn_chart *c)
{
	memset(c, 0, sizeof(*c));
}

/* cn_chart_advance - move the window's end forward */
void cn_chart_advance(struct cn_chart *c, long long minute)
{
	long long m;
	size_t s;

	if (minute <= 0 || minute > MINUTE_MAX || minute <= c->end)
		return;
	if (c->end > 0 && minute - c->end < CN_CHART_MINUTES) {
		for (m = c->end + 1; m <= minute; m++)
			for (s = 0; s <= CN_CHART_SERIES; s++)
				c->series[s].count[slot(m)] = 0;
	} else {
		for (s = 0; s <= CN_CHART_SERIES; s++)
			memset(c->series[s].count, 0,
			       sizeof(c->series[s].count));
	}
	c->end = minute;
}

/* cn_chart_get - one bucket */
uint32_t cn_chart_get(const struct cn_chart *c, size_t s, long long minute)
{
	if (s > CN_CHART_SERIES || !in_window(c, minute))
		return 0;
	return c->series[s].count[slot(minute)];
}

/* cn_chart_total - one series over the window */
unsigned long long cn_chart_total(const struct cn_chart *c, size_t s)
{
	unsigned long long sum = 0;
	size_t i;

	if (s > CN_CHART_SERIES)
		return 0;
	for (i = 0; i < CN_CHART_MINUTES; i++)
		sum += c->series[s].count[i];
	return sum;
}

/* name_copy - a name into a series or counter, cut to the limit */
static void name_copy(char *dst, const char *src)
{
	snprintf(dst, CN_CHART_NAME_MAX + 1, "%s", src);
}

/* find_series - the series of plugin/action: its own, a free one, one
 * that fell to zero everywhere, or other/other */
static size_t find_series(struct cn_chart *c, const char *plugin,
			  const char *action)
{
	struct cn_chart_series *sr;
	size_t s, reuse = CN_CHART_OTHER;

	for (s = 0; s < CN_CHART_SERIES; s++) {
		sr = &c->series[s];
		if (sr->used && strncmp(sr->plugin, plugin, CN_CHART_NAME_MAX) == 0 &&
		    strncmp(sr->action, action, CN_CHART_NAME_MAX) == 0)
			return s;
		if (reuse == CN_CHART_OTHER &&
		    (!sr->used || cn_chart_total(c, s) == 0))
			reuse = s;
	}
	sr = &c->series[reuse];
	if (reuse == CN_CHART_OTHER) {
		plugin = "other";
		action = "other";
	}
	if (!sr->used || reuse != CN_CHART_OTHER) {
		memset(sr, 0, sizeof(*sr));
		sr->used = 1;
		name_copy(sr->plugin, plugin);
		name_copy(sr->action, action);
	}
	return reuse;
}

/* bucket_add - n more, saturating */
static void bucket_add(uint32_t *bucket, unsigned long long n)
{
	*bucket = n >= (unsigned long long) (UINT32_MAX - *bucket) ?
		UINT32_MAX : *bucket + (uint32_t) n;
}

/* cn_chart_add - n decisions in one minute */
void cn_chart_add(struct cn_chart *c, long long minute, const char *plugin,
		  const char *action, unsigned long long n)
{
	size_t s;

	if (n == 0 || minute <= 0 || minute > MINUTE_MAX)
		return;
	cn_chart_advance(c, minute);
	if (!in_window(c, minute))
		return;
	s = find_series(c, plugin, action);
	bucket_add(&c->series[s].count[slot(minute)], n);
}

/* last_value - the counter of the last sample, or NULL */
static const struct cn_chart_counter *last_value(const struct cn_chart *c,
						 const struct cn_chart_counter *v)
{
	size_t i;

	for (i = 0; i < c->nlast; i++)
		if (strcmp(c->last[i].plugin, v->plugin) == 0 &&
		    strcmp(c->last[i].action, v->action) == 0)
			return &c->last[i];
	return NULL;
}

/* cn_chart_sample - the deltas of one stats reply */
void cn_chart_sample(struct cn_chart *c, time_t now, long long started,
		     const struct cn_chart_counter *v, size_t n)
{
	const struct cn_chart_counter *was;
	long long minute = (long long) now / 60;
	int restarted;
	size_t i;

	if (n > CN_CHART_COUNTERS)
		n = CN_CHART_COUNTERS;
	cn_chart_advance(c, minute);
	restarted = started != 0 && c->last_started != 0 &&
		started != c->last_started;
	for (i = 0; c->have_last && i < n; i++) {
		was = restarted ? NULL : last_value(c, &v[i]);
		if (was == NULL || v[i].value < was->value)
			cn_chart_add(c, minute, v[i].plugin, v[i].action,
				     v[i].value);
		else
			cn_chart_add(c, minute, v[i].plugin, v[i].action,
				     v[i].value - was->value);
	}
	memmove(c->last, v, n * sizeof(*v));
	c->nlast = n;
	c->last_started = started;
	c->have_last = 1;
}

/* Writing the state file. */

struct text {
	char *data;
	size_t len, cap;
	int nomem;
};

/* text_add - append n bytes */
static void text_add(struct text *t, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (t->nomem)
		return;
	if (t->len + n + 1 > t->cap) {
		cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		if ((grown = realloc(t->data, cap)) == NULL) {
			t->nomem = 1;
			return;
		}
		t->data = grown;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = 0;
}

/* text_addf - append a formatted piece (short: a number or two) */
static void text_addf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void text_addf(struct text *t, const char *fmt, ...)
{
	char piece[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (n > 0)
		text_add(t, piece, (size_t) n < sizeof(piece) ?
			 (size_t) n : sizeof(piece) - 1);
}

/* text_name - a name with unsafe bytes as \xHH */
static void text_name(struct text *t, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '\\')
			text_add(t, (const char *) p, 1);
		else
			text_addf(t, "\\x%02x", *p);
	}
}

/* cn_chart_format - the whole file */
char *cn_chart_format(const struct cn_chart *c, size_t *len_r)
{
	struct text t = { NULL, 0, 0, 0 };
	long long m;
	size_t s;
	uint32_t n;

	text_addf(&t, "%s\t%d\n", FORMAT_NAME, FORMAT_VERSION);
	if (c->end > 0) {
		text_addf(&t, "end\t%lld\n", c->end);
		for (s = 0; s <= CN_CHART_SERIES; s++) {
			if (!c->series[s].used)
				continue;
			text_addf(&t, "series\t%zu\t", s);
			text_name(&t, c->series[s].plugin);
			text_add(&t, "\t", 1);
			text_name(&t, c->series[s].action);
			text_add(&t, "\n", 1);
		}
		for (m = c->end - CN_CHART_MINUTES + 1; m <= c->end; m++)
			for (s = 0; s <= CN_CHART_SERIES; s++)
				if (c->series[s].used &&
				    (n = c->series[s].count[slot(m)]) != 0)
					text_addf(&t, "count\t%lld\t%zu\t%u\n",
						  m, s, (unsigned) n);
	}
	text_add(&t, "done\n", 5);
	if (t.nomem) {
		free(t.data);
		return NULL;
	}
	*len_r = t.len;
	return t.data;
}

/* Reading it. */

/* number - a decimal of 1 to 13 digits within lo..hi, or -1 */
static long long number(const char *s, long long lo, long long hi)
{
	long long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 13)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i > 0 && v >= lo && v <= hi ? v : -1;
}

/* hexval - one hex digit, or -1 */
static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* read_name - undo \xHH into dst: 0, or -1 (empty, too long, bad) */
static int read_name(const char *s, char *dst)
{
	size_t n = 0;
	int hi, lo;

	while (*s) {
		if (n >= CN_CHART_NAME_MAX)
			return -1;
		if (*s != '\\') {
			if ((unsigned char) *s <= ' ' || (unsigned char) *s == 0x7f)
				return -1;
			dst[n++] = *s++;
			continue;
		}
		if (s[1] != 'x' || (hi = hexval(s[2])) < 0 ||
		    (lo = hexval(s[3])) < 0 || (hi == 0 && lo == 0))
			return -1;
		dst[n++] = (char) (hi * 16 + lo);
		s += 4;
	}
	dst[n] = 0;
	return n > 0 ? 0 : -1;
}

/* split - cut a line at tabs: the field count, at most max */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *tab;

	while (n < max) {
		f[n++] = line;
		if ((tab = strchr(line, '\t')) == NULL)
			return n;
		*tab = 0;
		line = tab + 1;
	}
	return max + 1;		/* more fields than any record has */
}

/* parse_record - one line (NUL-terminated, tabs cut): NULL or the fault */
static const char *parse_record(struct cn_chart *c, char **f, size_t n,
				int *done, size_t *counts)
{
	long long m, s, v;
	struct cn_chart_series *sr;

	if (strcmp(f[0], "end") == 0 && n == 2) {
		if (c->end > 0)
			return "a second end";
		if ((m = number(f[1], 1, MINUTE_MAX)) < 0)
			return "a bad minute";
		c->end = m;
	} else if (strcmp(f[0], "series") == 0 && n == 4) {
		if (c->end == 0)
			return "series before end";
		if ((s = number(f[1], 0, CN_CHART_SERIES)) < 0)
			return "a bad series number";
		sr = &c->series[s];
		if (sr->used)
			return "a series given twice";
		if (read_name(f[2], sr->plugin) || read_name(f[3], sr->action))
			return "a bad plugin or action name";
		sr->used = 1;
	} else if (strcmp(f[0], "count") == 0 && n == 4) {
		if ((m = number(f[1], 1, MINUTE_MAX)) < 0 || !in_window(c, m))
			return "a minute outside the 24 hours before end";
		if ((s = number(f[2], 0, CN_CHART_SERIES)) < 0 ||
		    !c->series[s].used)
			return "a count of an unknown series";
		if ((v = number(f[3], 1, UINT32_MAX)) < 0)
			return "a bad count";
		if (++*counts > (size_t) (CN_CHART_SERIES + 1) * CN_CHART_MINUTES)
			return "too many counts";
		bucket_add(&c->series[s].count[slot(m)], (unsigned long long) v);
	} else if (strcmp(f[0], "done") == 0 && n == 1) {
		*done = 1;
	} else {
		return "not a record of this format";
	}
	return NULL;
}

/* parse_all - every line; 0, or -1 with err */
static int parse_all(struct cn_chart *c, const char *text, size_t len,
		     char *err, size_t errsize)
{
	char line[CN_CHART_LINE_MAX + 1], *f[5];
	const char *p = text, *end = text + len, *nl, *why;
	size_t n, lineno = 0, counts = 0;
	int done = 0;

	if (len > CN_CHART_FILE_MAX) {
		snprintf(err, errsize, "larger than %d bytes", CN_CHART_FILE_MAX);
		return -1;
	}
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t) (end - p))) == NULL) {
			snprintf(err, errsize, "line %zu: cut short", lineno);
			return -1;
		}
		n = (size_t) (nl - p);
		if (n > CN_CHART_LINE_MAX || memchr(p, 0, n) != NULL) {
			snprintf(err, errsize, "line %zu: %s", lineno,
				 n > CN_CHART_LINE_MAX ? "too long" : "a NUL byte");
			return -1;
		}
		memcpy(line, p, n);
		line[n] = 0;
		p = nl + 1;
		if (done) {
			snprintf(err, errsize, "line %zu: text after done", lineno);
			return -1;
		}
		n = split(line, f, 4);
		if (lineno == 1) {
			if (n != 2 || strcmp(f[0], FORMAT_NAME) != 0) {
				snprintf(err, errsize, "line 1: not a chart state file");
				return -1;
			}
			if (number(f[1], 0, 999) != FORMAT_VERSION) {
				snprintf(err, errsize, "line 1: version %.16s is not known",
					 f[1]);
				return -1;
			}
			continue;
		}
		if ((why = parse_record(c, f, n, &done, &counts)) != NULL) {
			snprintf(err, errsize, "line %zu: %s", lineno, why);
			return -1;
		}
	}
	if (!done) {
		snprintf(err, errsize, "%s", lineno ? "cut short (no done line)" :
			 "empty");
		return -1;
	}
	return 0;
}

/* cn_chart_parse - the state file into an empty chart */
int cn_chart_parse(struct cn_chart *c, const char *text, size_t len,
		   time_t now, char *err, size_t errsize)
{
	cn_chart_init(c);
	if (parse_all(c, text, len, err, errsize) != 0) {
		cn_chart_init(c);
		return -1;
	}
	cn_chart_advance(c, (long long) now / 60);
	return 0;
}
