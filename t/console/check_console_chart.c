/*
 * NAME
 *	check_console_chart - unit tests for the chart's pure parts
 *	(console/console_chart_data.c, console/console_chart_draw.c)
 * SYNOPSIS
 *	t/console/check_console_chart
 * DESCRIPTION
 *	Buckets: counts land in their minute and stay there while the
 *	window moves on by minutes and hours, until 24 hours later; a
 *	jump of days clears everything; a minute older than the window
 *	is dropped. Series: 24 named ones, the rest summed as
 *	other/other, a series that fell to zero is taken again. Samples:
 *	the first sets the base, then deltas; a counter that went down,
 *	a new counter and a new daemon start count from 0. State file:
 *	written and read back, bucket for bucket and byte for byte, with
 *	names that need escapes; a table of bad files (every check of
 *	the parser) leaves the chart empty with a message naming the
 *	line; an old file is read into an advanced window. Drawing: a
 *	hostile plugin name is escaped in the SVG and the JSON, the SVG
 *	has a viewBox, one polyline per series, the hours, a legend, and
 *	no script; an empty chart says so. TZ is UTC for the hour labels.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "console_chart.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define T0	((time_t) 1767225600)	/* 2026-01-01 00:00:00 UTC */
#define M0	((long long) T0 / 60)

static struct cn_chart *c;

static void setup(void)
{
	c = malloc(sizeof(*c));
	ck_assert_ptr_nonnull(c);
	cn_chart_init(c);
}

static void teardown(void)
{
	free(c);
}

/* series_of - the index of plugin/action, or -1 */
static int series_of(const struct cn_chart *ch, const char *plugin,
		     const char *action)
{
	size_t s;

	for (s = 0; s <= CN_CHART_SERIES; s++)
		if (ch->series[s].used && strcmp(ch->series[s].plugin, plugin) == 0 &&
		    strcmp(ch->series[s].action, action) == 0)
			return (int) s;
	return -1;
}

/* count_of - plugin/action in minute, 0 when it has no series */
static uint32_t count_of(const struct cn_chart *ch, const char *plugin,
			 const char *action, long long minute)
{
	int s = series_of(ch, plugin, action);

	return s < 0 ? 0 : cn_chart_get(ch, (size_t) s, minute);
}

START_TEST(buckets_roll_over_minutes_and_hours)
{
	cn_chart_add(c, M0, "repeat", "reject", 2);
	cn_chart_add(c, M0, "repeat", "reject", 3);
	cn_chart_add(c, M0 + 1, "repeat", "reject", 7);
	ck_assert_int_eq(c->end, M0 + 1);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0), 5);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 1), 7);
	/* an hour and a bit later, both are still there, the gap is 0 */
	cn_chart_add(c, M0 + 65, "repeat", "reject", 1);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0), 5);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 1), 7);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 30), 0);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 65), 1);
	/* a later minute is 0, not a count of the slot it shares */
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + CN_CHART_MINUTES), 0);
	/* an earlier minute inside the window still counts */
	cn_chart_add(c, M0 + 10, "repeat", "reject", 4);
	ck_assert_int_eq(c->end, M0 + 65);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 10), 4);
	ck_assert_uint_eq(cn_chart_total(c, 0), 17);
}
END_TEST

START_TEST(the_window_is_24_hours)
{
	cn_chart_add(c, M0, "catchall", "discard", 9);
	cn_chart_add(c, M0 + 600, "catchall", "discard", 1);
	cn_chart_advance(c, M0 + CN_CHART_MINUTES - 1);
	ck_assert_uint_eq(count_of(c, "catchall", "discard", M0), 9);
	cn_chart_advance(c, M0 + CN_CHART_MINUTES);
	ck_assert_uint_eq(count_of(c, "catchall", "discard", M0), 0);
	ck_assert_uint_eq(count_of(c, "catchall", "discard", M0 + 600), 1);
	/* the slot of M0 is reused for M0 + 1440, empty */
	ck_assert_uint_eq(count_of(c, "catchall", "discard", M0 + CN_CHART_MINUTES), 0);
	/* days later: nothing left */
	cn_chart_advance(c, M0 + 5 * CN_CHART_MINUTES + 17);
	ck_assert_uint_eq(cn_chart_total(c, 0), 0);
	/* a minute before the window is dropped; going back moves nothing */
	cn_chart_add(c, M0 + 600, "catchall", "discard", 1);
	cn_chart_advance(c, M0);
	ck_assert_int_eq(c->end, M0 + 5 * CN_CHART_MINUTES + 17);
	ck_assert_uint_eq(cn_chart_total(c, 0), 0);
}
END_TEST

