/*
 * NAME
 *	console_daemon.c - what the pages and the API ask the daemon
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	rc = cn_fetch_listing(rq, &q, &reply, &listing, err, sizeof(err));
 *	rc = cn_fetch_stats(rq, &reply, &stats, err, sizeof(err));
 *	cn_action_request(rq, "/entries/remove", req, sizeof(req),
 *			  what, sizeof(what), err, sizeof(err));
 *	cn_act(rq, what, req, msg, sizeof(msg));
 * DESCRIPTION
 *	Every request goes through cn_ctl() as the web user ("as NAME"),
 *	so the daemon's log names who asked. A listing is one list or
 *	queue request with its sort and page; statistics are one stats
 *	request, and the entries of each plugin counted by walking the
 *	listing sorted by plugin: the row at offset O names a plugin,
 *	"list --plugin NAME --limit 1" counts its N (the final line), the
 *	next plugin starts at O + N. Two small requests a plugin, whatever
 *	the number of entries.
 *
 *	An action (remove, retry, flush, reload) takes only what was
 *	checked here: ids of the right form (at most CN_IDS_MAX, a page),
 *	or all=1 with the filters of the page; every action is logged as
 *	"user NAME (ROLE) from ADDR: WHAT: RESULT".
 * DIAGNOSTICS
 *	The fetches tell a daemon that does not answer (-1) from one that
 *	refused (-2); err holds the reason either way.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"

#include "console_views.h"

#define ACTION_IDS	(CN_IDS_MAX + 1)	/* one more: too many */

/* cn_fetch_listing - list or queue for q, parsed into l */
int cn_fetch_listing(const struct cn_request *rq, const struct cn_query *q,
		     struct ctl_reply *reply, struct cn_listing *l,
		     char *err, size_t errsize)
{
	char line[512];

	memset(reply, 0, sizeof(*reply));
	memset(l, 0, sizeof(*l));
	l->table = q->table;
	if (cn_query_request(q, line, sizeof(line)) != 0) {
		snprintf(err, errsize, "the request is too long");
		return -2;
	}
	if (cn_ctl(cn_who(rq), line, reply, err, errsize) != 0)
		return -1;
	if (cn_listing_parse(l, q->table, reply, err, errsize) != 0)
		return -2;
	return 0;
}

/* first_plugin - the plugin of the row at offset when sorted by
 * plugin, into name: 0, or -1 when there is none */
static int first_plugin(const struct cn_request *rq, unsigned long offset,
			char *name, size_t size)
{
	struct ctl_reply reply;
	struct cn_listing l;
	struct cn_query q;
	char err[256];
	int rc = -1;

	memset(&q, 0, sizeof(q));
	q.table = CN_ENTRIES;
	q.sort = E_PLUGIN;	/* the column index is the field's */
	q.offset = offset;
	q.limit = 1;
	if (cn_fetch_listing(rq, &q, &reply, &l, err, sizeof(err)) == 0 &&
	    l.n == 1 && cn_check_plugin(l.rows[0][E_PLUGIN])) {
		snprintf(name, size, "%s", l.rows[0][E_PLUGIN]);
		rc = 0;
	}
	cn_listing_free(&l);
	ctl_reply_free(&reply);
	return rc;
}

/* plugin_count - the entries of one plugin, or -1 */
static long long plugin_count(const struct cn_request *rq,
			      const char *plugin)
{
	struct ctl_reply reply;
	struct cn_listing l;
	struct cn_query q;
	char err[256];
	long long n = -1;

	memset(&q, 0, sizeof(q));
	q.table = CN_ENTRIES;
	snprintf(q.plugin, sizeof(q.plugin), "%s", plugin);
	q.sort = E_CREATED;
	q.limit = 1;
	if (cn_fetch_listing(rq, &q, &reply, &l, err, sizeof(err)) == 0)
		n = (long long) l.total;
	cn_listing_free(&l);
	ctl_reply_free(&reply);
	return n;
}

/* count_plugins - the entries of each plugin: the listing sorted by
 * plugin, from one plugin's first row to the next's (two requests a
 * plugin); plugins with none are 0 once every entry is counted */
static void count_plugins(const struct cn_request *rq, struct cn_stats *s)
{
	char name[CN_PLUGIN_MAX + 1];
	struct cn_plugin_count *pc;
	unsigned long long offset = 0;
	long long n;
	size_t i, k;

	for (k = 0; k < CN_PLUGINS_MAX; k++) {
		if (offset > CN_OFFSET_MAX ||
		    first_plugin(rq, (unsigned long) offset, name, sizeof(name)))
			break;
		if ((n = plugin_count(rq, name)) <= 0 ||
		    !(pc = cn_stats_plugin(s, name)))
			return;	/* changed under us, or no room: partial */
		pc->entries = n;
		offset += (unsigned long long) n;
	}
	if (k == CN_PLUGINS_MAX)
		return;
	for (i = 0; i < s->nplugins; i++)
		if (s->plugins[i].entries < 0)
			s->plugins[i].entries = 0;
}

/* cn_fetch_stats - stats, and the entries of each plugin */
int cn_fetch_stats(const struct cn_request *rq, struct ctl_reply *reply,
		   struct cn_stats *s, char *err, size_t errsize)
{
	memset(reply, 0, sizeof(*reply));
	memset(s, 0, sizeof(*s));
	if (cn_ctl(cn_who(rq), "stats", reply, err, errsize) != 0)
		return -1;
	if (cn_stats_parse(s, reply, err, errsize) != 0)
		return -2;
	cn_stats_plugins(s);
	count_plugins(rq, s);
	return 0;
}

