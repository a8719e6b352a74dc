/*
 * NAME
 *	control_outbox.c - the queue command: list, remove, retry the outbox
 * SYNOPSIS
 *	#include "control_impl.h"
 *
 *	lg_ctl_queue(rq, words, n);
 *	lg_ctl_outbox_lines(rq);		(stats)
 * DESCRIPTION
 *	queue [--sort FIELD] [--desc] [--offset N] [--limit N]
 *	      [--match PATTERN]
 *		one row per waiting message, oldest first (or sorted by
 *		FIELD: id, created, next, attempts, size, to, status),
 *		tab-separated: id, created, next try, attempts, size,
 *		from, to, status. Times are seconds since the epoch;
 *		from is always "" (the null sender). PATTERN is a
 *		case-insensitive glob against id, to and status. Final
 *		line: "OK N messages" (N: every matching message, not
 *		only the page), ", offset O" added when paged. Sorting
 *		keeps every matching row formatted until the page is
 *		out: the outbox is read whole on every request anyway.
 *	queue remove ID... | --all
 *		drops the messages. Final line "OK N removed"; an id that
 *		names no message makes it an ERR after the others went.
 *	queue retry ID... | --all
 *		makes them due now and wakes the worker. "OK N retried".
 *	The outbox is the mailer's (lg_mailer_outbox); without a mailer
 *	group every form answers ERR.
 * DIAGNOSTICS
 *	"ERR queue: ..." lines; removals are logged with the client.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "clock.h"
#include "log.h"

/* Mail library. */
#include "mailer.h"

/* Control socket. */
#include "control_impl.h"

/* The fields queue --sort takes, in the order of a row. */
static const char *const queue_fields[] = { "id", "created", "next",
	"attempts", "size", "to", "status", NULL };
enum { Q_ID, Q_CREATED, Q_NEXT, Q_ATTEMPTS, Q_SIZE, Q_TO, Q_STATUS };

/* A queue listing: every selected row, formatted, and its sort key. */
struct listing {
	struct lg_ctl_request *rq;
	const char *match;
	const struct lg_ctl_page *pg;
	char **rows;
	size_t n, cap;
	struct lg_ctl_sort sort;
	int nomem;
};

/* selected - --match: a glob against id, to and status */
static int selected(const char *match, const struct lg_outbox_item *it)
{
	return !match || fnmatch(match, it->id, FNM_CASEFOLD) == 0 ||
		fnmatch(match, it->to, FNM_CASEFOLD) == 0 ||
		fnmatch(match, it->status, FNM_CASEFOLD) == 0;
}

/* format_row - one message as a data line, in rq's line buffer */
static void format_row(struct lg_ctl_request *rq,
		       const struct lg_outbox_item *it)
{
	rq->len = 0;
	lg_ctl_add(rq, it->id, strlen(it->id));
	lg_ctl_addf(rq, "\t%lld\t%lld\t%lld\t%lld", (long long) it->created,
		    (long long) it->next, it->attempts, it->size);
	lg_ctl_add_field(rq, "");
	lg_ctl_add_field(rq, it->to);
	lg_ctl_add_field(rq, it->status);
}

/* sort_key - the key of FIELD for one message */
static int sort_key(struct listing *ls, const struct lg_outbox_item *it)
{
	long long num = 0;
	const char *str = NULL;

	switch (ls->pg->field) {
	case Q_ID: str = it->id; break;
	case Q_CREATED: num = (long long) it->created; break;
	case Q_NEXT: num = (long long) it->next; break;
	case Q_ATTEMPTS: num = it->attempts; break;
	case Q_SIZE: num = it->size; break;
	case Q_TO: str = it->to; break;
	default: str = it->status; break;
	}
	return lg_ctl_sort_add(&ls->sort, num, str, ls->n);
}

