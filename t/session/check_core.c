/*
 * NAME
 *	check_core - classification, dispatch and edit application
 * DESCRIPTION
 *	The real core with the test plugin (t/lib/plugins/testplug.c), through
 *	the fake host: no MTA, no libmilter.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "fakehost.h"
#include "host.h"
#include "session_impl.h"

#define BASE "plugin_dir = \"@TESTPLUGINS@\";\n" \
	"local_domains = [ \"example.com\", \"Example.NET\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"recipient_delimiter = \"+-\";\n" \
	"trusted_networks = [ \"10.0.0.0/8\", \"2001:db8::/32\" ];\n"

static struct fh *h;

static struct fh *host_with(const char *plugins)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\nbob@example.com\n"
		   "postmaster@example.com\n@example.net\n");
	snprintf(text, sizeof(text), "%splugins = ( %s );\n", BASE,
		 plugins ? plugins : "");
	return fh_new(text);
}

static void teardown(void)
{
	fh_free(&h);
}

struct rcpt_case {
	const char *raw;
	enum lg_rcpt_class rclass;
	const char *addr;
};

static const struct rcpt_case rcpt_cases[] = {
	{ "<alice@example.com>", LG_RCPT_LOCAL, "alice@example.com" },
	{ "<ALICE@EXAMPLE.COM>", LG_RCPT_LOCAL, "ALICE@example.com" },
	{ "alice@example.com", LG_RCPT_LOCAL, "alice@example.com" },
	{ "<alice+news@example.com>", LG_RCPT_LOCAL, "alice+news@example.com" },
	{ "<alice-news@example.com>", LG_RCPT_LOCAL, "alice-news@example.com" },
	{ "<alicia@example.com>", LG_RCPT_UNKNOWN, "alicia@example.com" },
	{ "<nosuch+alice@example.com>", LG_RCPT_UNKNOWN, "nosuch+alice@example.com" },
	{ "<anyone@example.net>", LG_RCPT_LOCAL, "anyone@example.net" },
	{ "<someone@example.org>", LG_RCPT_EXTERNAL, "someone@example.org" },
	{ "<@relay.example.org:bob@example.com>", LG_RCPT_LOCAL, "bob@example.com" },
	{ "<postmaster>", LG_RCPT_EXTERNAL, "postmaster" },
	{ "<a b@example.com>", LG_RCPT_EXTERNAL, "" },
	{ "<>", LG_RCPT_EXTERNAL, "" },
	{ "", LG_RCPT_EXTERNAL, "" },
	{ "<\"alice\"@example.com>", LG_RCPT_LOCAL, "alice@example.com" },
};

START_TEST(recipients_are_classified)
{
	const struct rcpt_case *c = &rcpt_cases[_i];
	struct lg_ctx *s;

	h = host_with(NULL);
	ck_assert_int_eq(fh_mail(h, "<x@example.org>"), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, c->raw), LG_CONTINUE);
	s = fh_session(h);
	ck_assert_uint_eq(s->n_rcpts, 1);
	ck_assert_str_eq(s->rcpts[0]->raw, c->raw);
	ck_assert_msg(s->rcpts[0]->rclass == c->rclass,
		      "%s: class %d, want %d", c->raw, s->rcpts[0]->rclass,
		      c->rclass);
	ck_assert_str_eq(s->rcpts[0]->addr, c->addr);
}
END_TEST

START_TEST(mta_rejected_recipient_is_marked)
{
	struct lg_ctx *s;

	h = host_with(NULL);
	fh_mail(h, "<x@example.org>");
	fh_macro(h, "{rcpt_mailer}", "error");
	ck_assert_int_eq(fh_rcpt(h, "<nosuch@example.com>"), LG_CONTINUE);
	fh_macro(h, "{rcpt_mailer}", "local");
	fh_rcpt(h, "<alice@example.com>");
	s = fh_session(h);
	ck_assert_int_eq(s->rcpts[0]->mta_rejected, 1);
	ck_assert_int_eq(s->rcpts[1]->mta_rejected, 0);
}
END_TEST

struct sender_case {
	const char *client;
	const char *raw;
	const char *auth;
	enum lg_sender_class sclass;
};

static const struct sender_case sender_cases[] = {
	{ "192.0.2.1", "<>", NULL, LG_SENDER_NULL },
	{ "10.1.1.1", "<>", "alice", LG_SENDER_NULL },
	{ "192.0.2.1", "<alice@example.com>", "alice", LG_SENDER_AUTHENTICATED },
	{ "192.0.2.1", "<x@example.org>", "x", LG_SENDER_AUTHENTICATED },
	{ "10.9.9.9", "<alice@example.com>", NULL, LG_SENDER_TRUSTED },
	{ "2001:db8::25", "<alice@example.com>", NULL, LG_SENDER_TRUSTED },
	{ "192.0.2.1", "<alice@example.com>", NULL, LG_SENDER_LOCAL },
	{ "192.0.2.1", "<anyone@EXAMPLE.net>", NULL, LG_SENDER_LOCAL },
	{ "192.0.2.1", "<x@example.org>", NULL, LG_SENDER_EXTERNAL },
	{ "2001:db9::1", "<x@example.org>", NULL, LG_SENDER_EXTERNAL },
	{ "", "<x@example.org>", NULL, LG_SENDER_EXTERNAL },
	{ "192.0.2.1", "<bad address@x>", NULL, LG_SENDER_EXTERNAL },
};

START_TEST(senders_are_classified)
{
	const struct sender_case c = sender_cases[_i];

	h = host_with(NULL);
	fh_connect(h, c.client);
	fh_macro(h, "{auth_authen}", c.auth);
	ck_assert_int_eq(fh_mail(h, c.raw), LG_CONTINUE);
	ck_assert_msg(fh_session(h)->sender_class == c.sclass,
		      "case %d %s from %s: class %d, want %d", _i, c.raw,
		      c.client, fh_session(h)->sender_class, c.sclass);
}
END_TEST

static const char *const two_rcpts[] = { "<alice@example.com>",
					  "<nosuch@example.com>", NULL };

START_TEST(redirect_adds_before_deleting)
{
	h = host_with("{ name = \"testplug\"; redirect = \"postmaster@example.com\";"
		      " header = \"X-Test\"; }");
	ck_assert_int_eq(fh_message(h, "<x@example.org>", two_rcpts, NULL,
				    "hello\r\n"), LG_CONTINUE);
	ck_assert_str_eq(fh_edits(h),
			 "addrcpt postmaster@example.com\n"
			 "addheader X-Test: yes\n"
			 "delrcpt <alice@example.com>\n"
			 "delrcpt <nosuch@example.com>\n");
}
END_TEST

START_TEST(refused_recipient_is_not_deleted)
{
	h = host_with("{ name = \"testplug\"; refuse = \"nosuch@example.com\";"
		      " redirect = \"postmaster@example.com\"; }");
	fh_mail(h, "<x@example.org>");
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, "<nosuch@example.com>"), LG_REJECT);
	ck_assert_str_eq(fh_reply(h), "550 5.1.1 refused by testplug");
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"NOQUEUE: plugin=testplug action=reject from=<x@example.org> to=<nosuch@example.com> client=192.0.2.1 reason=\"listed in refuse\""));
	fh_eoh(h);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_str_eq(fh_edits(h), "addrcpt postmaster@example.com\n"
			 "delrcpt <alice@example.com>\n");
}
END_TEST

START_TEST(never_without_recipient)
{
	h = host_with("{ name = \"testplug\"; delete_all = true; }");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<x@example.org>", two_rcpts, NULL,
				    NULL), LG_TEMPFAIL);
	ck_assert_str_eq(fh_edits(h), "");
	ck_assert_str_eq(fh_reply(h),
			 "451 4.3.0 loopguard: temporary failure, try again later");
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"edits would leave the message without a recipient; not applied"));
}
END_TEST

START_TEST(on_error_accept)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\n");
	snprintf(text, sizeof(text), "%son_error = \"accept\";\n"
		 "plugins = ( { name = \"testplug\"; delete_all = true; } );\n",
		 BASE);
	h = fh_new(text);
	ck_assert_int_eq(fh_message(h, "<x@example.org>", two_rcpts, NULL,
				    NULL), LG_ACCEPT);
	ck_assert_str_eq(fh_edits(h), "");
}
END_TEST

START_TEST(mta_refusing_an_edit_tempfails)
{
	h = host_with("{ name = \"testplug\"; redirect = \"postmaster@example.com\"; }");
	fh_fail_edits(h, 1);
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<x@example.org>", two_rcpts, NULL,
				    NULL), LG_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"the MTA refused to add recipient postmaster@example.com"));
}
END_TEST

struct verdict_case {
	const char *verdict;
	enum lg_verdict expected;
	const char *edits;
};

static const struct verdict_case verdict_cases[] = {
	{ "continue", LG_CONTINUE, "addheader X-Test: yes\n" },
	{ "accept", LG_ACCEPT, "addheader X-Test: yes\n" },
	{ "reject", LG_REJECT, "" },
	{ "tempfail", LG_TEMPFAIL, "" },
	{ "discard", LG_DISCARD, "" },
};

START_TEST(eom_verdicts)
{
	const struct verdict_case *c = &verdict_cases[_i];
	char plugin[256];

	snprintf(plugin, sizeof(plugin),
		 "{ name = \"testplug\"; header = \"X-Test\"; eom_verdict = \"%s\"; }",
		 c->verdict);
	h = host_with(plugin);
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<x@example.org>", two_rcpts, NULL,
				    NULL), c->expected);
	ck_assert_str_eq(fh_edits(h), c->edits);
	if (c->expected != LG_CONTINUE) {
		char want[128];

		snprintf(want, sizeof(want), "plugin=testplug action=%s stage=eom",
			 c->verdict);
		ck_assert_msg(strstr(fh_log(), want) != NULL, "log: %s",
			      fh_log());
	}
	if (c->expected == LG_REJECT)
		ck_assert_str_eq(fh_reply(h), "550 5.7.1 testplug says no");
}
END_TEST

START_TEST(queue_id_and_message_reset)
{
	h = host_with("{ name = \"testplug\"; header = \"X-Test\"; }");
	fh_macro(h, "i", "4ABCD123");
	ck_assert_int_eq(fh_message(h, "<x@example.org>", two_rcpts, NULL,
				    NULL), LG_CONTINUE);
	/* a second message on the same connection starts clean */
	fh_macro(h, "i", "4EFGH456");
	fh_mail(h, "<y@example.org>");
	ck_assert_uint_eq(fh_session(h)->n_rcpts, 0);
	ck_assert_uint_eq(fh_session(h)->n_headers, 0);
	ck_assert_str_eq(lg_session_queue_id(fh_session(h)), "4EFGH456");
	fh_abort(h);
	ck_assert_uint_eq(fh_session(h)->n_edits, 0);
}
END_TEST

