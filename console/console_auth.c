/*
 * NAME
 *	console_auth.c - who a request comes from, and whether they may
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	if (cn_auth_request(rq, route, resp) == 0)
 *		route->fn(rq, resp);
 * DESCRIPTION
 *	The HTTP server asks this before any handler runs. A request
 *	comes from
 *
 *	- a session: the lg_session cookie (console_session.c), whose
 *	  user must still be in the users file (their role is read from
 *	  it each time, so a change applies at once);
 *	- HTTP Basic (scripts, Prometheus): the password is checked with
 *	  each request;
 *	- the metrics bearer token, on routes flagged CN_ROUTE_TOKEN;
 *	- nobody.
 *
 *	Then: a route needing more than nobody refuses nobody with a
 *	303 to /login?next=... for a page or a form, 401 for /api/,
 *	/events, /metrics; a user with too low a role gets 403. A POST whose
 *	Origin header is not this host gets 403. A POST route flagged
 *	CN_ROUTE_CSRF needs the session's token as the form field csrf
 *	(in the body, not the URL) or the X-CSRF-Token header, or with Basic or a token the header
 *	"X-Requested-With: loopguard" (a browser cannot send it across
 *	sites without asking first): else 403.
 *
 *	Failed passwords (Basic or the login form) count per client
 *	address: CN_FAIL_MAX in CN_FAIL_WINDOW seconds, then every login
 *	from there is refused (429) for CN_FAIL_WINDOW seconds, right
 *	password or not. At most CN_FAIL_ADDRS addresses are tracked.
 * DIAGNOSTICS
 *	Every refusal is logged with the user (or "anonymous"), the
 *	address, the method and path, and why.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "console.h"
#include "console_impl.h"

#define CN_FAIL_MAX	5
#define CN_FAIL_WINDOW	300
#define CN_FAIL_ADDRS	4096

char *cn_metrics_token;

static struct failures {
	char addr[64];
	time_t when[CN_FAIL_MAX];	/* the latest failures, a ring */
	unsigned next;
	time_t blocked_until, last;
} fails[CN_FAIL_ADDRS];
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

/* cn_auth_equal - two strings equal, in time that does not depend on
 * where they differ */
int cn_auth_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = 0;

	if (la != lb)
		return 0;
	for (i = 0; i < la; i++)
		d |= (unsigned char) (a[i] ^ b[i]);
	return d == 0;
}

/* cn_auth_next_ok - a local path to go back to after the login */
int cn_auth_next_ok(const char *next)
{
	const unsigned char *p;

	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\'
	    || strlen(next) > 512)
		return 0;
	for (p = (const unsigned char *) next; *p; p++)
		if (*p < 0x21 || *p >= 0x7f || *p == '\\')
			return 0;
	return 1;
}

/* find_fail - an address's entry (lock held); create: a slot for it */
static struct failures *find_fail(const char *addr, int create)
{
	struct failures *oldest = &fails[0];
	size_t i;

	for (i = 0; i < CN_FAIL_ADDRS; i++) {
		if (fails[i].addr[0] && strcmp(fails[i].addr, addr) == 0)
			return &fails[i];
		if (!fails[i].addr[0] || fails[i].last < oldest->last)
			oldest = &fails[i];
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	return oldest;
}

/* cn_auth_limited - whether logins from addr are refused now */
int cn_auth_limited(const char *addr, time_t now)
{
	struct failures *f;
	int limited;

	pthread_mutex_lock(&fail_lock);
	f = find_fail(addr, 0);
	limited = f && f->blocked_until > now;
	pthread_mutex_unlock(&fail_lock);
	return limited;
}

/* cn_auth_failed - one more failure from addr */
void cn_auth_failed(const char *addr, time_t now)
{
	struct failures *f;
	unsigned i, recent = 0;

	pthread_mutex_lock(&fail_lock);
	f = find_fail(addr, 1);
	f->when[f->next++ % CN_FAIL_MAX] = now;
	f->last = now;
	for (i = 0; i < CN_FAIL_MAX; i++)
		if (f->when[i] && now - f->when[i] < CN_FAIL_WINDOW)
			recent++;
	if (recent >= CN_FAIL_MAX && f->blocked_until <= now) {
		f->blocked_until = now + CN_FAIL_WINDOW;
		memset(f->when, 0, sizeof(f->when));
		cn_log(CN_LOG_WARN, "login from %s: %d failures in %d s: refused for %d s",
		       addr, CN_FAIL_MAX, CN_FAIL_WINDOW, CN_FAIL_WINDOW);
	}
	pthread_mutex_unlock(&fail_lock);
}

/* cn_auth_limit_reset - forget every failure (tests) */
void cn_auth_limit_reset(void)
{
	pthread_mutex_lock(&fail_lock);
	memset(fails, 0, sizeof(fails));
	pthread_mutex_unlock(&fail_lock);
}

/* b64_decode - standard base64 into out (NUL-terminated): 0 or -1 */
static int b64_decode(const char *in, char *out, size_t size)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0, bits = 0;
	size_t n = 0;
	const char *p;

