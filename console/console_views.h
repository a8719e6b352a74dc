/*
 * NAME
 *	console_views.h - what the pages, the JSON API and their parsers share
 * DESCRIPTION
 *	Private to the views of loopguard-console:
 *
 *	console_query.c	a listing's parameters, checked (filters, sort
 *			field, page, offset, limit, ids), and the control
 *			request made of them
 *	console_rows.c	the daemon's list, queue and stats replies parsed
 *			into rows (unescaped, every field checked)
 *	console_page.c	the HTML layout: head, navigation, banners, the
 *			filters and buttons
 *	console_table.c	the HTML tables of entries and messages, their
 *			sort links and pager, and the statistics block
 *	console_json.c	the same data as JSON
 *	console_flash.c	a form's result, shown once after its redirect
 *	console_daemon.c what the views ask the daemon, the actions logged
 *	console_views.c	the routes: pages, forms (post, redirect, get)
 *	console_api.c	the routes of /api/
 *	console_static.c /static/: the files of console/www/ built in
 *
 *	The parsers and writers are pure (a reply in, a buffer out), so
 *	the Check suites test them without a daemon or a server.
 */
#ifndef LG_CONSOLE_VIEWS_H
#define LG_CONSOLE_VIEWS_H

#include <stddef.h>

#include "console.h"

#define CN_PAGE_ROWS	100	/* rows on a page */
#define CN_LIMIT_MAX	1000	/* rows of one API request (the daemon's) */
#define CN_OFFSET_MAX	2147483647UL	/* the daemon's bound */
#define CN_PATTERN_MAX	200	/* bytes of a --match pattern */
#define CN_PLUGIN_MAX	64	/* bytes of a plugin name */
#define CN_IDS_MAX	100	/* ids in one remove or retry (a page) */
#define CN_ENTRY_ID_LEN	10	/* hex digits of an entry id */
#define CN_MSG_ID_LEN	22	/* "67a1b2c3.0001.9f3c2a1b" */
#define CN_FLASH_MAX	120
#define CN_PLUGINS_MAX	32	/* plugins the statistics count entries of */	/* bytes of a result shown after a form */

/* The two listings. */
enum cn_table { CN_ENTRIES, CN_OUTBOX };

/* Entry fields, in the order of a list row. */
enum { E_ID, E_CREATED, E_EXPIRES, E_COUNT, E_SIZE, E_FROM, E_TO, E_CLIENT,
       E_PLUGIN, E_STATUS, E_KEY, E_FIELDS };
/* Outbox fields, in the order of a queue row. */
enum { Q_ID, Q_CREATED, Q_NEXT, Q_ATTEMPTS, Q_SIZE, Q_FROM, Q_TO, Q_STATUS,
       Q_FIELDS };

/* A column: its field in the row, its heading, its JSON name, the
 * daemon's sort field (NULL: not sortable), how it is shown. */
enum cn_kind { CN_TEXT, CN_TIME, CN_NUMBER, CN_SIZE, CN_ADDRESS };
struct cn_column {
	int field;
	const char *heading;
	const char *name;
	const char *sort;
	enum cn_kind kind;
};
/* cn_columns - the columns of a table; their count in *n */
const struct cn_column *cn_columns(enum cn_table t, size_t *n);

/* A listing's parameters, checked. */
struct cn_query {
	enum cn_table table;
	char plugin[CN_PLUGIN_MAX + 1];	/* "": any */
	char match[CN_PATTERN_MAX + 1];	/* "": any */
	int sort;		/* a column index of cn_columns() */
	int desc;
	unsigned long offset;	/* rows skipped */
	unsigned limit;		/* rows wanted */
	unsigned long page;	/* 1-based (pages) */
};

/* Where the parameters come from: a request, or a test's table. */
typedef const char *(*cn_get_fn)(void *ctx, const char *name);

/* cn_query_parse - q from the fields plugin, match, sort, desc and
 * either page (pages) or offset and limit (api). 0, or -1 with a
 * message for the user in err. */
int cn_query_parse(struct cn_query *q, enum cn_table t, int api,
		   cn_get_fn get, void *ctx, char *err, size_t errsize);
/* cn_query_request - "list ..." or "queue ..." for q: 0, or -1 when it
 * does not fit */
int cn_query_request(const struct cn_query *q, char *buf, size_t size);
/* cn_query_url - "/entries?plugin=...&page=N" (page 0: q's own);
 * URL-encoded, not yet HTML-escaped */
void cn_query_url(struct cn_buf *b, const struct cn_query *q, int sort,
		  int desc, unsigned long page);

/* The checks of single values. */
int cn_check_plugin(const char *s);	/* [A-Za-z0-9._-]{1,64} */
int cn_check_pattern(const char *s, char *err, size_t errsize);
int cn_check_id(enum cn_table t, const char *s);
int cn_parse_ulong(const char *s, unsigned long max, unsigned long *v_r);
/* cn_url_encode - percent-encode all but [A-Za-z0-9._~-] */
void cn_url_encode(struct cn_buf *b, const char *s);

/* A parsed list or queue reply; the fields point into the reply's
 * lines (unescaped in place), so the reply outlives it. */
