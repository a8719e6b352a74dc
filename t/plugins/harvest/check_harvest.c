/*
 * NAME
 *	check_harvest - the harvest plugin against the fake host
 * DESCRIPTION
 *	A client probing address after address is counted per network at
 *	RCPT, by distinct unknown recipients, and refused for a while past
 *	the threshold. The clock is the fake host's, moved instead of
 *	slept; the store is looked at (and an entry removed) through the
 *	core's store operations, as loopguardctl does.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fakehost.h"
#include "host.h"
#include "session.h"
#include "store.h"

#define BASE "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"trusted_networks = [ \"10.0.0.0/8\" ];\n"

#define T0 1700000000
#define SENDER "<probe@external.test>"
#define CLIENT "192.0.2.7"
#define TEMPFAIL_REPLY \
	"450 4.7.1 Too many unknown recipients from your network, try again later"
#define REJECT_REPLY "550 5.7.1 Too many unknown recipients from your network"

static struct fh *h;

/* host_with - harvest with SETTINGS, then catchall; clock at T0 */
static struct fh *host_with(const char *settings)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"harvest\"; %s },"
		 " { name = \"catchall\"; } );\n", BASE,
		 settings ? settings : "");
	fh_clock_set(T0);
	return fh_new(text);
}

static void teardown(void)
{
	fh_free(&h);
	fh_clock_set(0);
}

/* start - a new connection and message from client */
static void start(const char *client)
{
	fh_connect(h, client);
	fh_macro(h, "i", "QID");
	ck_assert_int_eq(fh_mail(h, SENDER), LG_CONTINUE);
}

/* probe - RCPT TO:<userN@example.com>, an unknown address */
static enum lg_verdict probe(int n)
{
	char rcpt[64];

	snprintf(rcpt, sizeof(rcpt), "<user%d@example.com>", n);
	return fh_rcpt(h, rcpt);
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

/* get - a live entry of the harvest plugin; 1 if there */
static int get(const char *key, struct lg_store_value *val)
{
	struct lg_store *st = lg_host_store();
	char full[256];

	ck_assert_ptr_nonnull(st);
	snprintf(full, sizeof(full), "harvest:%s", key);
	return st->ops->get(st->be, full, lg_now(), val);
}

/* Entries the status view lists, and those it hides. */
struct listing {
	int shown, hidden;
	char last_shown[128];
	char client[64], to[64], status[16];
};

static int list_one(void *arg, const struct lg_store_record *rec)
{
	struct listing *l = arg;

	if (!rec->status || !*rec->status) {
		l->hidden++;
		return 0;
	}
	l->shown++;
	snprintf(l->last_shown, sizeof(l->last_shown), "%s", rec->key);
	snprintf(l->client, sizeof(l->client), "%s", rec->client);
	snprintf(l->to, sizeof(l->to), "%s", rec->to);
	snprintf(l->status, sizeof(l->status), "%s", rec->status);
	return 0;
}

static void list(struct listing *l)
{
	struct lg_store *st = lg_host_store();

	memset(l, 0, sizeof(*l));
	ck_assert_int_eq(st->ops->scan(st->be, "harvest:", lg_now(), list_one,
				       l), 0);
}


START_TEST(postmaster_is_told_once_per_block)
{
	struct lg_outbox *ob;
	int i;

	h = host_with(NULL);
	ob = fh_outbox_open("outbox-harvest");
	start(CLIENT);
	for (i = 1; i <= 20; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	ck_assert_int_eq(fh_outbox_count_to(ob, "postmaster@example.com"), 0);
	ck_assert_int_eq(probe(21), LG_TEMPFAIL);
	ck_assert_int_eq(fh_outbox_count_to(ob, "postmaster@example.com"), 1);
	ck_assert_int_eq(probe(22), LG_TEMPFAIL);
	ck_assert_int_eq(fh_outbox_count_to(ob, "postmaster@example.com"), 1);
	fh_outbox_close(&ob);
}
END_TEST

START_TEST(twenty_first_distinct_unknown_is_refused)
{
	int i;

	h = host_with(NULL);
	start(CLIENT);
	for (i = 1; i <= 20; i++)
		ck_assert_msg(probe(i) == LG_CONTINUE, "rcpt %d refused", i);
	fh_log_reset();
	for (i = 21; i <= 25; i++) {
		ck_assert_msg(probe(i) == LG_TEMPFAIL, "rcpt %d passed", i);
		ck_assert_str_eq(fh_reply(h), TEMPFAIL_REPLY);
	}
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"QID: plugin=harvest action=tempfail from=<probe@external.test> to=<user21@example.com> client=192.0.2.7 reason=\"network 192.0.2.7/32 blocked for 1h: 21 distinct unknown recipients within 10m\""));
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"QID: plugin=harvest action=tempfail from=<probe@external.test> to=<user25@example.com> client=192.0.2.7 reason=\"network 192.0.2.7/32 is blocked: 21 distinct unknown recipients\""));
	ck_assert_int_eq(occurrences(fh_log(), "plugin=harvest action="), 5);
	/* even a valid recipient, on a new connection, during the block */
	start(CLIENT);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_TEMPFAIL);
	ck_assert_int_eq(fh_rcpt(h, "<someone@external.test>"), LG_TEMPFAIL);
}
END_TEST

