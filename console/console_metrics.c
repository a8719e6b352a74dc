/*
 * NAME
 *	console_metrics.c - GET /metrics, for Prometheus
 * SYNOPSIS
 *	#include "console.h"
 *
 *	cn_metrics_routes();
 * DESCRIPTION
 *	One "stats" request to the daemon per scrape, turned into the
 *	text format 0.0.4 by console_metrics_text.c. It goes as the
 *	console's own request, without "as NAME": a read that the daemon
 *	does not log, and one that an older daemon answers too. The route asks for
 *	the read role, or the bearer token of metrics_token_file
 *	(CN_ROUTE_TOKEN): the HTTP server checks either before the
 *	handler runs, the token in constant time.
 *
 *	A daemon that does not answer is still a 200, with loopguard_up 0
 *	and the build info only. The console itself is up, and Prometheus
 *	keeps its own "up" for that: a 5xx would mark the scrape failed,
 *	make every loopguard series stale at once, and leave an alert on
 *	loopguard_up == 0 nothing to fire on.
 * DIAGNOSTICS
 *	"metrics: the daemon does not answer: REASON" once when stats
 *	starts failing, "metrics: the daemon answers again" once when it
 *	is back (not once per scrape). Out of memory is a 500.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "console.h"
#include "console_metrics.h"

/* whether the last scrape found the daemon answering: 1, 0, or -1
 * before the first */
static atomic_int last_up = -1;

/* note_up - log a change of the daemon's state, once */
static void note_up(int up, const char *why)
{
	int was = atomic_exchange(&last_up, up);

	if (was == up)
		return;
	if (!up)
		cn_log(CN_LOG_WARN, "metrics: the daemon does not answer: %s",
		       why);
	else if (was == 0)
		cn_log(CN_LOG_INFO, "metrics: the daemon answers again");
}

/* metrics_get - the scrape */
static void metrics_get(struct cn_request *rq, struct cn_response *resp)
{
	struct ctl_reply reply;
	char err[512] = "";
	int up;

	(void) rq;
	memset(&reply, 0, sizeof(reply));
	up = cn_ctl(NULL, "stats", &reply, err, sizeof(err)) == 0 &&
		reply.final && strncmp(reply.final, "OK", 2) == 0;
	if (!up && !err[0])
		snprintf(err, sizeof(err), "%.200s",
			 reply.final ? reply.final : "no reply");
	note_up(up, err);
	cn_metrics_text(&resp->body, reply.lines, up ? reply.n : 0, up,
			VERSION, time(NULL));
	ctl_reply_free(&reply);
	resp->type = CN_METRICS_TYPE;
	resp->no_store = 1;
}

static const struct cn_route metrics_route = {
	"GET", "/metrics", CN_ROLE_READ, CN_ROUTE_TOKEN, metrics_get
};

/* cn_metrics_routes - at start */
void cn_metrics_routes(void)
{
	cn_route_add(&metrics_route);
}
