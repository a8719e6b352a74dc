/*
 * NAME
 *	parse.c - pure parsers for durations, addresses, networks, sockets
 * SYNOPSIS
 *	#include "parse.h"
 * DESCRIPTION
 *	Everything here is a function of its arguments: no I/O, no global
 *	state, no locale (case folding is ASCII only, so UTF-8 bytes pass
 *	through unchanged). Every input, including NULL, empty, over-long
 *	and binary text, gives a defined result.
 *
 *	Envelope addresses: control characters, malformed UTF-8, spaces
 *	outside a quoted local part, unbalanced brackets, an "@" inside a
 *	quoted local part and a result that does not fit the caller's
 *	buffer are all LG_ADDR_BAD; "" and "<>" are LG_ADDR_NULL. Dots in
 *	an unquoted local part are not policed (mailboxes such as "a..b"
 *	exist); the domain is checked label by label, or as an address
 *	literal "[192.0.2.1]" / "[IPv6:2001:db8::1]".
 * DIAGNOSTICS
 *	Return values only; lg_parse_socket_spec also gives a reason.
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Utility library. */
#include "parse.h"

#define DOMAIN_MAX	255		/* RFC 5321 4.5.3.1.2 */

/* ASCII only, whatever the locale; c is an unsigned char value */
#define ASCII_LOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' + 'a' : (c))
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c)	(IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'z') || \
			 ((c) >= 'A' && (c) <= 'Z'))
#define IS_CTRL(c)	((c) < 0x20 || (c) == 0x7f)

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* duration - the number and the milliseconds per unit of text */
static int duration(const char *text, int ms_ok, long long *n_r,
		    long long *unit_ms_r)
{
	static const struct {
		const char *name;
		long long ms;
	} units[] = {
		{ "", 1000 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { "w", 604800000 },
		{ "ms", 1 },
	};
	long long n = 0;
	size_t i;

	if (!text || !IS_DIGIT(*text))
		return -1;
	for (; IS_DIGIT(*text); text++) {
		if (n > (LLONG_MAX - (*text - '0')) / 10)
			return -1;
		n = n * 10 + (*text - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].name, text) == 0 &&
		    (ms_ok || units[i].ms != 1)) {
			*n_r = n;
			*unit_ms_r = units[i].ms;
			return 0;
		}
	return -1;
}

/* lg_parse_duration - "30s", "10m", "1h", "7d", "2w" or bare seconds */
int lg_parse_duration(const char *text, long long *seconds_r)
{
	long long n, per;

	if (!seconds_r || duration(text, 0, &n, &per) != 0 ||
	    n > LLONG_MAX / (per / 1000))
		return -1;
	*seconds_r = n * (per / 1000);
	return 0;
}

/* lg_parse_duration_ms - the same in milliseconds, plus "200ms" */
int lg_parse_duration_ms(const char *text, long long *millis_r)
{
	long long n, per;

	if (!millis_r || duration(text, 1, &n, &per) != 0 ||
	    n > LLONG_MAX / per)
		return -1;
	*millis_r = n * per;
	return 0;
}

/* parse_ip - an address in n bytes of text; *mapped_r is set when an
 * IPv4-mapped IPv6 address was turned into IPv4 */
static int parse_ip(const char *s, size_t n, int *family_r,
		    unsigned char addr_r[16], int *mapped_r)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	unsigned char a[16] = { 0 };
	int tagged = 0;

	*mapped_r = 0;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
		s++, n -= 2;
	if (n > 5 && strncasecmp(s, "IPv6:", 5) == 0)
		s += 5, n -= 5, tagged = 1;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if (!tagged && inet_pton(AF_INET, tmp, a) == 1) {
		*family_r = 4;
	} else if (inet_pton(AF_INET6, tmp, a) == 1) {
		*family_r = 6;
		if (memcmp(a, v4mapped, 12) == 0) {
			memmove(a, a + 12, 4);
			memset(a + 4, 0, 12);
			*family_r = 4;
			*mapped_r = 1;
		}
	} else {
		return -1;
	}
	memcpy(addr_r, a, 16);
	return 0;
}

/* text_ok - no control bytes, and well-formed UTF-8: no stray,
 * overlong or surrogate forms */
