/*
 * NAME
 *	check_core - classification, dispatch and edit application
 * DESCRIPTION
 *	The real core with the test plugin (t/lib/plugins/testplug.c), through
 *	the fake host: no MTA, no libmilter. How decisions are logged and
 *	counted with the real plugins is check_decisions'.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "fakehost.h"
#include "host.h"
#include "session_impl.h"

#include "session_fixture.h"


struct rcpt_case {
	const char *raw;
	enum lg_rcpt_class rclass;
	const char *addr;
	enum lg_verdict verdict;	/* at RCPT */
};

static const struct rcpt_case rcpt_cases[] = {
	{ "<alice@example.com>", LG_RCPT_LOCAL, "alice@example.com", LG_CONTINUE },
	{ "<ALICE@EXAMPLE.COM>", LG_RCPT_LOCAL, "ALICE@example.com", LG_CONTINUE },
	{ "alice@example.com", LG_RCPT_LOCAL, "alice@example.com", LG_CONTINUE },
	{ "<alice+news@example.com>", LG_RCPT_LOCAL, "alice+news@example.com", LG_CONTINUE },
	{ "<alice-news@example.com>", LG_RCPT_LOCAL, "alice-news@example.com", LG_CONTINUE },
	{ "<alicia@example.com>", LG_RCPT_UNKNOWN, "alicia@example.com", LG_CONTINUE },
	{ "<nosuch+alice@example.com>", LG_RCPT_UNKNOWN, "nosuch+alice@example.com", LG_CONTINUE },
	{ "<anyone@example.net>", LG_RCPT_LOCAL, "anyone@example.net", LG_CONTINUE },
	{ "<someone@example.org>", LG_RCPT_EXTERNAL, "someone@example.org", LG_CONTINUE },
	{ "<@relay.example.org:bob@example.com>", LG_RCPT_LOCAL, "bob@example.com", LG_CONTINUE },
	{ "<postmaster>", LG_RCPT_EXTERNAL, "postmaster", LG_CONTINUE },
	/* unparsable in a local domain: refused, the MTA would bounce it */
	{ "<a b@example.com>", LG_RCPT_EXTERNAL, "", LG_REJECT },
	{ "<j\xe4rg@Example.COM.>", LG_RCPT_EXTERNAL, "", LG_REJECT },
	{ "<j\xe4rg@example.org>", LG_RCPT_EXTERNAL, "", LG_CONTINUE },
	{ "<a b@example.com.org>", LG_RCPT_EXTERNAL, "", LG_CONTINUE },
	{ "<>", LG_RCPT_EXTERNAL, "", LG_CONTINUE },
	{ "", LG_RCPT_EXTERNAL, "", LG_CONTINUE },
	{ "<\"alice\"@example.com>", LG_RCPT_LOCAL, "alice@example.com", LG_CONTINUE },
};

START_TEST(recipients_are_classified)
{
	const struct rcpt_case *c = &rcpt_cases[_i];
	struct lg_ctx *s;

	h = host_with(NULL);
	ck_assert_int_eq(fh_mail(h, "<x@example.org>"), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, c->raw), c->verdict);
	if (c->verdict == LG_REJECT)
		ck_assert_str_eq(fh_reply(h),
				 "550 5.1.3 loopguard: bad address syntax in a local domain");
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

/* One message to alice and nosuch through the test plugin: what it
 * ends in, the edits made, the reply and a log line (NULL: not asked). */
static const struct {
	const char *extra;			/* settings before plugins */
	const char *plugin;
	int fail_edits;
	const char *body;
	enum lg_verdict verdict;
	const char *edits, *reply, *log;
} messages[] = {
	/* a redirect adds before it deletes */
	{ NULL, "redirect = \"postmaster@example.com\"; header = \"X-Test\";",
	  0, "hello\r\n", LG_CONTINUE, "addrcpt postmaster@example.com\n"
	  "addheader X-Test: yes\ndelrcpt <alice@example.com>\n"
	  "delrcpt <nosuch@example.com>\n", NULL, NULL },
	/* never without a recipient */
	{ NULL, "delete_all = true;", 0, NULL, LG_TEMPFAIL, "",
	  "451 4.3.0 loopguard: temporary failure, try again later",
	  "edits would leave the message without a recipient; not applied" },
	{ "on_error = \"accept\";\n", "delete_all = true;", 0, NULL, LG_ACCEPT,
	  "", NULL, NULL },
	/* the MTA refusing an edit tempfails */
	{ NULL, "redirect = \"postmaster@example.com\";", 1, NULL, LG_TEMPFAIL,
	  NULL, NULL,
	  "the MTA refused to add recipient postmaster@example.com" },
};

START_TEST(message_outcome)
{
	char plugin[256];

	snprintf(plugin, sizeof(plugin), "{ name = \"testplug\"; %s }",
		 messages[_i].plugin);
	h = host_conf(messages[_i].extra, plugin);
	fh_fail_edits(h, messages[_i].fail_edits);
	fh_log_reset();
	ck_assert_int_eq(fh_message(h, "<x@example.org>", two_rcpts, NULL,
				    messages[_i].body), messages[_i].verdict);
	if (messages[_i].edits)
		ck_assert_str_eq(fh_edits(h), messages[_i].edits);
	if (messages[_i].reply)
		ck_assert_str_eq(fh_reply(h), messages[_i].reply);
	if (messages[_i].log)
		ck_assert_msg(strstr(fh_log(), messages[_i].log) != NULL,
			      "log: %s", fh_log());
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
	for (i = 0; junk[i]; i++)	/* the one unparsable local is refused */
		ck_assert_int_eq(fh_rcpt(h, junk[i]),
				 strcmp(junk[i], "<\xff\xfe@example.com>") == 0 ?
				 LG_REJECT : LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, big), LG_CONTINUE);
	ck_assert_int_eq(fh_header(h, "", ""), LG_CONTINUE);
	ck_assert_int_eq(fh_header(h, "Subject", big), LG_CONTINUE);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(), "unparsable recipient"));
}
END_TEST

