/*
 * NAME
 *	fuzz_ldap - libFuzzer harness for the ldap: source's filter
 *	expansion and escaping, and its settings file
 *	(milter/directory/src_ldap_conf.c)
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_ldap [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	Input: three parts separated by NUL bytes: a query_filter
 *	template, a key (a recipient as an SMTP client may send it), and
 *	the text of a settings file.
 *
 *	Checked besides memory errors: the key escaped holds none of
 *	"*()\" and no byte outside 0x20-0x7e, and unescapes to exactly
 *	the key; the expanded filter has, outside its escapes, exactly
 *	the "*", "(", ")" and non-printable bytes of the template (the
 *	key adds none: a hostile address cannot widen the search); the
 *	length returned is the length written, at every output size,
 *	and a short output is a prefix of the whole made of whole
 *	escapes; a settings file that parses has a search_base, a usable
 *	filter and a server, and one that does not gives an error
 *	"FILE:LINE: ...".
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "src_ldap.h"

/* hexval - a hex digit's value, -1 if not one */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* check_escape - escaped, KEY (LEN bytes) is safe and reversible */
static void check_escape(const char *key, size_t len)
{
	size_t need = lg_ldap_escape(NULL, 0, key, len), i, n = 0;
	char *out = malloc(need + 1);

	FZ_CHECK(out != NULL, "malloc");
	FZ_CHECK(lg_ldap_escape(out, need + 1, key, len) == need &&
		 strlen(out) == need, "escape: length %zu", need);
	for (i = 0; i < need; i++) {
		unsigned char c = (unsigned char) out[i];

		FZ_CHECK(c >= 0x20 && c <= 0x7e && c != '*' && c != '(' &&
			 c != ')', "escape: byte 0x%02x left raw", c);
		if (c == '\\') {
			FZ_CHECK(i + 2 < need + 1 && hexval(out[i + 1]) >= 0 &&
				 hexval(out[i + 2]) >= 0,
				 "escape: a lone backslash");
			FZ_CHECK(n < len && (unsigned char) key[n] ==
				 (unsigned) (hexval(out[i + 1]) * 16 +
					     hexval(out[i + 2])),
				 "escape: \\%c%c is not byte %zu", out[i + 1],
				 out[i + 2], n);
			i += 2;
		} else {
			FZ_CHECK(n < len && key[n] == out[i],
				 "escape: byte %zu changed", n);
		}
		n++;
	}
	FZ_CHECK(n == len, "escape: %zu bytes back of %zu", n, len);
	free(out);
}

/* specials - "*", "(", ")" and non-printable bytes of S outside its
 * "\XX" escapes (ESCAPED: S is an expanded filter) */
static size_t specials(const char *s, int escaped)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char) *s;

		if (escaped && c == '\\' && hexval(s[1]) >= 0 &&
		    hexval(s[2]) >= 0) {
			s += 2;
			continue;
		}
		if (c == '*' || c == '(' || c == ')' || c < 0x20 || c > 0x7e)
			n++;
	}
	return n;
}

/* check_filter - TMPL expanded for KEY */
static void check_filter(const char *tmpl, const char *key)
{
	long need = lg_ldap_filter(NULL, 0, tmpl, key), again;
	char *whole, small[40];
	size_t size;

	if (need < 0)
		return;
	whole = malloc((size_t) need + 1);
	FZ_CHECK(whole != NULL, "malloc");
	again = lg_ldap_filter(whole, (size_t) need + 1, tmpl, key);
	FZ_CHECK(again == need && strlen(whole) == (size_t) need,
		 "filter: %ld, then %ld, %zu written", need, again,
		 strlen(whole));
	/* a template without "\" cannot make an escape of its own */
	if (!strchr(tmpl, '\\'))
		FZ_CHECK(specials(whole, 1) == specials(tmpl, 0),
			 "filter: the key added a wildcard or a parenthesis");
	for (size = 1; size < sizeof(small); size++) {
		size_t k;

		FZ_CHECK(lg_ldap_filter(small, size, tmpl, key) == need,
			 "filter: size %zu changes the length", size);
		k = strlen(small);
		FZ_CHECK(k < size && strncmp(small, whole, k) == 0,
			 "filter: size %zu: not a prefix", size);
	}
	free(whole);
}

/* check_conf - the settings file TEXT */
static void check_conf(const char *text, size_t len)
{
	struct lg_dir_env env = { 0, "+", NULL, 0, 5000, 100, 600, 60 };
	struct lg_ldap_conf c;
	char err[512] = "", why[256];

	lg_ldap_conf_init(&c, &env);
	if (lg_ldap_conf_parse(&c, "fz.cf", text, len, err, sizeof(err)) == 0) {
		FZ_CHECK(c.search_base && *c.search_base, "conf: no base");
		FZ_CHECK(c.query_filter &&
			 lg_ldap_template_ok(c.query_filter, why,
					     sizeof(why)) == 0,
			 "conf: filter %s", c.query_filter);
		FZ_CHECK(c.uris && *c.uris && c.n_uris > 0, "conf: no server");
		FZ_CHECK(c.timeout_ms >= 10 && c.timeout_ms <= 60000,
			 "conf: timeout %d", c.timeout_ms);
	} else {
		FZ_CHECK(strncmp(err, "fz.cf:", 6) == 0, "conf: error \"%s\"",
			 err);
	}
	lg_ldap_conf_clear(&c);
}

/* LLVMFuzzerTestOneInput - a template, a key, a settings file */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p;
	char *tmpl, *key;
	size_t n;

	p = fz_split(&data, &size, &n);
	tmpl = fz_strndup(p, n);
	p = fz_split(&data, &size, &n);
	key = fz_strndup(p, n);
	check_escape(key, strlen(key));
	check_filter(tmpl, key);
	check_conf((const char *) data, size);
	free(tmpl);
	free(key);
	return 0;
}
