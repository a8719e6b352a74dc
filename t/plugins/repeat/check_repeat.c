/*
 * NAME
 *	check_repeat - the repeat plugin against the fake host
 * DESCRIPTION
 *	A broken client sends one message again and again to an unknown
 *	local address: copies are counted per client, sender, recipient
 *	and fingerprint, and past the threshold they get the action. Most
 *	cases are scripts, one row each: the settings and the steps, each
 *	step some copies of one message and what every copy must give
 *	(verdict, edits, reply, log lines), or the postmaster's notices
 *	counted, or the store taken away and given back. The clock is the
 *	fake host's, moved instead of slept; the store is looked at
 *	through the core's own scan, as the status view does.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fakehost.h"
#include "host.h"
#include "store.h"

#define BASE "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"recipient_delimiter = \"+\";\n"

#define T0 1700000000
#define SENDER "<sender@external.test>"
#define UNKNOWN "<nosuch@example.com>"
#define ALICE "<alice@example.com>"
#define TYPO "<typo@example.com>"
#define CLIENT "192.0.2.7"
#define DEFAULT_TEXT \
	"Message refused: this message was sent repeatedly to an unknown address"
#define REDIRECT "addrcpt postmaster@example.com\n" \
	"addheader X-Loopguard-Original-To: nosuch@example.com\n" \
	"delrcpt <nosuch@example.com>\n"
/* The decision on copy N of the standard message, up to its fingerprint */
#define LINE(action, n) "QID: plugin=repeat action=" action \
	" from=<sender@external.test> to=<nosuch@example.com> client=" CLIENT \
	" reason=\"repeat #" n " of message <1234.5678@client.example> within 1h"
#define REPORTED "plugin=repeat action=report from=<sender@external.test>" \
	" to=<nosuch@example.com>"
#define DISC LG_DISCARD

static struct fh *h;
static struct lg_outbox *ob;
static struct lg_store *store;

static const char *const unknown_only[] = { UNKNOWN, NULL };

static const char *const std_headers[] = {
	"From: Sender <sender@external.test>",
	"Subject: quarterly report",
	"Date: Mon, 6 May 2024 10:00:00 +0200",
	"Message-ID: <1234.5678@Client.Example>",
	NULL
};

/* host_with - repeat with SETTINGS, then catchall if asked; clock at T0 */
static struct fh *host_with(const char *settings, int catchall)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"repeat\"; %s }%s );\n", BASE,
		 settings ? settings : "",
		 catchall ? ", { name = \"catchall\"; }" : "");
	fh_clock_set(T0);
	return fh_new(text);
}

/* teardown - the outbox, the host and the clock put back */
static void teardown(void)
{
	if (ob)
		fh_outbox_close(&ob);
	fh_free(&h);
	fh_clock_set(0);
}

/* send_full - one message on a new connection from client */
static enum lg_verdict send_full(const char *client, const char *from,
				 const char *const *rcpts,
				 const char *const *headers, const char *body)
{
	fh_connect(h, client);
	fh_macro(h, "i", "QID");
	return fh_message(h, from, rcpts, headers, body);
}

/* send_copy - the standard copy to the unknown recipient */
static enum lg_verdict send_copy(void)
{
	return send_full(CLIENT, SENDER, unknown_only, std_headers,
			 "hello\r\n");
}

enum op { COPIES, NOTICES, OUTBOX, STORE_DOWN, STORE_UP, ENTRY };

/* One step: N copies of the standard message to RCPTS (the unknown one
 * if none), each ADV seconds after the last, each giving V, EDITS and
 * REPLY ("" for NULL) and logging each LOG line exactly once and NOLOG
 * never; or another OP (NOTICES: N messages to the postmaster; ENTRY:
 * the one entry in the store as the status view shows it, in EDITS). */
struct step {
	enum op op;
	int n;
	long long adv;
	const char *rcpts[3];
	enum lg_verdict v;
	const char *edits, *reply;
	const char *log[2], *nolog;
};

