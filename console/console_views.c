/*
 * NAME
 *	console_views.c - the pages and their forms
 * SYNOPSIS
 *	#include "console.h"
 *
 *	cn_views_routes();
 * DESCRIPTION
 *	The pages (READ): / (to /entries), /entries and /outbox (one page
 *	of CN_PAGE_ROWS rows, sorted and filtered by the daemon), /stats.
 *	With ?fragment=1 a page answers only its live part (the banner,
 *	the table and the pager, or the statistics), which console.js
 *	fetches again when the daemon says something changed.
 *
 *	The forms (OPERATOR, CSRF checked by the server before the
 *	handler runs): POST /entries/remove, /outbox/retry,
 *	/outbox/remove, /outbox/flush, /reload. Each answers 303 back to
 *	its page with its filters, sort and page, and the result in the
 *	lg_flash cookie (console_flash.c), which the page shows once.
 *
 *	A page the daemon does not answer for still renders, with a banner
 *	saying so (and a refresh without script). The request of the page
 *	itself decides: a daemon that just answered is up, whatever the
 *	event watch last saw; console.js shows the watch's word live.
 *
 *	The JSON API is console_api.c's, /static/ console_static.c's.
 * DIAGNOSTICS
 *	400 for a parameter that does not pass the checks (console_query.c),
 *	with what it takes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"

#include "console_views.h"

/* get - a query or form field, for cn_query_parse */
static const char *get(void *ctx, const char *name)
{
	return cn_arg(ctx, name);
}

/* is_fragment - ?fragment=1 */
static int is_fragment(const struct cn_request *rq)
{
	const char *f = cn_arg(rq, "fragment");

	return f && strcmp(f, "1") == 0;
}

/* take_flash - the result of the last form, and the cookie cleared */
static void take_flash(struct cn_request *rq, struct cn_response *resp,
		       struct cn_page *p, char *text, size_t size)
{
	if (!cn_flash_read(cn_header(rq, "Cookie"), &p->flash_ok, text, size))
		return;
	p->flash = text;
	cn_flash_clear(resp->set_cookie, sizeof(resp->set_cookie), rq->tls);
}

/* finish - the response of a page */
static void finish(struct cn_response *resp)
{
	resp->type = "text/html; charset=utf-8";
	resp->no_store = 1;
	if (resp->body.nomem)
		resp->status = 500;
}

/* listing_live - the part of a listing page that refreshes */
static void listing_live(struct cn_buf *b, const struct cn_page *p,
			 const struct cn_query *q, const struct cn_listing *l,
			 const char *refused)
{
	cn_page_banner(b, p);
	if (refused) {
		cn_buf_adds(b, "<p class=\"flash err\" role=\"alert\">The daemon answered: ");
		cn_buf_html(b, refused);
		cn_buf_adds(b, "</p>\n");
	}
	cn_table_html(b, q, l, p->rq->user && p->rq->user->role >=
		      CN_ROLE_OPERATOR && p->rq->csrf);
	cn_pager_html(b, q, l);
}

/* listing_page - /entries and /outbox */
static void listing_page(struct cn_request *rq, struct cn_response *resp,
			 enum cn_table t)
{
	struct cn_page p = { t == CN_ENTRIES ? "Entries" : "Outbox",
			     t == CN_ENTRIES ? "entries" : "outbox", rq, 0,
			     NULL, 0, NULL };
	char err[512], flash[CN_FLASH_MAX + 1];
	struct ctl_reply reply;
	struct cn_listing l;
	struct cn_query q;
	struct cn_buf *b = &resp->body;
	unsigned long long last;
	int rc;

	if (cn_query_parse(&q, t, 0, get, rq, err, sizeof(err)) != 0) {
		cn_error_page(rq, resp, 400, err);
		return;
	}
	rc = cn_fetch_listing(rq, &q, &reply, &l, err, sizeof(err));
	if (rc == 0 && l.n == 0 && l.total > 0 && q.offset > 0) {
		/* past the end (rows went away): the last page instead */
		last = (l.total - 1) / CN_PAGE_ROWS + 1;
		q.page = (unsigned long) last;
		q.offset = (q.page - 1) * CN_PAGE_ROWS;
		cn_listing_free(&l);
		ctl_reply_free(&reply);
		rc = cn_fetch_listing(rq, &q, &reply, &l, err, sizeof(err));
	}
	p.daemon_down = rc == -1;
	p.down_reason = rc == -1 ? err : NULL;
	if (is_fragment(rq)) {
		listing_live(b, &p, &q, &l, rc == -2 ? err : NULL);
	} else {
		take_flash(rq, resp, &p, flash, sizeof(flash));
		cn_page_head(b, &p);
		cn_buf_addf(b, "<h1>%s</h1>\n", p.title);
		cn_page_filters(b, &q, &l);
		cn_page_buttons(b, &p, &q);
		cn_buf_adds(b, "<div id=\"live\">\n");
		listing_live(b, &p, &q, &l, rc == -2 ? err : NULL);
		cn_buf_adds(b, "</div>\n</form>\n");
		cn_page_foot(b);
	}
	cn_listing_free(&l);
	ctl_reply_free(&reply);
	finish(resp);
}

