/*
 * NAME
 *	console_impl.h - what the console's core modules share among
 *	themselves (not the pages' contract: that is console.h)
 * DESCRIPTION
 *	console_main.c starts the pieces in order: the settings, the log,
 *	the users file, the TLS files and the listening socket (as root),
 *	then drops its privileges and starts the HTTP server. The HTTP
 *	server asks console_auth.c who a request comes from before a
 *	handler runs; console_auth.c asks console_users.c.
 */
#ifndef LG_CONSOLE_IMPL_H
#define LG_CONSOLE_IMPL_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "console.h"

/* The console's limits (API.md section 3). */
#define CN_MAX_URL		2048		/* bytes: 414 beyond */
#define CN_MAX_HEADERS		8192		/* bytes: 431 beyond */
#define CN_MAX_BODY		65536		/* bytes: 413 beyond */
#define CN_MAX_PER_ADDR		8		/* connections per address */
#define CN_MAX_FIELDS		2100		/* form and query fields */
#define CN_MEMORY_LIMIT		(32 * 1024)	/* libmicrohttpd's per connection */

/* console_config.c: read FILE's "console" group (and its top-level
 * "control") into cn_cfg. 0, or -1 with "FILE:LINE: what" in err. */
int cn_config_load(const char *file, char *err, size_t errsize);
void cn_config_free(void);
/* whether cn_cfg.listen is a loopback address or a unix socket */
int cn_listen_is_local(const char *listen);

/* console_log.c: "syslog" or "stderr"; 0, or -1 (bad name) */
int cn_log_open(const char *where);
/* for the tests: where lines go, NULL for stderr */
void cn_log_close(void);

/* console_users.c */
#define CN_NAME_MAX	64
int cn_user_name_ok(const char *name);
const char *cn_role_name(enum cn_role role);
int cn_role_parse(const char *s, enum cn_role *role_r);
/* cn_users_open - read the file once at start: 0, or -1 with err
 * (missing, others may read it, a bad line) */
int cn_users_open(const char *path, char *err, size_t errsize);
/* cn_users_verify - the password's check: 1 good (*user_r filled),
 * 0 wrong password, -1 no such user, -2 empty password. Re-reads the
 * file when its mtime changed. Takes about as long either way. */
int cn_users_verify(const char *name, const char *password,
		    struct cn_user *user_r);
/* cn_users_generation - changes with every read of the file */
unsigned cn_users_generation(void);
/* cn_users_find - a user's current role: 1 found, 0 not */
int cn_users_find(const char *name, struct cn_user *user_r);
/* cn_users_parse_line - one line of the file into its three parts
 * (pure, for the tests): 1 a user, 0 blank or comment, -1 bad line */
int cn_users_parse_line(char *line, char **name_r, enum cn_role *role_r,
			char **hash_r);
/* cn_users_hash - a yescrypt hash of password into out: 0 or -1 */
int cn_users_hash(const char *password, char *out, size_t outsize);
/* cn_users_cmd - "user add|del|list ..." from the command line:
 * the exit code */
int cn_users_cmd(const char *config_file, int argc, char **argv);

/* console_authcache.c: right Basic passwords, remembered a minute */
int cn_authcache_hit(const char *name, const char *password);
void cn_authcache_add(const char *name, const char *password);
void cn_authcache_clear(void);

/* console_auth.c */
struct cn_auth_state {
	struct cn_user user;
	char csrf[48];		/* the session's token */
	int via_basic;		/* Basic or bearer: no cookie, no CSRF */
	int via_token;		/* the metrics bearer token */
};
/* cn_auth_request - who the request comes from, and may they: 0 go
 * on (rq->user and rq->csrf set), -1 resp holds the refusal */
int cn_auth_request(struct cn_request *rq, const struct cn_route *route,
		    struct cn_response *resp);
/* the login failure line of API.md, and one more failure counted;
 * why as cn_users_verify answers */
void cn_auth_log_failure(const char *name, const char *addr, int why);
/* console_login.c: 303 to /login?next=the request's path and query */
void cn_login_redirect(struct cn_request *rq, struct cn_response *resp);
/* pure parts, for the tests */
int cn_auth_equal(const char *a, const char *b);
int cn_auth_next_ok(const char *next);
/* the login failure limit: 1 refused now; and noting one failure */
int cn_auth_limited(const char *addr, time_t now);
void cn_auth_failed(const char *addr, time_t now);
void cn_auth_limit_reset(void);
/* sessions: a new one (id and token out), a lookup (1 alive), an end */
int cn_session_new(const struct cn_user *user, time_t now, char *id_r,
		   size_t idsize, char *csrf_r, size_t csrfsize);
int cn_session_get(const char *id, time_t now, char *name_r,
		   size_t namesize, char *csrf_r, size_t csrfsize);
void cn_session_end(const char *id);
void cn_session_reset(void);
/* base64url without padding of n bytes; out needs 4*n/3+2 */
void cn_base64url(const unsigned char *in, size_t n, char *out);
/* the metrics bearer token, or NULL (read at start) */
extern char *cn_metrics_token;

/* console_listen.c: the socket cn_http_bind() bound, and the TLS
 * files (console_tls.c) as PEM text, or NULL */
extern int cn_listen_fd;
extern char *cn_tls_cert_pem, *cn_tls_key_pem;

/* console_http.c */
/* the per-request parts that auth fills in */
struct cn_auth_state *cn_request_auth(struct cn_request *rq);
/* a field of the POST body only (console_http.c) */
const char *cn_form_arg(const struct cn_request *rq, const char *name);
const char *cn_cookie(const struct cn_request *rq, const char *name);
/* the request's path and query as the client sent it ("" if too long) */
const char *cn_request_uri(const struct cn_request *rq);
/* bind the listen address (as root, before dropping privileges) */
int cn_http_bind(char *err, size_t errsize);
/* read and check the TLS files (as root): 0, or -1 with err */
int cn_http_tls_load(char *err, size_t errsize);
int cn_tls_check(const char *cert_pem, size_t cert_len,
		 const char *key_pem, size_t key_len, time_t now,
		 char *err, size_t errsize);
int cn_http_start(char *err, size_t errsize);
void cn_http_stop(void);
/* set once the console is stopping: streams end */
extern atomic_int cn_stopping;

/* Recent answers to reads (console_readcache.c). */
#define CN_READCACHE_MS	1000	/* an answer is given again for this long */
struct ctl_reply;
int cn_readcache_get(const char *request, unsigned long long gen,
		     struct ctl_reply *reply);
void cn_readcache_put(const char *request, unsigned long long gen,
		      const struct ctl_reply *reply);
void cn_readcache_clear(void);

#endif
