/*
 * NAME
 *	src_ldap.h - the settings of an "ldap:FILE" source, and its
 *	search filters
 * SYNOPSIS
 *	#include "src_ldap.h"
 *
 *	struct lg_ldap_conf c;
 *	lg_ldap_conf_init(&c, &env);
 *	lg_ldap_conf_parse(&c, "ldap.cf", text, len, err, sizeof(err));
 *	n = lg_ldap_filter(buf, sizeof(buf), c.query_filter, "bob@a.test");
 *	lg_ldap_conf_clear(&c);
 * DESCRIPTION
 *	src_ldap_conf.c reads the FILE of ldap_table(5)'s shape ("name =
 *	value", "#" comments, a line that starts with a blank continues
 *	the one before); src_ldap_filter.c expands the query filter;
 *	src_ldap.c asks the servers. The parser and the filter need no
 *	libldap, so the unit tests and the fuzz harness use them alone.
 *
 *	lg_ldap_escape() writes a value as RFC 4515 wants it inside a
 *	filter: "*", "(", ")", "\", NUL, every control byte and every
 *	byte above 0x7e become "\XX". lg_ldap_filter() expands %s (the
 *	whole key), %u (its local part), %d (its domain) and %% in the
 *	template, each value escaped; a key with no local part and a
 *	template that uses %u, or a key with no domain and %d, has no
 *	query (Postfix suppresses those too).
 * DIAGNOSTICS
 *	lg_ldap_conf_parse: -1 with "FILE:LINE: ..." in err.
 *	lg_ldap_filter: the length the whole filter needs (as snprintf;
 *	the output is cut when it does not fit), or -1 when the key has
 *	no query.
 */
#ifndef LG_SRC_LDAP_H
#define LG_SRC_LDAP_H

#include <stddef.h>

/* Directory library. */
#include "dir_source.h"

#define LG_LDAP_MAX_URIS	16
#define LG_LDAP_MAX_DOMAINS	256
#define LG_LDAP_FILE_MAX	65536	/* bytes of FILE */
#define LG_LDAP_VALUE_MAX	4096	/* bytes of one value */

enum lg_ldap_scope {
	LG_LDAP_SCOPE_BASE,
	LG_LDAP_SCOPE_ONE,
	LG_LDAP_SCOPE_SUB
};

struct lg_ldap_conf {
	char   *path;
	char   *uris;			/* blank-separated, for ldap_initialize */
	size_t  n_uris;
	int     port;			/* for a bare host name */
	char   *search_base;
	enum lg_ldap_scope scope;
	char   *query_filter;
	char   *result_attribute;	/* NULL: any entry */
	int     bind;
	char   *bind_dn;
	char   *bind_pw;
	int     version;
	int     timeout_ms;
	int     start_tls;
	char  **domains;		/* lower case; none: every domain */
	size_t  n_domains;
	size_t  cache_size;
	int     cache_ttl_s;
	int     negative_ttl_s;
};

/* lg_ldap_conf_init - the defaults, from the directory's env */
void lg_ldap_conf_init(struct lg_ldap_conf *c, const struct lg_dir_env *env);

/* lg_ldap_conf_parse - TEXT (LEN bytes, the content of PATH) into C;
 * 0, or -1 with "PATH:LINE: ..." in err */
int lg_ldap_conf_parse(struct lg_ldap_conf *c, const char *path,
		       const char *text, size_t len, char *err,
		       size_t errsize);

/* lg_ldap_conf_clear - free what C holds */
void lg_ldap_conf_clear(struct lg_ldap_conf *c);

/* lg_ldap_serves - 1 when DOMAIN is one of C's, or C names none */
int lg_ldap_serves(const struct lg_ldap_conf *c, const char *domain);

/* lg_ldap_escape - IN (LEN bytes) escaped into OUT; the length needed */
size_t lg_ldap_escape(char *out, size_t size, const char *in, size_t len);

/* lg_ldap_filter - the template expanded for KEY ("local@domain" or
 * "@domain"); see DIAGNOSTICS */
long lg_ldap_filter(char *out, size_t size, const char *tmpl,
		    const char *key);

/* lg_ldap_template_ok - 0 when TMPL is a usable query_filter, else -1
 * with why in err */
int lg_ldap_template_ok(const char *tmpl, char *err, size_t errsize);

#endif
