/*
 * NAME
 *	console.h - loopguard-console's shared parts
 * DESCRIPTION
 *	loopguard-console is a process of its own: it serves the status
 *	pages, the JSON API and /metrics over HTTP (libmicrohttpd) and
 *	talks to the daemon only through the control socket, so the
 *	milter, which parses hostile mail, never parses HTTP.
 *
 *	console_buf.c	growable text buffers, HTML and JSON escaping
 *	console_config.c the console settings (loopguard.conf's "console"
 *			group, or a file of its own)
 *	console_log.c	its log lines (syslog or stderr)
 *	console_users.c	the users file: name:role:crypt-hash lines
 *	console_auth.c	sessions, CSRF tokens, login rate limits
 *	console_http.c	the HTTP server: limits, TLS, routing, access
 *	console_ctl.c	requests to the daemon's control socket
 *	console_views.c	the pages and the JSON API (routes of its own)
 *	console_events.c change events from the daemon, to the browsers
 *	console_chart.c	decisions per plugin and action, sampled
 *	console_metrics.c /metrics in the Prometheus text format
 *	console_main.c	options, start, privileges, stop
 *
 *	Every module that serves pages adds its routes at start
 *	(cn_route_add); the HTTP server checks the role and the CSRF
 *	token a route asks for before its handler runs.
 */
#ifndef LG_CONSOLE_H
#define LG_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Roles, in order: each one may do what the ones below it may. */
enum cn_role {
	CN_ROLE_NONE = 0,	/* not logged in */
	CN_ROLE_READ = 1,	/* view pages, API reads, metrics */
	CN_ROLE_OPERATOR = 2	/* remove, retry, flush, reload */
};

/* A growable text buffer; on out of memory nomem is set and further
 * additions are ignored (the response becomes a 500). */
