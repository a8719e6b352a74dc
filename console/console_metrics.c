/*
 * NAME
 *	console_metrics.c - GET /metrics, for Prometheus
 * SYNOPSIS
 *	#include "console.h"
 *
 *	cn_metrics_routes();
 * DESCRIPTION
 *	One "stats" request to the daemon per scrape, turned into the
 *	text format 0.0.4 by console_metrics_text.c. The route asks for
 *	the read role, or the bearer token of metrics_token_file
 *	(CN_ROUTE_TOKEN): the HTTP server checks either before the
 *	handler runs, the token in constant time.
 *
 *	The request is made here rather than through cn_ctl(), for a
 *	deadline of its own: a scrape must be answered within
 *	Prometheus's scrape timeout (its X-Prometheus-Scrape-Timeout-
 *	Seconds header, less half a second; STATS_WAIT_MS without it), or
 *	Prometheus marks the target failed and a hung daemon, the case
 *	most worth an alert, would never show as loopguard_up 0. The
 *	reply is bounded too (STATS_MAX_BYTES). It goes as the console's
 *	own request, without "as NAME": a read the daemon does not log,
 *	and one an older daemon answers too. Scrapes that come while one
 *	is asking the daemon are given its answer, so one stats request
 *	at a time reaches the daemon however many scrapers hammer it.
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

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "console.h"
#include "console_metrics.h"

#define STATS_WAIT_MS	5000		/* without Prometheus's header */
#define STATS_WAIT_MAX_MS 30000		/* whatever the header says */
#define STATS_MAX_BYTES	(4u << 20)	/* a reply larger is refused */
#define STATS_MAX_LINES	100000

/* whether the last scrape found the daemon answering: 1, 0, or -1
 * before the first */
static atomic_int last_up = -1;

/* One stats reply: the bytes, cut into data lines in place. */
struct stats_reply {
	char *buf;
	size_t len, cap;
	char **lines;
	size_t n, lines_cap;
};

/* now_ms - a monotonic clock */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_ms - how long this scrape may wait for the daemon */
static int wait_ms(struct cn_request *rq)
{
	const char *h = cn_header(rq, "X-Prometheus-Scrape-Timeout-Seconds");
	char *end;
	double s;

	if (!h)
		return STATS_WAIT_MS;
	s = strtod(h, &end);
	if (end == h || *end || !(s > 0))
		return STATS_WAIT_MS;
	s = s * 1000 - 500;
	return s < 500 ? 500 : s > STATS_WAIT_MAX_MS ? STATS_WAIT_MAX_MS : (int) s;
}

