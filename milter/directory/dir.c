/*
 * NAME
 *	dir.c - the recipient directory: sources asked together
 * SYNOPSIS
 *	#include "directory.h"
 * DESCRIPTION
 *	See directory.h. A lookup normalises the address once (domain
 *	lower-cased without its trailing dot, local part folded unless
 *	case_sensitive_local, the extension cut as Postfix cuts it), then
 *	asks each source in config order: the first "yes" wins; a "no"
 *	from all is "no"; otherwise a source that could not answer makes
 *	the whole answer LG_DIR_FAIL.
 *
 *	Each source's current generation sits behind the directory's
 *	read-write lock only for as long as it takes to count a reference
 *	to it; the lookup itself runs unlocked, and the last reference
 *	frees a generation that was swapped out.
 *
 *	Health: a source that fails is logged once when it goes down and
 *	once when it answers again, with how long it was out.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "clock.h"
#include "log.h"

/* Directory library. */
#include "recipients.h"
#include "dir_impl.h"

#define ADDR_MAX	512

/* lg_dir_new - an empty directory; env is copied (its local domains
 * are borrowed: they live as long as the config that owns both) */
struct lg_dir *lg_dir_new(const struct lg_dir_env *env, int max_shrink_pct)
{
	struct lg_dir *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->env = *env;
	d->env.delimiter = strdup(env->delimiter ? env->delimiter : "");
	if (!d->env.delimiter) {
		free(d);
		return NULL;
	}
	d->max_shrink = max_shrink_pct;
	pthread_rwlock_init(&d->lock, NULL);
	pthread_mutex_init(&d->refresh, NULL);
	return d;
}

/* lg_dir_ref_new - a generation with one reference */
struct gen_ref *lg_dir_ref_new(const struct lg_dir_source_ops *ops, void *gen)
{
	struct gen_ref *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->gen = gen;
	r->ops = ops;
	r->refs = 1;
	return r;
}

