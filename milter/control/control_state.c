/*
 * NAME
 *	control_state.c - state export, state import, and the fallback
 *	note of list
 * SYNOPSIS
 *	#include "control_impl.h"
 *
 *	lg_ctl_state(rq, words, n);
 *	lg_ctl_fallback_note(rq);
 * DESCRIPTION
 *	"state export" streams the format line and one line per live
 *	entry (state_line.h), bookkeeping included, then "OK N entries".
 *	It is refused while a Redis backend answers from its local
 *	fallback store: the file would hold this host's fallback only;
 *	also when the export itself is what finds the server gone (the
 *	store's scan then answered from the fallback).
 *
 *	"state import" is followed on the same connection by the lines of
 *	a state file, the format line first, and a line holding only ".".
 *	Each entry is set as it is (the store's put: count, size, created,
 *	expires and text fields), replacing a live entry of the same key;
 *	entries already expired are skipped. The reply is "OK N imported,
 *	M expired skipped" or "ERR line L: what is wrong"; after an error
 *	the rest of the body is read and dropped up to the "." line, so
 *	the client hears the reply. Entries before a bad line are in
 *	(import is not one transaction; importing again is harmless).
 *
 *	lg_ctl_fallback_note() adds the line "fallback<TAB>BACKEND<TAB>
 *	SERVER<TAB>DOWN_SINCE" to a list reply when the store answers
 *	from its local fallback, so the client can say that the listing
 *	is this host's fallback store only.
 * DIAGNOSTICS
 *	Imports and exports are logged with the client's identity and the
 *	numbers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "log.h"

/* Store library. */
#include "state_line.h"

/* Control socket. */
#include "control_cmd.h"
#include "control_impl.h"

/* One export in progress. */
struct export {
	struct lg_ctl_request *rq;
	char line[LG_STATE_LINE_MAX + 1];
	size_t n;
};

/* export_one - lg_store_scan_fn: one entry line */
static int export_one(void *arg, const struct lg_store_record *rec)
{
	struct export *ex = arg;
	size_t len = lg_state_format(rec, ex->line, sizeof(ex->line));

	if (len == 0)
		return 0;
	ex->rq->len = 0;
	lg_ctl_add(ex->rq, ex->line, len);
	ex->n++;
	return lg_ctl_emit(ex->rq) != 0;
}

/* health_of - the store's health; 0 when it has none to tell */
static int health_of(const struct lg_store *st, struct lg_store_health *h)
{
	memset(h, 0, sizeof(*h));
	if (!st || !st->ops || !st->ops->health)
		return 0;
	st->ops->health(st->be, h);
	return 1;
}

/* cmd_export - every live entry, as the lines of a state file */
static int cmd_export(struct lg_ctl_request *rq)
{
	struct lg_store *st = rq->env->store;
	struct lg_store_health h;
	struct export *ex;
	size_t count;
	int rc, fell;

	if (health_of(st, &h) && h.fallback)
		return lg_ctl_reply(rq, 0, "state export: %s %s is unreachable; "
				    "refusing to export only this host's fallback "
				    "store", h.backend, h.server);
	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		return lg_ctl_reply(rq, 0, "state export: out of memory");
	ex->rq = rq;
	rq->len = 0;
	lg_ctl_add(rq, LG_STATE_HEADER, strlen(LG_STATE_HEADER));
	rc = lg_ctl_emit(rq) == 0 ?
		st->ops->scan(st->be, "", rq->env->now, export_one, ex) : -1;
	/* the scan may be what found the server gone: it then answered
	 * from the fallback store */
	fell = rc == 0 && health_of(st, &h) && h.fallback;
	if (!rq->gone)
		lg_log(LG_LOG_INFO, "control: %s exported %zu entries%s",
		       rq->env->who ? rq->env->who : "client", ex->n,
		       rc ? " (cut short)" : fell ? " (from the fallback "
		       "store: refused)" : "");
	count = ex->n;
	free(ex);
	if (rq->gone)
		return -1;
	if (fell)
		return lg_ctl_reply(rq, 0, "state export: %s %s became "
				    "unreachable; refusing to export only this "
				    "host's fallback store", h.backend, h.server);
	if (rc != 0)
		return lg_ctl_reply(rq, 0, "state export: the store failed (see the log)");
	return lg_ctl_reply(rq, 1, "%zu entries", count);
}

/* One import in progress. */
struct import {
	char line[LG_STATE_LINE_MAX + 1];
	struct lg_state_line parsed;
	char err[512];
	size_t lineno, imported, expired;
};

