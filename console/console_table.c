/*
 * NAME
 *	console_table.c - the HTML tables: entries, outbox, statistics
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	cn_table_html(&b, &q, &listing, selectable);
 *	cn_pager_html(&b, &q, &listing);
 *	cn_stats_html(&b, &stats);
 * DESCRIPTION
 *	A listing becomes a summary line, a table whose column headings
 *	are links that sort by the column (the sorted one links to the
 *	other direction and says which way it goes, aria-sort too), and a
 *	pager of CN_PAGE_ROWS rows a page. Times are shown as loopguardctl
 *	shows them (local time) inside <time datetime="UTC">; sizes
 *	human-readable with the exact bytes as the title; text fields as
 *	loopguardctl and the log show them (a control byte or a byte that
 *	is not UTF-8 as \xHH), then HTML-escaped. selectable adds
 *	a checkbox per row (name "id") for the remove and retry forms.
 *
 *	The statistics block shows the daemon (version, uptime, reloads),
 *	the store (backend, health, entries per plugin), the outbox, the
 *	counters, the decisions per plugin and action and the recipient
 *	sources, each value escaped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

#include "console_views.h"

/* text - a field as loopguardctl and the log show it (control bytes,
 * a backslash and bytes that are not UTF-8 escaped: escape.h), then
 * escaped for HTML */
static void text(struct cn_buf *b, const char *s)
{
	char *shown = ctl_display(s);

	if (!shown) {
		b->nomem = 1;
		return;
	}
	cn_buf_html(b, shown);
	free(shown);
}