static int text_ok(const unsigned char *s, size_t len)
{
	size_t i, n, k;
	unsigned long cp;

	for (i = 0; i < len; i += n + 1) {
		if (s[i] < 0x80) {
			if (IS_CTRL(s[i]))
				return 0;
			n = 0;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 2, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 3, cp = s[i] & 0x07;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	return 1;
}

/* Output into the caller's buffer, remembering an overflow. */
struct out {
	char   *buf;
	size_t  size;
	size_t  len;
	int     full;
};

/* put - append one byte, keeping room for a NUL */
static void put(struct out *o, int c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = (char) c;
	else
		o->full = 1;
}

/* is_atext - RFC 5322 atext, plus UTF-8 bytes (RFC 6531) */
static int is_atext(unsigned char c)
{
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '/': case '=': case '?':
	case '^': case '_': case '`': case '{': case '|': case '}': case '~':
		return 1;
	default:
		return IS_ALNUM(c) || c >= 0x80;
	}
}

/* put_domain - check [s,e) as a domain and copy it lower-cased, without
 * a trailing dot, to o unless o is NULL. 0 or -1 */
static int put_domain(struct out *o, const char *s, const char *e)
{
	const char *p;
	size_t label = 0;
	unsigned char a[16];
	int family, mapped;

	if (s < e && *s == '[') {
		/* "[192.0.2.1]" or "[IPv6:2001:db8::1]", nothing else */
		int tagged = e - s > 6 && strncasecmp(s + 1, "IPv6:", 5) == 0;

		if (e[-1] != ']' ||
		    parse_ip(s, (size_t) (e - s), &family, a, &mapped) != 0 ||
		    tagged != (memchr(s, ':', (size_t) (e - s)) != NULL))
			return -1;
		for (p = s; o && p < e; p++)
			put(o, ASCII_LOWER((unsigned char) *p));
		return 0;
	}
	if (e - s > 1 && e[-1] == '.')
		e--;
	if (e - s > DOMAIN_MAX)
		return -1;
	for (p = s; p < e; p++) {
		unsigned char c = (unsigned char) *p;

		if (c == '.' && label > 0)
			label = 0;
		else if (IS_ALNUM(c) || c == '-' || c == '_' || c >= 0x80)
			label++;
		else
			return -1;
		if (o)
			put(o, ASCII_LOWER(c));
	}
	return label > 0 ? 0 : -1;
}

/* skip_route - past an RFC 821 source route "@a,@b:"; NULL if bad */
static const char *skip_route(const char *p, const char *end)
{
	const char *s;

	for (;;) {
		if (p >= end || *p != '@')
			return NULL;
		for (s = ++p; p < end && *p != ',' && *p != ':'; p++)
			continue;
		if (p >= end || put_domain(NULL, s, p) != 0)
			return NULL;
		if (*p++ == ':')
			return p;
	}
}

/* put_local - copy the local part, unquoted; the byte after it, or NULL
 * if it is malformed or empty */
static const char *put_local(struct out *o, const char *p, const char *end,
			     int fold)
{
	size_t start = o->len;
	unsigned char c;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && ++p >= end)
				return NULL;
			c = (unsigned char) *p;
			if (c == '@')		/* "a@b"@c would be ambiguous */
				return NULL;
			put(o, fold ? ASCII_LOWER(c) : c);
		}
		if (p >= end)
			return NULL;
		p++;
	} else {
		for (; p < end && *p != '@'; p++) {
			c = (unsigned char) *p;
			if (!is_atext(c) && c != '.')
				return NULL;
			put(o, fold ? ASCII_LOWER(c) : c);
		}
	}
	return o->len == start && !o->full ? NULL : p;
}