	for (; *in && *in != '='; in++) {
		if (!(p = strchr(a, *in)) || !*in)
			return -1;
		v = v << 6 | (unsigned) (p - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= size)
				return -1;
			out[n++] = (char) (v >> bits & 0xff);
		}
	}
	out[n] = 0;
	return strlen(out) == n ? 0 : -1;
}

/* log_login_failure - the line API.md names; and count it */
void cn_auth_log_failure(const char *name, const char *addr, int why)
{
	cn_log(CN_LOG_WARN, "login failed for user %s from %s: %s", name, addr,
	       why == -1 ? "no such user" : why == -2 ? "empty password"
	       : "wrong password");
	cn_auth_failed(addr, time(NULL));
}

/* basic - the user of an Authorization: Basic header: 0 or the status */
static int basic(struct cn_request *rq, const char *value,
		 struct cn_auth_state *st)
{
	char plain[1200], *colon;
	int rc;

	if (cn_auth_limited(rq->client, time(NULL))) {
		cn_log(CN_LOG_WARN, "login from %s refused: too many failures", rq->client);
		return 429;
	}
	value += strspn(value, " ");
	if (strlen(value) > 1500 || b64_decode(value, plain, sizeof(plain)) < 0
	    || !(colon = strchr(plain, ':'))) {
		cn_log(CN_LOG_WARN, "login failed from %s: a broken Authorization header",
		       rq->client);
		cn_auth_failed(rq->client, time(NULL));
		return 401;
	}
	*colon = 0;
	if (!cn_user_name_ok(plain))
		rc = -1;
	else if (cn_users_find(plain, &st->user) && cn_authcache_hit(plain, colon + 1))
		rc = 1;
	else if ((rc = cn_users_verify(plain, colon + 1, &st->user)) == 1)
		cn_authcache_add(plain, colon + 1);
	explicit_bzero(colon + 1, strlen(colon + 1));
	if (rc != 1) {
		memset(&st->user, 0, sizeof(st->user));
		cn_auth_log_failure(plain, rq->client, rc);
		return 401;
	}
	st->via_basic = 1;
	rq->user = &st->user;
	return 0;
}

/* identify - who the request comes from: 0, or the status to refuse */
static int identify(struct cn_request *rq, const struct cn_route *route,
		    struct cn_auth_state *st)
{
	const char *auth = cn_header(rq, "Authorization"), *cookie;
	char name[CN_NAME_MAX + 1];

	if (auth && strncasecmp(auth, "Basic ", 6) == 0)
		return basic(rq, auth + 6, st);
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		if ((route->flags & CN_ROUTE_TOKEN) && cn_metrics_token
		    && cn_auth_equal(auth + 7, cn_metrics_token)) {
			st->via_token = 1;
			return 0;
		}
		cn_log(CN_LOG_WARN, "login failed from %s: wrong bearer token for %s",
		       rq->client, rq->path);
		cn_auth_failed(rq->client, time(NULL));
		return 401;
	}
	if (!(cookie = cn_cookie(rq, "lg_session")))
		return 0;
	if (!cn_session_get(cookie, time(NULL), name, sizeof(name), st->csrf,
			    sizeof(st->csrf)))
		return 0;
	if (!cn_users_find(name, &st->user)) {
		cn_log(CN_LOG_INFO, "user %s from %s: no longer in the users file: session ended",
		       name, rq->client);
		cn_session_end(cookie);
		st->csrf[0] = 0;
		return 0;
	}
	rq->user = &st->user;
	rq->csrf = st->csrf;
	return 0;
}

