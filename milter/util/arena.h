/*
 * NAME
 *	arena.h - bump allocator for per-message and per-connection data
 * DESCRIPTION
 *	Everything a message needs is freed at once when it ends, so no
 *	path can leak one message's state into the next.
 */
#ifndef LG_ARENA_H
#define LG_ARENA_H

#include <stddef.h>

struct lg_arena_block;

struct lg_arena {
	struct lg_arena_block *head;
	size_t used_total;
};

void *lg_arena_alloc(struct lg_arena *a, size_t size);	/* zeroed */
char *lg_arena_strdup(struct lg_arena *a, const char *s);
char *lg_arena_strndup(struct lg_arena *a, const char *s, size_t n);
void lg_arena_reset(struct lg_arena *a);	/* free all */

#endif