/* collect_row - keep a selected message's row (and key) for later */
static void collect_row(void *arg, const struct lg_outbox_item *it)
{
	struct listing *ls = arg;
	char **grown;

	if (ls->nomem || !selected(ls->match, it))
		return;
	if (ls->n == ls->cap) {
		grown = realloc(ls->rows, (ls->cap ? ls->cap * 2 : 64) *
				sizeof(*grown));
		if (!grown) {
			ls->nomem = 1;
			return;
		}
		ls->rows = grown;
		ls->cap = ls->cap ? ls->cap * 2 : 64;
	}
	format_row(ls->rq, it);
	if (ls->rq->nomem || (ls->rows[ls->n] = strdup(ls->rq->buf)) == NULL ||
	    sort_key(ls, it) != 0) {
		ls->nomem = 1;
		return;
	}
	ls->n++;
}

/* stream_row - unsorted: the rows on the page go out as they come */
static void stream_row(void *arg, const struct lg_outbox_item *it)
{
	struct listing *ls = arg;

	if (ls->rq->gone || !selected(ls->match, it))
		return;
	if (lg_ctl_page_has(ls->pg, ls->n++)) {
		format_row(ls->rq, it);
		lg_ctl_emit(ls->rq);
	}
}

/* list_queue - queue [--sort F] [--desc] [--offset N] [--limit N]
 * [--match PATTERN] */
static int list_queue(struct lg_ctl_request *rq, struct lg_outbox *ob,
		      char **w, size_t n)
{
	struct lg_ctl_page pg;
	struct listing ls;
	char end[48];
	size_t i, k;
	int count;

	if (lg_ctl_parse_page(rq, "queue", w, &n, queue_fields, &pg) != 0)
		return -1;
	memset(&ls, 0, sizeof(ls));
	ls.rq = rq;
	ls.pg = &pg;
	for (i = 0; i < n; i++) {
		if (strcmp(w[i], "--match") != 0)
			return lg_ctl_reply(rq, 0, "queue: unknown argument %s (queue [--sort FIELD] [--desc] [--offset N] [--limit N] [--match PATTERN], queue remove, queue retry)",
					    lg_ctl_echo(rq, w[i]));
		if (ls.match)
			return lg_ctl_reply(rq, 0, "queue: --match given twice");
		if (++i == n)
			return lg_ctl_reply(rq, 0, "queue: --match needs a value");
		ls.match = w[i];
	}
	count = lg_outbox_list(ob, pg.field < 0 ? stream_row : collect_row,
			       &ls);
	if (pg.field >= 0 && count >= 0 && !ls.nomem) {
		lg_ctl_sort_done(&ls.sort, &pg);
		for (i = 0; i < ls.sort.n && !rq->gone; i++) {
			if (!lg_ctl_page_has(&pg, i))
				continue;
			k = (size_t) ls.sort.keys[i].ref;
			rq->len = 0;
			lg_ctl_add(rq, ls.rows[k], strlen(ls.rows[k]));
			lg_ctl_emit(rq);
		}
	}
	for (i = 0; i < ls.n && ls.rows; i++)
		free(ls.rows[i]);
	free(ls.rows);
	lg_ctl_sort_free(&ls.sort);
	if (rq->gone)
		return -1;
	if (count < 0)
		return lg_ctl_reply(rq, 0, "queue: cannot read the outbox");
	if (ls.nomem)
		return lg_ctl_reply(rq, 0, "queue: out of memory");
	return lg_ctl_reply(rq, 1, "%zu messages%s", ls.n,
			    lg_ctl_page_end(&pg, end, sizeof(end)));
}

/* Totals of the outbox, for stats. */
struct totals {
	unsigned long long messages, bytes;
	time_t oldest;
};

/* add_total - one message into the totals */
static void add_total(void *arg, const struct lg_outbox_item *it)
{
	struct totals *t = arg;

	t->messages++;
	t->bytes += it->size > 0 ? (unsigned long long) it->size : 0;
	if (!t->oldest || it->created < t->oldest)
		t->oldest = it->created;
}

/* lg_ctl_outbox_lines - outbox_messages, outbox_bytes, outbox_oldest
 * (only with a mailer; nothing when the outbox cannot be read) */
