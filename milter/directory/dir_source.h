/*
 * NAME
 *	dir_source.h - what a recipient source gives the directory
 * SYNOPSIS
 *	#include "dir_source.h"
 * DESCRIPTION
 *	A source is one kind of place that knows which local addresses
 *	exist ("file", "passwd", "aliases", "postfix", "sendmail", "ldap").
 *	It is a table of operations; the directory (dir.c) owns the rest:
 *	it parses the spec, calls open once, load at start and whenever
 *	changed says the inputs moved, swaps the new generation in
 *	atomically, refuses a generation that lost too many entries,
 *	keeps the health and logs each outage once.
 *
 *	A generation is everything one load produced (a hash set, the
 *	file stamps it was read from, ...). It is read-only once loaded
 *	and freed only when no lookup holds it, so lookup needs no lock
 *	of its own. Sources that are asked per recipient (LDAP, postmap
 *	-q) keep a generation that holds only their settings, and guard
 *	what they share between threads themselves (lg_dir_cache is made
 *	for that).
 *
 *	Every operation may be called from any thread; load and changed
 *	are called by one thread at a time.
 */
#ifndef LG_DIR_SOURCE_H
#define LG_DIR_SOURCE_H

#include <stddef.h>
#include <time.h>

/* The answer of a source, and of the directory. */
enum lg_dir_answer {
	LG_DIR_NO = 0,		/* this source does not know the address */
	LG_DIR_YES = 1,		/* the address exists */
	LG_DIR_FAIL = -1	/* the source could not answer: never "no" */
};

/* err of a lookup answered from memory while the source is down */
#define LG_DIR_REMEMBERED	"remembered; the source is still down"

/* One recipient, normalised once by the directory. */
struct lg_dir_key {
	const char *address;	/* "local@domain" */
	const char *local;	/* local part, extension kept */
	const char *base;	/* local part without extension (== local) */
	const char *ext;	/* extension with its delimiter, or "" */
	const char *domain;	/* lower case, no trailing dot */
};

/* What every source may know of the directory it is part of. */
struct lg_dir_env {
	int     case_sensitive_local;
	const char *delimiter;		/* recipient_delimiter, "" = none */
	char  **local_domains;		/* lower case */
	size_t  n_local_domains;
	int     timeout_ms;		/* per query, per program run */
	size_t  cache_max;		/* entries, for sources that query */
	int     cache_ttl_s;		/* positive answers */
	int     negative_ttl_s;		/* negative answers */
};

/* entry callback: LOCAL may be "" (an "@domain" wildcard), DOMAIN may
 * be "" (a bare local part, valid in every local domain the source
 * serves); return non-zero to stop */
typedef int (*lg_dir_entry_fn)(void *arg, const char *local,
			       const char *domain);

struct lg_dir_source_ops {
	const char *kind;	/* the spec's prefix: "file", "passwd", ... */
	/* a bare kind ("passwd") is allowed; else an argument is needed */
	int     arg_optional;
	/* open - parse ARG (the text after "kind:", NULL if none), check
	 * what can be checked cheaply; private state or NULL with err */
	void   *(*open)(const char *arg, const struct lg_dir_env *env,
			char *err, size_t errsize);
	/* load - a new generation from the inputs, or NULL with err (the
	 * directory keeps the previous one) */
	void   *(*load)(void *conf, char *err, size_t errsize);
	/* changed - 1 when the inputs of GEN are no longer what is on
	 * disk (checked about once a second); NULL: never reloaded */
	int     (*changed)(void *conf, const void *gen);
	/* lookup - does KEY exist; on LG_DIR_FAIL, why in err. A YES or
	 * NO remembered from before an outage that is still on comes
	 * with LG_DIR_REMEMBERED in err: the answer stands, the source's
	 * health is left as it is */
	enum lg_dir_answer (*lookup)(void *conf, void *gen,
				     const struct lg_dir_key *key,
				     char *err, size_t errsize);
	/* count - entries of GEN, (size_t) -1 when it cannot be counted
	 * (a source asked per recipient) */
	size_t  (*count)(const void *gen);
	/* each - every entry of GEN; NULL when not enumerable */
	int     (*each)(const void *gen, lg_dir_entry_fn fn, void *arg);
	/* serves - 1 when the source answers for DOMAIN at all (passwd
	 * serves every local domain; a file only the domains it names),
	 * 0 when not, -1 when it cannot tell; for the self-checks */
	int     (*serves)(void *conf, const void *gen, const char *domain);
	/* files - the input files (for the world-writable check and the
	 * stats); NULL-terminated, or NULL */
	const char *const *(*files)(void *conf);
	void    (*free_gen)(void *gen);
	void    (*close)(void *conf);
};

/* The known kinds (dir_kinds.c); NULL when KIND is not one. */
const struct lg_dir_source_ops *lg_dir_kind(const char *kind, size_t len);

/* The kinds, for the error that lists them. */
extern const struct lg_dir_source_ops *const lg_dir_kinds[];

#endif