struct cn_listing {
	enum cn_table table;
	char *(*rows)[E_FIELDS];
	size_t n;
	unsigned long long total, hidden, offset;
	char *fallback[3];	/* backend, server, since; NULL: none */
};
struct ctl_reply;
/* cn_listing_parse - 0, or -1 with err (an ERR reply's text too) */
int cn_listing_parse(struct cn_listing *l, enum cn_table t,
		     struct ctl_reply *reply, char *err, size_t errsize);
void cn_listing_free(struct cn_listing *l);

/* A parsed stats reply. */
struct cn_stat { char *name, *value; };
struct cn_stat3 { char *a, *b, *count; };	/* action, counter */
struct cn_source { char *spec, *kind, *state, *entries; };
struct cn_stats {
	struct cn_stat *vals;
	size_t nvals;
	struct cn_stat3 *actions, *counters;
	size_t nactions, ncounters;
	struct cn_source *sources;
	size_t nsources;
	/* entries per plugin, asked for one by one (< 0: unknown) */
	struct cn_plugin_count {
		char name[CN_PLUGIN_MAX + 1];
		long long entries;
	} plugins[CN_PLUGINS_MAX];
	size_t nplugins;
};
int cn_stats_parse(struct cn_stats *s, struct ctl_reply *reply,
		   char *err, size_t errsize);
/* cn_stats_get - a value by name, or NULL */
const char *cn_stats_get(const struct cn_stats *s, const char *name);
/* cn_stats_plugins - the plugin names the reply knows of (actions,
 * counters), each once, into s->plugins; counts set to -1 */
void cn_stats_plugins(struct cn_stats *s);
/* cn_stats_plugin - the slot of a plugin name (added with -1), or NULL */
struct cn_plugin_count *cn_stats_plugin(struct cn_stats *s, const char *name);
void cn_stats_free(struct cn_stats *s);
/* cn_final_count - the first number of an OK line ("OK 3 removed") */
int cn_final_ok(const char *final);

/* What a page shows around its table. */
struct cn_page {
	const char *title;	/* "Entries" */
	const char *active;	/* "entries", "outbox", "stats" */
	const struct cn_request *rq;
	int daemon_down;
	const char *down_reason;	/* the failure, or NULL */
	int flash_ok;		/* the result of the last form */
	const char *flash;	/* NULL: none */
};
/* console_page.c */
void cn_page_head(struct cn_buf *b, const struct cn_page *p);
void cn_page_foot(struct cn_buf *b);
void cn_page_banner(struct cn_buf *b, const struct cn_page *p);
void cn_page_filters(struct cn_buf *b, const struct cn_query *q,
		     const struct cn_listing *l);
void cn_page_buttons(struct cn_buf *b, const struct cn_page *p,
		     const struct cn_query *q);
void cn_page_reload_form(struct cn_buf *b, const struct cn_page *p,
			 const char *back);
const char *cn_static_url(const char *name);	/* with ?v=HASH */

/* console_table.c */
void cn_table_html(struct cn_buf *b, const struct cn_query *q,
		   const struct cn_listing *l, int selectable);
void cn_pager_html(struct cn_buf *b, const struct cn_query *q,
		   const struct cn_listing *l);
void cn_stats_html(struct cn_buf *b, const struct cn_stats *s);

/* console_json.c */
void cn_listing_json(struct cn_buf *b, const struct cn_listing *l);
void cn_stats_json(struct cn_buf *b, const struct cn_stats *s);

/* console_static.c */
void cn_static_routes(void);
/* the embedded files (the generated console_www.c) */
struct cn_www_file {
	const char *name;
	const char *data;
	size_t len;
};
extern const struct cn_www_file cn_www_files[];
extern const size_t cn_www_count;

/* console_flash.c: the result of a form, in a cookie, shown once */
void cn_flash_cookie(char *out, size_t size, int ok, const char *text,
		     int tls);
void cn_flash_clear(char *out, size_t size, int tls);
int cn_flash_read(const char *cookies, int *ok_r, char *text, size_t size);

/* console_daemon.c: what the views ask the daemon, as the web user.
 * The fetches: 0, -1 the daemon did not answer, -2 it refused or the
 * reply did not fit (err says which); the reply holds the lines the
 * parsed data points into: ctl_reply_free it after. */
int cn_fetch_listing(const struct cn_request *rq, const struct cn_query *q,
		     struct ctl_reply *reply, struct cn_listing *l,
		     char *err, size_t errsize);
int cn_fetch_stats(const struct cn_request *rq, struct ctl_reply *reply,
		   struct cn_stats *s, char *err, size_t errsize);
/* cn_action_request - the request of an action route (path without
 * /api): its ids or all=1 and filters checked; what for the log.
 * 0, or -1 with a message for the user in err. */
int cn_action_request(const struct cn_request *rq, const char *path,
		      char *request, size_t size, char *what,
		      size_t whatsize, char *err, size_t errsize);
/* cn_act - send an action, log it; the result line in msg.
 * 1 done, 0 refused (ERR), -1 the daemon did not answer. */
int cn_act(const struct cn_request *rq, const char *what,
	   const char *request, char *msg, size_t msgsize);

/* console_api.c */
void cn_api_routes(void);

#endif
