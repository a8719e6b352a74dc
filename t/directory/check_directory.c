/*
 * NAME
 *	check_directory - unit tests for milter/directory/dir.c and
 *	dir_load.c: sources asked together, health, reloads, the shrink
 *	rule, the self-checks
 * DESCRIPTION
 *	The sources are fake_source.c's, whose answers each test sets, so
 *	every rule of the directory is seen alone: a failure is never a
 *	"no", a "yes" wins over a failure, a change is loaded at the
 *	second look, a shrunk load is held back until forced.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "directory.h"
#include "fake_source.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

static char *domains[] = { "example.com", "example.org" };
static struct lg_dir *dir;

/* open_dir - a directory of NSRC fake sources, loaded */
static struct lg_dir *open_dir(int nsrc, int shrink)
{
	struct lg_dir_env env = { 0, "+", domains, 2, 1000, 0, 0, 0 };
	struct lg_dir *d = lg_dir_new(&env, shrink);
	char err[512], spec[16];
	int i;

	ck_assert_ptr_nonnull(d);
	for (i = 0; i < nsrc; i++) {
		snprintf(spec, sizeof(spec), "fake%d", i);
		ck_assert_int_eq(lg_dir_add_ops(d, spec, &fake_ops, NULL, err,
						sizeof(err)), 0);
	}
	ck_assert_int_eq(lg_dir_load(d, NULL, 0, err, sizeof(err)), 0);
	return d;
}

static void setup(void)
{
	fake_reset();
	lg_log_open("test", LG_LOG_MEMORY);
	lg_log_capture_reset();
	dir = NULL;
}

static void teardown(void)
{
	lg_dir_free(&dir);
}

/* One lookup: what the fake says, and what the directory answers. */
struct answer_case {
	const char *yes;		/* the one address that exists */
	const char *fail;		/* the address that fails */
	const char *local, *domain;	/* asked */
	enum lg_dir_answer want;
};

static const struct answer_case answer_cases[] = {
	{ "bob@example.com", NULL, "bob", "example.com", LG_DIR_YES },
	{ "bob@example.com", NULL, "carol", "example.com", LG_DIR_NO },
	/* could not tell: never "no" */
	{ NULL, "carol@example.com", "carol", "example.com", LG_DIR_FAIL },
	{ NULL, "*", "bob", "example.com", LG_DIR_FAIL },
	/* the key is normalised before the source sees it */
	{ "bob@example.com", NULL, "BOB", "Example.COM.", LG_DIR_YES },
	{ "bob+x@example.com", NULL, "bob+X", "example.com", LG_DIR_YES },
};

START_TEST(answers)
{
	const struct answer_case *c = &answer_cases[_i];
	char why[256];

	fake.yes[0] = c->yes;
	fake.fail = c->fail;
	dir = open_dir(1, 50);
	ck_assert_int_eq(lg_dir_lookup(dir, c->local, c->domain, why,
				       sizeof(why)), c->want);
	if (c->want == LG_DIR_FAIL)
		ck_assert_str_eq(why, "fake0: the test's server is down");
}
END_TEST

/* the key: address, local, base, extension, domain */
START_TEST(key_is_cut_at_the_delimiter)
{
	dir = open_dir(1, 50);
	lg_dir_lookup(dir, "Bob+Tag", "EXAMPLE.com", NULL, 0);
	ck_assert_str_eq(fake.last_key,
			 "bob+tag@example.com|bob+tag|bob|+tag|example.com");
	lg_dir_lookup(dir, "postmaster", "example.com", NULL, 0);
	ck_assert_str_eq(fake.last_key,
			 "postmaster@example.com|postmaster|postmaster||example.com");
}
END_TEST

/* a "yes" from one source wins over another's failure; a failure
 * with "no" elsewhere stays a failure */
START_TEST(yes_wins_over_a_failure)
{
	dir = open_dir(2, 50);
	fake.fail = "*";
	ck_assert_int_eq(lg_dir_lookup(dir, "bob", "example.com", NULL, 0),
			 LG_DIR_FAIL);
	fake.fail = NULL;
	fake.yes[0] = "bob@example.com";
	ck_assert_int_eq(lg_dir_lookup(dir, "bob", "example.com", NULL, 0),
			 LG_DIR_YES);
}
END_TEST

