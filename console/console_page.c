/*
 * NAME
 *	console_page.c - the HTML around the tables: head, navigation,
 *	banners, filters and buttons
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	cn_page_head(&b, &page);
 *	cn_page_filters(&b, &q, &listing);
 *	cn_page_buttons(&b, &page, &q);
 *	... the table ...
 *	cn_page_foot(&b);
 * DESCRIPTION
 *	Every page is plain HTML that works without script: the filters
 *	are a GET form, the sort links and pager plain links, the
 *	buttons a POST form with the CSRF token in a hidden field; the
 *	buttons that act on other routes name them with formaction.
 *	console.js (a file, never inline: the Content-Security-Policy is
 *	default-src 'self') adds select-all, fetch for the buttons and live
 *	refresh. The token is also in <meta name="csrf-token"> for it.
 *
 *	Every text that comes from the daemon, the user or the request
 *	goes through cn_buf_html; URLs are built by cn_query_url (values
 *	percent-encoded) and then HTML-escaped as attributes.
 *
 *	A page made while the daemon does not answer carries a banner and,
 *	for browsers without script, a refresh every 10 seconds, so it
 *	goes away by itself when the daemon is back.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console_views.h"

/* role_name - how a role reads */
static const char *role_name(const struct cn_user *u)
{
	return u && u->role >= CN_ROLE_OPERATOR ? "operator" : "read";
}

/* hidden_field - <input type="hidden"> with an escaped value */
static void hidden_field(struct cn_buf *b, const char *name, const char *v)
{
	cn_buf_addf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	cn_buf_html(b, v);
	cn_buf_adds(b, "\">");
}

/* nav_link - one entry of the navigation */
static void nav_link(struct cn_buf *b, const struct cn_page *p,
		     const char *page, const char *text)
{
	int on = p->active && strcmp(p->active, page) == 0;

	cn_buf_addf(b, "<a href=\"/%s\"%s>%s</a>\n", page,
		    on ? " class=\"active\" aria-current=\"page\"" : "", text);
}

/* can_act - the user may remove, retry, reload */
static int can_act(const struct cn_page *p)
{
	return p->rq && p->rq->user && p->rq->user->role >= CN_ROLE_OPERATOR &&
	       p->rq->csrf;
}

/* cn_page_head - from the doctype to the start of <main> */
void cn_page_head(struct cn_buf *b, const struct cn_page *p)
{
	const struct cn_user *u = p->rq ? p->rq->user : NULL;

	cn_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>");
	cn_buf_html(b, p->title);
	cn_buf_adds(b, " - loopguard</title>\n");
	if (p->rq && p->rq->csrf) {
		cn_buf_adds(b, "<meta name=\"csrf-token\" content=\"");
		cn_buf_html(b, p->rq->csrf);
		cn_buf_adds(b, "\">\n");
	}
	cn_buf_adds(b, "<link rel=\"stylesheet\" href=\"");
	cn_buf_html(b, cn_static_url("console.css"));
	cn_buf_adds(b, "\">\n<script src=\"");
	cn_buf_html(b, cn_static_url("console.js"));
	cn_buf_adds(b, "\" defer></script>\n");
	if (p->daemon_down)
		cn_buf_adds(b, "<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>\n");
	cn_buf_addf(b, "</head>\n<body data-page=\"%s\">\n<header class=\"top\">\n"
		    "<span class=\"brand\">loopguard</span>\n<nav>\n",
		    p->active ? p->active : "");
	nav_link(b, p, "entries", "Entries");
	nav_link(b, p, "outbox", "Outbox");
	nav_link(b, p, "stats", "Statistics");
	cn_buf_adds(b, "</nav>\n");
	if (can_act(p) && p->active)
		cn_page_reload_form(b, p, p->active);
	if (u) {
		cn_buf_adds(b, "<span class=\"user\">");
		cn_buf_html(b, u->name);
		cn_buf_addf(b, " (%s)</span>\n", role_name(u));
	}
	if (p->rq && p->rq->csrf) {
		cn_buf_adds(b, "<form class=\"logout\" method=\"post\" action=\"/logout\">");
		hidden_field(b, "csrf", p->rq->csrf);
		cn_buf_adds(b, "<button type=\"submit\">Log out</button></form>\n");
	}
	cn_buf_adds(b, "</header>\n<main>\n"
		    "<div id=\"js-banner\" class=\"banner\" role=\"status\" hidden></div>\n");
	if (p->flash) {
		cn_buf_addf(b, "<p class=\"flash %s\" role=\"status\">",
			    p->flash_ok ? "ok" : "err");
		cn_buf_html(b, p->flash);
		cn_buf_adds(b, "</p>\n");
	}
}

/* cn_page_banner - the daemon is down (part of the live fragment) */
void cn_page_banner(struct cn_buf *b, const struct cn_page *p)
{
	if (!p->daemon_down)
		return;
	cn_buf_adds(b, "<div class=\"banner down\" id=\"daemon-down\" role=\"alert\">"
		    "The loopguard daemon does not answer");
	if (p->down_reason) {
		cn_buf_adds(b, ": ");
		cn_buf_html(b, p->down_reason);
	}
	cn_buf_adds(b, ". This page shows what it can and comes back by itself.</div>\n");
}