/* --- the session's message taps (session_tap.c), with a recording tap
 * and no DKIM in the picture */

/* What one recording tap saw, in order. */
struct tap_seen {
	char text[256];
	int resets;
};

/* seen_add - append one event to the tap's record */
static void seen_add(void *state, const char *event)
{
	struct tap_seen *t = state;
	size_t n = strlen(t->text);

	snprintf(t->text + n, sizeof(t->text) - n, "%s;", event);
}

/* rec_header - "H name: value" */
static void rec_header(struct lg_ctx *s, void *state, const char *name,
		       const char *value)
{
	char event[128];

	(void) s;
	snprintf(event, sizeof(event), "H %s: %s", name, value);
	seen_add(state, event);
}

/* rec_eoh - "E" */
static void rec_eoh(struct lg_ctx *s, void *state)
{
	(void) s;
	seen_add(state, "E");
}

/* rec_body - "B text" */
static void rec_body(struct lg_ctx *s, void *state,
		     const unsigned char *chunk, size_t len)
{
	char event[128];

	(void) s;
	snprintf(event, sizeof(event), "B %.*s", (int) len, chunk);
	seen_add(state, event);
}

/* rec_eom - "M" */
static void rec_eom(struct lg_ctx *s, void *state)
{
	(void) s;
	seen_add(state, "M");
}

/* rec_reset - "R", counted */
static void rec_reset(struct lg_ctx *s, void *state)
{
	(void) s;
	seen_add(state, "R");
	((struct tap_seen *) state)->resets++;
}

/* Four taps that record, each its own; one that reads nothing. */
#define REC	{ rec_header, rec_eoh, rec_body, rec_eom, rec_reset }
static const struct lg_msg_tap recorders[LG_MSG_TAPS_MAX] = {
	REC, REC, REC, REC
};
static const struct lg_msg_tap silent = { NULL, NULL, NULL, NULL, NULL };

START_TEST(taps_see_the_message_in_order)
{
	struct tap_seen seen[LG_MSG_TAPS_MAX], later;
	struct lg_ctx *s;
	int i;

	memset(seen, 0, sizeof(seen));
	memset(&later, 0, sizeof(later));
	h = host_with(NULL);
	s = fh_session(h);
	ck_assert_int_eq(lg_session_tap_attach(s, &recorders[0], &seen[0]),
			 -1);			/* no message yet */
	fh_mail(h, "<x@example.org>");
	fh_rcpt(h, "<alice@example.com>");
	ck_assert_uint_eq(s->n_taps, 0);	/* no DKIM tap */
	for (i = 0; i < LG_MSG_TAPS_MAX; i++)
		ck_assert_int_eq(lg_session_tap_attach(s, &recorders[i],
						       &seen[i]), 0);
	ck_assert_int_eq(lg_session_tap_attach(s, &silent, &later), -1);
	ck_assert_int_eq(lg_session_tap_attach(s, NULL, &later), -1);
	for (i = 0; i < LG_MSG_TAPS_MAX; i++)
		ck_assert_ptr_eq(lg_session_tap_state(s, &recorders[i]),
				 &seen[i]);
	ck_assert_ptr_null(lg_session_tap_state(s, &silent));
	ck_assert_ptr_null(lg_session_tap_state(NULL, &recorders[0]));
	fh_header(h, "Subject", "hi");
	fh_header(h, "From", "x@example.org");
	fh_eoh(h);
	fh_body(h, "hello\r\n");
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	for (i = 0; i < LG_MSG_TAPS_MAX; i++) {
		ck_assert_str_eq(seen[i].text, "H Subject: hi;"
				 "H From: x@example.org;E;B hello\r\n;M;R;");
		ck_assert_int_eq(seen[i].resets, 1);
	}
	/* detached at the end: the next message is not theirs */
	ck_assert_uint_eq(s->n_taps, 0);
	ck_assert_ptr_null(lg_session_tap_state(s, &recorders[0]));
	fh_mail(h, "<y@example.org>");
	ck_assert_int_eq(lg_session_tap_attach(s, &silent, NULL), 0);
	ck_assert_int_eq(lg_session_tap_attach(s, &recorders[0], &later), 0);
	fh_header(h, "Subject", "again");
	fh_abort(h);			/* an aborted message ends too */
	ck_assert_str_eq(later.text, "H Subject: again;R;");
	ck_assert_int_eq(later.resets, 1);
	ck_assert_int_eq(seen[0].resets, 1);
	ck_assert_uint_eq(s->n_taps, 0);
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
	tcase_add_loop_test(tc, message_outcome, 0, N(messages));
	tcase_add_test(tc, refused_recipient_is_not_deleted);
	tcase_add_loop_test(tc, eom_verdicts, 0,
			    (int) (sizeof(verdict_cases) /
				   sizeof(verdict_cases[0])));
	tcase_add_test(tc, queue_id_and_message_reset);
	tcase_add_test(tc, junk_from_the_mta_never_crashes);
	tcase_add_test(tc, taps_see_the_message_in_order);
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
