/*
 * NAME
 *	fuzz_sendmail_cf - libFuzzer harness for the readers of the
 *	"sendmail" recipient source (milter/directory/src_sendmail_cf.c)
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_sendmail_cf [libFuzzer options] [corpus...]
 * DESCRIPTION
 *	The input, not NUL-terminated, goes to lg_sm_cf_parse() as a .cf,
 *	to lg_sm_map_parse() as a makemap listing and to
 *	lg_sm_class_words() as a class file. It checks what
 *	src_sendmail.h promises: the answer is 0 or -1 with a message;
 *	the lists stay within their bounds; every class word is 1 to
 *	LG_SM_WORD_MAX bytes, lower case, without "$" or NUL; every alias file has a type; a virtuser map has a type; map
 *	keys are 1 to 1024 bytes without a NUL.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "src_sendmail.h"

/* check_class - the words of a class keep their promise */
static void check_class(const struct lg_sm_class *c)
{
	size_t i, j, n;

	FZ_CHECK(c->n_words <= LG_SM_WORDS_MAX, "%zu words", c->n_words);
	FZ_CHECK(c->n_files <= LG_SM_FILES_MAX, "%zu files", c->n_files);
	for (i = 0; i < c->n_words; i++) {
		n = strlen(c->words[i]);
		FZ_CHECK(n >= 1 && n <= LG_SM_WORD_MAX, "word of %zu bytes", n);
		FZ_CHECK(!strchr(c->words[i], '$'), "a macro kept");
		for (j = 0; j < n; j++)
			FZ_CHECK(c->words[i][j] < 'A' || c->words[i][j] > 'Z',
				 "an upper-case word");
	}
	for (i = 0; i < c->n_files; i++)
		FZ_CHECK(c->files[i].path && c->files[i].path[0] &&
			 strlen(c->files[i].path) <= LG_SM_PATH_MAX,
			 "a class file without a path");
}

/* key_ok - lg_sm_map_fn: the key's bounds */
static int key_ok(void *arg, const char *key, const char *value)
{
	size_t n = strlen(key);

	(void) arg;
	FZ_CHECK(n >= 1 && n <= 1024, "key of %zu bytes", n);
	FZ_CHECK(value != NULL, "no value");
	return 0;
}

/* LLVMFuzzerTestOneInput - the three readers on one input */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), err[512];
	struct lg_sm_cf cf;
	struct lg_sm_class c;
	size_t i;
	int rc;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	err[0] = 0;
	rc = lg_sm_cf_parse(copy, size, &cf, err, sizeof(err));
	FZ_CHECK(rc == 0 || (rc == -1 && err[0]), "cf rc %d", rc);
	FZ_CHECK(cf.n_aliases <= LG_SM_FILES_MAX, "%zu aliases", cf.n_aliases);
	for (i = 0; i < cf.n_aliases; i++)
		FZ_CHECK(cf.aliases[i].type != NULL, "an alias file without a type");
	FZ_CHECK(rc != 0 || !cf.has_virtuser || cf.vu_type,
		 "a virtuser map without a type");
	check_class(&cf.w);
	check_class(&cf.virthost);
	FZ_CHECK(!cf.dj || (cf.dj[0] && !strchr(cf.dj, '$')), "bad $j");
	lg_sm_cf_free(&cf);

	err[0] = 0;
	rc = lg_sm_map_parse(copy, size, key_ok, NULL, err, sizeof(err));
	FZ_CHECK(rc == 0 || (rc == -1 && err[0]), "map rc %d", rc);

	memset(&c, 0, sizeof(c));
	err[0] = 0;
	rc = lg_sm_class_words(copy, size, size & 1, &c, err, sizeof(err));
	FZ_CHECK(rc == 0 || (rc == -1 && err[0]), "class rc %d", rc);
	check_class(&c);
	memset(&cf, 0, sizeof(cf));
	cf.w = c;
	lg_sm_cf_free(&cf);
	free(copy);
	return 0;
}