/* dial - a connected, non-blocking socket, or -1 with err */
static int dial(char *err, size_t errsize)
{
	const char *path = cn_cfg.control ? ctl_socket_path(cn_cfg.control) : NULL;
	struct sockaddr_un sun;
	int fd;

	if (!path) {
		snprintf(err, errsize, "control \"%s\" is no unix socket",
			 cn_cfg.control ? cn_cfg.control : "");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			 0)) < 0) {
		snprintf(err, errsize, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
		/* EAGAIN: its backlog is full, the daemon is not accepting */
		snprintf(err, errsize, "cannot connect to %s: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* final_line - the reply's final line ("OK..." or "ERR...") is in: 1
 * OK, -1 ERR (in err), 0 not yet. Complete data lines are cut out. */
static int final_line(struct stats_reply *r, size_t *scan, char *err,
		      size_t errsize)
{
	char *line, *nl, **grown;

	while ((nl = memchr(r->buf + *scan, '\n', r->len - *scan))) {
		line = r->buf + *scan;
		*nl = 0;
		*scan = (size_t) (nl - r->buf) + 1;
		if (strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0)
			return 1;
		if (strcmp(line, "ERR") == 0 || strncmp(line, "ERR ", 4) == 0) {
			snprintf(err, errsize, "%.200s", line);
			return -1;
		}
		if (r->n == STATS_MAX_LINES) {
			snprintf(err, errsize, "a stats reply over %d lines",
				 STATS_MAX_LINES);
			return -1;
		}
		if (r->n == r->lines_cap) {
			r->lines_cap = r->lines_cap ? r->lines_cap * 2 : 256;
			if (!(grown = realloc(r->lines,
					      r->lines_cap * sizeof(*grown)))) {
				snprintf(err, errsize, "out of memory");
				return -1;
			}
			r->lines = grown;
		}
		/* an offset for now: buf may still move */
		r->lines[r->n++] = (char *) (uintptr_t) (line - r->buf);
	}
	return 0;
}

/* fetch_stats - one stats request, answered within ms: 0, or -1
 * with err */
static int fetch_stats(int ms, struct stats_reply *r, char *err,
		       size_t errsize)
{
	long long deadline = now_ms() + ms, left;
	struct pollfd pfd;
	size_t sent = 0, scan = 0, i;
	ssize_t n;
	int fd, done = 0;

	if ((fd = dial(err, errsize)) < 0)
		return -1;
	pfd.fd = fd;
	while (!done) {
		if ((left = deadline - now_ms()) <= 0) {
			snprintf(err, errsize, "no reply to stats within %d ms", ms);
			break;
		}
		pfd.events = sent < 6 ? POLLOUT : POLLIN;
		if (poll(&pfd, 1, (int) left) < 0 && errno != EINTR) {
			snprintf(err, errsize, "poll: %s", strerror(errno));
			break;
		}
		if (sent < 6) {
			n = send(fd, "stats\n" + sent, 6 - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t) n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				snprintf(err, errsize, "send: %s", strerror(errno));
				break;
			}
			continue;
		}
		if (r->cap - r->len < 4096) {
			char *grown;

			if (r->cap >= STATS_MAX_BYTES) {
				snprintf(err, errsize, "a stats reply over %u bytes",
					 STATS_MAX_BYTES);
				break;
			}
			if (!(grown = realloc(r->buf, r->cap ? r->cap * 2 : 65536))) {
				snprintf(err, errsize, "out of memory");
				break;
			}
			r->buf = grown;
			r->cap = r->cap ? r->cap * 2 : 65536;
		}
		n = recv(fd, r->buf + r->len, r->cap - r->len - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(err, errsize, "%s", n ? strerror(errno) :
				 "the reply ended early");
			break;
		}
		r->len += (size_t) n;
		done = final_line(r, &scan, err, errsize);
	}
	close(fd);
	for (i = 0; i < r->n; i++)
		r->lines[i] = r->buf + (uintptr_t) r->lines[i];
	return done == 1 ? 0 : -1;
}

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

/* Scrapes that come while one is asking the daemon wait for its answer
 * and are given the same text: however many scrapers hammer /metrics,
 * one stats request at a time reaches the daemon. */
static pthread_mutex_t scrape_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scrape_done = PTHREAD_COND_INITIALIZER;
static int scraping;			/* a scrape is asking the daemon */
static unsigned long long scrapes;	/* answers made so far */
static struct cn_buf shared_text;	/* the last one */

/* give - the shared text into the response (lock held) */
static void give(struct cn_response *resp)
{
	if (shared_text.nomem)
		resp->body.nomem = 1;
	else
		cn_buf_add(&resp->body, shared_text.data, shared_text.len);
}

/* metrics_get - the scrape */
static void metrics_get(struct cn_request *rq, struct cn_response *resp)
{
	struct stats_reply r;
	struct cn_buf text = { 0 };
	unsigned long long seen;
	char err[256] = "";
	int up;

	resp->type = CN_METRICS_TYPE;
	resp->no_store = 1;
	pthread_mutex_lock(&scrape_lock);
	if (scraping) {
		seen = scrapes;
		while (scraping && scrapes == seen)
			pthread_cond_wait(&scrape_done, &scrape_lock);
		give(resp);
		pthread_mutex_unlock(&scrape_lock);
		return;
	}
	scraping = 1;
	pthread_mutex_unlock(&scrape_lock);

	memset(&r, 0, sizeof(r));
	up = fetch_stats(wait_ms(rq), &r, err, sizeof(err)) == 0;
	note_up(up, err);
	cn_metrics_text(&text, r.lines, up ? r.n : 0, up, VERSION, time(NULL));
	free(r.lines);
	free(r.buf);

	pthread_mutex_lock(&scrape_lock);
	cn_buf_free(&shared_text);
	shared_text = text;
	scrapes++;
	scraping = 0;
	pthread_cond_broadcast(&scrape_done);
	give(resp);
	pthread_mutex_unlock(&scrape_lock);
}

static const struct cn_route metrics_route = {
	"GET", "/metrics", CN_ROLE_READ, CN_ROUTE_TOKEN, metrics_get
};

/* cn_metrics_routes - at start */
void cn_metrics_routes(void)
{
	cn_route_add(&metrics_route);
}
