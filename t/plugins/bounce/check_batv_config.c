/*
 * NAME
 *	check_batv_config - the BATV settings of the bounce plugin
 * DESCRIPTION
 *	Bad settings, word for word after "PATH:LINE: plugin bounce: ",
 *	and secret files: their mode, owner and length are checked, and
 *	a good one signs as the same key inline.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "batv_fixture.h"

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

/* A setting and the error after "PATH:LINE: plugin bounce: " */
static const char *const bad_cases[][2] = {
	{ "batv = { keys = ( { id = 10; secret = \"" SECRET "\"; } ); };",
	  "id must be between 0 and 9, not 10" },
	{ "batv = { keys = ( { secret = \"" SECRET "\"; } ); };",
	  "batv: every key needs an id (0 to 9)" },
	{ "batv = { keys = ( { id = 0; secret = \"short\"; } ); };",
	  "batv: the secret of key 0 must be 16 to 1024 bytes long" },
	{ "batv = { keys = ( { id = 0; } ); };",
	  "batv: key 0 needs exactly one of secret and secret_file" },
	{ "batv = { keys = ( " KEY0 ", " KEY0 " ); };",
	  "batv: key id 0 is listed twice" },
	{ "batv = { keys = ( ); };", "batv: at least one key is needed" },
	{ "batv = { };", "batv: at least one key is needed" },
	{ "batv = { keys = ( " KEY0 " ); sign_key = 2; };",
	  "batv: sign_key 2 is not in keys" },
	{ "batv = { keys = ( " KEY0 " ); days = 0; };",
	  "days must be between 1 and 365, not 0" },
	{ "batv = { keys = ( " KEY0 " ); days = 400; };",
	  "days must be between 1 and 365, not 400" },
	{ "batv = { keys = ( " KEY0 " ); exempt = [ \"lists.test\" ]; };",
	  "batv: exempt: \"lists.test\" is neither local@domain nor @domain" },
	{ "batv = { keys = ( " KEY0 " ); domains = [ \"a@b\" ]; };",
	  "batv: domains: \"a@b\" is not a domain" },
	{ "batv = { keys = ( " KEY0 " ); domains = [ \"example.org\" ]; };",
	  "batv: domains: \"example.org\" is not one of local_domains" },
	{ "batv = { keys = ( " KEY0 " ); sign = 1; };",
	  "unknown setting \"sign\"" },
	{ "batv = [ \"on\" ];", "batv must be a group { ... }" },
	{ "batv = 1;", "batv must be a group { ... }" },
};

START_TEST(bad_settings)
{
	const char *e = fh_plugin_error(BASE, "bounce", bad_cases[_i][0]);

	ck_assert_msg(strstr(e, bad_cases[_i][1]) != NULL, "row %d: %s", _i, e);
}
END_TEST

/* secret_file: mode and length are checked */
static const struct {
	const char *content;
	mode_t mode;
	const char *error;	/* NULL: loads */
} file_cases[] = {
	{ SECRET "\n", 0600, NULL },
	{ SECRET "\n", 0640, NULL },
	{ SECRET "\n", 0644, "has mode 0644: others may read or change it" },
	{ SECRET "\n", 0604, "has mode 0604" },
	{ SECRET "\n", 0660, "has mode 0660" },
	{ "short\n", 0600, "must be 16 to 1024 bytes long" },
};

START_TEST(secret_file)
{
	char settings[1024];
	char path[512];
	const char *e;

	snprintf(path, sizeof(path), "%s",
		 fh_tmpfile("batv.key", file_cases[_i].content));
	ck_assert_int_eq(chmod(path, file_cases[_i].mode), 0);
	snprintf(settings, sizeof(settings),
		 "batv = { keys = ( { id = 0; secret_file = \"%s\"; } ); };",
		 path);
	e = fh_plugin_error(BASE, "bounce", settings);
	if (!file_cases[_i].error) {
		ck_assert_str_eq(e, "");
		/* the same key as inline: the same tag */
		snprintf(settings, sizeof(settings),
			 "batv = { keys = ( { id = 0; secret_file = \"%s\"; } ); };",
			 path);
		h = host(settings);
		ck_assert_str_eq(sign_alice(), TAG0);
		return;
	}
	ck_assert_msg(strstr(e, file_cases[_i].error) != NULL, "row %d: %s",
		      _i, e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batv_config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, bad_settings, 0, ROWS(bad_cases));
	tcase_add_loop_test(tc, secret_file, 0, ROWS(file_cases));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
