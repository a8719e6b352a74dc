/*
 * NAME
 *	check_bounce_reply - answers to sent mail and the cheap checks
 * DESCRIPTION
 *	Against the fake host: a null-sender answer whose In-Reply-To or
 *	References names a Message-ID of the sent ledger passes ("reply
 *	to", or "auto-reply to" with a marker); one naming an unknown id,
 *	a folded or blank-broken id, or an id too far back in References
 *	does not; a ledger that cannot be read turns no answer away;
 *	replies = false restores the ledger-only judgement; the
 *	returned original is judged first. With the autoreply plugin
 *	loaded too, a passed auto-reply to an unknown local address
 *	never triggers an autoreply. At RCPT: a bounce to more local
 *	recipients than max_bounce_rcpts, and a bounce to a never_send
 *	address, are refused (or reported, or let through when "off").
 *	Each check's decision line and counter (fh_counter). A report's
 *	DSN fields end the decision line exactly as the counters say.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce_fixture.h"
#include "bounce_shapes.h"
#include "fakehost.h"
#include "host.h"

static struct fh *h;

static void teardown(void)
{
	fh_free(&h);
}

#define MAX_HEADERS 8

/* answer - a null-sender message from outside to RCPT with HEADERS */
static enum lg_verdict answer(const char *rcpt, const char *const *extra,
			      const char *body)
{
	const char *rcpts[] = { rcpt, NULL };
	const char *headers[MAX_HEADERS + 3] = {
		"From: alice.friend@external.test", "Subject: Re: hi" };
	int i;

	for (i = 0; extra && extra[i] && i < MAX_HEADERS; i++)
		headers[i + 2] = extra[i];
	fh_connect(h, "192.0.2.7");
	fh_macro(h, "i", "QR1");
	fh_log_reset();
	return fh_message(h, "<>", rcpts, headers, body);
}

#define AWAY "I am away until Monday.\r\n"
#define IRT(id) "In-Reply-To: <" id ">"
#define LINE "QR1: plugin=bounce action="
#define TO "from=<> to=<alice@example.com> client=192.0.2.7 reason=\""
#define PASS_REPLY LINE "pass " TO "reply to <" SENT_ID ">, sent from here\""
#define PASS_AUTO(why) LINE "pass " TO "auto-reply to <" SENT_ID \
	">, sent from here (" why ")\""
#define UNVERIFIED "unverified bounce: no returned Message-ID found (none)"

/* 30 ids on folded lines, SENT_ID at position AT (0 = last) */
static char long_refs[4096];

static const char *references(int at)
{
	int i;

	strcpy(long_refs, "References:");
	for (i = 29; i >= 0; i--) {
		char id[64];

		if (i == at)
			snprintf(id, sizeof(id), " <%s>\r\n\t", SENT_ID);
		else
			snprintf(id, sizeof(id), " <old-%d@elsewhere.test>\r\n\t",
				 i);
		strcat(long_refs, id);
	}
	strcat(long_refs, "<last@elsewhere.test>");
	return long_refs;
}

struct reply_case {
	const char *name;
	const char *settings;
	const char *headers[MAX_HEADERS];
	int refs_at;		/* >= 0: a long References with SENT_ID */
	const char *body;
	enum lg_verdict verdict;
	const char *log;
	const char *counter;	/* one more of it, or NULL */
};

