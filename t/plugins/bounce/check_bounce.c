/*
 * NAME
 *	check_bounce - the bounce plugin against the fake host
 * DESCRIPTION
 *	A table of bounce shapes seen in the wild (RFC 3464 reports with
 *	message/rfc822 or text/rfc822-headers, qmail, Exchange-style,
 *	truncated, nested, malformed MIME, missing boundaries, huge lines,
 *	no Message-ID), each of which must give one decision and never
 *	crash; the sent ledger against the frozen clock; bounces of
 *	bounces; loop headers; every action; bad settings word for word.
 *	DKIM of the returned original: a key made with openssl (the
 *	core's dkim_keys file, no DNS), originals signed here with
 *	libopendkim, returned whole or headers only. Reasons are matched
 *	up to their end, where the DSN fields of the report may follow.
 *	Out of memory while the body is kept: check_bounce_oom.c.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

#include "bounce_fixture.h"
#include "bounce_shapes.h"
#include "fakehost.h"
#include "mailer.h"

#define BASE BF_BASE

static struct fh *h;

/* bounce - a host with the bounce plugin and SETTINGS */
static struct fh *bounce(const char *settings)
{
	return bf_host(settings);
}

static void teardown(void)
{
	fh_free(&h);
}

/* submit - alice sends a message with ID from the trusted network */
static enum lg_verdict submit(const char *id)
{
	return bf_submit(h, id);
}

/* dsn - a null-sender message to alice from outside */
static enum lg_verdict dsn(const char *ctype, const char *body)
{
	static const char *const rcpts[] = { "<alice@example.com>", NULL };
	char ct[512];
	const char *headers[] = { "From: MAILER-DAEMON@mx.external.test",
				  "Subject: Undelivered Mail", ct, NULL };

	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "text/plain");
	fh_connect(h, "192.0.2.7");
	fh_macro(h, "i", "QB1");
	fh_log_reset();
	return fh_message(h, "<>", rcpts, headers, body);
}

START_TEST(dsn_shapes)
{
	const struct shape *c = &shapes[_i];
	char want[128];
	enum lg_verdict v;

	h = bounce(NULL);
	ck_assert_int_eq(submit(SENT_ID), LG_CONTINUE);
	v = dsn(c->ctype, c->body);
	snprintf(want, sizeof(want), "plugin=bounce action=%s ", c->action);
	ck_assert_msg(v == c->verdict, "%s: verdict %d, want %d; log %s",
		      c->name, v, c->verdict, fh_log());
	ck_assert_msg(strstr(fh_log(), want) != NULL, "%s: log %s", c->name,
		      fh_log());
}
END_TEST

/* big_dsn - a report whose returned part follows PAD bytes of one line */
static char *big_dsn(size_t pad, const char *id)
{
	const char *head = "--B1\r\nContent-Type: text/plain\r\n\r\n";
	const char *tail1 = "\r\n--B1\r\nContent-Type: message/rfc822\r\n\r\n"
		"Message-ID: <";
	const char *tail2 = ">\r\n\r\nx\r\n--B1--\r\n";
	size_t n = strlen(head) + pad + strlen(tail1) + strlen(id) +
		strlen(tail2) + 1;
	char *s = malloc(n);

	ck_assert_ptr_nonnull(s);
	strcpy(s, head);
	memset(s + strlen(head), 'x', pad);
	strcpy(s + strlen(head) + pad, tail1);
	strcat(s, id);
	strcat(s, tail2);
	return s;
}

/* A huge line before the returned part: within the scan limit it is
 * read past, beyond it the original is not seen. */
static const struct {
	size_t pad;
	enum lg_verdict verdict;
	const char *log;
} huge_cases[] = {
	{ 200 * 1024, LG_CONTINUE, "action=pass" },
	{ 600 * 1024, LG_REJECT, "no returned Message-ID found" },
};

START_TEST(huge_line)
{
	char *body = big_dsn(huge_cases[_i].pad, SENT_ID);

	h = bounce(NULL);
	submit(SENT_ID);
	ck_assert_int_eq(dsn(RPT, body), huge_cases[_i].verdict);
	ck_assert_ptr_nonnull(strstr(fh_log(), huge_cases[_i].log));
	free(body);
}
END_TEST