#define MAX_STEPS 8
#define NOTIFIED(k) { .op = NOTICES, .n = k }
#define ENTRY_IS(text) { .op = ENTRY, .edits = "count=" text \
	" from=sender@external.test to=nosuch@example.com client=" CLIENT \
	" size=7 created=+0 expires=+600\n" }
#define BOTH { UNKNOWN, ALICE }
#define TWO { UNKNOWN, TYPO }

struct script {
	const char *name;
	const char *settings;
	int catchall;
	struct step steps[MAX_STEPS];
};

static const struct script scripts[] = {
	/* exactly threshold copies pass; a valid recipient never counts */
	{ "threshold 1", "threshold = 1;", 0,
	  { { .n = 1 }, { .n = 2, .v = DISC }, { .n = 2, .rcpts = { ALICE } } } },
	{ "threshold 3, the default", NULL, 0,
	  { { .n = 3 }, { .n = 2, .v = DISC }, { .n = 4, .rcpts = { ALICE } } } },
	{ "threshold 5", "threshold = 5;", 0,
	  { { .n = 5 }, { .n = 2, .v = DISC }, { .n = 6, .rcpts = { ALICE } } } },
	{ "threshold 10", "threshold = 10;", 0,
	  { { .n = 10 }, { .n = 2, .v = DISC },
	    { .n = 11, .rcpts = { ALICE } } } },
	{ "the postmaster is told once per loop", NULL, 1,
	  { { .op = OUTBOX }, { .n = 3, .edits = REDIRECT }, NOTIFIED(0),
	    { .n = 1, .v = DISC }, NOTIFIED(1), { .n = 2, .v = DISC },
	    NOTIFIED(1) } },
	{ "notify = false tells nobody", "notify = false;", 1,
	  { { .op = OUTBOX }, { .n = 3, .edits = REDIRECT },
	    { .n = 2, .v = DISC }, NOTIFIED(0) } },
	/* one line per copy, and no core line on top of it */
	{ "the decision is logged", NULL, 0,
	  { { .n = 3, .nolog = "plugin=repeat action=" },
	    { .n = 1, .v = DISC, .log = { LINE("discard", "4")
					  " (fingerprint ", "action=discard" } },
	    { .n = 1, .v = DISC, .log = { "reason=\"repeat #5 of message" } } } },
	/* copies at 0, 60, 120 s; at 3599 s still looping; at 3601 s
	 * counting starts again */
	{ "window expiry restarts counting", NULL, 0,
	  { { .n = 1 }, { .n = 2, .adv = 60 }, { .n = 1, .adv = 3479, .v = DISC },
	    { .n = 1, .adv = 2 }, { .n = 2 }, { .n = 1, .v = DISC } } },
	/* the action, and catchall never sees the copy */
	{ "action discard", "threshold = 2; action = \"discard\";", 1,
	  { { .n = 2, .edits = REDIRECT },
	    { .n = 1, .v = DISC, .log = { LINE("discard", "3") },
	      .nolog = "plugin=catchall" } } },
	{ "action reject", "threshold = 2; action = \"reject\";", 1,
	  { { .n = 2, .edits = REDIRECT },
	    { .n = 1, .v = LG_REJECT, .reply = "550 5.7.1 " DEFAULT_TEXT,
	      .log = { LINE("reject", "3") }, .nolog = "plugin=catchall" } } },
	{ "action tempfail", "threshold = 2; action = \"tempfail\";", 1,
	  { { .n = 2, .edits = REDIRECT },
	    { .n = 1, .v = LG_TEMPFAIL, .reply = "450 4.7.1 " DEFAULT_TEXT,
	      .log = { LINE("tempfail", "3") }, .nolog = "plugin=catchall" } } },
	{ "action reject with reject_text", "threshold = 2; action = \"reject\";"
	  " reject_text = \"Stop sending this, fix your client\";", 1,
	  { { .n = 2, .edits = REDIRECT },
	    { .n = 1, .v = LG_REJECT,
	      .reply = "550 5.7.1 Stop sending this, fix your client",
	      .log = { LINE("reject", "3") }, .nolog = "plugin=catchall" } } },
	{ "action tempfail with reject_text", "threshold = 2;"
	  " action = \"tempfail\"; reject_text = \"Slow down\";", 1,
	  { { .n = 2, .edits = REDIRECT },
	    { .n = 1, .v = LG_TEMPFAIL, .reply = "450 4.7.1 Slow down",
	      .log = { LINE("tempfail", "3") }, .nolog = "plugin=catchall" } } },
	/* only the looping unknown goes; catchall does not redirect it */
	{ "a looping unknown next to a valid recipient", "threshold = 2;", 1,
	  { { .n = 2, .rcpts = BOTH, .edits = REDIRECT },
	    { .n = 1, .rcpts = BOTH, .edits = "delrcpt <nosuch@example.com>\n",
	      .log = { "plugin=repeat action=discard from=<sender@external.test>"
		       " to=<nosuch@example.com>" },
	      .nolog = "plugin=catchall" } } },
	/* nosuch loops, typo is new and still redirected; then both loop
	 * and the whole message goes */
	{ "a looping unknown and a new one", "threshold = 1;", 1,
	  { { .n = 1, .edits = REDIRECT },
	    { .n = 1, .rcpts = TWO,
	      .edits = "addrcpt postmaster@example.com\n"
	      "addheader X-Loopguard-Original-To: typo@example.com\n"
	      "delrcpt <nosuch@example.com>\ndelrcpt <typo@example.com>\n" },
	    { .n = 1, .rcpts = TWO, .v = DISC } } },
	/* catchall redirects as if repeat were not there */
	{ "report mode", "threshold = 1; mode = \"report\";", 1,
	  { { .n = 1, .edits = REDIRECT },
	    { .n = 1, .edits = REDIRECT, .log = { REPORTED,
	      "reason=\"would discard: repeat #2 of message"
	      " <1234.5678@client.example> within 1h" } },
	    { .n = 1, .edits = REDIRECT, .log = { REPORTED,
	      "reason=\"would discard: repeat #3 of message" } } } },
	{ "report mode names the action",
	  "threshold = 1; mode = \"report\"; action = \"reject\";", 0,
	  { { .n = 1 }, { .n = 1, .log = { "would reject: repeat #2" } } } },
	/* logged once per message, not once per recipient; back up,
	 * counting starts from nothing */
	{ "the store down lets mail pass", "threshold = 1;", 0,
	  { { .op = STORE_DOWN },
	    { .n = 3, .rcpts = TWO, .log = { "QID: plugin=repeat store "
	      "unavailable: copies are not counted, message passes" },
	      .nolog = "action=" },
	    { .op = STORE_UP }, { .n = 1 }, { .n = 1, .v = DISC } } },
	/* the key stays short; looping keeps the window of the first copy */
	{ "the entry in the store", "threshold = 2; window = \"10m\";", 0,
	  { { .n = 1 }, ENTRY_IS("1 status=counting"), { .n = 1, .adv = 100 },
	    { .n = 1, .v = DISC }, ENTRY_IS("3 status=looping") } },
	{ "good settings load", "threshold = 1000000; window = \"7d\";"
	  " action = \"tempfail\"; reject_text = \"x\"; mode = \"enforce\";", 0,
	  { { .n = 1 } } },
};