START_TEST(junk_from_the_mta_never_crashes)
{
	static char big[70000];
	static const char *const junk[] = {
		"", "<", ">", "<<>>", "@", "<@>", "<a@>", "<@b>", "\"", "<\"a@b>",
		"<a@b\r\nRCPT TO:<c@d>>", "<a\x01@b>", "<\xff\xfe@example.com>",
		"<@a,@b:c@example.com>", "<@:x@y>", NULL
	};
	size_t i;

	memset(big, 'a', sizeof(big) - 1);
	big[20] = '@';
	h = host_with("{ name = \"testplug\"; redirect = \"postmaster@example.com\"; }");
	fh_connect(h, "192.0.2.7");
	ck_assert_int_eq(fh_mail(h, big), LG_CONTINUE);
	for (i = 0; junk[i]; i++)
		ck_assert_int_eq(fh_rcpt(h, junk[i]), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, big), LG_CONTINUE);
	ck_assert_int_eq(fh_header(h, "", ""), LG_CONTINUE);
	ck_assert_int_eq(fh_header(h, "Subject", big), LG_CONTINUE);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(), "unparsable recipient"));
}
END_TEST

/* --- decisions are logged and counted for what really happened */

#define REAL "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n"

/* real_host - the real catchall and bounce plugins, in the README's
 * order; extra goes into the catchall group */