#define HOURS(n) ((n) * 3600LL)

/* The ledger keeps alice's message for ledger_ttl: a report on it
 * passes at PASS_AT seconds, and is refused at REJECT_AT. */
static const struct {
	const char *settings;
	long long pass_at, reject_at;
} ttl_cases[] = {
	{ "ledger_ttl = \"2d\";", HOURS(47), HOURS(49) },
	{ NULL, HOURS(14 * 24) - 60, HOURS(14 * 24) + 60 },	/* 14 days */
};

static const char *sent_report =
	TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	ORIG(SENT_ID) "\r\nhello\r\n--B1--\r\n";

START_TEST(ledger_expires)
{
	h = bounce(ttl_cases[_i].settings);
	submit(SENT_ID);
	fh_clock_advance(ttl_cases[_i].pass_at);
	ck_assert_int_eq(dsn(RPT, sent_report), LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"QB1: plugin=bounce action=pass from=<> to=<alice@example.com> client=192.0.2.7 reason=\"bounce answers <" SENT_ID ">, sent from here"));
	fh_clock_advance(ttl_cases[_i].reject_at - ttl_cases[_i].pass_at);
	ck_assert_int_eq(dsn(RPT, sent_report), LG_REJECT);
	ck_assert_str_eq(fh_reply(h),
		"550 5.7.1 Bounce not accepted: it answers no message sent from here");
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"action=reject from=<> to=<alice@example.com> client=192.0.2.7 reason=\"unverified bounce: returned <" SENT_ID "> was never sent from here"));
}
END_TEST

START_TEST(ledger_needs_a_proven_sender)
{
	static const char *const rcpts[] = { "<bob@external.test>", NULL };
	static const char *const headers[] = {
		"Message-ID: <" SENT_ID ">", NULL };

	h = bounce(NULL);
	/* an outsider claiming alice: not recorded */
	fh_connect(h, "192.0.2.50");
	fh_message(h, "<alice@example.com>", rcpts, headers, "x\r\n");
	ck_assert_int_eq(dsn(RPT, sent_report), LG_REJECT);
	/* the same from an authenticated session: recorded */
	fh_connect(h, "192.0.2.50");
	fh_macro(h, "{auth_authen}", "alice");
	fh_message(h, "<alice@example.com>", rcpts, headers, "x\r\n");
	fh_macro(h, "{auth_authen}", NULL);
	ck_assert_int_eq(dsn(RPT, sent_report), LG_CONTINUE);
}
END_TEST
START_TEST(bounce_to_external_only_is_ignored)
{
	static const char *const rcpts[] = { "<x@external.test>", NULL };

	h = bounce(NULL);
	fh_connect(h, "10.9.9.9");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<>", rcpts, NULL, "x\r\n"),
			 LG_CONTINUE);
	ck_assert_ptr_null(strstr(fh_log(), "plugin=bounce"));
}
END_TEST
START_TEST(unknown_local_recipient_counts)
{
	static const char *const rcpts[] = { "<nosuch@example.com>", NULL };

	h = bounce(NULL);
	fh_connect(h, "192.0.2.7");
	ck_assert_int_eq(fh_message(h, "<>", rcpts, NULL, "x\r\n"), LG_REJECT);
}
END_TEST
START_TEST(loop_header_in_returned_original)
{
	static const char *const rcpts[] = { "<alice@example.com>", NULL };
	static const char *const headers[] = {
		"X-Loopguard-Loop: mx.example.com",
		"Content-Type: " RPT, NULL };
	static const char *body = "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
		"X-Loopguard-Loop: mx.example.com\r\nMessage-ID: <" SENT_ID
		">\r\n\r\n--B1--\r\n";

	h = bounce(NULL);
	submit(SENT_ID);
	fh_connect(h, "192.0.2.7");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<>", rcpts, headers, body), LG_DISCARD);
	ck_assert_ptr_nonnull(strstr(fh_log(), "seen 2 times"));
}
END_TEST

