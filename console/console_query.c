/*
 * NAME
 *	console_query.c - a listing's parameters, checked, and its request
 * SYNOPSIS
 *	#include "ctl.h"

#include "console_views.h"
 *
 *	if (cn_query_parse(&q, CN_ENTRIES, 0, get, ctx, err, sizeof(err)))
 *		... 400 with err ...
 *	cn_query_request(&q, line, sizeof(line));
 *	cn_query_url(&b, &q, q.sort, !q.desc, 0);
 * DESCRIPTION
 *	Every parameter a page or the API takes goes through here before
 *	any of it reaches the daemon: the plugin name is a short word, the
 *	pattern is bounded, printable UTF-8 without spaces (the control
 *	protocol splits words at spaces), the sort field is one of the
 *	table's columns, numbers are decimal digits only and bounded, ids
 *	are hex digits of the right length. Unknown parameters are left
 *	alone (fragment, the browser's own).
 *
 *	Without a sort field, entries come newest first and the outbox
 *	oldest first (the order the mail goes out).
 * DIAGNOSTICS
 *	A message for the user, naming the parameter and what it takes.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#include "console_views.h"

static const struct cn_column entry_cols[] = {
	{ E_ID, "ID", "id", "id", CN_TEXT },
	{ E_CREATED, "Created", "created", "created", CN_TIME },
	{ E_EXPIRES, "Next Try (expires)", "expires", "expires", CN_TIME },
	{ E_COUNT, "Count", "count", "count", CN_NUMBER },
	{ E_SIZE, "Size", "size", "size", CN_SIZE },
	{ E_FROM, "From", "from", "from", CN_ADDRESS },
	{ E_TO, "To", "to", "to", CN_ADDRESS },
	{ E_CLIENT, "Client/Network", "client", "client", CN_TEXT },
	{ E_PLUGIN, "Plugin", "plugin", "plugin", CN_TEXT },
	{ E_STATUS, "Status", "status", "status", CN_TEXT },
};

static const struct cn_column outbox_cols[] = {
	{ Q_ID, "ID", "id", "id", CN_TEXT },
	{ Q_CREATED, "Created", "created", "created", CN_TIME },
	{ Q_NEXT, "Next Try", "next", "next", CN_TIME },
	{ Q_ATTEMPTS, "Attempts", "attempts", "attempts", CN_NUMBER },
	{ Q_SIZE, "Size", "size", "size", CN_SIZE },
	{ Q_FROM, "From", "from", NULL, CN_ADDRESS },
	{ Q_TO, "To", "to", "to", CN_ADDRESS },
	{ Q_STATUS, "Status", "status", "status", CN_TEXT },
};

/* cn_columns - the columns of a table */
const struct cn_column *cn_columns(enum cn_table t, size_t *n)
{
	if (t == CN_OUTBOX) {
		*n = sizeof(outbox_cols) / sizeof(outbox_cols[0]);
		return outbox_cols;
	}
	*n = sizeof(entry_cols) / sizeof(entry_cols[0]);
	return entry_cols;
}

/*
 * The daemon reads a request's paging options (--sort, --desc, --offset,
 * --limit) in a pass of its own before the others, so a value spelt
 * like one ("--match --desc") would be taken as that option. No plugin
 * name or pattern the console passes on may start with "--".
 */
static int option_like(const char *s)
{
	return s[0] == '-' && s[1] == '-';
}

/* cn_check_plugin - a plugin name: letters, digits, . _ - */
int cn_check_plugin(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n > 0 && n <= CN_PLUGIN_MAX && s[n] == 0 && !option_like(s);
}

/* cn_check_pattern - bounded, printable UTF-8, no space: 0 or -1 */
int cn_check_pattern(const char *s, char *err, size_t errsize)
{
	const unsigned char *p = (const unsigned char *) s;
	uint32_t c;
	size_t n;

	if (strlen(s) > CN_PATTERN_MAX) {
		snprintf(err, errsize, "match: at most %d bytes", CN_PATTERN_MAX);
		return -1;
	}
	if (option_like(s)) {
		snprintf(err, errsize, "match: may not start with \"--\" (?- matches it)");
		return -1;
	}
	while (*p) {
		if (*p == ' ') {
			snprintf(err, errsize, "match: no spaces (? matches one)");
			return -1;
		}
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errsize, "match: no control characters");
			return -1;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = ctl_utf8_next(p, &c)) == 0) {
			snprintf(err, errsize, "match: not valid UTF-8");
			return -1;
		}
		p += n;
	}
	return 0;
}

/* cn_check_id - an entry id (10 hex digits) or a message id
 * (8.4.8 hex digits), lower case as the daemon writes them */
int cn_check_id(enum cn_table t, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (t == CN_ENTRIES)
		return strlen(s) == CN_ENTRY_ID_LEN &&
		       strspn(s, hex) == CN_ENTRY_ID_LEN;
	return strlen(s) == CN_MSG_ID_LEN && strspn(s, hex) == 8 &&
	       s[8] == '.' && strspn(s + 9, hex) == 4 && s[13] == '.' &&
	       strspn(s + 14, hex) == 8;
}

/* cn_parse_ulong - decimal digits only, no sign, at most max */
int cn_parse_ulong(const char *s, unsigned long max, unsigned long *v_r)
{
	unsigned long v = 0, d;

	if (!*s || strlen(s) > 19)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned long) (*s - '0');
		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return -1;
		v = v * 10 + d;
	}
	*v_r = v;
	return 0;
}