static struct fh *real_host(const char *first, const char *second)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text), "%splugins = ( %s%s%s );\n", REAL, first,
		 second ? ", " : "", second ? second : "");
	fh_clock_set(1700000000);
	return fh_new(text);
}

struct count_arg {
	const char *plugin, *action;
	unsigned long long n;
};

static void count_row(void *arg, const char *plugin, const char *action,
		      unsigned long long count)
{
	struct count_arg *c = arg;

	if (strcmp(plugin, c->plugin) == 0 && strcmp(action, c->action) == 0)
		c->n += count;
}

/* action_count - "loopguardctl stats" for one plugin and action */
static unsigned long long action_count(const char *plugin, const char *action)
{
	struct count_arg c = { plugin, action, 0 };

	lg_action_counts(count_row, &c);
	return c.n;
}

static const char *const to_nosuch[] = { "<nosuch@example.com>", NULL };
static const char *const dsn_headers[] = {
	"From: MAILER-DAEMON@mx.external.test", "Subject: Undelivered Mail",
	NULL };

START_TEST(refused_bounce_is_no_redirect)
{
	unsigned long long redirects = action_count("catchall", "redirect");
	unsigned long long rejects = action_count("bounce", "reject");

	h = real_host("{ name = \"catchall\"; }", "{ name = \"bounce\"; }");
	fh_connect(h, "192.0.2.7");
	fh_macro(h, "i", "QFAKE1");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<>", to_nosuch, dsn_headers,
				    "your mail could not be delivered\r\n"),
			 LG_REJECT);
	ck_assert_str_eq(fh_edits(h), "");
	ck_assert_msg(strstr(fh_log(), "plugin=bounce action=reject") != NULL,
		      "log: %s", fh_log());
	ck_assert_msg(strstr(fh_log(), "action=redirect") == NULL,
		      "a redirect that never happened is logged: %s", fh_log());
	ck_assert_uint_eq(action_count("catchall", "redirect"), redirects);
	ck_assert_uint_eq(action_count("bounce", "reject"), rejects + 1);
}
END_TEST

