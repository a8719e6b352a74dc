/*
 * NAME
 *	check_parse - unit tests for milter/util/parse.c
 * SYNOPSIS
 *	t/util/check_parse
 * DESCRIPTION
 *	One table of cases per parser, run with tcase_add_loop_test, plus
 *	buffer-size edges and a run of random bytes that must never crash
 *	and must keep the output invariants.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/* bytes - the 16-byte form of an address written as text */
static void bytes(int family, const char *text, unsigned char out[16])
{
	memset(out, 0, 16);
	ck_assert_msg(inet_pton(family == 4 ? AF_INET : AF_INET6, text,
				out) == 1, "test table: bad address %s", text);
}

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

/*
 * IP addresses.
 */
static const struct {
	const char *text;
	int family;
	const char *want;			/* NULL: the text itself */
} ips[] = {
	{ "192.0.2.1", 4, NULL }, { "0.0.0.0", 4, NULL },
	{ "255.255.255.255", 4, NULL }, { "[192.0.2.1]", 4, "192.0.2.1" },
	{ "2001:db8::1", 6, NULL }, { "2001:DB8::1", 6, "2001:db8::1" },
	{ "::", 6, NULL }, { "::1", 6, NULL },
	{ "IPv6:2001:db8::1", 6, "2001:db8::1" },
	{ "ipv6:2001:db8::1", 6, "2001:db8::1" },
	{ "[IPv6:2001:db8::1]", 6, "2001:db8::1" },
	{ "[2001:db8::1]", 6, "2001:db8::1" },
	{ "::ffff:192.0.2.1", 4, "192.0.2.1" },
	{ "::FFFF:c000:0201", 4, "192.0.2.1" },
	{ "IPv6:::ffff:192.0.2.1", 4, "192.0.2.1" },
	{ "::192.0.2.1", 6, NULL },		/* compatible, not mapped */
	{ "2001:db8:0:0:0:0:2:1", 6, "2001:db8::2:1" },
};

/* Refused, with the family left untouched. */
static const char *const bad_ips[] = {
	NULL, "", "[]", "[", "192.0.2", "192.0.2.256", "192.0.2.1.5",
	"192.0.02.1", " 192.0.2.1", "192.0.2.1 ", "192.0.2.1\n",
	"192.0.2.1/32", "IPv6:192.0.2.1", "IPv6:", "2001:db8::1::2",
	"fe80::1%eth0", "2001:db8::g", "[192.0.2.1", "localhost", "\xff\xfe",
	"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb",
};

/* The rows of ips[], then those of bad_ips[]. */
START_TEST(test_ip)
{
	int bad = _i >= N(ips);
	const char *text = bad ? bad_ips[_i - N(ips)] : ips[_i].text;
	unsigned char a[16], want[16];
	int family = -7, rc;

	memset(a, 0x5a, sizeof(a));
	rc = lg_parse_ip(text, &family, a);
	ck_assert_msg(rc == (bad ? -1 : 0), "\"%s\": rc %d",
		      text ? text : "(null)", rc);
	if (bad) {
		ck_assert_int_eq(family, -7);
		return;
	}
	ck_assert_int_eq(family, ips[_i].family);
	bytes(family, ips[_i].want ? ips[_i].want : text, want);
	ck_assert_mem_eq(a, want, 16);
}
END_TEST

START_TEST(test_ip_null_result)
{
	unsigned char a[16];
	int family;

	ck_assert_int_eq(lg_parse_ip("192.0.2.1", NULL, a), -1);
	ck_assert_int_eq(lg_parse_ip("192.0.2.1", &family, NULL), -1);
}
END_TEST

/*
 * Networks.
 */
static const struct {
	const char *text;
	int family;
	const char *addr;
	unsigned prefix;
} cidrs[] = {
	{ "192.0.2.0/24", 4, "192.0.2.0", 24 },
	{ "192.0.2.1", 4, "192.0.2.1", 32 },
	{ "192.0.2.1/32", 4, "192.0.2.1", 32 },
	{ "0.0.0.0/0", 4, "0.0.0.0", 0 }, { "10.0.0.0/8", 4, "10.0.0.0", 8 },
	{ "10.0.0.0/7", 4, "10.0.0.0", 7 },
	{ "192.0.2.128/25", 4, "192.0.2.128", 25 },
	{ "[192.0.2.0]/24", 4, "192.0.2.0", 24 },
	{ "2001:db8::/32", 6, "2001:db8::", 32 },
	{ "2001:db8::/31", 6, "2001:db8::", 31 },
	{ "2001:db8::1", 6, "2001:db8::1", 128 }, { "::/0", 6, "::", 0 },
	{ "2001:db8:8000::/33", 6, "2001:db8:8000::", 33 },
	{ "::ffff:192.0.2.0/120", 4, "192.0.2.0", 24 },
	{ "::ffff:192.0.2.1", 4, "192.0.2.1", 32 },
	{ "::ffff:0:0/96", 4, "0.0.0.0", 0 },
};

