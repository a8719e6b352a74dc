/*
 * NAME
 *	fuzz_postfix - libFuzzer harness for what the "postfix" recipient
 *	source parses of program output (milter/directory/src_postfix*.c)
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_postfix [libFuzzer options] [corpus...]
 * DESCRIPTION
 *	The first byte picks the parser, the rest is its input (a private
 *	copy, not NUL-terminated where the parser takes a length):
 *	0 postconf's answer (lg_pf_parse_postconf, 1 to 12 values), 1 a
 *	postmap -s listing, 2 a postalias -s listing, 3 a cdb file
 *	(lg_pf_parse_cdb), 4 a Postfix list (lg_pf_split) and 5 a table
 *	spec (lg_pf_table_kind). It checks their promises: postconf
 *	values hold no newline and there are as many as asked; a listing
 *	adds no more keys than it has lines; a cdb is read or refused with
 *	a reason; list items are non-empty, shorter than PF_SPEC_MAX and
 *	hold no separator outside braces; a table kind with a file names
 *	one.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "src_postfix.h"

/* item - lg_pf_split callback: the promises of one item */
static int item(void *arg, const char *tok)
{
	size_t n = strlen(tok), i;
	int depth = 0;

	FZ_CHECK(n > 0 && n < PF_SPEC_MAX, "item of %zu bytes", n);
	for (i = 0; i < n; i++) {
		if (tok[i] == '{')
			depth++;
		else if (tok[i] == '}')
			depth--;
		else if (depth == 0)
			FZ_CHECK(!strchr(" \t,\r\n", tok[i]),
				 "a separator in an item");
	}
	++*(int *) arg;
	return 0;
}

/* lines - the number of lines of n bytes */
static size_t lines(const char *p, size_t n)
{
	size_t k = 1, i;

	for (i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_recipients *set;
	char *copy, *v[12], err[256];
	unsigned long bad;
	enum pf_kind kind;
	size_t n, i, want;
	int rc, items = 0, pattern;
	char *file;

	if (size < 1)
		return 0;
	n = size - 1;
	if (!(copy = malloc(n + 1)))
		abort();
	memcpy(copy, data + 1, n);
	switch (data[0] % 6) {
	case 0:
		want = n ? (unsigned char) copy[0] % 12 + 1 : 1;
		if (lg_pf_parse_postconf(copy, n, v, want) == 0)
			for (i = 0; i < want; i++)
				FZ_CHECK(!strchr(v[i], '\n') &&
					 v[i] >= copy && v[i] <= copy + n,
					 "value %zu", i);
		break;
	case 1:
	case 2:
		if (!(set = lg_recipients_new(0, "")))
			abort();
		rc = lg_pf_parse_listing(set, copy, n, data[0] % 6 == 2, &bad);
		FZ_CHECK(rc >= 0 && (size_t) rc + bad <= lines(copy, n),
			 "%d keys and %lu bad from %zu lines", rc, bad,
			 lines(copy, n));
		FZ_CHECK(lg_recipients_count(set) <= (size_t) rc, "count");
		lg_recipients_free(&set);
		break;
	case 3:
		if (!(set = lg_recipients_new(0, "")))
			abort();
		err[0] = 0;
		rc = lg_pf_parse_cdb(set, (const unsigned char *) copy, n, 0,
				     err, sizeof(err));
		FZ_CHECK(rc >= 0 || err[0], "refused without a reason");
		lg_recipients_free(&set);
		break;
	case 4:
		copy[n] = 0;
		lg_pf_split(copy, item, &items);
		break;
	case 5:
		copy[n] = 0;
		file = NULL;
		if (lg_pf_table_kind(copy, &kind, &pattern, &file) == 0)
			FZ_CHECK(!file || *file, "an empty file name");
		free(file);
		break;
	}
	free(copy);
	return 0;
}