START_TEST(own_notice_passes)
{
	static const char *const rcpts[] = { "<postmaster@example.com>", NULL };
	char loop[300];
	const char *headers[] = { "Auto-Submitted: auto-generated", loop,
				  NULL };

	snprintf(loop, sizeof(loop), "X-Loopguard-Loop: %s",
		 lg_mailer_hostname());
	h = bounce(NULL);
	/* from the local MTA (trusted): ours, let through silently */
	fh_connect(h, "10.0.0.1");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<>", rcpts, headers, "notice\r\n"),
			 LG_CONTINUE);
	ck_assert_ptr_null(strstr(fh_log(), "plugin=bounce"));
	/* the same header from outside proves nothing */
	fh_connect(h, "192.0.2.7");
	ck_assert_int_eq(fh_message(h, "<>", rcpts, headers, "notice\r\n"),
			 LG_REJECT);
	/* another host's name proves nothing either */
	headers[1] = "X-Loopguard-Loop: elsewhere.example.net";
	fh_connect(h, "10.0.0.1");
	ck_assert_int_eq(fh_message(h, "<>", rcpts, headers, "notice\r\n"),
			 LG_REJECT);
}
END_TEST

#define FORGED TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n" \
	ORIG(OTHER_ID) "\r\n--B1--\r\n"

/* A report under each action and mode: the forged one, or BODY. */
static const struct {
	const char *settings;
	const char *body;
	enum lg_verdict verdict;
	const char *edits;
	const char *log;
} actions[] = {
	{ NULL, FORGED, LG_REJECT, "", "action=reject " },
	{ "action = \"reject\";", FORGED, LG_REJECT, "", "action=reject " },
	{ "action = \"discard\";", FORGED, LG_DISCARD, "", "action=discard " },
	{ "action = \"tag\";", FORGED, LG_CONTINUE,
	  "addheader X-Loopguard-Bounce: unverified\n", "action=tag " },
	{ "action = \"quarantine\";", FORGED, LG_CONTINUE,
	  "quarantine loopguard: unverified bounce\n", "action=quarantine " },
	{ "mode = \"report\";", FORGED, LG_CONTINUE, "",
	  "action=report from=<> to=<alice@example.com> client=192.0.2.7 reason=\"would reject: unverified bounce: returned <" OTHER_ID "> was never sent from here" },
	{ "action = \"discard\"; mode = \"report\";", FORGED, LG_CONTINUE, "",
	  "reason=\"would discard: " },
	/* a bounce of a bounce in report mode */
	{ "mode = \"report\";", "--B1\r\nContent-Type: text/rfc822-headers"
	  "\r\n\r\nReturn-Path: < >\r\nMessage-ID: <a@b>\r\n--B1--\r\n",
	  LG_CONTINUE, "", "action=report from=<> to=<alice@example.com> "
	  "client=192.0.2.7 reason=\"would discard: bounce of a bounce: the "
	  "returned message (rfc822-headers) had a null sender\"" },
};

START_TEST(every_action)
{
	h = bounce(actions[_i].settings);
	ck_assert_int_eq(dsn(RPT, actions[_i].body), actions[_i].verdict);
	if (actions[_i].verdict != LG_REJECT &&
	    actions[_i].verdict != LG_DISCARD)
		ck_assert_str_eq(fh_edits(h), actions[_i].edits);
	ck_assert_msg(strstr(fh_log(), actions[_i].log) != NULL,
		      "case %d: log %s", _i, fh_log());
}
END_TEST

/* A message from outside with N loop headers under max_loops. */
static const struct {
	const char *settings;
	int n;
	enum lg_verdict verdict;
	const char *log;	/* NULL: no bounce line; "": not looked at */
} loop_cases[] = {
	{ NULL, 0, LG_CONTINUE, NULL },
	{ NULL, 1, LG_CONTINUE, NULL },
	{ NULL, 2, LG_DISCARD,
	  "plugin=bounce action=discard from=<someone@external.test> "
	  "to=<alice@example.com> client=192.0.2.8 reason=\"mail loop: "
	  "X-Loopguard-Loop seen 2 times (max_loops 1)\"" },
	{ "max_loops = 0;", 1, LG_DISCARD, "" },
	{ "max_loops = 3;", 3, LG_CONTINUE, "" },
	{ "max_loops = 3;", 4, LG_DISCARD, "" },
};