/* get - a field of the request, for cn_query_parse */
static const char *get(void *ctx, const char *name)
{
	return cn_arg(ctx, name);
}

/* filters - " --plugin P --match M" of a bulk remove, checked */
static int filters(const struct cn_request *rq, char *out, size_t size,
		   char *what, size_t whatsize, char *err, size_t errsize)
{
	struct cn_query q;

	if (cn_query_parse(&q, CN_ENTRIES, 0, get, (void *) rq, err,
			   errsize) != 0)
		return -1;
	snprintf(out, size, "%s%s%s%s", q.match[0] ? " --match " : " --all",
		 q.match, q.plugin[0] ? " --plugin " : "", q.plugin);
	snprintf(what, whatsize, "remove all entries%s%s%s%s",
		 q.plugin[0] ? " of plugin " : "", q.plugin,
		 q.match[0] ? " matching " : "", q.match);
	return 0;
}

/* ids - " ID ID ..." of the selected rows, checked */
static int ids(const struct cn_request *rq, enum cn_table t, char *out,
	       size_t size, size_t *n_r, char *err, size_t errsize)
{
	const char *v[ACTION_IDS];
	size_t n = cn_args(rq, "id", v, ACTION_IDS), i, len = 0;

	if (n == 0) {
		snprintf(err, errsize, "select at least one row");
		return -1;
	}
	if (n > CN_IDS_MAX) {
		snprintf(err, errsize, "at most %d rows at a time", CN_IDS_MAX);
		return -1;
	}
	out[0] = 0;
	for (i = 0; i < n; i++) {
		if (!cn_check_id(t, v[i])) {
			snprintf(err, errsize, "id: %s", t == CN_ENTRIES ?
				 "10 hex digits" : "an outbox id (8.4.8 hex digits)");
			return -1;
		}
		len += (size_t) snprintf(out + len, size - len, " %s", v[i]);
		if (len >= size) {
			snprintf(err, errsize, "too many ids");
			return -1;
		}
	}
	*n_r = n;
	return 0;
}

/* is_all - the form asks for every matching row */
static int is_all(const struct cn_request *rq)
{
	const char *all = cn_arg(rq, "all");

	return all && strcmp(all, "1") == 0;
}

/* cn_action_request - the request of an action route */
int cn_action_request(const struct cn_request *rq, const char *path,
		      char *request, size_t size, char *what,
		      size_t whatsize, char *err, size_t errsize)
{
	char args[CN_IDS_MAX * (CN_MSG_ID_LEN + 1) + CN_PATTERN_MAX + 128];
	int entries = strcmp(path, "/entries/remove") == 0;
	int retry = strcmp(path, "/outbox/retry") == 0;
	int flush = strcmp(path, "/outbox/flush") == 0;
	size_t n;

	if (strcmp(path, "/reload") == 0) {
		snprintf(request, size, "reload");
		snprintf(what, whatsize, "reload the config");
		return 0;
	}
	if (!entries && !retry && !flush && strcmp(path, "/outbox/remove")) {
		snprintf(err, errsize, "no such action");
		return -1;
	}
	if (flush || (!entries && is_all(rq))) {
		retry = retry || flush;
		snprintf(request, size, "queue %s --all", retry ? "retry" : "remove");
		snprintf(what, whatsize, "%s every message in the outbox",
			 retry ? "retry" : "remove");
		return 0;
	}
	if (entries && is_all(rq)) {
		if (filters(rq, args, sizeof(args), what, whatsize, err,
			    errsize) != 0)
			return -1;
		snprintf(request, size, "remove%s", args);
		return 0;
	}
	if (ids(rq, entries ? CN_ENTRIES : CN_OUTBOX, args, sizeof(args), &n,
		err, errsize) != 0)
		return -1;
	if ((size_t) snprintf(request, size, "%s%s", entries ? "remove" :
			      retry ? "queue retry" : "queue remove", args) >= size) {
		snprintf(err, errsize, "too many ids");
		return -1;
	}
	snprintf(what, whatsize, "%s %zu %s", entries || !retry ? "remove" :
		 "retry", n, entries ? n == 1 ? "entry" : "entries" :
		 n == 1 ? "message" : "messages");
	return 0;
}

/* result_text - the text of a final line: "3 removed" */
static void result_text(const char *final, char *msg, size_t msgsize)
{
	const char *t = final + (strncmp(final, "OK", 2) == 0 ? 2 : 3);

	while (*t == ' ')
		t++;
	snprintf(msg, msgsize, "%s", *t ? t : "done");
}

/* cn_act - one action on the daemon, as the user, logged */
int cn_act(const struct cn_request *rq, const char *what,
	   const char *request, char *msg, size_t msgsize)
{
	const struct cn_user *u = rq->user;
	struct ctl_reply reply;
	char err[512];
	int ok;

	memset(&reply, 0, sizeof(reply));
	if (cn_ctl(cn_who(rq), request, &reply, err, sizeof(err)) != 0) {
		snprintf(msg, msgsize, "the daemon does not answer: %s", err);
		ok = -1;
	} else {
		ok = cn_final_ok(reply.final) == 1;
		result_text(reply.final, msg, msgsize);
	}
	ctl_reply_free(&reply);
	cn_log(CN_LOG_INFO, "user %s (%s) from %s: %s: %s%s", cn_who(rq),
	       u && u->role >= CN_ROLE_OPERATOR ? "operator" : "read",
	       rq->client ? rq->client : "-", what,
	       ok == 1 ? "" : "failed: ", msg);
	return ok;
}
