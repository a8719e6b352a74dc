/*
 * NAME
 *	check_harvest_wide - the harvest plugin counts an IPv6 client in
 *	its /64 and in the wider /48 too
 * DESCRIPTION
 *	One allocation holds 65,536 /64 networks. Each row sends unknown
 *	recipients from the /64s of one /48, a few from each, and checks
 *	where the wide count blocks the whole /48 (by default at
 *	threshold6_wide = 4 x threshold distinct recipients), that the
 *	/64 still blocks on its own, that a recipient counts once per
 *	network, and that prefix6_wide = 0 turns the wide count off.
 *	Against the fake host; the per-network cases are in check_harvest.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fakehost.h"
#include "host.h"
#include "store.h"

#include "harvest_base.h"

#define T0 1700000000
#define WIDE "2001:db8:77::/48"

static struct fh *h;

/* One row: the settings; then SPREAD /64s of 2001:db8:77::/48 each
 * send PER unknown recipients (distinct unless SAME), and the first
 * refusal must come at recipient number FIRST (0: none), naming NET;
 * if WIDE_BLOCKS, a new /64 of the /48 is refused then too. */
static const struct wide_case {
	const char *name;
	const char *settings;
	int spread, per, same;
	int first;
	const char *net;
	long long wide_count;	/* the /48 entry's count after (-1: none) */
	int wide_blocks;
} wide_cases[] = {
	{ "the 81st distinct unknown of a /48 is refused", "", 30, 3, 0, 81,
	  "network " WIDE " blocked for 1h: 81 distinct", 81, 1 },
	{ "threshold6_wide of its own", "threshold6_wide = 10;", 10, 2, 0, 11,
	  "network " WIDE " blocked", 11, 1 },
	{ "4 x threshold by default", "threshold = 5;", 25, 1, 0, 21,
	  "network " WIDE " blocked", 21, 1 },
	{ "the /64 still blocks alone", "threshold6_wide = 1000;", 1, 25, 0, 21,
	  "network 2001:db8:77::/64 blocked", 21, 0 },
	{ "the same recipient counts once in the /48",
	  "threshold6_wide = 3;", 40, 1, 1, 0, NULL, 1, 0 },
	{ "prefix6_wide = 0 counts the /64s only", "prefix6_wide = 0;", 40, 5,
	  0, 0, NULL, -1, 0 },
	/* the /48 is the one network then */
	{ "a /48 prefix6 has nothing wider", "prefix6 = 48;"
	  " threshold = 1000;", 40, 5, 0, 0, NULL, 200, 0 },
	{ "prefix6_wide = 56", "prefix6_wide = 56; threshold6_wide = 4;", 8,
	  1, 0, 5, "network 2001:db8:77::/56 blocked", -1, 0 },
};

/* teardown - the host and the clock put back */
static void teardown(void)
{
	fh_free(&h);
	fh_clock_set(0);
}

/* wide_count - the /48 entry's count, -1 if there is none */
static long long wide_count(void)
{
	struct lg_store *st = lg_host_store();
	struct lg_store_value val;

	return st->ops->get(st->be, "harvest:net:" WIDE, lg_now(), &val) == 1 ?
		val.count : -1;
}

START_TEST(wide_network)
{
	const struct wide_case *c = &wide_cases[_i];
	char text[2048], client[64], rcpt[64];
	enum lg_verdict v;
	int net, k, n = 0, first = 0;

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text), "%splugins = ( { name = \"harvest\"; %s } );\n",
		 BASE, c->settings);
	fh_clock_set(T0);
	h = fh_new(text);
	for (net = 0; net < c->spread; net++) {
		snprintf(client, sizeof(client), "2001:db8:77:%x::9", net);
		fh_connect(h, client);
		fh_macro(h, "i", "QID");
		ck_assert_int_eq(fh_mail(h, "<probe@external.test>"),
				 LG_CONTINUE);
		for (k = 0; k < c->per; k++) {
			snprintf(rcpt, sizeof(rcpt), "<u%d@example.com>",
				 c->same ? 0 : ++n);
			v = fh_rcpt(h, rcpt);
			if (c->same)
				n++;
			if (v != LG_CONTINUE && !first)
				first = n;
		}
	}
	ck_assert_msg(first == c->first, "%s: first refusal at %d, want %d",
		      c->name, first, c->first);
	if (c->net)
		ck_assert_msg(fh_occurrences(fh_log(), c->net) == 1,
			      "%s: log:\n%s", c->name, fh_log());
	ck_assert_msg(wide_count() == c->wide_count, "%s: /48 count %lld",
		      c->name, wide_count());
	/* a wide block holds for every /64 of it, known address or not */
	fh_connect(h, "2001:db8:77:ffff::1");
	fh_macro(h, "i", "QID");
	fh_mail(h, "<probe@external.test>");
	ck_assert_int_eq(fh_rcpt(h, "<alice@example.com>") == LG_TEMPFAIL,
			 c->wide_blocks);
	/* another /48 is another network */
	fh_connect(h, "2001:db8:78::1");
	fh_macro(h, "i", "QID");
	fh_mail(h, "<probe@external.test>");
	ck_assert_int_eq(fh_rcpt(h, "<nobody@example.com>"), LG_CONTINUE);
}
END_TEST

/* count_net - scan callback: count the network counters */
static int count_net(void *arg, const struct lg_store_record *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

/* An IPv4 client has no wider network: one counter. */
START_TEST(ipv4_one_counter)
{
	struct lg_store *st;
	struct lg_store_value val;
	char text[1024];
	int nets = 0;

	fh_tmpfile("rcpts", "alice@example.com\n");
	snprintf(text, sizeof(text), "%splugins = ( { name = \"harvest\"; } );\n",
		 BASE);
	fh_clock_set(T0);
	h = fh_new(text);
	fh_connect(h, "192.0.2.7");
	fh_macro(h, "i", "QID");
	fh_mail(h, "<probe@external.test>");
	ck_assert_int_eq(fh_rcpt(h, "<u1@example.com>"), LG_CONTINUE);
	st = lg_host_store();
	ck_assert_int_eq(st->ops->get(st->be, "harvest:net:192.0.2.7/32",
				      lg_now(), &val), 1);
	ck_assert_int_eq(st->ops->scan(st->be, "harvest:net:", lg_now(),
				       count_net, &nets), 0);
	ck_assert_int_eq(nets, 1);
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

/* harvest_wide_suite - the rows, and the IPv4 case */
static Suite *harvest_wide_suite(void)
{
	Suite *s = suite_create("harvest_wide");
	TCase *tc = tcase_create("wide");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, wide_network, 0, ROWS(wide_cases));
	tcase_add_test(tc, ipv4_one_counter);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(harvest_wide_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
