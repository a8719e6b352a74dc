/*
 * NAME
 *	console_json.c - listings and statistics as JSON
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	cn_listing_json(&b, &listing);
 *	cn_stats_json(&b, &stats);
 * DESCRIPTION
 *	The shapes of man/loopguard-console-api.7:
 *
 *	{"total":N,"hidden":H,"offset":O,"entries":[{"id":...,...}]}
 *	{"total":N,"offset":O,"messages":[{"id":...,...}]}
 *	{"daemon":"up","values":{...},"plugins":{...},"actions":[...],
 *	 "counters":[...],"sources":[...]}
 *
 *	Numbers are JSON numbers (the parser let only digits through);
 *	every string goes through cn_buf_json, which writes bytes that are
 *	not UTF-8 as U+FFFD. The entry's store key is left out: it is the
 *	plugins' own and may hold what the other fields do not show.
 */
#include "config.h"

#include <string.h>

#include "ctl.h"

#include "console_views.h"

/* number - digits as a JSON number (no leading zeros) */
static void number(struct cn_buf *b, const char *v)
{
	while (v[0] == '0' && v[1])
		v++;
	cn_buf_adds(b, v);
}

/* cn_listing_json - the object of /api/entries or /api/outbox */
void cn_listing_json(struct cn_buf *b, const struct cn_listing *l)
{
	const struct cn_column *cols;
	size_t n, i, c;
	const char *v;

	cols = cn_columns(l->table, &n);
	cn_buf_addf(b, "{\"total\":%llu,", l->total);
	if (l->table == CN_ENTRIES)
		cn_buf_addf(b, "\"hidden\":%llu,", l->hidden);
	cn_buf_addf(b, "\"offset\":%llu,", l->offset);
	if (l->fallback[0]) {
		cn_buf_adds(b, "\"fallback\":{\"backend\":");
		cn_buf_json(b, l->fallback[0]);
		cn_buf_adds(b, ",\"server\":");
		cn_buf_json(b, l->fallback[1]);
		cn_buf_adds(b, ",\"since\":");
		number(b, l->fallback[2]);
		cn_buf_adds(b, "},");
	}
	cn_buf_addf(b, "\"%s\":[", l->table == CN_ENTRIES ? "entries" : "messages");
	for (i = 0; i < l->n; i++) {
		cn_buf_adds(b, i ? ",\n{" : "\n{");
		for (c = 0; c < n; c++) {
			v = l->rows[i][cols[c].field];
			cn_buf_addf(b, "%s\"%s\":", c ? "," : "", cols[c].name);
			if (cols[c].kind == CN_TEXT || cols[c].kind == CN_ADDRESS)
				cn_buf_json(b, v);
			else
				number(b, v);
		}
		cn_buf_adds(b, "}");
	}
	cn_buf_adds(b, "]}\n");
}

/* value - a number as a number, anything else as a string */
static void value(struct cn_buf *b, const char *v)
{
	if (ctl_is_number(v))
		number(b, v);
	else
		cn_buf_json(b, v);
}

/* triples_json - actions or counters: [{"plugin","KEY","count"}] */
static void triples_json(struct cn_buf *b, const char *name,
			 const char *key, const struct cn_stat3 *t, size_t n)
{
	size_t i;

	cn_buf_addf(b, ",\"%s\":[", name);
	for (i = 0; i < n; i++) {
		cn_buf_adds(b, i ? ",{\"plugin\":" : "{\"plugin\":");
		cn_buf_json(b, t[i].a);
		cn_buf_addf(b, ",\"%s\":", key);
		cn_buf_json(b, t[i].b);
		cn_buf_adds(b, ",\"count\":");
		number(b, t[i].count);
		cn_buf_adds(b, "}");
	}
	cn_buf_adds(b, "]");
}

/* cn_stats_json - the object of /api/stats */
void cn_stats_json(struct cn_buf *b, const struct cn_stats *s)
{
	size_t i;

	cn_buf_adds(b, "{\"daemon\":\"up\",\"values\":{");
	for (i = 0; i < s->nvals; i++) {
		cn_buf_adds(b, i ? "," : "");
		cn_buf_json(b, s->vals[i].name);
		cn_buf_adds(b, ":");
		value(b, s->vals[i].value);
	}
	cn_buf_adds(b, "},\"plugins\":{");
	for (i = 0; i < s->nplugins; i++) {
		cn_buf_adds(b, i ? "," : "");
		cn_buf_json(b, s->plugins[i].name);
		if (s->plugins[i].entries >= 0)
			cn_buf_addf(b, ":{\"entries\":%lld}", s->plugins[i].entries);
		else
			cn_buf_adds(b, ":{\"entries\":null}");
	}
	cn_buf_adds(b, "}");
	triples_json(b, "actions", "action", s->actions, s->nactions);
	triples_json(b, "counters", "name", s->counters, s->ncounters);
	cn_buf_adds(b, ",\"sources\":[");
	for (i = 0; i < s->nsources; i++) {
		cn_buf_adds(b, i ? ",{\"source\":" : "{\"source\":");
		cn_buf_json(b, s->sources[i].spec);
		cn_buf_adds(b, ",\"kind\":");
		cn_buf_json(b, s->sources[i].kind);
		cn_buf_adds(b, ",\"state\":");
		cn_buf_json(b, s->sources[i].state);
		cn_buf_adds(b, ",\"entries\":");
		value(b, s->sources[i].entries);
		cn_buf_adds(b, "}");
	}
	cn_buf_adds(b, "]}\n");
}
