/*
 * NAME
 *	check_dir_fail - a recipient the directory cannot decide is never
 *	"unknown"
 * DESCRIPTION
 *	The real core with the real catchall and harvest plugins, through
 *	the fake host, and a second recipient source (t/lib/fake_source.c)
 *	that fails: the recipient gets on_error (451 4.3.0 by default),
 *	no plugin sees it (no redirect, no harvest count), the log says
 *	why; an address another source knows still passes; with on_error
 *	"accept" it is taken as existing. When the source answers again,
 *	the catch-all acts as before.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "directory.h"
#include "fakehost.h"
#include "fake_source.h"
#include "settings.h"

#include "session_fixture.h"

#define PLUGINS "plugins = ( { name = \"harvest\"; threshold = 1; }, " \
	"{ name = \"catchall\"; } );\n"

/* failing_host - catchall and harvest, the file source and the fake
 * one (which fails for every address) */
static void failing_host(const char *extra)
{
	char text[1024], err[512];
	struct lg_dir *dir;

	fake_reset();
	fake.fail = "*";
	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text), "local_domains = [ \"example.com\" ];\n"
		 "recipients = [ \"@TMP@/rcpts\" ];\n%s%s", extra, PLUGINS);
	h = fh_new(text);
	dir = fh_config(h)->dir;
	ck_assert_int_eq(lg_dir_add_ops(dir, "fake", &fake_ops, NULL, err,
					sizeof(err)), 0);
	ck_assert_msg(lg_dir_load(dir, NULL, 0, err, sizeof(err)) == 0, "%s",
		      err);
	fh_connect(h, "192.0.2.9");
	fh_macro(h, "i", "QDIR1");
	fh_mail(h, "<x@external.test>");
}

START_TEST(a_failing_source_tempfails_the_recipient)
{
	int i;

	failing_host("");
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(fh_rcpt(h, "<nosuch@example.com>"), LG_TEMPFAIL);
		ck_assert_str_eq(fh_reply(h), "451 4.3.0 loopguard: cannot tell now whether this address exists, try again later");
	}
	ck_assert_msg(strstr(fh_log(), "QDIR1: recipient nosuch@example.com: the recipient directory cannot answer (fake: the test's server is down): 451 4.3.0 (on_error)"),
		      "log: %s", fh_log());
	/* three tries, none counted: harvest (threshold 1) blocks nothing */
	ck_assert_ptr_null(strstr(fh_log(), "plugin=harvest"));
	ck_assert_ptr_null(strstr(fh_log(), "plugin=catchall"));
	/* another source knows alice: she passes */
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	/* the source answers again: the catch-all acts */
	fake.fail = NULL;
	ck_assert_int_eq(fh_rcpt(h, "<nosuch@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_msg(strstr(fh_log(), "plugin=catchall action=redirect"),
		      "log: %s", fh_log());
}
END_TEST

START_TEST(on_error_accept_takes_it_as_existing)
{
	failing_host("on_error = \"accept\";\n");
	ck_assert_int_eq(fh_rcpt(h, "<nosuch@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_ptr_null(strstr(fh_log(), "plugin=catchall"));
	ck_assert_msg(strstr(fh_log(), "taken as existing (on_error accept)"),
		      "log: %s", fh_log());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dir_fail");
	TCase *tc = tcase_create("dir_fail");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, a_failing_source_tempfails_the_recipient);
	tcase_add_test(tc, on_error_accept_takes_it_as_existing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
