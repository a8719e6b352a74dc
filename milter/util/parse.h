/*
 * NAME
 *	parse.h - pure parsers for config values and envelope addresses
 * DESCRIPTION
 *	No I/O and no global state: every function is tested by tables of
 *	cases in t/util/check_parse.c.
 */
#ifndef LG_PARSE_H
#define LG_PARSE_H

#include <stddef.h>

/* lg_parse_duration - "30s", "10m", "1h", "7d", "2w" or bare seconds.
 * 0, or -1 for junk, a negative value or an overflow. */
int lg_parse_duration(const char *text, long long *seconds_r);

/* lg_parse_duration_ms - like lg_parse_duration, also "200ms". */
int lg_parse_duration_ms(const char *text, long long *millis_r);

/* Result of lg_parse_address. */
enum lg_addr_status {
	LG_ADDR_OK = 0,		/* local@domain */
	LG_ADDR_NULL,		/* <> (the null sender) */
	LG_ADDR_LOCAL_ONLY,	/* no @domain (e.g. "postmaster") */
	LG_ADDR_BAD		/* unparsable */
};

/*
 * lg_parse_address - normalise an envelope address as an MTA hands it
 * over: optional angle brackets, an RFC 821 source route (@a,@b:) is
 * dropped, a quoted local part is unquoted, the domain is lower-cased
 * and a trailing dot removed. The local part keeps its case unless
 * fold_local is set. The result "local@domain" goes into buf; local_r
 * and domain_r point into a second copy in buf (after the first NUL).
 */
enum lg_addr_status lg_parse_address(const char *raw, int fold_local,
				     char *buf, size_t bufsize,
				     const char **local_r,
				     const char **domain_r);

/* An IPv4 or IPv6 network. IPv4 is kept as such (family 4). */
struct lg_cidr {
	int family;		/* 4 or 6 */
	unsigned char addr[16];	/* masked */
	unsigned prefix;
};

/* lg_parse_ip - "192.0.2.1", "2001:db8::1", "IPv6:2001:db8::1",
 * "[192.0.2.1]"; an IPv4-mapped IPv6 address becomes IPv4. 0 or -1. */
int lg_parse_ip(const char *text, int *family_r, unsigned char addr_r[16]);

/* lg_parse_cidr - "192.0.2.0/24", "2001:db8::/32", or a bare address
 * (/32 or /128). Host bits set beyond the prefix are an error. */
int lg_parse_cidr(const char *text, struct lg_cidr *cidr_r);

/* lg_cidr_match - 1 if the address is inside the network. */
int lg_cidr_match(const struct lg_cidr *cidr, int family,
		  const unsigned char addr[16]);

/* lg_format_network - the network of an address at a prefix, as text
 * "192.0.2.0/24"; used as a store key. */
void lg_format_network(int family, const unsigned char addr[16],
		       unsigned prefix, char *buf, size_t bufsize);

/* A milter socket specification. */
struct lg_socket_spec {
	enum { LG_SOCK_UNIX, LG_SOCK_INET, LG_SOCK_INET6 } kind;
	char path[108];		/* unix */
	char host[256];		/* inet, inet6 ("" = any) */
	unsigned port;
};

/* lg_parse_socket_spec - "unix:/path", "local:/path", "inet:PORT@HOST",
 * "inet:PORT", "inet6:PORT@HOST". 0, or -1 with a reason in why. */
int lg_parse_socket_spec(const char *text, struct lg_socket_spec *spec_r,
			 const char **why_r);

#endif
