/*
 * NAME
 *	check_harvest_config - the harvest plugin's settings and their
 *	errors
 * DESCRIPTION
 *	Each bad setting stops the config load with the one error a
 *	postmaster reads after "PATH:LINE: plugin harvest: ", among them
 *	a notice address outside the local domains.
 */
#include "config.h"

#include <check.h>

#include "fakehost.h"
#include "harvest_base.h"

#define BAD_DURATION "(use e.g. 30s, 10m, 1h, 7d)"

/* A setting and the error after "PATH:5: plugin harvest: " */
static const char *const bad_cases[][2] = {
	{ "threshold = 0;", "threshold must be between 1 and 1000000, not 0" },
	{ "window = \"ten minutes\";",
	  "window: bad duration \"ten minutes\" " BAD_DURATION },
	{ "window = \"0m\";", "window must be at least 1s" },
	{ "block = \"\";", "block: bad duration \"\" " BAD_DURATION },
	{ "block = 3600;", "block must be a duration string such as \"10m\"" },
	{ "prefix4 = 7;", "prefix4 must be between 8 and 32, not 7" },
	{ "prefix4 = 33;", "prefix4 must be between 8 and 32, not 33" },
	{ "prefix6 = 15;", "prefix6 must be between 16 and 128, not 15" },
	{ "prefix6 = 129;", "prefix6 must be between 16 and 128, not 129" },
	{ "prefix6 = \"64\";", "prefix6 must be an integer" },
	{ "prefix6_wide = 8;",
	  "prefix6_wide must be 0 (off) or between 16 and 128, not 8" },
	{ "prefix6_wide = 129;",
	  "prefix6_wide must be between 0 and 128, not 129" },
	{ "threshold6_wide = 0;",
	  "threshold6_wide must be between 1 and 1000000, not 0" },
	{ "action = \"discard\";",
	  "action must be one of \"tempfail\", \"reject\", not \"discard\"" },
	{ "mode = \"test\";",
	  "mode must be one of \"enforce\", \"report\", not \"test\"" },
	{ "prefix = 24;", "unknown setting \"prefix\"" },
	/* notices go to a local address only */
	{ "postmaster = \"postmaster@external.test\";",
	  "postmaster \"postmaster@external.test\" is not in a local domain "
	  "(local_domains): notices go only to a local address" },
	{ "postmaster = \"postmaster@sub.example.com\";",
	  "postmaster \"postmaster@sub.example.com\" is not in a local "
	  "domain (local_domains): notices go only to a local address" },
	{ "postmaster = \"postmaster\";", "postmaster \"postmaster\" is "
	  "not an address like \"postmaster@example.com\"" },
	{ "postmaster = \"a b@example.com\";", "postmaster \"a b@example.com\" "
	  "is not an address like \"postmaster@example.com\"" },
	{ "postmaster = \"<pm@example.com>\";", "postmaster \"<pm@example.com>\" "
	  "is not an address like \"postmaster@example.com\"" },
	{ "postmaster = \"a@b@example.com\";", "postmaster \"a@b@example.com\" "
	  "is not an address like \"postmaster@example.com\"" },
	{ "postmaster = true;", "postmaster must be a string" },
};

START_TEST(bad_settings)
{
	ck_assert_str_eq(fh_plugin_error(BASE, "harvest", bad_cases[_i][0]),
			 bad_cases[_i][1]);
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

/* harvest_config_suite - one loop test over the bad settings */
static Suite *harvest_config_suite(void)
{
	Suite *s = suite_create("harvest_config");
	TCase *tc = tcase_create("config");

	tcase_add_loop_test(tc, bad_settings, 0, ROWS(bad_cases));
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(harvest_config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
