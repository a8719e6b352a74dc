/*
 * NAME
 *	host.h - the struct lg_host the core hands to plugins
 */
#ifndef LG_HOST_H
#define LG_HOST_H

#include <loopguard/plugin.h>

/* Store library. */
#include "store.h"

/* lg_host_get - the one host table (filled on first use) */
const struct lg_host *lg_host_get(void);

/* The store plugins use; NULL makes every store call return -1. */
void lg_host_set_store(struct lg_store *store);
struct lg_store *lg_host_store(void);

/* lg_host_fill_mail - the 1.1 members: generated mail, DKIM, the
 * recipient directory (host_mail.c) */
void lg_host_fill_mail(struct lg_host *h);

#endif
