/*
 * NAME
 *	control_outbox.c - the queue command: list, remove, retry the outbox
 * SYNOPSIS
 *	#include "control_impl.h"
 *
 *	lg_ctl_queue(rq, words, n);
 * DESCRIPTION
 *	queue
 *		one row per waiting message, oldest first, tab-separated:
 *		id, created, next try, attempts, size, from, to, status.
 *		Times are seconds since the epoch; from is always "" (the
 *		null sender). Final line: "OK N messages".
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

/* row - one message as a data line */
static void row(void *arg, const struct lg_outbox_item *it)
{
	struct lg_ctl_request *rq = arg;

	if (rq->gone)
		return;
	rq->len = 0;
	lg_ctl_add(rq, it->id, strlen(it->id));
	lg_ctl_addf(rq, "\t%lld\t%lld\t%lld\t%lld", (long long) it->created,
		    (long long) it->next, it->attempts, it->size);
	lg_ctl_add_field(rq, "");
	lg_ctl_add_field(rq, it->to);
	lg_ctl_add_field(rq, it->status);
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
	int count;

	if (!ob)
		return lg_ctl_reply(rq, 0, "queue: no outbox (the config has no mailer group)");
	if (n > 0 && (strcmp(w[0], "remove") == 0 ||
		      strcmp(w[0], "retry") == 0))
		return change(rq, ob, w[0], w + 1, n - 1);
	if (n > 0)
		return lg_ctl_reply(rq, 0, "queue: unknown argument %s (queue, queue remove, queue retry)",
				    lg_ctl_echo(rq, w[0]));
	count = lg_outbox_list(ob, row, rq);
	if (rq->gone)
		return -1;
	if (count < 0)
		return lg_ctl_reply(rq, 0, "queue: cannot read the outbox");
	return lg_ctl_reply(rq, 1, "%d messages", count);
}
