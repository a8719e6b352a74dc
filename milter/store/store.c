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
 *
 *	What a person reads of an entry (from, to, client, status) is cut
 *	here, once for every backend: lg_store_shown() gives each write's
 *	meta with every field at most LG_STORE_SHOW_MAX bytes, cut on a
 *	UTF-8 boundary and ending in "..."; a field that fits is passed
 *	as it is, so cutting again changes nothing.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

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

/* lg_store_cut - TEXT as a store keeps it: itself when it fits, else its
 * first bytes up to a UTF-8 boundary and "..." in buf */
const char *lg_store_cut(const char *text, char buf[LG_STORE_SHOW_MAX + 1])
{
	size_t n;

	if (text == NULL || strnlen(text, LG_STORE_SHOW_MAX + 1) <=
	    LG_STORE_SHOW_MAX)
		return text;
	n = LG_STORE_SHOW_MAX - 3;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;		/* text[n] continues a character: cut before */
	memcpy(buf, text, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

/* lg_store_shown - META with every display field as a store keeps it;
 * NULL for NULL */
const struct lg_store_meta *lg_store_shown(const struct lg_store_meta *meta,
					   struct lg_store_shown *buf)
{
	if (meta == NULL)
		return NULL;
	buf->meta = *meta;
	buf->meta.from = lg_store_cut(meta->from, buf->text[0]);
	buf->meta.to = lg_store_cut(meta->to, buf->text[1]);
	buf->meta.client = lg_store_cut(meta->client, buf->text[2]);
	buf->meta.status = lg_store_cut(meta->status, buf->text[3]);
	return &buf->meta;
}