START_TEST(redirect_is_logged_once_when_done)
{
	unsigned long long redirects = action_count("catchall", "redirect");
	const char *first;

	h = real_host("{ name = \"catchall\"; }", "{ name = \"bounce\"; }");
	fh_connect(h, "192.0.2.7");
	fh_macro(h, "i", "QREAL1");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<x@example.org>", to_nosuch, NULL,
				    "hello\r\n"), LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_edits(h), "delrcpt <nosuch@example.com>"));
	first = strstr(fh_log(), "QREAL1: plugin=catchall action=redirect from=<x@example.org> to=<nosuch@example.com>");
	ck_assert_msg(first != NULL, "log: %s", fh_log());
	ck_assert_ptr_null(strstr(strchr(first, '\n'), "action=redirect"));
	ck_assert_uint_eq(action_count("catchall", "redirect"), redirects + 1);
}
END_TEST

START_TEST(redirect_not_logged_when_edits_fail)
{
	unsigned long long redirects = action_count("catchall", "redirect");

	h = real_host("{ name = \"catchall\"; }", NULL);
	fh_fail_edits(h, 1);
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<x@example.org>", to_nosuch, NULL,
				    "hello\r\n"), LG_TEMPFAIL);
	ck_assert_ptr_null(strstr(fh_log(), "action=redirect"));
	ck_assert_uint_eq(action_count("catchall", "redirect"), redirects);
}
END_TEST

START_TEST(report_without_edits_stays)
{
	h = real_host("{ name = \"catchall\"; mode = \"report\"; }",
		      "{ name = \"bounce\"; }");
	fh_connect(h, "192.0.2.7");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<>", to_nosuch, dsn_headers,
				    "your mail could not be delivered\r\n"),
			 LG_REJECT);
	/* nothing was queued: "would redirect" is still true */
	ck_assert_msg(strstr(fh_log(), "plugin=catchall action=report") != NULL,
		      "log: %s", fh_log());
}
END_TEST

static const char *const report_headers[] = {
	"From: MAILER-DAEMON@mx.external.test", "Subject: Undelivered Mail",
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"",
	NULL };
static const char report_body[] =
	"--B1\r\nContent-Type: text/plain\r\n\r\nnot delivered\r\n"
	"--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	"Message-ID: <never.sent@example.com>\r\nFrom: nosuch@example.com\r\n"
	"\r\nhello\r\n--B1--\r\n";

START_TEST(store_failure_overrules_a_tag)
{
	struct lg_store *st;

	h = real_host("{ name = \"bounce\"; }", NULL);
	st = lg_host_store();
	lg_host_set_store(NULL);
	lg_session_set_store_tempfail(1);
	fh_connect(h, "192.0.2.7");
	fh_macro(h, "i", "QSTORE1");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<>", to_nosuch, report_headers,
				    report_body), LG_TEMPFAIL);
	lg_session_set_store_tempfail(0);
	lg_host_set_store(st);
	/* the tag was never added: the message was tempfailed */
	ck_assert_msg(strstr(fh_log(), "action=tag") == NULL, "log: %s",
		      fh_log());
	ck_assert_msg(strstr(fh_log(), "QSTORE1: plugin=bounce action=tempfail stage=eom") != NULL,
		      "log: %s", fh_log());
}
END_TEST

