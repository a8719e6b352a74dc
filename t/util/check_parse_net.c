/*
 * NAME
 *	check_parse_net - unit tests for milter/util/parse.c: IP
 *	addresses, networks and socket specifications
 * SYNOPSIS
 *	t/util/check_parse_net
 * DESCRIPTION
 *	One table of cases per parser, run with tcase_add_loop_test, plus
 *	the NULL results, the edges of network matching and formatting,
 *	and the length limits of socket paths and host names. Durations
 *	and envelope addresses are in check_parse.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
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

/* parse_net_suite - IP addresses, networks, socket specifications */
static Suite *parse_net_suite(void)
{
	Suite *s = suite_create("parse_net");
	TCase *tc;

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
	SRunner *sr = srunner_create(parse_net_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
