/*
 * NAME
 *	arena.c - bump allocator freed all at once
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "arena.h"

#define ARENA_BLOCK 4096

struct lg_arena_block {
	struct lg_arena_block *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

/* lg_arena_alloc - zeroed memory that lives until lg_arena_reset */
void *lg_arena_alloc(struct lg_arena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	struct lg_arena_block *b = a->head;
	size_t need = (size + align - 1) / align * align;
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	if (!b || b->size - b->used < need) {
		size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->size = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *) b->data + b->used;
	b->used += need;
	a->used_total += need;
	memset(p, 0, size);
	return p;
}

/* lg_arena_strndup - copy at most n bytes and a NUL */
char *lg_arena_strndup(struct lg_arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = lg_arena_alloc(a, len + 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

/* lg_arena_strdup - copy a string */
char *lg_arena_strdup(struct lg_arena *a, const char *s)
{
	return lg_arena_strndup(a, s, SIZE_MAX);
}

/* lg_arena_reset - free every block */
void lg_arena_reset(struct lg_arena *a)
{
	struct lg_arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used_total = 0;
}