#define ENTRIES 1024

/* keep_entry - scan callback: the entry's key and what the status
 * view shows of it, times from T0 */
static int keep_entry(void *arg, const struct lg_store_record *r)
{
	char *text = arg;
	size_t len = strlen(text);

	snprintf(text + len, ENTRIES - len, "%s count=%lld status=%s "
		 "from=%s to=%s client=%s size=%lld created=%+lld "
		 "expires=%+lld\n",
		 r->key, r->count, r->status, r->from, r->to, r->client,
		 r->size, (long long) r->created - T0,
		 (long long) r->expires - T0);
	return 0;
}

/* entry - the one entry in the store, its key "repeat:fp:" and 16 hex
 * digits, and what STEP K of script S wants it to show */
static void entry(const struct script *s, int k)
{
	struct lg_store *st = lg_host_store();
	char text[ENTRIES] = "";

	ck_assert_int_eq(st->ops->scan(st->be, "repeat:", lg_now(),
				       keep_entry, text), 0);
	ck_assert_msg(strncmp(text, "repeat:fp:", 10) == 0 &&
		      strspn(text + 10, "0123456789abcdef") == 16 &&
		      text[26] == ' ' &&
		      strcmp(text + 27, s->steps[k].edits) == 0,
		      "%s, step %d: %s", s->name, k, text);
}

