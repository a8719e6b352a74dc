/*
 * NAME
 *	check_console_views - unit tests for the views' pure parts
 *	(console/console_query.c, console_rows.c, console_page.c,
 *	console_table.c, console_json.c, console_flash.c)
 * SYNOPSIS
 *	t/console/check_console_views
 * DESCRIPTION
 *	Parameters: a table of query strings for the pages and the API,
 *	each either the control request it makes or refused (sort fields
 *	outside the whitelist, numbers with signs, spaces, exponents or
 *	past their bounds, patterns with spaces, control bytes, bad UTF-8
 *	or too long, plugin names with odd bytes); ids of both tables.
 *	Replies: list and queue replies parsed into rows (total, hidden,
 *	offset, the fallback line, escapes undone), and a table of bad
 *	replies refused (short rows, bad ids, signs in numbers, ERR).
 *	Output: a hostile From (<script>, quotes, a tab) is escaped in the
 *	HTML table and in the JSON; sort links flip the sorted column;
 *	checkboxes only when selectable; the pager; the stats block and
 *	its JSON. The flash cookie: round trip, cut at a character
 *	boundary, malformed cookies ignored.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#include "console_views.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* cn_static_url - console_static.c's, without the built-in files */
const char *cn_static_url(const char *name)
{
	return strcmp(name, "console.js") == 0 ? "/static/console.js?v=0" :
		"/static/console.css?v=0";
}

/* A query string as the parameters of a request: "a=1&b=2" (no
 * decoding: the cases write bytes as they are). */
struct fields {
	char buf[1024];
	char *name[16], *value[16];
	size_t n;
};

static void fields_set(struct fields *f, const char *qs)
{
	char *p, *amp, *eq;

	snprintf(f->buf, sizeof(f->buf), "%s", qs);
	f->n = 0;
	for (p = f->buf; *p && f->n < 16; p = amp + 1) {
		amp = strchr(p, '&');
		if (amp)
			*amp = 0;
		eq = strchr(p, '=');
		if (eq)
			*eq = 0;
		f->name[f->n] = p;
		f->value[f->n++] = eq ? eq + 1 : p + strlen(p);
		if (!amp)
			break;
	}
}