/* import_line - check and put one body line: 0, or -1 with err set */
static int import_line(struct lg_ctl_request *rq, struct import *im,
		       size_t len)
{
	struct lg_store *st = rq->env->store;
	int rc;

	if (im->lineno == 1)
		return lg_state_header(im->line, len, im->err, sizeof(im->err));
	rc = lg_state_parse(im->line, len, rq->env->now, &im->parsed, im->err,
			    sizeof(im->err));
	if (rc <= 0)
		return rc;
	if (im->parsed.expired) {
		im->expired++;
		return 0;
	}
	if (st->ops->put(st->be, &im->parsed.rec, rq->env->now) != 0) {
		snprintf(im->err, sizeof(im->err), "the store refused the "
			 "entry (see the log)");
		return -1;
	}
	im->imported++;
	return 0;
}

/* cmd_import - read the body, put each entry */
static int cmd_import(struct lg_ctl_request *rq)
{
	const struct lg_ctl_env *env = rq->env;
	struct lg_store_health h;
	struct import *im;
	size_t len, bad_line = 0;
	int rc, bad = 0, got;

	if (!rq->in)
		return lg_ctl_reply(rq, 0, "state import: not available here");
	if (!env->store->ops->put)
		return lg_ctl_reply(rq, 0, "state import: this store cannot import");
	if ((im = calloc(1, sizeof(*im))) == NULL)
		return lg_ctl_reply(rq, 0, "state import: out of memory");
	if (health_of(env->store, &h) && h.down) {
		snprintf(im->err, sizeof(im->err), "%s %s is unreachable; "
			 "nothing imported", h.backend, h.server);
		bad = 1;
	}
	while ((got = rq->in(rq->in_arg, im->line, sizeof(im->line),
			     &len)) != 0) {
		if (got == -1) {
			lg_log(LG_LOG_WARN, "control: %s went away or stalled "
			       "during state import, after %zu entries",
			       env->who ? env->who : "client", im->imported);
			free(im);
			rq->gone = 1;
			return -1;
		}
		im->lineno++;
		if (bad)
			continue;
		if (got == -2) {
			snprintf(im->err, sizeof(im->err), "line too long (at "
				 "most %d bytes)", LG_STATE_LINE_MAX);
			bad = 1;
		} else if (import_line(rq, im, len) != 0) {
			bad = 1;
		}
		if (bad)
			bad_line = im->lineno;
	}
	if (im->lineno == 0 && !bad) {
		snprintf(im->err, sizeof(im->err), "empty file");
		bad = 1;
	}
	lg_log(bad ? LG_LOG_WARN : LG_LOG_INFO, "control: %s imported %zu "
	       "entries, %zu expired skipped%s%s", env->who ? env->who :
	       "client", im->imported, im->expired, bad ? "; stopped: " : "",
	       bad ? im->err : "");
	if (bad_line)
		rc = lg_ctl_reply(rq, 0, "state import: line %zu: %s (%zu "
				  "imported before it)", bad_line, im->err,
				  im->imported);
	else if (bad)
		rc = lg_ctl_reply(rq, 0, "state import: %s", im->err);
	else
		rc = lg_ctl_reply(rq, 1, "%zu imported, %zu expired skipped",
				  im->imported, im->expired);
	free(im);
	return rc;
}

/* lg_ctl_state - state export | state import */
int lg_ctl_state(struct lg_ctl_request *rq, char **w, size_t n)
{
	if (n != 1 || (strcmp(w[0], "export") != 0 &&
		       strcmp(w[0], "import") != 0))
		return lg_ctl_reply(rq, 0, "state: use \"state export\" or "
				    "\"state import\"");
	if (!rq->env->store || !rq->env->store->ops)
		return lg_ctl_reply(rq, 0, "state: no store is open");
	lg_log(LG_LOG_INFO, "control: %s asked for state %s",
	       rq->env->who ? rq->env->who : "client", w[0]);
	return strcmp(w[0], "export") == 0 ? cmd_export(rq) : cmd_import(rq);
}

/* lg_ctl_fallback_note - say that the listing is the fallback only */
int lg_ctl_fallback_note(struct lg_ctl_request *rq)
{
	struct lg_store_health h;

	if (!health_of(rq->env->store, &h) || !h.fallback)
		return 0;
	rq->len = 0;
	lg_ctl_add(rq, "fallback", 8);
	lg_ctl_add_field(rq, h.backend);
	lg_ctl_add_field(rq, h.server);
	lg_ctl_addf(rq, "\t%lld", (long long)h.down_since);
	return lg_ctl_emit(rq);
}