/* copy - one copy of STEP K of script S, and what it must give */
static void copy(const struct script *s, int k)
{
	const struct step *st = &s->steps[k];
	enum lg_verdict v;
	int i;

	fh_clock_advance(st->adv);
	fh_log_reset();
	v = send_full(CLIENT, SENDER, st->rcpts[0] ? st->rcpts : unknown_only,
		      std_headers, "hello\r\n");
	ck_assert_msg(v == st->v, "%s, step %d: verdict %d, want %d",
		      s->name, k, v, st->v);
	ck_assert_msg(strcmp(fh_edits(h), st->edits ? st->edits : "") == 0,
		      "%s, step %d: edits\n%s", s->name, k, fh_edits(h));
	ck_assert_msg(strcmp(fh_reply(h), st->reply ? st->reply : "") == 0,
		      "%s, step %d: reply %s", s->name, k, fh_reply(h));
	for (i = 0; i < 2 && st->log[i]; i++)
		ck_assert_msg(fh_occurrences(fh_log(), st->log[i]) == 1,
			      "%s, step %d: not once: %s\nlog:\n%s", s->name,
			      k, st->log[i], fh_log());
	ck_assert_msg(!st->nolog || !strstr(fh_log(), st->nolog),
		      "%s, step %d: logged %s", s->name, k, st->nolog);
}

START_TEST(script)
{
	const struct script *s = &scripts[_i];
	const struct step *st;
	char name[32];
	int k, i;

	h = host_with(s->settings, s->catchall);
	for (k = 0; k < MAX_STEPS && (s->steps[k].op || s->steps[k].n); k++) {
		st = &s->steps[k];
		if (st->op == COPIES) {
			for (i = 0; i < st->n; i++)
				copy(s, k);
		} else if (st->op == NOTICES) {
			ck_assert_msg(fh_outbox_count_to(ob,
				"postmaster@example.com") == st->n,
				"%s, step %d: notices", s->name, k);
		} else if (st->op == OUTBOX) {
			snprintf(name, sizeof(name), "outbox-repeat-%d", _i);
			ob = fh_outbox_open(name);
		} else if (st->op == ENTRY) {
			entry(s, k);
		} else if (st->op == STORE_DOWN) {
			store = lg_host_store();
			lg_host_set_store(NULL);
		} else {
			lg_host_set_store(store);
		}
	}
}
END_TEST

/*
 * Two messages: the second is a repeat of the first exactly when it
 * has the same fingerprint and comes from the same client and sender
 * to the same recipient. A row with no headers sends the standard
 * message twice, the second with the envelope of the row (NULL: as
 * the first), and then the first again, which must still loop.
 */
struct pair_case {
	const char *headers1[5];
	const char *body1;
	const char *headers2[5];
	const char *body2;
	int same;
	const char *client, *sender, *rcpt;
};

#define FROM "From: <sender@external.test>"
#define DATE "Date: Mon, 6 May 2024 10:00:00 +0200"
#define SUBJ "Subject: hello"
/* a row with its envelope as the first message's */
#define FP(...) { __VA_ARGS__, NULL, NULL, NULL }

