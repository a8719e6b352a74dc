/*
 * NAME
 *	ctl_show.c - print "list" and "stats" replies as a table or JSON
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	ctl_show_list(&reply, json, sorted);
 *	ctl_show_stats(&reply, json);
 * DESCRIPTION
 *	list: rows sorted by creation time (then id; in the daemon's order
 *	when it sorted them, list --sort), shown like a mail
 *	queue page: ID, Created, Next Try (the expiry: when the client or
 *	sender is let through again), Count, Size, From, To, Status, with
 *	columns as wide as their content; "no entries" when empty. JSON
 *	is an array with one object per entry and every field.
 *
 *	stats: "name: value" lines with the values aligned (uptime and
 *	bytes made readable), per-plugin actions as "plugin/action", then
 *	the plugins' own counters as they come ("counter<TAB>PLUGIN<TAB>
 *	NAME<TAB>N", for grep and cut); JSON is one object with the raw
 *	numbers, an "actions" and a "counters" array.
 * DIAGNOSTICS
 *	A line that does not fit the protocol is reported on stderr and
 *	-1 is returned; nothing is printed on stdout then.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define LIST_MIN_FIELDS	10
#define LIST_MAX_FIELDS	11
#define COLS		8

/* Field positions in a list row. */
enum { F_ID, F_CREATED, F_EXPIRES, F_COUNT, F_SIZE, F_FROM, F_TO, F_CLIENT,
       F_PLUGIN, F_STATUS, F_KEY };

static const char *const json_names[LIST_MAX_FIELDS] = {
	"id", "created", "expires", "count", "size", "from", "to", "client",
	"plugin", "status", "key"
};

/* One parsed row. */
struct row {
	char *f[LIST_MAX_FIELDS];	/* point into the reply line */
	size_t nf;
	long long created;
};

/* bad_line - a reply this program does not understand */
static int bad_line(const char *what, const char *line)
{
	char *safe = ctl_display(line);

	fprintf(stderr, "loopguardctl: unexpected %s line from the daemon: %.80s\n",
		what, safe ? safe : "");
	free(safe);
	return -1;
}

/* by_created - oldest first, then by id */
static int by_created(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->f[F_ID], y->f[F_ID]);
}

/* cell - the table text of one column of a row; malloc'ed */
static char *cell(const struct row *r, int col)
{
	char buf[64];
	const char *s;

	switch (col) {
	case 0: s = r->f[F_ID]; break;
	case 1: ctl_time((time_t) r->created, buf, sizeof(buf)); s = buf; break;
	case 2: ctl_time((time_t) strtoll(r->f[F_EXPIRES], NULL, 10), buf,
			 sizeof(buf)); s = buf; break;
	case 3: s = r->f[F_COUNT]; break;
	case 4: ctl_human_size(strtoll(r->f[F_SIZE], NULL, 10), buf,
			       sizeof(buf)); s = buf; break;
	case 5: s = r->f[F_FROM]; break;
	case 6: s = r->f[F_TO]; break;
	default: s = r->f[F_STATUS]; break;
	}
	return ctl_display(*s ? s : "-");
}

/* print_table - header and rows, columns sized to content */
static int print_table(struct row *rows, size_t n)
{
	static const char *const head[COLS] = { "ID", "Created", "Next Try",
		"Count", "Size", "From", "To", "Status" };
	size_t width[COLS], i, w, pad;
	char **cells;
	int c;

	if ((cells = calloc(n * COLS + 1, sizeof(*cells))) == NULL)
		return -1;
	for (c = 0; c < COLS; c++)
		width[c] = strlen(head[c]);
	for (i = 0; i < n; i++)
		for (c = 0; c < COLS; c++) {
			if ((cells[i * COLS + c] = cell(&rows[i], c)) == NULL)
				goto fail;
			if ((w = ctl_width(cells[i * COLS + c])) > width[c])
				width[c] = w;
		}
	for (i = 0; i <= n; i++) {
		for (c = 0; c < COLS; c++) {
			const char *s = i ? cells[(i - 1) * COLS + c] : head[c];

			pad = width[c] - ctl_width(s);
			if (c == 3 || c == 4)
				printf("%*s", (int) pad, "");
			fputs(s, stdout);
			if (c + 1 < COLS)
				printf("%*s", (int) (c == 3 || c == 4 ? 2 : pad + 2),
				       "");
		}
		putchar('\n');
	}
	for (i = 0; i < n * COLS; i++)
		free(cells[i]);
	free(cells);
	return 0;
fail:
	for (i = 0; i < n * COLS; i++)
		free(cells[i]);
	free(cells);
	return -1;
}

