/*
 * NAME
 *	batv_impl.h - the BATV settings, shared by batv.c and batv_config.c
 * DESCRIPTION
 *	Private to the BATV files of the bounce plugin.
 */
#ifndef BATV_IMPL_H
#define BATV_IMPL_H

#define BATV_DAYS_MAX	365	/* days: the day number wraps at 1000 */

#include <stddef.h>

#include "batv.h"

/* One key id: its secret (wiped by batv_free). */
struct batv_key {
	int set;
	size_t len;
	unsigned char secret[BATV_SECRET_MAX];
};

/* The batv setting, read once in init, read only afterwards. */
struct batv {
	struct batv_key keys[BATV_KEYS];
	int sign_key;
	long long days;
	int report_only;
	char **domains;
	size_t n_domains;
	char **exempt;
	size_t n_exempt;
};

#endif