static const struct reply_case reply_cases[] = {
	{ "plain reply", NULL, { IRT(SENT_ID) }, -1, AWAY, LG_CONTINUE,
	  PASS_REPLY, "reply" },
	{ "In-Reply-To with a comment and two ids", NULL,
	  { "In-Reply-To: <x@y.test> (your message of Monday) <" SENT_ID ">" },
	  -1, AWAY, LG_CONTINUE, PASS_REPLY, "reply" },
	{ "References only, folded, the sent id recent", NULL, { NULL }, 1,
	  AWAY, LG_CONTINUE, PASS_REPLY, "reply" },
	{ "References, the sent id 21st from the end: not looked up", NULL,
	  { NULL }, 20, AWAY, LG_REJECT,
	  LINE "reject " TO UNVERIFIED "; In-Reply-To/References name 20 "
	  "messages never sent from here\"", "unverified" },
	{ "Auto-Submitted: auto-replied", NULL,
	  { IRT(SENT_ID), "Auto-Submitted: auto-replied (vacation)" }, -1,
	  AWAY, LG_CONTINUE, PASS_AUTO("Auto-Submitted: auto-replied"),
	  "autoreply" },
	{ "Auto-Submitted: no is a person", NULL,
	  { IRT(SENT_ID), "Auto-Submitted: no" }, -1, AWAY, LG_CONTINUE,
	  PASS_REPLY, "reply" },
	{ "X-Autoreply", NULL, { IRT(SENT_ID), "X-Autoreply: yes" }, -1,
	  AWAY, LG_CONTINUE, PASS_AUTO("X-Autoreply"), "autoreply" },
	{ "X-Autorespond", NULL, { IRT(SENT_ID), "X-Autorespond: x" }, -1,
	  AWAY, LG_CONTINUE, PASS_AUTO("X-Autorespond"), "autoreply" },
	{ "Precedence: junk", NULL, { IRT(SENT_ID), "Precedence: Junk" }, -1,
	  AWAY, LG_CONTINUE, PASS_AUTO("Precedence: junk"), "autoreply" },
	{ "Precedence: auto_reply", NULL,
	  { IRT(SENT_ID), "Precedence: auto_reply" }, -1, AWAY, LG_CONTINUE,
	  PASS_AUTO("Precedence: auto_reply"), "autoreply" },
	{ "Precedence: list is no marker", NULL,
	  { IRT(SENT_ID), "Precedence: list" }, -1, AWAY, LG_CONTINUE,
	  PASS_REPLY, "reply" },
	{ "X-Auto-Response-Suppress is no marker", NULL,
	  { IRT(SENT_ID), "X-Auto-Response-Suppress: All" }, -1, AWAY,
	  LG_CONTINUE, PASS_REPLY, "reply" },
	{ "unknown id: refused", NULL,
	  { IRT(OTHER_ID), "Auto-Submitted: auto-replied" }, -1, AWAY,
	  LG_REJECT, LINE "reject " TO UNVERIFIED "; In-Reply-To/References "
	  "name 1 message never sent from here\"", "unverified" },
	{ "a blank inside the id", NULL,
	  { "In-Reply-To: <sent-1.42 @example.com>" }, -1, AWAY, LG_REJECT,
	  LINE "reject " TO UNVERIFIED "\"", "unverified" },
	{ "an id folded in two", NULL,
	  { "In-Reply-To: <sent-1.42@\r\n example.com>" }, -1, AWAY,
	  LG_REJECT, LINE "reject " TO UNVERIFIED "\"", "unverified" },
	{ "replies = false", "replies = false;", { IRT(SENT_ID) }, -1, AWAY,
	  LG_REJECT, LINE "reject " TO UNVERIFIED "\"", "unverified" },
	{ "report mode, unknown id", "mode = \"report\";", { IRT(OTHER_ID) },
	  -1, AWAY, LG_CONTINUE, LINE "report " TO "would reject: "
	  UNVERIFIED "; In-Reply-To/References name 1 message never sent "
	  "from here\"", "unverified" },
	{ "report mode, reply passes", "mode = \"report\";",
	  { IRT(SENT_ID) }, -1, AWAY, LG_CONTINUE, PASS_REPLY, "reply" },
	/* the returned original first */
	{ "a returned original sent from here wins", NULL,
	  { IRT("other@x.test"), "Content-Type: " RPT }, -1,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  ORIG(SENT_ID) "\r\nhello\r\n--B1--\r\n", LG_CONTINUE,
	  LINE "pass " TO "bounce answers <" SENT_ID ">, sent from here",
	  NULL },
	{ "a bounce of a bounce stays one", NULL,
	  { IRT(SENT_ID), "Content-Type: " RPT }, -1,
	  "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\nReturn-Path: <>"
	  "\r\nMessage-ID: <a@b>\r\n--B1--\r\n", LG_DISCARD,
	  LINE "discard " TO "bounce of a bounce", NULL },
	{ "a forged returned original, a reply header to sent mail", NULL,
	  { IRT(SENT_ID), "Content-Type: " RPT }, -1,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  ORIG(OTHER_ID) "\r\nhello\r\n--B1--\r\n", LG_CONTINUE,
	  LINE "pass " TO "reply to <" SENT_ID ">, sent from here", "reply" },
};