static const struct pair_case pair_cases[] = {
	/* Message-ID: brackets, blanks and the domain's case do not count */
	FP({ "Message-ID: <a1@host.example>" }, "x\r\n",
	   { "Message-ID:   <a1@HOST.Example>  " }, "x\r\n", 1),
	FP({ "Message-ID: <a1@host.example>" }, "x\r\n",
	   { "Message-ID: a1@host.example" }, "x\r\n", 1),
	/* ... the local part's case does */
	FP({ "Message-ID: <a1@host.example>" }, "x\r\n",
	   { "Message-ID: <A1@host.example>" }, "x\r\n", 0),
	FP({ "Message-ID: <a1@host.example>" }, "x\r\n",
	   { "Message-ID: <a2@host.example>" }, "x\r\n", 0),
	/* with a Message-ID, the body and other headers do not matter */
	FP({ "Message-ID: <a1@host.example>", SUBJ }, "x\r\n",
	   { "Message-ID: <a1@host.example>", "Subject: other" }, "y\r\n", 1),
	/* no Message-ID: From, Date, Subject and body */
	FP({ FROM, DATE, SUBJ }, "same body\r\n",
	   { FROM, DATE, SUBJ }, "same body\r\n", 1),
	FP({ FROM, DATE, SUBJ }, "same body\r\n",
	   { SUBJ, FROM, DATE }, "same body\r\n", 1),
	FP({ FROM, DATE, SUBJ }, "same body\r\n",
	   { FROM, DATE, SUBJ }, "other body\r\n", 0),
	FP({ FROM, DATE, SUBJ }, "same body\r\n",
	   { FROM, DATE, "Subject: hello again" }, "same body\r\n", 0),
	FP({ FROM, DATE, SUBJ }, "same body\r\n",
	   { FROM, "Date: Mon, 6 May 2024 10:00:01 +0200", SUBJ },
	   "same body\r\n", 0),
	FP({ FROM, DATE, SUBJ }, "same body\r\n",
	  { "From: <other@external.test>", DATE, SUBJ }, "same body\r\n", 0),
	FP({ FROM, DATE, SUBJ }, NULL, { FROM, DATE, SUBJ }, NULL, 1),
	FP({ FROM, DATE, SUBJ }, NULL, { FROM, DATE, SUBJ }, "\r\n", 0),
	/* an empty Message-ID is no Message-ID */
	FP({ "Message-ID: <>", SUBJ }, "b\r\n", { "Message-ID:  ", SUBJ },
	   "b\r\n", 1),
	/* a Message-ID and none */
	FP({ "Message-ID: <a1@host.example>", FROM, DATE, SUBJ }, "x\r\n",
	   { FROM, DATE, SUBJ }, "x\r\n", 0),
	/* the envelope */
	{ .same = 1 },
	{ .client = "192.0.2.8" },
	{ .client = "2001:db8::7" },
	{ .sender = "<other@external.test>" },
	{ .sender = "<>" },
	{ .rcpt = "<nosuch2@example.com>" },
	/* the recipient's and the sender's case do not make a new address */
	{ .rcpt = "<NoSuch@Example.COM>", .same = 1 },
	{ .sender = "<Sender@External.Test>", .same = 1 },
};

START_TEST(pairs)
{
	const struct pair_case *c = &pair_cases[_i];
	const char *rcpts[] = { c->rcpt ? c->rcpt : UNKNOWN, NULL };
	int std = !c->headers1[0];
	enum lg_verdict v;

	h = host_with("threshold = 1;", 0);
	ck_assert_int_eq(send_full(CLIENT, SENDER, unknown_only,
				   std ? std_headers : c->headers1,
				   std ? "hello\r\n" : c->body1), LG_CONTINUE);
	v = send_full(c->client ? c->client : CLIENT,
		      c->sender ? c->sender : SENDER, rcpts,
		      std ? std_headers : c->headers2,
		      std ? "hello\r\n" : c->body2);
	ck_assert_msg(v == (c->same ? LG_DISCARD : LG_CONTINUE),
		      "case %d: the second message is %sa repeat", _i,
		      v == LG_DISCARD ? "" : "not ");
	if (std)
		ck_assert_int_eq(send_copy(), LG_DISCARD);
}
END_TEST

