/*
 * NAME
 *	check_autoreply - the autoreply plugin against the fake host
 * DESCRIPTION
 *	A table with one row per rule (reply or no reply), the store
 *	limits with the fake clock, the reply's headers, templates,
 *	suggestions and header injection; the pure text functions of
 *	plugins/autoreply/autoreply_text.c by tables. Replies are read
 *	back from an outbox in the test's temporary directory.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "fakehost.h"
#include "mailer.h"
#include "outbox.h"

#define BASE "local_domains = [ \"example.com\", \"example.org\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"trusted_networks = [ \"10.0.0.0/8\" ];\n" \
	"dkim_keys = \"@TMP@/nokeys\";\n" \
	"mailer = { outbox = \"@TMP@/outbox\"; };\n"

static struct fh *h;
static struct lg_outbox *ob;
static char outbox_dir[512];

/* start - the plugin with these settings and an empty outbox */
static void start(const char *settings)
{
	static int serial;
	char text[4096], err[512];

	fh_tmpfile("rcpts", "alice@example.com\nbob@example.com\n"
		   "alicia@example.com\npostmaster@example.com\n"
		   "carol@example.org\n");
	fh_tmpfile("nokeys", "");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"autoreply\"; %s } );\n", BASE,
		 settings ? settings : "");
	h = fh_new(text);
	snprintf(outbox_dir, sizeof(outbox_dir), "%s/outbox-%d", fh_tmpdir(),
		 ++serial);
	ob = lg_outbox_open(outbox_dir, err, sizeof(err));
	ck_assert_msg(ob != NULL, "%s", err);
	lg_mailer_set_outbox(ob);
}

static void teardown(void)
{
	fh_free(&h);
	lg_mailer_set_outbox(NULL);
	lg_outbox_close(&ob);
}

/* Everything in the outbox, the messages one after another. */
struct mails {
	int n;
	char to[1024];
	char text[65536];
};

static void one_mail(void *arg, const struct lg_outbox_item *it)
{
	struct mails *m = arg;
	char path[1024];
	size_t len = strlen(m->text);
	FILE *fp;

	m->n++;
	strncat(m->to, it->to, sizeof(m->to) - strlen(m->to) - 2);
	strcat(m->to, " ");
	snprintf(path, sizeof(path), "%s/msg/%s", outbox_dir, it->id);
	if ((fp = fopen(path, "r")) != NULL) {
		len += fread(m->text + len, 1, sizeof(m->text) - len - 1, fp);
		m->text[len] = 0;
		fclose(fp);
	}
}

static struct mails *mails(void)
{
	static struct mails m;

	memset(&m, 0, sizeof(m));
	lg_outbox_list(ob, one_mail, &m);
	return &m;
}

/* send - one message from client with auth (or NULL) */
static enum lg_verdict send(const char *client, const char *auth,
			    const char *from, const char *const *rcpts,
			    const char *const *headers)
{
	fh_connect(h, client);
	fh_macro(h, "{auth_authen}", auth);
	return fh_message(h, from, rcpts, headers, "Hello\r\n");
}

#define EXT "192.0.2.1"
#define ALICE "<alice@example.com>"

/* One message and whether it gets a reply: from CLIENT (10.1.2.3 if
 * NULL), with AUTH, FROM (alice), to RCPTS (nosuch@example.com) with
 * HEADERS (a Subject); the MTA's {rcpt_mailer} RCPT_MAILER. */