static const char *fields_get(void *ctx, const char *name)
{
	struct fields *f = ctx;
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

static const struct query_case {
	enum cn_table t;
	int api;
	const char *qs;
	const char *request;	/* NULL: refused */
} queries[] = {
	{ CN_ENTRIES, 0, "", "list --sort created --desc --offset 0 --limit 100" },
	{ CN_ENTRIES, 0, "plugin=harvest&match=*@example.com&sort=from&desc=0&page=3",
	  "list --plugin harvest --match *@example.com --sort from --offset 200 --limit 100" },
	{ CN_ENTRIES, 0, "sort=size&desc=1", "list --sort size --desc --offset 0 --limit 100" },
	{ CN_ENTRIES, 0, "sort=expires", "list --sort expires --offset 0 --limit 100" },
	{ CN_ENTRIES, 0, "plugin=&match=&page=", "list --sort created --desc --offset 0 --limit 100" },
	{ CN_ENTRIES, 0, "fragment=1&other=x", "list --sort created --desc --offset 0 --limit 100" },
	{ CN_ENTRIES, 0, "match=m\xc3\xbcller*", "list --match m\xc3\xbcller* --sort created --desc --offset 0 --limit 100" },
	{ CN_ENTRIES, 0, "page=21474837", "list --sort created --desc --offset 2147483600 --limit 100" },
	{ CN_ENTRIES, 0, "page=21474838", NULL },
	{ CN_ENTRIES, 0, "page=0", NULL },
	{ CN_ENTRIES, 0, "page=-1", NULL },
	{ CN_ENTRIES, 0, "page=+2", NULL },
	{ CN_ENTRIES, 0, "page=1e3", NULL },
	{ CN_ENTRIES, 0, "page=2 ", NULL },
	{ CN_ENTRIES, 0, "page=99999999999999999999999", NULL },
	{ CN_ENTRIES, 0, "sort=key", NULL },
	{ CN_ENTRIES, 0, "sort=created;rm", NULL },
	{ CN_ENTRIES, 0, "sort=CREATED", NULL },
	{ CN_ENTRIES, 0, "sort=next", NULL },
	{ CN_ENTRIES, 0, "desc=2", NULL },
	{ CN_ENTRIES, 0, "desc=yes", NULL },
	{ CN_ENTRIES, 0, "plugin=a b", NULL },
	{ CN_ENTRIES, 0, "plugin=a--b", "list --plugin a--b --sort created --desc --offset 0 --limit 100" },
	{ CN_ENTRIES, 0, "plugin=x\xc3\xbc", NULL },
	{ CN_ENTRIES, 0, "plugin=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },
	{ CN_ENTRIES, 0, "match=a b", NULL },
	{ CN_ENTRIES, 0, "match=a\x01", NULL },
	{ CN_ENTRIES, 0, "match=a\x7f", NULL },
	{ CN_ENTRIES, 0, "match=a\xff", NULL },
	{ CN_ENTRIES, 0, "match=a\xc3", NULL },
	{ CN_ENTRIES, 0, "match=\xed\xa0\x80", NULL },	/* a surrogate */
	{ CN_ENTRIES, 1, "offset=5&limit=1000", "list --sort created --desc --offset 5 --limit 1000" },
	{ CN_ENTRIES, 1, "offset=2147483647&limit=1", "list --sort created --desc --offset 2147483647 --limit 1" },
	{ CN_ENTRIES, 1, "offset=2147483648", NULL },
	{ CN_ENTRIES, 1, "limit=1001", NULL },
	{ CN_ENTRIES, 1, "limit=0", NULL },
	{ CN_ENTRIES, 1, "limit=-5", NULL },
	{ CN_ENTRIES, 1, "offset=0x10", NULL },
	{ CN_ENTRIES, 1, "page=3", "list --sort created --desc --offset 0 --limit 100" },
	{ CN_OUTBOX, 0, "", "queue --sort created --offset 0 --limit 100" },
	{ CN_OUTBOX, 0, "plugin=harvest&sort=next&desc=1&page=2",
	  "queue --sort next --desc --offset 100 --limit 100" },
	{ CN_OUTBOX, 1, "match=*@example.org&sort=attempts&limit=10",
	  "queue --match *@example.org --sort attempts --offset 0 --limit 10" },
	{ CN_OUTBOX, 0, "sort=from", NULL },
	{ CN_OUTBOX, 0, "sort=expires", NULL },
	{ CN_OUTBOX, 0, "sort=client", NULL },
};

START_TEST(query_parameters)
{
	const struct query_case *c = &queries[_i];
	struct fields f;
	struct cn_query q;
	char err[256] = "", req[512];
	int rc;

	fields_set(&f, c->qs);
	rc = cn_query_parse(&q, c->t, c->api, fields_get, &f, err, sizeof(err));
	if (!c->request) {
		ck_assert_msg(rc == -1, "\"%s\" was taken", c->qs);
		ck_assert_msg(err[0] != 0, "\"%s\": no message", c->qs);
		return;
	}
	ck_assert_msg(rc == 0, "\"%s\" refused: %s", c->qs, err);
	ck_assert_int_eq(cn_query_request(&q, req, sizeof(req)), 0);
	ck_assert_str_eq(req, c->request);
}
END_TEST

START_TEST(pattern_length_is_bounded)
{
	char qs[CN_PATTERN_MAX + 16], err[128];
	struct fields f;
	struct cn_query q;

	memset(qs, 'a', sizeof(qs));
	memcpy(qs, "match=", 6);
	qs[6 + CN_PATTERN_MAX] = 0;
	fields_set(&f, qs);
	ck_assert_int_eq(cn_query_parse(&q, CN_ENTRIES, 0, fields_get, &f, err,
					sizeof(err)), 0);
	qs[6 + CN_PATTERN_MAX] = 'a';
	qs[7 + CN_PATTERN_MAX] = 0;
	fields_set(&f, qs);
	ck_assert_int_eq(cn_query_parse(&q, CN_ENTRIES, 0, fields_get, &f, err,
					sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "at most"));
}
END_TEST

static const struct id_case {
	enum cn_table t;
	const char *id;
	int ok;
} ids[] = {
	{ CN_ENTRIES, "0123456789", 1 },
	{ CN_ENTRIES, "abcdef0123", 1 },
	{ CN_ENTRIES, "ABCDEF0123", 0 },
	{ CN_ENTRIES, "012345678", 0 },
	{ CN_ENTRIES, "01234567890", 0 },
	{ CN_ENTRIES, "012345678g", 0 },
	{ CN_ENTRIES, "01234 6789", 0 },
	{ CN_ENTRIES, "--all", 0 },
	{ CN_ENTRIES, "", 0 },
	{ CN_OUTBOX, "67a1b2c3.0001.9f3c2a1b", 1 },
	{ CN_OUTBOX, "67a1b2c3.0001.9f3c2a1", 0 },
	{ CN_OUTBOX, "67a1b2c3.0001.9f3c2a1bb", 0 },
	{ CN_OUTBOX, "67a1b2c3-0001-9f3c2a1b", 0 },
	{ CN_OUTBOX, "../../etc/passwd.x.y", 0 },
	{ CN_OUTBOX, "67a1b2c3.000g.9f3c2a1b", 0 },
	{ CN_OUTBOX, "0123456789", 0 },
	{ CN_OUTBOX, "--all", 0 },
};

START_TEST(ids_are_checked)
{
	ck_assert_msg(cn_check_id(ids[_i].t, ids[_i].id) == ids[_i].ok,
		      "%s", ids[_i].id);
}
END_TEST

/* reply_of - a ctl_reply with copies of lines and the final line */
static void reply_of(struct ctl_reply *r, const char *const *lines,
		     const char *final)
{
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	while (lines[n])
		n++;
	r->lines = calloc(n + 1, sizeof(char *));
	ck_assert_ptr_nonnull(r->lines);
	for (r->n = 0; r->n < n; r->n++)
		r->lines[r->n] = strdup(lines[r->n]);
	r->cap = n + 1;
	r->final = strdup(final);
}

static const char *const entry_lines[] = {
	"fallback\tredis\t127.0.0.1:6379\t1767225600",
	"00000000aa\t1767225600\t1767312000\t3\t5200\t<script>alert(1)</script>@evil.test\t"
		"alice@example.com\t192.0.2.1\tharvest\tblocked\tharvest:key",
	"00000000bb\t1767225601\t0\t1\t10\twe\"ird\\\\x\\t@example.net\t"
		"bob@example.com\t\tcatchall\tredirected\tk2",
	NULL
};

START_TEST(list_reply_is_parsed)
{
	struct ctl_reply r;
	struct cn_listing l;
	char err[256];

	reply_of(&r, entry_lines, "OK 250 entries, 7 hidden, offset 100");
	ck_assert_int_eq(cn_listing_parse(&l, CN_ENTRIES, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(l.total, 250);
	ck_assert_uint_eq(l.hidden, 7);
	ck_assert_uint_eq(l.offset, 100);
	ck_assert_str_eq(l.fallback[0], "redis");
	ck_assert_str_eq(l.rows[0][E_FROM], "<script>alert(1)</script>@evil.test");
	ck_assert_str_eq(l.rows[1][E_FROM], "we\"ird\\x\t@example.net");
	ck_assert_str_eq(l.rows[1][E_CLIENT], "");
	ck_assert_str_eq(l.rows[1][E_STATUS], "redirected");
	cn_listing_free(&l);
	ctl_reply_free(&r);

	/* the old final line: no offset */
	reply_of(&r, entry_lines + 1, "OK 2 entries, 0 hidden");
	ck_assert_int_eq(cn_listing_parse(&l, CN_ENTRIES, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.offset, 0);
	ck_assert_ptr_null(l.fallback[0]);
	cn_listing_free(&l);
	ctl_reply_free(&r);
}
END_TEST

static const char *const queue_lines[] = {
	"67a1b2c3.0001.9f3c2a1b\t1767225600\t1767225900\t2\t1234\t\tpostmaster@example.com\t"
		"deferred: 451 try later",
	NULL
};

START_TEST(queue_reply_is_parsed)
{
	struct ctl_reply r;
	struct cn_listing l;
	char err[256];

	reply_of(&r, queue_lines, "OK 1 messages, offset 0");
	ck_assert_int_eq(cn_listing_parse(&l, CN_OUTBOX, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.total, 1);
	ck_assert_str_eq(l.rows[0][Q_TO], "postmaster@example.com");
	ck_assert_str_eq(l.rows[0][Q_STATUS], "deferred: 451 try later");
	cn_listing_free(&l);
	ctl_reply_free(&r);
}
END_TEST

static const struct bad_reply {
	enum cn_table t;
	const char *line;	/* NULL: no row */
	const char *final;
	const char *err;	/* what err holds */
} bad_replies[] = {
	{ CN_ENTRIES, NULL, "ERR list: unknown option --sort", "list: unknown option --sort" },
	{ CN_ENTRIES, NULL, "ERR", "the daemon refused" },
	{ CN_ENTRIES, NULL, "garbage", "unexpected reply" },
	{ CN_ENTRIES, NULL, "OK", "unexpected final line" },
	{ CN_ENTRIES, NULL, "OK x entries, 0 hidden", "unexpected final line" },
	{ CN_ENTRIES, NULL, "OK 3 messages", "unexpected final line" },
	{ CN_OUTBOX, NULL, "OK 3 entries, 0 hidden", "unexpected final line" },
	{ CN_ENTRIES, "00000000aa\t1\t2\t3\t4\tf\tt\tc\tp\ts", "OK 1 entries, 0 hidden", "row" },
	{ CN_ENTRIES, "00000000aa\t1\t2\t3\t4\tf\tt\tc\tp\ts\tk\textra", "OK 1 entries, 0 hidden", "row" },
	{ CN_ENTRIES, "00000000zz\t1\t2\t3\t4\tf\tt\tc\tp\ts\tk", "OK 1 entries, 0 hidden", "row" },
	{ CN_ENTRIES, "00000000aa\t-1\t2\t3\t4\tf\tt\tc\tp\ts\tk", "OK 1 entries, 0 hidden", "row" },
	{ CN_ENTRIES, "00000000aa\t1\t2\t3\t4 \tf\tt\tc\tp\ts\tk", "OK 1 entries, 0 hidden", "row" },
	{ CN_ENTRIES, "<b>\t1\t2\t3\t4\tf\tt\tc\tp\ts\tk", "OK 1 entries, 0 hidden", "row" },
	{ CN_ENTRIES, "fallback\tredis", "OK 0 entries, 0 hidden", "row" },
	{ CN_OUTBOX, "67a1b2c3.0001.9f3c2a1b\t1\t2\t3\t4\t\tto", "OK 1 messages", "row" },
	{ CN_OUTBOX, "00000000aa\t1\t2\t3\t4\t\tto\tst", "OK 1 messages", "row" },
};

START_TEST(bad_replies_are_refused)
{
	const struct bad_reply *c = &bad_replies[_i];
	const char *lines[2] = { c->line, NULL };
	struct ctl_reply r;
	struct cn_listing l;
	char err[256] = "";

	reply_of(&r, lines, c->final);
	ck_assert_int_eq(cn_listing_parse(&l, c->t, &r, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, c->err) != NULL, "err \"%s\", not \"%s\"",
		      err, c->err);
	ck_assert_ptr_null(l.rows);
	ctl_reply_free(&r);
}
END_TEST

/* html_of - the table of the entry lines as HTML */
static char *html_of(int selectable, const char *qs, const char *final)
{
	struct ctl_reply r;
	struct cn_listing l;
	struct cn_query q;
	struct fields f;
	struct cn_buf b = { 0 };
	char err[256];

	fields_set(&f, qs);
	ck_assert_int_eq(cn_query_parse(&q, CN_ENTRIES, 0, fields_get, &f, err,
					sizeof(err)), 0);
	reply_of(&r, entry_lines, final);
	ck_assert_int_eq(cn_listing_parse(&l, CN_ENTRIES, &r, err, sizeof(err)), 0);
	cn_table_html(&b, &q, &l, selectable);
	cn_pager_html(&b, &q, &l);
	cn_listing_free(&l);
	ctl_reply_free(&r);
	ck_assert(!b.nomem);
	return b.data;
}

START_TEST(html_table_escapes_every_field)
{
	char *h = html_of(1, "page=2", "OK 250 entries, 7 hidden, offset 100");

	ck_assert_ptr_null(strstr(h, "<script"));
	ck_assert_ptr_nonnull(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;@evil.test"));
	/* shown as loopguardctl shows it: \\ and \t, never a raw tab */
	ck_assert_ptr_nonnull(strstr(h, "we&quot;ird\\\\x\\t@example.net"));
	ck_assert_ptr_nonnull(strstr(h, "<span id=\"total\">250</span> entries (7 hidden"));
	ck_assert_ptr_nonnull(strstr(h, "rows 101&#8211;102"));
	ck_assert_ptr_nonnull(strstr(h, "<input type=\"checkbox\" name=\"id\" value=\"00000000aa\""));
	ck_assert_ptr_nonnull(strstr(h, "<time datetime=\"2026-01-01T00:00:00Z\">2026-01-01 00:00:00</time>"));
	ck_assert_ptr_nonnull(strstr(h, "<span title=\"5200 bytes\">5.1K</span>"));
	ck_assert_ptr_nonnull(strstr(h, "The store answers from its local fallback (redis 127.0.0.1:6379"));
	/* the sorted column (created, newest first) links to oldest first */
	ck_assert_ptr_nonnull(strstr(h, "aria-sort=\"descending\"><a href=\"/entries?sort=created&amp;desc=0\">Created &#9660;</a>"));
	ck_assert_ptr_nonnull(strstr(h, "<a href=\"/entries?sort=from&amp;desc=0\">From</a>"));
	ck_assert_ptr_nonnull(strstr(h, "<a href=\"/entries?sort=size&amp;desc=1\">Size</a>"));
	/* page 2 of 3 */
	ck_assert_ptr_nonnull(strstr(h, "page 2 of 3"));
	ck_assert_ptr_nonnull(strstr(h, "rel=\"prev\" href=\"/entries?sort=created&amp;desc=1\""));
	ck_assert_ptr_nonnull(strstr(h, "rel=\"next\" href=\"/entries?sort=created&amp;desc=1&amp;page=3\""));
	free(h);
}
END_TEST

START_TEST(html_links_keep_the_filters_encoded)
{
	char *h = html_of(0, "plugin=harvest&match=*\"<x>&&sort=to", "OK 2 entries, 0 hidden, offset 0");

	ck_assert_ptr_null(strstr(h, "name=\"id\""));
	ck_assert_ptr_null(strstr(h, "select-all"));
	ck_assert_ptr_nonnull(strstr(h, "href=\"/entries?plugin=harvest&amp;match=%2A%22%3Cx%3E&amp;sort=to&amp;desc=1\""));
	ck_assert_ptr_null(strstr(h, "class=\"pager\""));	/* one page */
	ck_assert_ptr_null(strstr(h, "<x>"));
	free(h);
}
END_TEST

START_TEST(json_listing_escapes_strings)
{
	struct ctl_reply r;
	struct cn_listing l;
	struct cn_buf b = { 0 };
	char err[256];

	reply_of(&r, entry_lines, "OK 250 entries, 7 hidden, offset 100");
	ck_assert_int_eq(cn_listing_parse(&l, CN_ENTRIES, &r, err, sizeof(err)), 0);
	cn_listing_json(&b, &l);
	ck_assert_ptr_nonnull(strstr(b.data, "{\"total\":250,\"hidden\":7,\"offset\":100,"
				     "\"fallback\":{\"backend\":\"redis\",\"server\":\"127.0.0.1:6379\","
				     "\"since\":1767225600},\"entries\":["));
	ck_assert_ptr_nonnull(strstr(b.data, "{\"id\":\"00000000bb\",\"created\":1767225601,"
				     "\"expires\":0,\"count\":1,\"size\":10,"
				     "\"from\":\"we\\\"ird\\\\x\\t@example.net\",\"to\":\"bob@example.com\","
				     "\"client\":\"\",\"plugin\":\"catchall\",\"status\":\"redirected\"}"));
	ck_assert_ptr_null(strstr(b.data, "harvest:key"));	/* no store keys */
	cn_buf_free(&b);
	cn_listing_free(&l);
	ctl_reply_free(&r);

	reply_of(&r, queue_lines, "OK 1 messages, offset 0");
	ck_assert_int_eq(cn_listing_parse(&l, CN_OUTBOX, &r, err, sizeof(err)), 0);
	cn_listing_json(&b, &l);
	ck_assert_str_eq(b.data, "{\"total\":1,\"offset\":0,\"messages\":[\n"
			 "{\"id\":\"67a1b2c3.0001.9f3c2a1b\",\"created\":1767225600,"
			 "\"next\":1767225900,\"attempts\":2,\"size\":1234,\"from\":\"\","
			 "\"to\":\"postmaster@example.com\",\"status\":\"deferred: 451 try later\"}]}\n");
	cn_buf_free(&b);
	cn_listing_free(&l);
	ctl_reply_free(&r);
}
END_TEST

static const char *const stats_lines[] = {
	"version\t0.1.0",
	"uptime\t3700",
	"started\t1767225600",
	"entries\t12",
	"bytes\t5200",
	"backend\tmemory",
	"health\tup",
	"outbox_messages\t2",
	"outbox_bytes\t2048",
	"messages\t40",
	"action\tharvest\tblocked\t5",
	"action\t<b>evil</b>\treject\t1",
	"counter\tcatchall\tredirected\t3",
	"source\tfile:/etc/rcpts\tfile\tup\t42\t0\t0\t0\t-",
	"something_new\twith a value",
	"odd line without tabs",
	NULL
};

START_TEST(stats_are_parsed_and_shown)
{
	struct ctl_reply r;
	struct cn_stats s;
	struct cn_buf h = { 0 }, j = { 0 };
	char err[256];

	reply_of(&r, stats_lines, "OK");
	ck_assert_int_eq(cn_stats_parse(&s, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(cn_stats_get(&s, "uptime"), "3700");
	ck_assert_str_eq(cn_stats_get(&s, "something_new"), "with a value");
	ck_assert_uint_eq(s.nactions, 2);
	ck_assert_uint_eq(s.ncounters, 1);
	ck_assert_uint_eq(s.nsources, 1);
	cn_stats_plugins(&s);
	ck_assert_uint_eq(s.nplugins, 2);	/* <b>evil</b> is no plugin name */
	ck_assert_str_eq(s.plugins[0].name, "harvest");
	s.plugins[0].entries = 9;
	cn_stats_html(&h, &s);
	ck_assert_ptr_nonnull(strstr(h.data, "<tr><th>Uptime</th><td>1h 1m 40s</td></tr>"));
	ck_assert_ptr_nonnull(strstr(h.data, "<tr><th>Size</th><td>5.1K</td></tr>"));
	ck_assert_ptr_nonnull(strstr(h.data, "<a href=\"/entries?plugin=harvest\">9</a>"));
	ck_assert_ptr_nonnull(strstr(h.data, "&lt;b&gt;evil&lt;/b&gt;"));
	ck_assert_ptr_null(strstr(h.data, "<b>"));
	ck_assert_ptr_nonnull(strstr(h.data, "<a href=\"/outbox\">2</a>"));
	cn_stats_json(&j, &s);
	ck_assert_ptr_nonnull(strstr(j.data, "\"uptime\":3700"));
	ck_assert_ptr_nonnull(strstr(j.data, "\"version\":\"0.1.0\""));
	ck_assert_ptr_nonnull(strstr(j.data, "\"plugins\":{\"harvest\":{\"entries\":9},\"catchall\":{\"entries\":null}}"));
	ck_assert_ptr_nonnull(strstr(j.data, "{\"plugin\":\"<b>evil</b>\",\"action\":\"reject\",\"count\":1}"));
	cn_buf_free(&h);
	cn_buf_free(&j);
	cn_stats_free(&s);
	ctl_reply_free(&r);

	reply_of(&r, stats_lines + 5, "OK");	/* no uptime */
	ck_assert_int_eq(cn_stats_parse(&s, &r, err, sizeof(err)), -1);
	ctl_reply_free(&r);
}
END_TEST

START_TEST(page_head_and_buttons)
{
	struct cn_user admin = { "ad\"min", CN_ROLE_OPERATOR };
	struct cn_request rq = { "GET", "/entries", "127.0.0.1", &admin,
				 "tok<en>", 0, NULL };
	struct cn_page p = { "Entries", "entries", &rq, 1, "cannot <connect>", 0,
			     "3 <removed>" };
	struct cn_query q;
	struct fields f;
	struct cn_buf b = { 0 };
	char err[128];

	fields_set(&f, "plugin=harvest&match=*x*&page=2");
	ck_assert_int_eq(cn_query_parse(&q, CN_ENTRIES, 0, fields_get, &f, err,
					sizeof(err)), 0);
	cn_page_head(&b, &p);
	cn_page_banner(&b, &p);
	cn_page_filters(&b, &q, NULL);
	cn_page_buttons(&b, &p, &q);
	cn_page_foot(&b);
	ck_assert(!b.nomem);
	ck_assert_ptr_nonnull(strstr(b.data, "<meta name=\"csrf-token\" content=\"tok&lt;en&gt;\">"));
	ck_assert_ptr_nonnull(strstr(b.data, "<script src=\"/static/console.js?v=0\" defer></script>"));
	ck_assert_ptr_nonnull(strstr(b.data, "ad&quot;min (operator)"));
	ck_assert_ptr_nonnull(strstr(b.data, "<p class=\"flash err\" role=\"status\">3 &lt;removed&gt;</p>"));
	ck_assert_ptr_nonnull(strstr(b.data, "does not answer: cannot &lt;connect&gt;"));
	ck_assert_ptr_nonnull(strstr(b.data, "<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>"));
	ck_assert_ptr_nonnull(strstr(b.data, "<input type=\"hidden\" name=\"page\" value=\"2\">"));
	ck_assert_ptr_nonnull(strstr(b.data, "Remove all matching"));
	ck_assert_ptr_nonnull(strstr(b.data, "action=\"/reload\""));
	/* CSP default-src 'self': no inline script or style anywhere */
	ck_assert_ptr_null(strstr(b.data, "<script>"));
	ck_assert_ptr_null(strstr(b.data, "style="));
	ck_assert_ptr_null(strstr(b.data, " onclick="));
	cn_buf_free(&b);

	/* a reader gets no buttons and no token fields */
	admin.role = CN_ROLE_READ;
	p.daemon_down = 0;
	cn_page_head(&b, &p);
	cn_page_buttons(&b, &p, &q);
	ck_assert_ptr_null(strstr(b.data, "Remove"));
	ck_assert_ptr_null(strstr(b.data, "action=\"/reload\""));
	ck_assert_ptr_null(strstr(b.data, "http-equiv"));
	cn_buf_free(&b);
}
END_TEST

START_TEST(flash_cookie_round_trip)
{
	char cookie[256], header[400], text[CN_FLASH_MAX + 1], big[600];
	int ok = -1;

	cn_flash_cookie(cookie, sizeof(cookie), 1, "3 removed", 0);
	ck_assert_ptr_nonnull(strstr(cookie, "; Path=/; Max-Age=60; HttpOnly; SameSite=Strict"));
	ck_assert_ptr_null(strstr(cookie, "Secure"));
	snprintf(header, sizeof(header), "lg_session=abc; %.*s; other=1",
		 (int) strcspn(cookie, ";"), cookie);
	ck_assert_int_eq(cn_flash_read(header, &ok, text, sizeof(text)), 1);
	ck_assert_int_eq(ok, 1);
	ck_assert_str_eq(text, "3 removed");

	/* long text: cut at a character boundary, still fits the header */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 2 < 590; i += 2)
		memcpy(big + i, "\xc3\xbc", 2);
	cn_flash_cookie(cookie, sizeof(cookie), 0, big, 1);
	ck_assert_ptr_nonnull(strstr(cookie, "; Secure"));
	ck_assert_int_eq(cn_flash_read(cookie, &ok, text, sizeof(text)), 1);
	ck_assert_int_eq(ok, 0);
	ck_assert_uint_eq(strlen(text), CN_FLASH_MAX);
	ck_assert_int_eq(strncmp(text, big, CN_FLASH_MAX), 0);

	cn_flash_clear(cookie, sizeof(cookie), 0);
	ck_assert_ptr_nonnull(strstr(cookie, "lg_flash=; Path=/; Max-Age=0"));
	ck_assert_int_eq(cn_flash_read("lg_flash=", &ok, text, sizeof(text)), 0);
	ck_assert_int_eq(cn_flash_read("lg_flash=x.QUJD", &ok, text, sizeof(text)), 0);
	ck_assert_int_eq(cn_flash_read("lg_flash=o.Q*JD", &ok, text, sizeof(text)), 0);
	ck_assert_int_eq(cn_flash_read("lg_flash=o.AA", &ok, text, sizeof(text)), 0);	/* NUL */
	ck_assert_int_eq(cn_flash_read("xlg_flash=o.QUJD", &ok, text, sizeof(text)), 0);
	ck_assert_int_eq(cn_flash_read(NULL, &ok, text, sizeof(text)), 0);
	ck_assert_int_eq(cn_flash_read("a=b; lg_flash=e.QUJD", &ok, text, sizeof(text)), 1);
	ck_assert_str_eq(text, "ABC");
}
END_TEST

static Suite *views_suite(void)
{
	Suite *s = suite_create("console_views");
	TCase *tq = tcase_create("parameters");
	TCase *tr = tcase_create("replies");
	TCase *to = tcase_create("output");

	tcase_add_loop_test(tq, query_parameters, 0, N(queries));
	tcase_add_test(tq, pattern_length_is_bounded);
	tcase_add_loop_test(tq, ids_are_checked, 0, N(ids));
	suite_add_tcase(s, tq);
	tcase_add_test(tr, list_reply_is_parsed);
	tcase_add_test(tr, queue_reply_is_parsed);
	tcase_add_loop_test(tr, bad_replies_are_refused, 0, N(bad_replies));
	tcase_add_test(tr, stats_are_parsed_and_shown);
	suite_add_tcase(s, tr);
	tcase_add_test(to, html_table_escapes_every_field);
	tcase_add_test(to, html_links_keep_the_filters_encoded);
	tcase_add_test(to, json_listing_escapes_strings);
	tcase_add_test(to, page_head_and_buttons);
	tcase_add_test(to, flash_cookie_round_trip);
	suite_add_tcase(s, to);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(views_suite());
	int failed;

	setenv("TZ", "UTC", 1);
	tzset();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
