/*
 * NAME
 *	console_http.c - the console's HTTP server: limits, routing, access
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	cn_route_add(&route);		(each module, at start)
 *	cn_http_bind(err, size);	(as root)
 *	cn_http_start(err, size);	(after dropping privileges)
 *	cn_http_stop();
 * DESCRIPTION
 *	libmicrohttpd serves each connection in a thread of its own
 *	(MHD_USE_THREAD_PER_CONNECTION), on the socket cn_http_bind()
 *	bound, in TLS when tls_cert is set. Before any handler runs this
 *	file enforces the rules every page shares (API.md, section 3):
 *
 *	- a URL over CN_MAX_URL bytes: 414; request headers over
 *	  CN_MAX_HEADERS: 431; a body over CN_MAX_BODY: 413 (a chunked
 *	  body that grows past it: the connection is closed); a method
 *	  other than GET, HEAD, POST: 405; no route: 404; a route with
 *	  another method: 405; a POST body that is not a form: 415, a
 *	  form that cannot be parsed: 400;
 *	- max_connections at once, CN_MAX_PER_ADDR per client address,
 *	  `timeout` seconds without a byte: libmicrohttpd drops the rest;
 *	- who the client is and whether they may: console_auth.c.
 *
 *	Every answer carries X-Frame-Options, a Content-Security-Policy
 *	without inline script, nosniff, a same-origin Referrer-Policy and
 *	Cache-Control: no-store (public, max-age=N for a response with
 *	max_age and without no_store), and under TLS
 *	Strict-Transport-Security.
 *
 *	A streamed answer (resp->stream) is read by libmicrohttpd from
 *	the connection's thread; when the stream has nothing yet (0) it
 *	is asked again, so libmicrohttpd never sees an empty read. At
 *	stop no connection is accepted any more, the streams end their
 *	responses (5 s at most) and then every connection is closed.
 * DIAGNOSTICS
 *	Refusals that are about access are logged by console_auth.c;
 *	the limits here are logged at level info with the address.
 */
#include "config.h"

#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "console.h"
#include "console_impl.h"

#define MAX_ROUTES	128

atomic_int cn_stopping;

static const struct cn_route *routes[MAX_ROUTES];
static size_t nroutes;
static struct MHD_Daemon *mhd;
static unsigned active;		/* connections open now */
static unsigned streams;	/* streamed answers not yet freed */
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;

struct field {
	char *name, *value;
	size_t len;
};

/* one request's own state (cn_request.conn) */
struct req {
	struct cn_request rq;
	struct cn_auth_state auth;
	struct MHD_Connection *mc;
	const struct cn_route *route;
	struct MHD_PostProcessor *pp;
	struct field *fields;
	size_t nfields, body_len, url_len;
	char *uri;
	int started, error;
	char client[64];
};

struct stream {
	int fd;			/* the client's socket, -1: unknown */
	cn_stream_fn fn;
	void *arg;
	void (*free_fn)(void *arg);
};

/* cn_route_add - a module's route */
void cn_route_add(const struct cn_route *route)
{
	if (nroutes == MAX_ROUTES) {
		cn_log(CN_LOG_ERR, "too many routes: %s not added", route->path);
		return;
	}
	routes[nroutes++] = route;
}

/* path_matches - the route's path against the request's */
static int path_matches(const struct cn_route *rt, const char *path)
{
	if (rt->flags & CN_ROUTE_PREFIX)
		return strncmp(path, rt->path, strlen(rt->path)) == 0;
	return strcmp(path, rt->path) == 0;
}

/* find_route - the route; *status_r 404 or 405 when none */
static const struct cn_route *find_route(const char *method, const char *path,
					 int *status_r)
{
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
	size_t i;

	*status_r = 404;
	for (i = 0; i < nroutes; i++) {
		if (!path_matches(routes[i], path))
			continue;
		if (strcmp(routes[i]->method, m) == 0)
			return routes[i];
		*status_r = 405;
	}
	return NULL;
}

/* cn_request_auth - the part console_auth.c fills in */
struct cn_auth_state *cn_request_auth(struct cn_request *rq)
{
	return &((struct req *) rq->conn)->auth;
}