static const struct rule_case {
	const char *name;
	const char *settings;
	const char *client, *auth, *from;
	const char *rcpts[4];
	const char *headers[4];
	const char *rcpt_mailer;
	int replies;
} rule_cases[] = {
	{ "trusted network", .replies = 1 },
	{ "authenticated", .client = EXT, .auth = "alice", .replies = 1 },
	{ "other local domain", .client = EXT, .auth = "carol",
	  .from = "<carol@example.org>", .replies = 1 },
	{ "unknown in another local domain",
	  .rcpts = { "<nosuch@example.org>" }, .replies = 1 },
	{ "not proven (forged local sender)", .client = EXT },
	/* the reply would itself be redirected to the postmaster */
	{ "sender does not exist here", .from = "<ghost@example.com>" },
	{ "sender does not exist here, authenticated", .client = EXT,
	  .auth = "ghost", .from = "<ghost@example.com>" },
	{ "null sender", .from = "<>" },
	{ "external sender", .auth = "x", .from = "<x@external.test>" },
	{ "unqualified sender", .from = "<alice>" },
	{ "only valid recipients", .rcpts = { "<bob@example.com>" } },
	{ "only external recipients", .rcpts = { "<x@external.test>" } },
	{ "the MTA rejected it", .rcpt_mailer = "error" },
	{ "Auto-Submitted: auto-replied",
	  .headers = { "Subject: hi", "Auto-Submitted: auto-replied" } },
	{ "Auto-Submitted: auto-generated",
	  .headers = { "Auto-Submitted: auto-generated; type=x" } },
	{ "Auto-Submitted: no", .headers = { "Auto-Submitted:  No " },
	  .replies = 1 },
	{ "Precedence: bulk", .headers = { "Precedence: bulk" } },
	{ "Precedence: junk", .headers = { "Precedence: Junk" } },
	{ "Precedence: list", .headers = { "Precedence: list" } },
	{ "Precedence: first-class", .headers = { "Precedence: first-class" },
	  .replies = 1 },
	{ "List-Id", .headers = { "List-Id: <x.lists.example.com>" } },
	{ "List-Unsubscribe",
	  .headers = { "List-Unsubscribe: <mailto:x@example.com>" } },
	{ "loop header", .headers = { "X-Loopguard-Loop: mx.example.com" } },
	{ "MAILER-DAEMON", .from = "<MAILER-DAEMON@example.com>" },
	{ "postmaster", .from = "<postmaster@example.com>" },
	{ "owner-", .from = "<owner-list@example.com>" },
	{ "-request", .from = "<list-request@example.com>" },
	{ "noreply", .from = "<noreply@example.com>" },
	{ "no-reply", .from = "<shop-no-reply@example.com>" },
	{ "trust auth only: network does not count",
	  .settings = "trust = [ \"auth\" ];" },
	{ "trust networks only: auth does not count",
	  .settings = "trust = [ \"networks\" ];", .client = EXT,
	  .auth = "alice" },
	{ "trust dkim only: no signature", .settings = "trust = [ \"dkim\" ];",
	  .auth = "alice" },
};

START_TEST(rules)
{
	static const char *const nosuch[] = { "<nosuch@example.com>", NULL };
	static const char *const subject[] = { "Subject: hi", NULL };
	const struct rule_case *c = &rule_cases[_i];
	struct mails *m;

	start(c->settings);
	fh_macro(h, "{rcpt_mailer}", c->rcpt_mailer);
	send(c->client ? c->client : "10.1.2.3", c->auth,
	     c->from ? c->from : ALICE, c->rcpts[0] ? c->rcpts : nosuch,
	     c->headers[0] ? c->headers : subject);
	m = mails();
	ck_assert_msg(m->n == c->replies, "%s: %d replies, want %d; log:\n%s",
		      c->name, m->n, c->replies, fh_log());
}
END_TEST

START_TEST(once_per_pair_and_interval)
{
	const char *const one[] = { "<nosuch@example.com>", NULL };
	const char *const two[] = { "<nosuch@example.com>",
				    "<other@example.com>", NULL };
	struct mails *m;
	int i;

	start("interval = \"1h\";");
	for (i = 0; i < 3; i++)
		send("10.1.2.3", NULL, "<alice@example.com>", one, NULL);
	ck_assert_int_eq(mails()->n, 1);
	/* a new wrong address gets its own reply, listing only it */
	send("10.1.2.3", NULL, "<alice@example.com>", two, NULL);
	m = mails();
	ck_assert_int_eq(m->n, 2);
	ck_assert_int_eq(strstr(m->text, "other@example.com") != NULL, 1);
	/* another sender, same wrong address: its own pair */
	send("10.1.2.3", NULL, "<bob@example.com>", one, NULL);
	ck_assert_int_eq(mails()->n, 3);
	fh_clock_advance(3601);
	send("10.1.2.3", NULL, "<alice@example.com>", one, NULL);
	ck_assert_int_eq(mails()->n, 4);
}
END_TEST

START_TEST(max_per_day)
{
	char rcpt[64];
	const char *rcpts[] = { rcpt, NULL };
	int i;

	start("max_per_day = 2;");
	for (i = 0; i < 4; i++) {
		snprintf(rcpt, sizeof(rcpt), "<wrong%d@example.com>", i);
		send("10.1.2.3", NULL, "<alice@example.com>", rcpts, NULL);
	}
	ck_assert_int_eq(mails()->n, 2);
	fh_clock_advance(86401);
	snprintf(rcpt, sizeof(rcpt), "<wrong9@example.com>");
	send("10.1.2.3", NULL, "<alice@example.com>", rcpts, NULL);
	ck_assert_int_eq(mails()->n, 3);
}
END_TEST