/* Refused, with the result left untouched. */
static const char *const bad_cidrs[] = {
	"192.0.2.1/24", "192.0.2.128/24", "11.0.0.0/7",	/* host bits */
	"2001:db8::1/64", "2001:db9::/31", "::ffff:192.0.2.1/120",
	"::ffff:0:0/95", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/",
	"192.0.2.0/024", "192.0.2.0/+24", "192.0.2.0/-1", "192.0.2.0/24 ",
	"192.0.2.0/24/8", "192.0.2.0/99999999999999999999",
	"192.0.2.0/4294967320",			/* 2^32 + 24 */
	"/24", "", NULL, "example.com/24",
};

/* The rows of cidrs[], then those of bad_cidrs[]. */
START_TEST(test_cidr)
{
	int bad = _i >= N(cidrs);
	const char *text = bad ? bad_cidrs[_i - N(cidrs)] : cidrs[_i].text;
	struct lg_cidr c, want;
	int rc;

	memset(&c, 0x5a, sizeof(c));
	rc = lg_parse_cidr(text, &c);
	ck_assert_msg(rc == (bad ? -1 : 0), "\"%s\": rc %d",
		      text ? text : "(null)", rc);
	if (bad) {
		ck_assert_int_eq(c.family, 0x5a5a5a5a);
		return;
	}
	ck_assert_int_eq(c.family, cidrs[_i].family);
	ck_assert_uint_eq(c.prefix, cidrs[_i].prefix);
	bytes(c.family, cidrs[_i].addr, want.addr);
	ck_assert_mem_eq(c.addr, want.addr, 16);
}
END_TEST

static const struct {
	const char *cidr;
	int family;				/* of the address */
	const char *addr;
	int match;
} matches[] = {
	{ "192.0.2.0/24", 4, "192.0.2.0", 1 },
	{ "192.0.2.0/24", 4, "192.0.2.255", 1 },
	{ "192.0.2.0/24", 4, "192.0.3.0", 0 },
	{ "192.0.2.0/24", 4, "192.0.1.255", 0 },
	{ "192.0.2.128/25", 4, "192.0.2.127", 0 },
	{ "192.0.2.128/25", 4, "192.0.2.200", 1 },
	{ "10.0.0.0/9", 4, "10.127.255.255", 1 },
	{ "10.0.0.0/9", 4, "10.128.0.0", 0 },
	{ "0.0.0.0/0", 4, "203.0.113.9", 1 },
	{ "0.0.0.0/0", 6, "2001:db8::1", 0 },
	{ "192.0.2.1", 4, "192.0.2.1", 1 },
	{ "192.0.2.1", 4, "192.0.2.2", 0 },
	{ "192.0.2.0/24", 6, "::ffff:192.0.2.7", 1 },	/* mapped */
	{ "192.0.2.0/24", 6, "::ffff:192.0.3.7", 0 },
	{ "192.0.2.0/24", 6, "::192.0.2.7", 0 },	/* not mapped */
	{ "2001:db8::/32", 6, "2001:db8:ffff::1", 1 },
	{ "2001:db8::/32", 6, "2001:db9::1", 0 },
	{ "2001:db8::/33", 6, "2001:db8:7fff::", 1 },
	{ "2001:db8::/33", 6, "2001:db8:8000::", 0 },
	{ "::/0", 6, "2001:db8::1", 1 },
	{ "::/0", 4, "192.0.2.1", 0 },
	{ "2001:db8::1", 6, "2001:db8::1", 1 },
	{ "2001:db8::1", 6, "2001:db8::2", 0 },
};

START_TEST(test_cidr_match)
{
	struct lg_cidr c;
	unsigned char a[16];

	ck_assert_int_eq(lg_parse_cidr(matches[_i].cidr, &c), 0);
	bytes(matches[_i].family, matches[_i].addr, a);
	ck_assert_msg(lg_cidr_match(&c, matches[_i].family, a) ==
		      matches[_i].match, "%s in %s: want %d", matches[_i].addr,
		      matches[_i].cidr, matches[_i].match);
}
END_TEST

