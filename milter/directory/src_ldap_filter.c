/*
 * NAME
 *	src_ldap_filter.c - the search filter of an "ldap:FILE" source,
 *	built from a recipient
 * SYNOPSIS
 *	#include "src_ldap.h"
 * DESCRIPTION
 *	See src_ldap.h. The recipient comes from an SMTP client that may
 *	be hostile: every byte of it that means something in a filter
 *	(RFC 4515: "*", "(", ")", "\", NUL), and every byte outside
 *	printable ASCII, is written as "\XX", so an address such as
 *	"*)(mail=*" only ever matches itself. No libldap here: the unit
 *	tests and the fuzz harness use these alone.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

/* Directory library. */
#include "src_ldap.h"

/* lg_ldap_template_ok - see src_ldap.h */
int lg_ldap_template_ok(const char *t, char *err, size_t errsize)
{
	int depth = 0, keyed = 0;
	const char *s;

	for (s = t; *s; s++) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && --depth < 0)
			break;
		if (*s != '%')
			continue;
		if (s[1] == 's' || s[1] == 'u')
			keyed = 1;
		else if (s[1] != 'd' && s[1] != '%') {
			snprintf(err, errsize,
				 "\"%%%c\" is not one of %%s, %%u, %%d, %%%%",
				 s[1] && (unsigned char) s[1] >= ' ' ? s[1] : '?');
			return -1;
		}
		s++;
	}
	if (depth != 0 || t[0] != '(') {
		snprintf(err, errsize,
			 "\"%.100s\" is not a filter in parentheses, as \"(mail=%%s)\"",
			 t);
		return -1;
	}
	if (!keyed) {
		snprintf(err, errsize,
			 "\"%.100s\" uses neither %%s nor %%u: every address would get the same answer",
			 t);
		return -1;
	}
	return 0;
}

/* lg_ldap_escape - see src_ldap.h */
size_t lg_ldap_escape(char *out, size_t size, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0, w;
	int full = size == 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) in[i];

		w = ch < 0x20 || ch > 0x7e || ch == '*' || ch == '(' ||
			ch == ')' || ch == '\\' ? 3 : 1;
		if (!full && n + w < size) {
			if (w == 3) {
				out[n] = '\\';
				out[n + 1] = hex[ch >> 4];
				out[n + 2] = hex[ch & 15];
			} else {
				out[n] = (char) ch;
			}
		} else if (!full) {
			out[n] = 0;		/* whole escapes only */
			full = 1;
		}
		n += w;
	}
	if (!full)
		out[n] = 0;
	return n;
}

/* lg_ldap_filter - see src_ldap.h */
long lg_ldap_filter(char *out, size_t size, const char *t, const char *key)
{
	const char *at = strrchr(key, '@');
	size_t klen = strlen(key), llen = at ? (size_t) (at - key) : klen;
	const char *dom = at ? at + 1 : "";
	size_t n = 0;
	int full = size == 0;

	for (; *t; t++) {
		const char *v = NULL;
		size_t vlen = 0;

		if (*t == '%' && t[1]) {
			t++;
			if (*t == 's')
				v = key, vlen = klen;
			else if (*t == 'u' && llen)
				v = key, vlen = llen;
			else if (*t == 'd' && *dom)
				v = dom, vlen = strlen(dom);
			else if (*t == 'u' || *t == 'd')
				return -1;
		}
		if (v) {
			size_t w = lg_ldap_escape(full ? NULL : out + n,
						  full ? 0 : size - n, v, vlen);

			if (!full && n + w >= size)
				full = 1;	/* escape wrote its NUL */
			n += w;
			continue;
		}
		if (!full && n + 1 < size) {
			out[n] = *t;
		} else if (!full) {
			out[n] = 0;
			full = 1;
		}
		n++;
	}
	if (!full)
		out[n] = 0;
	return (long) n;
}
