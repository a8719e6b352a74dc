/*
 * NAME
 *	check_parse - unit tests for milter/util/parse.c: durations and
 *	envelope addresses
 * SYNOPSIS
 *	t/util/check_parse
 * DESCRIPTION
 *	One table of cases per parser, run with tcase_add_loop_test, plus
 *	buffer-size edges and a run of random bytes through the address
 *	parser that must never crash and must keep the output invariants.
 *	IP addresses, networks and socket specifications are in
 *	check_parse_net.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/*
 * Durations.
 */
struct duration_case {
	const char *text;
	int rc;
	long long value;			/* seconds, or milliseconds */
};

static const struct duration_case durations[] = {
	{ "0", 0, 0 }, { "30", 0, 30 }, { "30s", 0, 30 }, { "10m", 0, 600 },
	{ "1h", 0, 3600 }, { "7d", 0, 604800 }, { "2w", 0, 1209600 },
	{ "0w", 0, 0 }, { "0030s", 0, 30 },
	{ "9223372036854775807", 0, 9223372036854775807LL },
	{ "9223372036854775807s", 0, 9223372036854775807LL },
	{ "9223372036854775808", -1, 0 },	/* overflow */
	{ "15250284452471w", 0, 9223372036854460800LL },
	{ "15250284452472w", -1, 0 },		/* overflow on scaling */
	{ "153722867280912931m", -1, 0 },
	{ NULL, -1, 0 }, { "", -1, 0 }, { "s", -1, 0 }, { "-5", -1, 0 },
	{ "+5", -1, 0 }, { " 5", -1, 0 }, { "5 ", -1, 0 }, { "5 s", -1, 0 },
	{ "1.5h", -1, 0 }, { "1H", -1, 0 }, { "1hour", -1, 0 },
	{ "1h30m", -1, 0 }, { "200ms", -1, 0 }, { "10y", -1, 0 },
	{ "0x10", -1, 0 }, { "5\n", -1, 0 }, { "\xc3\xa9", -1, 0 },
};

/* check_duration - one row: the result, or the output left alone */
static void check_duration(int (*parse)(const char *, long long *),
			   const struct duration_case *c)
{
	long long v = -42;
	int rc = parse(c->text, &v);

	ck_assert_msg(rc == c->rc, "\"%s\": rc %d, want %d",
		      c->text ? c->text : "(null)", rc, c->rc);
	ck_assert_msg(v == (rc == 0 ? c->value : -42), "\"%s\": %lld",
		      c->text ? c->text : "(null)", v);
}

START_TEST(test_duration)
{
	check_duration(lg_parse_duration, &durations[_i]);
}
END_TEST

static const struct duration_case durations_ms[] = {
	{ "200ms", 0, 200 }, { "0ms", 0, 0 }, { "2", 0, 2000 },
	{ "2s", 0, 2000 }, { "1m", 0, 60000 }, { "1h", 0, 3600000 },
	{ "1d", 0, 86400000 }, { "1w", 0, 604800000 },
	{ "9223372036854775807ms", 0, 9223372036854775807LL },
	{ "9223372036854775s", 0, 9223372036854775000LL },
	{ "9223372036854776s", -1, 0 },		/* overflow on scaling */
	{ NULL, -1, 0 }, { "", -1, 0 }, { "ms", -1, 0 }, { "-1ms", -1, 0 },
	{ "1.5s", -1, 0 }, { "5 ms", -1, 0 }, { "5MS", -1, 0 },
	{ "5msx", -1, 0 }, { "5us", -1, 0 }, { "5mss", -1, 0 },
};

START_TEST(test_duration_ms)
{
	check_duration(lg_parse_duration_ms, &durations_ms[_i]);
}
END_TEST

START_TEST(test_duration_null_result)
{
	ck_assert_int_eq(lg_parse_duration("10m", NULL), -1);
	ck_assert_int_eq(lg_parse_duration_ms("10ms", NULL), -1);
}
END_TEST

/*
 * Envelope addresses.
 */
struct addr_case {
	const char *raw;
	int fold;
	enum lg_addr_status st;
	const char *buf;			/* also the local part if LOCAL_ONLY */
	const char *local;
	const char *domain;
};

