/*
 * NAME
 *	fuzz_directory - libFuzzer harness for the recipient directory's
 *	table readers (milter/directory: src_file.c, src_aliases.c,
 *	recipients_load.c) and its lookups
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_directory [libFuzzer options] [corpus...]
 * DESCRIPTION
 *	The first byte picks the reader (even: a file of addresses, odd:
 *	an aliases file); the rest up to a NUL byte is the table, and
 *	what follows is split at NUL bytes into recipients to look up
 *	(local part, domain, ...; at most 16). It checks what
 *	directory.h promises: a load that fails leaves an error naming the
 *	file; a lookup answers yes or no, never "cannot tell" (nothing
 *	here can fail to answer); every address the directory lists for
 *	a local domain (lg_dir_each_in_domain) is found again by a lookup.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "directory.h"

#define MAX_LOOKUPS	16

static char *domains[] = { "example.com", "example.org" };

/* Entries listed, looked up again. */
struct again {
	struct lg_dir *dir;
	const char *domain;
	int checked;
};

/* found_again - a listed address of the domain exists */
static int found_again(void *arg, const char *local)
{
	struct again *a = arg;
	enum lg_dir_answer got;

	if (a->checked++ >= 64)
		return 1;
	got = lg_dir_lookup(a->dir, local, a->domain, NULL, 0);
	FZ_CHECK(got == LG_DIR_YES, "entry %s@%s listed but not found (%d)",
		 local, a->domain, (int) got);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_dir_env env = { 0, "+", domains, 2, 1000, 0, 0, 0 };
	struct lg_dir *dir;
	const uint8_t *part;
	const char *path;
	char spec[600], err[1024], why[300];
	size_t len, n = 0;
	int aliases;

	if (size < 1)
		return 0;
	fz_log_reset();
	aliases = data[0] & 1;
	data++;
	size--;
	part = fz_split(&data, &size, &len);
	path = fz_file("table", part, len);
	snprintf(spec, sizeof(spec), "%s%s", aliases ? "aliases:" : "file:",
		 path);
	dir = lg_dir_new(&env, 50);
	FZ_CHECK(dir != NULL, "no directory");
	FZ_CHECK(lg_dir_add(dir, spec, err, sizeof(err)) == 0, "add: %s", err);
	err[0] = 0;
	if (lg_dir_load(dir, NULL, 0, err, sizeof(err)) != 0) {
		FZ_CHECK(strstr(err, path) != NULL, "load error without the file: %s",
			 err);
		lg_dir_free(&dir);
		return 0;
	}
	while (size > 0 && n++ < MAX_LOOKUPS) {
		char *local, *domain;
		const uint8_t *d;
		size_t dlen;
		enum lg_dir_answer got;

		part = fz_split(&data, &size, &len);
		d = fz_split(&data, &size, &dlen);
		local = fz_strndup(part, len);
		domain = fz_strndup(d, dlen);
		got = lg_dir_lookup(dir, local, domain, why, sizeof(why));
		FZ_CHECK(got == LG_DIR_YES || got == LG_DIR_NO,
			 "answer %d for %s@%s (%s)", (int) got, local, domain,
			 why);
		free(local);
		free(domain);
	}
	for (n = 0; n < 2; n++) {
		struct again a = { dir, domains[n], 0 };

		lg_dir_each_in_domain(dir, domains[n], found_again, &a);
	}
	lg_dir_free(&dir);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fz_log_setup();
	return 0;
}
