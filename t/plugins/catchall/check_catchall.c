/*
 * NAME
 *	check_catchall - the catchall plugin against the fake host
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "fakehost.h"

#define BASE "local_domains = [ \"example.com\", \"example.org\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"recipient_delimiter = \"+\";\n"

static struct fh *h;

static struct fh *catchall(const char *settings)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\nbob@example.com\n"
		   "postmaster@example.com\npostmaster@example.org\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"catchall\"; %s } );\n", BASE,
		 settings ? settings : "");
	return fh_new(text);
}

static void teardown(void)
{
	fh_free(&h);
}

struct redirect_case {
	const char *settings;
	const char *rcpts[5];
	const char *edits;
};

static const struct redirect_case redirect_cases[] = {
	/* one unknown recipient */
	{ NULL, { "<nosuch@example.com>" },
	  "addrcpt postmaster@example.com\n"
	  "addheader X-Loopguard-Original-To: nosuch@example.com\n"
	  "delrcpt <nosuch@example.com>\n" },
	/* a valid one is untouched */
	{ NULL, { "<alice@example.com>" }, "" },
	/* external is untouched */
	{ NULL, { "<someone@external.test>" }, "" },
	/* mix: one target however many unknown, a header each */
	{ NULL, { "<nosuch@example.com>", "<alice@example.com>",
		  "<someone@external.test>", "<other@EXAMPLE.COM>" },
	  "addrcpt postmaster@example.com\n"
	  "addheader X-Loopguard-Original-To: nosuch@example.com\n"
	  "addheader X-Loopguard-Original-To: other@example.com\n"
	  "delrcpt <nosuch@example.com>\n"
	  "delrcpt <other@EXAMPLE.COM>\n" },
	/* %d follows the unknown recipient's domain */
	{ NULL, { "<x@example.com>", "<y@example.org>" },
	  "addrcpt postmaster@example.com\n"
	  "addrcpt postmaster@example.org\n"
	  "addheader X-Loopguard-Original-To: x@example.com\n"
	  "addheader X-Loopguard-Original-To: y@example.org\n"
	  "delrcpt <x@example.com>\n"
	  "delrcpt <y@example.org>\n" },
	/* per-domain override */
	{ "targets = ( { domain = \"example.org\"; target = \"bob@example.com\"; } );",
	  { "<x@example.com>", "<y@example.org>" },
	  "addrcpt postmaster@example.com\n"
	  "addrcpt bob@example.com\n"
	  "addheader X-Loopguard-Original-To: x@example.com\n"
	  "addheader X-Loopguard-Original-To: y@example.org\n"
	  "delrcpt <x@example.com>\n"
	  "delrcpt <y@example.org>\n" },
	/* a fixed target and another header */
	{ "target = \"alice@example.com\"; header = \"X-Was-To\";",
	  { "<x@example.com>" },
	  "addrcpt alice@example.com\n"
	  "addheader X-Was-To: x@example.com\n"
	  "delrcpt <x@example.com>\n" },
	/* no header */
	{ "header = \"\";", { "<x@example.com>" },
	  "addrcpt postmaster@example.com\n"
	  "delrcpt <x@example.com>\n" },
	/* report mode changes nothing */
	{ "mode = \"report\";", { "<x@example.com>", "<alice@example.com>" },
	  "" },
	/* enforce spelled out */
	{ "mode = \"enforce\";", { "<x@example.com>" },
	  "addrcpt postmaster@example.com\n"
	  "addheader X-Loopguard-Original-To: x@example.com\n"
	  "delrcpt <x@example.com>\n" },
	/* an extension of a valid user is valid */
	{ NULL, { "<alice+list@example.com>" }, "" },
};

START_TEST(redirects)
{
	const struct redirect_case *c = &redirect_cases[_i];

	h = catchall(c->settings);
	fh_macro(h, "i", "QID1");
	ck_assert_int_eq(fh_message(h, "<sender@external.test>", c->rcpts,
				    NULL, "body\r\n"), LG_CONTINUE);
	ck_assert_msg(strcmp(fh_edits(h), c->edits) == 0,
		      "case %d: edits\n%s\nwant\n%s", _i, fh_edits(h),
		      c->edits);
}
END_TEST