START_TEST(at_most_24_series_then_other)
{
	char plugin[16];
	int i, s;

	for (i = 0; i < 30; i++) {
		snprintf(plugin, sizeof(plugin), "p%02d", i);
		cn_chart_add(c, M0, plugin, "reject", (unsigned long long) i + 1);
	}
	for (i = 0; i < CN_CHART_SERIES; i++) {
		snprintf(plugin, sizeof(plugin), "p%02d", i);
		ck_assert_uint_eq(count_of(c, plugin, "reject", M0),
				  (unsigned) i + 1);
	}
	ck_assert_int_eq(series_of(c, "p24", "reject"), -1);
	s = series_of(c, "other", "other");
	ck_assert_int_eq(s, CN_CHART_OTHER);
	ck_assert_uint_eq(cn_chart_get(c, (size_t) s, M0), 25 + 26 + 27 + 28 + 29 + 30);
	/* a day on, the old series are all 0: a new pair takes one */
	cn_chart_add(c, M0 + CN_CHART_MINUTES, "late", "accept", 3);
	ck_assert_int_ge(series_of(c, "late", "accept"), 0);
	ck_assert_int_lt(series_of(c, "late", "accept"), CN_CHART_SERIES);
	ck_assert_uint_eq(count_of(c, "late", "accept", M0 + CN_CHART_MINUTES), 3);
}
END_TEST

/* counter - one stats counter */
static struct cn_chart_counter counter(const char *plugin, const char *action,
				       unsigned long long value)
{
	struct cn_chart_counter k;

	memset(&k, 0, sizeof(k));
	snprintf(k.plugin, sizeof(k.plugin), "%s", plugin);
	snprintf(k.action, sizeof(k.action), "%s", action);
	k.value = value;
	return k;
}

START_TEST(samples_count_deltas_and_resets)
{
	struct cn_chart_counter v[2];

	v[0] = counter("repeat", "reject", 10);
	cn_chart_sample(c, T0, 1000, v, 1);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0), 0);
	/* a minute later: 5 more */
	v[0].value = 15;
	cn_chart_sample(c, T0 + 60, 1000, v, 1);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 1), 5);
	/* nothing new */
	cn_chart_sample(c, T0 + 120, 1000, v, 1);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 2), 0);
	/* went down: the daemon restarted, 3 since then */
	v[0].value = 3;
	cn_chart_sample(c, T0 + 180, 1000, v, 1);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 3), 3);
	/* a new start time: all 20 are new even though 20 > 3 */
	v[0].value = 20;
	cn_chart_sample(c, T0 + 240, 2000, v, 1);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 4), 20);
	/* a counter that was not there before counts from 0 */
	v[1] = counter("harvest", "tempfail", 4);
	v[0].value = 21;
	cn_chart_sample(c, T0 + 300, 2000, v, 2);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 5), 1);
	ck_assert_uint_eq(count_of(c, "harvest", "tempfail", M0 + 5), 4);
	/* two samples in one minute add up */
	v[0].value = 23;
	cn_chart_sample(c, T0 + 330, 2000, v, 2);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 5), 3);
	/* a huge jump saturates the bucket instead of wrapping */
	v[0].value = 23 + 10000000000ULL;
	cn_chart_sample(c, T0 + 360, 2000, v, 2);
	ck_assert_uint_eq(count_of(c, "repeat", "reject", M0 + 6), UINT32_MAX);
}
END_TEST