START_TEST(replies)
{
	const struct reply_case *c = &reply_cases[_i];
	const char *headers[MAX_HEADERS + 1] = { NULL };
	unsigned long long before = 0;
	int i;

	for (i = 0; c->headers[i]; i++)
		headers[i] = c->headers[i];
	if (c->refs_at >= 0)
		headers[i] = references(c->refs_at);
	h = bf_host(c->settings);
	ck_assert_int_eq(bf_submit(h, SENT_ID), LG_CONTINUE);
	if (c->counter)
		before = fh_counter("bounce", c->counter);
	ck_assert_msg(answer("<alice@example.com>", headers, c->body) ==
		      c->verdict, "%s: log %s", c->name, fh_log());
	ck_assert_msg(strstr(fh_log(), c->log) != NULL, "%s: log %s",
		      c->name, fh_log());
	ck_assert_msg(fh_occurrences(fh_log(), "plugin=bounce") == 1,
		      "%s: one decision; log %s", c->name, fh_log());
	if (c->counter)
		ck_assert_msg(fh_counter("bounce", c->counter) == before + 1,
			      "%s: counter %s", c->name, c->counter);
}
END_TEST

/* The ledger cannot be read: an answer is never turned away on it,
 * reject and discard become tag; tag and quarantine stay. */
static const struct {
	const char *settings;
	enum lg_verdict verdict;
	const char *edits;
	const char *log;
} unread_cases[] = {
	{ NULL, LG_CONTINUE, "addheader X-Loopguard-Bounce: unverified\n",
	  LINE "tag " TO "unverified bounce: the sent ledger cannot be read "
	  "(In-Reply-To/References)\"" },
	{ "action = \"discard\";", LG_CONTINUE,
	  "addheader X-Loopguard-Bounce: unverified\n", LINE "tag " },
	{ "action = \"quarantine\";", LG_CONTINUE,
	  "quarantine loopguard: unverified bounce\n", LINE "quarantine " },
};

START_TEST(ledger_unreadable)
{
	static const char *const headers[] = { IRT(SENT_ID), NULL };
	struct lg_store *store;

	h = bf_host(unread_cases[_i].settings);
	bf_submit(h, SENT_ID);
	store = lg_host_store();
	lg_host_set_store(NULL);
	ck_assert_int_eq(answer("<alice@example.com>", headers, AWAY),
			 unread_cases[_i].verdict);
	lg_host_set_store(store);
	ck_assert_str_eq(fh_edits(h), unread_cases[_i].edits);
	ck_assert_msg(strstr(fh_log(), unread_cases[_i].log) != NULL,
		      "log %s", fh_log());
}
END_TEST

/* A passed auto-reply to an unknown local address (the one case the
 * autoreply plugin acts on) gets no autoreply: its sender is null and
 * it is automatic. A local sender's mail to the same address does. */
START_TEST(auto_reply_gets_no_autoreply)
{
	static const char *const auto_headers[] = { IRT(SENT_ID),
		"Auto-Submitted: auto-replied", NULL };
	static const char *const rcpts[] = { "<nosuch@example.com>", NULL };
	static const char *const headers[] = { "Subject: hi",
		"Message-ID: <to-nosuch@example.com>", NULL };
	struct lg_outbox *ob;

	h = bf_host_with(BF_BASE "mailer = { outbox = \"@TMP@/outbox\"; };\n",
			 NULL, "{ name = \"autoreply\"; }");
	ob = fh_outbox_open("outbox-bounce-reply");
	ck_assert_int_eq(bf_submit(h, SENT_ID), LG_CONTINUE);
	ck_assert_int_eq(answer("<nosuch@example.com>", auto_headers, AWAY),
			 LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(), "plugin=bounce action=pass "
		"from=<> to=<nosuch@example.com> client=192.0.2.7 "
		"reason=\"auto-reply to <" SENT_ID ">, sent from here"));
	ck_assert_ptr_null(strstr(fh_log(), "action=autoreply"));
	ck_assert_int_eq(fh_outbox_count_to(ob, NULL), 0);
	/* the control: alice's own mail to nosuch is answered */
	fh_connect(h, "10.1.2.3");
	ck_assert_int_eq(fh_message(h, "<alice@example.com>", rcpts, headers,
				    "x\r\n"), LG_CONTINUE);
	ck_assert_int_eq(fh_outbox_count_to(ob, "alice@example.com"), 1);
	fh_outbox_close(&ob);
}
END_TEST

