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
 *
 *	lg_store_check_switch() looks, once at start, for the signs of a
 *	backend switch that left the learned state behind, and says so
 *	with the commands that carry it over:
 *
 *	- backend "redis", its keyspace under the prefix empty, but the
 *	  memory snapshot file (the "snapshot" key, still in the config)
 *	  holds live entries;
 *	- backend "memory", the store empty after loading its snapshot,
 *	  while the config still names a Redis server.
 *
 *	Both are cheap and certain about what they see; neither can tell
 *	a deliberate fresh start from a forgotten export, so each is a
 *	warning, never a refusal.
 * DIAGNOSTICS
 *	"state backend "X" is not supported" in err;
 *	"state backend "redis" needs a server" when ropts is NULL or
 *	names neither a server nor sentinels.
 *	"state: backend redis: ... state export / state import ..."
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

/* Utility library. */
#include "log.h"

/* Store library. */
#include "store.h"
#include "snapshot.h"
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

/* any_entry - lg_store_scan_fn: stop at the first entry */
static int any_entry(void *arg, const struct lg_store_record *rec)
{
	(void)rec;
	*(int *)arg = 1;
	return 1;
}

/* lg_store_check_switch - warn when a backend switch forgot state */
void lg_store_check_switch(const char *backend, const char *snapshot,
			   const char *server, struct lg_store *store,
			   time_t now)
{
	struct lg_store_health h;
	size_t live = 0;
	int found = 0;

	if (!store->ops || !store->ops->health)
		return;
	store->ops->health(store->be, &h);
	if (backend && strcmp(backend, "redis") == 0) {
		if (h.down || !snapshot || !*snapshot ||
		    lg_snapshot_count(snapshot, now, &live) != 0 || live == 0 ||
		    store->ops->scan(store->be, "", now, any_entry, &found) != 0 ||
		    found)
			return;
		lg_log(LG_LOG_WARN, "state: backend redis: the server %s holds "
		       "no entries under this prefix, but the memory snapshot "
		       "%s holds %zu live entries (sent ledger, blocks, "
		       "counters) that redis does not see; to carry them "
		       "over, start once with backend \"memory\", run "
		       "\"loopguardctl state export FILE\", then with backend "
		       "\"redis\" \"loopguardctl state import FILE\"",
		       h.server, snapshot, live);
		return;
	}
	if (!server || !*server ||
	    store->ops->scan(store->be, "", now, any_entry, &found) != 0 ||
	    found)
		return;
	lg_log(LG_LOG_WARN, "state: backend memory starts empty, but the "
	       "config still names the redis server %s; if this host used "
	       "redis until now, what was learned there (sent ledger, "
	       "blocks, counters) is not here: start once with backend "
	       "\"redis\", run \"loopguardctl state export FILE\", then "
	       "with backend \"memory\" \"loopguardctl state import FILE\"",
	       server);
}