/* cn_arg - a form field, else a query field */
const char *cn_arg(const struct cn_request *rq, const char *name)
{
	const struct req *r = rq->conn;
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return r->fields[i].value;
	return MHD_lookup_connection_value(r->mc, MHD_GET_ARGUMENT_KIND, name);
}

/* cn_form_arg - a field of the POST body only (never the URL, which
 * lands in logs, history and Referer) */
const char *cn_form_arg(const struct cn_request *rq, const char *name)
{
	const struct req *r = rq->conn;
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return r->fields[i].value;
	return NULL;
}

struct collect {
	const char *name;
	const char **vals;
	size_t n, max;
};

/* collect_arg - MHD's iterator for cn_args */
static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct collect *c = cls;

	(void) kind;
	if (key && value && strcmp(key, c->name) == 0 && c->n < c->max)
		c->vals[c->n++] = value;
	return MHD_YES;
}

/* cn_args - every value of a repeated field */
size_t cn_args(const struct cn_request *rq, const char *name,
	       const char **vals, size_t max)
{
	const struct req *r = rq->conn;
	struct collect c = { name, vals, 0, max };
	size_t i;

	for (i = 0; i < r->nfields && c.n < max; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			vals[c.n++] = r->fields[i].value;
	MHD_get_connection_values(r->mc, MHD_GET_ARGUMENT_KIND, collect_arg, &c);
	return c.n;
}

/* cn_header - a request header */
const char *cn_header(const struct cn_request *rq, const char *name)
{
	return MHD_lookup_connection_value(((struct req *) rq->conn)->mc,
					   MHD_HEADER_KIND, name);
}

/* cn_cookie - a request cookie */
const char *cn_cookie(const struct cn_request *rq, const char *name)
{
	return MHD_lookup_connection_value(((struct req *) rq->conn)->mc,
					   MHD_COOKIE_KIND, name);
}

/* cn_request_uri - path and query as sent */
const char *cn_request_uri(const struct cn_request *rq)
{
	const struct req *r = rq->conn;

	return r->uri ? r->uri : "";
}

/* cn_who - the user's name, or "-" */
const char *cn_who(const struct cn_request *rq)
{
	return rq->user ? rq->user->name : "-";
}

/* cn_error_page - a short page, or JSON under /api/ */
void cn_error_page(struct cn_request *rq, struct cn_response *resp,
		   int status, const char *message)
{
	cn_buf_free(&resp->body);
	resp->status = status;
	resp->stream = NULL;
	resp->no_store = 1;
	if (rq && rq->path && strncmp(rq->path, "/api/", 5) == 0) {
		resp->type = "application/json";
		cn_buf_adds(&resp->body, "{\"error\":");
		cn_buf_json(&resp->body, message);
		cn_buf_adds(&resp->body, "}\n");
		return;
	}
	resp->type = "text/html; charset=utf-8";
	cn_buf_addf(&resp->body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		    "<title>%d</title></head><body><h1>%d</h1><p>", status, status);
	cn_buf_html(&resp->body, message);
	cn_buf_adds(&resp->body, "</p></body></html>\n");
}

/* client_left - the peer hung up: a page left frees its stream's slot
 * at once instead of when a later keepalive fails to write */
static int client_left(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	if (fd < 0 || poll(&p, 1, 0) <= 0)
		return 0;
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* stream_read - libmicrohttpd's reader over a cn_stream_fn */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	struct timespec t0, t1, nap = { 0, 100 * 1000 * 1000 };
	ssize_t n;

	(void) pos;
	for (;;) {
		if (atomic_load(&cn_stopping) || client_left(s->fd))
			return MHD_CONTENT_READER_END_OF_STREAM;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((n = s->fn(s->arg, buf, max)) < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (n > 0)
			return n;
		/* nothing yet: a stream that did not wait gets a nap */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec
		    < 20 * 1000 * 1000)
			nanosleep(&nap, NULL);
	}
}

/* stream_free - the client is gone */
static void stream_free(void *cls)
{
	struct stream *s = cls;

	if (s->free_fn)
		s->free_fn(s->arg);
	free(s);
	pthread_mutex_lock(&active_lock);
	streams--;
	pthread_mutex_unlock(&active_lock);
}

/* add_headers - the headers every answer carries */
static void add_headers(struct MHD_Response *mr,
			const struct cn_response *resp, int from_script)
{
	char cache[64];

	MHD_add_response_header(mr, "Content-Type",
				resp->type ? resp->type : "text/html; charset=utf-8");
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	MHD_add_response_header(mr, "Content-Security-Policy",
				"default-src 'self'; frame-ancestors 'none'; form-action 'self'");
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Referrer-Policy", "same-origin");
	if (cn_tls_cert_pem)
		MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000");
	if (resp->no_store || !resp->max_age)
		MHD_add_response_header(mr, "Cache-Control", "no-store");
	else {
		snprintf(cache, sizeof(cache), "public, max-age=%u", resp->max_age);
		MHD_add_response_header(mr, "Cache-Control", cache);
	}
	if (resp->location[0] && resp->status >= 300 && resp->status < 400)
		MHD_add_response_header(mr, "Location", resp->location);
	if (resp->set_cookie[0])
		MHD_add_response_header(mr, "Set-Cookie", resp->set_cookie);
	/* not to the pages' own fetch() calls: the browser would ask for
	 * a Basic password instead of the script sending it to /login */
	if (resp->status == 401 && !from_script)
		MHD_add_response_header(mr, "WWW-Authenticate",
					"Basic realm=\"loopguard-console\", charset=\"UTF-8\"");
	if (resp->status == 405)
		MHD_add_response_header(mr, "Allow", "GET, HEAD, POST");
	if (resp->status == 429)
		MHD_add_response_header(mr, "Retry-After", "300");
}

/* respond - hand the answer to libmicrohttpd */
static enum MHD_Result respond(struct req *r, struct cn_response *resp)
{
	struct MHD_Response *mr;
	const union MHD_ConnectionInfo *info;
	struct stream *s;
	enum MHD_Result rc;
	const char *mode;

	if (resp->body.nomem)
		cn_error_page(&r->rq, resp, 500, "out of memory");
	if (!resp->status)
		resp->status = 200;
	if (resp->stream) {
		if (!(s = calloc(1, sizeof(*s))))
			return MHD_NO;
		info = MHD_get_connection_info(r->mc,
					       MHD_CONNECTION_INFO_CONNECTION_FD);
		s->fd = info ? info->connect_fd : -1;
		s->fn = resp->stream;
		s->arg = resp->stream_arg;
		s->free_fn = resp->stream_free;
		pthread_mutex_lock(&active_lock);
		streams++;
		pthread_mutex_unlock(&active_lock);
		mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
						       stream_read, s, stream_free);
		if (!mr) {
			stream_free(s);
			return MHD_NO;
		}
	} else if (!(mr = MHD_create_response_from_buffer(resp->body.len,
				resp->body.data ? resp->body.data : (char *) "",
				MHD_RESPMEM_MUST_COPY)))
		return MHD_NO;
	mode = cn_header(&r->rq, "Sec-Fetch-Mode");
	add_headers(mr, resp, mode && strcmp(mode, "navigate") != 0);
	rc = MHD_queue_response(r->mc, (unsigned) resp->status, mr);
	MHD_destroy_response(mr);
	cn_buf_free(&resp->body);
	return rc;
}

