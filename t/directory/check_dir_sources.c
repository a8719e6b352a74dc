/*
 * NAME
 *	check_dir_sources - unit tests for the file, aliases and passwd
 *	sources (milter/directory/src_*.c) through the directory
 * DESCRIPTION
 *	Each table row is one source spec, the text of its file, and one
 *	lookup with its answer. A file rewritten in place is picked up by
 *	lg_dir_refresh at the second look; passwd answers for accounts
 *	that exist on any host (root) and not for a name no host has.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "directory.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

static char tmpdir[256], path[512];
static char *domains[] = { "example.com", "example.org" };
static struct lg_dir *dir;

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/check_dir_sources.XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/table", tmpdir);
	lg_log_open("test", LG_LOG_MEMORY);
	lg_log_capture_reset();
	dir = NULL;
}

static void teardown(void)
{
	lg_dir_free(&dir);
	unlink(path);
	rmdir(tmpdir);
}

/* write_table - the test's one file */
static void write_table(const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* open_spec - a directory of one source; KIND:path when kind given */
static int open_spec(const char *kind, char *err, size_t errsize)
{
	struct lg_dir_env env = { 0, "+", domains, 2, 1000, 0, 0, 0 };
	char spec[600];

	if (strcmp(kind, "passwd") == 0)
		snprintf(spec, sizeof(spec), "passwd");
	else
		snprintf(spec, sizeof(spec), "%s%s", kind, path);
	dir = lg_dir_new(&env, 50);
	ck_assert_ptr_nonnull(dir);
	if (lg_dir_add(dir, spec, err, errsize) != 0)
		return -1;
	return lg_dir_load(dir, NULL, 0, err, errsize);
}

struct source_case {
	const char *kind;		/* "", "file:", "aliases:", "passwd" */
	const char *text;
	const char *local, *domain;
	enum lg_dir_answer want;
};

static const struct source_case source_cases[] = {
	{ "", "alice@example.com\n", "alice", "example.com", LG_DIR_YES },
	{ "file:", "alice@example.com\n", "Alice+news", "EXAMPLE.com", LG_DIR_YES },
	{ "file:", "alice@example.com\n", "alice", "example.org", LG_DIR_NO },
	{ "file:", "@example.org\n", "anyone", "example.org", LG_DIR_YES },
	{ "file:", "alice@example.com\n", "bob", "example.com", LG_DIR_NO },
	/* aliases: names only, in every local domain */
	{ "aliases:", "postmaster: root\n", "postmaster", "example.org", LG_DIR_YES },
	{ "aliases:", "staff: alice,\n  bob,\n\tcarol\n", "staff", "example.com", LG_DIR_YES },
	/* a continuation line is not a name */
	{ "aliases:", "staff: alice,\n  bob: x\n", "bob", "example.com", LG_DIR_NO },
	{ "aliases:", "# comment: x\nstaff: a\n", "# comment", "example.com", LG_DIR_NO },
	{ "aliases:", "\"odd name\": root\n", "odd name", "example.com", LG_DIR_YES },
	{ "aliases:", "Sales : root\r\n", "sales+eu", "example.com", LG_DIR_YES },
	{ "aliases:", "no colon here\nreal: root\n", "real", "example.com", LG_DIR_YES },
	{ "aliases:", "a@b: root\n", "a@b", "example.com", LG_DIR_NO },
	/* passwd: accounts every host has, and one none has */
	{ "passwd", "", "root", "example.com", LG_DIR_YES },
	{ "passwd", "", "root+x", "example.org", LG_DIR_YES },
	{ "passwd", "", "no-such-account-7q", "example.com", LG_DIR_NO },
};

START_TEST(sources_answer)
{
	const struct source_case *c = &source_cases[_i];
	char err[600];

	write_table(c->text);
	ck_assert_msg(open_spec(c->kind, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(lg_dir_lookup(dir, c->local, c->domain, NULL, 0),
			 c->want);
}
END_TEST

/* an aliases line that is not an alias is skipped, and said */
START_TEST(bad_alias_lines_are_named)
{
	char err[600], want[700];

	write_table("ok: root\nno colon here\n");
	ck_assert_int_eq(open_spec("aliases:", err, sizeof(err)), 0);
	snprintf(want, sizeof(want),
		 "recipients: %s:2: not an alias (\"name: value\"); line skipped",
		 path);
	ck_assert_msg(lg_log_captured_has(want), "%s", lg_log_captured());
	ck_assert_uint_eq(lg_dir_count(dir), 1);
}
END_TEST

/* a file that is not there fails the load with its name */
START_TEST(missing_files_fail_the_load)
{
	char err[600], want[700];

	ck_assert_int_eq(open_spec("aliases:", err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	lg_dir_free(&dir);
	ck_assert_int_eq(open_spec("file:", err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
}
END_TEST

/* a file rewritten is read again at the second look, with no reload */
START_TEST(files_are_live)
{
	char err[600];
	int kind;
	static const char *const kinds[] = { "file:", "aliases:" };
	static const char *const before[] = { "alice@example.com\n", "alice: x\n" };
	static const char *const after[] = {
		"alice@example.com\ndave@example.com\n", "alice: x\ndave: y\n"
	};

	for (kind = 0; kind < 2; kind++) {
		write_table(before[kind]);
		ck_assert_int_eq(open_spec(kinds[kind], err, sizeof(err)), 0);
		ck_assert_int_eq(lg_dir_lookup(dir, "dave", "example.com", NULL, 0),
				 LG_DIR_NO);
		write_table(after[kind]);
		lg_dir_refresh(dir, 100);
		ck_assert_int_eq(lg_dir_refresh(dir, 101), 1);
		ck_assert_int_eq(lg_dir_lookup(dir, "dave", "example.com", NULL, 0),
				 LG_DIR_YES);
		lg_dir_free(&dir);
	}
}
END_TEST

/* a table cut to a third is not believed */
START_TEST(a_truncated_file_is_held_back)
{
	char err[600];

	write_table("a@example.com\nb@example.com\nc@example.com\n");
	ck_assert_int_eq(open_spec("file:", err, sizeof(err)), 0);
	write_table("a@example.com\n");
	lg_dir_refresh(dir, 100);
	ck_assert_int_eq(lg_dir_refresh(dir, 101), 0);
	ck_assert_int_eq(lg_dir_lookup(dir, "c", "example.com", NULL, 0),
			 LG_DIR_YES);
	ck_assert(lg_log_captured_has("the new load has 1 entries, 2 fewer than the 3 in use (67 % lost)"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dir_sources");
	TCase *tc = tcase_create("dir_sources");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, sources_answer, 0, N(source_cases));
	tcase_add_test(tc, bad_alias_lines_are_named);
	tcase_add_test(tc, missing_files_fail_the_load);
	tcase_add_test(tc, files_are_live);
	tcase_add_test(tc, a_truncated_file_is_held_back);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
