/*
 * NAME
 *	directory.h - who exists: the recipient sources, asked together
 * SYNOPSIS
 *	#include "directory.h"
 *
 *	d = lg_dir_new(&env, 50);
 *	lg_dir_add(d, "postfix", err, sizeof(err));
 *	lg_dir_add(d, "ldap:/etc/loopguard/ldap.cf", err, sizeof(err));
 *	lg_dir_load(d, err, sizeof(err));
 *	switch (lg_dir_lookup(d, "bob+x", "example.com", why, sizeof(why)))
 * DESCRIPTION
 *	The directory holds the sources named by the "recipients" setting
 *	("file:PATH" or a bare path, "passwd", "aliases:PATH", "postfix",
 *	"postfix:DIR", "postfix:TYPE:NAME", "sendmail", "sendmail:CF",
 *	"ldap:FILE"). An address exists when one source says so. When
 *	none does and one of them could not answer, the answer is
 *	LG_DIR_FAIL: the caller answers on_error and the MTA keeps the
 *	mail, so a source that failed never makes a real user unknown.
 *
 *	lg_dir_refresh(), about once a second, reloads each source whose
 *	inputs changed and settled (the same stamp twice in a row, so a
 *	table half-written is not read); the new generation replaces the
 *	old one atomically. A load that fails keeps the old one; a load
 *	that loses more than max_shrink percent of the entries is held
 *	back (logged, shown in the stats) until lg_dir_load with force,
 *	which a "loopguardctl reload --force" does.
 *
 *	lg_dir_adopt() carries the generations of an old directory with
 *	the same sources over to a new one (a config reload does not read
 *	every table again) and applies the shrink rule between the two.
 * DIAGNOSTICS
 *	Errors name the source as written in the config.
 */
#ifndef LG_DIRECTORY_H
#define LG_DIRECTORY_H

#include <stddef.h>
#include <time.h>

/* Directory library. */
#include "dir_source.h"

struct lg_dir;

struct lg_dir *lg_dir_new(const struct lg_dir_env *env, int max_shrink_pct);
void lg_dir_free(struct lg_dir **dir);

/* lg_dir_add - one source by its spec; 0, or -1 with err */
int lg_dir_add(struct lg_dir *dir, const char *spec, char *err,
	       size_t errsize);

/* lg_dir_add_ops - a source of the kind OPS, opened with ARG (NULL
 * for none), shown as SPEC: what lg_dir_add does once it has parsed
 * the spec; for tests, a kind of their own */
int lg_dir_add_ops(struct lg_dir *dir, const char *spec,
		   const struct lg_dir_source_ops *ops, const char *arg,
		   char *err, size_t errsize);

/* lg_dir_load - load every source; 0, or -1 with err (the first source
 * that failed). With OLD, sources with the same spec start from OLD's
 * generation when its inputs have not moved, and a source that shrank
 * beyond max_shrink fails unless force. */
int lg_dir_load(struct lg_dir *dir, struct lg_dir *old, int force,
		char *err, size_t errsize);

/* lg_dir_lookup - does local@domain exist (local may carry an
 * extension); why names the source that said yes, or the first
 * that failed and why */
enum lg_dir_answer lg_dir_lookup(struct lg_dir *dir, const char *local,
				 const char *domain, char *why,
				 size_t whysize);

/* lg_dir_refresh - reload what changed; the number of sources
 * reloaded */
int lg_dir_refresh(struct lg_dir *dir, time_t now);

/* lg_dir_watch_start - a thread calls refresh(arg, now) about once a
 * second until lg_dir_watch_stop (dir_watch.c); refresh finds the
 * running directory and calls lg_dir_refresh. 0, or -1 (logged) */
int lg_dir_watch_start(void (*refresh)(void *arg, time_t now), void *arg);
void lg_dir_watch_stop(void);

/* lg_dir_base - LOCAL without its address extension, into BUF: 1 if
 * one was cut, 0 if none, -1 if what is kept does not fit */
int lg_dir_base(const struct lg_dir *dir, const char *local, char *buf,
		size_t size);

/* lg_dir_count - entries of every enumerable source */
size_t lg_dir_count(struct lg_dir *dir);

/* lg_dir_each_in_domain - each exact local part known in DOMAIN, bare
 * names (aliases) included (for "did you mean"); stops when fn returns
 * non-zero */
int lg_dir_each_in_domain(struct lg_dir *dir, const char *domain,
			  int (*fn)(void *arg, const char *local), void *arg);

/* One source, as the stats show it. */
struct lg_dir_source_stats {
	const char *spec;
	const char *kind;
	int     up;			/* answered the last time it was asked */
	time_t  down_since;		/* 0 when up */
	size_t  entries;		/* (size_t) -1: asked per recipient */
	time_t  loaded_at;
	unsigned long reloads;
	unsigned long failures;		/* lookups and loads that failed */
	int     held_back;		/* a shrunk load waits for --force */
	char    last_error[256];
};

/* lg_dir_stats - each source in config order; 0 at the end */
size_t lg_dir_nsources(const struct lg_dir *dir);
int lg_dir_source_stats(struct lg_dir *dir, size_t i,
			struct lg_dir_source_stats *st);

/* lg_dir_check - the self-checks (domains with no entry, entries
 * outside the local domains, world-writable files); each finding goes
 * to fn; the number of findings */
int lg_dir_check(struct lg_dir *dir,
		 void (*fn)(void *arg, const char *finding), void *arg);

#endif
