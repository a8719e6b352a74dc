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
 *
 *	A sorted list walks twice: first one compact key per selected
 *	entry (a number or the field's text, and the 64-bit hash of its
 *	store key), sorted; then again, formatting only the rows whose
 *	hashes are on the page, which go out in the sorted order. An
 *	unsorted page is one walk that counts every row and sends those
 *	on the page. Either way N in "OK N entries" counts every
 *	selected entry.
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
#include "events.h"
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

/* lg_ctl_entry_id - first 10 hex digits of the key's 64-bit FNV-1a
 * (events.h makes it, so that watch events name entries the same) */
void lg_ctl_entry_id(const char *key, char id_r[LG_CTL_ID_LEN + 1])
{
	lg_events_entry_id(key, id_r);
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
	/* list: */
	const struct lg_ctl_page *pg;
	struct lg_ctl_sort sort;	/* --sort, first walk: the keys */
	uint64_t *want;		/* second walk: the page's key hashes, sorted */
	size_t *want_at;	/* ... and where each goes on the page */
	char **page;		/* ... and the rows, in page order */
	size_t npage;
};

/* The fields list --sort takes, in the order of a row. */
static const char *const list_fields[] = { "id", "created", "expires",
	"count", "size", "from", "to", "client", "plugin", "status", NULL };
enum { L_ID, L_CREATED, L_EXPIRES, L_COUNT, L_SIZE, L_FROM, L_TO, L_CLIENT,
       L_PLUGIN, L_STATUS };

/* key_hash - the 64-bit FNV-1a of a store key; its top 40 bits are
 * the id */
static uint64_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *) key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

/* format_row - one entry as a data line, in rq's line buffer */
static void format_row(struct lg_ctl_request *rq,
		       const struct lg_store_record *rec)
{
	char id[LG_CTL_ID_LEN + 1];

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
}

/* listed - the filters and --all: 1 when list shows REC, counting
 * the hidden ones it leaves out */
static int listed(struct walk *wk, const struct lg_store_record *rec)
{
	if (!matches(wk->o, rec))
		return 0;
	if (hidden(rec) && !wk->o->all) {
		wk->skipped++;
		return 0;
	}
	return 1;
}

/* list_one - unsorted: the rows on the page go out as they come */
static int list_one(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;

	if (!listed(wk, rec) || !lg_ctl_page_has(wk->pg, wk->shown++))
		return 0;
	format_row(wk->rq, rec);
	return lg_ctl_emit(wk->rq) != 0;
}

/* text_of - a text field, "" for none */
static const char *text_of(const char *s)
{
	return s ? s : "";
}

/* key_one - sorted, first walk: one compact key per row */
static int key_one(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;
	uint64_t h;
	long long num = 0;
	const char *str = NULL;

	if (!listed(wk, rec))
		return 0;
	wk->shown++;
	h = key_hash(rec->key);
	switch (wk->pg->field) {
	case L_ID: num = (long long) (h >> (64 - 4 * LG_CTL_ID_LEN)); break;
	case L_CREATED: num = (long long) rec->created; break;
	case L_EXPIRES: num = (long long) rec->expires; break;
	case L_COUNT: num = rec->count; break;
	case L_SIZE: num = rec->size; break;
	case L_FROM: str = text_of(rec->from); break;
	case L_TO: str = text_of(rec->to); break;
	case L_CLIENT: str = text_of(rec->client); break;
	case L_PLUGIN: str = text_of(rec->plugin); break;
	default: str = text_of(rec->status); break;
	}
	if (lg_ctl_sort_add(&wk->sort, num, str, h) != 0) {
		wk->nomem = 1;
		return 1;
	}
	return 0;
}

