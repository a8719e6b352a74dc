/*
 * NAME
 *	check_repeat - the repeat plugin against the fake host
 * DESCRIPTION
 *	A broken client sends one message again and again to an unknown
 *	local address: copies are counted per client, sender, recipient
 *	and fingerprint, and past the threshold they get the action. The
 *	clock is the fake host's, moved instead of slept; the store is
 *	looked at through the core's own scan, as the status view does.
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
#define CLIENT "192.0.2.7"
#define DEFAULT_TEXT \
	"Message refused: this message was sent repeatedly to an unknown address"

static struct fh *h;

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

static void teardown(void)
{
	fh_free(&h);
	fh_clock_set(0);
}

static const char *const std_headers[] = {
	"From: Sender <sender@external.test>",
	"Subject: quarterly report",
	"Date: Mon, 6 May 2024 10:00:00 +0200",
	"Message-ID: <1234.5678@Client.Example>",
	NULL
};

/* send_full - one message on a new connection from client */
static enum lg_verdict send_full(const char *client, const char *from,
				 const char *const *rcpts,
				 const char *const *headers, const char *body)
{
	fh_connect(h, client);
	fh_macro(h, "i", "QID");
	return fh_message(h, from, rcpts, headers, body);
}

/* send_copy - the standard copy to one recipient */
static enum lg_verdict send_copy(const char *rcpt)
{
	const char *rcpts[] = { rcpt, NULL };

	return send_full(CLIENT, SENDER, rcpts, std_headers, "hello\r\n");
}

/* What the status view would show of one entry. */
struct entry {
	int n;			/* entries seen */
	char key[128];
	long long count;
	long long size;
	char from[64], to[64], client[64], status[16];
	time_t created, expires;
};

/* keep_entry - scan callback: remember the (last) entry */
static int keep_entry(void *arg, const struct lg_store_record *rec)
{
	struct entry *e = arg;

	e->n++;
	snprintf(e->key, sizeof(e->key), "%s", rec->key);
	snprintf(e->from, sizeof(e->from), "%s", rec->from);
	snprintf(e->to, sizeof(e->to), "%s", rec->to);
	snprintf(e->client, sizeof(e->client), "%s", rec->client);
	snprintf(e->status, sizeof(e->status), "%s", rec->status);
	e->count = rec->count;
	e->size = rec->size;
	e->created = rec->created;
	e->expires = rec->expires;
	return 0;
}

/* scan_repeat - the plugin's entries; the last one in *e */
static int scan_repeat(struct entry *e)
{
	struct lg_store *st = lg_host_store();

	memset(e, 0, sizeof(*e));
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->ops->scan(st->be, "repeat:", lg_now(),
				       keep_entry, e), 0);
	return e->n;
}