START_TEST(test_cidr_match_edge)
{
	struct lg_cidr c;
	unsigned char a[16] = { 192, 0, 2, 1 };

	ck_assert_int_eq(lg_parse_cidr("192.0.2.0/24", &c), 0);
	ck_assert_int_eq(lg_cidr_match(&c, 4, a), 1);
	ck_assert_int_eq(lg_cidr_match(&c, 0, a), 0);
	ck_assert_int_eq(lg_cidr_match(&c, 5, a), 0);
	ck_assert_int_eq(lg_cidr_match(&c, 4, NULL), 0);
	ck_assert_int_eq(lg_cidr_match(NULL, 4, a), 0);
	c.prefix = 33;				/* corrupt: never matches */
	ck_assert_int_eq(lg_cidr_match(&c, 4, a), 0);
	ck_assert_int_eq(lg_parse_cidr("192.0.2.0/24", NULL), -1);
}
END_TEST

static const struct {
	int family;
	const char *addr;
	unsigned prefix;
	size_t bufsize;
	const char *want;
} networks[] = {
	{ 4, "192.0.2.77", 24, 64, "192.0.2.0/24" },
	{ 4, "192.0.2.77", 32, 64, "192.0.2.77/32" },
	{ 4, "192.0.2.77", 0, 64, "0.0.0.0/0" },
	{ 4, "192.0.2.77", 25, 64, "192.0.2.0/25" },
	{ 4, "192.0.2.200", 25, 64, "192.0.2.128/25" },
	{ 4, "192.0.2.77", 40, 64, "192.0.2.77/32" },	/* clamped */
	{ 6, "2001:db8:1:2:3:4:5:6", 64, 64, "2001:db8:1:2::/64" },
	{ 6, "2001:db8:1:2:3:4:5:6", 128, 64, "2001:db8:1:2:3:4:5:6/128" },
	{ 6, "2001:db8::1", 48, 64, "2001:db8::/48" },
	{ 6, "2001:db8::1", 200, 64, "2001:db8::1/128" },
	{ 4, "192.0.2.77", 24, 13, "192.0.2.0/24" },	/* just fits */
	{ 4, "192.0.2.77", 24, 12, "" },		/* no room: nothing */
	{ 9, "192.0.2.77", 24, 64, "" },		/* no such family */
};

START_TEST(test_format_network)
{
	unsigned char a[16];
	char buf[64];

	bytes(networks[_i].family == 6 ? 6 : 4, networks[_i].addr, a);
	memset(buf, 'Z', sizeof(buf));
	lg_format_network(networks[_i].family, a, networks[_i].prefix, buf,
			  networks[_i].bufsize);
	ck_assert_str_eq(buf, networks[_i].want);
}
END_TEST