/* same_buckets - two charts agree on every series and minute */
static void same_buckets(const struct cn_chart *a, const struct cn_chart *b)
{
	long long m;
	size_t s;

	ck_assert_int_eq(a->end, b->end);
	for (s = 0; s <= CN_CHART_SERIES; s++) {
		ck_assert_int_eq(a->series[s].used, b->series[s].used);
		if (!a->series[s].used)
			continue;
		ck_assert_str_eq(a->series[s].plugin, b->series[s].plugin);
		ck_assert_str_eq(a->series[s].action, b->series[s].action);
		for (m = a->end - CN_CHART_MINUTES + 1; m <= a->end; m++)
			ck_assert_uint_eq(cn_chart_get(a, s, m), cn_chart_get(b, s, m));
	}
}

START_TEST(state_file_round_trip)
{
	struct cn_chart *back = malloc(sizeof(*back));
	char err[256] = "", *text, *again, plugin[16];
	size_t len, len2;
	int i;

	ck_assert_ptr_nonnull(back);
	cn_chart_add(c, M0, "repeat", "reject", 5);
	cn_chart_add(c, M0 + 700, "tab\there", "back\\slash sp\xc3\xa9", 6);
	cn_chart_add(c, M0 + 1000, "repeat", "reject", UINT32_MAX);
	for (i = 0; i < 30; i++) {
		snprintf(plugin, sizeof(plugin), "p%02d", i);
		cn_chart_add(c, M0 + 1200 + i, plugin, "x", 1);
	}
	text = cn_chart_format(c, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert(strncmp(text, "loopguard-console-chart\t1\n", 26) == 0);
	ck_assert(strstr(text, "tab\\x09here\tback\\x5cslash\\x20sp\\xc3\\xa9") != NULL);
	ck_assert_int_eq(cn_chart_parse(back, text, len, T0 + 1200 * 60, err,
					sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	same_buckets(c, back);
	again = cn_chart_format(back, &len2);
	ck_assert_ptr_nonnull(again);
	ck_assert_uint_eq(len, len2);
	ck_assert(memcmp(text, again, len) == 0);
	/* read a day and 10 minutes later: only the last 14 hours remain */
	ck_assert_int_eq(cn_chart_parse(back, text, len,
					T0 + (CN_CHART_MINUTES + 1210) * 60,
					err, sizeof(err)), 0);
	ck_assert_uint_eq(count_of(back, "repeat", "reject", M0), 0);
	ck_assert_uint_eq(count_of(back, "p05", "x", M0 + 1205), 0);
	ck_assert_uint_eq(count_of(back, "p15", "x", M0 + 1215), 1);
	/* an empty chart is a file too */
	cn_chart_init(c);
	free(text);
	text = cn_chart_format(c, &len);
	ck_assert_str_eq(text, "loopguard-console-chart\t1\ndone\n");
	ck_assert_int_eq(cn_chart_parse(back, text, len, T0, err, sizeof(err)), 0);
	ck_assert_int_eq(back->end, M0);
	free(text);
	free(again);
	free(back);
}
END_TEST

#define HEAD	"loopguard-console-chart\t1\n"
#define END	"end\t29453760\n"	/* M0 */
#define SER	"series\t0\trepeat\treject\n"

static const struct bad_file {
	const char *text, *why;
} bad_files[] = {
	{ "", "empty" },
	{ "loopguard-console-chart\t2\ndone\n", "line 1: version 2 is not known" },
	{ "loopguard-console-chart\t01x\ndone\n", "line 1: version 01x" },
	{ "something else\ndone\n", "line 1: not a chart state file" },
	{ "<html>\n", "line 1: not a chart" },
	{ HEAD, "cut short (no done line)" },
	{ HEAD END SER, "cut short (no done line)" },
	{ HEAD END "series\t0\trep", "line 3: cut short" },
	{ HEAD "done\njunk\n", "line 3: text after done" },
	{ HEAD "done\ndone\n", "line 3: text after done" },
	{ HEAD END END "done\n", "line 3: a second end" },
	{ HEAD "end\t0\ndone\n", "line 2: a bad minute" },
	{ HEAD "end\t-5\ndone\n", "line 2: a bad minute" },
	{ HEAD "end\t99999999999999999999\ndone\n", "line 2: a bad minute" },
	{ HEAD "end\t 5\ndone\n", "line 2: a bad minute" },
	{ HEAD SER "done\n", "line 2: series before end" },
	{ HEAD END "series\t25\ta\tb\ndone\n", "line 3: a bad series number" },
	{ HEAD END SER SER "done\n", "line 4: a series given twice" },
	{ HEAD END "series\t0\t\treject\ndone\n", "line 3: a bad plugin or action name" },
	{ HEAD END "series\t0\ta\\x00b\treject\ndone\n", "line 3: a bad plugin" },
	{ HEAD END "series\t0\ta\\xZZ\treject\ndone\n", "line 3: a bad plugin" },
	{ HEAD END "series\t0\ta\\x4\treject\ndone\n", "line 3: a bad plugin" },
	{ HEAD END "series\t0\ta b\treject\ndone\n", "line 3: a bad plugin" },
	{ HEAD END "series\t0\t"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "\treject\ndone\n", "line 3: a bad plugin" },
	{ HEAD END "series\t0\ta\tb\tc\ndone\n", "line 3: not a record" },
	{ HEAD END "count\t29453760\t0\t1\ndone\n", "line 3: a count of an unknown series" },
	{ HEAD END SER "count\t29453761\t0\t1\ndone\n", "line 4: a minute outside" },
	{ HEAD END SER "count\t29452320\t0\t1\ndone\n", "line 4: a minute outside" },
	{ HEAD END SER "count\t29453760\t0\t0\ndone\n", "line 4: a bad count" },
	{ HEAD END SER "count\t29453760\t0\t4294967296\ndone\n", "line 4: a bad count" },
	{ HEAD END SER "count\t29453760\t0\t1\t2\ndone\n", "line 4: not a record" },
	{ HEAD END SER "count\t29453760\t0\n", "line 4: not a record" },
	{ HEAD END SER "\ndone\n", "line 4: not a record" },
	{ HEAD END SER "#comment\ndone\n", "line 4: not a record" },
	{ HEAD END SER "done\r\n", "line 4: not a record" },
};

START_TEST(bad_files_leave_the_chart_empty)
{
	const struct bad_file *bf = &bad_files[_i];
	char err[256] = "";
	size_t s;

	cn_chart_add(c, M0, "stale", "data", 1);
	ck_assert_int_eq(cn_chart_parse(c, bf->text, strlen(bf->text), T0, err,
					sizeof(err)), -1);
	ck_assert_msg(strncmp(err, bf->why, strlen(bf->why)) == 0,
		      "case %d: \"%s\", wanted \"%s\"", _i, err, bf->why);
	ck_assert_int_eq(c->end, 0);
	for (s = 0; s <= CN_CHART_SERIES; s++)
		ck_assert_int_eq(c->series[s].used, 0);
}
END_TEST

START_TEST(files_too_long_or_with_nul_bytes)
{
	static const char nul[] = HEAD END "series\t0\ta\0b\treject\ndone\n";
	char err[256], *big;
	size_t n;

	ck_assert_int_eq(cn_chart_parse(c, nul, sizeof(nul) - 1, T0, err,
					sizeof(err)), -1);
	ck_assert_str_eq(err, "line 3: a NUL byte");
	/* a line over the limit */
	big = malloc(CN_CHART_FILE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	n = (size_t) snprintf(big, 64, HEAD END "series\t0\t");
	memset(big + n, 'a', CN_CHART_LINE_MAX);
	memcpy(big + n + CN_CHART_LINE_MAX, "\tb\ndone\n", 8);
	ck_assert_int_eq(cn_chart_parse(c, big, n + CN_CHART_LINE_MAX + 8, T0,
					err, sizeof(err)), -1);
	ck_assert_str_eq(err, "line 3: too long");
	/* a file over the limit, refused before it is read */
	memset(big, '\n', CN_CHART_FILE_MAX + 1);
	ck_assert_int_eq(cn_chart_parse(c, big, CN_CHART_FILE_MAX + 1, T0, err,
					sizeof(err)), -1);
	ck_assert(strstr(err, "larger than") != NULL);
	free(big);
}
END_TEST

static const char hostile[] = "<script>alert(\"x\")</script>&'";

START_TEST(svg_escapes_a_hostile_plugin_name)
{
	struct cn_buf b = { 0 };
	const char *p;
	int polylines = 0;

	cn_chart_add(c, M0 - 60, hostile, "reject", 7);
	cn_chart_add(c, M0 - 30, "repeat", "]]><x/>", 3);
	cn_chart_draw_svg(c, T0, &b);
	ck_assert(!b.nomem);
	ck_assert(strncmp(b.data, "<svg ", 5) == 0);
	ck_assert(strstr(b.data, "viewBox=\"0 0 800 ") != NULL);
	ck_assert(strstr(b.data, "<script") == NULL);
	ck_assert(strstr(b.data, "alert(\"") == NULL);
	ck_assert(strstr(b.data, "<x/>") == NULL);
	ck_assert(strstr(b.data, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;") != NULL);
	ck_assert(strstr(b.data, "]]&gt;&lt;x/&gt;") != NULL);
	ck_assert(strstr(b.data, " (7)</text>") != NULL);
	ck_assert(strstr(b.data, "style") == NULL);
	for (p = b.data; (p = strstr(p, "<polyline")) != NULL; p++)
		polylines++;
	ck_assert_int_eq(polylines, 2);
	/* the hours: every 3 of them, UTC (TZ is set by main) */
	ck_assert(strstr(b.data, ">00:00</text>") != NULL);
	ck_assert(strstr(b.data, ">03:00</text>") != NULL);
	ck_assert(strstr(b.data, ">21:00</text>") != NULL);
	ck_assert(strstr(b.data, ">01:00</text>") == NULL);
	ck_assert(strstr(b.data, "No decisions") == NULL);
	ck_assert(strcmp(b.data + b.len - 7, "</svg>\n") == 0);
	cn_buf_free(&b);
}
END_TEST

START_TEST(json_has_the_same_numbers)
{
	struct cn_buf b = { 0 };
	const char *counts;
	int commas = 0;

	cn_chart_add(c, M0, hostile, "reject", 7);
	cn_chart_draw_json(c, T0, &b);
	ck_assert(!b.nomem);
	ck_assert(strstr(b.data, "{\"step\":60,\"start\":1767139260,\"end\":1767225600,") == b.data);
	ck_assert(strstr(b.data, "\"plugin\":\"<script>alert(\\\"x\\\")</script>&'\"") != NULL ||
		  strstr(b.data, "\\u003cscript") != NULL);
	ck_assert(strstr(b.data, "\"total\":7,") != NULL);
	counts = strstr(b.data, "\"counts\":[");
	ck_assert_ptr_nonnull(counts);
	for (; *counts && *counts != ']'; counts++)
		commas += *counts == ',';
	ck_assert_int_eq(commas, CN_CHART_MINUTES - 1);
	/* the newest minute is the last number */
	ck_assert(strstr(b.data, ",7]}]}") != NULL);
	cn_buf_free(&b);
}
END_TEST

START_TEST(an_empty_chart_says_so)
{
	struct cn_buf b = { 0 };

	cn_chart_draw_svg(c, T0, &b);
	ck_assert(strstr(b.data, "No decisions in the last 24 hours") != NULL);
	ck_assert(strstr(b.data, "<polyline") == NULL);
	cn_buf_free(&b);
	cn_chart_draw_json(c, T0, &b);
	ck_assert(strstr(b.data, "\"series\":[]}") != NULL);
	cn_buf_free(&b);
}
END_TEST

static Suite *chart_suite(void)
{
	Suite *s = suite_create("console_chart");
	TCase *tc = tcase_create("buckets");
	TCase *tf = tcase_create("state file");
	TCase *td = tcase_create("drawing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, buckets_roll_over_minutes_and_hours);
	tcase_add_test(tc, the_window_is_24_hours);
	tcase_add_test(tc, at_most_24_series_then_other);
	tcase_add_test(tc, samples_count_deltas_and_resets);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, state_file_round_trip);
	tcase_add_loop_test(tf, bad_files_leave_the_chart_empty, 0, N(bad_files));
	tcase_add_test(tf, files_too_long_or_with_nul_bytes);
	suite_add_tcase(s, tf);
	tcase_add_checked_fixture(td, setup, teardown);
	tcase_add_test(td, svg_escapes_a_hostile_plugin_name);
	tcase_add_test(td, json_has_the_same_numbers);
	tcase_add_test(td, an_empty_chart_says_so);
	suite_add_tcase(s, td);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(chart_suite());
	int failed;

	setenv("TZ", "UTC", 1);
	tzset();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