START_TEST(same_unknown_counts_once)
{
	int i;

	h = host_with("threshold = 3;");
	start(CLIENT);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(fh_rcpt(h, "<same@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, "<SAME@Example.com>"), LG_CONTINUE);
	/* and on another connection */
	start(CLIENT);
	ck_assert_int_eq(fh_rcpt(h, "<same@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(probe(1), LG_CONTINUE);
	ck_assert_int_eq(probe(2), LG_CONTINUE);
	ck_assert_int_eq(probe(1), LG_CONTINUE);
	ck_assert_int_eq(probe(3), LG_TEMPFAIL);
}
END_TEST

START_TEST(valid_and_external_recipients_are_not_counted)
{
	int i;

	h = host_with("threshold = 2;");
	start(CLIENT);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
		ck_assert_int_eq(fh_rcpt(h, "<x@external.test>"), LG_CONTINUE);
	}
	ck_assert_int_eq(probe(1), LG_CONTINUE);
	ck_assert_int_eq(probe(2), LG_CONTINUE);
	ck_assert_int_eq(probe(3), LG_TEMPFAIL);
}
END_TEST

START_TEST(entries_in_the_store)
{
	struct lg_store_value val;
	struct listing l;
	int i;

	h = host_with("threshold = 3; window = \"5m\"; block = \"2h\";");
	start(CLIENT);
	for (i = 1; i <= 3; i++)
		probe(i);
	ck_assert_int_eq(get("net:192.0.2.7/32", &val), 1);
	ck_assert_int_eq(val.count, 3);
	ck_assert_str_eq(val.status, "counting");
	ck_assert_int_eq((long long) val.expires, T0 + 300);
	/* one entry shown; the per-recipient ones are hidden */
	list(&l);
	ck_assert_int_eq(l.shown, 1);
	ck_assert_int_eq(l.hidden, 3);
	ck_assert_str_eq(l.last_shown, "harvest:net:192.0.2.7/32");
	ck_assert_str_eq(l.client, "192.0.2.7/32");
	ck_assert_str_eq(l.to, "user3@example.com");
	fh_clock_advance(60);
	ck_assert_int_eq(probe(4), LG_TEMPFAIL);
	ck_assert_int_eq(get("net:192.0.2.7/32", &val), 1);
	ck_assert_int_eq(val.count, 4);
	ck_assert_str_eq(val.status, "blocked");
	/* Next Try is the end of the block */
	ck_assert_int_eq((long long) val.expires, T0 + 60 + 7200);
	/* refusals during the block do not move it */
	fh_clock_advance(600);
	ck_assert_int_eq(probe(5), LG_TEMPFAIL);
	ck_assert_int_eq(get("net:192.0.2.7/32", &val), 1);
	ck_assert_int_eq(val.count, 4);
	ck_assert_int_eq((long long) val.expires, T0 + 60 + 7200);
}
END_TEST

START_TEST(block_ends_after_block_time)
{
	int i;

	h = host_with("threshold = 2; block = \"30m\";");
	start(CLIENT);
	for (i = 1; i <= 2; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	ck_assert_int_eq(probe(3), LG_TEMPFAIL);
	fh_clock_advance(1800 - 1);
	start(CLIENT);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_TEMPFAIL);
	fh_clock_advance(1);
	start(CLIENT);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	/* and counting starts from nothing */
	ck_assert_int_eq(probe(1), LG_CONTINUE);
	ck_assert_int_eq(probe(2), LG_CONTINUE);
	ck_assert_int_eq(probe(3), LG_TEMPFAIL);
}
END_TEST

START_TEST(window_expiry_restarts_counting)
{
	int i;

	h = host_with("threshold = 3;");
	start(CLIENT);
	for (i = 1; i <= 3; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	/* window + 1 s after the first: the old ones are forgotten */
	fh_clock_advance(601);
	for (i = 4; i <= 6; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	ck_assert_int_eq(probe(1), LG_TEMPFAIL);
}
END_TEST

/* Another MX host's block (written straight into the store) counts
 * within a second: the block is read at most once a second per
 * connection, not once per recipient. */
START_TEST(block_is_read_at_most_once_a_second)
{
	struct lg_store *st;

	h = host_with("threshold = 2;");
	start(CLIENT);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	st = lg_host_store();
	ck_assert_int_eq(st->ops->set(st->be, "harvest:net:192.0.2.7/32", 9,
				      3600, T0, "harvest", NULL), 0);
	/* same second, even in a new transaction: the read is reused */
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	fh_abort(h);
	ck_assert_int_eq(fh_mail(h, SENDER), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	fh_clock_advance(1);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(fh_log(), "is blocked: 9 distinct"));
	/* a new connection reads it at once */
	fh_close(h);
	fh_clock_advance(-1);
	start(CLIENT);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_TEMPFAIL);
}
END_TEST

START_TEST(removing_the_entry_lets_the_client_in)
{
	struct lg_store *st;
	int i;

	h = host_with("threshold = 2;");
	start(CLIENT);
	for (i = 1; i <= 3; i++)
		probe(i);
	ck_assert_str_eq(fh_reply(h), TEMPFAIL_REPLY);
	/* what loopguardctl remove does */
	st = lg_host_store();
	ck_assert_int_eq(st->ops->del(st->be, "harvest:net:192.0.2.7/32"), 0);
	/* the block is read again once the last read is a second old */
	fh_clock_advance(1);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	/* user1..3 are still "seen": only new addresses count */
	ck_assert_int_eq(probe(1), LG_CONTINUE);
	ck_assert_int_eq(probe(4), LG_CONTINUE);
	ck_assert_int_eq(probe(5), LG_CONTINUE);
	ck_assert_int_eq(probe(6), LG_TEMPFAIL);
}
END_TEST

START_TEST(reject_action)
{
	int i;

	h = host_with("threshold = 2; action = \"reject\";");
	start(CLIENT);
	for (i = 1; i <= 2; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	fh_log_reset();
	ck_assert_int_eq(probe(3), LG_REJECT);
	ck_assert_str_eq(fh_reply(h), REJECT_REPLY);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_REJECT);
	ck_assert_str_eq(fh_reply(h), REJECT_REPLY);
	ck_assert_int_eq(occurrences(fh_log(), "plugin=harvest action=reject"),
			 2);
}
END_TEST

START_TEST(refused_recipients_are_not_redirected)
{
	int i;

	h = host_with("threshold = 2;");
	start(CLIENT);
	for (i = 1; i <= 3; i++)
		probe(i);
	fh_eoh(h);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	/* user1 and user2 go to the postmaster; user3 was refused */
	ck_assert_str_eq(fh_edits(h),
			 "addrcpt postmaster@example.com\n"
			 "addheader X-Loopguard-Original-To: user1@example.com\n"
			 "addheader X-Loopguard-Original-To: user2@example.com\n"
			 "delrcpt <user1@example.com>\n"
			 "delrcpt <user2@example.com>\n");
}
END_TEST

struct prefix_case {
	const char *settings;
	const char *first, *second;
	int shared;
	const char *key;	/* the first client's entry */
};

static const struct prefix_case prefix_cases[] = {
	{ NULL, "192.0.2.7", "192.0.2.8", 0, "net:192.0.2.7/32" },
	{ "prefix4 = 24;", "192.0.2.7", "192.0.2.200", 1, "net:192.0.2.0/24" },
	{ "prefix4 = 24;", "192.0.2.7", "192.0.3.7", 0, "net:192.0.2.0/24" },
	{ "prefix4 = 8;", "198.51.100.1", "198.1.2.3", 1, "net:198.0.0.0/8" },
	{ "prefix4 = 20;", "203.0.113.9", "203.0.127.1", 1, "net:203.0.112.0/20" },
	{ NULL, "2001:db8:1:2::7", "2001:db8:1:2:ffff::1", 1,
	  "net:2001:db8:1:2::/64" },
	{ NULL, "2001:db8:1:2::7", "2001:db8:1:3::7", 0,
	  "net:2001:db8:1:2::/64" },
	{ "prefix6 = 128;", "2001:db8::7", "2001:db8::8", 0,
	  "net:2001:db8::7/128" },
	{ "prefix6 = 48;", "2001:db8:1:2::7", "2001:db8:1:ff::7", 1,
	  "net:2001:db8:1::/48" },
	{ "prefix6 = 16;", "2001:db8::1", "2001:ffff::1", 1, "net:2001::/16" },
	{ "prefix6 = 56;", "2001:db8:0:1ff::1", "2001:db8:0:100::2", 1,
	  "net:2001:db8:0:100::/56" },
	/* an IPv4-mapped client is an IPv4 client */
	{ "prefix4 = 24;", "::ffff:192.0.2.7", "192.0.2.9", 1,
	  "net:192.0.2.0/24" },
};

START_TEST(prefix_aggregation)
{
	const struct prefix_case *c = &prefix_cases[_i];
	struct lg_store_value val;

	h = host_with(c->settings ? c->settings : "");
	start(c->first);
	ck_assert_int_eq(probe(1), LG_CONTINUE);
	ck_assert_msg(get(c->key, &val) == 1, "case %d: no entry %s", _i,
		      c->key);
	start(c->second);
	ck_assert_int_eq(probe(2), LG_CONTINUE);
	ck_assert_int_eq(get(c->key, &val), 1);
	ck_assert_msg(val.count == (c->shared ? 2 : 1),
		      "case %d: count %lld", _i, val.count);
}
END_TEST

START_TEST(prefix_shares_the_block)
{
	int i;

	h = host_with("prefix4 = 24; threshold = 4;");
	for (i = 1; i <= 4; i++) {
		char client[32];

		snprintf(client, sizeof(client), "192.0.2.%d", i);
		start(client);
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	}
	start("192.0.2.99");
	ck_assert_int_eq(probe(5), LG_TEMPFAIL);
	start("192.0.2.1");
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_TEMPFAIL);
	start("192.0.3.1");
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
}
END_TEST

START_TEST(authenticated_and_trusted_are_never_counted)
{
	struct lg_store_value val;
	struct listing l;
	int i;

	h = host_with("threshold = 2;");
	/* SMTP AUTH */
	fh_connect(h, CLIENT);
	fh_macro(h, "{auth_authen}", "alice");
	fh_mail(h, "<alice@example.com>");
	for (i = 1; i <= 10; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	/* AUTH with a null sender */
	fh_mail(h, "<>");
	for (i = 11; i <= 20; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	fh_macro(h, "{auth_authen}", NULL);
	/* trusted network */
	start("10.1.2.3");
	for (i = 1; i <= 10; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	list(&l);
	ck_assert_int_eq(l.shown + l.hidden, 0);
	/* the same network without AUTH is counted and then blocked */
	start(CLIENT);
	for (i = 1; i <= 2; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	ck_assert_int_eq(probe(3), LG_TEMPFAIL);
	/* a blocked network still lets its authenticated users in */
	fh_connect(h, CLIENT);
	fh_macro(h, "{auth_authen}", "alice");
	fh_mail(h, "<alice@example.com>");
	ck_assert_int_eq(probe(4), LG_CONTINUE);
	ck_assert_int_eq(get("net:192.0.2.7/32", &val), 1);
	ck_assert_int_eq(val.count, 3);
}
END_TEST

START_TEST(mta_rejected_recipients_count)
{
	struct lg_store_value val;

	h = host_with("threshold = 2;");
	start(CLIENT);
	fh_macro(h, "{rcpt_mailer}", "error");
	/* the MTA refused these already; the verdict cannot change that */
	ck_assert_int_eq(fh_rcpt(h, "<gone1@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, "<gone2@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, "<gone3@example.com>"), LG_CONTINUE);
	ck_assert_int_eq(get("net:192.0.2.7/32", &val), 1);
	ck_assert_int_eq(val.count, 3);
	ck_assert_str_eq(val.status, "blocked");
	fh_macro(h, "{rcpt_mailer}", NULL);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_TEMPFAIL);
}
END_TEST

START_TEST(unix_socket_client_is_not_counted)
{
	int i;

	h = host_with("threshold = 1;");
	start("");
	for (i = 1; i <= 5; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
}
END_TEST

START_TEST(report_mode)
{
	struct lg_store_value val;
	int i;

	h = host_with("threshold = 2; mode = \"report\";");
	start(CLIENT);
	for (i = 1; i <= 2; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	fh_log_reset();
	ck_assert_int_eq(probe(3), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>"), LG_CONTINUE);
	ck_assert_str_eq(fh_reply(h), "");
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"plugin=harvest action=report from=<probe@external.test> to=<user3@example.com> client=192.0.2.7 reason=\"would tempfail: network 192.0.2.7/32 blocked for 1h: 3 distinct unknown recipients within 10m\""));
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"to=<alice@example.com> client=192.0.2.7 reason=\"would tempfail: network 192.0.2.7/32 is blocked: 3 distinct unknown recipients\""));
	ck_assert_int_eq(get("net:192.0.2.7/32", &val), 1);
	ck_assert_str_eq(val.status, "would block");
	/* nothing refused: all of them are redirected */
	fh_eoh(h);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_int_eq(occurrences(fh_edits(h), "delrcpt"), 3);
}
END_TEST

START_TEST(store_down_lets_mail_pass)
{
	struct lg_store *st;
	int i;

	h = host_with("threshold = 1;");
	st = lg_host_store();
	lg_host_set_store(NULL);
	fh_log_reset();
	start(CLIENT);
	for (i = 1; i <= 5; i++)
		ck_assert_int_eq(probe(i), LG_CONTINUE);
	ck_assert_int_eq(occurrences(fh_log(),
		"QID: plugin=harvest store unavailable: unknown recipients are not counted, mail passes"),
		1);
	start(CLIENT);
	probe(6);
	ck_assert_int_eq(occurrences(fh_log(), "store unavailable"), 2);
	lg_host_set_store(st);
	ck_assert_int_eq(probe(7), LG_CONTINUE);
	ck_assert_int_eq(probe(8), LG_TEMPFAIL);
}
END_TEST

struct bad_case {
	const char *settings;
	const char *expected;	/* after "PATH:LINE: " */
};

static const struct bad_case bad_cases[] = {
	{ "threshold = 0;",
	  "plugin harvest: threshold must be between 1 and 1000000, not 0" },
	{ "window = \"ten minutes\";",
	  "plugin harvest: window: bad duration \"ten minutes\" (use e.g. 30s, 10m, 1h, 7d)" },
	{ "window = \"0m\";", "plugin harvest: window must be at least 1s" },
	{ "block = \"\";",
	  "plugin harvest: block: bad duration \"\" (use e.g. 30s, 10m, 1h, 7d)" },
	{ "block = 3600;",
	  "plugin harvest: block must be a duration string such as \"10m\"" },
	{ "prefix4 = 7;", "plugin harvest: prefix4 must be between 8 and 32, not 7" },
	{ "prefix4 = 33;", "plugin harvest: prefix4 must be between 8 and 32, not 33" },
	{ "prefix6 = 15;", "plugin harvest: prefix6 must be between 16 and 128, not 15" },
	{ "prefix6 = 129;", "plugin harvest: prefix6 must be between 16 and 128, not 129" },
	{ "prefix6 = \"64\";", "plugin harvest: prefix6 must be an integer" },
	{ "action = \"discard\";",
	  "plugin harvest: action must be one of \"tempfail\", \"reject\", not \"discard\"" },
	{ "mode = \"test\";",
	  "plugin harvest: mode must be one of \"enforce\", \"report\", not \"test\"" },
	{ "prefix = 24;", "plugin harvest: unknown setting \"prefix\"" },
};

START_TEST(store_down_with_tempfail_policy)
{
	struct lg_store *st;

	h = host_with(NULL);
	st = lg_host_store();
	lg_host_set_store(NULL);
	lg_session_set_store_tempfail(1);
	start(CLIENT);
	ck_assert_int_eq(probe(1), LG_TEMPFAIL);
	ck_assert_str_eq(fh_reply(h),
		"451 4.3.0 loopguard: state store unavailable, try again later");
	lg_session_set_store_tempfail(0);
	ck_assert_int_eq(probe(2), LG_CONTINUE);
	lg_host_set_store(st);
}
END_TEST

START_TEST(bad_settings)
{
	const struct bad_case *c = &bad_cases[_i];
	char text[1024], name[32], want[1024];

	fh_tmpfile("rcpts", "alice@example.com\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"harvest\"; %s } );\n", BASE,
		 c->settings);
	snprintf(name, sizeof(name), "harvest-bad%d", _i);
	/* plugin_dir comes first, then BASE's three lines: line 5 */
	snprintf(want, sizeof(want), "%s/%s.conf:5: %s", fh_tmpdir(), name,
		 c->expected);
	ck_assert_str_eq(fh_load_error(name, text), want);
}
END_TEST

START_TEST(good_settings_load)
{
	h = host_with("threshold = 1000000; window = \"1d\"; block = \"7d\";"
		      " prefix4 = 8; prefix6 = 128; action = \"reject\";"
		      " mode = \"enforce\";");
	start(CLIENT);
	ck_assert_int_eq(probe(1), LG_CONTINUE);
}
END_TEST

static Suite *harvest_suite(void)
{
	Suite *s = suite_create("harvest");
	TCase *tc = tcase_create("count");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, twenty_first_distinct_unknown_is_refused);
	tcase_add_test(tc, postmaster_is_told_once_per_block);
	tcase_add_test(tc, same_unknown_counts_once);
	tcase_add_test(tc, valid_and_external_recipients_are_not_counted);
	tcase_add_test(tc, entries_in_the_store);
	tcase_add_test(tc, block_ends_after_block_time);
	tcase_add_test(tc, window_expiry_restarts_counting);
	tcase_add_test(tc, removing_the_entry_lets_the_client_in);
	tcase_add_test(tc, block_is_read_at_most_once_a_second);
	tcase_add_test(tc, reject_action);
	tcase_add_test(tc, refused_recipients_are_not_redirected);
	tcase_add_loop_test(tc, prefix_aggregation, 0,
			    (int) (sizeof(prefix_cases) /
				   sizeof(prefix_cases[0])));
	tcase_add_test(tc, prefix_shares_the_block);
	tcase_add_test(tc, authenticated_and_trusted_are_never_counted);
	tcase_add_test(tc, mta_rejected_recipients_count);
	tcase_add_test(tc, unix_socket_client_is_not_counted);
	tcase_add_test(tc, report_mode);
	tcase_add_test(tc, store_down_lets_mail_pass);
	tcase_add_test(tc, store_down_with_tempfail_policy);
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
	SRunner *sr = srunner_create(harvest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
