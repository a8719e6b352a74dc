/*
 * NAME
 *	store_open.c - map a state backend's name to its implementation
 * SYNOPSIS
 *	#include "store_open.h"
 *
 *	lg_store_open(backend, &mopts, &ropts, now, &store, err, errsize);
 * DESCRIPTION
 *	The registry of backends, above all of them (as the interface is
 *	below them all), so no backend needs to know another exists. A
 *	NULL name means the default, "memory".
 * DIAGNOSTICS
 *	"state backend "X" is not supported" in err;
 *	"state backend "redis" needs a server" when ropts is NULL or
 *	names neither a server nor sentinels.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

/* Store library. */
#include "store.h"
#include "store_memory.h"
#include "store_redis.h"
#include "store_open.h"

/* lg_store_open - open a backend by name */
int lg_store_open(const char *backend,
		  const struct lg_store_memory_opts *mopts,
		  const struct lg_store_redis_opts *ropts, time_t now,
		  struct lg_store *store_r, char *err, size_t errsize)
{
	memset(store_r, 0, sizeof(*store_r));
	if (backend == NULL || strcmp(backend, "memory") == 0)
		return lg_store_memory_open(mopts, now, store_r, err, errsize);
	if (strcmp(backend, "redis") == 0) {
		if (ropts == NULL || ((ropts->server == NULL ||
				       !*ropts->server) &&
				      ropts->nsentinels <= 0)) {
			snprintf(err, errsize,
				 "state backend \"redis\" needs a server");
			return -1;
		}
		return lg_store_redis_open(ropts, mopts, now, store_r, err,
					   errsize);
	}
	snprintf(err, errsize, "state backend \"%s\" is not supported",
		 backend);
	return -1;
}
