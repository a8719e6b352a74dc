/*
 * NAME
 *	control_entries.c - the list and remove commands over the store
 * SYNOPSIS
 *	#include "control_impl.h"
 *
 *	lg_ctl_list(rq, words, n);
 *	lg_ctl_remove(rq, words, n);
 *	lg_ctl_entry_id(key, id);
 * DESCRIPTION
 *	Both walk the whole store with its scan operation. list streams
 *	one row per selected entry; remove first collects the keys to
 *	delete and deletes them after the walk, so no backend is asked to
 *	delete under its own scan. An entry with an empty status is a
 *	plugin's bookkeeping: list shows it only with --all, remove takes
 *	it only by id, never in bulk.
 * DIAGNOSTICS
 *	A store failure ends the reply with ERR; removals are logged with
 *	the client's identity.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */
#include "log.h"

/* Control socket. */
#include "control_cmd.h"
#include "control_impl.h"

/* matches - the filters of list and bulk remove; 1 = selected */
static int matches(const struct lg_ctl_opts *o,
		   const struct lg_store_record *rec)
{
	const char *f[4];
	size_t i;

	if (o->plugin && strcmp(o->plugin, rec->plugin ? rec->plugin : "") != 0)
		return 0;
	if (!o->match)
		return 1;
	f[0] = rec->from;
	f[1] = rec->to;
	f[2] = rec->client;
	f[3] = rec->key;
	for (i = 0; i < 4; i++)
		if (f[i] && fnmatch(o->match, f[i], FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

/* hidden - an entry with no status is a plugin's bookkeeping */
static int hidden(const struct lg_store_record *rec)
{
	return !rec->status || !*rec->status;
}

/* lg_ctl_entry_id - first 10 hex digits of the key's 64-bit FNV-1a */
void lg_ctl_entry_id(const char *key, char id_r[LG_CTL_ID_LEN + 1])
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *) key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	snprintf(id_r, LG_CTL_ID_LEN + 1, "%010llx",
		 (unsigned long long) (h >> (64 - 4 * LG_CTL_ID_LEN)));
}

/* State of a list or remove walk over the store. */
struct walk {
	struct lg_ctl_request *rq;
	const struct lg_ctl_opts *o;
	size_t shown, skipped;
	char **keys;		/* remove: the keys to delete */
	size_t nkeys, capkeys;
	char *found;		/* remove by id: one flag per id */
	int nomem;
};

/* list_one - one row, or count it as hidden */
static int list_one(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;
	struct lg_ctl_request *rq = wk->rq;
	char id[LG_CTL_ID_LEN + 1];

	if (!matches(wk->o, rec))
		return 0;
	if (hidden(rec) && !wk->o->all) {
		wk->skipped++;
		return 0;
	}
	lg_ctl_entry_id(rec->key, id);
	rq->len = 0;
	lg_ctl_add(rq, id, LG_CTL_ID_LEN);
	lg_ctl_addf(rq, "\t%lld\t%lld\t%lld\t%lld", (long long) rec->created,
		    (long long) rec->expires, rec->count, rec->size);
	lg_ctl_add_field(rq, rec->from);
	lg_ctl_add_field(rq, rec->to);
	lg_ctl_add_field(rq, rec->client);
	lg_ctl_add_field(rq, rec->plugin);
	lg_ctl_add_field(rq, rec->status);
	lg_ctl_add_field(rq, rec->key);
	wk->shown++;
	return lg_ctl_emit(rq) != 0;
}

/* lg_ctl_list - list [--plugin NAME] [--match PATTERN] [--all] */
int lg_ctl_list(struct lg_ctl_request *rq, char **w, size_t n)
{
	struct lg_store *st = rq->env->store;
	struct walk wk;
	struct lg_ctl_opts o;
	int rc;

	if (lg_ctl_parse_opts(rq, "list", w, n, &o) != 0)
		return -1;
	if (o.nargs)
		return lg_ctl_reply(rq, 0, "list: unexpected argument %s",
				    lg_ctl_echo(rq, o.args[0]));
	if (!st || !st->ops)
		return lg_ctl_reply(rq, 0, "list: no store is open");
	memset(&wk, 0, sizeof(wk));
	wk.rq = rq;
	wk.o = &o;
	rc = st->ops->scan(st->be, "", rq->env->now, list_one, &wk);
	if (rq->gone)
		return -1;
	if (rc != 0)
		return lg_ctl_reply(rq, 0, "list: the store failed (see the log)");
	if (lg_ctl_fallback_note(rq) != 0)
		return -1;
	return lg_ctl_reply(rq, 1, "%zu entries, %zu hidden", wk.shown, wk.skipped);
}

/* keep_key - remember a key to delete once the walk is over */
static int keep_key(struct walk *wk, const char *key)
{
	char **grown;

	if (wk->nkeys == wk->capkeys) {
		wk->capkeys = wk->capkeys ? wk->capkeys * 2 : 64;
		grown = realloc(wk->keys, wk->capkeys * sizeof(*grown));
		if (!grown) {
			wk->nomem = 1;
			return 1;
		}
		wk->keys = grown;
	}
	if ((wk->keys[wk->nkeys] = strdup(key)) == NULL) {
		wk->nomem = 1;
		return 1;
	}
	wk->nkeys++;
	return 0;
}

/* pick_bulk - remove --all / --match: what list would show */
static int pick_bulk(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;

	if (hidden(rec) || !matches(wk->o, rec))
		return 0;
	return keep_key(wk, rec->key);
}

/* pick_ids - remove ID...: any entry whose id was asked for */
static int pick_ids(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;
	char id[LG_CTL_ID_LEN + 1];
	size_t i;
	int hit = 0;

	lg_ctl_entry_id(rec->key, id);
	for (i = 0; i < wk->o->nargs; i++)
		if (strcasecmp(id, wk->o->args[i]) == 0) {
			wk->found[i] = 1;
			hit = 1;
		}
	return hit ? keep_key(wk, rec->key) : 0;
}

/* check_id - exactly LG_CTL_ID_LEN hex digits */
static int check_id(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!strchr("0123456789abcdefABCDEF", id[i]))
			return -1;
	return i == LG_CTL_ID_LEN ? 0 : -1;
}