/* occurrences - how often needle is in haystack */
static int occurrences(const char *haystack, const char *needle)
{
	const char *p;
	int n = 0;

	for (p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}


START_TEST(postmaster_is_told_once_per_loop)
{
	struct lg_outbox *ob;
	int i;

	h = host_with(NULL, 1);
	ob = fh_outbox_open("outbox-repeat");
	for (i = 1; i <= 3; i++)
		send_copy(UNKNOWN);
	ck_assert_int_eq(fh_outbox_count_to(ob, "postmaster@example.com"), 0);
	send_copy(UNKNOWN);
	ck_assert_int_eq(fh_outbox_count_to(ob, "postmaster@example.com"), 1);
	send_copy(UNKNOWN);
	send_copy(UNKNOWN);
	ck_assert_int_eq(fh_outbox_count_to(ob, "postmaster@example.com"), 1);
	fh_outbox_close(&ob);
}
END_TEST

START_TEST(notify_false_tells_nobody)
{
	struct lg_outbox *ob;
	int i;

	h = host_with("notify = false;", 1);
	ob = fh_outbox_open("outbox-repeat-quiet");
	for (i = 1; i <= 5; i++)
		send_copy(UNKNOWN);
	ck_assert_int_eq(fh_outbox_count_to(ob, "postmaster@example.com"), 0);
	fh_outbox_close(&ob);
}
END_TEST

static const long long thresholds[] = { 1, 3, 5, 10 };

START_TEST(exactly_threshold_copies_pass)
{
	long long t = thresholds[_i], i;
	char settings[64];

	snprintf(settings, sizeof(settings), "threshold = %lld;", t);
	h = host_with(t == 3 ? NULL : settings, 0);	/* 3 is the default */
	for (i = 1; i <= t; i++) {
		ck_assert_msg(send_copy(UNKNOWN) == LG_CONTINUE,
			      "threshold %lld: copy %lld did not pass", t, i);
		ck_assert_str_eq(fh_edits(h), "");
	}
	ck_assert_int_eq(send_copy(UNKNOWN), LG_DISCARD);
	ck_assert_str_eq(fh_edits(h), "");
	ck_assert_int_eq(send_copy(UNKNOWN), LG_DISCARD);
	/* a valid recipient is never counted */
	for (i = 0; i <= t; i++)
		ck_assert_int_eq(send_copy("<alice@example.com>"), LG_CONTINUE);
}
END_TEST

START_TEST(decision_is_logged)
{
	char want[512];
	const char *at;
	int i;

	h = host_with(NULL, 0);
	fh_log_reset();
	for (i = 0; i < 3; i++)
		send_copy(UNKNOWN);
	ck_assert_ptr_null(strstr(fh_log(), "plugin=repeat action="));
	fh_log_reset();
	ck_assert_int_eq(send_copy(UNKNOWN), LG_DISCARD);
	snprintf(want, sizeof(want), "%s",
		 "QID: plugin=repeat action=discard from=<sender@external.test> to=<nosuch@example.com> client=" CLIENT
		 " reason=\"repeat #4 of message <1234.5678@client.example> within 1h (fingerprint ");
	at = strstr(fh_log(), want);
	ck_assert_msg(at != NULL, "log:\n%s\nwant:\n%s", fh_log(), want);
	/* one line per copy, and no core line on top of it */
	ck_assert_int_eq(occurrences(fh_log(), "action=discard"), 1);
	send_copy(UNKNOWN);
	ck_assert_ptr_nonnull(strstr(fh_log(), "reason=\"repeat #5 of message"));
}
END_TEST

START_TEST(entry_in_the_store)
{
	struct entry e;
	int i;

	h = host_with("threshold = 2; window = \"10m\";", 0);
	send_copy(UNKNOWN);
	ck_assert_int_eq(scan_repeat(&e), 1);
	/* the key stays short: "repeat:fp:" and 16 hex digits */
	ck_assert_int_eq((int) strlen(e.key), 26);
	ck_assert_int_eq(strncmp(e.key, "repeat:fp:", 10), 0);
	ck_assert_int_eq(strspn(e.key + 10, "0123456789abcdef"), 16);
	ck_assert_int_eq(e.count, 1);
	ck_assert_str_eq(e.status, "counting");
	ck_assert_str_eq(e.from, "sender@external.test");
	ck_assert_str_eq(e.to, "nosuch@example.com");
	ck_assert_str_eq(e.client, CLIENT);
	ck_assert_int_eq(e.size, (long long) strlen("hello\r\n"));
	ck_assert_int_eq((long long) (e.expires - e.created), 600);
	fh_clock_advance(100);
	for (i = 0; i < 2; i++)
		send_copy(UNKNOWN);
	ck_assert_int_eq(scan_repeat(&e), 1);
	ck_assert_int_eq(e.count, 3);
	ck_assert_str_eq(e.status, "looping");
	/* looping keeps the window of the first copy */
	ck_assert_int_eq((long long) e.expires, T0 + 600);
}
END_TEST

START_TEST(window_expiry_restarts_counting)
{
	int i;

	h = host_with(NULL, 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
		fh_clock_advance(60);
	}
	/* still inside the hour: looping */
	fh_clock_advance(3600 - 3 * 60 - 1);
	ck_assert_int_eq(send_copy(UNKNOWN), LG_DISCARD);
	/* window + 1 s after the first copy: counting starts again */
	fh_clock_advance(2);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
	ck_assert_int_eq(send_copy(UNKNOWN), LG_DISCARD);
}
END_TEST

struct action_case {
	const char *settings;
	enum lg_verdict verdict;
	const char *reply;
	const char *logged;
};

static const struct action_case action_cases[] = {
	{ "action = \"discard\";", LG_DISCARD, "", "action=discard" },
	{ "action = \"reject\";", LG_REJECT, "550 5.7.1 " DEFAULT_TEXT,
	  "action=reject" },
	{ "action = \"tempfail\";", LG_TEMPFAIL, "450 4.7.1 " DEFAULT_TEXT,
	  "action=tempfail" },
	{ "action = \"reject\"; reject_text = \"Stop sending this, fix your client\";",
	  LG_REJECT, "550 5.7.1 Stop sending this, fix your client",
	  "action=reject" },
	{ "action = \"tempfail\"; reject_text = \"Slow down\";", LG_TEMPFAIL,
	  "450 4.7.1 Slow down", "action=tempfail" },
};

START_TEST(actions)
{
	const struct action_case *c = &action_cases[_i];
	char settings[256];
	int i;

	snprintf(settings, sizeof(settings), "threshold = 2; %s", c->settings);
	h = host_with(settings, 1);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
		ck_assert_str_eq(fh_reply(h), "");
		ck_assert_str_ne(fh_edits(h), "");	/* redirected */
	}
	fh_log_reset();
	ck_assert_msg(send_copy(UNKNOWN) == c->verdict, "case %d: verdict", _i);
	ck_assert_str_eq(fh_reply(h), c->reply);
	ck_assert_str_eq(fh_edits(h), "");
	ck_assert_msg(strstr(fh_log(), c->logged) != NULL, "case %d: log %s",
		      _i, fh_log());
	ck_assert_ptr_nonnull(strstr(fh_log(), "repeat #3 of message"));
	/* catchall never saw it */
	ck_assert_ptr_null(strstr(fh_log(), "plugin=catchall"));
}
END_TEST

