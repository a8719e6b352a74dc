/*
 * NAME
 *	store.c - open and close the configured state backend
 * SYNOPSIS
 *	#include "store.h"
 *
 *	lg_store_open("memory", &mopts, NULL, now, &store, err, sizeof(err));
 *	lg_store_open("redis", &mopts, &ropts, now, &store, err, sizeof(err));
 *	store.ops->incr(store.be, ...);
 *	lg_store_close(&store, now);
 * DESCRIPTION
 *	The one place that maps a backend name to its implementation. A
 *	NULL name means the default, "memory". The redis backend takes
 *	its local fallback store's max_entries from mopts.
 * DIAGNOSTICS
 *	"state backend "X" is not supported" in err;
 *	"state backend "redis" needs a server" when ropts is NULL.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_memory.h"
#include "store_redis.h"

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
		if (ropts == NULL || ropts->server == NULL || !*ropts->server) {
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

/* lg_store_close - final work (snapshot), then free */
void lg_store_close(struct lg_store *store, time_t now)
{
	if (store->ops && store->ops->close)
		store->ops->close(store->be, now);
	store->ops = NULL;
	store->be = NULL;
}