/* header_line - the header line starting with "Name: " in text */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == 0))
			return 1;
	}
	return 0;
}

/* A reply to alice: the settings, the message, and what the reply has
 * (whole lines), contains and lacks, and the line logged. */
struct reply_case {
	const char *name;
	const char *settings;
	const char *rcpts[3];
	const char *headers[4];
	const char *has[9];
	const char *contains[4];
	const char *lacks[3];
	const char *log;
};

static const struct reply_case reply_cases[] = {
	{ "the reply's headers", NULL,
	  { "<nosuch@example.com>", "<bob@example.com>" },
	  { "Subject: Lunch?", "Message-ID: <orig.1@example.com>",
	    "References: <first@example.com>" },
	  { "From: postmaster@example.com", "To: alice@example.com",
	    "Subject: Address not found: Lunch?",
	    "Auto-Submitted: auto-replied",
	    "In-Reply-To: <orig.1@example.com>",
	    "References: <first@example.com> <orig.1@example.com>",
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000",
	    "Content-Type: text/plain; charset=UTF-8" },
	  { "\nMessage-ID: <1700000000.", ".autoreply@",
	    "\nX-Loopguard-Loop: ", "    nosuch@example.com\n" },
	  { "bob@example.com", "action=autoreply" },
	  "plugin=autoreply action=autoreply from=<alice@example.com> "
	  "to=<alice@example.com>" },
	{ "a template and another From", "from = \"robot@%d\"; "
	  "subject = \"[%{recipients}]\"; template = \"@TMP@/tmpl\";",
	  { "<alcie@example.com>", "<zzz@example.com>" },
	  { "Subject: Report", "Date: Mon, 1 Jan 2024 10:00:00 +0000" },
	  { "From: robot@example.com",
	    "Subject: [alcie@example.com, zzz@example.com]" },
	  { "\n\nTo alice@example.com: alcie@example.com, zzz@example.com "
	    "(\"Report\", Mon, 1 Jan 2024 10:00:00 +0000) 100%\n"
	    "Instead of alcie@example.com, did you mean alice@example.com or "
	    "alicia@example.com?\n\nend\n" }, { NULL }, NULL },
	{ "header injection", "subject = \"Re: %{subject}\";",
	  { "<nosuch@example.com>" },
	  { "Subject: hello\r\nBcc: victim@external.test\nX-Evil: 1",
	    "Message-ID: <a@b>\r\nBcc: victim2@external.test",
	    "Date: now\r\nTo: more@external.test" },
	  { "Subject: Re: hello Bcc: victim@external.test X-Evil: 1",
	    "In-Reply-To: <a@b>" },
	  { "\n\n" }, { "\nBcc:", "\nX-Evil:", "\nTo: more" }, NULL },
	/* encoded in the header, UTF-8 in the body */
	{ "a UTF-8 subject", NULL, { "<nosuch@example.com>" },
	  { "Subject: Grüße aus Köln" }, { NULL },
	  { "Subject: =?UTF-8?B?", "Subject: Grüße aus Köln\n" },
	  { NULL }, NULL },
};

START_TEST(reply)
{
	const struct reply_case *c = &reply_cases[_i];
	struct mails *m;
	int i;

	fh_tmpfile("tmpl", "To %{sender}: %{recipients} (\"%{subject}\", "
		   "%{date}) 100%%\n%{suggestions}end\n");
	start(c->settings);
	send("10.1.2.3", NULL, "<alice@example.com>", c->rcpts, c->headers);
	m = mails();
	ck_assert_int_eq(m->n, 1);
	ck_assert_str_eq(m->to, "alice@example.com ");
	for (i = 0; i < 9 && c->has[i]; i++)
		ck_assert_msg(has_line(m->text, c->has[i]), "%s: no line "
			      "\"%s\" in\n%s", c->name, c->has[i], m->text);
	for (i = 0; i < 4 && c->contains[i]; i++)
		ck_assert_msg(strstr(m->text, c->contains[i]), "%s: no \"%s\" "
			      "in\n%s", c->name, c->contains[i], m->text);
	for (i = 0; i < 3 && c->lacks[i]; i++)
		ck_assert_msg(!strstr(m->text, c->lacks[i]), "%s: \"%s\" in\n"
			      "%s", c->name, c->lacks[i], m->text);
	ck_assert_msg(!c->log || strstr(fh_log(), c->log), "%s: log\n%s",
		      c->name, fh_log());
}
END_TEST