static const struct addr_case addresses[] = {
	{ "<user@example.com>", 0, LG_ADDR_OK, "user@example.com", "user", "example.com" },
	{ "user@example.com", 0, LG_ADDR_OK, "user@example.com", "user", "example.com" },
	{ "<User@Example.COM>", 0, LG_ADDR_OK, "User@example.com", "User", "example.com" },
	{ "<User@Example.COM>", 1, LG_ADDR_OK, "user@example.com", "user", "example.com" },
	{ "<user@example.com.>", 0, LG_ADDR_OK, "user@example.com", "user", "example.com" },
	{ "<user+tag@example.com>", 0, LG_ADDR_OK, "user+tag@example.com", "user+tag", "example.com" },
	{ "<a.b-c_d'e!#$%&*/=?^`{|}~@x.example>", 0, LG_ADDR_OK, "a.b-c_d'e!#$%&*/=?^`{|}~@x.example", "a.b-c_d'e!#$%&*/=?^`{|}~", "x.example" },
	{ "<a..b.@example.com>", 0, LG_ADDR_OK, "a..b.@example.com", "a..b.", "example.com" },
	{ "<@relay.example,@B.example:user@example.com>", 0, LG_ADDR_OK, "user@example.com", "user", "example.com" },
	{ "<@relay.example:User@EXAMPLE.com>", 1, LG_ADDR_OK, "user@example.com", "user", "example.com" },
	{ "<\"john doe\"@example.com>", 0, LG_ADDR_OK, "john doe@example.com", "john doe", "example.com" },
	{ "<\"John\\\"Q\\\\\"@example.com>", 0, LG_ADDR_OK, "John\"Q\\@example.com", "John\"Q\\", "example.com" },
	{ "<\"John\"@example.com>", 1, LG_ADDR_OK, "john@example.com", "john", "example.com" },
	{ "<user@[192.0.2.1]>", 0, LG_ADDR_OK, "user@[192.0.2.1]", "user", "[192.0.2.1]" },
	{ "<user@[IPv6:2001:DB8::1]>", 0, LG_ADDR_OK, "user@[ipv6:2001:db8::1]", "user", "[ipv6:2001:db8::1]" },
	{ "<us\xc3\xa9r@\xc3\xa9xample.COM>", 0, LG_ADDR_OK, "us\xc3\xa9r@\xc3\xa9xample.com", "us\xc3\xa9r", "\xc3\xa9xample.com" },
	{ "<\xc3\x89@x.example>", 1, LG_ADDR_OK, "\xc3\x89@x.example", "\xc3\x89", "x.example" },
	{ "<user@sub_domain.example>", 0, LG_ADDR_OK, "user@sub_domain.example", "user", "sub_domain.example" },
	{ "<user@localhost>", 0, LG_ADDR_OK, "user@localhost", "user", "localhost" },
	{ "<>", 0, LG_ADDR_NULL, "", "", "" },
	{ "", 0, LG_ADDR_NULL, "", "", "" },
	{ "postmaster", 0, LG_ADDR_LOCAL_ONLY, "postmaster", "postmaster", "" },
	{ "<PostMaster>", 1, LG_ADDR_LOCAL_ONLY, "postmaster", "postmaster", "" },
	{ "<PostMaster>", 0, LG_ADDR_LOCAL_ONLY, "PostMaster", "PostMaster", "" },
	{ "<\"post master\">", 0, LG_ADDR_LOCAL_ONLY, "post master", "post master", "" },
	{ "<@relay.example:postmaster>", 0, LG_ADDR_LOCAL_ONLY, "postmaster", "postmaster", "" },
};