/* A report's DSN fields: the decision line ends with them exactly
 * when the parser found them, and the counters agree with the line;
 * hostile values never reach either. */
static const struct {
	const char *status;	/* the report's delivery-status part */
	const char *fields;	/* what the line ends with when found */
	const char *counters[2];
} dsn_cases[] = {
	{ STATUS, "; final-recipient=bob@external.test status=5.1.1 "
	  "dsn-action=failed reporting-mta=mx.external.test",
	  { "status.5.1.1", "dsn.failed" } },
	{ "--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
	  "Reporting-MTA: dns; mx\"x\r\n\r\nFinal-Recipient: rfc822; "
	  "a\"b@c\r\nAction: kaput\r\nStatus: 9.9.9\r\n\r\n", "",
	  { "status.9.9.9", "dsn.kaput" } },
};

START_TEST(dsn_fields_agree)
{
	char body[2048], line[512];
	unsigned long long before[2];
	const char *rest;
	int i, found;

	h = bf_host(NULL);
	bf_submit(h, SENT_ID);
	for (i = 0; i < 2; i++)
		before[i] = fh_counter("bounce", dsn_cases[_i].counters[i]);
	snprintf(body, sizeof(body), "%s%s%s", TEXT, dsn_cases[_i].status,
		 "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
		 ORIG(SENT_ID) "\r\nhello\r\n--B1--\r\n");
	{
		const char *const hdrs[] = { "Content-Type: " RPT, NULL };

		ck_assert_int_eq(answer("<alice@example.com>", hdrs, body),
				 LG_CONTINUE);
	}
	snprintf(line, sizeof(line), "bounce answers <%s>, sent from here",
		 SENT_ID);
	rest = strstr(fh_log(), line);
	ck_assert_msg(rest != NULL, "log %s", fh_log());
	rest += strlen(line);
	found = strncmp(rest, "; ", 2) == 0;
	if (found) {
		snprintf(line, sizeof(line), "%s\"", dsn_cases[_i].fields);
		ck_assert_msg(dsn_cases[_i].fields[0] &&
			      strncmp(rest, line, strlen(line)) == 0,
			      "log %s", fh_log());
	} else {
		ck_assert_msg(rest[0] == '"', "log %s", fh_log());
	}
	for (i = 0; i < 2; i++)
		ck_assert_msg(fh_counter("bounce", dsn_cases[_i].counters[i]) ==
			      before[i] + (unsigned long long) found,
			      "counter %s", dsn_cases[_i].counters[i]);
}
END_TEST

/* Statuses are the peer's choice: a flood of forged reports with
 * distinct statuses takes no more than a few of the plugin's counter
 * names, so its own counters ("reply", ...) still get theirs. */
START_TEST(status_names_bounded)
{
	const char *const hdrs[] = { "Content-Type: " RPT, NULL };
	const char *const irt[] = { IRT(SENT_ID), NULL };
	char body[1024];
	int i;

	h = bf_host(NULL);
	bf_submit(h, SENT_ID);
	for (i = 0; i < 80; i++) {
		snprintf(body, sizeof(body), TEXT "--B1\r\nContent-Type: "
			 "message/delivery-status\r\n\r\nReporting-MTA: dns; "
			 "mx.external.test\r\n\r\nFinal-Recipient: rfc822; "
			 "bob@external.test\r\nAction: failed\r\n"
			 "Status: 5.%d.%d\r\n\r\n--B1--\r\n", i / 10, 100 + i);
		ck_assert_int_eq(answer("<alice@example.com>", hdrs, body),
				 LG_REJECT);
	}
	ck_assert_uint_eq(fh_counter("bounce", "status.5.0.100"), 1);
	ck_assert_uint_eq(fh_counter("bounce", "unverified"), 80);
	ck_assert_int_eq(answer("<alice@example.com>", irt, AWAY),
			 LG_CONTINUE);
	ck_assert_uint_eq(fh_counter("bounce", "reply"), 1);
	ck_assert_uint_eq(fh_counter("bounce", "other"), 0);
	/* the first 32 statuses (BOUNCE_STATUS_NAMES) have names */
	ck_assert_uint_eq(fh_counter("bounce", "status.5.3.131"), 1);
	ck_assert_uint_eq(fh_counter("bounce", "status.5.3.132"), 0);
	ck_assert_uint_eq(fh_counter("bounce", "status.other"), 80 - 32);
}
END_TEST

