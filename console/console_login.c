/*
 * NAME
 *	console_login.c - the login page, login and logout
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	cn_auth_routes();
 *	cn_login_redirect(rq, resp);
 * DESCRIPTION
 *	GET /login shows a form (user, password, and next: where to go
 *	after). POST /login checks the password (console_users.c): on
 *	success it starts a session, sets the lg_session cookie (HttpOnly,
 *	SameSite=Strict, Path=/, Secure under TLS) and answers 303 to
 *	next, which must be a path of this site (else /). On failure the
 *	form comes back (403) with one message whether the user exists or
 *	not; the log says which. After CN_FAIL_MAX failures from one
 *	address logins from it get 429 for a while (console_auth.c).
 *	POST /logout (CSRF) ends the session. GET /api/session tells a
 *	script its user, role and CSRF token.
 *
 *	The page has no script and takes its style from
 *	/static/console.css.
 * DIAGNOSTICS
 *	"user NAME (ROLE) from ADDR: logged in", "... logged out", and the
 *	failure lines of API.md.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "console_impl.h"

/* url_encode - a query value */
static void url_encode(struct cn_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char c[3];

	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
		    || (*s >= '0' && *s <= '9') || strchr("-._~/", *s)) {
			cn_buf_add(b, s, 1);
			continue;
		}
		c[0] = '%';
		c[1] = hex[(unsigned char) *s >> 4];
		c[2] = hex[*s & 15];
		cn_buf_add(b, c, 3);
	}
}

/* cn_login_redirect - 303 to /login?next=where the user wanted to go */
void cn_login_redirect(struct cn_request *rq, struct cn_response *resp)
{
	struct cn_buf b = { 0 };
	const char *uri = cn_request_uri(rq);

	cn_buf_adds(&b, "/login?next=");
	url_encode(&b, strcmp(rq->method, "POST") != 0 && cn_auth_next_ok(uri) ? uri : "/");
	cn_buf_free(&resp->body);
	resp->status = 303;
	resp->no_store = 1;
	snprintf(resp->location, sizeof(resp->location), "%s",
		 !b.nomem && b.len < sizeof(resp->location) ? b.data : "/login");
	cn_buf_free(&b);
	cn_buf_adds(&resp->body, "<!DOCTYPE html>\n<p><a href=\"/login\">Log in</a></p>\n");
}

/* login_form - the page, with a message or none */
static void login_form(struct cn_response *resp, const char *next,
		       const char *message)
{
	struct cn_buf *b = &resp->body;

	resp->no_store = 1;
	cn_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<title>loopguard: log in</title>"
		    "<link rel=\"stylesheet\" href=\"/static/console.css\"></head>\n"
		    "<body class=\"login\"><main><h1>loopguard</h1>\n");
	if (message) {
		cn_buf_adds(b, "<p class=\"error\" role=\"alert\">");
		cn_buf_html(b, message);
		cn_buf_adds(b, "</p>\n");
	}
	cn_buf_adds(b, "<form method=\"post\" action=\"/login\">\n"
		    "<label>User <input name=\"user\" autocomplete=\"username\" required autofocus></label>\n"
		    "<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\n"
		    "<input type=\"hidden\" name=\"next\" value=\"");
	cn_buf_html(b, cn_auth_next_ok(next) ? next : "/");
	cn_buf_adds(b, "\">\n<button type=\"submit\">Log in</button>\n</form></main></body></html>\n");
}

/* get_login - GET /login */
static void get_login(struct cn_request *rq, struct cn_response *resp)
{
	login_form(resp, cn_arg(rq, "next"), NULL);
}

/* set_cookie - the session cookie, or its removal */
static void set_cookie(struct cn_request *rq, struct cn_response *resp,
		       const char *id)
{
	snprintf(resp->set_cookie, sizeof(resp->set_cookie),
		 "lg_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", id,
		 rq->tls ? "; Secure" : "", *id ? "" : "; Max-Age=0");
}

/* post_login - POST /login */
static void post_login(struct cn_request *rq, struct cn_response *resp)
{
	const char *name = cn_arg(rq, "user"), *password = cn_arg(rq, "password");
	const char *next = cn_arg(rq, "next"), *old;
	struct cn_user user;
	char id[64], csrf[64];
	int rc;

	if (cn_auth_limited(rq->client, time(NULL))) {
		cn_log(CN_LOG_WARN, "login from %s refused: too many failures", rq->client);
		login_form(resp, next, "Too many failed logins from your address: try again in a few minutes.");
		resp->status = 429;
		return;
	}
	if (!name)
		name = "";
	if (!password || !*password)
		rc = -2;
	else if (!cn_user_name_ok(name))
		rc = -1;
	else
		rc = cn_users_verify(name, password, &user);
	if (rc != 1) {
		cn_auth_log_failure(*name ? name : "(none)", rq->client, rc);
		login_form(resp, next, "Wrong user name or password.");
		resp->status = 403;
		return;
	}
	/* a session the browser had before is over: always a new id */
	if ((old = cn_cookie(rq, "lg_session")))
		cn_session_end(old);
	if (cn_session_new(&user, time(NULL), id, sizeof(id), csrf, sizeof(csrf)) < 0) {
		cn_error_page(rq, resp, 500, "cannot start a session");
		return;
	}
	cn_log(CN_LOG_INFO, "user %s (%s) from %s: logged in", user.name,
	       cn_role_name(user.role), rq->client);
	set_cookie(rq, resp, id);
	resp->status = 303;
	resp->no_store = 1;
	snprintf(resp->location, sizeof(resp->location), "%s",
		 cn_auth_next_ok(next) ? next : "/");
}

/* post_logout - POST /logout */
static void post_logout(struct cn_request *rq, struct cn_response *resp)
{
	const char *cookie = cn_cookie(rq, "lg_session");

	if (cookie)
		cn_session_end(cookie);
	cn_log(CN_LOG_INFO, "user %s (%s) from %s: logged out", cn_who(rq),
	       rq->user ? cn_role_name(rq->user->role) : "none", rq->client);
	set_cookie(rq, resp, "");
	resp->status = 303;
	snprintf(resp->location, sizeof(resp->location), "/login");
}

/* get_session - GET /api/session: who is logged in, and the CSRF token
 * for scripts that hold a session (the pages carry it in their forms) */
static void get_session(struct cn_request *rq, struct cn_response *resp)
{
	struct cn_buf *b = &resp->body;

	resp->type = "application/json";
	resp->no_store = 1;
	cn_buf_adds(b, "{\"user\":");
	cn_buf_json(b, cn_who(rq));
	cn_buf_adds(b, ",\"role\":");
	cn_buf_json(b, rq->user ? cn_role_name(rq->user->role) : "none");
	cn_buf_adds(b, ",\"csrf\":");
	cn_buf_json(b, rq->csrf ? rq->csrf : "");
	cn_buf_adds(b, "}\n");
}

static const struct cn_route login_routes[] = {
	{ "GET", "/api/session", CN_ROLE_READ, 0, get_session },
	{ "GET", "/login", CN_ROLE_NONE, 0, get_login },
	{ "POST", "/login", CN_ROLE_NONE, 0, post_login },
	{ "POST", "/logout", CN_ROLE_READ, CN_ROUTE_CSRF, post_logout },
};

/* cn_auth_routes - /login and /logout */
void cn_auth_routes(void)
{
	size_t i;

	for (i = 0; i < sizeof(login_routes) / sizeof(login_routes[0]); i++)
		cn_route_add(&login_routes[i]);
}
