/*
 * NAME
 *	check_counters - unit tests for milter/util/counters.c: the
 *	plugins' named counters
 * SYNOPSIS
 *	t/util/check_counters
 * DESCRIPTION
 *	Which names are good (a table: lengths 1 and 31, every allowed
 *	kind of byte, and each way to be bad), that a bad name counts as
 *	"other" of its plugin, that plugins do not share rows, that rows
 *	come out in the order they were made, and the bounds: a plugin
 *	gets at most LG_COUNTER_NAMES_PER_PLUGIN names and then counts
 *	under "other"; a full table counts new names under their
 *	plugin's "other", made from the reserve; only when even that
 *	cannot be made is a count dropped. Each test runs in a process
 *	of its own (Check forks), so each starts with an empty table.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

struct name_case {
	const char *name;
	int ok;
};

static const struct name_case name_cases[] = {
	{ "a", 1 },
	{ "dsn.5.1.1", 1 },
	{ "Accepted_reply-2", 1 },
	{ "0123456789012345678901234567890", 1 },	/* 31 */
	{ "01234567890123456789012345678901", 0 },	/* 32 */
	{ "", 0 },
	{ NULL, 0 },
	{ "a b", 0 },
	{ "a\tb", 0 },
	{ "a\nb", 0 },
	{ "a/b", 0 },
	{ "a:b", 0 },
	{ "a%sb", 0 },
	{ "\"a\"", 0 },
	{ "caf\xc3\xa9", 0 },
	{ "a\x7f", 0 },
};

START_TEST(names_are_checked)
{
	const struct name_case *c = &name_cases[_i];

	ck_assert_int_eq(lg_counter_name_ok(c->name), c->ok);
	lg_named_count("p", c->name);
	if (c->ok) {
		ck_assert_uint_eq(lg_named_counter_get("p", c->name), 1);
		ck_assert_uint_eq(lg_named_counter_get("p", LG_COUNTER_OTHER), 0);
	} else {
		ck_assert_uint_eq(lg_named_counter_get("p", LG_COUNTER_OTHER), 1);
		if (c->name)
			ck_assert_uint_eq(lg_named_counter_get("p", c->name), 0);
	}
	ck_assert_uint_eq(lg_named_dropped(), 0);
}
END_TEST

/* collect - the rows as "plugin/name=count;" */
static void collect(void *arg, const char *plugin, const char *name,
		    unsigned long long count)
{
	char *buf = arg;
	size_t len = strlen(buf);

	snprintf(buf + len, 4096 - len, "%s/%s=%llu;", plugin, name, count);
}

START_TEST(plugins_keep_their_own_rows)
{
	char buf[4096] = "";

	lg_named_count("bounce", "dsn.5.1.1");
	lg_named_count("bounce", "dsn.5.1.1");
	lg_named_count("harvest", "dsn.5.1.1");
	lg_named_count("bounce", "bad name");
	lg_named_count("bounce", "replies");
	ck_assert_uint_eq(lg_named_counter_get("bounce", "dsn.5.1.1"), 2);
	ck_assert_uint_eq(lg_named_counter_get("harvest", "dsn.5.1.1"), 1);
	ck_assert_uint_eq(lg_named_counter_get("harvest", "replies"), 0);
	ck_assert_uint_eq(lg_named_counter_get("nosuch", "dsn.5.1.1"), 0);
	lg_named_counts(collect, buf);
	ck_assert_str_eq(buf, "bounce/dsn.5.1.1=2;harvest/dsn.5.1.1=1;"
			 "bounce/other=1;bounce/replies=1;");
}
END_TEST

/* A plugin that counts whatever a peer sends gets no more than its
 * share of names; the rest go to its "other". */
START_TEST(a_plugin_has_a_bounded_number_of_names)
{
	char name[32];
	int i;

	for (i = 0; i < LG_COUNTER_NAMES_PER_PLUGIN + 10; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		lg_named_count("greedy", name);
		lg_named_count("greedy", name);
	}
	snprintf(name, sizeof(name), "n%d", LG_COUNTER_NAMES_PER_PLUGIN - 1);
	ck_assert_uint_eq(lg_named_counter_get("greedy", name), 2);
	snprintf(name, sizeof(name), "n%d", LG_COUNTER_NAMES_PER_PLUGIN);
	ck_assert_uint_eq(lg_named_counter_get("greedy", name), 0);
	ck_assert_uint_eq(lg_named_counter_get("greedy", LG_COUNTER_OTHER),
			  20);
	/* the names it has still count */
	lg_named_count("greedy", "n0");
	ck_assert_uint_eq(lg_named_counter_get("greedy", "n0"), 3);
	/* another plugin still gets rows */
	lg_named_count("modest", "n0");
	ck_assert_uint_eq(lg_named_counter_get("modest", "n0"), 1);
	ck_assert_uint_eq(lg_named_dropped(), 0);
}
END_TEST