void lg_ctl_outbox_lines(struct lg_ctl_request *rq)
{
	struct lg_outbox *ob = lg_mailer_outbox();
	struct totals t = { 0, 0, 0 };

	if (!ob || rq->gone || lg_outbox_list(ob, add_total, &t) < 0)
		return;
	rq->len = 0;
	lg_ctl_addf(rq, "outbox_messages\t%llu", t.messages);
	lg_ctl_emit(rq);
	lg_ctl_addf(rq, "outbox_bytes\t%llu", t.bytes);
	lg_ctl_emit(rq);
	lg_ctl_addf(rq, "outbox_oldest\t%lld", (long long) t.oldest);
	lg_ctl_emit(rq);
}

/* Collects the ids for "--all". */
struct ids {
	char (*id)[LG_OUTBOX_ID_MAX];
	size_t n, cap;
};

/* collect - remember one id (an id that finds no room is left out) */
static void collect(void *arg, const struct lg_outbox_item *it)
{
	struct ids *ids = arg;
	char (*grown)[LG_OUTBOX_ID_MAX];

	if (ids->n == ids->cap) {
		grown = realloc(ids->id, (ids->cap ? ids->cap * 2 : 64) *
				sizeof(*ids->id));
		if (!grown)
			return;
		ids->id = grown;
		ids->cap = ids->cap ? ids->cap * 2 : 64;
	}
	strcpy(ids->id[ids->n++], it->id);
}

/* act - remove or retry one id: 1 done, 0 unknown, -1 error */
static int act(struct lg_outbox *ob, int retry, const char *id)
{
	return retry ? lg_outbox_retry(ob, id, lg_now()) :
		lg_outbox_remove(ob, id);
}

/* change - "remove" or "retry" over ids or --all */
static int change(struct lg_ctl_request *rq, struct lg_outbox *ob,
		  const char *what, char **w, size_t n)
{
	int retry = strcmp(what, "retry") == 0, rc;
	struct ids ids = { NULL, 0, 0 };
	size_t done = 0, unknown = 0, failed = 0, i;
	const char *first_unknown = NULL;

	if (n == 0)
		return lg_ctl_reply(rq, 0, "queue %s: give ids or --all", what);
	if (n == 1 && strcmp(w[0], "--all") == 0) {
		rc = lg_outbox_list(ob, collect, &ids);
		for (i = 0; rc >= 0 && i < ids.n; i++)
			if (act(ob, retry, ids.id[i]) > 0)
				done++;
		free(ids.id);
		if (rc < 0)
			return lg_ctl_reply(rq, 0, "queue %s: cannot read the outbox",
					    what);
	} else {
		for (i = 0; i < n; i++) {
			if (w[i][0] == '-')
				return lg_ctl_reply(rq, 0, "queue %s: unknown option %s",
						    what, lg_ctl_echo(rq, w[i]));
		}
		for (i = 0; i < n; i++) {
			rc = act(ob, retry, w[i]);
			if (rc > 0)
				done++;
			else if (rc == 0 && unknown++ == 0)
				first_unknown = w[i];
			else if (rc < 0)
				failed++;
		}
	}
	lg_log(LG_LOG_INFO, "control: %s: queue %s: %zu messages",
	       rq->env->who ? rq->env->who : "client", what, done);
	if (retry && done)
		lg_mailer_wake();
	if (unknown)
		return lg_ctl_reply(rq, 0, "queue %s: no message %s (%zu %s)",
				    what, lg_ctl_echo(rq, first_unknown), done,
				    retry ? "retried" : "removed");
	if (failed)
		return lg_ctl_reply(rq, 0, "queue %s: %zu failed (see the log)",
				    what, failed);
	return lg_ctl_reply(rq, 1, "%zu %s", done, retry ? "retried" :
			    "removed");
}

/* lg_ctl_queue - queue [remove|retry ...] */
int lg_ctl_queue(struct lg_ctl_request *rq, char **w, size_t n)
{
	struct lg_outbox *ob = lg_mailer_outbox();

	if (!ob)
		return lg_ctl_reply(rq, 0, "queue: no outbox (the config has no mailer group)");
	if (n > 0 && (strcmp(w[0], "remove") == 0 ||
		      strcmp(w[0], "retry") == 0))
		return change(rq, ob, w[0], w + 1, n - 1);
	return list_queue(rq, ob, w, n);
}
