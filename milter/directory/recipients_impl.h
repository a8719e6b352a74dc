/*
 * NAME
 *	recipients_impl.h - the hash set's inside, shared by recipients.c
 *	(the set) and recipients_load.c (files and single entries)
 */
#ifndef LG_RECIPIENTS_IMPL_H
#define LG_RECIPIENTS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#define ENTRY_MAX	512		/* longest entry, in bytes */
#define QUOTE_MAX	80		/* of a bad entry, in an error */
#define POOL_MIN	(64 * 1024)
#define SLOTS_MIN	1024		/* a power of two */
#define BATCH		16		/* entries staged before insertion */

struct slot {
	uint32_t off;			/* into pool; 0 = empty */
	uint32_t hash;
};

struct lg_recipients {
	int     case_sensitive_local;
	char   *delims;			/* "" = no address extensions */
	char   *pool;			/* "local\0domain\0" ... */
	size_t  pool_len;
	size_t  pool_cap;
	struct slot *slots;
	size_t  nslots;			/* a power of two */
	size_t  count;
};

/* Result of stage and commit. */
enum { ADD_OK, ADD_BAD, ADD_NOMEM };

/* A normalised entry in the pool, not yet in the table. */
struct staged {
	uint32_t off;
	uint32_t hash;
};

int lg_rcpts_reserve(struct lg_recipients *r, size_t n, size_t bytes);
int lg_rcpts_stage(struct lg_recipients *r, const char *entry, size_t len,
		   struct staged *st);
int lg_rcpts_commit(struct lg_recipients *r, const struct staged *st);

#endif
