/*
 * NAME
 *	edits.c - queue the edits plugins ask for; apply them, once, at
 *	end of message
 * DESCRIPTION
 *	Edits are kept in the message arena, each with the plugin that
 *	asked (so a decision can be tied to its edits, session_log.c).
 *	Order matters for never losing mail: recipients are added first,
 *	then headers are changed, and only then are recipients deleted, so
 *	a failure half way leaves an extra copy rather than a lost one.
 *	A sender change (one per message) comes after the headers.
 *	A set of edits that would leave the message with no recipient is
 *	refused as a whole. Duplicate adds and deletes are merged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */
#include "log.h"

/* Session library. */
#include "session_impl.h"

/* lg_session_queue_edit - remember an edit for end of message */
int lg_session_queue_edit(struct lg_ctx *s, enum lg_edit_kind kind,
			  const char *name, const char *value, int n)
{
	struct lg_edit *e;

	if (s->n_edits == s->cap_edits) {
		size_t cap = s->cap_edits ? s->cap_edits * 2 : 8;
		struct lg_edit *grown =
			lg_arena_alloc(&s->msg_arena, cap * sizeof(*grown));

		if (!grown) {
			s->edit_failed = 1;
			return -1;
		}
		if (s->n_edits)
			memcpy(grown, s->edits, s->n_edits * sizeof(*grown));
		s->edits = grown;
		s->cap_edits = cap;
	}
	e = &s->edits[s->n_edits];
	e->kind = kind;
	e->plugin = s->plugin;
	e->n = n;
	e->name = name ? lg_arena_strdup(&s->msg_arena, name) : NULL;
	e->value = value ? lg_arena_strdup(&s->msg_arena, value) : NULL;
	if ((name && !e->name) || (value && !e->value)) {
		s->edit_failed = 1;
		return -1;
	}
	s->n_edits++;
	return 0;
}

/* lg_session_sender_changed - a sender change is queued already */
int lg_session_sender_changed(const struct lg_ctx *s)
{
	size_t i;

	for (i = 0; i < s->n_edits; i++)
		if (s->edits[i].kind == LG_EDIT_CHANGE_SENDER)
			return 1;
	return 0;
}

/* rcpt_live - a recipient the message really has */
static int rcpt_live(const struct lg_rcpt_info *r)
{
	return !r->refused && !r->mta_rejected;
}

/* plugin_name - who queued an edit */
static const char *plugin_name(const struct lg_ctx *s, size_t plugin)
{
	return plugin < s->cfg->n_plugins ? s->cfg->plugins[plugin].name :
		"core";
}

/* already_added - an earlier add of the same address */
static int already_added(const struct lg_ctx *s, size_t upto,
			 const char *addr)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (s->edits[i].kind == LG_EDIT_ADD_RCPT &&
		    strcasecmp(s->edits[i].name, addr) == 0)
			return 1;
	return 0;
}

/* plan - decide which adds and deletes count; -1 if unsafe */
static int plan(struct lg_ctx *s, unsigned char *del, unsigned char *skip_add)
{
	const char *qid = lg_session_queue_id(s);
	size_t i, live = 0, deleted = 0, added = 0;

	for (i = 0; i < s->n_rcpts; i++)
		live += rcpt_live(s->rcpts[i]);
	for (i = 0; i < s->n_edits; i++) {
		struct lg_edit *e = &s->edits[i];

		if (e->kind == LG_EDIT_DEL_RCPT) {
			if (e->n < 0 || (size_t) e->n >= s->n_rcpts ||
			    !rcpt_live(s->rcpts[e->n])) {
				lg_log(LG_LOG_ERROR,
				       "%s: plugin=%s asked to delete recipient #%d, which the message does not have",
				       qid, plugin_name(s, e->plugin), e->n);
				return -1;
			}
			if (!del[e->n])
				deleted++;
			del[e->n] = 1;
		} else if (e->kind == LG_EDIT_ADD_RCPT) {
			if (already_added(s, i, e->name))
				skip_add[i] = 1;
			else
				added++;
		}
	}
	if (live - deleted + added == 0 && (deleted || added)) {
		lg_log(LG_LOG_ERROR,
		       "%s: edits would leave the message without a recipient; not applied",
		       qid);
		return -1;
	}
	return 0;
}

/* sink_failed - log which edit the MTA refused */
static int sink_failed(struct lg_ctx *s, const char *what, const char *arg)
{
	lg_log(LG_LOG_ERROR, "%s: the MTA refused to %s %s",
	       lg_session_queue_id(s), what, arg ? arg : "");
	return -1;
}

/* lg_session_apply_edits - add, change headers, then delete */
int lg_session_apply_edits(struct lg_ctx *s)
{
	const struct lg_edit_sink *k = s->sink;
	unsigned char *del, *skip_add;
	size_t i;
	int rc = -1;

	if (s->edit_failed) {
		lg_log(LG_LOG_ERROR, "%s: out of memory queueing edits",
		       lg_session_queue_id(s));
		return -1;
	}
	if (s->n_edits == 0)
		return 0;
	del = calloc(s->n_rcpts + 1, 1);
	skip_add = calloc(s->n_edits + 1, 1);
	if (!del || !skip_add || plan(s, del, skip_add) != 0)
		goto out;
	for (i = 0; i < s->n_edits; i++) {
		struct lg_edit *e = &s->edits[i];

		if (e->kind == LG_EDIT_ADD_RCPT && !skip_add[i] &&
		    k->add_rcpt(s->sink_arg, e->name) != 0) {
			rc = sink_failed(s, "add recipient", e->name);
			goto out;
		}
	}
	for (i = 0; i < s->n_edits; i++) {
		struct lg_edit *e = &s->edits[i];

		if (e->kind == LG_EDIT_ADD_HEADER &&
		    k->add_header(s->sink_arg, e->name, e->value) != 0) {
			rc = sink_failed(s, "add header", e->name);
			goto out;
		}
		if (e->kind == LG_EDIT_CHANGE_HEADER &&
		    k->change_header(s->sink_arg, e->name, e->n,
				     e->value) != 0) {
			rc = sink_failed(s, "change header", e->name);
			goto out;
		}
	}
	for (i = 0; i < s->n_edits; i++) {
		struct lg_edit *e = &s->edits[i];

		if (e->kind == LG_EDIT_CHANGE_SENDER &&
		    (!k->change_sender ||
		     k->change_sender(s->sink_arg, e->name) != 0)) {
			rc = sink_failed(s, "change the sender to", e->name);
			goto out;
		}
	}
	for (i = 0; i < s->n_rcpts; i++)
		if (del[i] && k->del_rcpt(s->sink_arg, s->rcpts[i]->raw) != 0) {
			rc = sink_failed(s, "delete recipient", s->rcpts[i]->raw);
			goto out;
		}
	for (i = 0; i < s->n_edits; i++) {
		struct lg_edit *e = &s->edits[i];

		if (e->kind == LG_EDIT_QUARANTINE &&
		    k->quarantine(s->sink_arg, e->name) != 0) {
			rc = sink_failed(s, "quarantine", e->name);
			goto out;
		}
	}
	rc = 0;
out:
	free(del);
	free(skip_add);
	return rc;
}