/*
 * Two messages: the second is a repeat of the first exactly when it
 * has the same fingerprint.
 */
struct fp_case {
	const char *headers1[5];
	const char *body1;
	const char *headers2[5];
	const char *body2;
	int same;
};

#define FROM "From: <sender@external.test>"
#define DATE "Date: Mon, 6 May 2024 10:00:00 +0200"
#define SUBJ "Subject: hello"

static const struct fp_case fp_cases[] = {
	/* Message-ID: brackets, blanks and the domain's case do not count */
	{ { "Message-ID: <a1@host.example>" }, "x\r\n",
	  { "Message-ID:   <a1@HOST.Example>  " }, "x\r\n", 1 },
	{ { "Message-ID: <a1@host.example>" }, "x\r\n",
	  { "Message-ID: a1@host.example" }, "x\r\n", 1 },
	/* ... the local part's case does */
	{ { "Message-ID: <a1@host.example>" }, "x\r\n",
	  { "Message-ID: <A1@host.example>" }, "x\r\n", 0 },
	{ { "Message-ID: <a1@host.example>" }, "x\r\n",
	  { "Message-ID: <a2@host.example>" }, "x\r\n", 0 },
	/* with a Message-ID, the body and other headers do not matter */
	{ { "Message-ID: <a1@host.example>", SUBJ }, "x\r\n",
	  { "Message-ID: <a1@host.example>", "Subject: other" }, "y\r\n", 1 },
	/* no Message-ID: From, Date, Subject and body */
	{ { FROM, DATE, SUBJ }, "same body\r\n",
	  { FROM, DATE, SUBJ }, "same body\r\n", 1 },
	{ { FROM, DATE, SUBJ }, "same body\r\n",
	  { SUBJ, FROM, DATE }, "same body\r\n", 1 },
	{ { FROM, DATE, SUBJ }, "same body\r\n",
	  { FROM, DATE, SUBJ }, "other body\r\n", 0 },
	{ { FROM, DATE, SUBJ }, "same body\r\n",
	  { FROM, DATE, "Subject: hello again" }, "same body\r\n", 0 },
	{ { FROM, DATE, SUBJ }, "same body\r\n",
	  { FROM, "Date: Mon, 6 May 2024 10:00:01 +0200", SUBJ },
	  "same body\r\n", 0 },
	{ { FROM, DATE, SUBJ }, "same body\r\n",
	  { "From: <other@external.test>", DATE, SUBJ }, "same body\r\n", 0 },
	{ { FROM, DATE, SUBJ }, NULL, { FROM, DATE, SUBJ }, NULL, 1 },
	{ { FROM, DATE, SUBJ }, NULL, { FROM, DATE, SUBJ }, "\r\n", 0 },
	/* an empty Message-ID is no Message-ID */
	{ { "Message-ID: <>", SUBJ }, "b\r\n", { "Message-ID:  ", SUBJ },
	  "b\r\n", 1 },
	/* a Message-ID and none */
	{ { "Message-ID: <a1@host.example>", FROM, DATE, SUBJ }, "x\r\n",
	  { FROM, DATE, SUBJ }, "x\r\n", 0 },
};

