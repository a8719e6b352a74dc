/*
 * NAME
 *	store_backends.h - test fixtures for every state store backend
 * SYNOPSIS
 *	#include "store_backends.h"
 *
 *	for (b = fx_backends; b->name; b++) ...
 *	b->open(&st, &now);
 *	fx_run(&st, now, "name", steps);
 *	fx_expect(&st, now, &want);
 * DESCRIPTION
 *	fx_backends lists each backend the contract suite runs against:
 *	how to tell whether it can run here, how to start and stop what it
 *	needs (a redis-server), and how to open a fresh, empty store on it.
 *	A new backend is one more row.
 *
 *	The helpers read a store through its interface only, so every
 *	suite asks the same questions of every backend. fx_run makes a
 *	table of calls (struct fx_step) and checks each answer; fx_expect
 *	checks an entry's every field as scan lists it. The redis-server
 *	helpers start private servers on unix sockets in a fresh directory,
 *	stop them by PID, and talk to them as an operator would.
 */
#ifndef T_STORE_BACKENDS_H
#define T_STORE_BACKENDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "store.h"
#include "store_redis.h"

struct fx_backend {
	const char *name;
	const char *(*missing)(void);	/* NULL: runs here; else why not */
	int (*start)(void);		/* once, before the suite: 0 or -1 */
	void (*stop)(int failed);
	/* a fresh, empty store; *now_r is the time tests start at */
	void (*open)(struct lg_store *st, time_t *now_r);
	/* a second handle on the same entries, or NULL if none exists */
	void (*open_peer)(struct lg_store *st);
	int thread_rounds;		/* per thread in the threads test */
	size_t entry_bytes_min;		/* stats: bytes per entry at least */
};

extern const struct fx_backend fx_backends[];

/* One entry as scan lists it; NULL strings are not compared. */
struct fx_want {
	const char *key;
	const char *plugin, *from, *to, *client, *status;
	long long count, size;
	time_t created, expires;
};

/* A copy of one record from scan. */
struct fx_record {
	const char *key;
	int found;
	char plugin[80];
	char from[1100], to[1100], client[1100], status[1100];
	long long count, size;
	time_t created, expires;
};

/* One call and what it must answer; "at" counts from the start given
 * to fx_run. Rows are written with the macros below, or designated
 * initializers for the rest (plugin, meta, status, a failing rc). */
struct fx_step {
	char op;	/* i incr, a add, s set, g get, d del, t tick,
			 * n entries, c scan count, f fill (fx_fill) */
	const char *key;	/* c: the prefix; f: the key prefix */
	long long n;		/* i: by; s: count; f: how many */
	long long ttl;
	int at;
	int rc;			/* i a s g d: what the call returns */
	long long count;	/* i: new count; g (rc 1): count; n, c */
	int created, expires;	/* g (rc 1): unless expires is 0 */
	const char *status;	/* g (rc 1): unless NULL */
	const char *plugin;
	const struct lg_store_meta *meta;
};

#define FX_INCR(k, b, t, a, c) \
	{ .op = 'i', .key = (k), .n = (b), .ttl = (t), .at = (a), .count = (c) }
#define FX_ADD(k, t, a, r) { .op = 'a', .key = (k), .ttl = (t), .at = (a), \
			     .rc = (r) }
#define FX_SET(k, c, t, a) { .op = 's', .key = (k), .n = (c), .ttl = (t), \
			     .at = (a) }
#define FX_GET(k, a, c, cr, ex) { .op = 'g', .key = (k), .at = (a), .rc = 1, \
				  .count = (c), .created = (cr), \
				  .expires = (ex) }
#define FX_GONE(k, a)	{ .op = 'g', .key = (k), .at = (a) }
#define FX_DEL(k)	{ .op = 'd', .key = (k) }
#define FX_TICK(a)	{ .op = 't', .key = "", .at = (a) }
#define FX_ENTRIES(c)	{ .op = 'n', .key = "", .count = (c) }
#define FX_SCAN(k, a, c) { .op = 'c', .key = (k), .at = (a), .count = (c) }
#define FX_FILL(k, m, t) { .op = 'f', .key = (k), .n = (m), .ttl = (t) }
#define FX_END		{ .op = 0 }

void fx_run(struct lg_store *st, time_t start, const char *name,
	    const struct fx_step *steps);
int fx_fetch(struct lg_store *st, const char *key, time_t now,
	     struct fx_record *r);
void fx_expect(struct lg_store *st, time_t now, const struct fx_want *w);
long long fx_live(struct lg_store *st, const char *key, time_t now);
long long fx_incr(struct lg_store *st, const char *key, long long by,
		  time_t now);
int fx_scan_count(struct lg_store *st, const char *prefix, time_t now);
int fx_scan_stop(void *arg, const struct lg_store_record *rec);
size_t fx_entries(struct lg_store *st);
void fx_fill(struct lg_store *st, const char *prefix, int n, long long ttl,
	     int ttl_step, time_t now);
int fx_logged(const char *needle);
uint32_t fx_crc32(const unsigned char *p, size_t n);
void fx_remove_dir(const char *dir);

/* A test's own folder and the snapshot path in it. */
struct fx_dir {
	char dir[64];
	char snap[128];
};
unsigned char *fx_file_read(const char *path, size_t *len_r);
void fx_dir_setup(struct fx_dir *d, const char *tag, struct lg_store *st);
void fx_dir_teardown(struct fx_dir *d, struct lg_store *st, time_t now);

/* A private redis-server. */
struct fx_server {
	pid_t pid;
	char sock[160];
	char spec[170];			/* "unix:" sock */
};

extern struct fx_server fx_main_srv;	/* started by the redis row */
extern char fx_topdir[64];

const char *fx_redis_missing(void);
int fx_redis_up(void);
void fx_redis_down(int failed);
int fx_server_start(struct fx_server *s, const char *name,
		    const char *password);
void fx_server_stop(struct fx_server *s, int sig);
long long fx_admin(const char *sock, const char *fmt, ...);
struct lg_store_redis_opts fx_redis_opts(const struct fx_server *s);
void fx_redis_open(struct lg_store *st, const struct lg_store_redis_opts *o,
		   time_t now);

#endif