/* parse_sort - the sort and desc fields into q */
static int parse_sort(struct cn_query *q, cn_get_fn get, void *ctx,
		      char *err, size_t errsize)
{
	const char *sort = get(ctx, "sort"), *desc = get(ctx, "desc");
	const struct cn_column *cols;
	size_t n, i;

	cols = cn_columns(q->table, &n);
	q->sort = E_CREATED;	/* Q_CREATED too */
	q->desc = q->table == CN_ENTRIES && (!sort || !*sort);
	if (sort && *sort) {
		for (i = 0; i < n; i++)
			if (cols[i].sort && strcmp(cols[i].sort, sort) == 0)
				break;
		if (i == n) {
			snprintf(err, errsize, "sort: one of the column names (id, created, ...)");
			return -1;
		}
		q->sort = (int) i;
	}
	if (desc && *desc) {
		if (strcmp(desc, "0") != 0 && strcmp(desc, "1") != 0) {
			snprintf(err, errsize, "desc: 0 or 1");
			return -1;
		}
		q->desc = desc[0] == '1';
	}
	return 0;
}

/* parse_paging - page (pages) or offset and limit (api) */
static int parse_paging(struct cn_query *q, int api, cn_get_fn get,
			void *ctx, char *err, size_t errsize)
{
	const char *page = get(ctx, "page"), *offset = get(ctx, "offset");
	const char *limit = get(ctx, "limit");
	unsigned long v;

	q->page = 1;
	q->offset = 0;
	q->limit = CN_PAGE_ROWS;
	if (!api) {
		if (page && *page) {
			if (cn_parse_ulong(page, CN_OFFSET_MAX / CN_PAGE_ROWS + 1, &v) ||
			    v == 0) {
				snprintf(err, errsize, "page: a number from 1");
				return -1;
			}
			q->page = v;
		}
		q->offset = (q->page - 1) * CN_PAGE_ROWS;
		return 0;
	}
	if (offset && *offset) {
		if (cn_parse_ulong(offset, CN_OFFSET_MAX, &v)) {
			snprintf(err, errsize, "offset: a number from 0 to %lu",
				 CN_OFFSET_MAX);
			return -1;
		}
		q->offset = v;
	}
	if (limit && *limit) {
		if (cn_parse_ulong(limit, CN_LIMIT_MAX, &v) || v == 0) {
			snprintf(err, errsize, "limit: a number from 1 to %d",
				 CN_LIMIT_MAX);
			return -1;
		}
		q->limit = (unsigned) v;
	}
	q->page = q->offset / q->limit + 1;
	return 0;
}

/* cn_query_parse - every parameter of a listing, checked */
int cn_query_parse(struct cn_query *q, enum cn_table t, int api,
		   cn_get_fn get, void *ctx, char *err, size_t errsize)
{
	const char *plugin = t == CN_ENTRIES ? get(ctx, "plugin") : NULL;
	const char *match = get(ctx, "match");

	memset(q, 0, sizeof(*q));
	q->table = t;
	if (plugin && *plugin) {
		if (!cn_check_plugin(plugin)) {
			snprintf(err, errsize, "plugin: a plugin name (letters, digits, . _ -)");
			return -1;
		}
		snprintf(q->plugin, sizeof(q->plugin), "%s", plugin);
	}
	if (match && *match) {
		if (cn_check_pattern(match, err, errsize) != 0)
			return -1;
		snprintf(q->match, sizeof(q->match), "%s", match);
	}
	if (parse_sort(q, get, ctx, err, errsize) != 0)
		return -1;
	return parse_paging(q, api, get, ctx, err, errsize);
}

/* cn_query_request - the control request of a query */
int cn_query_request(const struct cn_query *q, char *buf, size_t size)
{
	const struct cn_column *cols;
	size_t n;
	int len;

	cols = cn_columns(q->table, &n);
	len = snprintf(buf, size, "%s%s%s%s%s --sort %s%s --offset %lu --limit %u",
		       q->table == CN_ENTRIES ? "list" : "queue",
		       q->plugin[0] ? " --plugin " : "", q->plugin,
		       q->match[0] ? " --match " : "", q->match,
		       cols[q->sort].sort, q->desc ? " --desc" : "",
		       q->offset, q->limit);
	return len < 0 || (size_t) len >= size ? -1 : 0;
}

/* cn_url_encode - a query-string value */
void cn_url_encode(struct cn_buf *b, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-";
	size_t n;

	while (*s) {
		n = strspn(s, safe);
		cn_buf_add(b, s, n);
		s += n;
		if (*s)
			cn_buf_addf(b, "%%%02X", (unsigned) (unsigned char) *s++);
	}
}

/* cn_query_url - the page of q with another sort or page */
void cn_query_url(struct cn_buf *b, const struct cn_query *q, int sort,
		  int desc, unsigned long page)
{
	const struct cn_column *cols;
	size_t n;

	cols = cn_columns(q->table, &n);
	cn_buf_adds(b, q->table == CN_ENTRIES ? "/entries?" : "/outbox?");
	if (q->plugin[0]) {
		cn_buf_adds(b, "plugin=");
		cn_url_encode(b, q->plugin);
		cn_buf_adds(b, "&");
	}
	if (q->match[0]) {
		cn_buf_adds(b, "match=");
		cn_url_encode(b, q->match);
		cn_buf_adds(b, "&");
	}
	cn_buf_addf(b, "sort=%s&desc=%d", cols[sort].sort, desc ? 1 : 0);
	if (!page)
		page = q->page;
	if (page > 1)
		cn_buf_addf(b, "&page=%lu", page);
}
