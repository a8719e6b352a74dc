/*
 * NAME
 *	src_sendmail_map.c - the readers of Sendmail's map listings
 *	("makemap -u", or the text makemap reads) and class files
 * SYNOPSIS
 *	#include "src_sendmail.h"
 * DESCRIPTION
 *	See src_sendmail.h. Both readers work on a buffer of a bounded
 *	length and copy what they keep; neither reads a file itself.
 * DIAGNOSTICS
 *	-1 with "line N: what is wrong" in err.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Directory library. */
#include "src_sendmail.h"

#define MAP_KEY_MAX	1024		/* longer keys are not addresses */

/* lg_sm_map_parse - see src_sendmail.h */
int lg_sm_map_parse(const char *text, size_t len, lg_sm_map_fn fn,
		    void *arg, char *err, size_t errsize)
{
	const char *p = text, *end = text + len, *nl, *le, *ke, *v;
	char key[MAP_KEY_MAX + 1], *value = NULL;
	size_t vsize = 0, n;
	unsigned long lineno = 0;
	int rc = 0;

	for (; p < end && rc == 0; p = nl ? nl + 1 : end) {
		lineno++;
		nl = memchr(p, '\n', (size_t) (end - p));
		le = nl ? nl : end;
		while (le > p && (le[-1] == '\r' || le[-1] == 0))
			le--;
		if (p == le || *p == '#' || skip_blanks(p, le) == le)
			continue;	/* empty, a comment, only blanks */
		ke = p;
		while (ke < le && !blank(*ke))
			ke++;
		v = skip_blanks(ke, le);
		while (ke > p && ke[-1] == 0)	/* -N maps */
			ke--;
		n = (size_t) (ke - p);
		if (n == 0 || n > MAP_KEY_MAX || memchr(p, 0, n)) {
			snprintf(err, errsize,
				 "line %lu: not \"key value\" (a key of 1 to %d bytes)",
				 lineno, MAP_KEY_MAX);
			free(value);
			return -1;
		}
		memcpy(key, p, n);
		key[n] = 0;
		if ((size_t) (le - v) + 1 > vsize) {
			char *grown = realloc(value, (size_t) (le - v) + 1);

			if (!grown) {
				snprintf(err, errsize, "out of memory");
				free(value);
				return -1;
			}
			value = grown;
			vsize = (size_t) (le - v) + 1;
		}
		memcpy(value, v, (size_t) (le - v));
		value[le - v] = 0;
		rc = fn(arg, key, value);
	}
	free(value);
	return rc;
}

/* lg_sm_class_words - see src_sendmail.h */
int lg_sm_class_words(const char *text, size_t len, int first_word,
		      struct lg_sm_class *c, char *err, size_t errsize)
{
	const char *p = text, *end = text + len, *nl, *le, *e;
	unsigned long lineno = 0;

	for (; p < end; p = nl ? nl + 1 : end) {
		lineno++;
		nl = memchr(p, '\n', (size_t) (end - p));
		le = nl ? nl : end;
		if (p == le || *p == '#')
			continue;
		for (p = skip_blanks(p, le); p < le; p = skip_blanks(e, le)) {
			e = word_end(p, le);
			if (lg_sm_class_add(c, p, (size_t) (e - p)) != 0) {
				snprintf(err, errsize,
					 "line %lu: more than %d words, or no memory",
					 lineno, LG_SM_WORDS_MAX);
				return -1;
			}
			if (first_word)
				break;
		}
	}
	return 0;
}