struct bad_setting {
	const char *settings;
	const char *error;
};

static const struct bad_setting bad_settings[] = {
	{ "trust = [ \"vibes\" ];", "trust: \"vibes\" is not" },
	{ "from = \"not an address\";", "\"not an address\" is not an address" },
	{ "subject = \"%{colour}\";", "unknown variable %{colour}" },
	{ "template = \"/nonexistent/t.txt\";", "cannot read \"/nonexistent/t.txt\"" },
	{ "template = \"@TMP@/badtmpl\";", "unknown variable %{nope}" },
	{ "interval = \"soon\";", "interval" },
	{ "max_per_day = 0;", "max_per_day" },
	{ "colour = \"red\";", "colour" },
};

START_TEST(bad_config)
{
	char text[2048];
	const char *err;

	fh_tmpfile("rcpts", "alice@example.com\n");
	fh_tmpfile("badtmpl", "hello %{nope}\n");
	snprintf(text, sizeof(text),
		 "local_domains = [ \"example.com\" ];\nrecipients = [ \"@TMP@/rcpts\" ];\n"
		 "plugins = ( { name = \"autoreply\"; %s } );\n",
		 bad_settings[_i].settings);
	err = fh_load_error("bad", text);
	ck_assert_msg(strstr(err, bad_settings[_i].error) != NULL &&
		      strstr(err, "plugin autoreply") != NULL,
		      "got \"%s\", want \"%s\"", err, bad_settings[_i].error);
}
END_TEST

START_TEST(long_subject)
{
	const char *const rcpts[] = { "<nosuch@example.com>", NULL };
	char subject[600];
	const char *hdrs[] = { subject, NULL };
	struct mails *m;
	const char *p, *line;
	int in_headers = 1;

	snprintf(subject, sizeof(subject), "Subject: ");
	while (strlen(subject) < 400)
		strcat(subject, "word ");
	start(NULL);
	send("10.1.2.3", NULL, "<alice@example.com>", rcpts, hdrs);
	m = mails();
	for (line = m->text; in_headers && *line; line = p + 1) {
		p = strchr(line, '\n');
		ck_assert_ptr_nonnull(p);
		if (p == line)
			in_headers = 0;
		ck_assert_msg(p - line <= 78, "long line: %.*s", (int) (p - line), line);
	}
}
END_TEST

START_TEST(no_mailer_no_crash)
{
	const char *const rcpts[] = { "<nosuch@example.com>", NULL };

	start(NULL);
	lg_mailer_set_outbox(NULL);
	ck_assert_int_eq(send("10.1.2.3", NULL, "<alice@example.com>", rcpts,
			      NULL), LG_CONTINUE);
	ck_assert(strstr(fh_log(), "no mailer group") != NULL);
}
END_TEST

/* --- the pure text functions --- */

struct dist_case {
	const char *a, *b;
	int want;
};

static const struct dist_case dist_cases[] = {
	{ "alice", "alice", 0 }, { "alice", "alcie", 1 }, { "alice", "Alice", 0 },
	{ "alice", "alic", 1 }, { "alice", "alicia", 2 }, { "bob", "alice", 3 },
	{ "alice", "xxxxxxxxxx", 3 }, { "", "ab", 2 }, { "ab", "ba", 1 },
	{ "jon.smith", "john.smith", 1 },
};

START_TEST(distance)
{
	const struct dist_case *c = &dist_cases[_i];

	ck_assert_int_eq(ar_distance(c->a, c->b, 2), c->want > 2 ? 3 : c->want);
}
END_TEST

START_TEST(suggest_order)
{
	struct ar_suggest s;
	const char *names[] = { "bob", "alice", "alicia", "alcie2", "alcie", "x" };
	size_t i;

	memset(&s, 0, sizeof(s));
	s.wrong = "alcie";
	s.limit = 2;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ar_suggest_consider(&s, names[i]);
	ck_assert_int_eq(s.n, 3);
	/* by distance, then name; the exact "alcie" is no suggestion */
	ck_assert_str_eq(s.best[0], "alcie2");
	ck_assert_int_eq(s.dist[0], 1);
	ck_assert_str_eq(s.best[1], "alice");
	ck_assert_int_eq(s.dist[1], 1);
	ck_assert_str_eq(s.best[2], "alicia");
	ck_assert_int_eq(s.dist[2], 2);
}
END_TEST

