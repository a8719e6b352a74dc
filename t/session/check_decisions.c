/*
 * NAME
 *	check_decisions - decisions are logged and counted for what
 *	really happened
 * DESCRIPTION
 *	The real core with the real catchall and bounce plugins, through
 *	the fake host: a decision is logged once and counted only when it
 *	was carried out; a store failure overrules a tag; the notice that
 *	the MTA itself refuses unknown users comes once an hour.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "fakehost.h"
#include "host.h"
#include "session_impl.h"

#include "session_fixture.h"


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

/* count_of - occurrences of text in the log */
static int count_of(const char *text)
{
	return fh_occurrences(fh_log(), text);
}

/* A decision is logged, once, and counted only for what really
 * happened. A message to nosuch from the client and with the queue id
 * given (NULL: the fake host's), with the catchall and bounce plugins:
 * its verdict, the edits (a part of them; "": none; NULL: not asked), a
 * log line, how often "action=redirect" is logged, and how much the
 * redirect and reject counters grow. */
static const struct {
	const char *first, *second;		/* plugin groups */
	int fail_edits;
	const char *client, *qid, *from;
	const char *const *headers;
	const char *body;
	enum lg_verdict verdict;
	const char *edits, *logged;
	int redirects_logged;
	unsigned long long redirects, rejects;
} decisions[] = {
	/* a refused bounce is no redirect */
	{ "{ name = \"catchall\"; }", "{ name = \"bounce\"; }", 0,
	  "192.0.2.7", "QFAKE1", "<>", dsn_headers,
	  "your mail could not be delivered\r\n", LG_REJECT, "",
	  "plugin=bounce action=reject", 0, 0, 1 },
	/* a redirect is logged once, when it is done */
	{ "{ name = \"catchall\"; }", "{ name = \"bounce\"; }", 0,
	  "192.0.2.7", "QREAL1", "<x@example.org>", NULL, "hello\r\n",
	  LG_CONTINUE, "delrcpt <nosuch@example.com>",
	  "QREAL1: plugin=catchall action=redirect from=<x@example.org> "
	  "to=<nosuch@example.com>", 1, 1, 0 },
	/* and not at all when the edits fail */
	{ "{ name = \"catchall\"; }", NULL, 1, NULL, NULL, "<x@example.org>",
	  NULL, "hello\r\n", LG_TEMPFAIL, NULL, NULL, 0, 0, 0 },
	/* a report without edits stays: "would redirect" is still true */
	{ "{ name = \"catchall\"; mode = \"report\"; }",
	  "{ name = \"bounce\"; }", 0, "192.0.2.7", NULL, "<>", dsn_headers,
	  "your mail could not be delivered\r\n", LG_REJECT, NULL,
	  "plugin=catchall action=report", 0, 0, 1 },
};

START_TEST(decision_logged)
{
	unsigned long long redirects = action_count("catchall", "redirect");
	unsigned long long rejects = action_count("bounce", "reject");

	h = real_host(decisions[_i].first, decisions[_i].second);
	fh_fail_edits(h, decisions[_i].fail_edits);
	if (decisions[_i].client)
		fh_connect(h, decisions[_i].client);
	if (decisions[_i].qid)
		fh_macro(h, "i", decisions[_i].qid);
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, decisions[_i].from, to_nosuch,
				    decisions[_i].headers, decisions[_i].body),
			 decisions[_i].verdict);
	if (decisions[_i].edits && !*decisions[_i].edits)
		ck_assert_str_eq(fh_edits(h), "");
	else if (decisions[_i].edits)
		ck_assert_ptr_nonnull(strstr(fh_edits(h), decisions[_i].edits));
	if (decisions[_i].logged)
		ck_assert_msg(strstr(fh_log(), decisions[_i].logged) != NULL,
			      "log: %s", fh_log());
	ck_assert_msg(count_of("action=redirect") ==
		      decisions[_i].redirects_logged, "log: %s", fh_log());
	ck_assert_uint_eq(action_count("catchall", "redirect"),
			  redirects + decisions[_i].redirects);
	ck_assert_uint_eq(action_count("bounce", "reject"),
			  rejects + decisions[_i].rejects);
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
/* decisions_suite - the cases above */
static Suite *decisions_suite(void)
{
	Suite *s = suite_create("decisions");
	TCase *tc = tcase_create("decisions");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, decision_logged, 0, N(decisions));
	tcase_add_test(tc, store_failure_overrules_a_tag);
	tcase_add_test(tc, mta_rejection_notice_once_an_hour);
	tcase_add_test(tc, mta_rejection_notice_needs_catchall);
	tcase_add_test(tc, mta_rejection_notice_sendmail);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(decisions_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
