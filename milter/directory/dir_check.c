/*
 * NAME
 *	dir_check.c - the directory's self-checks, at -n and every load
 * DESCRIPTION
 *	Three findings, each a sentence for the log or for "loopguard -n":
 *	a local domain that no source serves (every address there would
 *	count as unknown, and its mail would go to the catch-all); the
 *	entries of a source outside every local domain (a misspelled
 *	domain, counted with the first example); a source file anyone may
 *	write. Each is a warning, but a directory that serves none of the
 *	local domains (an empty table, a misspelled domain) is an error
 *	the caller refuses.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Directory library. */
#include "dir_impl.h"
#include "dir_kinds.h"

/* Entries of one source outside the local domains. */
struct outside {
	const struct lg_dir_env *env;
	unsigned long n;
	char first[300];
};

/* is_local - DOMAIN is one of the local domains */
static int is_local(const struct lg_dir_env *env, const char *domain)
{
	size_t i;

	for (i = 0; i < env->n_local_domains; i++)
		if (strcmp(env->local_domains[i], domain) == 0)
			return 1;
	return 0;
}

/* outside_fn - lg_dir_entry_fn: count entries of other domains */
static int outside_fn(void *arg, const char *local, const char *domain)
{
	struct outside *o = arg;

	if (!*domain || is_local(o->env, domain))
		return 0;
	if (o->n++ == 0)
		snprintf(o->first, sizeof(o->first), "%s@%s", local, domain);
	return 0;
}

/* check_files - a source file anyone may write */
static void check_files(struct source *s,
			void (*fn)(void *arg, const char *finding), void *arg)
{
	const char *const *files = s->ops->files ? s->ops->files(s->conf) : NULL;
	char text[1024];
	struct stat st;

	for (; files && *files; files++)
		if (stat(*files, &st) == 0 && (st.st_mode & S_IWOTH)) {
			snprintf(text, sizeof(text),
				 "warning: recipients %s is writable by everyone (mode %04o); anyone could change which local addresses exist",
				 *files,
				 (unsigned) (st.st_mode & 07777));
			fn(arg, text);
		}
}

/* lg_dir_check - see directory.h; the number of local domains that no
 * source serves (a warning each; an error when that is all of them) */
int lg_dir_check(struct lg_dir *d,
		 void (*fn)(void *arg, const char *finding), void *arg)
{
	char text[1024];
	size_t i, j;
	int unserved = 0;

	for (i = 0; i < d->env.n_local_domains; i++) {
		const char *dom = d->env.local_domains[i];
		int served = 0;

		for (j = 0; j < d->n && served == 0; j++) {
			struct source *s = &d->src[j];
			struct gen_ref *ref = lg_dir_acquire(d, s);

			served = !s->ops->serves || !ref ? -1 :
				s->ops->serves(s->conf, ref->gen,
					       dom);
			lg_dir_release(ref);
		}
		if (served == 0) {
			snprintf(text, sizeof(text),
				 "warning: recipients: local domain %s: no source lists any address in it; every address there counts as unknown (add its users, or \"@%s\" to accept all)",
				 dom, dom);
			fn(arg, text);
			unserved++;
		}
	}
	if (unserved && (size_t) unserved == d->env.n_local_domains) {
		snprintf(text, sizeof(text),
			 "recipients: no source lists any address in a local domain (%s%s); every local recipient would count as unknown",
			 d->env.local_domains[0],
			 d->env.n_local_domains > 1 ? ", ..." : "");
		fn(arg, text);
	}
	for (j = 0; j < d->n; j++) {
		struct source *s = &d->src[j];
		struct outside o = { &d->env, 0, "" };
		struct gen_ref *ref;

		check_files(s, fn, arg);
		if (!s->ops->each || !(ref = lg_dir_acquire(d, s)))
			continue;
		s->ops->each(ref->gen, outside_fn, &o);
		lg_dir_release(ref);
		if (o.n) {
			snprintf(text, sizeof(text),
				 "warning: recipients: %s: %lu entr%s outside the local domains, never used (first: %s)",
				 s->spec, o.n, o.n == 1 ? "y is" : "ies are",
				 o.first);
			fn(arg, text);
		}
	}
	lg_dir_postfix_unused(d, fn, arg);
	return unserved;
}
