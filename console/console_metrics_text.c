/*
 * NAME
 *	console_metrics_text.c - a stats reply in the Prometheus text format
 * SYNOPSIS
 *	#include "console_metrics.h"
 *
 *	skipped = cn_metrics_text(&body, reply.lines, reply.n, up,
 *				  VERSION, time(NULL));
 * DESCRIPTION
 *	The data lines of one "stats" reply (milter/control/control_cmd.h)
 *	are read into a table first and written out after, so that every
 *	metric's samples stay together whatever order the daemon sends
 *	its lines in, and a metric whose line did not come is left out
 *	rather than shown as 0. Lines of a kind this file does not know
 *	(server, down_since, a line a newer daemon adds) are passed over.
 *
 *	The daemon is not trusted to send clean text: a number is only
 *	decimal digits; a plugin, action or counter name becomes a label
 *	only when it is a short run of [A-Za-z0-9._-]; a version, backend
 *	or recipient source only when it is printable ASCII of at most
 *	CN_METRICS_TEXT_MAX bytes. A line
 *	that fails, a second line for the same series, or a series past
 *	CN_METRICS_ROWS_MAX is skipped and counted, so a scrape never
 *	carries a malformed or duplicate sample (Prometheus would drop the
 *	whole scrape for one) nor grows without bound.
 *
 *	Label values are escaped as the format wants: backslash, double
 *	quote and newline as \\, \" and \n.
 * DIAGNOSTICS
 *	None but the count of skipped lines. Out of memory sets the
 *	buffer's nomem (the route answers 500).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "console_metrics.h"

/* The numeric lines taken as they are. */
enum {
	S_UPTIME, S_STARTED, S_ENTRIES, S_BYTES, S_EVICTED,
	S_CONNECTIONS, S_MESSAGES, S_RECIPIENTS, S_UNKNOWN, S_ERRORS,
	S_DROPPED, S_OUTBOX_MESSAGES, S_OUTBOX_BYTES, S_OUTBOX_OLDEST,
	S_RELOADS_OK, S_RELOADS_FAILED, S_LAST_RELOAD, S_MAX
};

static const char *const scalar_names[S_MAX] = {
	"uptime", "started", "entries", "bytes", "evicted",
	"connections", "messages", "recipients", "unknown", "errors",
	"counters_dropped", "outbox_messages", "outbox_bytes",
	"outbox_oldest", "reloads_ok", "reloads_failed", "last_reload",
};

/* One labelled series: two label values and its value. */
struct row {
	char a[CN_METRICS_TEXT_MAX + 1], b[CN_METRICS_TEXT_MAX + 1];
	unsigned long long v;
};

struct rows {
	struct row *r;
	size_t n, cap;
};

/* What one reply said. */
struct stats {
	unsigned long long v[S_MAX];
	unsigned char have[S_MAX];
	char version[CN_METRICS_TEXT_MAX + 1];
	char backend[CN_METRICS_TEXT_MAX + 1];
	int health, fallback;		/* 1, 0, or -1 when not sent */
	struct rows actions, events, sources;
	size_t skipped;
	int nomem;
};

/* cn_metrics_name_ok - a short run of [A-Za-z0-9._-] */
int cn_metrics_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n > 0 && n <= CN_METRICS_NAME_MAX && s[n] == 0;
}

/* cn_metrics_text_ok - short printable ASCII */
int cn_metrics_text_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if ((unsigned char) s[n] < 0x20 || (unsigned char) s[n] > 0x7e ||
		    n >= CN_METRICS_TEXT_MAX)
			return 0;
	return n > 0;
}

/* cn_metrics_label - "value", escaped */
void cn_metrics_label(struct cn_buf *b, const char *value)
{
	const char *start = value, *rep;

	cn_buf_add(b, "\"", 1);
	for (; *value; value++) {
		switch (*value) {
		case '\\': rep = "\\\\"; break;
		case '"': rep = "\\\""; break;
		case '\n': rep = "\\n"; break;
		default: continue;
		}
		cn_buf_add(b, start, (size_t) (value - start));
		cn_buf_adds(b, rep);
		start = value + 1;
	}
	cn_buf_add(b, start, (size_t) (value - start));
	cn_buf_add(b, "\"", 1);
}