START_TEST(fingerprints)
{
	const struct fp_case *c = &fp_cases[_i];
	const char *rcpts[] = { UNKNOWN, NULL };
	enum lg_verdict v;

	h = host_with("threshold = 1;", 0);
	ck_assert_int_eq(send_full(CLIENT, SENDER, rcpts, c->headers1,
				   c->body1), LG_CONTINUE);
	v = send_full(CLIENT, SENDER, rcpts, c->headers2, c->body2);
	ck_assert_msg(v == (c->same ? LG_DISCARD : LG_CONTINUE),
		      "case %d: the second message is %sa repeat", _i,
		      v == LG_DISCARD ? "" : "not ");
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

struct sep_case {
	const char *client;
	const char *sender;
	const char *rcpt;
	int same;
};

static const struct sep_case sep_cases[] = {
	{ CLIENT, SENDER, UNKNOWN, 1 },
	{ "192.0.2.8", SENDER, UNKNOWN, 0 },
	{ "2001:db8::7", SENDER, UNKNOWN, 0 },
	{ CLIENT, "<other@external.test>", UNKNOWN, 0 },
	{ CLIENT, "<>", UNKNOWN, 0 },
	{ CLIENT, SENDER, "<nosuch2@example.com>", 0 },
	/* the recipient's case does not make a new address */
	{ CLIENT, SENDER, "<NoSuch@Example.COM>", 1 },
	{ CLIENT, "<Sender@External.Test>", UNKNOWN, 1 },
};

START_TEST(separate_counts)
{
	const struct sep_case *c = &sep_cases[_i];
	const char *std[] = { UNKNOWN, NULL };
	const char *other[] = { c->rcpt, NULL };

	h = host_with("threshold = 1;", 0);
	ck_assert_int_eq(send_full(CLIENT, SENDER, std, std_headers, "b\r\n"),
			 LG_CONTINUE);
	ck_assert_msg(send_full(c->client, c->sender, other, std_headers,
				"b\r\n") ==
		      (c->same ? LG_DISCARD : LG_CONTINUE),
		      "case %d: counted %s", _i,
		      c->same ? "apart" : "together");
	/* the first tuple keeps its own count */
	ck_assert_int_eq(send_full(CLIENT, SENDER, std, std_headers, "b\r\n"),
			 LG_DISCARD);
}
END_TEST

START_TEST(looping_unknown_next_to_valid_recipient)
{
	static const char *const both[] = { UNKNOWN, "<alice@example.com>",
					    NULL };
	int i;

	h = host_with("threshold = 2;", 1);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(send_full(CLIENT, SENDER, both, std_headers,
					   "b\r\n"), LG_CONTINUE);
		ck_assert_str_eq(fh_edits(h),
				 "addrcpt postmaster@example.com\n"
				 "addheader X-Loopguard-Original-To: nosuch@example.com\n"
				 "delrcpt <nosuch@example.com>\n");
	}
	fh_log_reset();
	/* only the looping unknown goes; catchall does not redirect it */
	ck_assert_int_eq(send_full(CLIENT, SENDER, both, std_headers, "b\r\n"),
			 LG_CONTINUE);
	ck_assert_str_eq(fh_edits(h), "delrcpt <nosuch@example.com>\n");
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"plugin=repeat action=discard from=<sender@external.test> to=<nosuch@example.com>"));
	ck_assert_ptr_null(strstr(fh_log(), "plugin=catchall"));
}
END_TEST

