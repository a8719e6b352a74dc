/*
 * NAME
 *	src_ldap_conf.c - the FILE of an "ldap:FILE" source
 * SYNOPSIS
 *	#include "src_ldap.h"
 * DESCRIPTION
 *	See src_ldap.h. The names are those of Postfix's ldap_table(5)
 *	where they fit: server_host (ldap://, ldaps://, ldapi:// URIs or
 *	bare host names, several allowed), server_port, search_base,
 *	scope (sub, one, base), query_filter, result_attribute, bind,
 *	bind_dn, bind_pw, version, timeout, start_tls, domain; and
 *	cache_size, cache_ttl, negative_ttl, which override the
 *	directory group's for this source. A name given twice, a name
 *	not in that list, and a value out of range are errors; the
 *	query_filter is checked by lg_ldap_template_ok (src_ldap_filter.c).
 * DIAGNOSTICS
 *	Errors read "FILE:LINE: what is wrong (what is expected)".
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "parse.h"

/* Directory library. */
#include "src_ldap.h"

#define DEFAULT_FILTER	"(mail=%s)"
#define DEFAULT_HOST	"localhost"
#define DEFAULT_PORT	389
#define TIMEOUT_MIN_MS	10
#define TIMEOUT_MAX_MS	60000
#define TTL_MAX_MS	86400000LL
#define CACHE_MAX	(1 << 24)

/* The kinds of value a name takes. */
enum kind { K_HOSTS, K_PORT, K_STR, K_SCOPE, K_FILTER, K_BOOL, K_VERSION,
	    K_TIMEOUT, K_DOMAINS, K_CACHE, K_TTL };

struct key {
	const char *name;
	enum kind kind;
	size_t  off;		/* of the target in struct lg_ldap_conf */
	int     may_be_empty;
};

#define AT(f)	offsetof(struct lg_ldap_conf, f)

static const struct key keys[] = {
	{ "server_host", K_HOSTS, AT(uris), 0 },
	{ "server_port", K_PORT, AT(port), 0 },
	{ "search_base", K_STR, AT(search_base), 0 },
	{ "scope", K_SCOPE, AT(scope), 0 },
	{ "query_filter", K_FILTER, AT(query_filter), 0 },
	{ "result_attribute", K_STR, AT(result_attribute), 1 },
	{ "bind", K_BOOL, AT(bind), 0 },
	{ "bind_dn", K_STR, AT(bind_dn), 1 },
	{ "bind_pw", K_STR, AT(bind_pw), 1 },
	{ "version", K_VERSION, AT(version), 0 },
	{ "timeout", K_TIMEOUT, AT(timeout_ms), 0 },
	{ "start_tls", K_BOOL, AT(start_tls), 0 },
	{ "domain", K_DOMAINS, AT(domains), 1 },
	{ "cache_size", K_CACHE, AT(cache_size), 0 },
	{ "cache_ttl", K_TTL, AT(cache_ttl_s), 0 },
	{ "negative_ttl", K_TTL, AT(negative_ttl_s), 0 },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* One parse: where errors point, and what was seen. */
struct parse {
	struct lg_ldap_conf *c;
	const char *path;
	unsigned long line;
	char   *err;
	size_t  errsize;
	int     seen[NKEYS];
	char   *hosts;		/* server_host as written */
};

/* fail - "PATH:LINE: text"; -1 */
static int fail(struct parse *p, const char *fmt, const char *a,
		const char *b)
{
	char text[300];

	snprintf(text, sizeof(text), fmt, a, b);
	snprintf(p->err, p->errsize, "%s:%lu: %s", p->path, p->line, text);
	return -1;
}

/* lg_ldap_conf_init - see src_ldap.h */
void lg_ldap_conf_init(struct lg_ldap_conf *c, const struct lg_dir_env *env)
{
	memset(c, 0, sizeof(*c));
	c->port = DEFAULT_PORT;
	c->scope = LG_LDAP_SCOPE_SUB;
	c->bind = 1;
	c->version = 3;
	c->timeout_ms = env ? env->timeout_ms : 5000;
	c->cache_size = env ? env->cache_max : 10000;
	c->cache_ttl_s = env ? env->cache_ttl_s : 600;
	c->negative_ttl_s = env ? env->negative_ttl_s : 60;
}

/* lg_ldap_conf_clear - see src_ldap.h */
void lg_ldap_conf_clear(struct lg_ldap_conf *c)
{
	size_t i;

	free(c->path);
	free(c->uris);
	free(c->search_base);
	free(c->query_filter);
	free(c->result_attribute);
	if (c->bind_pw)
		memset(c->bind_pw, 0, strlen(c->bind_pw));
	free(c->bind_dn);
	free(c->bind_pw);
	for (i = 0; i < c->n_domains; i++)
		free(c->domains[i]);
	free(c->domains);
	memset(c, 0, sizeof(*c));
}

/* printable - S has no control byte */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/* next_word - the next word of a list separated by blanks or commas,
 * into W (size bytes); 0 at the end, -1 when a word is too long */
static int next_word(const char **sp, char *w, size_t size)
{
	const char *s = *sp, *e;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s)
		return 0;
	for (e = s; *e && *e != ' ' && *e != '\t' && *e != ','; e++)
		;
	if ((size_t) (e - s) >= size)
		return -1;
	memcpy(w, s, (size_t) (e - s));
	w[e - s] = 0;
	*sp = e;
	return 1;
}