struct cn_buf {
	char *data;		/* NUL-terminated while not nomem */
	size_t len, cap;
	int nomem;
};
void cn_buf_add(struct cn_buf *b, const char *s, size_t n);
void cn_buf_adds(struct cn_buf *b, const char *s);
void cn_buf_addf(struct cn_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* text with & < > " ' escaped, for HTML text and attribute values */
void cn_buf_html(struct cn_buf *b, const char *s);
/* a JSON string, quotes included; bytes that are not UTF-8 as U+FFFD */
void cn_buf_json(struct cn_buf *b, const char *s);
void cn_buf_free(struct cn_buf *b);

/* The settings (console_config.c). */
struct cn_settings {
	char *listen;		/* "127.0.0.1:8025", "[::1]:8025", "unix:/p" */
	int allow_plain_http;	/* plain HTTP on a non-loopback address */
	char *tls_cert, *tls_key;	/* PEM files; both or neither */
	char *users_file;
	char *metrics_token_file;	/* bearer token for /metrics, or NULL */
	char *control;		/* the daemon's control socket file */
	char *state_file;	/* the chart's samples, or NULL */
	char *user;		/* run as (started as root), or NULL */
	char *log;		/* "syslog" or "stderr" */
	unsigned max_connections;	/* at the same time */
	unsigned timeout;	/* seconds a connection may idle */
	unsigned session_idle;	/* seconds a login lasts unused */
	unsigned session_max;	/* seconds a login lasts at most */
};
extern struct cn_settings cn_cfg;

/* cn_read_private_file - a file of at most max bytes that others
 * (not owner, not group) may not read or write: the users file, a TLS
 * key, the metrics token. Malloc'ed and NUL-terminated in *data_r.
 * 0, or -1 with "FILE: what" in err. (console_config.c) */
int cn_read_private_file(const char *path, size_t max, char **data_r,
			 size_t *len_r, char *err, size_t errsize);

/* Log lines (console_log.c): "loopguard-console: ..." */
enum { CN_LOG_ERR, CN_LOG_WARN, CN_LOG_INFO, CN_LOG_DEBUG };
void cn_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A user (console_users.c). */
struct cn_user {
	char name[65];		/* 1-64 of [A-Za-z0-9._@-] */
	enum cn_role role;
};

/* One HTTP request, as a handler sees it (console_http.c). */
struct cn_request {
	const char *method;	/* "GET", "HEAD" or "POST" */
	const char *path;	/* without the query */
	const char *client;	/* the peer's address, for the log */
	const struct cn_user *user;	/* NULL: anonymous */
	const char *csrf;	/* the session's token, for forms; or NULL */
	int tls;
	void *conn;		/* console_http.c's own */
};
/* a query-string or form field (the first one), or NULL */
const char *cn_arg(const struct cn_request *rq, const char *name);
/* every value of a repeated field (id=...&id=...): how many, at most max */
size_t cn_args(const struct cn_request *rq, const char *name,
	       const char **vals, size_t max);
/* a request header, or NULL */
const char *cn_header(const struct cn_request *rq, const char *name);
/* the user's name for the log and the control socket: "-" if none */
const char *cn_who(const struct cn_request *rq);

/* A streamed body (server-sent events): called again and again from
 * the connection's own thread; it may wait (at most a few seconds at a
 * time). Returns bytes put in buf, 0 for "nothing yet, call again",
 * -1 to end the response. free_fn runs once when the client is gone. */
typedef ssize_t (*cn_stream_fn)(void *arg, char *buf, size_t max);

/* What a handler answers. status 0 means 200. */
struct cn_response {
	int status;
	const char *type;	/* Content-Type; NULL: text/html; charset=utf-8 */
	struct cn_buf body;
	char location[512];	/* a redirect target (status 303) */
	char set_cookie[256];	/* one Set-Cookie value, or "" */
	int no_store;		/* Cache-Control: no-store */
	unsigned max_age;	/* without no_store: Cache-Control: public,
				 * max-age=N (static files); 0: no-store */
	cn_stream_fn stream;	/* instead of body */
	void *stream_arg;
	void (*stream_free)(void *arg);
};

typedef void (*cn_handler)(struct cn_request *rq, struct cn_response *resp);

/* Route flags. */
#define CN_ROUTE_CSRF	0x1	/* a POST that needs the CSRF token */
#define CN_ROUTE_TOKEN	0x2	/* the metrics bearer token is enough */
#define CN_ROUTE_PREFIX	0x4	/* path matches as a prefix */

struct cn_route {
	const char *method;	/* "GET" (HEAD too) or "POST" */
	const char *path;
	enum cn_role role;	/* the least role; NONE: anyone */
	unsigned flags;
	cn_handler fn;
};
/* cn_route_add - at start, before cn_http_start; the struct is kept */
void cn_route_add(const struct cn_route *route);

/* cn_error_page - status with a short text page (or JSON under /api/) */
void cn_error_page(struct cn_request *rq, struct cn_response *resp,
		   int status, const char *message);

/* Requests to the daemon (console_ctl.c). who is the web user, sent
 * as "as WHO" before the request so the daemon's log names them. The
 * reply is ctl.h's (ctl/ctl_conn.c, shared with loopguardctl). */
struct ctl_reply;
int cn_ctl(const char *who, const char *request, struct ctl_reply *reply,
	   char *err, size_t errsize);

/* Each module's routes and threads, called by console_main.c. */
void cn_auth_routes(void);	/* /login, /logout */
void cn_views_routes(void);	/* pages, /static/, /api/ */
void cn_events_routes(void);	/* /events */
void cn_metrics_routes(void);	/* /metrics */
int cn_events_start(void);	/* the watch thread; 0 or -1 */
void cn_events_stop(void);
int cn_chart_start(void);	/* the sampler; 0 or -1 */
void cn_chart_stop(void);
/* the last 24 hours of decisions per plugin and action: an inline
 * <svg> element, and the same samples as a JSON object */
void cn_chart_svg(struct cn_buf *b);
void cn_chart_json(struct cn_buf *b);

/* Whether the daemon answered the last request or watch (events). */
int cn_daemon_up(void);
/* A number that moves whenever the watch reports a change or the
 * daemon coming or going (events): cached reads older than it are
 * stale. */
unsigned long long cn_events_generation(void);

#endif