START_TEST(looping_and_new_unknown)
{
	static const char *const one[] = { UNKNOWN, NULL };
	static const char *const two[] = { UNKNOWN, "<typo@example.com>",
					   NULL };

	h = host_with("threshold = 1;", 1);
	ck_assert_int_eq(send_full(CLIENT, SENDER, one, std_headers, "b\r\n"),
			 LG_CONTINUE);
	/* nosuch loops, typo is new: typo is still redirected */
	ck_assert_int_eq(send_full(CLIENT, SENDER, two, std_headers, "b\r\n"),
			 LG_CONTINUE);
	ck_assert_str_eq(fh_edits(h),
			 "addrcpt postmaster@example.com\n"
			 "addheader X-Loopguard-Original-To: typo@example.com\n"
			 "delrcpt <nosuch@example.com>\n"
			 "delrcpt <typo@example.com>\n");
	/* both loop now: the whole message goes */
	ck_assert_int_eq(send_full(CLIENT, SENDER, two, std_headers, "b\r\n"),
			 LG_DISCARD);
	ck_assert_str_eq(fh_edits(h), "");
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
		fh_rcpt(h, "<alice@example.com>");
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
	ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
	ck_assert_int_eq(send_copy(UNKNOWN), LG_DISCARD);
}
END_TEST

START_TEST(report_mode)
{
	int i;

	h = host_with("threshold = 1; mode = \"report\";", 1);
	ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
	for (i = 0; i < 2; i++) {
		fh_log_reset();
		ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
		ck_assert_str_eq(fh_reply(h), "");
		/* catchall redirects as if repeat were not there */
		ck_assert_str_eq(fh_edits(h),
				 "addrcpt postmaster@example.com\n"
				 "addheader X-Loopguard-Original-To: nosuch@example.com\n"
				 "delrcpt <nosuch@example.com>\n");
		ck_assert_ptr_nonnull(strstr(fh_log(),
			"plugin=repeat action=report from=<sender@external.test> to=<nosuch@example.com>"));
		ck_assert_ptr_nonnull(strstr(fh_log(), i == 0 ?
			"reason=\"would discard: repeat #2 of message <1234.5678@client.example> within 1h" :
			"reason=\"would discard: repeat #3 of message"));
	}
}
END_TEST

START_TEST(report_mode_names_the_action)
{
	h = host_with("threshold = 1; mode = \"report\"; action = \"reject\";",
		      0);
	send_copy(UNKNOWN);
	fh_log_reset();
	ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
	ck_assert_str_eq(fh_reply(h), "");
	ck_assert_ptr_nonnull(strstr(fh_log(), "would reject: repeat #2"));
}
END_TEST

START_TEST(store_down_lets_mail_pass)
{
	static const char *const two[] = { UNKNOWN, "<typo@example.com>",
					   NULL };
	struct lg_store *st;
	int i;

	h = host_with("threshold = 1;", 0);
	st = lg_host_store();
	lg_host_set_store(NULL);
	fh_log_reset();
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(send_full(CLIENT, SENDER, two, std_headers,
					   "b\r\n"), LG_CONTINUE);
	/* logged once per message, not once per recipient */
	ck_assert_int_eq(occurrences(fh_log(),
		"QID: plugin=repeat store unavailable: copies are not counted, message passes"),
		3);
	ck_assert_ptr_null(strstr(fh_log(), "action="));
	/* back up: counting starts from nothing */
	lg_host_set_store(st);
	ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
	ck_assert_int_eq(send_copy(UNKNOWN), LG_DISCARD);
}
END_TEST