struct line_case {
	const char *in, *want;
};

static const struct line_case line_cases[] = {
	{ "plain", "plain" },
	{ "a\r\nb", "a b" },
	{ "  lead and trail \t", "lead and trail" },
	{ "x\r\n\tfolded", "x folded" },
	{ "bad\xff" "byte", "bad?byte" },
	{ "nul\x01" "ctl", "nul ctl" },
	{ "Grüße", "Grüße" },
};

START_TEST(one_line)
{
	char out[64];

	ar_one_line(line_cases[_i].in, out, sizeof(out));
	ck_assert_str_eq(out, line_cases[_i].want);
}
END_TEST

struct hdr_case {
	const char *name, *value;
	int encode;
	const char *want;
};

static const struct hdr_case hdr_cases[] = {
	{ "Subject", "short", 1, "Subject: short\n" },
	{ "Subject", "a\r\nBcc: x@y", 1, "Subject: a Bcc: x@y\n" },
	{ "Subject", "é", 1, "Subject: =?UTF-8?B?w6k=?=\n" },
	{ "X-Long", "aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg", 0,
	  "X-Long: aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff\n gggggggggg\n" },
};

START_TEST(header_fold)
{
	struct ar_buf b = { 0 };

	ar_header(&b, hdr_cases[_i].name, hdr_cases[_i].value,
		  hdr_cases[_i].encode);
	ck_assert_str_eq(b.text, hdr_cases[_i].want);
	ar_buf_free(&b);
}
END_TEST

START_TEST(body_clean)
{
	struct ar_buf b = { 0 };
	char longline[2100];

	ar_body(&b, "a\r\nb\xfe");
	ck_assert_str_eq(b.text, "a\nb?\n");
	ar_buf_free(&b);
	memset(longline, 'x', 2000);
	longline[2000] = 0;
	ar_body(&b, longline);
	ck_assert_int_eq(strchr(b.text, '\n') - b.text, 998);
	ar_buf_free(&b);
}
END_TEST

START_TEST(expand_once)
{
	struct ar_buf b = { 0 };
	struct ar_vars v = { "a@example.com", "x@example.com", "%{sender} 100%%",
			     "today", "" };
	char bad[64];

	/* values are put in as they are, never expanded again */
	ar_expand(&b, "[%{subject}] %% %{date}%{suggestions} %x %{", &v);
	ck_assert_str_eq(b.text, "[%{sender} 100%%] % today %x %{");
	ar_buf_free(&b);
	ck_assert_int_eq(ar_template_check("ok %{sender} %%{x} 5%", bad, sizeof(bad)), 0);
	ck_assert_int_eq(ar_template_check("%{sender", bad, sizeof(bad)), -1);
	ck_assert_str_eq(bad, "%{sender");
}
END_TEST

/* Local parts that never get a reply (1) and some that do (0). */
static const struct {
	const char *local;
	int noreply;
} noreply_cases[] = {
	{ "alice", 0 }, { "Mailer-Daemon", 1 }, { "list-REQUEST", 1 },
	{ "owner-x", 1 }, { "do-not-reply", 1 }, { "requests", 0 },
};

START_TEST(noreply_senders)
{
	ck_assert_int_eq(ar_noreply_sender(noreply_cases[_i].local),
			 noreply_cases[_i].noreply);
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

static Suite *suite(void)
{
	Suite *s = suite_create("autoreply");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, rules, 0, ROWS(rule_cases));
	tcase_add_test(tc, once_per_pair_and_interval);
	tcase_add_test(tc, max_per_day);
	suite_add_tcase(s, tc);
	tc = tcase_create("reply");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, reply, 0, ROWS(reply_cases));
	tcase_add_loop_test(tc, bad_config, 0, ROWS(bad_settings));
	tcase_add_test(tc, long_subject);
	tcase_add_test(tc, no_mailer_no_crash);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_loop_test(tc, distance, 0, ROWS(dist_cases));
	tcase_add_test(tc, suggest_order);
	tcase_add_loop_test(tc, one_line, 0, ROWS(line_cases));
	tcase_add_loop_test(tc, header_fold, 0, ROWS(hdr_cases));
	tcase_add_test(tc, body_clean);
	tcase_add_loop_test(tc, noreply_senders, 0, ROWS(noreply_cases));
	tcase_add_test(tc, expand_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