/* Refused: LG_ADDR_BAD, and "" in the buffer, local part and domain. */
static const char *const bad_addresses[] = {
	NULL, "<", ">", "<user@example.com", "user@example.com>",
	"<<user@example.com>>", "< >", " <user@example.com>",
	"<user@example.com> ", "<us er@example.com>", "<user@exa mple.com>",
	"<user@example.com\r\n>", "<user@example.com>\r\nRCPT TO:<x@y>",
	"<us\ter@example.com>", "<user\x7f@example.com>",
	"<\"a\x01\"@example.com>",
	"<us\xe9r@example.com>",		/* Latin-1 */
	"<user@\xff.example>",
	"<\xc0\xaf@example.com>",		/* overlong */
	"<\xed\xa0\x80@example.com>",	/* surrogate */
	"<user\xc3@example.com>",		/* cut short */
	"<@example.com>", "@example.com", "<user@>", "<user@.>",
	"<user@example.com..>", "<user@.example.com>", "<user@example..com>",
	"<user@exa@mple.com>", "<user@example.com:25>", "<user@[192.0.2.256]>",
	"<user@[2001:db8::1]>",			/* no tag */
	"<user@[IPv6:192.0.2.1]>", "<user@[192.0.2.1>", "<user@[]>",
	"<user(comment)@example.com>", "<a,b@example.com>",
	"<a\\b@example.com>", "<\"\"@example.com>",
	"<\"unterminated@example.com>", "<\"a\\>", "<\"a@b\"@example.com>",
	"<\"a\"b@example.com>", "<@relay.example>", "<@relay.example:>",
	"<@:user@example.com>", "<@a.example,b.example:user@example.com>",
	"<@a..example:user@example.com>", "<user@a.example,@b.example:x>",
};

/* The rows of addresses[], then those of bad_addresses[]. */
START_TEST(test_address)
{
	struct addr_case c = { NULL, 0, LG_ADDR_BAD, "", "", "" };
	const char *local = NULL, *domain = NULL;
	char buf[256];
	enum lg_addr_status st;

	if (_i < N(addresses))
		c = addresses[_i];
	else
		c.raw = bad_addresses[_i - N(addresses)];
	memset(buf, 'Z', sizeof(buf));
	st = lg_parse_address(c.raw, c.fold, buf, sizeof(buf), &local, &domain);
	ck_assert_msg(st == c.st, "\"%s\": status %d, want %d",
		      c.raw ? c.raw : "(null)", st, c.st);
	ck_assert_str_eq(buf, c.buf);
	ck_assert_ptr_nonnull(local);
	ck_assert_ptr_nonnull(domain);
	ck_assert_str_eq(local, c.local);
	ck_assert_str_eq(domain, c.domain);
	/* both views point into buf */
	ck_assert(local >= buf && local < buf + sizeof(buf));
	ck_assert(domain >= buf && domain < buf + sizeof(buf));
	if (st == LG_ADDR_OK || st == LG_ADDR_LOCAL_ONLY)
		ck_assert_msg(local > buf + strlen(buf),
			      "local part is not in the second copy");
}
END_TEST

/* Exactly 2 * (strlen + 1) bytes are needed, no more. */
static const struct {
	const char *raw;
	size_t bufsize;
	enum lg_addr_status st;
} address_sizes[] = {
	{ "<a@b.c>", 12, LG_ADDR_OK },		/* "a@b.c" = 5 */
	{ "<a@b.c>", 11, LG_ADDR_BAD },
	{ "<a@b.c.>", 12, LG_ADDR_OK },		/* the dot goes first */
	{ "<\"ab\">", 6, LG_ADDR_LOCAL_ONLY },
	{ "<\"ab\">", 5, LG_ADDR_BAD },
	{ "<\"ab\">", 1, LG_ADDR_BAD },
	{ "<>", 1, LG_ADDR_NULL },
	{ "", 1, LG_ADDR_NULL },
	{ "<a@b.c>", 1, LG_ADDR_BAD },
	{ "<a@b.c>", 0, LG_ADDR_BAD },
};

START_TEST(test_address_size)
{
	const char *local = NULL, *domain = NULL;
	char buf[64];
	size_t size = address_sizes[_i].bufsize;
	enum lg_addr_status st;

	memset(buf, 'Z', sizeof(buf));
	st = lg_parse_address(address_sizes[_i].raw, 0, buf, size, &local,
			      &domain);
	ck_assert_msg(st == address_sizes[_i].st, "\"%s\" in %zu: %d",
		      address_sizes[_i].raw, size, st);
	ck_assert_msg(buf[size] == 'Z', "wrote past the buffer");
	ck_assert_ptr_nonnull(local);
	ck_assert_ptr_nonnull(domain);
	if (size > 0 && st != LG_ADDR_OK && st != LG_ADDR_LOCAL_ONLY)
		ck_assert_int_eq(buf[0], 0);
	if (size == 0) {
		ck_assert_str_eq(local, "");
		ck_assert_str_eq(domain, "");
	}
}
END_TEST