struct bad_case {
	const char *settings;
	const char *expected;	/* after "PATH:LINE: " */
};

static const struct bad_case bad_cases[] = {
	{ "threshold = 0;",
	  "plugin repeat: threshold must be between 1 and 1000000, not 0" },
	{ "threshold = -3;",
	  "plugin repeat: threshold must be between 1 and 1000000, not -3" },
	{ "threshold = \"3\";", "plugin repeat: threshold must be an integer" },
	{ "window = \"soon\";",
	  "plugin repeat: window: bad duration \"soon\" (use e.g. 30s, 10m, 1h, 7d)" },
	{ "window = \"0s\";", "plugin repeat: window must be at least 1s" },
	{ "window = 60;",
	  "plugin repeat: window must be a duration string such as \"10m\"" },
	{ "action = \"bounce\";",
	  "plugin repeat: action must be one of \"discard\", \"reject\", \"tempfail\", not \"bounce\"" },
	{ "mode = \"dry\";",
	  "plugin repeat: mode must be one of \"enforce\", \"report\", not \"dry\"" },
	{ "reject_text = \"\";",
	  "plugin repeat: reject_text must be one line of printable text, 1 to 400 characters" },
	{ "reject_text = \"two\\nlines\";",
	  "plugin repeat: reject_text must be one line of printable text, 1 to 400 characters" },
	{ "reject_text = 5;", "plugin repeat: reject_text must be a string" },
	{ "treshold = 3;", "plugin repeat: unknown setting \"treshold\"" },
};

START_TEST(bad_settings)
{
	const struct bad_case *c = &bad_cases[_i];
	char text[1024], name[32], want[1024];

	fh_tmpfile("rcpts", "alice@example.com\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"repeat\"; %s } );\n", BASE,
		 c->settings);
	snprintf(name, sizeof(name), "repeat-bad%d", _i);
	/* plugin_dir comes first, then BASE's three lines: line 5 */
	snprintf(want, sizeof(want), "%s/%s.conf:5: %s", fh_tmpdir(), name,
		 c->expected);
	ck_assert_str_eq(fh_load_error(name, text), want);
}
END_TEST

START_TEST(good_settings_load)
{
	h = host_with("threshold = 1000000; window = \"7d\"; action = \"tempfail\";"
		      " reject_text = \"x\"; mode = \"enforce\";", 0);
	ck_assert_int_eq(send_copy(UNKNOWN), LG_CONTINUE);
}
END_TEST

static Suite *repeat_suite(void)
{
	Suite *s = suite_create("repeat");
	TCase *tc = tcase_create("count");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, exactly_threshold_copies_pass, 0,
			    (int) (sizeof(thresholds) / sizeof(thresholds[0])));
	tcase_add_test(tc, postmaster_is_told_once_per_loop);
	tcase_add_test(tc, notify_false_tells_nobody);
	tcase_add_test(tc, decision_is_logged);
	tcase_add_test(tc, entry_in_the_store);
	tcase_add_test(tc, window_expiry_restarts_counting);
	tcase_add_loop_test(tc, actions, 0,
			    (int) (sizeof(action_cases) /
				   sizeof(action_cases[0])));
	tcase_add_loop_test(tc, fingerprints, 0,
			    (int) (sizeof(fp_cases) / sizeof(fp_cases[0])));
	tcase_add_test(tc, body_in_chunks_is_one_body);
	tcase_add_loop_test(tc, separate_counts, 0,
			    (int) (sizeof(sep_cases) / sizeof(sep_cases[0])));
	tcase_add_test(tc, looping_unknown_next_to_valid_recipient);
	tcase_add_test(tc, looping_and_new_unknown);
	tcase_add_test(tc, only_accepted_copies_count);
	tcase_add_test(tc, report_mode);
	tcase_add_test(tc, report_mode_names_the_action);
	tcase_add_test(tc, store_down_lets_mail_pass);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, bad_settings, 0,
			    (int) (sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, good_settings_load);
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