/* print_json_rows - one object per row, every field */
static void print_json_rows(struct row *rows, size_t n)
{
	size_t i, k;

	fputs(n ? "[\n" : "[]\n", stdout);
	for (i = 0; i < n; i++) {
		fputs("  {", stdout);
		for (k = 0; k < rows[i].nf; k++) {
			printf("%s\"%s\": ", k ? ", " : "", json_names[k]);
			if (k >= F_CREATED && k <= F_SIZE &&
			    ctl_is_number(rows[i].f[k] + (rows[i].f[k][0] == '-')))
				fputs(rows[i].f[k], stdout);
			else
				ctl_json_string(stdout, rows[i].f[k]);
		}
		printf("}%s\n", i + 1 < n ? "," : "");
	}
	if (n)
		fputs("]\n", stdout);
}

/* fallback_text - "redis HOST unreachable since TIME: showing only this
 * host's fallback store (N entries)" from a "fallback" line; 0, or -1
 * when the line is not one */
static int fallback_text(char *line, size_t entries, char *buf,
			 size_t size)
{
	char *f[5], when[64];
	size_t nf;

	if (strncmp(line, "fallback\t", 9) != 0)
		return -1;
	if ((nf = ctl_split(line, f, 5)) != 4 || !ctl_is_number(f[3]))
		return bad_line("list", "fallback ...");
	ctl_unescape(f[1]);
	ctl_unescape(f[2]);
	ctl_time((time_t) strtoll(f[3], NULL, 10), when, sizeof(when));
	snprintf(buf, size, "%s %s unreachable since %s: showing only this "
		 "host's fallback store (%zu entries)", f[1], f[2], when,
		 entries);
	return 0;
}

/* show_fallback - the note before the rows; JSON opens an object */
static void show_fallback(const char *note, int json)
{
	char *safe;

	if (!json) {
		safe = ctl_display(note);
		printf("%s\n", safe ? safe : "");
		free(safe);
		return;
	}
	fputs("{\"fallback\": ", stdout);
	ctl_json_string(stdout, note);
	fputs(", \"entries\": ", stdout);
}

/* ctl_show_list - the entries as a table or JSON; when the daemon says
 * they come from a fallback store, a note first (JSON: an object with
 * "fallback" and "entries") */