START_TEST(loop_header_count)
{
	static const char *const rcpts[] = { "<alice@example.com>", NULL };
	const char *headers[8] = { "Subject: x" };
	int i;

	for (i = 0; i < loop_cases[_i].n; i++)
		headers[i + 1] = "X-Loopguard-Loop: mx.example.com";
	h = bounce(loop_cases[_i].settings);
	fh_connect(h, "192.0.2.8");
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<someone@external.test>", rcpts,
				    headers, "x\r\n"), loop_cases[_i].verdict);
	if (!loop_cases[_i].log)
		ck_assert_ptr_null(strstr(fh_log(), "plugin=bounce"));
	else
		ck_assert_ptr_nonnull(strstr(fh_log(), loop_cases[_i].log));
}
END_TEST

static const char *key_pem;

/* make_keys - the shared test key (fakehost.c) and its key file */
static void make_keys(void)
{
	if (!key_pem)
		key_pem = fh_dkim_test_key();
}

static const char *const orig_headers[] = {
	"From: alice@example.com",
	"To: bob@external.test",
	"Subject: hi",
	"Message-ID: <" OTHER_ID ">",
	"Date: Mon, 23 Nov 2026 10:00:00 +0000",
	NULL
};

#define ORIG_BODY "hello\r\n"

/* sign - a DKIM-Signature value of DOMAIN for orig_headers, ORIG_BODY */
static void sign(const char *domain, char *sig, size_t size)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT st;
	DKIM *d;
	int i;

	ck_assert_ptr_nonnull(lib);
	d = dkim_sign(lib, (const unsigned char *) "test", NULL,
		      (dkim_sigkey_t) key_pem, (const unsigned char *) "sel",
		      (const unsigned char *) domain, DKIM_CANON_RELAXED,
		      DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	ck_assert_msg(d != NULL, "dkim_sign: %s", dkim_getresultstr(st));
	for (i = 0; orig_headers[i]; i++)
		ck_assert_int_eq(dkim_header(d, (unsigned char *) orig_headers[i],
					     strlen(orig_headers[i])),
				 DKIM_STAT_OK);
	ck_assert_int_eq(dkim_eoh(d), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_body(d, (unsigned char *) ORIG_BODY,
				   strlen(ORIG_BODY)), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_eom(d, NULL), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_getsighdr(d, (unsigned char *) sig, size,
					strlen("DKIM-Signature: ")),
			 DKIM_STAT_OK);
	dkim_free(d);
	dkim_close(lib);
}

struct dkim_case {
	const char *name;
	const char *domain;	/* the signer */
	int headers_only;	/* text/rfc822-headers, else message/rfc822 */
	const char *subject;	/* a changed Subject; NULL: as signed */
	const char *body;	/* a changed body; NULL: ORIG_BODY */
	enum lg_verdict verdict;
	const char *log;
};

#define DKIM_PASS "action=pass from=<> to=<alice@example.com> " \
	"client=192.0.2.7 reason=\"returned original has a valid DKIM " \
	"signature of example.com"
#define DKIM_FAIL "action=reject from=<> to=<alice@example.com> " \
	"client=192.0.2.7 reason=\"unverified bounce: returned <" OTHER_ID \
	"> was never sent from here"

static const struct dkim_case dkim_cases[] = {
	{ "rfc822", "example.com", 0, NULL, NULL, LG_CONTINUE, DKIM_PASS },
	{ "headers only", "example.com", 1, NULL, NULL, LG_CONTINUE,
	  DKIM_PASS },
	{ "rfc822, subject changed", "example.com", 0, "Subject: hi!", NULL,
	  LG_REJECT, DKIM_FAIL },
	{ "headers only, subject changed", "example.com", 1, "Subject: hi!",
	  NULL, LG_REJECT, DKIM_FAIL },
	{ "rfc822, body changed", "example.com", 0, NULL, "forged\r\n",
	  LG_REJECT, DKIM_FAIL },
	{ "not a local domain", "example.org", 0, NULL, NULL, LG_REJECT,
	  DKIM_FAIL },
	{ "not a local domain, headers only", "example.org", 1, NULL, NULL,
	  LG_REJECT, DKIM_FAIL },
};