START_TEST(test_address_long)
{
	const char *local, *domain;
	char buf[1024], *raw;
	size_t i, n = 5000;

	raw = malloc(n + 32);
	ck_assert_ptr_nonnull(raw);
	raw[0] = '<';
	for (i = 1; i < n; i++)
		raw[i] = 'a';
	strcpy(raw + n, "@example.com>");
	ck_assert_int_eq(lg_parse_address(raw, 0, buf, sizeof(buf), &local,
					  &domain), LG_ADDR_BAD);
	ck_assert_str_eq(buf, "");
	ck_assert_str_eq(local, "");
	/* a 300-byte domain is too long even in a big buffer */
	memset(raw, 'a', n);
	raw[0] = 'u';
	raw[1] = '@';
	raw[302] = 0;
	ck_assert_int_eq(lg_parse_address(raw, 0, buf, sizeof(buf), NULL,
					  NULL), LG_ADDR_BAD);
	raw[257] = 0;				/* 255 bytes of domain */
	ck_assert_int_eq(lg_parse_address(raw, 0, buf, sizeof(buf), NULL,
					  NULL), LG_ADDR_OK);
	ck_assert_uint_eq(strlen(buf), 257);
	free(raw);
	ck_assert_int_eq(lg_parse_address("<a@b>", 0, NULL, 10, &local,
					  &domain), LG_ADDR_BAD);
	ck_assert_str_eq(local, "");
}
END_TEST

/* Random bytes: no crash, and the output keeps its shape. */
START_TEST(test_address_random)
{
	static const char alphabet[] = "<>@\"\\:,.[]aZ09+ -\r\n\t\x01\x80\xc3\xa9\xff";
	char raw[40], buf[64], joined[64];
	const char *local, *domain;
	unsigned seed = 12345;
	int round, len, i, ok = 0;

	for (round = 0; round < 200000; round++) {
		seed = seed * 1103515245 + 12345;
		len = (int) (seed >> 16) % (int) sizeof(raw);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			raw[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		raw[len] = 0;
		switch (lg_parse_address(raw, round & 1, buf, sizeof(buf),
					 &local, &domain)) {
		case LG_ADDR_OK:
			ok++;
			ck_assert(strlen(local) > 0 && strlen(domain) > 0);
			snprintf(joined, sizeof(joined), "%s@%s", local, domain);
			ck_assert_str_eq(joined, buf);
			for (i = 0; buf[i]; i++)
				ck_assert((unsigned char) buf[i] >= 0x20 &&
					  buf[i] != 0x7f);
			for (i = 0; domain[i]; i++)
				ck_assert(domain[i] < 'A' || domain[i] > 'Z');
			break;
		case LG_ADDR_LOCAL_ONLY:
			ck_assert_str_eq(local, buf);
			ck_assert_str_eq(domain, "");
			ck_assert(strlen(buf) > 0 && !strchr(buf, '@'));
			break;
		case LG_ADDR_NULL:
		case LG_ADDR_BAD:
			ck_assert_str_eq(buf, "");
			break;
		default:
			ck_abort_msg("bad status");
		}
	}
	ck_assert_int_gt(ok, 0);
}
END_TEST

/* parse_suite - durations and addresses */
static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc;

	tc = tcase_create("duration");
	tcase_add_loop_test(tc, test_duration, 0, N(durations));
	tcase_add_loop_test(tc, test_duration_ms, 0, N(durations_ms));
	tcase_add_test(tc, test_duration_null_result);
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	tcase_add_loop_test(tc, test_address, 0,
			    N(addresses) + N(bad_addresses));
	tcase_add_loop_test(tc, test_address_size, 0, N(address_sizes));
	tcase_add_test(tc, test_address_long);
	tcase_add_test(tc, test_address_random);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
