/*
 * NAME
 *	src_postfix_parse.c - Postfix's text cut into parts: a list
 *	parameter into items, postconf's answer into values
 * SYNOPSIS
 *	#include "src_postfix.h"
 * DESCRIPTION
 *	lg_pf_split() cuts a Postfix list (commas or blanks; "{...}" kept
 *	whole); lg_pf_parse_postconf() cuts postconf's answer into one
 *	value per parameter. Both are pure and fuzzed
 *	(t/fuzz/fuzz_postfix.c).
 * DIAGNOSTICS
 *	-1 for braces that do not close, an item too long, or an answer
 *	of the wrong shape.
 */
#include "config.h"

#include <string.h>

/* Directory library. */
#include "src_postfix.h"

/* lg_pf_split - each item of a Postfix list; 0, -1 for braces that do
 * not close or an item too long, or what fn returned */
int lg_pf_split(const char *value, int (*fn)(void *arg, const char *tok),
		void *arg)
{
	const char *p = value, *s;
	char tok[PF_SPEC_MAX];
	int depth, rc;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' ||
		       *p == '\n')
			p++;
		if (!*p)
			return 0;
		for (s = p, depth = 0; *p; p++) {
			if (*p == '{')
				depth++;
			else if (*p == '}' && --depth < 0)
				return -1;
			else if (depth == 0 && strchr(" \t,\r\n", *p))
				break;
		}
		if (depth != 0 || (size_t) (p - s) >= sizeof(tok))
			return -1;
		memcpy(tok, s, (size_t) (p - s));
		tok[p - s] = 0;
		if ((rc = fn(arg, tok)) != 0)
			return rc;
	}
}

/* lg_pf_parse_postconf - OUT (changed in place) into N values, one a
 * line; 0, or -1 when there are not exactly N lines */
int lg_pf_parse_postconf(char *out, size_t len, char **values, size_t n)
{
	char *p = out, *end = out + len, *nl;
	size_t i;

	if (len > 0 && memchr(out, 0, len))
		return -1;
	for (i = 0; i < n; i++) {
		if (p >= end)
			return -1;
		if (!(nl = memchr(p, '\n', (size_t) (end - p))))
			nl = end;
		*nl = 0;
		values[i] = p;
		p = nl + 1;
	}
	return p >= end ? 0 : -1;
}