/* check_hosts - each word of server_host is a URI we can use or a
 * host name */
static int check_hosts(struct parse *p, const char *v)
{
	char w[512];
	int rc;

	p->c->n_uris = 0;
	while ((rc = next_word(&v, w, sizeof(w))) > 0) {
		if (++p->c->n_uris > LG_LDAP_MAX_URIS)
			return fail(p, "server_host: more than %s servers",
				    "16", "");
		if (strstr(w, "://") && strncmp(w, "ldap://", 7) != 0 &&
		    strncmp(w, "ldaps://", 8) != 0 &&
		    strncmp(w, "ldapi://", 8) != 0)
			return fail(p, "server_host: \"%.200s\" is not an ldap://, ldaps:// or ldapi:// URI",
				    w, "");
	}
	if (rc < 0)
		return fail(p, "server_host: a server name is too long", "", "");
	if (p->c->n_uris == 0)
		return fail(p, "server_host: no server", "", "");
	return 0;
}

/* build_uris - the URIs, bare host names with server_port */
static int build_uris(struct parse *p)
{
	const char *v = p->hosts ? p->hosts : DEFAULT_HOST;
	char w[512], one[600];
	size_t len = 0, cap = 16 * 640;
	int rc;

	if (!(p->c->uris = malloc(cap)))
		return fail(p, "out of memory", "", "");
	p->c->uris[0] = 0;
	p->c->n_uris = 0;
	while ((rc = next_word(&v, w, sizeof(w))) > 0) {
		if (strstr(w, "://"))
			snprintf(one, sizeof(one), "%s", w);
		else if (strchr(w, ':') || w[0] == '[')
			snprintf(one, sizeof(one), "ldap://%s", w);
		else
			snprintf(one, sizeof(one), "ldap://%s:%d", w,
				 p->c->port);
		len += (size_t) snprintf(p->c->uris + len, cap - len, "%s%s",
					 len ? " " : "", one);
		p->c->n_uris++;
	}
	return 0;
}

/* domains - the domain list, lower case */
static int domains(struct parse *p, const char *v)
{
	struct lg_ldap_conf *c = p->c;
	char w[256], *d;
	size_t i;
	int rc;

	while ((rc = next_word(&v, w, sizeof(w))) > 0) {
		if (strchr(w, ':') || strchr(w, '/') || strchr(w, '@'))
			return fail(p, "domain: \"%.200s\" is not a domain name (a list of names; tables are not read)",
				    w, "");
		if (c->n_domains >= LG_LDAP_MAX_DOMAINS)
			return fail(p, "domain: more than %s domains", "256",
				    "");
		for (i = 0; w[i]; i++)
			w[i] = (char) tolower((unsigned char) w[i]);
		if (i > 1 && w[i - 1] == '.')
			w[i - 1] = 0;
		if (!(d = strdup(w)))
			return fail(p, "out of memory", "", "");
		c->domains[c->n_domains++] = d;
	}
	if (rc < 0)
		return fail(p, "domain: a domain name is too long", "", "");
	return 0;
}

