/*
 * NAME
 *	dir_impl.h - the directory's inside, shared by dir.c (sources,
 *	lookups, health), dir_load.c (loads, reloads, the shrink rule)
 *	and dir_check.c (self-checks)
 */
#ifndef LG_DIR_IMPL_H
#define LG_DIR_IMPL_H

#include <pthread.h>
#include <time.h>

/* Directory library. */
#include "directory.h"

/* A loaded generation, counted: lookups hold it while they read it. */
struct gen_ref {
	void   *gen;
	const struct lg_dir_source_ops *ops;
	int     refs;
};

struct source {
	char   *spec;
	const struct lg_dir_source_ops *ops;
	void   *conf;
	struct gen_ref *cur;		/* under the directory's lock */
	/* health, under hlock */
	pthread_mutex_t hlock;
	int     up;			/* also read without the lock */
	time_t  down_since;
	unsigned long failures;
	unsigned long reloads;
	time_t  loaded_at;
	char    last_error[256];
	/* reloads, by the one refreshing thread */
	int     pending;		/* changed at the last look */
	struct gen_ref *held;		/* a shrunk load waiting for --force */
	time_t  retry_at;		/* after a failed load */
	int     load_failing;
};

struct lg_dir {
	struct lg_dir_env env;
	int     max_shrink;		/* percent */
	pthread_rwlock_t lock;		/* the sources' cur pointers */
	pthread_mutex_t refresh;	/* one reloader at a time */
	struct source *src;
	size_t  n;
};

struct gen_ref *lg_dir_acquire(struct lg_dir *dir, struct source *s);
void lg_dir_release(struct gen_ref *ref);
void lg_dir_swap(struct lg_dir *dir, struct source *s, struct gen_ref *ref);
struct gen_ref *lg_dir_ref_new(const struct lg_dir_source_ops *ops,
			       void *gen);
size_t lg_dir_ref_count(const struct gen_ref *ref);
void lg_dir_health(struct source *s, int ok, const char *why);

#endif