START_TEST(body_in_chunks_is_one_body)
{
	static const char *const headers[] = { FROM, DATE, SUBJ, NULL };
	const char *rcpts[] = { UNKNOWN, NULL };

	h = host_with("threshold = 1;", 0);
	ck_assert_int_eq(send_full(CLIENT, SENDER, rcpts, headers,
				   "line one\r\nline two\r\n"), LG_CONTINUE);
	fh_connect(h, CLIENT);
	fh_mail(h, SENDER);
	fh_rcpt(h, UNKNOWN);
	fh_header(h, "From", "<sender@external.test>");
	fh_header(h, "Date", "Mon, 6 May 2024 10:00:00 +0200");
	fh_header(h, "Subject", "hello");
	fh_eoh(h);
	fh_body(h, "line one\r\n");
	fh_body(h, "line two\r\n");
	ck_assert_int_eq(fh_eom(h), LG_DISCARD);
}
END_TEST

START_TEST(only_accepted_copies_count)
{
	int i;

	h = host_with("threshold = 1;", 0);
	/* refused by the MTA: not a copy that came through */
	for (i = 0; i < 3; i++) {
		fh_connect(h, CLIENT);
		fh_mail(h, SENDER);
		fh_macro(h, "{rcpt_mailer}", "error");
		fh_rcpt(h, UNKNOWN);
		fh_macro(h, "{rcpt_mailer}", NULL);
		fh_rcpt(h, ALICE);
		fh_header(h, "Message-ID", "<1234.5678@Client.Example>");
		fh_eoh(h);
		ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	}
	/* aborted before end of message: not counted either */
	for (i = 0; i < 3; i++) {
		fh_connect(h, CLIENT);
		fh_mail(h, SENDER);
		fh_rcpt(h, UNKNOWN);
		fh_abort(h);
	}
	ck_assert_int_eq(send_copy(), LG_CONTINUE);
	ck_assert_int_eq(send_copy(), LG_DISCARD);
}
END_TEST

#define TEXT_RULE "must be one line of printable text, 1 to 400 characters"

/* A setting and the error after "PATH:5: plugin repeat: " */
static const char *const bad_cases[][2] = {
	{ "threshold = 0;", "threshold must be between 1 and 1000000, not 0" },
	{ "threshold = -3;", "threshold must be between 1 and 1000000, not -3" },
	{ "threshold = \"3\";", "threshold must be an integer" },
	{ "window = \"soon\";",
	  "window: bad duration \"soon\" (use e.g. 30s, 10m, 1h, 7d)" },
	{ "window = \"0s\";", "window must be at least 1s" },
	{ "window = 60;", "window must be a duration string such as \"10m\"" },
	{ "action = \"bounce\";", "action must be one of \"discard\", "
	  "\"reject\", \"tempfail\", not \"bounce\"" },
	{ "mode = \"dry\";",
	  "mode must be one of \"enforce\", \"report\", not \"dry\"" },
	{ "reject_text = \"\";", "reject_text " TEXT_RULE },
	{ "reject_text = \"two\\nlines\";", "reject_text " TEXT_RULE },
	{ "reject_text = 5;", "reject_text must be a string" },
	{ "treshold = 3;", "unknown setting \"treshold\"" },
};

START_TEST(bad_settings)
{
	ck_assert_str_eq(fh_plugin_error(BASE, "repeat", bad_cases[_i][0]),
			 bad_cases[_i][1]);
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

static Suite *repeat_suite(void)
{
	Suite *s = suite_create("repeat");
	TCase *tc = tcase_create("count");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, script, 0, ROWS(scripts));
	tcase_add_loop_test(tc, pairs, 0, ROWS(pair_cases));
	tcase_add_test(tc, body_in_chunks_is_one_body);
	tcase_add_test(tc, only_accepted_copies_count);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_loop_test(tc, bad_settings, 0, ROWS(bad_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(repeat_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