/* is_machine_path - answered with 401, not a redirect to the login */
static int is_machine_path(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0
		|| strcmp(path, "/events") == 0 || strcmp(path, "/metrics") == 0;
}

/* origin_ok - no Origin, or this very host: https://HOST under TLS;
 * without TLS http:// or https:// (a proxy may end TLS before us) */
static int origin_ok(struct cn_request *rq)
{
	const char *origin = cn_header(rq, "Origin"), *host = cn_header(rq, "Host");

	if (!origin)
		return 1;
	if (!host || !*host)
		return 0;
	if (strncmp(origin, "https://", 8) == 0)
		return strcasecmp(origin + 8, host) == 0;
	if (!rq->tls && strncmp(origin, "http://", 7) == 0)
		return strcasecmp(origin + 7, host) == 0;
	return 0;
}

/* refuse - log and answer */
static int refuse(struct cn_request *rq, struct cn_response *resp, int status,
		  const char *why)
{
	if (rq->user)
		cn_log(CN_LOG_WARN, "user %s (%s) from %s: %s %s: refused: %s",
		       rq->user->name, cn_role_name(rq->user->role), rq->client,
		       rq->method, rq->path, why);
	else
		cn_log(CN_LOG_WARN, "anonymous from %s: %s %s: refused: %s",
		       rq->client, rq->method, rq->path, why);
	cn_error_page(rq, resp, status, why);
	return -1;
}

/* csrf_ok - the POST proves it comes from our own page or a script */
static int csrf_ok(struct cn_request *rq, const struct cn_auth_state *st)
{
	const char *token, *xrw;

	if (st->via_basic || st->via_token) {
		xrw = cn_header(rq, "X-Requested-With");
		return xrw && strcmp(xrw, "loopguard") == 0;
	}
	if (!st->csrf[0])
		return 0;
	if (!(token = cn_header(rq, "X-CSRF-Token")))
		token = cn_form_arg(rq, "csrf");
	return token && cn_auth_equal(token, st->csrf);
}

/* cn_auth_request - the checks before a handler */
int cn_auth_request(struct cn_request *rq, const struct cn_route *route,
		    struct cn_response *resp)
{
	struct cn_auth_state *st = cn_request_auth(rq);
	enum cn_role role;
	int status;

	rq->user = NULL;
	rq->csrf = NULL;
	if ((status = identify(rq, route, st)) != 0) {
		cn_error_page(rq, resp, status, status == 429
			      ? "too many failed logins from your address: try again later"
			      : "wrong user name or password");
		return -1;
	}
	role = rq->user ? rq->user->role : st->via_token ? CN_ROLE_READ : CN_ROLE_NONE;
	if (role < route->role) {
		if (rq->user)
			return refuse(rq, resp, 403, route->role == CN_ROLE_OPERATOR
				      ? "this needs the operator role" : "not allowed");
		if (st->via_token)
			return refuse(rq, resp, 403, "the metrics token is only for /metrics");
		if (is_machine_path(rq->path))
			return refuse(rq, resp, 401, "not logged in");
		/* a page or a form (a session that ended): to the login; a
		 * POST cannot be sent again, so it goes back to / after */
		cn_log(CN_LOG_INFO, "anonymous from %s: %s %s: not logged in: to the login page",
		       rq->client, rq->method, rq->path);
		cn_login_redirect(rq, resp);
		return -1;
	}
	if (strcmp(rq->method, "POST") != 0)
		return 0;
	if (!origin_ok(rq))
		return refuse(rq, resp, 403, "the request comes from another site (Origin)");
	if ((route->flags & CN_ROUTE_CSRF) && !csrf_ok(rq, st))
		return refuse(rq, resp, 403, st->via_basic || st->via_token
			      ? "missing X-Requested-With: loopguard"
			      : "missing or wrong CSRF token");
	return 0;
}