/* duration - seconds as a bare number (as ldap_table has it), or a
 * duration with its unit; in ms */
static int duration(const char *v, long long *ms_r)
{
	const char *s;

	for (s = v; *s >= '0' && *s <= '9'; s++)
		;
	if (!*s && s != v && s - v <= 9) {
		*ms_r = atoll(v) * 1000;
		return 0;
	}
	return lg_parse_duration_ms(v, ms_r);
}

/* number - a whole number in [lo, hi] */
static int number(const char *v, long long lo, long long hi, long long *n_r)
{
	const char *s;

	for (s = v; *s >= '0' && *s <= '9'; s++)
		;
	if (*s || s == v || s - v > 9)
		return -1;
	*n_r = atoll(v);
	return *n_r < lo || *n_r > hi ? -1 : 0;
}

/* set_value - one "name = value" */
static int set_value(struct parse *p, const struct key *k, const char *v)
{
	char *base = (char *) p->c, why[200];
	long long n;

	switch (k->kind) {
	case K_HOSTS:
		if (check_hosts(p, v) || !(p->hosts = strdup(v)))
			return -1;
		return 0;
	case K_PORT:
		if (number(v, 1, 65535, &n))
			return fail(p, "server_port: \"%.100s\" is not a port (1 to 65535)", v, "");
		p->c->port = (int) n;
		return 0;
	case K_FILTER:
		if (lg_ldap_template_ok(v, why, sizeof(why)))
			return fail(p, "query_filter: %s", why, "");
		/* FALLTHROUGH */
	case K_STR:
		if (!(*(char **) (base + k->off) = strdup(v)))
			return fail(p, "out of memory", "", "");
		return 0;
	case K_SCOPE:
		if (strcmp(v, "sub") == 0)
			p->c->scope = LG_LDAP_SCOPE_SUB;
		else if (strcmp(v, "one") == 0)
			p->c->scope = LG_LDAP_SCOPE_ONE;
		else if (strcmp(v, "base") == 0)
			p->c->scope = LG_LDAP_SCOPE_BASE;
		else
			return fail(p, "scope: \"%.100s\" (sub, one or base)",
				    v, "");
		return 0;
	case K_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
			*(int *) (base + k->off) = v[0] == 'y';
		else
			return fail(p, "%s: \"%.100s\" (yes or no)", k->name, v);
		return 0;
	case K_VERSION:
		if (strcmp(v, "3") != 0)
			return fail(p, "version: \"%.100s\" (only 3 is supported)",
				    v, "");
		return 0;
	case K_TIMEOUT:
		if (duration(v, &n) || n < TIMEOUT_MIN_MS || n > TIMEOUT_MAX_MS)
			return fail(p, "timeout: \"%.100s\" (seconds, or a duration as \"500ms\"; from 10ms to 60s)",
				    v, "");
		p->c->timeout_ms = (int) n;
		return 0;
	case K_DOMAINS:
		return domains(p, v);
	case K_CACHE:
		if (number(v, 0, CACHE_MAX, &n))
			return fail(p, "cache_size: \"%.100s\" (entries, 0 to 16777216; 0: no cache)",
				    v, "");
		p->c->cache_size = (size_t) n;
		return 0;
	case K_TTL:
		if (duration(v, &n) || n < 0 || n > TTL_MAX_MS)
			return fail(p, "%s: \"%.100s\" (seconds, or a duration as \"10m\"; at most 1d)",
				    k->name, v);
		*(int *) (base + k->off) = (int) (n / 1000);
		return 0;
	}
	return -1;
}