#define MAX_RCPTS 4

/* RCPTS one after another in one message from SENDER: each verdict */
struct rcpt_case {
	const char *name;
	const char *settings;
	const char *sender;
	const char *rcpts[MAX_RCPTS];
	enum lg_verdict verdicts[MAX_RCPTS];
	const char *reply;	/* of each refusal */
	const char *log;	/* NULL: no bounce decision at RCPT */
	const char *counter;
};

#define MULTI_REPLY "550 5.7.1 Bounce not accepted: a bounce has a single recipient"
#define NEVER_REPLY "550 5.7.1 Bounce not accepted: this address sends no mail"
#define C LG_CONTINUE
#define R LG_REJECT

static const struct rcpt_case rcpt_cases[] = {
	{ "two local recipients", NULL, "<>",
	  { "<alice@example.com>", "<postmaster@example.com>" }, { C, R },
	  MULTI_REPLY, "NOQUEUE: plugin=bounce action=reject from=<> "
	  "to=<postmaster@example.com> client=192.0.2.7 reason=\"bounce to "
	  "more than 1 local recipient (max_bounce_rcpts)\"", "multi_rcpt" },
	{ "an unknown local recipient counts", NULL, "<>",
	  { "<nosuch@example.com>", "<alice@example.com>" }, { C, R },
	  MULTI_REPLY, "to=<alice@example.com>", "multi_rcpt" },
	{ "external recipients do not count", NULL, "<>",
	  { "<bob@external.test>", "<alice@example.com>",
	    "<carol@external.test>" }, { C, C, C }, "", NULL, NULL },
	{ "max_bounce_rcpts = 2", "max_bounce_rcpts = 2;", "<>",
	  { "<alice@example.com>", "<postmaster@example.com>",
	    "<nosuch@example.com>" }, { C, C, R }, MULTI_REPLY,
	  "reason=\"bounce to more than 2 local recipients (max_bounce_rcpts)\"",
	  "multi_rcpt" },
	{ "multi_rcpt_action = off", "multi_rcpt_action = \"off\";", "<>",
	  { "<alice@example.com>", "<postmaster@example.com>" }, { C, C }, "",
	  NULL, NULL },
	{ "report mode", "mode = \"report\";", "<>",
	  { "<alice@example.com>", "<postmaster@example.com>" }, { C, C }, "",
	  "action=report from=<> to=<postmaster@example.com> client=192.0.2.7 "
	  "reason=\"would reject: bounce to more than 1", "multi_rcpt" },
	{ "not a bounce", NULL, "<carol@external.test>",
	  { "<alice@example.com>", "<postmaster@example.com>",
	    "<noreply@example.com>" }, { C, C, C }, "", NULL, NULL },
	{ "noreply", NULL, "<>", { "<noreply@example.com>" }, { R },
	  NEVER_REPLY, "NOQUEUE: plugin=bounce action=reject from=<> "
	  "to=<noreply@example.com> client=192.0.2.7 reason=\"bounce to an "
	  "address that sends no mail (never_send noreply)\"", "never_send" },
	{ "No-Reply in capitals, unknown here", NULL, "<>",
	  { "<No-Reply@Example.com>" }, { R }, NEVER_REPLY,
	  "(never_send no-reply)", "never_send" },
	{ "do-not-reply with an extension", NULL, "<>",
	  { "<do-not-reply+x7@example.com>" }, { R }, NEVER_REPLY,
	  "(never_send do-not-reply)", "never_send" },
	{ "refused at RCPT, it does not count", NULL, "<>",
	  { "<noreply@example.com>", "<alice@example.com>" }, { R, C },
	  NEVER_REPLY, "(never_send noreply)", "never_send" },
	{ "an external noreply", NULL, "<>", { "<noreply@external.test>" },
	  { C }, "", NULL, NULL },
	{ "a whole address replaces the list",
	  "never_send = [ \"Alerts@example.com\" ];", "<>",
	  { "<alerts@example.com>" }, { R }, NEVER_REPLY,
	  "(never_send alerts@example.com)", "never_send" },
	{ "the list replaced: noreply takes bounces",
	  "never_send = [ \"alerts@example.com\" ];", "<>",
	  { "<noreply@example.com>" }, { C }, "", NULL, NULL },
	{ "never_send_action = off", "never_send_action = \"off\";", "<>",
	  { "<noreply@example.com>" }, { C }, "", NULL, NULL },
	{ "never_send in report mode", "mode = \"report\";", "<>",
	  { "<noreply@example.com>" }, { C }, "",
	  "action=report from=<> to=<noreply@example.com> client=192.0.2.7 "
	  "reason=\"would reject: bounce to an address that sends no mail",
	  "never_send" },
};