/* refuse - an error page at once */
static enum MHD_Result refuse(struct req *r, int status, const char *message)
{
	struct cn_response resp = { 0 };

	if (status != 404)
		cn_log(CN_LOG_INFO, "%s %.100s from %s: %d %s", r->rq.method,
		       r->rq.path ? r->rq.path : "?", r->client, status, message);
	cn_error_page(&r->rq, &resp, status, message);
	return respond(r, &resp);
}

/* header_size - MHD's iterator: the request headers' bytes */
static enum MHD_Result header_size(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	(void) kind;
	*(size_t *) cls += (key ? strlen(key) : 0) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

/* post_field - MHD's form iterator: fields, pieces appended */
static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind,
				  const char *key, const char *filename,
				  const char *type, const char *encoding,
				  const char *data, uint64_t off, size_t size)
{
	struct req *r = cls;
	struct field *f, *nf;
	char *v;

	(void) kind; (void) filename; (void) type; (void) encoding;
	f = r->nfields ? &r->fields[r->nfields - 1] : NULL;
	if (!f || off == 0 || strcmp(f->name, key) != 0) {
		if (r->nfields >= CN_MAX_FIELDS)
			return MHD_NO;
		if (!(nf = realloc(r->fields, (r->nfields + 1) * sizeof(*nf))))
			return MHD_NO;
		r->fields = nf;
		f = &r->fields[r->nfields];
		if (!(f->name = strdup(key)) || !(f->value = strdup(""))) {
			free(f->name);
			return MHD_NO;
		}
		f->len = 0;
		r->nfields++;
	}
	if (f->len + size > CN_MAX_BODY || !(v = realloc(f->value, f->len + size + 1)))
		return MHD_NO;
	memcpy(v + f->len, data, size);
	f->len += size;
	v[f->len] = 0;
	f->value = v;
	return MHD_YES;
}