/* an outage is logged once, the recovery once, and the stats say it */
START_TEST(health_is_logged_once_per_outage)
{
	struct lg_dir_source_stats st;
	const char *first;
	int i;

	dir = open_dir(1, 50);
	fake.fail = "*";
	for (i = 0; i < 3; i++)
		lg_dir_lookup(dir, "bob", "example.com", NULL, 0);
	ck_assert_int_eq(lg_dir_source_stats(dir, 0, &st), 0);
	ck_assert_int_eq(st.up, 0);
	ck_assert(st.down_since > 0);
	ck_assert_int_eq(st.failures, 3);
	ck_assert_str_eq(st.last_error, "the test's server is down");
	ck_assert_ptr_nonnull(first = strstr(lg_log_captured(), "cannot answer"));
	ck_assert_ptr_null(strstr(first + 1, "cannot answer"));
	fake.fail = NULL;
	lg_dir_lookup(dir, "bob", "example.com", NULL, 0);
	lg_dir_source_stats(dir, 0, &st);
	ck_assert_int_eq(st.up, 1);
	ck_assert(lg_log_captured_has("recipients: source fake0 answers again after"));
	ck_assert_int_eq(lg_dir_source_stats(dir, 1, &st), -1);
}
END_TEST

/* a change is loaded at the second look that still sees it */
START_TEST(a_change_settles_before_it_is_loaded)
{
	dir = open_dir(1, 50);
	ck_assert_int_eq(fake.loads, 1);
	fake.version++;
	ck_assert_int_eq(lg_dir_refresh(dir, 100), 0);
	ck_assert_int_eq(fake.loads, 1);
	ck_assert_int_eq(lg_dir_refresh(dir, 101), 1);
	ck_assert_int_eq(fake.loads, 2);
	lg_dir_lookup(dir, "bob", "example.com", NULL, 0);
	ck_assert_int_eq(fake.last_serial, 2);
	ck_assert_int_eq(fake.frees, 1);	/* the old one, unused */
	ck_assert_int_eq(lg_dir_refresh(dir, 102), 0);
	ck_assert_int_eq(fake.loads, 2);
}
END_TEST

/* a load that fails keeps the generation in use, and is tried again
 * only after a pause */
START_TEST(a_failed_reload_keeps_the_old_set)
{
	struct lg_dir_source_stats st;

	dir = open_dir(1, 50);
	fake.version++;
	fake.load_fails = 1;
	lg_dir_refresh(dir, 100);
	ck_assert_int_eq(lg_dir_refresh(dir, 101), 0);
	ck_assert(lg_log_captured_has("reload failed, the entries loaded before stay in use: fake0: the test's table is broken"));
	lg_dir_lookup(dir, "bob", "example.com", NULL, 0);
	ck_assert_int_eq(fake.last_serial, 1);
	lg_dir_source_stats(dir, 0, &st);
	ck_assert_int_eq(st.failures, 1);
	fake.load_fails = 0;
	lg_dir_refresh(dir, 105);		/* within the pause */
	lg_dir_refresh(dir, 106);
	ck_assert_int_eq(fake.loads, 1);
	lg_dir_refresh(dir, 140);
	ck_assert_int_eq(lg_dir_refresh(dir, 141), 1);
	ck_assert(lg_log_captured_has("recipients: fake0 loads again"));
}
END_TEST

/* a load that lost more than max_shrink is held back; the same input
 * is not read again; reload --force takes it */
