/*
 * NAME
 *	fake_source.h - a recipient source whose answers a test sets
 * DESCRIPTION
 *	fake_ops is a kind of source (lg_dir_add_ops) driven by the one
 *	global fake: which addresses exist, which lookups fail, whether
 *	its inputs moved (version), how many entries the next load has, whether
 *	it fails. Each generation carries the serial number of its load,
 *	so a test sees which generation answered.
 */
#ifndef FAKE_SOURCE_H
#define FAKE_SOURCE_H

#include <stddef.h>

#include "dir_source.h"

#define FAKE_MAX	8

struct fake_state {
	const char *yes[FAKE_MAX];	/* "local@domain" that exist */
	const char *fail;		/* the address that fails, "*": all */
	int     version;		/* of the inputs: a generation of an
					 * older one has changed */
	size_t  count;			/* entries of the next load */
	int     load_fails;		/* the next loads fail */
	int     serves;			/* serves() answers this */
	const char *entries[FAKE_MAX][2];	/* each(): local, domain */
	int     loads;			/* loads so far */
	int     frees;			/* generations freed */
	int     last_serial;		/* serial of the generation asked */
	char    last_key[600];		/* the key of the last lookup */
};

extern struct fake_state fake;
extern const struct lg_dir_source_ops fake_ops;

/* fake_reset - every answer back to "no", nothing loaded yet */
void fake_reset(void);

#endif