int ctl_show_list(const struct ctl_reply *reply, int json, int sorted)
{
	struct row *rows;
	char note[1024] = "";
	size_t i, k, n = reply->n;
	int rc = 0;

	if (n > 0 && fallback_text(reply->lines[n - 1], n - 1, note,
				   sizeof(note)) == 0)
		n--;
	if (*note)
		show_fallback(note, json);
	if (n == 0) {
		puts(json ? (*note ? "[]}" : "[]") : "no entries");
		return 0;
	}
	if ((rows = calloc(n, sizeof(*rows))) == NULL) {
		fprintf(stderr, "loopguardctl: out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		r->nf = ctl_split(reply->lines[i], r->f, LIST_MAX_FIELDS);
		for (k = F_CREATED; k <= F_SIZE && r->nf >= LIST_MIN_FIELDS; k++)
			if (!ctl_is_number(r->f[k] + (r->f[k][0] == '-')))
				r->nf = 0;
		if (r->nf < LIST_MIN_FIELDS) {
			free(rows);
			return bad_line("list", reply->lines[i]);
		}
		r->created = strtoll(r->f[F_CREATED], NULL, 10);
		for (k = F_FROM; k < r->nf; k++)
			ctl_unescape(r->f[k]);
	}
	if (!sorted)
		qsort(rows, n, sizeof(*rows), by_created);
	if (json)
		print_json_rows(rows, n);
	else if ((rc = print_table(rows, n)) != 0)
		fprintf(stderr, "loopguardctl: out of memory\n");
	if (json && *note)
		puts("}");
	free(rows);
	return rc;
}

/* ends_with - s ends in tail */
static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* stat_text - a value made readable for the text form */
static void stat_text(const char *name, const char *value, char *buf,
		      size_t size)
{
	if (strcmp(name, "uptime") == 0 && ctl_is_number(value))
		ctl_duration(strtoll(value, NULL, 10), buf, size);
	else if (ends_with(name, "bytes") && ctl_is_number(value))
		ctl_human_size(strtoll(value, NULL, 10), buf, size);
	else if ((strcmp(name, "down_since") == 0 ||
		  strcmp(name, "started") == 0 ||
		  strcmp(name, "last_reload") == 0 ||
		  strcmp(name, "outbox_oldest") == 0) && ctl_is_number(value))
		ctl_time((time_t) strtoll(value, NULL, 10), buf, size);
	else
		snprintf(buf, size, "%s", value);
}

/* json_value - a number as is, yes/no of a flag as true/false,
 * anything else as a string */
static void json_value(const char *value)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
		fputs(*value == 'y' ? "true" : "false", stdout);
	else if (ctl_is_number(value))
		fputs(value, stdout);
	else
		ctl_json_string(stdout, value);
}

/* One stats line: a named value, a plugin's action count or counter. */
struct stat_line {
	char *f[9];
	size_t nf;		/* 2: name, value; 4: action (or counter),
				 * plugin, action (or name), count; 9: a
				 * recipient source */
};

/* is_counter - a plugin's own counter line */
static int is_counter(const struct stat_line *s)
{
	return s->nf == 4 && strcmp(s->f[0], "counter") == 0;
}

/* print_counters_json - the plugins' counters as an array, if any */
static void print_counters_json(const struct stat_line *s, size_t n,
				int printed)
{
	size_t i, counters = 0;

	for (i = 0; i < n; i++)
		if (is_counter(&s[i])) {
			fputs(counters++ ? ", " : printed ? ", \"counters\": [" :
			      "\"counters\": [", stdout);
			fputs("{\"plugin\": ", stdout);
			ctl_json_string(stdout, s[i].f[1]);
			fputs(", \"name\": ", stdout);
			ctl_json_string(stdout, s[i].f[2]);
			fputs(", \"count\": ", stdout);
			json_value(s[i].f[3]);
			fputs("}", stdout);
		}
	fputs(counters ? "]" : "", stdout);
}

/* print_stats_json - one object; actions last, as an array */
static void print_stats_json(const struct stat_line *s, size_t n)
{
	size_t i, printed = 0, actions = 0;

	fputs("{", stdout);
	for (i = 0; i < n; i++)
		if (s[i].nf == 2) {
			fputs(printed++ ? ", " : "", stdout);
			ctl_json_string(stdout, s[i].f[0]);
			fputs(": ", stdout);
			json_value(s[i].f[1]);
		}
	for (i = 0; i < n; i++)
		if (s[i].nf == 4 && !is_counter(&s[i])) {
			if (actions++ == 0)
				fputs(printed ? ", \"actions\": [" : "\"actions\": [",
				      stdout);
			else
				fputs(", ", stdout);
			fputs("{\"plugin\": ", stdout);
			ctl_json_string(stdout, s[i].f[1]);
			fputs(", \"action\": ", stdout);
			ctl_json_string(stdout, s[i].f[2]);
			fputs(", \"count\": ", stdout);
			json_value(s[i].f[3]);
			fputs("}", stdout);
		}
	fputs(actions ? "]" : "", stdout);
	print_counters_json(s, n, printed || actions);
	for (i = 0; i < n; i++)
		if (is_counter(&s[i]))
			printed++;
	for (i = 0, actions = 0; i < n; i++)
		if (s[i].nf == ctl_source_fields()) {
			fputs(actions++ ? ", " : printed ? ", \"sources\": [" :
			      "\"sources\": [", stdout);
			ctl_print_source_json(s[i].f);
		}
	puts(actions ? "]}" : "}");
}