/* A message to an unknown recipient from 192.0.2.9: the lines logged. */
static const struct {
	const char *settings;
	const char *lines[2];
} log_cases[] = {
	{ NULL, { "4XYZ: plugin=catchall action=redirect "
	  "from=<sender@external.test> to=<nosuch@example.com> "
	  "client=192.0.2.9 reason=\"unknown recipient, redirected to "
	  "<postmaster@example.com>\"" } },
	{ "mode = \"report\";", { "plugin=catchall action=report "
	  "from=<sender@external.test> to=<nosuch@example.com>",
	  "would redirect unknown recipient to <postmaster@example.com>" } },
};

START_TEST(logged)
{
	static const char *const rcpts[] = { "<nosuch@example.com>", NULL };
	int i;

	h = catchall(log_cases[_i].settings);
	fh_connect(h, "192.0.2.9");
	fh_macro(h, "i", "4XYZ");
	fh_log_reset();
	fh_message(h, "<sender@external.test>", rcpts, NULL, NULL);
	for (i = 0; i < 2 && log_cases[_i].lines[i]; i++)
		ck_assert_msg(strstr(fh_log(), log_cases[_i].lines[i]),
			      "case %d: no \"%s\" in\n%s", _i,
			      log_cases[_i].lines[i], fh_log());
}
END_TEST

/* A sender of 2000 bytes (an MTA may pass one): the decision line
 * cuts it, marked "...", and keeps its recipient, client and reason. */
START_TEST(long_sender_keeps_line_end)
{
	static const char *const rcpts[] = { "<nosuch@example.com>", NULL };
	char sender[2100];

	memset(sender, 'a', sizeof(sender));
	sender[0] = '<';
	snprintf(sender + 2001, sizeof(sender) - 2001, "@example.net>");
	h = catchall(NULL);
	fh_connect(h, "192.0.2.9");
	fh_macro(h, "i", "4LONG");
	fh_log_reset();
	fh_message(h, sender, rcpts, NULL, NULL);
	ck_assert_msg(strstr(fh_log(), "aaaa...> to=<nosuch@example.com> "
			     "client=192.0.2.9 reason=\"unknown recipient"),
		      "the decision line lost its end:\n%s", fh_log());
}
END_TEST

START_TEST(reject_list)
{
	h = catchall("reject = [ \"leaked@example.com\" ];");
	fh_mail(h, "<spammer@external.test>");
	ck_assert_int_eq(fh_rcpt(h, "<Leaked@Example.com>"), LG_REJECT);
	ck_assert_str_eq(fh_reply(h),
			 "550 5.1.1 Recipient address rejected: no such user");
	ck_assert_int_eq(fh_rcpt(h, "<nosuch@example.com>"), LG_CONTINUE);
	fh_eoh(h);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	/* the refused one is not redirected */
	ck_assert_str_eq(fh_edits(h),
			 "addrcpt postmaster@example.com\n"
			 "addheader X-Loopguard-Original-To: nosuch@example.com\n"
			 "delrcpt <nosuch@example.com>\n");
}
END_TEST

/* 520 bytes: past the core's address parser, not past an MTA's */
#define X65 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X520 X65 X65 X65 X65 X65 X65 X65 X65

/* The reject list matches an address with its extension removed, as
 * the recipient directory does (BASE sets recipient_delimiter "+").
 * An address the core cannot parse is refused by the core itself when
 * its domain is local (CORE: 550 5.1.3), whatever the list says. */
#define CORE LG_REJECT, 1
static const struct {
	const char *reject;
	const char *rcpt;
	enum lg_verdict verdict;
	int by_core;
} reject_match_cases[] = {
	{ "leaked@example.com", "<leaked@example.com>", LG_REJECT, 0 },
	{ "leaked@example.com", "<leaked+anything@example.com>", LG_REJECT, 0 },
	{ "leaked@example.com", "<LEAKED+X@Example.COM>", LG_REJECT, 0 },
	{ "leaked@example.com", "<leaked+@example.com>", LG_REJECT, 0 },
	{ "leaked@example.com", "<leaked+a+b@example.com>", LG_REJECT, 0 },
	{ "leaked@example.com", "<leakedx@example.com>", LG_CONTINUE, 0 },
	{ "leaked@example.com", "<leaked-x@example.com>", LG_CONTINUE, 0 },
	{ "leaked@example.com", "<other+leaked@example.com>", LG_CONTINUE, 0 },
	{ "leaked@example.com", "<leaked+x@example.org>", LG_CONTINUE, 0 },
	{ "leaked+news@example.com", "<leaked+news@example.com>", LG_REJECT, 0 },
	{ "leaked+news@example.com", "<leaked+other@example.com>",
	  LG_CONTINUE, 0 },
	{ "leaked+news@example.com", "<leaked@example.com>", LG_CONTINUE, 0 },
	{ "leaked@example.com", "<\"leaked+x\"@example.com>", LG_REJECT, 0 },
	{ "leaked@example.com", "<+leaked@example.com>", LG_CONTINUE, 0 },
	{ "leaked@example.com", "<leaked+" X520 "@example.com>", CORE },
	{ "leaked@example.com", "<leaked+" X520 "@example.com.>", CORE },
	{ "leaked@example.com", "<\"leaked+a@b\"@example.com>", CORE },
	{ "leaked@example.com", "<@relay.test:leaked+" X520 "@example.com>",
	  CORE },
	{ "leaked@example.com", "<other+" X520 "@example.com>", CORE },
	{ "leaked@example.com", "<leaked+" X520 "@example.org>", CORE },
	{ "leaked@example.com", "<leaked" X520 "@example.com>", CORE },
	{ "leaked@example.com", "<leaked+" X520 "@elsewhere.test>",
	  LG_CONTINUE, 0 },
};

