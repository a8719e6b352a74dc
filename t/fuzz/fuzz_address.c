/*
 * NAME
 *	fuzz_address - libFuzzer harness for milter/util/parse.c
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_address [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	The input, as one string, goes through every parser of parse.c:
 *	lg_parse_address (both case foldings, then in a buffer exactly
 *	as large as the result needs and one byte smaller),
 *	lg_parse_socket_spec, lg_parse_ip, lg_parse_cidr (with
 *	lg_cidr_match and lg_format_network), lg_parse_duration and
 *	lg_parse_duration_ms. Besides memory errors it checks what
 *	parse.h promises: results inside the caller's buffer, the
 *	"local@domain" layout, a lower-case domain, the exact buffer
 *	size rule, and that a formatted network or duration parses back
 *	to the same value.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_util.h"
#include "parse.h"

/* within - p points into [buf, buf + size) */
static int within(const char *p, const char *buf, size_t size)
{
	return p >= buf && p < buf + size;
}

/* plain_local - a local part that needs no quotes to parse again */
static int plain_local(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;

	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p >= 0x80 ||
		      strchr("!#$%&'*+-/=?^_`{|}~.", *p)))
			return 0;
	return *s != 0;
}

/* check_layout - what a successful parse leaves in buf */
static void check_layout(enum lg_addr_status st, const char *buf,
			 size_t size, const char *local, const char *domain)
{
	size_t n = strlen(buf), nl = strlen(local);
	const char *p;

	FZ_CHECK(n < size, "result overflows its buffer");
	FZ_CHECK(within(local, buf, size) && within(domain, buf, size),
		 "local_r or domain_r outside the buffer");
	FZ_CHECK(local + nl < buf + size && domain + strlen(domain) < buf + size,
		 "local or domain runs past the buffer");
	if (st == LG_ADDR_OK) {
		FZ_CHECK(nl > 0 && *domain, "empty local part or domain");
		FZ_CHECK(n == nl + 1 + strlen(domain) &&
			 strncmp(buf, local, nl) == 0 && buf[nl] == '@' &&
			 strcmp(buf + nl + 1, domain) == 0,
			 "\"%s\" is not \"%s\"@\"%s\"", buf, local, domain);
		for (p = domain; *p; p++)
			FZ_CHECK(!(*p >= 'A' && *p <= 'Z'),
				 "domain \"%s\" not lower case", domain);
		FZ_CHECK(domain[strlen(domain) - 1] != '.',
			 "domain \"%s\" keeps its trailing dot", domain);
	} else if (st == LG_ADDR_LOCAL_ONLY) {
		FZ_CHECK(nl > 0 && !*domain && strcmp(buf, local) == 0,
			 "local-only result \"%s\" / \"%s\"", buf, local);
	} else {
		FZ_CHECK(n == 0, "status %d with text \"%s\"", st, buf);
	}
	for (p = buf; *p; p++)
		FZ_CHECK((unsigned char) *p >= 0x20 && *p != 0x7f,
			 "control byte in \"%s\"", buf);
}

/* fuzz_address - every case folding and buffer size rule */
static void fuzz_address(const char *text, size_t len)
{
	size_t size = 2 * len + 16, need;
	char *a = malloc(size), *b = malloc(size), *c;
	const char *la, *da, *lb, *db, *lc, *dc;
	enum lg_addr_status sa, sb, sc;

	if (!a || !b)
		abort();
	sa = lg_parse_address(text, 0, a, size, &la, &da);
	check_layout(sa, a, size, la, da);
	sb = lg_parse_address(text, 1, b, size, &lb, &db);
	check_layout(sb, b, size, lb, db);
	FZ_CHECK(sa == sb, "fold_local changes the status: %d, %d", sa, sb);
	FZ_CHECK(strcasecmp(a, b) == 0 && strcmp(da, db) == 0,
		 "fold_local changes more than the local part: \"%s\" \"%s\"",
		 a, b);
	if (sa == LG_ADDR_OK || sa == LG_ADDR_LOCAL_ONLY) {
		/* the result and its split copy, and not one byte less */
		need = 2 * (strlen(a) + 1);
		c = malloc(need);
		if (!c)
			abort();
		sc = lg_parse_address(text, 0, c, need, &lc, &dc);
		FZ_CHECK(sc == sa && strcmp(c, a) == 0,
			 "a buffer of %zu bytes is not enough for \"%s\"",
			 need, a);
		sc = lg_parse_address(text, 0, c, need - 1, &lc, &dc);
		FZ_CHECK(sc == LG_ADDR_BAD && !*c,
			 "\"%s\" fits in %zu bytes, which is too few", a,
			 need - 1);
		/* normalising again changes nothing */
		if (plain_local(la)) {
			sc = lg_parse_address(a, 0, b, size, &lb, &db);
			FZ_CHECK(sc == sa && strcmp(a, b) == 0,
				 "\"%s\" normalises again to \"%s\" (%d)", a, b,
				 sc);
		}
		free(c);
	}
	(void) lg_parse_address(text, 0, a, 1, NULL, NULL);
	(void) lg_parse_address(text, 0, NULL, 0, &la, &da);
	free(a);
	free(b);
}