/* lg_parse_address - normalise an envelope address */
enum lg_addr_status lg_parse_address(const char *raw, int fold_local,
				     char *buf, size_t bufsize,
				     const char **local_r,
				     const char **domain_r)
{
	struct out o = { buf, bufsize, 0, 0 };
	const char *p = raw, *end, *ignore;
	size_t n, at = 0;
	char *copy;

	if (!local_r)
		local_r = &ignore;
	if (!domain_r)
		domain_r = &ignore;
	*local_r = *domain_r = "";
	if (!buf || bufsize == 0)
		return LG_ADDR_BAD;
	*local_r = *domain_r = buf;
	buf[0] = 0;
	if (!raw)
		return LG_ADDR_BAD;
	n = strlen(raw);
	if (!text_ok((const unsigned char *) raw, n))
		return LG_ADDR_BAD;
	end = raw + n;
	if (*p == '<') {
		if (n < 2 || end[-1] != '>')
			return LG_ADDR_BAD;
		p++, end--;
	}
	if (p == end)
		return LG_ADDR_NULL;
	if ((*p == '@' && !(p = skip_route(p, end))) ||
	    !(p = put_local(&o, p, end, fold_local)))
		goto bad;
	if (p < end) {
		at = o.len;
		put(&o, '@');
		if (*p != '@' || put_domain(&o, p + 1, end) != 0)
			goto bad;
	}
	/* the second copy, split at the @, must fit as well */
	if (o.full || 2 * (o.len + 1) > bufsize)
		goto bad;
	buf[o.len] = 0;
	copy = buf + o.len + 1;
	memcpy(copy, buf, o.len + 1);
	if (at == 0) {			/* the local part is never empty */
		*local_r = copy;
		*domain_r = copy + o.len;
		return LG_ADDR_LOCAL_ONLY;
	}
	copy[at] = 0;
	*local_r = copy;
	*domain_r = copy + at + 1;
	return LG_ADDR_OK;

bad:
	buf[0] = 0;
	return LG_ADDR_BAD;
}

/* lg_parse_ip - an IPv4 or IPv6 address, IPv4-mapped becomes IPv4 */
int lg_parse_ip(const char *text, int *family_r, unsigned char addr_r[16])
{
	int mapped;

	if (!text || !family_r || !addr_r)
		return -1;
	return parse_ip(text, strlen(text), family_r, addr_r, &mapped);
}

/* mask_bits - clear the bits of addr beyond prefix */
static void mask_bits(unsigned char addr[16], unsigned prefix)
{
	unsigned i, end;

	for (i = 0; i < 16; i++) {
		end = 8 * (i + 1);		/* bits up to this byte's end */
		if (prefix <= 8 * i)
			addr[i] = 0;
		else if (prefix < end)
			addr[i] &= (unsigned char) (0xff << (end - prefix));
	}
}

/* lg_parse_cidr - "192.0.2.0/24", "2001:db8::/32" or a bare address */
int lg_parse_cidr(const char *text, struct lg_cidr *cidr_r)
{
	unsigned char a[16], m[16];
	const char *slash, *p;
	unsigned prefix = 0, max;
	int family, mapped;

	if (!text || !cidr_r)
		return -1;
	slash = strchr(text, '/');
	if (parse_ip(text, slash ? (size_t) (slash - text) : strlen(text),
		     &family, a, &mapped) != 0)
		return -1;
	max = family == 4 ? 32 : 128;
	if (slash) {
		p = slash + 1;
		if (!IS_DIGIT(*p) || (p[0] == '0' && p[1]))
			return -1;		/* no "/", "/+8" or "/024" */
		for (; IS_DIGIT(*p) && prefix <= 128; p++)
			prefix = prefix * 10 + (unsigned) (*p - '0');
		/* "::ffff:192.0.2.0/120" is 192.0.2.0/24 */
		if (*p || (mapped && (prefix < 96 || prefix > 128)))
			return -1;
		if (mapped)
			prefix -= 96;
		if (prefix > max)
			return -1;
	} else {
		prefix = max;
	}
	memcpy(m, a, 16);
	mask_bits(m, prefix);
	if (memcmp(m, a, 16) != 0)
		return -1;			/* host bits set */
	cidr_r->family = family;
	memcpy(cidr_r->addr, m, 16);
	cidr_r->prefix = prefix;
	return 0;
}

/* lg_cidr_match - 1 if the address is inside the network */
int lg_cidr_match(const struct lg_cidr *cidr, int family,
		  const unsigned char addr[16])
{
	unsigned char a[16] = { 0 };

	if (!cidr || !addr)
		return 0;
	if (family == 6 && memcmp(addr, v4mapped, 12) == 0)
		memcpy(a, addr + 12, 4), family = 4;
	else if (family == 4 || family == 6)
		memcpy(a, addr, family == 4 ? 4 : 16);
	else
		return 0;
	if (family != cidr->family || cidr->prefix > (family == 4 ? 32u : 128u))
		return 0;
	mask_bits(a, cidr->prefix);
	return memcmp(a, cidr->addr, 16) == 0;
}