/* time_cell - <time datetime="UTC">local</time>, or - */
static void time_cell(struct cn_buf *b, const char *epoch)
{
	time_t t = (time_t) strtoll(epoch, NULL, 10);
	char local[64], utc[32];
	struct tm tm;

	if (t <= 0 || !gmtime_r(&t, &tm)) {
		cn_buf_adds(b, "-");
		return;
	}
	strftime(utc, sizeof(utc), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ctl_time(t, local, sizeof(local));
	cn_buf_addf(b, "<time datetime=\"%s\">%s</time>", utc, local);
}

/* size_cell - 5.1K with the bytes as its title */
static void size_cell(struct cn_buf *b, const char *bytes)
{
	char human[32];

	ctl_human_size(strtoll(bytes, NULL, 10), human, sizeof(human));
	cn_buf_adds(b, "<span title=\"");
	cn_buf_html(b, bytes);
	cn_buf_addf(b, " bytes\">%s</span>", human);
}

/* cell - one field as its column shows it */
static void cell(struct cn_buf *b, enum cn_table t,
		 const struct cn_column *c, const char *v)
{
	int num = c->kind == CN_NUMBER || c->kind == CN_SIZE;

	cn_buf_addf(b, "<td class=\"%s%s\">", c->name, num ? " num" : "");
	if (c->kind == CN_TIME)
		time_cell(b, v);
	else if (c->kind == CN_SIZE)
		size_cell(b, v);
	else if (c->kind == CN_ADDRESS && !*v && t == CN_OUTBOX)
		cn_buf_adds(b, "&lt;&gt;");	/* the null sender */
	else if (c->field == 0) {
		cn_buf_adds(b, "<code>");
		cn_buf_html(b, v);
		cn_buf_adds(b, "</code>");
	} else
		text(b, *v ? v : "-");
	cn_buf_adds(b, "</td>");
}

/* heading - a column heading: a sort link, or plain text */
static void heading(struct cn_buf *b, const struct cn_query *q,
		    const struct cn_column *cols, int i)
{
	const struct cn_column *c = &cols[i];
	struct cn_buf url = { 0 };
	int on = q->sort == i;

	if (!c->sort) {
		cn_buf_addf(b, "<th class=\"%s\">%s</th>", c->name, c->heading);
		return;
	}
	/* the sorted column flips; another starts newest or largest first
	 * for numbers and times, A to Z for text */
	cn_query_url(&url, q, i, on ? !q->desc : c->kind != CN_TEXT &&
		     c->kind != CN_ADDRESS, 1);
	cn_buf_addf(b, "<th class=\"%s%s\"%s><a href=\"", c->name,
		    on ? " sorted" : "", on ? q->desc ?
		    " aria-sort=\"descending\"" : " aria-sort=\"ascending\"" : "");
	cn_buf_html(b, url.nomem ? "" : url.data);
	cn_buf_addf(b, "\">%s%s</a></th>", c->heading,
		    on ? q->desc ? " &#9660;" : " &#9650;" : "");
	cn_buf_free(&url);
}

/* summary - "1234 entries (5 hidden), rows 1-100" */
static void summary(struct cn_buf *b, const struct cn_listing *l)
{
	const char *what = l->table == CN_ENTRIES ? "entries" : "messages";

	if (l->total == 1)
		what = l->table == CN_ENTRIES ? "entry" : "message";
	cn_buf_addf(b, "<p class=\"summary\"><span id=\"total\">%llu</span> %s",
		    l->total, what);
	if (l->table == CN_ENTRIES && l->hidden)
		cn_buf_addf(b, " (%llu hidden bookkeeping)", l->hidden);
	if (l->n)
		cn_buf_addf(b, ", rows %llu&#8211;%llu", l->offset + 1,
			    l->offset + l->n);
	cn_buf_adds(b, "</p>\n");
	if (l->fallback[0]) {
		cn_buf_adds(b, "<p class=\"note\">The store answers from its local fallback (");
		text(b, l->fallback[0]);
		cn_buf_adds(b, " ");
		text(b, l->fallback[1]);
		cn_buf_adds(b, " is down): these are this host's entries only.</p>\n");
	}
}

/* cn_table_html - the summary and the table of a listing */
void cn_table_html(struct cn_buf *b, const struct cn_query *q,
		   const struct cn_listing *l, int selectable)
{
	const struct cn_column *cols;
	size_t n, i, c;

	cols = cn_columns(q->table, &n);
	summary(b, l);
	cn_buf_addf(b, "<table class=\"rows\" id=\"table-%s\">\n<thead><tr>",
		    q->table == CN_ENTRIES ? "entries" : "outbox");
	if (selectable)
		cn_buf_adds(b, "<th class=\"sel\"><input type=\"checkbox\" id=\"select-all\" "
			    "class=\"js-only\" aria-label=\"Select all rows\"></th>");
	for (c = 0; c < n; c++)
		heading(b, q, cols, (int) c);
	cn_buf_adds(b, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < l->n; i++) {
		cn_buf_adds(b, "<tr>");
		if (selectable) {
			cn_buf_adds(b, "<td class=\"sel\"><input type=\"checkbox\" name=\"id\" value=\"");
			cn_buf_html(b, l->rows[i][0]);
			cn_buf_adds(b, "\" aria-label=\"Select ");
			cn_buf_html(b, l->rows[i][0]);
			cn_buf_adds(b, "\"></td>");
		}
		for (c = 0; c < n; c++)
			cell(b, q->table, &cols[c], l->rows[i][cols[c].field]);
		cn_buf_adds(b, "</tr>\n");
	}
	cn_buf_adds(b, "</tbody>\n</table>\n");
	if (l->n == 0)
		cn_buf_addf(b, "<p class=\"empty\">No %s%s.</p>\n",
			    q->table == CN_ENTRIES ? "entries" : "messages",
			    l->total ? " on this page" : q->plugin[0] ||
			    q->match[0] ? " match the filters" : "");
}

/* page_link - one link of the pager, or its text when it goes nowhere */
static void page_link(struct cn_buf *b, const struct cn_query *q,
		      unsigned long page, int live, const char *rel,
		      const char *text)
{
	struct cn_buf url = { 0 };

	if (!live) {
		cn_buf_addf(b, "<span class=\"off\">%s</span>\n", text);
		return;
	}
	cn_query_url(&url, q, q->sort, q->desc, page);
	cn_buf_addf(b, "<a rel=\"%s\" href=\"", rel);
	cn_buf_html(b, url.nomem ? "" : url.data);
	cn_buf_addf(b, "\">%s</a>\n", text);
	cn_buf_free(&url);
}

/* cn_pager_html - first, previous, page N of M, next, last */
void cn_pager_html(struct cn_buf *b, const struct cn_query *q,
		   const struct cn_listing *l)
{
	unsigned long long pages = (l->total + CN_PAGE_ROWS - 1) / CN_PAGE_ROWS;
	unsigned long page = q->page;

	if (pages <= 1 && page <= 1)
		return;
	if (pages > CN_OFFSET_MAX / CN_PAGE_ROWS + 1)
		pages = CN_OFFSET_MAX / CN_PAGE_ROWS + 1;
	cn_buf_adds(b, "<nav class=\"pager\" aria-label=\"Pages\">\n");
	page_link(b, q, 1, page > 1, "first", "&#171; First");
	page_link(b, q, page - 1, page > 1, "prev", "&#8249; Previous");
	cn_buf_addf(b, "<span class=\"at\">page %lu of %llu</span>\n", page,
		    pages ? pages : 1);
	page_link(b, q, page + 1, page < pages, "next", "Next &#8250;");
	page_link(b, q, (unsigned long) pages, page < pages, "last", "Last &#187;");
	cn_buf_adds(b, "</nav>\n");
}

/* row - a <tr> of a name and a value, escaped; nothing when v is NULL */
static void row(struct cn_buf *b, const char *name, const char *v)
{
	if (!v)
		return;
	cn_buf_adds(b, "<tr><th>");
	cn_buf_html(b, name);
	cn_buf_adds(b, "</th><td>");
	text(b, v);
	cn_buf_adds(b, "</td></tr>\n");
}

/* row_of - a row from a stats value shown as kind: 't' time, 'd'
 * duration, 's' size, else as it is */
static void row_of(struct cn_buf *b, const struct cn_stats *s,
		   const char *title, const char *name, int kind)
{
	const char *v = cn_stats_get(s, name);
	char buf[64];
	long long n;

	if (!v)
		return;
	n = ctl_is_number(v) ? strtoll(v, NULL, 10) : -1;
	if (n >= 0 && kind == 't')
		ctl_time((time_t) n, buf, sizeof(buf));
	else if (n >= 0 && kind == 'd')
		ctl_duration(n, buf, sizeof(buf));
	else if (n >= 0 && kind == 's')
		ctl_human_size(n, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", "");
	row(b, title, buf[0] ? buf : v);
}

/* section - a heading and the start of a table */
static void section(struct cn_buf *b, const char *id, const char *title)
{
	cn_buf_addf(b, "<section id=\"%s\"><h2>%s</h2>\n<table class=\"kv\">\n",
		    id, title);
}

/* triples - actions or counters as a plugin / name / count table */
static void triples(struct cn_buf *b, const char *id, const char *title,
		    const char *second, const struct cn_stat3 *t, size_t n)
{
	size_t i;

	if (!n)
		return;
	cn_buf_addf(b, "<section id=\"%s\"><h2>%s</h2>\n<table class=\"rows\">\n"
		    "<thead><tr><th>Plugin</th><th>%s</th><th class=\"num\">Count</th>"
		    "</tr></thead>\n<tbody>\n", id, title, second);
	for (i = 0; i < n; i++) {
		cn_buf_adds(b, "<tr><td>");
		text(b, t[i].a);
		cn_buf_adds(b, "</td><td>");
		text(b, t[i].b);
		cn_buf_adds(b, "</td><td class=\"num\">");
		cn_buf_html(b, t[i].count);
		cn_buf_adds(b, "</td></tr>\n");
	}
	cn_buf_adds(b, "</tbody></table></section>\n");
}

/* store_section - backend, health, entries, per plugin */
static void store_section(struct cn_buf *b, const struct cn_stats *s)
{
	char buf[32];
	size_t i;

	section(b, "store", "Store");
	row(b, "Backend", cn_stats_get(s, "backend"));
	row(b, "Server", cn_stats_get(s, "server"));
	row(b, "Health", cn_stats_get(s, "health"));
	row_of(b, s, "Down since", "down_since", 't');
	row(b, "Answering from the local fallback", cn_stats_get(s, "fallback"));
	row(b, "Entries", cn_stats_get(s, "entries"));
	row_of(b, s, "Size", "bytes", 's');
	row(b, "Evicted", cn_stats_get(s, "evicted"));
	for (i = 0; i < s->nplugins; i++) {
		if (s->plugins[i].entries < 0)
			continue;
		cn_buf_adds(b, "<tr><th>Entries of ");
		cn_buf_html(b, s->plugins[i].name);
		snprintf(buf, sizeof(buf), "%lld", s->plugins[i].entries);
		/* the name passed cn_check_plugin: nothing to encode */
		cn_buf_addf(b, "</th><td><a href=\"/entries?plugin=%s\">%s</a></td></tr>\n",
			    s->plugins[i].name, buf);
	}
	cn_buf_adds(b, "</table></section>\n");
}

/* cn_stats_html - the statistics block (not the chart) */
void cn_stats_html(struct cn_buf *b, const struct cn_stats *s)
{
	size_t i;

	cn_buf_adds(b, "<div class=\"stats\">\n");
	section(b, "daemon", "Daemon");
	row(b, "Version", cn_stats_get(s, "version"));
	row_of(b, s, "Started", "started", 't');
	row_of(b, s, "Uptime", "uptime", 'd');
	row(b, "Config reloads", cn_stats_get(s, "reloads_ok"));
	row(b, "Failed reloads", cn_stats_get(s, "reloads_failed"));
	row_of(b, s, "Last good config load", "last_reload", 't');
	row(b, "Event watchers", cn_stats_get(s, "watchers"));
	cn_buf_adds(b, "</table></section>\n");
	store_section(b, s);
	if (cn_stats_get(s, "outbox_messages")) {
		section(b, "outbox", "Outbox");
		cn_buf_adds(b, "<tr><th>Messages</th><td><a href=\"/outbox\">");
		cn_buf_html(b, cn_stats_get(s, "outbox_messages"));
		cn_buf_adds(b, "</a></td></tr>\n");
		row_of(b, s, "Total size", "outbox_bytes", 's');
		row_of(b, s, "Oldest", "outbox_oldest", 't');
		cn_buf_adds(b, "</table></section>\n");
	}
	section(b, "counters", "Counters");
	row(b, "Connections", cn_stats_get(s, "connections"));
	row(b, "Messages", cn_stats_get(s, "messages"));
	row(b, "Recipients", cn_stats_get(s, "recipients"));
	row(b, "Unknown recipients", cn_stats_get(s, "unknown"));
	row(b, "Errors", cn_stats_get(s, "errors"));
	cn_buf_adds(b, "</table></section>\n");
	triples(b, "actions", "Decisions", "Action", s->actions, s->nactions);
	triples(b, "plugin-counters", "Plugin counters", "Counter",
		s->counters, s->ncounters);
	if (s->nsources) {
		cn_buf_adds(b, "<section id=\"sources\"><h2>Recipient sources</h2>\n"
			    "<table class=\"rows\"><thead><tr><th>Source</th><th>Kind</th>"
			    "<th>State</th><th class=\"num\">Entries</th></tr></thead>\n<tbody>\n");
		for (i = 0; i < s->nsources; i++) {
			cn_buf_adds(b, "<tr><td>");
			text(b, s->sources[i].spec);
			cn_buf_adds(b, "</td><td>");
			text(b, s->sources[i].kind);
			cn_buf_adds(b, "</td><td>");
			text(b, s->sources[i].state);
			cn_buf_adds(b, "</td><td class=\"num\">");
			cn_buf_html(b, s->sources[i].entries);
			cn_buf_adds(b, "</td></tr>\n");
		}
		cn_buf_adds(b, "</tbody></table></section>\n");
	}
	cn_buf_adds(b, "</div>\n");
}