/* fuzz_socket - the limits of a socket specification */
static void fuzz_socket(const char *text)
{
	struct lg_socket_spec spec;
	const char *why = NULL;

	if (lg_parse_socket_spec(text, &spec, &why) != 0) {
		FZ_CHECK(why && *why, "refused without a reason");
		return;
	}
	FZ_CHECK(why == NULL, "accepted with a reason: %s", why);
	if (spec.kind == LG_SOCK_UNIX) {
		FZ_CHECK(spec.path[0] == '/' &&
			 memchr(spec.path, 0, sizeof(spec.path)),
			 "unix path \"%.108s\"", spec.path);
	} else {
		FZ_CHECK(spec.kind == LG_SOCK_INET || spec.kind == LG_SOCK_INET6,
			 "kind %d", (int) spec.kind);
		FZ_CHECK(spec.port >= 1 && spec.port <= 65535, "port %u",
			 spec.port);
		FZ_CHECK(memchr(spec.host, 0, sizeof(spec.host)) != NULL,
			 "host not terminated");
	}
}

/* fuzz_network - an address or a network, and back from text */
static void fuzz_network(const char *text)
{
	struct lg_cidr cidr, again;
	unsigned char addr[16];
	char shown[64];
	int family;

	if (lg_parse_ip(text, &family, addr) == 0) {
		FZ_CHECK(family == 4 || family == 6, "family %d", family);
		lg_format_network(family, addr, family == 4 ? 32 : 128, shown,
				  sizeof(shown));
		FZ_CHECK(lg_parse_cidr(shown, &again) == 0 &&
			 again.family == family &&
			 memcmp(again.addr, addr, family == 4 ? 4 : 16) == 0,
			 "\"%s\" does not parse back", shown);
	}
	if (lg_parse_cidr(text, &cidr) != 0)
		return;
	FZ_CHECK((cidr.family == 4 && cidr.prefix <= 32) ||
		 (cidr.family == 6 && cidr.prefix <= 128),
		 "family %d prefix %u", cidr.family, cidr.prefix);
	FZ_CHECK(lg_cidr_match(&cidr, cidr.family, cidr.addr) == 1,
		 "a network does not contain its own address");
	lg_format_network(cidr.family, cidr.addr, cidr.prefix, shown,
			  sizeof(shown));
	FZ_CHECK(lg_parse_cidr(shown, &again) == 0 &&
		 again.family == cidr.family && again.prefix == cidr.prefix &&
		 memcmp(again.addr, cidr.addr, 16) == 0,
		 "\"%s\" (from \"%s\") does not parse back", shown, text);
}

/* fuzz_duration - a parsed duration prints and parses the same */
static void fuzz_duration(const char *text)
{
	long long v, w;
	char shown[32];

	if (lg_parse_duration(text, &v) == 0) {
		FZ_CHECK(v >= 0, "negative duration %lld", v);
		snprintf(shown, sizeof(shown), "%llds", v);
		FZ_CHECK(lg_parse_duration(shown, &w) == 0 && w == v,
			 "\"%s\" does not parse back", shown);
	}
	if (lg_parse_duration_ms(text, &v) == 0) {
		FZ_CHECK(v >= 0, "negative duration %lld ms", v);
		snprintf(shown, sizeof(shown), "%lldms", v);
		FZ_CHECK(lg_parse_duration_ms(shown, &w) == 0 && w == v,
			 "\"%s\" does not parse back", shown);
	}
}

/* LLVMFuzzerTestOneInput - one input through every parser */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);
	size_t len = strlen(text);	/* the C API stops at a NUL */

	fuzz_address(text, len);
	fuzz_socket(text);
	fuzz_network(text);
	fuzz_duration(text);
	free(text);
	return 0;
}
