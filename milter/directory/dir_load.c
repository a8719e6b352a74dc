/*
 * NAME
 *	dir_load.c - loading the sources, reloading what changed, and the
 *	rule that a table which lost too much is not believed
 * DESCRIPTION
 *	lg_dir_load() loads every source at start and on a config reload.
 *	With the old directory at hand, a source with the same spec and
 *	the same folding whose inputs have not moved keeps its old
 *	generation (a reload does not read a million-line table again),
 *	and every source is held to the shrink rule against its old self.
 *
 *	lg_dir_refresh() runs about once a second in one thread. A source
 *	whose inputs moved is loaded at the second look in a row that
 *	still finds them moved, so a table being rewritten is read once
 *	it is written; a load whose inputs moved while they were read is
 *	dropped and tried at the next look. A load that fails is retried every RETRY_S seconds
 *	and logged at the first failure and at the recovery. A load that
 *	shrank beyond max_shrink is held back: logged once, shown in the
 *	stats, not read again until its inputs move again, and taken only
 *	by "loopguardctl reload --force".
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

/* Utility library. */
#include "clock.h"
#include "log.h"

/* Directory library. */
#include "dir_impl.h"

#define RETRY_S		30

/* shrunk - 1 when NEW lost more than max_shrink percent of OLD */
static int shrunk(const struct lg_dir *d, size_t old_n, size_t new_n)
{
	if (old_n == (size_t) -1 || new_n == (size_t) -1 || new_n >= old_n ||
	    d->max_shrink >= 100)
		return 0;
	return (old_n - new_n) * 100.0 / (double) old_n > d->max_shrink;
}

/* shrink_text - "N entries, M fewer than the P loaded now (X %)" */
static void shrink_text(char *buf, size_t size, size_t old_n, size_t new_n)
{
	snprintf(buf, size,
		 "the new load has %zu entries, %zu fewer than the %zu in use (%.0f %% lost)",
		 new_n, old_n - new_n, old_n,
		 (old_n - new_n) * 100.0 / (double) old_n);
}

/* same_folding - keys of both directories are folded alike */
static int same_folding(const struct lg_dir *a, const struct lg_dir *b)
{
	return a->env.case_sensitive_local == b->env.case_sensitive_local &&
		strcmp(a->env.delimiter, b->env.delimiter) == 0;
}

/* old_source - the source of OLD with SPEC, or NULL */
static struct source *old_source(struct lg_dir *old, const char *spec)
{
	size_t i;

	for (i = 0; old && i < old->n; i++)
		if (strcmp(old->src[i].spec, spec) == 0)
			return &old->src[i];
	return NULL;
}

/* load_one - a fresh generation of S, referenced; NULL with err */
static struct gen_ref *load_one(struct source *s, char *err, size_t errsize)
{
	struct gen_ref *ref;
	char why[512];
	void *gen;

	why[0] = 0;
	if (!(gen = s->ops->load(s->conf, why, sizeof(why)))) {
		const char *colon = strchr(s->spec, ':');
		const char *arg = colon && s->spec[0] != '/' ? colon + 1 :
			s->spec;

		/* "PATH: No such file" needs no "file:PATH: " before it */
		if (why[0] && strncmp(why, arg, strlen(arg)) == 0)
			snprintf(err, errsize, "%s", why);
		else
			snprintf(err, errsize, "%s: %s", s->spec,
				 why[0] ? why : "cannot be loaded");
		return NULL;
	}
	if (!(ref = lg_dir_ref_new(s->ops, gen))) {
		if (s->ops->free_gen)
			s->ops->free_gen(gen);
		snprintf(err, errsize, "%s: out of memory", s->spec);
	}
	return ref;
}

/* loaded - note a new generation in the health */
static void loaded(struct source *s, time_t now)
{
	pthread_mutex_lock(&s->hlock);
	s->loaded_at = now;
	s->reloads++;
	s->last_error[0] = 0;
	pthread_mutex_unlock(&s->hlock);
}