/* finish_remove - delete the kept keys, then the final line */
static int finish_remove(struct lg_ctl_request *rq, struct walk *wk,
			 int scan_rc, const char *what)
{
	struct lg_store *st = rq->env->store;
	size_t i, removed = 0, failed = 0, missing = 0, first = 0;

	for (i = 0; i < wk->nkeys; i++) {
		if (!wk->nomem && scan_rc == 0) {
			if (st->ops->del(st->be, wk->keys[i]) == 0)
				removed++;
			else
				failed++;
		}
		free(wk->keys[i]);
	}
	free(wk->keys);
	if (removed)
		lg_log(LG_LOG_INFO, "control: %s removed %zu entries (%s)",
		       rq->env->who ? rq->env->who : "client", removed, what);
	if (wk->nomem)
		return lg_ctl_reply(rq, 0, "remove: out of memory; nothing removed");
	if (scan_rc != 0)
		return lg_ctl_reply(rq, 0, "remove: the store failed (see the log); nothing removed");
	if (failed)
		return lg_ctl_reply(rq, 0, "remove: the store failed for %zu entries (see the log); %zu removed",
				    failed, removed);
	for (i = 0; wk->found && i < wk->o->nargs; i++)
		if (!wk->found[i] && missing++ == 0)
			first = i;
	if (missing)
		return lg_ctl_reply(rq, 0, "remove: no entry with id %s%s (%zu removed)",
				    wk->o->args[first], missing > 1 ? " and others" : "",
				    removed);
	return lg_ctl_reply(rq, 1, "%zu removed", removed);
}

/* lg_ctl_remove - remove ID... | --all | --match PATTERN [--plugin NAME] */
int lg_ctl_remove(struct lg_ctl_request *rq, char **w, size_t n)
{
	struct lg_store *st = rq->env->store;
	struct walk wk;
	struct lg_ctl_opts o;
	size_t i;
	int rc;

	if (lg_ctl_parse_opts(rq, "remove", w, n, &o) != 0)
		return -1;
	if (o.nargs && (o.all || o.match || o.plugin))
		return lg_ctl_reply(rq, 0, "remove: give ids, or --all, or --match PATTERN, not both");
	if (!o.nargs && !o.all && !o.match)
		return lg_ctl_reply(rq, 0, "remove: give ids, --all or --match PATTERN");
	if (o.all && o.match)
		return lg_ctl_reply(rq, 0, "remove: --all and --match exclude each other");
	for (i = 0; i < o.nargs; i++)
		if (check_id(o.args[i]) != 0)
			return lg_ctl_reply(rq, 0, "remove: bad id %s (ids are %d hex digits, as list shows them)",
					    lg_ctl_echo(rq, o.args[i]), LG_CTL_ID_LEN);
	if (!st || !st->ops)
		return lg_ctl_reply(rq, 0, "remove: no store is open");
	memset(&wk, 0, sizeof(wk));
	wk.rq = rq;
	wk.o = &o;
	if (o.nargs) {
		if ((wk.found = calloc(o.nargs, 1)) == NULL)
			return lg_ctl_reply(rq, 0, "remove: out of memory");
		rc = st->ops->scan(st->be, "", rq->env->now, pick_ids, &wk);
	} else
		rc = st->ops->scan(st->be, "", rq->env->now, pick_bulk, &wk);
	rc = finish_remove(rq, &wk, rc, o.nargs ? "by id" : o.all ? "--all" :
			   lg_ctl_echo(rq, o.match));
	free(wk.found);
	return rc;
}