/* --- the MTA refused an unknown user itself: noted once an hour */

/* count_of - occurrences of text in the log */
static int count_of(const char *text)
{
	const char *p = fh_log();
	int n = 0;

	while ((p = strstr(p, text)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* rejected_rcpt - one message whose RCPT the MTA refused */
static void rejected_rcpt(const char *rcpt)
{
	fh_mail(h, "<x@example.org>");
	fh_macro(h, "{rcpt_mailer}", "error");
	ck_assert_int_eq(fh_rcpt(h, rcpt), LG_CONTINUE);
	fh_macro(h, "{rcpt_mailer}", NULL);
	fh_abort(h);
}

#define INACTIVE "catch-all inactive: Postfix rejects unknown users itself"

START_TEST(mta_rejection_notice_once_an_hour)
{
	h = real_host("{ name = \"catchall\"; }", NULL);
	fh_connect(h, "192.0.2.7");
	fh_macro(h, "v", "Postfix 3.7.11");
	fh_log_reset();
	rejected_rcpt("<alice@example.com>");		/* exists: no notice */
	rejected_rcpt("<nosuch@example.org>");		/* not local */
	ck_assert_int_eq(count_of("catch-all inactive"), 0);
	rejected_rcpt("<nosuch@example.com>");
	ck_assert_msg(count_of(INACTIVE " (local_recipient_maps") == 1,
		      "log: %s", fh_log());
	ck_assert_ptr_nonnull(strstr(fh_log(), "here <nosuch@example.com>; see loopguard(8)"));
	rejected_rcpt("<other@example.com>");
	fh_clock_advance(3599);
	rejected_rcpt("<other@example.com>");
	ck_assert_int_eq(count_of("catch-all inactive"), 1);
	fh_clock_advance(1);
	rejected_rcpt("<other@example.com>");
	ck_assert_int_eq(count_of("catch-all inactive"), 2);
}
END_TEST

START_TEST(mta_rejection_notice_needs_catchall)
{
	h = real_host("{ name = \"bounce\"; }", NULL);
	fh_macro(h, "v", "Postfix 3.7.11");
	fh_log_reset();
	rejected_rcpt("<nosuch@example.com>");
	ck_assert_int_eq(count_of("catch-all inactive"), 0);
}
END_TEST

START_TEST(mta_rejection_notice_sendmail)
{
	h = real_host("{ name = \"catchall\"; }", NULL);
	fh_log_reset();
	rejected_rcpt("<nosuch@example.com>");
	ck_assert_msg(count_of("catch-all inactive: the MTA rejects unknown users itself (Sendmail: the local mailer's w flag") == 1,
		      "log: %s", fh_log());
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("classify");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, recipients_are_classified, 0,
			    (int) (sizeof(rcpt_cases) / sizeof(rcpt_cases[0])));
	tcase_add_test(tc, mta_rejected_recipient_is_marked);
	tcase_add_loop_test(tc, senders_are_classified, 0,
			    (int) (sizeof(sender_cases) /
				   sizeof(sender_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("dispatch");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, redirect_adds_before_deleting);
	tcase_add_test(tc, refused_recipient_is_not_deleted);
	tcase_add_test(tc, never_without_recipient);
	tcase_add_test(tc, on_error_accept);
	tcase_add_test(tc, mta_refusing_an_edit_tempfails);
	tcase_add_loop_test(tc, eom_verdicts, 0,
			    (int) (sizeof(verdict_cases) /
				   sizeof(verdict_cases[0])));
	tcase_add_test(tc, queue_id_and_message_reset);
	tcase_add_test(tc, junk_from_the_mta_never_crashes);
	suite_add_tcase(s, tc);
	tc = tcase_create("decisions");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, refused_bounce_is_no_redirect);
	tcase_add_test(tc, redirect_is_logged_once_when_done);
	tcase_add_test(tc, redirect_not_logged_when_edits_fail);
	tcase_add_test(tc, report_without_edits_stays);
	tcase_add_test(tc, store_failure_overrules_a_tag);
	tcase_add_test(tc, mta_rejection_notice_once_an_hour);
	tcase_add_test(tc, mta_rejection_notice_needs_catchall);
	tcase_add_test(tc, mta_rejection_notice_sendmail);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(core_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
