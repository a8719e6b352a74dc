/*
 * NAME
 *	store.c - the part of the store interface that every backend shares
 * SYNOPSIS
 *	#include "store.h"
 *
 *	store.ops->incr(store.be, ...);
 *	lg_store_close(&store, now);
 * DESCRIPTION
 *	A store is a table of operations and its backend's handle; the
 *	backends (memory/, redis/) fill it, and store_open.c, above them
 *	all, picks one by name. Closing is the same for every backend.
 */
#include "config.h"

#include <stddef.h>

/* Store library. */
#include "store.h"

/* lg_store_close - final work (snapshot), then free */
void lg_store_close(struct lg_store *store, time_t now)
{
	if (store->ops && store->ops->close)
		store->ops->close(store->be, now);
	store->ops = NULL;
	store->be = NULL;
}