/* No ledger entry: the signature alone decides. */
START_TEST(dkim_of_returned_original)
{
	const struct dkim_case *c = &dkim_cases[_i];
	char sig[4096], conf[2048], *body;
	size_t size = 16384;
	int i;

	make_keys();
	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(conf, sizeof(conf), "%sdkim_keys = \"@TMP@/keys\";\n"
		 "plugins = ( { name = \"bounce\"; } );\n", BASE);
	fh_clock_set(1700000000);
	h = fh_new(conf);
	sign(c->domain, sig, sizeof(sig));
	body = malloc(size);
	ck_assert_ptr_nonnull(body);
	snprintf(body, size, TEXT STATUS "--B1\r\nContent-Type: %s\r\n\r\n"
		 "DKIM-Signature: %s\r\n",
		 c->headers_only ? "text/rfc822-headers" : "message/rfc822",
		 sig);
	for (i = 0; orig_headers[i]; i++) {
		const char *line = orig_headers[i];

		if (c->subject && strncmp(line, "Subject:", 8) == 0)
			line = c->subject;
		strcat(body, line);
		strcat(body, "\r\n");
	}
	strcat(body, "\r\n");
	if (!c->headers_only)
		strcat(body, c->body ? c->body : ORIG_BODY);
	strcat(body, "--B1--\r\n");
	ck_assert_msg(dsn(RPT, body) == c->verdict, "%s: log %s", c->name,
		      fh_log());
	ck_assert_msg(strstr(fh_log(), c->log) != NULL, "%s: log %s",
		      c->name, fh_log());
	/* a failed signature is no library error */
	ck_assert_msg(strstr(fh_log(), "dkim:") == NULL, "%s: log %s",
		      c->name, fh_log());
	free(body);
}
END_TEST

/* A setting and the error after "PATH:5: plugin bounce: " */
static const char *const bad_cases[][2] = {
	{ "action = \"bounce\";", "action must be one of \"reject\", "
	  "\"discard\", \"tag\", \"quarantine\", not \"bounce\"" },
	{ "mode = \"dry\";",
	  "mode must be one of \"enforce\", \"report\", not \"dry\"" },
	{ "ledger_ttl = \"soon\";",
	  "ledger_ttl: bad duration \"soon\" (use e.g. 30s, 10m, 1h, 7d)" },
	{ "ledger_ttl = \"10s\";", "ledger_ttl must be at least 60s" },
	{ "max_loops = -1;", "max_loops must be between 0 and 100, not -1" },
	{ "max_loops = \"one\";", "max_loops must be an integer" },
	{ "ledger = \"14d\";", "unknown setting \"ledger\"" },
};

START_TEST(bad_settings)
{
	ck_assert_str_eq(fh_plugin_error(BASE, "bounce", bad_cases[_i][0]),
			 bad_cases[_i][1]);
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

static Suite *bounce_suite(void)
{
	Suite *s = suite_create("bounce");
	TCase *tc = tcase_create("shapes");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, dsn_shapes, 0, (int) N_SHAPES);
	tcase_add_loop_test(tc, huge_line, 0, ROWS(huge_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("ledger");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, ledger_expires, 0, ROWS(ttl_cases));
	tcase_add_test(tc, ledger_needs_a_proven_sender);
	tcase_add_test(tc, bounce_to_external_only_is_ignored);
	tcase_add_test(tc, unknown_local_recipient_counts);
	tcase_add_test(tc, own_notice_passes);
	suite_add_tcase(s, tc);
	tc = tcase_create("actions");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, every_action, 0, ROWS(actions));
	tcase_add_loop_test(tc, loop_header_count, 0, ROWS(loop_cases));
	tcase_add_test(tc, loop_header_in_returned_original);
	suite_add_tcase(s, tc);
	tc = tcase_create("dkim");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, dkim_of_returned_original, 0, ROWS(dkim_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_loop_test(tc, bad_settings, 0, ROWS(bad_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bounce_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