START_TEST(a_shrunk_reload_waits_for_force)
{
	struct lg_dir_source_stats st;
	struct lg_dir *next;
	char err[512];

	fake.count = 1000;
	dir = open_dir(1, 50);
	fake.count = 400;
	fake.version++;
	lg_dir_refresh(dir, 100);
	ck_assert_int_eq(lg_dir_refresh(dir, 101), 0);
	ck_assert(lg_log_captured_has("the new load has 400 entries, 600 fewer than the 1000 in use (60 % lost); the entries loaded before stay in use"));
	lg_dir_source_stats(dir, 0, &st);
	ck_assert_int_eq(st.held_back, 1);
	ck_assert_int_eq(st.entries, 1000);
	lg_dir_refresh(dir, 102);
	lg_dir_refresh(dir, 103);
	ck_assert_int_eq(fake.loads, 2);	/* the same input: not again */
	/* a config reload without --force refuses, with it takes it */
	{
		struct lg_dir_env env = { 0, "+", domains, 2, 1000, 0, 0, 0 };

		next = lg_dir_new(&env, 50);
		lg_dir_add_ops(next, "fake0", &fake_ops, NULL, err, sizeof(err));
		ck_assert_int_eq(lg_dir_load(next, dir, 0, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "fake0: the new load has 400 entries, 600 fewer than the 1000 in use (60 % lost); refused (max_shrink 50 %): check the table, or accept it with \"loopguardctl reload --force\"");
		ck_assert_int_eq(lg_dir_load(next, dir, 1, err, sizeof(err)), 0);
		ck_assert_int_eq(lg_dir_count(next), 400);
		lg_dir_free(&next);
	}
}
END_TEST

/* within max_shrink, or a source that grew: taken at once */
START_TEST(a_small_loss_is_taken)
{
	fake.count = 1000;
	dir = open_dir(1, 50);
	fake.count = 500;			/* 50 %: not more than */
	fake.version++;
	lg_dir_refresh(dir, 100);
	ck_assert_int_eq(lg_dir_refresh(dir, 101), 1);
	ck_assert_int_eq(lg_dir_count(dir), 500);
}
END_TEST

/* a config reload keeps an unchanged source's generation */
START_TEST(a_config_reload_keeps_what_did_not_move)
{
	struct lg_dir_env env = { 0, "+", domains, 2, 1000, 0, 0, 0 };
	struct lg_dir *next = lg_dir_new(&env, 50);
	char err[512];

	dir = open_dir(1, 50);
	lg_dir_add_ops(next, "fake0", &fake_ops, NULL, err, sizeof(err));
	ck_assert_int_eq(lg_dir_load(next, dir, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(fake.loads, 1);
	lg_dir_free(&dir);
	ck_assert_int_eq(fake.frees, 0);	/* next still holds it */
	lg_dir_lookup(next, "bob", "example.com", NULL, 0);
	ck_assert_int_eq(fake.last_serial, 1);
	lg_dir_free(&next);
	ck_assert_int_eq(fake.frees, 1);
}
END_TEST

/* Self-checks: the findings and whether they refuse the load. */
struct check_case {
	int serves;
	const char *local, *domain;	/* one entry of the source */
	int unserved;			/* lg_dir_check's result */
	const char *finding;		/* a line it reports */
};

static const struct check_case check_cases[] = {
	{ 1, "bob", "example.com", 0, NULL },
	{ 0, "bob", "example.com", 2, "recipients: no source lists any address in a local domain (example.com, ...); every local recipient would count as unknown" },
	{ 0, "bob", "example.com", 2, "warning: recipients: local domain example.org: no source lists any address in it" },
	{ 1, "bob", "exmaple.com", 0, "warning: recipients: fake0: 1 entry is outside the local domains, never used (first: bob@exmaple.com)" },
	{ 1, "bob", "", 0, NULL },	/* a bare local part is in every domain */
};

static char findings[4096];

static void keep_finding(void *arg, const char *text)
{
	(void) arg;
	strncat(findings, text, sizeof(findings) - strlen(findings) - 2);
	strcat(findings, "\n");
}

START_TEST(self_checks)
{
	const struct check_case *c = &check_cases[_i];

	fake.serves = c->serves;
	fake.entries[0][0] = c->local;
	fake.entries[0][1] = c->domain;
	dir = open_dir(1, 50);
	findings[0] = 0;
	ck_assert_int_eq(lg_dir_check(dir, keep_finding, NULL), c->unserved);
	if (c->finding)
		ck_assert_msg(strstr(findings, c->finding), "findings: %s",
			      findings);
	else
		ck_assert_str_eq(findings, "");
}
END_TEST

/* a kind that refuses its argument: the error names the spec */
START_TEST(open_errors_name_the_source)
{
	struct lg_dir_env env = { 0, "", domains, 2, 1000, 0, 0, 0 };
	char err[512];

	dir = lg_dir_new(&env, 50);
	ck_assert_int_eq(lg_dir_add_ops(dir, "fake:refuse", &fake_ops,
					"refuse", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "fake:refuse: refused by the test");
	ck_assert_int_eq(lg_dir_add(dir, "ldapx:/x", err, sizeof(err)), -1);
	ck_assert(strstr(err, "\"ldapx:/x\": unknown kind of source (known: file, passwd, aliases"));
	ck_assert_int_eq(lg_dir_add(dir, "aliases:", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "\"aliases:\": aliases needs an argument (aliases:...)");
	ck_assert_uint_eq(lg_dir_nsources(dir), 0);
}
END_TEST

static Suite *directory_suite(void)
{
	Suite *s = suite_create("directory");
	TCase *tc = tcase_create("directory");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, answers, 0, N(answer_cases));
	tcase_add_test(tc, key_is_cut_at_the_delimiter);
	tcase_add_test(tc, yes_wins_over_a_failure);
	tcase_add_test(tc, health_is_logged_once_per_outage);
	tcase_add_test(tc, a_change_settles_before_it_is_loaded);
	tcase_add_test(tc, a_failed_reload_keeps_the_old_set);
	tcase_add_test(tc, a_shrunk_reload_waits_for_force);
	tcase_add_test(tc, a_small_loss_is_taken);
	tcase_add_test(tc, a_config_reload_keeps_what_did_not_move);
	tcase_add_loop_test(tc, self_checks, 0, N(check_cases));
	tcase_add_test(tc, open_errors_name_the_source);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(directory_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