/* number - decimal digits that fit: 0, or -1 */
static int number(const char *s, unsigned long long *v_r)
{
	char *end;

	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > 20 || s[n])
		return -1;
	errno = 0;
	*v_r = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* add_row - one series, unless it is bad, a repeat or one too many */
static void add_row(struct stats *st, struct rows *rows, const char *a,
		    const char *b, const char *value)
{
	unsigned long long v;
	struct row *grown;
	size_t i;

	if (number(value, &v) < 0 || rows->n >= CN_METRICS_ROWS_MAX) {
		st->skipped++;
		return;
	}
	for (i = 0; i < rows->n; i++)
		if (strcmp(rows->r[i].a, a) == 0 && strcmp(rows->r[i].b, b) == 0) {
			st->skipped++;
			return;
		}
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 16;

		if (!(grown = realloc(rows->r, cap * sizeof(*grown)))) {
			st->nomem = 1;
			return;
		}
		rows->r = grown;
		rows->cap = cap;
	}
	/* both fit: the callers checked their length */
	strcpy(rows->r[rows->n].a, a);
	strcpy(rows->r[rows->n].b, b);
	rows->r[rows->n++].v = v;
}

/* take_text - an escaped text field into dst, if it is fit for a label */
static int take_text(char *field, char dst[CN_METRICS_TEXT_MAX + 1])
{
	ctl_unescape(field);
	if (!cn_metrics_text_ok(field))
		return -1;
	strcpy(dst, field);
	return 0;
}

/* yes_no - the value of a two-word line: 1, 0, or -1 */
static int yes_no(const char *s, const char *yes, const char *no)
{
	return strcmp(s, yes) == 0 ? 1 : strcmp(s, no) == 0 ? 0 : -1;
}

/* parse_pair - a "name<TAB>value" line of a name this file knows:
 * 0 taken, -1 bad, 1 not a name of ours */
static int parse_pair(struct stats *st, char *name, char *value)
{
	size_t i;
	int *flag = NULL, v = -1;

	for (i = 0; i < S_MAX; i++)
		if (strcmp(name, scalar_names[i]) == 0) {
			if (st->have[i] || number(value, &st->v[i]) < 0)
				return -1;
			st->have[i] = 1;
			return 0;
		}
	if (strcmp(name, "version") == 0)
		return st->version[0] ? -1 : take_text(value, st->version);
	if (strcmp(name, "backend") == 0)
		return st->backend[0] ? -1 : take_text(value, st->backend);
	if (strcmp(name, "health") == 0) {
		flag = &st->health;
		v = yes_no(value, "up", "down");
	} else if (strcmp(name, "fallback") == 0) {
		flag = &st->fallback;
		v = yes_no(value, "yes", "no");
	} else
		return 1;
	if (*flag != -1 || v < 0)
		return -1;
	*flag = v;
	return 0;
}

/* parse_source - "source SPEC KIND HEALTH ...": 0 or -1 */
static int parse_source(struct stats *st, char **f, size_t nf)
{
	char spec[CN_METRICS_TEXT_MAX + 1];
	int up;

	if (nf < 4 || take_text(f[1], spec) < 0 || !cn_metrics_name_ok(f[2]))
		return -1;
	up = strcmp(f[3], "down") == 0 ? 0 :
		strcmp(f[3], "up") == 0 || strcmp(f[3], "held") == 0 ? 1 : -1;
	if (up < 0)
		return -1;
	add_row(st, &st->sources, spec, f[2], up ? "1" : "0");
	return 0;
}

/* parse_line - one data line into st */
static void parse_line(struct stats *st, const char *line)
{
	char *copy, *f[10], empty[1] = "";
	size_t nf;
	int bad = 0;

	if (!(copy = strdup(line))) {
		st->nomem = 1;
		return;
	}
	nf = ctl_split(copy, f, 10);
	if (strcmp(f[0], "action") == 0 || strcmp(f[0], "counter") == 0) {
		if (nf != 4 || !cn_metrics_name_ok(f[1]) ||
		    !cn_metrics_name_ok(f[2]))
			bad = 1;
		else
			add_row(st, f[0][0] == 'a' ? &st->actions : &st->events,
				f[1], f[2], f[3]);
	} else if (strcmp(f[0], "source") == 0)
		bad = parse_source(st, f, nf) < 0;
	else if (nf == 2)
		bad = parse_pair(st, f[0], f[1]) < 0;
	else
		/* a kind of ours with a wrong field count */
		bad = parse_pair(st, f[0], empty) < 0;
	st->skipped += bad;
	free(copy);
}