START_TEST(reject_list_matches_without_extension)
{
	char settings[256];

	snprintf(settings, sizeof(settings), "reject = [ \"%s\" ];",
		 reject_match_cases[_i].reject);
	h = catchall(settings);
	fh_mail(h, "<spammer@external.test>");
	ck_assert_msg(fh_rcpt(h, reject_match_cases[_i].rcpt) ==
		      reject_match_cases[_i].verdict,
		      "case %d: %s against reject %s", _i,
		      reject_match_cases[_i].rcpt,
		      reject_match_cases[_i].reject);
	if (reject_match_cases[_i].verdict == LG_REJECT)
		ck_assert_str_eq(fh_reply(h), reject_match_cases[_i].by_core ?
				 "550 5.1.3 loopguard: bad address syntax in a local domain" :
				 "550 5.1.1 Recipient address rejected: no such user");
}
END_TEST

/* recipient_delimiter of several characters, "+-": cut at the first
 * of them, never before the first byte, never owner-* or *-request */
static const struct {
	const char *reject;
	const char *rcpt;
	enum lg_verdict verdict;
} several_delimiter_cases[] = {
	{ "leaked@example.com", "<leaked-x@example.com>", LG_REJECT },
	{ "leaked@example.com", "<leaked+x-y@example.com>", LG_REJECT },
	{ "leaked@example.com", "<leaked-x+y@example.com>", LG_REJECT },
	{ "leaked@example.com", "<-leaked@example.com>", LG_CONTINUE },
	{ "leaked@example.com", "<+leaked-x@example.com>", LG_CONTINUE },
	{ "owner-list@example.com", "<owner-list-x@example.com>",
	  LG_CONTINUE },
	{ "list-request@example.com", "<list-request@example.com>",
	  LG_REJECT },
};

START_TEST(reject_list_several_delimiters)
{
	char text[1024];

	fh_tmpfile("rcpts", "alice@example.com\n");
	snprintf(text, sizeof(text),
		 "local_domains = [ \"example.com\" ];\n"
		 "recipients = [ \"@TMP@/rcpts\" ];\n"
		 "recipient_delimiter = \"+-\";\n"
		 "plugins = ( { name = \"catchall\"; reject = [ \"%s\" ]; } );\n",
		 several_delimiter_cases[_i].reject);
	h = fh_new(text);
	fh_mail(h, "<spammer@external.test>");
	ck_assert_msg(fh_rcpt(h, several_delimiter_cases[_i].rcpt) ==
		      several_delimiter_cases[_i].verdict,
		      "case %d: %s against reject %s", _i,
		      several_delimiter_cases[_i].rcpt,
		      several_delimiter_cases[_i].reject);
}
END_TEST

START_TEST(reject_list_in_report_mode)
{
	h = catchall("reject = [ \"leaked@example.com\" ]; mode = \"report\";");
	fh_mail(h, "<spammer@external.test>");
	ck_assert_int_eq(fh_rcpt(h, "<leaked@example.com>"), LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(), "would reject"));
}
END_TEST

START_TEST(mta_rejected_left_alone)
{
	h = catchall(NULL);
	fh_mail(h, "<sender@external.test>");
	fh_macro(h, "{rcpt_mailer}", "error");
	ck_assert_int_eq(fh_rcpt(h, "<nosuch@example.com>"), LG_CONTINUE);
	fh_macro(h, "{rcpt_mailer}", "local");
	fh_rcpt(h, "<alice@example.com>");
	fh_eoh(h);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_str_eq(fh_edits(h), "");
}
END_TEST