/* lg_format_network - "192.0.2.0/24"; "" for a bad family or no room */
void lg_format_network(int family, const unsigned char addr[16],
		       unsigned prefix, char *buf, size_t bufsize)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char a[16] = { 0 };
	unsigned max = family == 4 ? 32 : 128;
	int n;

	if (!buf || bufsize == 0)
		return;
	buf[0] = 0;
	if (!addr || (family != 4 && family != 6))
		return;
	memcpy(a, addr, family == 4 ? 4 : 16);
	if (prefix > max)
		prefix = max;
	mask_bits(a, prefix);
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, a, text, sizeof(text)))
		return;
	n = snprintf(buf, bufsize, "%s/%u", text, prefix);
	if (n < 0 || (size_t) n >= bufsize)
		buf[0] = 0;
}

/* parse_port - 1..65535, ending at '@' or the end of the text */
static const char *parse_port(const char *p, unsigned *port_r)
{
	unsigned port = 0;
	int digits = 0;

	for (; IS_DIGIT(*p) && digits < 6; p++, digits++)
		port = port * 10 + (unsigned) (*p - '0');
	if (digits == 0 || port == 0 || port > 65535 || (*p && *p != '@'))
		return NULL;
	*port_r = port;
	return p;
}

/* parse_host - an inet or inet6 host: a name, an address, "[address]";
 * NULL, or why not */
static const char *parse_host(const char *h, int v6, char *out,
			      size_t outsize)
{
	unsigned char a[16];
	size_t n = strlen(h), i;
	int numeric = 1, colon = 0, bracketed = 0;

	if (n == 0)
		return "empty host after @";
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return "unbalanced [ in host";
		h++, n -= 2, bracketed = 1;
	}
	if (n >= outsize)
		return "host name too long";
	memcpy(out, h, n);
	out[n] = 0;
	for (i = 0; i < n; i++) {
		numeric &= IS_DIGIT(out[i]) || out[i] == '.';
		colon |= out[i] == ':';
	}
	if (colon && !v6)
		return "IPv6 address with inet: (use inet6:)";
	if (colon)
		return inet_pton(AF_INET6, out, a) == 1 ? NULL :
			"bad IPv6 address";
	if (numeric && v6)
		return "IPv4 address with inet6: (use inet:)";
	if (numeric)
		return inet_pton(AF_INET, out, a) == 1 ? NULL :
			"bad IPv4 address";
	if (bracketed || put_domain(NULL, out, out + n) != 0)
		return "bad host name";
	return NULL;
}

/* type_is - the text before the colon is name, in any case */
static int type_is(const char *text, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(text, name, len) == 0;
}

/* lg_parse_socket_spec - unix:/path, local:/path, inet[6]:PORT[@HOST] */
int lg_parse_socket_spec(const char *text, struct lg_socket_spec *spec_r,
			 const char **why_r)
{
	struct lg_socket_spec spec;
	const char *why = NULL, *rest = NULL, *p;
	size_t len = 0;

	memset(&spec, 0, sizeof(spec));
	for (p = text; p && *p && !why; p++)
		if (IS_CTRL((unsigned char) *p))
			why = "control character in socket specification";
	if (!text || !*text)
		why = "empty socket specification";
	else if (!why && !(rest = strchr(text, ':')))
		why = "no type (use unix:/path, inet:PORT@HOST or "
			"inet6:PORT@HOST)";
	if (rest)
		len = (size_t) (rest++ - text);
	if (why) {
		/* as it is */
	} else if (type_is(text, len, "unix") || type_is(text, len, "local")) {
		spec.kind = LG_SOCK_UNIX;
		if (rest[0] != '/')
			why = "unix socket path must be absolute";
		else if (strlen(rest) >= sizeof(spec.path))
			why = "unix socket path too long";
		else
			strcpy(spec.path, rest);
	} else if (type_is(text, len, "inet") || type_is(text, len, "inet6")) {
		spec.kind = len == 4 ? LG_SOCK_INET : LG_SOCK_INET6;
		if (!(p = parse_port(rest, &spec.port)))
			why = "bad port (use 1-65535)";
		else if (*p == '@')
			why = parse_host(p + 1, len == 5, spec.host,
					 sizeof(spec.host));
	} else {
		why = "unknown type (use unix:, local:, inet: or inet6:)";
	}
	if (why_r)
		*why_r = why;
	if (why)
		return -1;
	if (spec_r)
		*spec_r = spec;
	return 0;
}
