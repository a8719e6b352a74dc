/*
 * NAME
 *	store_redis_sentinel.h - the Redis master, as Sentinel names it
 * SYNOPSIS
 *	#include "store_redis_sentinel.h"
 * DESCRIPTION
 *	The Sentinel side of the Redis backend (store_redis_sentinel.c):
 *	which address a new connection goes to, and whether the server
 *	at the other end is the master. Without sentinels the address is
 *	the configured server and every role is accepted.
 */
#ifndef LG_STORE_REDIS_SENTINEL_H
#define LG_STORE_REDIS_SENTINEL_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* Store library. */
#include "store_redis_impl.h"

/* rd_sentinel_init - copy and check the sentinel options; 0, or -1 with
 * err set. Nothing is asked yet. */
int rd_sentinel_init(struct rd_store *rd, const struct lg_store_redis_opts *o,
		     char *err, size_t errsize);
/* rd_sentinel_free - forget the sentinels (NULL-safe) */
void rd_sentinel_free(struct rd_store *rd);
/* rd_dial_address - where the next connection goes: the server, or
 * the master the sentinels name now, confirmed by ROLE; 0, or -1 with
 * why set when no sentinel named a master that answers as one */
int rd_dial_address(struct rd_store *rd, struct lg_redis_server *srv_r,
		    char *why, size_t n);
/* rd_role_needed - 1 when a new connection must be checked with ROLE */
int rd_role_needed(const struct rd_store *rd);
/* rd_role_master - the ROLE reply of a new connection to srv: 0 for a
 * master, else -1 with why set (it is never written to) */
int rd_role_master(struct rd_store *rd, const struct lg_redis_server *srv,
		   const redisReply *r, char *why, size_t n);
/* rd_current_server - the address in use ("HOST:PORT", "unix:PATH"),
 * or "" before a master is known; the length */
size_t rd_current_server(struct rd_store *rd, char *buf, size_t size);

#endif