START_TEST(second_message_starts_clean)
{
	static const char *const first[] = { "<x@example.com>", NULL };
	static const char *const second[] = { "<alice@example.com>", NULL };

	h = catchall(NULL);
	fh_message(h, "<a@external.test>", first, NULL, NULL);
	ck_assert_str_ne(fh_edits(h), "");
	fh_message(h, "<a@external.test>", second, NULL, NULL);
	ck_assert_str_eq(fh_edits(h), "");
}
END_TEST

#define NOT_A_TARGET(t) "target \"" t "\" is not an address like " \
	"\"postmaster@%d\""

/* A setting and the error after "PATH:5: plugin catchall: " */
static const char *const bad_cases[][2] = {
	{ "target = \"nobody\";", NOT_A_TARGET("nobody") },
	{ "target = \"a b@%d\";", NOT_A_TARGET("a b@%d") },
	{ "target = 5;", "target must be a string" },
	{ "mode = \"dry\";",
	  "mode must be one of \"enforce\", \"report\", not \"dry\"" },
	{ "reject = [ \"leaked\" ];", "reject: \"leaked\" is not an address" },
	{ "reject = \"x@example.com\";",
	  "reject must be a list [ ... ] or ( ... )" },
	{ "targets = ( { domain = \"example.org\"; } );", "targets: each "
	  "entry needs domain = \"...\" and target = \"...\"" },
	{ "targets = ( { domain = \"example.org\"; target = \"x\"; } );",
	  NOT_A_TARGET("x") },
	{ "targets = ( { domain = \"example.org\"; target = \"a@b\"; "
	  "colour = 1; } );", "unknown setting \"colour\"" },
	{ "header = \"X-Bad: yes\";",
	  "header \"X-Bad: yes\" is not a header name" },
	{ "tagret = \"x@y\";", "unknown setting \"tagret\"" },
};

START_TEST(bad_settings)
{
	ck_assert_str_eq(fh_plugin_error(BASE, "catchall", bad_cases[_i][0]),
			 bad_cases[_i][1]);
}
END_TEST

/* A recipient directory that loads no address, or is not there: the
 * error after "TMP/catchall-NAME.conf:3: recipients: " (TMP twice). */
static const char *const empty_cases[][2] = {
	{ "empty", "no source lists any address in a local domain "
	  "(example.com); every local recipient would count as unknown" },
	{ "typo", "%s/typo: No such file or directory" },
};

START_TEST(empty_directory_refuses_to_load)
{
	char text[1024], name[32], want[1024], rest[512];

	fh_tmpfile("empty", "# no addresses yet\n");
	snprintf(text, sizeof(text), "local_domains = [ \"example.com\" ];\n"
		 "recipients = [ \"@TMP@/%s\" ];\n"
		 "plugins = ( { name = \"catchall\"; } );\n", empty_cases[_i][0]);
	snprintf(name, sizeof(name), "catchall-%s", empty_cases[_i][0]);
	snprintf(rest, sizeof(rest), empty_cases[_i][1], fh_tmpdir());
	snprintf(want, sizeof(want), "%s/%s.conf:3: recipients: %s",
		 fh_tmpdir(), name, rest);
	ck_assert_str_eq(fh_load_error(name, text), want);
}
END_TEST

static Suite *catchall_suite(void)
{
	Suite *s = suite_create("catchall");
	TCase *tc = tcase_create("redirect");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, redirects, 0,
			    (int) (sizeof(redirect_cases) /
				   sizeof(redirect_cases[0])));
	tcase_add_loop_test(tc, logged, 0,
			    (int) (sizeof(log_cases) / sizeof(log_cases[0])));
	tcase_add_test(tc, long_sender_keeps_line_end);
	tcase_add_test(tc, reject_list);
	tcase_add_loop_test(tc, reject_list_matches_without_extension, 0,
			    (int) (sizeof(reject_match_cases) /
				   sizeof(reject_match_cases[0])));
	tcase_add_loop_test(tc, reject_list_several_delimiters, 0,
			    (int) (sizeof(several_delimiter_cases) /
				   sizeof(several_delimiter_cases[0])));
	tcase_add_test(tc, reject_list_in_report_mode);
	tcase_add_test(tc, mta_rejected_left_alone);
	tcase_add_test(tc, second_message_starts_clean);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_loop_test(tc, bad_settings, 0,
			    (int) (sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_loop_test(tc, empty_directory_refuses_to_load, 0,
			    (int) (sizeof(empty_cases) / sizeof(empty_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(catchall_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