/* family - the HELP and TYPE lines of a metric */
static void family(struct cn_buf *b, const char *name, const char *type,
		   const char *help)
{
	cn_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* scalar - a metric of one line, if the daemon sent it */
static void scalar(struct cn_buf *b, const struct stats *st, int i,
		   const char *name, const char *type, const char *help)
{
	if (!st->have[i])
		return;
	family(b, name, type, help);
	cn_buf_addf(b, "%s %llu\n", name, st->v[i]);
}

/* one - a metric of one sample with a value of its own */
static void one(struct cn_buf *b, const char *name, const char *type,
		const char *help, unsigned long long v)
{
	family(b, name, type, help);
	cn_buf_addf(b, "%s %llu\n", name, v);
}

/* info - NAME{LABEL="value"} 1 */
static void info(struct cn_buf *b, const char *name, const char *help,
		 const char *label, const char *value)
{
	family(b, name, "gauge", help);
	cn_buf_addf(b, "%s{%s=", name, label);
	cn_metrics_label(b, value);
	cn_buf_adds(b, "} 1\n");
}

/* labelled - a metric of two labels, one sample per row */
static void labelled(struct cn_buf *b, const struct rows *rows,
		     const char *name, const char *type, const char *help,
		     const char *la, const char *lb)
{
	size_t i;

	if (!rows->n)
		return;
	family(b, name, type, help);
	for (i = 0; i < rows->n; i++) {
		cn_buf_addf(b, "%s{%s=", name, la);
		cn_metrics_label(b, rows->r[i].a);
		cn_buf_addf(b, ",%s=", lb);
		cn_metrics_label(b, rows->r[i].b);
		cn_buf_addf(b, "} %llu\n", rows->r[i].v);
	}
}

/* activity - what the milter saw and decided */
static void activity(struct cn_buf *b, const struct stats *st)
{
	scalar(b, st, S_CONNECTIONS, "loopguard_connections_total", "counter",
	       "Connections from the MTA the milter saw.");
	scalar(b, st, S_MESSAGES, "loopguard_messages_total", "counter",
	       "Messages (MAIL FROM) the milter saw.");
	scalar(b, st, S_RECIPIENTS, "loopguard_recipients_total", "counter",
	       "Recipients (RCPT TO) the milter saw.");
	scalar(b, st, S_UNKNOWN, "loopguard_unknown_recipients_total",
	       "counter", "Recipients in a local domain that no recipient source knows.");
	scalar(b, st, S_ERRORS, "loopguard_errors_total", "counter",
	       "Failures answered with the on_error policy: a recipient source that could not answer, edits that could not be applied.");
	labelled(b, &st->actions, "loopguard_actions_total", "counter",
		 "Decisions taken, by plugin and action.", "plugin", "action");
	labelled(b, &st->events, "loopguard_plugin_events_total", "counter",
		 "The plugins' own named counters.", "plugin", "name");
	scalar(b, st, S_DROPPED, "loopguard_plugin_events_dropped_total",
	       "counter", "Plugin counter events that found no room in the daemon's table.");
}

/* store - the state store and its backend */
static void store(struct cn_buf *b, const struct stats *st)
{
	scalar(b, st, S_ENTRIES, "loopguard_store_entries", "gauge",
	       "Entries in the state store.");
	scalar(b, st, S_BYTES, "loopguard_store_bytes", "gauge",
	       "Bytes the state store's entries take.");
	scalar(b, st, S_EVICTED, "loopguard_store_evictions_total", "counter",
	       "Entries evicted from the state store to keep within its size.");
	if (st->backend[0])
		info(b, "loopguard_store_backend_info",
		     "The state store's backend in use.", "backend", st->backend);
	if (st->health >= 0)
		one(b, "loopguard_store_up", "gauge",
		    "Whether the state store's backend answers (1) or not (0).",
		    (unsigned long long) st->health);
	if (st->fallback >= 0)
		one(b, "loopguard_store_fallback_active", "gauge",
		    "Whether the store answers from its local fallback (Redis down).",
		    (unsigned long long) st->fallback);
}

/* outbox - the generated mail waiting to be sent */
static void outbox(struct cn_buf *b, const struct stats *st, time_t now)
{
	unsigned long long age = 0;

	scalar(b, st, S_OUTBOX_MESSAGES, "loopguard_outbox_messages", "gauge",
	       "Generated messages in the outbox, waiting to be sent.");
	scalar(b, st, S_OUTBOX_BYTES, "loopguard_outbox_bytes", "gauge",
	       "Bytes of the messages in the outbox.");
	if (!st->have[S_OUTBOX_OLDEST])
		return;
	if (st->v[S_OUTBOX_OLDEST] && now > 0 &&
	    (unsigned long long) now > st->v[S_OUTBOX_OLDEST])
		age = (unsigned long long) now - st->v[S_OUTBOX_OLDEST];
	one(b, "loopguard_outbox_oldest_age_seconds", "gauge",
	    "Age of the oldest message in the outbox; 0 when it is empty.", age);
}

/* config - reloads, recipient sources */
static void config(struct cn_buf *b, const struct stats *st)
{
	if (st->have[S_RELOADS_OK] || st->have[S_RELOADS_FAILED]) {
		family(b, "loopguard_config_reloads_total", "counter",
		       "Config reloads, by result.");
		if (st->have[S_RELOADS_OK])
			cn_buf_addf(b, "loopguard_config_reloads_total{result=\"success\"} %llu\n",
				    st->v[S_RELOADS_OK]);
		if (st->have[S_RELOADS_FAILED])
			cn_buf_addf(b, "loopguard_config_reloads_total{result=\"failure\"} %llu\n",
				    st->v[S_RELOADS_FAILED]);
	}
	scalar(b, st, S_LAST_RELOAD,
	       "loopguard_config_last_reload_success_timestamp_seconds", "gauge",
	       "When the config was last loaded successfully (the start counts).");
	labelled(b, &st->sources, "loopguard_recipient_source_up", "gauge",
		 "Whether a recipient source answers (1) or not (0).",
		 "source", "kind");
}

/* cn_metrics_text - the exposition of one stats reply */
size_t cn_metrics_text(struct cn_buf *b, char *const *lines, size_t n,
		       int up, const char *version, time_t now)
{
	struct stats st;
	size_t i;

	memset(&st, 0, sizeof(st));
	st.health = st.fallback = -1;
	info(b, "loopguard_build_info", "The console's version; always 1.",
	     "version", version && cn_metrics_text_ok(version) ? version :
	     "unknown");
	one(b, "loopguard_up", "gauge",
	    "Whether the daemon answered the console's stats request.",
	    (unsigned long long) (up != 0));
	if (!up)
		return 0;
	for (i = 0; i < n && !st.nomem; i++)
		parse_line(&st, lines[i]);
	if (st.version[0])
		info(b, "loopguard_daemon_info", "The daemon's version; always 1.",
		     "version", st.version);
	if (st.have[S_STARTED])
		one(b, "loopguard_start_time_seconds", "gauge",
		    "When the daemon started, in seconds since the epoch.",
		    st.v[S_STARTED]);
	else if (st.have[S_UPTIME] && now > 0 &&
		 (unsigned long long) now >= st.v[S_UPTIME])
		one(b, "loopguard_start_time_seconds", "gauge",
		    "When the daemon started, in seconds since the epoch.",
		    (unsigned long long) now - st.v[S_UPTIME]);
	activity(b, &st);
	store(b, &st);
	outbox(b, &st, now);
	config(b, &st);
	one(b, "loopguard_console_stats_lines_skipped", "gauge",
	    "Lines of the last stats reply the console could not use.",
	    st.skipped);
	free(st.actions.r);
	free(st.events.r);
	free(st.sources.r);
	if (st.nomem)
		b->nomem = 1;
	return st.skipped;
}
