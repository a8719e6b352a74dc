/*
 * NAME
 *	store_open.h - open the configured state backend by name
 * SYNOPSIS
 *	#include "store_open.h"
 *
 *	lg_store_open("memory", &mopts, NULL, now, &store, err, sizeof(err));
 *	lg_store_open("redis", &mopts, &ropts, now, &store, err, sizeof(err));
 * DESCRIPTION
 *	The one place that knows every backend. "memory" (NULL means it)
 *	uses mopts; "redis" uses ropts, and mopts->max_entries for its
 *	local fallback store. Either may be NULL when its backend is not
 *	chosen. A new backend is one more folder under store/ and one
 *	more line here.
 */
#ifndef LG_STORE_OPEN_H
#define LG_STORE_OPEN_H

#include <stddef.h>
#include <time.h>

/* Store library. */
#include "store.h"

struct lg_store_memory_opts;
struct lg_store_redis_opts;

/* lg_store_open - 0, or -1 with one line in err */
int lg_store_open(const char *backend,
		  const struct lg_store_memory_opts *mopts,
		  const struct lg_store_redis_opts *ropts, time_t now,
		  struct lg_store *store_r, char *err, size_t errsize);

/* lg_store_check_switch - at start: log a warning naming state export
 * and import when the open store looks like a backend switch forgot
 * what the other backend had learned (store_open.c says what is
 * checked). snapshot and server are the config's, NULL or "" if unset. */
void lg_store_check_switch(const char *backend, const char *snapshot,
			   const char *server, struct lg_store *store,
			   time_t now);

#endif