START_TEST(test_format_network_edge)
{
	unsigned char a[16] = { 192, 0, 2, 1 };
	char buf[8] = "xyz";

	lg_format_network(4, a, 24, buf, 0);
	ck_assert_str_eq(buf, "xyz");
	lg_format_network(4, a, 24, NULL, 10);
	lg_format_network(4, NULL, 24, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

/*
 * Socket specifications.
 */
static const struct {
	const char *text;
	int kind;
	const char *path;
	const char *host;
	unsigned port;
} sockets[] = {
	{ "unix:/run/loopguard/milter.sock", LG_SOCK_UNIX,
	  "/run/loopguard/milter.sock", "", 0 },
	{ "local:/var/spool/postfix/lg", LG_SOCK_UNIX, "/var/spool/postfix/lg",
	  "", 0 },
	{ "UNIX:/a b", LG_SOCK_UNIX, "/a b", "", 0 },
	{ "inet:10025@127.0.0.1", LG_SOCK_INET, "", "127.0.0.1", 10025 },
	{ "inet:10025@localhost", LG_SOCK_INET, "", "localhost", 10025 },
	{ "inet:10025@[192.0.2.1]", LG_SOCK_INET, "", "192.0.2.1", 10025 },
	{ "inet:10025", LG_SOCK_INET, "", "", 10025 },
	{ "inet:1", LG_SOCK_INET, "", "", 1 },
	{ "inet:65535@mx.example.", LG_SOCK_INET, "", "mx.example.", 65535 },
	{ "inet6:10025@::1", LG_SOCK_INET6, "", "::1", 10025 },
	{ "inet6:10025@[2001:db8::1]", LG_SOCK_INET6, "", "2001:db8::1",
	  10025 },
	{ "inet6:10025@localhost", LG_SOCK_INET6, "", "localhost", 10025 },
	{ "inet6:10025", LG_SOCK_INET6, "", "", 10025 },
};

#define EMPTY	"empty socket specification"
#define TYPE	"unknown type (use unix:, local:, inet: or inet6:)"
#define REL	"unix socket path must be absolute"
#define CTL	"control character in socket specification"
#define PORT	"bad port (use 1-65535)"
#define BRACKET	"unbalanced [ in host"
#define HOST	"bad host name"

/* Refused, with the reason given and the result left untouched. */
static const struct {
	const char *text;
	const char *why;
} bad_sockets[] = {
	{ NULL, EMPTY }, { "", EMPTY },
	{ "/run/lg.sock",
	  "no type (use unix:/path, inet:PORT@HOST or inet6:PORT@HOST)" },
	{ "tcp:25", TYPE }, { "unixx:/a", TYPE }, { ":/a", TYPE },
	{ "unix:", REL }, { "unix:run/lg.sock", REL },
	{ "unix:/run/lg\n.sock", CTL }, { "inet:25\r", CTL },
	{ "inet:", PORT }, { "inet:0", PORT }, { "inet:65536", PORT },
	{ "inet:100000", PORT }, { "inet:99999999999999999999", PORT },
	{ "inet:-1", PORT }, { "inet:smtp", PORT },
	{ "inet:25 @localhost", PORT }, { "inet:@localhost", PORT },
	{ "inet:25@", "empty host after @" },
	{ "inet:25@[192.0.2.1", BRACKET }, { "inet:25@[]", BRACKET },
	{ "inet:25@::1", "IPv6 address with inet: (use inet6:)" },
	{ "inet:25@192.0.2.256", "bad IPv4 address" },
	{ "inet:25@[localhost]", HOST }, { "inet:25@local host", HOST },
	{ "inet:25@a..b", HOST }, { "inet:25@a@b", HOST },
	{ "inet6:25@127.0.0.1", "IPv4 address with inet6: (use inet:)" },
	{ "inet6:25@2001:db8::g", "bad IPv6 address" },
};

/* The rows of sockets[], then those of bad_sockets[]. */
START_TEST(test_socket)
{
	int bad = _i >= N(sockets);
	const char *text = bad ? bad_sockets[_i - N(sockets)].text :
		sockets[_i].text;
	struct lg_socket_spec spec;
	const char *why = "untouched";
	int rc;

	memset(&spec, 0x5a, sizeof(spec));
	rc = lg_parse_socket_spec(text, &spec, &why);
	ck_assert_msg(rc == (bad ? -1 : 0), "\"%s\": rc %d (%s)",
		      text ? text : "(null)", rc, why ? why : "no reason");
	if (bad) {
		ck_assert_ptr_nonnull(why);
		ck_assert_str_eq(why, bad_sockets[_i - N(sockets)].why);
		ck_assert_uint_eq(spec.port, 0x5a5a5a5a);	/* untouched */
		return;
	}
	ck_assert_ptr_null(why);
	ck_assert_int_eq(spec.kind, sockets[_i].kind);
	ck_assert_str_eq(spec.path, sockets[_i].path);
	ck_assert_str_eq(spec.host, sockets[_i].host);
	ck_assert_uint_eq(spec.port, sockets[_i].port);
}
END_TEST

START_TEST(test_socket_lengths)
{
	struct lg_socket_spec spec;
	const char *why;
	char text[400];

	/* sun_path holds 107 bytes and a NUL */
	strcpy(text, "unix:/");
	memset(text + 6, 'p', 106);
	text[112] = 0;
	ck_assert_int_eq(lg_parse_socket_spec(text, &spec, &why), 0);
	ck_assert_uint_eq(strlen(spec.path), 107);
	strcat(text, "p");
	ck_assert_int_eq(lg_parse_socket_spec(text, &spec, &why), -1);
	ck_assert_str_eq(why, "unix socket path too long");
	/* a host name of 255 bytes fits, 256 does not */
	strcpy(text, "inet:25@");
	memset(text + 8, 'h', 255);
	text[263] = 0;
	ck_assert_int_eq(lg_parse_socket_spec(text, &spec, &why), 0);
	ck_assert_uint_eq(strlen(spec.host), 255);
	strcat(text, "h");
	ck_assert_int_eq(lg_parse_socket_spec(text, &spec, &why), -1);
	ck_assert_str_eq(why, "host name too long");
	/* the result and the reason are optional */
	ck_assert_int_eq(lg_parse_socket_spec("inet:25", NULL, NULL), 0);
	ck_assert_int_eq(lg_parse_socket_spec("inet:0", NULL, NULL), -1);
}
END_TEST

/* parse_suite - every table above */
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

	tc = tcase_create("ip");
	tcase_add_loop_test(tc, test_ip, 0, N(ips) + N(bad_ips));
	tcase_add_test(tc, test_ip_null_result);
	tcase_add_loop_test(tc, test_cidr, 0, N(cidrs) + N(bad_cidrs));
	tcase_add_loop_test(tc, test_cidr_match, 0, N(matches));
	tcase_add_test(tc, test_cidr_match_edge);
	tcase_add_loop_test(tc, test_format_network, 0, N(networks));
	tcase_add_test(tc, test_format_network_edge);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket");
	tcase_add_loop_test(tc, test_socket, 0,
			    N(sockets) + N(bad_sockets));
	tcase_add_test(tc, test_socket_lengths);
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