START_TEST(cheap_checks)
{
	const struct rcpt_case *c = &rcpt_cases[_i];
	unsigned long long before = 0;
	int i;

	h = bf_host_with(BF_BASE "recipient_delimiter = \"+\";\n",
			 c->settings, NULL);
	if (c->counter)
		before = fh_counter("bounce", c->counter);
	fh_connect(h, "192.0.2.7");
	fh_log_reset();
	ck_assert_int_eq(fh_mail(h, c->sender), LG_CONTINUE);
	for (i = 0; i < MAX_RCPTS && c->rcpts[i]; i++) {
		ck_assert_msg(fh_rcpt(h, c->rcpts[i]) == c->verdicts[i],
			      "%s: %s; log %s", c->name, c->rcpts[i],
			      fh_log());
		if (c->verdicts[i] == LG_REJECT)
			ck_assert_str_eq(fh_reply(h), c->reply);
	}
	if (c->log)
		ck_assert_msg(strstr(fh_log(), c->log) != NULL, "%s: log %s",
			      c->name, fh_log());
	else
		ck_assert_msg(strstr(fh_log(), "plugin=bounce") == NULL,
			      "%s: log %s", c->name, fh_log());
	if (c->counter)
		ck_assert_msg(fh_counter("bounce", c->counter) == before + 1,
			      "%s: counter %s", c->name, c->counter);
	fh_abort(h);
}
END_TEST

/* A setting and the error after "PATH:5: plugin bounce: " */
static const char *const bad_cases[][2] = {
	{ "replies = \"yes\";", "replies must be true or false" },
	{ "max_bounce_rcpts = 0;",
	  "max_bounce_rcpts must be between 1 and 1000, not 0" },
	{ "multi_rcpt_action = \"tag\";",
	  "multi_rcpt_action must be one of \"reject\", \"off\", not \"tag\"" },
	{ "never_send_action = \"discard\";", "never_send_action must be one "
	  "of \"reject\", \"off\", not \"discard\"" },
	{ "never_send = [ \"@example.com\" ];",
	  "never_send: \"@example.com\" is neither a local part nor an address" },
	{ "never_send = [ \"no reply\" ];",
	  "never_send: \"no reply\" is neither a local part nor an address" },
	{ "never_send = [ \"a@b@c\" ];",
	  "never_send: \"a@b@c\" is neither a local part nor an address" },
	{ "never_send = [ \"a@\" ];",
	  "never_send: \"a@\" is neither a local part nor an address" },
};

START_TEST(bad_settings)
{
	ck_assert_str_eq(fh_plugin_error(BF_BASE, "bounce", bad_cases[_i][0]),
			 bad_cases[_i][1]);
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

static Suite *reply_suite(void)
{
	Suite *s = suite_create("bounce_reply");
	TCase *tc = tcase_create("replies");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, replies, 0, ROWS(reply_cases));
	tcase_add_test(tc, auto_reply_gets_no_autoreply);
	tcase_add_loop_test(tc, dsn_fields_agree, 0, ROWS(dsn_cases));
	tcase_add_test(tc, status_names_bounded);
	tcase_add_loop_test(tc, ledger_unreadable, 0, ROWS(unread_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("cheap");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, cheap_checks, 0, ROWS(rcpt_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_loop_test(tc, bad_settings, 0, ROWS(bad_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reply_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