/* client_name - the peer's address as text */
static void client_name(struct MHD_Connection *mc, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	socklen_t len;

	snprintf(buf, size, "?");
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !(sa = ci->client_addr))
		return;
	if (sa->sa_family == AF_UNIX) {
		snprintf(buf, size, "local");
		return;
	}
	len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
		: sizeof(struct sockaddr_in);
	if (getnameinfo(sa, len, buf, (socklen_t) size, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, size, "?");
}

/* first_call - the request line and headers are in: what is allowed */
static enum MHD_Result first_call(struct req *r, const char *method)
{
	const char *cl, *ct;
	size_t hsize = 0;
	int status;

	if (r->url_len > CN_MAX_URL)
		return refuse(r, 414, "the URL is too long");
	MHD_get_connection_values(r->mc, MHD_HEADER_KIND, header_size, &hsize);
	if (hsize > CN_MAX_HEADERS)
		return refuse(r, 431, "the request headers are too large");
	if (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST"))
		return refuse(r, 405, "only GET, HEAD and POST");
	if (!(r->route = find_route(method, r->rq.path, &status)))
		return refuse(r, status, status == 404 ? "no such page"
			      : "this page does not take that method");
	if (strcmp(method, "POST") != 0)
		return MHD_YES;
	cl = cn_header(&r->rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && (strlen(cl) > 9 || strtoul(cl, NULL, 10) > CN_MAX_BODY))
		return refuse(r, 413, "the request body is too large");
	ct = cn_header(&r->rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct && *ct && !(r->pp = MHD_create_post_processor(r->mc, 4096,
							     post_field, r)))
		return refuse(r, 415, "the body must be a form (application/x-www-form-urlencoded)");
	return MHD_YES;
}

/* access - libmicrohttpd's handler, called as the request comes in */
static enum MHD_Result access_cb(void *cls, struct MHD_Connection *mc,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;
	struct cn_response resp = { 0 };
	const union MHD_ConnectionInfo *ci;

	(void) cls; (void) version;
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		*con_cls = r;
	}
	if (!r->started) {
		r->started = 1;
		r->mc = mc;
		r->rq.conn = r;
		r->rq.method = method;
		r->rq.path = url;
		client_name(mc, r->client, sizeof(r->client));
		r->rq.client = r->client;
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_PROTOCOL);
		r->rq.tls = ci != NULL && cn_cfg.tls_cert != NULL;
		return first_call(r, method);
	}
	if (*upload_data_size) {
		r->body_len += *upload_data_size;
		if (r->body_len > CN_MAX_BODY) {
			cn_log(CN_LOG_INFO, "POST %.100s from %s: body over %d bytes: closed",
			       url, r->client, CN_MAX_BODY);
			return MHD_NO;
		}
		if (!r->error && r->pp
		    && MHD_post_process(r->pp, upload_data, *upload_data_size) != MHD_YES)
			r->error = 400;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->error)
		return refuse(r, r->error, "the form could not be read");
	if (cn_auth_request(&r->rq, r->route, &resp) == 0)
		r->route->fn(&r->rq, &resp);
	return respond(r, &resp);
}