/* print_counter_text - "counter<TAB>PLUGIN<TAB>NAME<TAB>N", made safe
 * to show (the daemon checks names; this does not trust it) */
static void print_counter_text(const struct stat_line *s)
{
	char *plugin = ctl_display(s->f[1]), *name = ctl_display(s->f[2]);
	char *count = ctl_display(s->f[3]);

	printf("counter\t%s\t%s\t%s\n", plugin ? plugin : "?",
	       name ? name : "?", count ? count : "?");
	free(plugin);
	free(name);
	free(count);
}

/* print_stats_text - "name: value", values aligned */
static void print_stats_text(const struct stat_line *s, size_t n)
{
	char name[256], text[256], *safe_name, *safe_text;
	size_t i, w, width = 0;

	for (i = 0; i < n; i++) {
		if (s[i].nf == ctl_source_fields() || is_counter(&s[i]))
			continue;
		w = ctl_width(s[i].f[0]);
		if (s[i].nf == 4)
			w = ctl_width(s[i].f[1]) + 1 + ctl_width(s[i].f[2]);
		width = w > width ? w : width;
	}
	for (i = 0; i < n; i++) {
		if (s[i].nf == ctl_source_fields()) {
			ctl_print_source(s[i].f);
			continue;
		}
		if (is_counter(&s[i])) {
			print_counter_text(&s[i]);
			continue;
		}
		if (s[i].nf == 4)
			snprintf(name, sizeof(name), "%s/%s", s[i].f[1], s[i].f[2]);
		else
			snprintf(name, sizeof(name), "%s", s[i].f[0]);
		stat_text(name, s[i].f[s[i].nf - 1], text, sizeof(text));
		safe_name = ctl_display(name);
		safe_text = ctl_display(text);
		w = ctl_width(name);
		printf("%s:%*s%s\n", safe_name ? safe_name : "?",
		       (int) (width > w ? width - w + 1 : 1), "",
		       safe_text ? safe_text : "?");
		free(safe_name);
		free(safe_text);
	}
}

/* ctl_show_stats - name: value lines, or one JSON object */
int ctl_show_stats(const struct ctl_reply *reply, int json)
{
	struct stat_line *s;
	size_t i, k;

	if ((s = calloc(reply->n + 1, sizeof(*s))) == NULL) {
		fprintf(stderr, "loopguardctl: out of memory\n");
		return -1;
	}
	for (i = 0; i < reply->n; i++) {
		s[i].nf = ctl_split(reply->lines[i], s[i].f, 9);
		if (!(s[i].nf == 4 && (strcmp(s[i].f[0], "action") == 0 ||
				       strcmp(s[i].f[0], "counter") == 0)) &&
		    !(s[i].nf == 9 && strcmp(s[i].f[0], "source") == 0) &&
		    !(s[i].nf == 2 && strcmp(s[i].f[0], "action") != 0 &&
		      strcmp(s[i].f[0], "counter") != 0 &&
		      strcmp(s[i].f[0], "source") != 0)) {
			free(s);
			return bad_line("stats", reply->lines[i]);
		}
		for (k = 0; k < s[i].nf; k++)
			ctl_unescape(s[i].f[k]);
		if (s[i].nf == 9 && !ctl_source_ok(s[i].f)) {
			free(s);
			return bad_line("stats", reply->lines[i]);
		}
	}
	if (json)
		print_stats_json(s, reply->n);
	else
		print_stats_text(s, reply->n);
	free(s);
	return 0;
}