/* lg_dir_release - drop one reference; the last frees */
void lg_dir_release(struct gen_ref *ref)
{
	if (!ref || __atomic_sub_fetch(&ref->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (ref->ops->free_gen)
		ref->ops->free_gen(ref->gen);
	free(ref);
}

/* lg_dir_acquire - the source's generation, referenced; NULL if none */
struct gen_ref *lg_dir_acquire(struct lg_dir *dir, struct source *s)
{
	struct gen_ref *r;

	pthread_rwlock_rdlock(&dir->lock);
	if ((r = s->cur))
		__atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
	pthread_rwlock_unlock(&dir->lock);
	return r;
}

/* lg_dir_swap - REF (already referenced for the source) becomes the
 * current generation; the old one goes when its last reader does */
void lg_dir_swap(struct lg_dir *dir, struct source *s, struct gen_ref *ref)
{
	struct gen_ref *old;

	pthread_rwlock_wrlock(&dir->lock);
	old = s->cur;
	s->cur = ref;
	pthread_rwlock_unlock(&dir->lock);
	lg_dir_release(old);
}

/* lg_dir_ref_count - entries of a generation, (size_t) -1 unknown */
size_t lg_dir_ref_count(const struct gen_ref *ref)
{
	if (!ref || !ref->ops->count)
		return (size_t) -1;
	return ref->ops->count(ref->gen);
}

/* lg_dir_free - every source, and clear the pointer */
void lg_dir_free(struct lg_dir **dp)
{
	struct lg_dir *d = dp ? *dp : NULL;
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		struct source *s = &d->src[i];

		lg_dir_release(s->cur);
		lg_dir_release(s->held);
		if (s->ops->close)
			s->ops->close(s->conf);
		pthread_mutex_destroy(&s->hlock);
		free(s->spec);
	}
	free(d->src);
	free((char *) d->env.delimiter);
	pthread_rwlock_destroy(&d->lock);
	pthread_mutex_destroy(&d->refresh);
	free(d);
	*dp = NULL;
}

/* parse_spec - the kind and argument of SPEC: "kind", "kind:arg", or
 * a path (a bare path is a file) */
static const struct lg_dir_source_ops *parse_spec(const char *spec,
						  const char **arg)
{
	const char *colon = strchr(spec, ':');
	const struct lg_dir_source_ops *ops;

	*arg = NULL;
	if (spec[0] == '/' || spec[0] == '.')
		return (*arg = spec, lg_dir_kind("file", 4));
	if (!colon) {
		if ((ops = lg_dir_kind(spec, strlen(spec))))
			return ops;
		return (*arg = spec, lg_dir_kind("file", 4));
	}
	if ((ops = lg_dir_kind(spec, (size_t) (colon - spec))))
		*arg = colon + 1;
	return ops;
}

/* kinds_list - "file, passwd, ..." for an error */
static void kinds_list(char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = 0;
	for (i = 0; lg_dir_kinds[i] && len < size; i++)
		len += (size_t) snprintf(buf + len, size - len, "%s%s",
					 i ? ", " : "", lg_dir_kinds[i]->kind);
}

/* lg_dir_add - see directory.h */
int lg_dir_add(struct lg_dir *d, const char *spec, char *err, size_t errsize)
{
	const struct lg_dir_source_ops *ops;
	const char *arg;
	char kinds[256];

	if (!d || !spec || !*spec) {
		snprintf(err, errsize, "an empty recipient source");
		return -1;
	}
	if (!(ops = parse_spec(spec, &arg))) {
		kinds_list(kinds, sizeof(kinds));
		snprintf(err, errsize,
			 "\"%s\": unknown kind of source (known: %s; a file is a path)",
			 spec, kinds);
		return -1;
	}
	if ((!arg || !*arg) && !ops->arg_optional) {
		snprintf(err, errsize, "\"%s\": %s needs an argument (%s:...)",
			 spec, ops->kind, ops->kind);
		return -1;
	}
	return lg_dir_add_ops(d, spec, ops, arg, err, errsize);
}

/* lg_dir_add_ops - see directory.h */
int lg_dir_add_ops(struct lg_dir *d, const char *spec,
		   const struct lg_dir_source_ops *ops, const char *arg,
		   char *err, size_t errsize)
{
	struct source *grown, *s;
	char why[512];
	void *conf;

	why[0] = 0;
	if (!(conf = ops->open(arg && *arg ? arg : NULL, &d->env, why,
			       sizeof(why)))) {
		snprintf(err, errsize, "%s: %s", spec,
			 why[0] ? why : "cannot be used");
		return -1;
	}
	if (!(grown = realloc(d->src, (d->n + 1) * sizeof(*grown)))) {
		if (ops->close)
			ops->close(conf);
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return -1;
	}
	d->src = grown;
	s = &d->src[d->n];
	memset(s, 0, sizeof(*s));
	if (!(s->spec = strdup(spec))) {
		if (ops->close)
			ops->close(conf);
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return -1;
	}
	s->ops = ops;
	s->conf = conf;
	s->up = 1;
	pthread_mutex_init(&s->hlock, NULL);
	d->n++;
	return 0;
}

/* lg_dir_health - note an answer (ok) or a failure (why); log the
 * first failure of an outage and the recovery */
void lg_dir_health(struct source *s, int ok, const char *why)
{
	time_t now;

	if (ok && __atomic_load_n(&s->up, __ATOMIC_ACQUIRE))
		return;
	now = lg_now();
	pthread_mutex_lock(&s->hlock);
	if (ok && !s->up) {
		__atomic_store_n(&s->up, 1, __ATOMIC_RELEASE);
		lg_log(LG_LOG_INFO,
		       "recipients: source %s answers again after %lld s",
		       s->spec, (long long) (now - s->down_since));
		s->down_since = 0;
	} else if (!ok) {
		s->failures++;
		snprintf(s->last_error, sizeof(s->last_error), "%s",
			 why && *why ? why : "no answer");
		if (s->up) {
			__atomic_store_n(&s->up, 0, __ATOMIC_RELEASE);
			s->down_since = now;
			lg_log(LG_LOG_WARN,
			       "recipients: source %s cannot answer (%s); recipients it would decide get on_error until it does",
			       s->spec, s->last_error);
		}
	}
	pthread_mutex_unlock(&s->hlock);
}

/* fold - copy S lower-cased (if fold) into OUT; its length or 0 */
static size_t fold(char *out, size_t size, const char *s, int lower,
		   int domain)
{
	size_t n = strlen(s), i;

	if (domain && n > 1 && s[n - 1] == '.')
		n--;
	if (n == 0 || n >= size)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = lower && s[i] >= 'A' && s[i] <= 'Z' ?
			(char) (s[i] - 'A' + 'a') : s[i];
	out[n] = 0;
	return n;
}

/* lg_dir_lookup - see directory.h */
enum lg_dir_answer lg_dir_lookup(struct lg_dir *d, const char *local,
				 const char *domain, char *why,
				 size_t whysize)
{
	char lk[ADDR_MAX], bk[ADDR_MAX], dk[ADDR_MAX], ak[2 * ADDR_MAX + 2];
	char err[256];
	struct lg_dir_key key;
	size_t llen, cut, i;
	int failed = 0;

	if (why && whysize)
		why[0] = 0;
	if (!d || !local || !domain ||
	    !fold(dk, sizeof(dk), domain, 1, 1) ||
	    !(llen = fold(lk, sizeof(lk), local,
			  !d->env.case_sensitive_local, 0)))
		return LG_DIR_NO;
	cut = lg_recipients_ext_at(d->env.delimiter, lk, llen);
	memcpy(bk, lk, cut ? cut : llen);
	bk[cut ? cut : llen] = 0;
	snprintf(ak, sizeof(ak), "%s@%s", lk, dk);
	key.address = ak;
	key.local = lk;
	key.base = bk;
	key.ext = cut ? lk + cut : "";
	key.domain = dk;
	for (i = 0; i < d->n; i++) {
		struct source *s = &d->src[i];
		struct gen_ref *ref = lg_dir_acquire(d, s);
		enum lg_dir_answer a;

		err[0] = 0;
		if (!ref) {
			a = LG_DIR_FAIL;
			snprintf(err, sizeof(err), "not loaded");
		} else {
			a = s->ops->lookup(s->conf, ref->gen, &key, err,
					   sizeof(err));
			lg_dir_release(ref);
		}
		if (a == LG_DIR_FAIL || strcmp(err, LG_DIR_REMEMBERED) != 0)
			lg_dir_health(s, a != LG_DIR_FAIL, err);
		if (a == LG_DIR_YES) {
			if (why && whysize)
				snprintf(why, whysize, "%s", s->spec);
			return LG_DIR_YES;
		}
		if (a == LG_DIR_FAIL && !failed++ && why && whysize)
			snprintf(why, whysize, "%s: %s", s->spec, err);
	}
	return failed ? LG_DIR_FAIL : LG_DIR_NO;
}

/* lg_dir_base - see directory.h */
int lg_dir_base(const struct lg_dir *d, const char *local, char *buf,
		size_t size)
{
	size_t len = local ? strlen(local) : 0, cut = 0, keep;

	if (d && len > 0)
		cut = lg_recipients_ext_at(d->env.delimiter, local, len);
	keep = cut ? cut : len;
	if (keep >= size)
		return -1;
	if (keep > 0)
		memcpy(buf, local, keep);
	buf[keep] = 0;
	return cut ? 1 : 0;
}

/* lg_dir_count - entries of the enumerable sources */
size_t lg_dir_count(struct lg_dir *d)
{
	size_t i, n = 0, c;

	for (i = 0; d && i < d->n; i++) {
		struct gen_ref *ref = lg_dir_acquire(d, &d->src[i]);

		if ((c = lg_dir_ref_count(ref)) != (size_t) -1)
			n += c;
		lg_dir_release(ref);
	}
	return n;
}

/* Each exact local part of one domain, for lg_dir_each_in_domain. */
struct in_domain {
	const char *domain;
	int (*fn)(void *arg, const char *local);
	void *arg;
};

/* in_domain_fn - lg_dir_entry_fn: pass on the domain's addresses */
static int in_domain_fn(void *arg, const char *local, const char *domain)
{
	struct in_domain *w = arg;

	/* a bare local part (an alias, say) is in every local domain */
	return *local && (!*domain || strcmp(domain, w->domain) == 0) ?
		w->fn(w->arg, local) : 0;
}

/* lg_dir_each_in_domain - see directory.h */
int lg_dir_each_in_domain(struct lg_dir *d, const char *domain,
			  int (*fn)(void *arg, const char *local), void *arg)
{
	char dk[ADDR_MAX];
	struct in_domain w = { dk, fn, arg };
	size_t i;
	int rc = 0;

	if (!d || !domain || !fn || !fold(dk, sizeof(dk), domain, 1, 1))
		return -1;
	for (i = 0; rc == 0 && i < d->n; i++) {
		struct source *s = &d->src[i];
		struct gen_ref *ref;

		if (!s->ops->each || !(ref = lg_dir_acquire(d, s)))
			continue;
		rc = s->ops->each(ref->gen, in_domain_fn, &w);
		lg_dir_release(ref);
	}
	return rc;
}

/* lg_dir_nsources - how many sources */
size_t lg_dir_nsources(const struct lg_dir *d)
{
	return d ? d->n : 0;
}

/* lg_dir_source_stats - one source's health and size */
int lg_dir_source_stats(struct lg_dir *d, size_t i,
			struct lg_dir_source_stats *st)
{
	struct source *s;
	struct gen_ref *ref;

	memset(st, 0, sizeof(*st));
	if (!d || i >= d->n)
		return -1;
	s = &d->src[i];
	ref = lg_dir_acquire(d, s);
	st->entries = lg_dir_ref_count(ref);
	lg_dir_release(ref);
	st->spec = s->spec;
	st->kind = s->ops->kind;
	pthread_mutex_lock(&s->hlock);
	st->up = s->up && ref != NULL;
	st->down_since = s->down_since;
	st->loaded_at = s->loaded_at;
	st->reloads = s->reloads;
	st->failures = s->failures;
	st->held_back = s->held != NULL;
	snprintf(st->last_error, sizeof(st->last_error), "%s", s->last_error);
	pthread_mutex_unlock(&s->hlock);
	return 0;
}