/* cn_page_reload_form - the Reload config button; back is the page */
void cn_page_reload_form(struct cn_buf *b, const struct cn_page *p,
			 const char *back)
{
	cn_buf_adds(b, "<form class=\"reload\" method=\"post\" action=\"/reload\">");
	hidden_field(b, "csrf", p->rq->csrf);
	hidden_field(b, "back", back);
	cn_buf_adds(b, "<button type=\"submit\" data-confirm=\"Reload the daemon's configuration?\">"
		    "Reload config</button></form>\n");
}

/* cn_page_filters - the GET form: plugin, pattern, Filter, Refresh */
void cn_page_filters(struct cn_buf *b, const struct cn_query *q,
		     const struct cn_listing *l)
{
	const struct cn_column *cols;
	struct cn_buf url = { 0 };
	size_t n;

	(void) l;
	cols = cn_columns(q->table, &n);
	cn_buf_addf(b, "<form class=\"filters\" method=\"get\" action=\"/%s\">\n",
		    q->table == CN_ENTRIES ? "entries" : "outbox");
	if (q->table == CN_ENTRIES) {
		cn_buf_addf(b, "<label>Plugin <input name=\"plugin\" size=\"10\" maxlength=\"%d\" value=\"",
			    CN_PLUGIN_MAX);
		cn_buf_html(b, q->plugin);
		cn_buf_adds(b, "\"></label>\n");
	}
	cn_buf_addf(b, "<label>Pattern <input name=\"match\" size=\"24\" maxlength=\"%d\" "
		    "placeholder=\"*@example.com\" value=\"", CN_PATTERN_MAX);
	cn_buf_html(b, q->match);
	cn_buf_adds(b, "\"></label>\n");
	hidden_field(b, "sort", cols[q->sort].sort);
	hidden_field(b, "desc", q->desc ? "1" : "0");
	cn_buf_adds(b, "<button type=\"submit\">Filter</button>\n"
		    "<a class=\"button\" id=\"refresh\" href=\"");
	cn_query_url(&url, q, q->sort, q->desc, 0);
	cn_buf_html(b, url.nomem ? "" : url.data);
	cn_buf_adds(b, "\">Refresh</a>\n</form>\n");
	cn_buf_free(&url);
}

/* cn_page_buttons - opens the rows form: the token, the query, the
 * buttons of the page; the caller closes it after the table */
void cn_page_buttons(struct cn_buf *b, const struct cn_page *p,
		     const struct cn_query *q)
{
	const struct cn_column *cols;
	char page[24];
	size_t n;

	cols = cn_columns(q->table, &n);
	cn_buf_addf(b, "<form id=\"rows\" method=\"post\" action=\"/%s\">\n",
		    q->table == CN_ENTRIES ? "entries/remove" : "outbox/retry");
	if (!can_act(p))
		return;
	hidden_field(b, "csrf", p->rq->csrf);
	if (q->table == CN_ENTRIES)
		hidden_field(b, "plugin", q->plugin);
	hidden_field(b, "match", q->match);
	hidden_field(b, "sort", cols[q->sort].sort);
	hidden_field(b, "desc", q->desc ? "1" : "0");
	snprintf(page, sizeof(page), "%lu", q->page);
	hidden_field(b, "page", page);
	cn_buf_adds(b, "<div class=\"actions\">\n");
	if (q->table == CN_ENTRIES) {
		cn_buf_adds(b, "<button type=\"submit\" name=\"selected\" value=\"1\" "
			    "data-api=\"/api/entries/remove\" data-selection=\"1\">Remove selected</button>\n"
			    "<button type=\"submit\" name=\"all\" value=\"1\" class=\"danger\" "
			    "data-api=\"/api/entries/remove\" "
			    "data-confirm=\"Remove every entry that matches the filters?\">"
			    "Remove all matching</button>\n");
	} else {
		cn_buf_adds(b, "<button type=\"submit\" name=\"selected\" value=\"1\" "
			    "data-api=\"/api/outbox/retry\" data-selection=\"1\">Try to send now</button>\n"
			    "<button type=\"submit\" name=\"selected\" value=\"1\" formaction=\"/outbox/remove\" "
			    "data-api=\"/api/outbox/remove\" data-selection=\"1\" class=\"danger\" "
			    "data-confirm=\"Remove the selected messages? They will not be sent.\">"
			    "Remove selected</button>\n"
			    "<button type=\"submit\" name=\"all\" value=\"1\" formaction=\"/outbox/flush\" "
			    "data-api=\"/api/outbox/flush\">Send everything in the outbox now</button>\n");
	}
	cn_buf_adds(b, "</div>\n");
}

/* cn_page_foot - the end of the page */
void cn_page_foot(struct cn_buf *b)
{
	cn_buf_adds(b, "</main>\n<footer>loopguard-console</footer>\n</body>\n</html>\n");
}