/* logical_line - one "name = value" line, trimmed, NUL-terminated */
static int logical_line(struct parse *p, char *line)
{
	char *eq = strchr(line, '='), *name = line, *v, *e;
	size_t i;

	if (!eq)
		return fail(p, "\"%.60s\" is not \"name = value\"", line, "");
	for (e = eq; e > name && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = 0;
	for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = 0;
	for (i = 0; i < NKEYS && strcmp(keys[i].name, name) != 0; i++)
		;
	if (i == NKEYS)
		return fail(p, "unknown name \"%.60s\" (server_host, server_port, search_base, scope, query_filter, result_attribute, bind, bind_dn, bind_pw, version, timeout, start_tls, domain, cache_size, cache_ttl, negative_ttl)",
			    name, "");
	if (p->seen[i]++)
		return fail(p, "%s is given twice", name, "");
	if (!printable(v))
		return fail(p, "%s: a control character in the value", name,
			    "");
	if (!*v && !keys[i].may_be_empty)
		return fail(p, "%s: an empty value", name, "");
	if (!*v)
		return 0;
	return set_value(p, &keys[i], v);
}

/* finish - what the whole file must give */
static int finish(struct parse *p)
{
	struct lg_ldap_conf *c = p->c;

	if (!c->search_base)
		return fail(p, "no search_base (the DN the search starts from, as \"%s\")",
			    "ou=people,dc=example,dc=com", "");
	if (!c->query_filter && !(c->query_filter = strdup(DEFAULT_FILTER)))
		return fail(p, "out of memory", "", "");
	if (c->bind_dn && !c->bind)
		return fail(p, "bind_dn is set but bind = no", "", "");
	return build_uris(p);
}

/* lg_ldap_conf_parse - see src_ldap.h */
int lg_ldap_conf_parse(struct lg_ldap_conf *c, const char *path,
		       const char *text, size_t len, char *err, size_t errsize)
{
	struct parse p = { c, path, 0, err, errsize, { 0 }, NULL };
	char *line = malloc(LG_LDAP_VALUE_MAX + 1);
	size_t used = 0, n;
	const char *s = text, *end = text + len, *nl;
	unsigned long start = 0;
	int rc = 0;

	if (!line || !(c->path = strdup(path)) ||
	    !(c->domains = calloc(LG_LDAP_MAX_DOMAINS, sizeof(char *)))) {
		free(line);
		snprintf(err, errsize, "%s: out of memory", path);
		return -1;
	}
	if (len > LG_LDAP_FILE_MAX || memchr(text, 0, len)) {
		p.line = 1;
		free(line);
		return fail(&p, "not a text file of at most %s bytes", "65536",
			    "");
	}
	for (; rc == 0 && s <= end; s = nl + 1) {
		const char *t;

		if (!(nl = memchr(s, '\n', (size_t) (end - s))))
			nl = end;
		p.line++;
		n = (size_t) (nl - s);
		if (n && s[n - 1] == '\r')
			n--;
		for (t = s; t < s + n && (*t == ' ' || *t == '\t'); t++)
			;
		if (t == s + n || *t == '#')
			continue;		/* blank or comment */
		if (t == s && used) {		/* a new logical line */
			unsigned long here = p.line;

			line[used] = 0;
			p.line = start;
			rc = logical_line(&p, line);
			p.line = here;
			used = 0;
		}
		if (t > s && !used) {
			rc = fail(&p, "a continuation line with nothing to continue", "", "");
			break;
		}
		if (!used)
			start = p.line;
		if (used + 1 + (size_t) (s + n - t) > LG_LDAP_VALUE_MAX) {
			rc = fail(&p, "a line longer than %s bytes", "4096", "");
			break;
		}
		if (used)
			line[used++] = ' ';
		memcpy(line + used, t, (size_t) (s + n - t));
		used += (size_t) (s + n - t);
	}
	if (rc == 0 && used) {
		line[used] = 0;
		p.line = start;
		rc = logical_line(&p, line);
	}
	free(line);
	if (rc == 0)
		rc = finish(&p);
	free(p.hosts);
	return rc;
}

/* lg_ldap_serves - see src_ldap.h */
int lg_ldap_serves(const struct lg_ldap_conf *c, const char *domain)
{
	size_t i;

	if (c->n_domains == 0)
		return 1;
	for (i = 0; i < c->n_domains; i++)
		if (strcmp(c->domains[i], domain) == 0)
			return 1;
	return 0;
}
