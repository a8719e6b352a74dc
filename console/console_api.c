/*
 * NAME
 *	console_api.c - the JSON API under /api/
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	cn_api_routes();
 * DESCRIPTION
 *	The same data and actions as the pages, for scripts and for
 *	console.js; the reference is man/loopguard-console-api.7.
 *
 *	GET /api/entries, /api/outbox (plugin, match, sort, desc, offset,
 *	limit), /api/stats, /api/chart, /api/health (READ).
 *	POST /api/entries/remove, /api/outbox/retry, /api/outbox/remove,
 *	/api/outbox/flush, /api/reload (OPERATOR; the server checks the
 *	X-CSRF-Token of a session, or X-Requested-With: loopguard with
 *	Basic auth): {"ok":true|false,"message":"..."}.
 *
 *	Status codes: 200; 400 a parameter that does not pass
 *	({"error":"..."}); 422 the daemon refused the action (ok false);
 *	502 the daemon's reply did not fit; 503 the daemon does not
 *	answer. Authentication and roles (401, 403) are the server's.
 * DIAGNOSTICS
 *	Every action is logged by cn_act() with the user and the result.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"

#include "console_views.h"

#define JSON	"application/json"

/* get - a query or form field, for cn_query_parse */
static const char *get(void *ctx, const char *name)
{
	return cn_arg(ctx, name);
}

/* fail - an error object with the status a fetch's failure means */
static void fail(struct cn_request *rq, struct cn_response *resp, int rc,
		 const char *err)
{
	char msg[600];

	if (rc == -1) {
		snprintf(msg, sizeof(msg), "the daemon does not answer: %s", err);
		cn_error_page(rq, resp, 503, msg);
	} else {
		cn_error_page(rq, resp, 502, err);
	}
}

/* done - a JSON body ready */
static void done(struct cn_response *resp)
{
	resp->type = JSON;
	resp->no_store = 1;
	if (resp->body.nomem)
		resp->status = 500;
}

/* listing - /api/entries and /api/outbox */
static void listing(struct cn_request *rq, struct cn_response *resp,
		    enum cn_table t)
{
	struct ctl_reply reply;
	struct cn_listing l;
	struct cn_query q;
	char err[512];
	int rc;

	if (cn_query_parse(&q, t, 1, get, rq, err, sizeof(err)) != 0) {
		cn_error_page(rq, resp, 400, err);
		return;
	}
	if ((rc = cn_fetch_listing(rq, &q, &reply, &l, err, sizeof(err))) != 0)
		fail(rq, resp, rc, err);
	else {
		cn_listing_json(&resp->body, &l);
		done(resp);
	}
	cn_listing_free(&l);
	ctl_reply_free(&reply);
}

static void api_entries(struct cn_request *rq, struct cn_response *resp)
{
	listing(rq, resp, CN_ENTRIES);
}

static void api_outbox(struct cn_request *rq, struct cn_response *resp)
{
	listing(rq, resp, CN_OUTBOX);
}

/* api_stats - /api/stats */
static void api_stats(struct cn_request *rq, struct cn_response *resp)
{
	struct ctl_reply reply;
	struct cn_stats s;
	char err[512];
	int rc;

	if ((rc = cn_fetch_stats(rq, &reply, &s, err, sizeof(err))) != 0)
		fail(rq, resp, rc, err);
	else {
		cn_stats_json(&resp->body, &s);
		done(resp);
	}
	cn_stats_free(&s);
	ctl_reply_free(&reply);
}

/* api_chart - /api/chart: the chart's samples */
static void api_chart(struct cn_request *rq, struct cn_response *resp)
{
	(void) rq;
	cn_chart_json(&resp->body);
	done(resp);
}

/* api_health - /api/health: the event watch's word, checked with a
 * request of its own when it says down (it may not have started) */
static void api_health(struct cn_request *rq, struct cn_response *resp)
{
	struct ctl_reply reply;
	char err[512];
	int up = cn_daemon_up();

	if (!up) {
		memset(&reply, 0, sizeof(reply));
		up = cn_ctl(cn_who(rq), "stats", &reply, err, sizeof(err)) == 0 &&
			cn_final_ok(reply.final) == 1;
		ctl_reply_free(&reply);
	}
	cn_buf_addf(&resp->body, "{\"daemon\":\"%s\"}\n", up ? "up" : "down");
	done(resp);
}

/* action - the POST routes: {"ok":...,"message":...} */
static void action(struct cn_request *rq, struct cn_response *resp)
{
	char request[CN_IDS_MAX * (CN_MSG_ID_LEN + 1) + CN_PATTERN_MAX + 160];
	char what[CN_PATTERN_MAX + 128], msg[512];
	int rc;

	if (cn_action_request(rq, rq->path + 4, request, sizeof(request),
			      what, sizeof(what), msg, sizeof(msg)) != 0) {
		cn_error_page(rq, resp, 400, msg);
		return;
	}
	rc = cn_act(rq, what, request, msg, sizeof(msg));
	resp->status = rc == 1 ? 200 : rc == 0 ? 422 : 503;
	cn_buf_addf(&resp->body, "{\"ok\":%s,\"message\":", rc == 1 ? "true" :
		    "false");
	cn_buf_json(&resp->body, msg);
	cn_buf_adds(&resp->body, "}\n");
	done(resp);
}

static const struct cn_route routes[] = {
	{ "GET", "/api/entries", CN_ROLE_READ, 0, api_entries },
	{ "GET", "/api/outbox", CN_ROLE_READ, 0, api_outbox },
	{ "GET", "/api/stats", CN_ROLE_READ, 0, api_stats },
	{ "GET", "/api/chart", CN_ROLE_READ, 0, api_chart },
	{ "GET", "/api/health", CN_ROLE_READ, 0, api_health },
	{ "POST", "/api/entries/remove", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, action },
	{ "POST", "/api/outbox/retry", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, action },
	{ "POST", "/api/outbox/remove", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, action },
	{ "POST", "/api/outbox/flush", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, action },
	{ "POST", "/api/reload", CN_ROLE_OPERATOR, CN_ROUTE_CSRF, action },
};

/* cn_api_routes - the routes of /api/ */
void cn_api_routes(void)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		cn_route_add(&routes[i]);
}