/* by_hash - order of the page's hashes, for bsearch */
static int by_hash(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* page_one - sorted, second walk: format the rows on the page */
static int page_one(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;
	uint64_t h, *hit;
	size_t at;

	if (!matches(wk->o, rec) || (hidden(rec) && !wk->o->all))
		return 0;
	h = key_hash(rec->key);
	hit = bsearch(&h, wk->want, wk->npage, sizeof(*wk->want), by_hash);
	if (!hit)
		return 0;
	at = wk->want_at[hit - wk->want];
	if (wk->page[at])
		return 0;
	format_row(wk->rq, rec);
	if (wk->rq->nomem || (wk->page[at] = strdup(wk->rq->buf)) == NULL) {
		wk->nomem = 1;
		return 1;
	}
	return 0;
}

/* sorted_page - the second walk for the page of the sorted keys, then
 * its rows in order; 0, or -1 (store failed, out of memory) */
static int sorted_page(struct walk *wk, struct lg_store *st)
{
	struct lg_ctl_request *rq = wk->rq;
	size_t first = 0, i, n = 0;
	int rc = 0;

	lg_ctl_sort_done(&wk->sort, wk->pg);
	if ((long long) wk->sort.n > wk->pg->offset) {
		first = (size_t) wk->pg->offset;
		n = wk->sort.n - first;
		if (wk->pg->limit && (long long) n > wk->pg->limit)
			n = (size_t) wk->pg->limit;
	}
	if (n == 0)
		return 0;
	wk->want = calloc(n, sizeof(*wk->want));
	wk->want_at = calloc(n, sizeof(*wk->want_at));
	wk->page = calloc(n, sizeof(*wk->page));
	if (!wk->want || !wk->want_at || !wk->page) {
		wk->nomem = 1;
		rc = -1;
		goto out;
	}
	/* hashes sorted for bsearch, each remembering its place */
	for (i = 0; i < n; i++)
		wk->want[i] = wk->sort.keys[first + i].ref;
	qsort(wk->want, n, sizeof(*wk->want), by_hash);
	for (i = 0; i < n; i++) {
		uint64_t *hit = bsearch(&wk->sort.keys[first + i].ref, wk->want,
					n, sizeof(*wk->want), by_hash);
		wk->want_at[hit - wk->want] = i;
	}
	wk->npage = n;
	rc = st->ops->scan(st->be, "", rq->env->now, page_one, wk);
	for (i = 0; rc == 0 && !wk->nomem && i < n && !rq->gone; i++)
		if (wk->page[i]) {	/* gone between the walks: left out */
			rq->len = 0;
			lg_ctl_add(rq, wk->page[i], strlen(wk->page[i]));
			lg_ctl_emit(rq);
		}
out:
	for (i = 0; wk->page && i < n; i++)
		free(wk->page[i]);
	free(wk->want);
	free(wk->want_at);
	free(wk->page);
	return rc != 0 || wk->nomem ? -1 : 0;
}

/* lg_ctl_list - list [--plugin NAME] [--match PATTERN] [--all]
 * [--sort FIELD] [--desc] [--offset N] [--limit N] */
int lg_ctl_list(struct lg_ctl_request *rq, char **w, size_t n)
{
	struct lg_store *st = rq->env->store;
	struct lg_ctl_page pg;
	struct walk wk;
	struct lg_ctl_opts o;
	char end[48];
	int rc;

	if (lg_ctl_parse_page(rq, "list", w, &n, list_fields, &pg) != 0 ||
	    lg_ctl_parse_opts(rq, "list", w, n, &o) != 0)
		return -1;
	if (o.nargs)
		return lg_ctl_reply(rq, 0, "list: unexpected argument %s",
				    lg_ctl_echo(rq, o.args[0]));
	if (!st || !st->ops)
		return lg_ctl_reply(rq, 0, "list: no store is open");
	memset(&wk, 0, sizeof(wk));
	wk.rq = rq;
	wk.o = &o;
	wk.pg = &pg;
	rc = st->ops->scan(st->be, "", rq->env->now,
			   pg.field < 0 ? list_one : key_one, &wk);
	if (rc == 0 && !wk.nomem && pg.field >= 0)
		rc = sorted_page(&wk, st);
	lg_ctl_sort_free(&wk.sort);
	if (rq->gone)
		return -1;
	if (wk.nomem)
		return lg_ctl_reply(rq, 0, "list: out of memory");
	if (rc != 0)
		return lg_ctl_reply(rq, 0, "list: the store failed (see the log)");
	if (lg_ctl_fallback_note(rq) != 0)
		return -1;
	return lg_ctl_reply(rq, 1, "%zu entries, %zu hidden%s", wk.shown,
			    wk.skipped, lg_ctl_page_end(&pg, end, sizeof(end)));
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