static void entries_page(struct cn_request *rq, struct cn_response *resp)
{
	listing_page(rq, resp, CN_ENTRIES);
}

static void outbox_page(struct cn_request *rq, struct cn_response *resp)
{
	listing_page(rq, resp, CN_OUTBOX);
}

/* stats_live - the statistics and the chart */
static void stats_live(struct cn_buf *b, const struct cn_page *p,
		       const struct cn_stats *s, int rc, const char *err)
{
	cn_page_banner(b, p);
	if (rc == -2) {
		cn_buf_adds(b, "<p class=\"flash err\" role=\"alert\">The daemon answered: ");
		cn_buf_html(b, err);
		cn_buf_adds(b, "</p>\n");
	}
	if (rc == 0)
		cn_stats_html(b, s);
	cn_buf_adds(b, "<section id=\"chart\"><h2>Decisions, last 24 hours</h2>\n");
	cn_chart_svg(b);
	cn_buf_adds(b, "</section>\n");
}

/* stats_page - /stats */
static void stats_page(struct cn_request *rq, struct cn_response *resp)
{
	struct cn_page p = { "Statistics", "stats", rq, 0, NULL, 0, NULL };
	char err[512], flash[CN_FLASH_MAX + 1];
	struct ctl_reply reply;
	struct cn_stats s;
	struct cn_buf *b = &resp->body;
	int rc;

	rc = cn_fetch_stats(rq, &reply, &s, err, sizeof(err));
	p.daemon_down = rc == -1;
	p.down_reason = rc == -1 ? err : NULL;
	if (is_fragment(rq)) {
		stats_live(b, &p, &s, rc, err);
	} else {
		take_flash(rq, resp, &p, flash, sizeof(flash));
		cn_page_head(b, &p);
		cn_buf_adds(b, "<h1>Statistics</h1>\n<p class=\"tools\">"
			    "<a class=\"button\" id=\"refresh\" href=\"/stats\">Refresh</a></p>\n"
			    "<div id=\"live\">\n");
		stats_live(b, &p, &s, rc, err);
		cn_buf_adds(b, "</div>\n");
		cn_page_foot(b);
	}
	cn_stats_free(&s);
	ctl_reply_free(&reply);
	finish(resp);
}

/* root - / is the entries page */
static void root(struct cn_request *rq, struct cn_response *resp)
{
	(void) rq;
	resp->status = 303;
	snprintf(resp->location, sizeof(resp->location), "/entries");
}

/* back_to - the page a form returns to, with its filters and page */
static void back_to(struct cn_request *rq, struct cn_response *resp)
{
	const char *back = cn_arg(rq, "back");
	struct cn_buf url = { 0 };
	struct cn_query q;
	enum cn_table t = strncmp(rq->path, "/entries", 8) == 0 ? CN_ENTRIES :
		CN_OUTBOX;
	char err[256];

	resp->status = 303;
	if (strcmp(rq->path, "/reload") == 0) {
		snprintf(resp->location, sizeof(resp->location), "/%s",
			 back && (strcmp(back, "outbox") == 0 ||
				  strcmp(back, "stats") == 0) ? back : "entries");
		return;
	}
	if (cn_query_parse(&q, t, 0, get, rq, err, sizeof(err)) == 0) {
		cn_query_url(&url, &q, q.sort, q.desc, 0);
		if (!url.nomem && url.len < sizeof(resp->location)) {
			memcpy(resp->location, url.data, url.len + 1);
			cn_buf_free(&url);
			return;
		}
		cn_buf_free(&url);
	}
	snprintf(resp->location, sizeof(resp->location), "/%s",
		 t == CN_ENTRIES ? "entries" : "outbox");
}

/* form - a POST of the pages: act, then 303 back with the result */
static void form(struct cn_request *rq, struct cn_response *resp)
{
	char request[CN_IDS_MAX * (CN_MSG_ID_LEN + 1) + CN_PATTERN_MAX + 160];
	char what[CN_PATTERN_MAX + 128], msg[512];
	int ok;

	if (cn_action_request(rq, rq->path, request, sizeof(request), what,
			      sizeof(what), msg, sizeof(msg)) != 0)
		ok = 0;
	else
		ok = cn_act(rq, what, request, msg, sizeof(msg)) == 1;
	cn_flash_cookie(resp->set_cookie, sizeof(resp->set_cookie), ok, msg,
			rq->tls);
	back_to(rq, resp);
}

static const struct cn_route routes[] = {
	{ "GET", "/", CN_ROLE_READ, 0, root },
	{ "GET", "/entries", CN_ROLE_READ, 0, entries_page },
	{ "GET", "/outbox", CN_ROLE_READ, 0, outbox_page },
	{ "GET", "/stats", CN_ROLE_READ, 0, stats_page },
	{ "POST", "/entries/remove", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, form },
	{ "POST", "/outbox/retry", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, form },
	{ "POST", "/outbox/remove", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, form },
	{ "POST", "/outbox/flush", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, form },
	{ "POST", "/reload", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, form },
};

/* cn_views_routes - the pages, the forms, /api/ and /static/ */
void cn_views_routes(void)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		cn_route_add(&routes[i]);
	cn_api_routes();
	cn_static_routes();
}