/* uri_log - the first thing libmicrohttpd knows: the URL's length */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct req *r = calloc(1, sizeof(*r));

	(void) cls; (void) mc;
	if (r) {
		r->url_len = strlen(uri);
		if (r->url_len <= CN_MAX_URL)
			r->uri = strdup(uri);
	}
	return r;
}

/* completed - the request is over: free its state */
static void completed(void *cls, struct MHD_Connection *mc, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	size_t i;

	(void) cls; (void) mc; (void) toe;
	if (!r)
		return;
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	for (i = 0; i < r->nfields; i++) {
		free(r->fields[i].name);
		free(r->fields[i].value);
	}
	free(r->fields);
	free(r->uri);
	free(r);
	*con_cls = NULL;
}

/* accept_cb - over max_connections a new connection is closed at once
 * (libmicrohttpd itself would leave it waiting in the backlog) */
static enum MHD_Result accept_cb(void *cls, const struct sockaddr *addr,
				 socklen_t addrlen)
{
	unsigned now;

	(void) cls; (void) addr; (void) addrlen;
	pthread_mutex_lock(&active_lock);
	now = active;
	pthread_mutex_unlock(&active_lock);
	if (now < cn_cfg.max_connections)
		return MHD_YES;
	cn_log(CN_LOG_WARN, "%u connections (max_connections): a new one closed", now);
	return MHD_NO;
}

/* connection_cb - count the open connections */
static void connection_cb(void *cls, struct MHD_Connection *mc, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void) cls; (void) mc; (void) socket_ctx;
	pthread_mutex_lock(&active_lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		active++;
	else if (active)
		active--;
	pthread_mutex_unlock(&active_lock);
}

/*
 * libmicrohttpd's default is GnuTLS's "NORMAL", which still offers
 * TLS 1.0/1.1, CBC suites and static-RSA key exchange (no forward
 * secrecy) wherever the system's GnuTLS configuration does not remove
 * them. The console is a browser's and a script's peer: TLS 1.2 with
 * forward secrecy and AEAD ciphers, or TLS 1.3.
 */
#define CN_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" \
	":-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305" \
	":-MAC-ALL:+AEAD:-RSA:-DHE-DSS:%SERVER_PRECEDENCE"

/* mhd_log - libmicrohttpd's own messages */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void) cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	cn_log(CN_LOG_INFO, "libmicrohttpd: %s", line);
}

/* cn_http_start - serve on the bound socket */
int cn_http_start(char *err, size_t errsize)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION
		| MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	struct MHD_OptionItem opt[16];
	size_t n = 0;

#define OPT(o, v, p)	opt[n++] = (struct MHD_OptionItem) { o, (intptr_t) (v), p }
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL);
	OPT(MHD_OPTION_LISTEN_SOCKET, cn_listen_fd, NULL);
	/* the limit is accept_cb's; libmicrohttpd's is a backstop */
	OPT(MHD_OPTION_CONNECTION_LIMIT, cn_cfg.max_connections + 8, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, connection_cb, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, CN_MAX_PER_ADDR, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, cn_cfg.timeout, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, CN_MEMORY_LIMIT, NULL);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, completed, NULL);
	if (cn_tls_cert_pem) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, cn_tls_cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, cn_tls_key_pem);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, CN_TLS_PRIORITIES);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	mhd = MHD_start_daemon(flags, 0, accept_cb, NULL, access_cb, NULL,
			       MHD_OPTION_ARRAY, opt, MHD_OPTION_END);
	if (!mhd) {
		snprintf(err, errsize, "cannot start the HTTP server on %s", cn_cfg.listen);
		return -1;
	}
	return 0;
}

/* cn_http_stop - end the streams, close every connection, join */
void cn_http_stop(void)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	unsigned left = 1;
	int i;

	atomic_store(&cn_stopping, 1);
	if (!mhd)
		return;
	/* no new connections; the streams end their responses properly
	 * (a few seconds at most) before the rest is cut */
	MHD_quiesce_daemon(mhd);
	for (i = 0; i < 100 && left; i++) {
		pthread_mutex_lock(&active_lock);
		left = streams;
		pthread_mutex_unlock(&active_lock);
		if (left)
			nanosleep(&nap, NULL);
	}
	MHD_stop_daemon(mhd);
	mhd = NULL;
}