/* rows - how many rows the table has */
static void count_row(void *arg, const char *plugin, const char *name,
		      unsigned long long count)
{
	(void) plugin;
	(void) name;
	(void) count;
	(*(size_t *) arg)++;
}

static size_t rows(void)
{
	size_t n = 0;

	lg_named_counts(count_row, &n);
	return n;
}

/* Many plugins fill the table: new names then count under their
 * plugin's "other" (made from the reserve), and when even that row
 * cannot be made, as dropped. The table never grows past its size. */
START_TEST(a_full_table_counts_other_then_drops)
{
	const size_t named_rows = LG_COUNTER_ROWS_MAX - LG_COUNTER_OTHER_RESERVE;
	char plugin[32], name[32];
	size_t i, p;

	for (i = 0; i < named_rows; i++) {
		snprintf(plugin, sizeof(plugin), "p%zu",
			 i / (LG_COUNTER_NAMES_PER_PLUGIN / 2));
		snprintf(name, sizeof(name), "n%zu", i);
		lg_named_count(plugin, name);
	}
	ck_assert_uint_eq(rows(), named_rows);
	/* a plugin that has rows: the new name goes to its "other" */
	lg_named_count("p0", "late");
	ck_assert_uint_eq(lg_named_counter_get("p0", "late"), 0);
	ck_assert_uint_eq(lg_named_counter_get("p0", LG_COUNTER_OTHER), 1);
	/* a new plugin: its "other", also from the reserve */
	lg_named_count("newcomer", "first");
	ck_assert_uint_eq(lg_named_counter_get("newcomer", "first"), 0);
	ck_assert_uint_eq(lg_named_counter_get("newcomer", LG_COUNTER_OTHER), 1);
	ck_assert_uint_eq(rows(), named_rows + 2);
	/* the reserve runs out: dropped, counted, and nothing grows */
	for (p = 0; p < LG_COUNTER_OTHER_RESERVE + 5; p++) {
		snprintf(plugin, sizeof(plugin), "late%zu", p);
		lg_named_count(plugin, "x");
	}
	ck_assert_uint_eq(rows(), LG_COUNTER_ROWS_MAX);
	ck_assert_uint_eq(lg_named_dropped(), 7);
	/* the rows that exist still count */
	lg_named_count("p0", "n0");
	ck_assert_uint_eq(lg_named_counter_get("p0", "n0"), 2);
	lg_named_count("late0", "y");
	ck_assert_uint_eq(lg_named_counter_get("late0", LG_COUNTER_OTHER), 2);
}
END_TEST

/* A plugin name the core would never give is not a row. */
START_TEST(bad_plugin_names_are_dropped)
{
	char long_name[LG_COUNTER_PLUGIN_MAX + 2];

	memset(long_name, 'p', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	lg_named_count(NULL, "a");
	lg_named_count("", "a");
	lg_named_count(long_name, "a");
	ck_assert_uint_eq(rows(), 0);
	ck_assert_uint_eq(lg_named_dropped(), 3);
	long_name[LG_COUNTER_PLUGIN_MAX] = 0;
	lg_named_count(long_name, "a");
	ck_assert_uint_eq(lg_named_counter_get(long_name, "a"), 1);
}
END_TEST

static Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("named");

	tcase_add_loop_test(tc, names_are_checked, 0, N(name_cases));
	tcase_add_test(tc, plugins_keep_their_own_rows);
	tcase_add_test(tc, a_plugin_has_a_bounded_number_of_names);
	tcase_add_test(tc, a_full_table_counts_other_then_drops);
	tcase_add_test(tc, bad_plugin_names_are_dropped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(counters_suite());
	int failed;

	/* each test needs an empty table: a process of its own */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