/* lg_dir_load - see directory.h */
int lg_dir_load(struct lg_dir *d, struct lg_dir *old, int force, char *err,
		size_t errsize)
{
	size_t i, old_n, new_n;
	char why[256];
	time_t now = lg_now();

	for (i = 0; i < d->n; i++) {
		struct source *s = &d->src[i];
		struct source *o = old && same_folding(d, old) ?
			old_source(old, s->spec) : NULL;
		struct gen_ref *prev = o ? lg_dir_acquire(old, o) : NULL;
		struct gen_ref *ref = NULL;

		if (prev && s->ops->changed &&
		    !s->ops->changed(s->conf, prev->gen)) {
			lg_dir_swap(d, s, prev);	/* the reference moves */
			pthread_mutex_lock(&o->hlock);
			s->loaded_at = o->loaded_at;
			pthread_mutex_unlock(&o->hlock);
			continue;
		}
		if (!(ref = load_one(s, err, errsize))) {
			lg_dir_release(prev);
			return -1;
		}
		old_n = lg_dir_ref_count(prev);
		new_n = lg_dir_ref_count(ref);
		lg_dir_release(prev);
		if (prev && shrunk(d, old_n, new_n)) {
			shrink_text(why, sizeof(why), old_n, new_n);
			if (!force) {
				lg_dir_release(ref);
				snprintf(err, errsize,
					 "%s: %s; refused (max_shrink %d %%): check the table, or accept it with \"loopguardctl reload --force\"",
					 s->spec, why, d->max_shrink);
				return -1;
			}
			lg_log(LG_LOG_WARN, "recipients: %s: %s; taken (forced)",
			       s->spec, why);
		}
		lg_dir_swap(d, s, ref);
		loaded(s, now);
	}
	return 0;
}

/* hold_back - keep REF aside as the refused load of S */
static void hold_back(struct source *s, struct gen_ref *ref)
{
	struct gen_ref *was;

	pthread_mutex_lock(&s->hlock);
	was = s->held;
	s->held = ref;
	pthread_mutex_unlock(&s->hlock);
	lg_dir_release(was);
}

/* refresh_one - reload S if its inputs moved and settled; 1 if a new
 * generation went in */
static int refresh_one(struct lg_dir *d, struct source *s, time_t now)
{
	struct gen_ref *cur, *ref;
	size_t old_n, new_n;
	char err[768], why[256];
	int moved;

	if (!s->ops->changed || (s->load_failing && now < s->retry_at))
		return 0;
	cur = lg_dir_acquire(d, s);
	moved = !cur || s->ops->changed(s->conf, cur->gen);
	if (moved && s->held && !s->ops->changed(s->conf, s->held->gen))
		moved = 0;		/* the refused load, unchanged */
	if (!moved || !s->pending) {
		s->pending = moved;
		lg_dir_release(cur);
		return 0;
	}
	s->pending = 0;
	if (!(ref = load_one(s, err, sizeof(err)))) {
		lg_dir_release(cur);
		if (!s->load_failing)
			lg_log(LG_LOG_WARN,
			       "recipients: reload failed, the entries loaded before stay in use: %s",
			       err);
		s->load_failing = 1;
		s->retry_at = now + RETRY_S;
		pthread_mutex_lock(&s->hlock);
		s->failures++;
		snprintf(s->last_error, sizeof(s->last_error), "%.255s", err);
		pthread_mutex_unlock(&s->hlock);
		return 0;
	}
	if (s->ops->changed(s->conf, ref->gen)) {
		/* written while it was read: maybe half of it; again at the
		 * next look that finds it settled */
		lg_dir_release(cur);
		lg_dir_release(ref);
		s->pending = 1;
		return 0;
	}
	if (s->load_failing)
		lg_log(LG_LOG_INFO, "recipients: %s loads again", s->spec);
	s->load_failing = 0;
	old_n = lg_dir_ref_count(cur);
	new_n = lg_dir_ref_count(ref);
	lg_dir_release(cur);
	if (cur && shrunk(d, old_n, new_n)) {
		shrink_text(why, sizeof(why), old_n, new_n);
		lg_log(LG_LOG_WARN,
		       "recipients: %s changed, but %s; the entries loaded before stay in use (max_shrink %d %%): check the table, or accept it with \"loopguardctl reload --force\"",
		       s->spec, why, d->max_shrink);
		hold_back(s, ref);
		return 0;
	}
	hold_back(s, NULL);
	lg_dir_swap(d, s, ref);
	loaded(s, now);
	lg_log(LG_LOG_INFO, "recipients: %s reloaded: %zu entries", s->spec,
	       new_n == (size_t) -1 ? (size_t) 0 : new_n);
	return 1;
}

/* log_finding - a self-check finding after a reload, on the log */
static void log_finding(void *arg, const char *text)
{
	(void) arg;
	if (strncmp(text, "warning: ", 9) == 0)
		lg_log(LG_LOG_WARN, "%s", text + 9);
	else
		lg_log(LG_LOG_WARN, "%s (the reloaded table is in use: check it)",
		       text);
}

/* lg_dir_refresh - see directory.h */
int lg_dir_refresh(struct lg_dir *d, time_t now)
{
	size_t i;
	int n = 0;

	if (!d || pthread_mutex_trylock(&d->refresh) != 0)
		return 0;
	for (i = 0; i < d->n; i++)
		n += refresh_one(d, &d->src[i], now);
	if (n)
		lg_dir_check(d, log_finding, NULL);
	pthread_mutex_unlock(&d->refresh);
	return n;
}
