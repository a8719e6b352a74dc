/*
 * NAME
 *	console_rows.c - the daemon's list, queue and stats replies, parsed
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	if (cn_listing_parse(&l, CN_ENTRIES, &reply, err, sizeof(err)))
 *		... err says why ...
 *	l.rows[i][E_FROM] ...
 *	cn_listing_free(&l);
 *
 *	cn_stats_parse(&s, &reply, err, sizeof(err));
 *	cn_stats_get(&s, "uptime");
 * DESCRIPTION
 *	The rows are those of milter/control/control_cmd.h: tab-separated,
 *	text fields escaped (\\ \t \n \r \xHH). Each row is checked before
 *	anything of it is shown: the exact number of fields, an id of the
 *	right form, numbers of decimal digits; the text fields are
 *	unescaped in place (ctl_unescape, loopguardctl's) and escaped again
 *	for HTML or JSON when they are written out.
 *
 *	The final line of a listing gives the total (every matching row,
 *	not only the page's), the hidden count and the offset:
 *	"OK N entries, H hidden, offset O", "OK N messages, offset O".
 *	Stats lines the console does not know are skipped, so a newer
 *	daemon's extra lines do no harm.
 * DIAGNOSTICS
 *	-1 with the daemon's own ERR text, or "unexpected reply from the
 *	daemon" and the line number.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#include "console_views.h"

/* cn_final_ok - 1 for an OK line, 0 for ERR, -1 for neither */
int cn_final_ok(const char *final)
{
	if (!final)
		return -1;
	if (strcmp(final, "OK") == 0 || strncmp(final, "OK ", 3) == 0)
		return 1;
	if (strcmp(final, "ERR") == 0 || strncmp(final, "ERR ", 4) == 0)
		return 0;
	return -1;
}

/* number_after - the number right after word in s, or -1 */
static int number_after(const char *s, const char *word,
			unsigned long long *v_r)
{
	const char *p = strstr(s, word);
	char *end;

	if (!p)
		return -1;
	p += strlen(word);
	if (*p < '0' || *p > '9')
		return -1;
	*v_r = strtoull(p, &end, 10);
	return 0;
}

/* parse_final - total, hidden and offset of "OK N entries, ..." */
static int parse_final(struct cn_listing *l, const char *final)
{
	char *end;

	if (final[2] != ' ' || final[3] < '0' || final[3] > '9')
		return -1;
	l->total = strtoull(final + 3, &end, 10);
	if (strncmp(end, l->table == CN_ENTRIES ? " entries" : " messages",
		    l->table == CN_ENTRIES ? 8 : 9) != 0)
		return -1;
	if (l->table == CN_ENTRIES && number_after(end, ", ", &l->hidden))
		return -1;
	if (number_after(end, ", offset ", &l->offset))
		l->offset = 0;
	return 0;
}

/* check_row - the fields of one row: count, id, numbers; unescaped */
static int check_row(enum cn_table t, char **f, size_t nf)
{
	size_t want = t == CN_ENTRIES ? E_FIELDS : Q_FIELDS, k;
	size_t first_text = t == CN_ENTRIES ? E_FROM : Q_FROM;

	if (nf != want || !cn_check_id(t, f[0]))
		return -1;
	for (k = 1; k < first_text; k++)
		if (!ctl_is_number(f[k]))
			return -1;
	for (k = first_text; k < want; k++)
		ctl_unescape(f[k]);
	return 0;
}

/* fail - the error of a reply that does not fit */
static int fail(char *err, size_t errsize, const char *what, size_t line)
{
	snprintf(err, errsize, "unexpected %s from the daemon (line %zu)",
		 what, line);
	return -1;
}

/* daemon_err - an ERR reply's own text */
static int daemon_err(const struct ctl_reply *reply, char *err,
		      size_t errsize)
{
	if (cn_final_ok(reply->final) == 0)
		snprintf(err, errsize, "%s", reply->final[3] ? reply->final + 4 :
			 "the daemon refused");
	else
		snprintf(err, errsize, "unexpected reply from the daemon");
	return -1;
}

/* cn_listing_parse - the rows and the final line of list or queue */
int cn_listing_parse(struct cn_listing *l, enum cn_table t,
		     struct ctl_reply *reply, char *err, size_t errsize)
{
	char *f[E_FIELDS + 1];
	size_t i, nf;

	memset(l, 0, sizeof(*l));
	l->table = t;
	if (cn_final_ok(reply->final) != 1)
		return daemon_err(reply, err, errsize);
	if (parse_final(l, reply->final) != 0)
		return fail(err, errsize, "final line", reply->n + 1);
	if (reply->n && !(l->rows = calloc(reply->n, sizeof(*l->rows)))) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	for (i = 0; i < reply->n; i++) {
		nf = ctl_split(reply->lines[i], f, E_FIELDS + 1);
		if (t == CN_ENTRIES && strcmp(f[0], "fallback") == 0) {
			if (nf != 4 || !ctl_is_number(f[3]))
				break;
			ctl_unescape(f[1]);
			ctl_unescape(f[2]);
			memcpy(l->fallback, f + 1, sizeof(l->fallback));
			continue;
		}
		if (check_row(t, f, nf) != 0)
			break;
		memcpy(l->rows[l->n++], f, sizeof(*l->rows));
	}
	if (i < reply->n) {
		cn_listing_free(l);
		return fail(err, errsize, "row", i + 1);
	}
	return 0;
}

/* cn_listing_free - the rows (not the reply they point into) */
void cn_listing_free(struct cn_listing *l)
{
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

/* grow - room for one more element of size sz in *arr */
static int grow(void *arr, size_t n, size_t sz)
{
	void **p = arr, *grown;

	/* the room doubles at 8, 16, 32, ... */
	if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
		return 0;
	if ((grown = realloc(*p, (n == 0 ? 8 : n * 2) * sz)) == NULL)
		return -1;
	*p = grown;
	return 0;
}

/* is_name - a stats name: lower-case letters, digits and _ */
static int is_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n > 0 && n <= 64 && s[n] == 0;
}

/* stats_line - one line into s: 0, or -1 out of memory */
static int stats_line(struct cn_stats *s, char **f, size_t nf)
{
	if ((strcmp(f[0], "action") == 0 || strcmp(f[0], "counter") == 0) &&
	    nf == 4 && ctl_is_number(f[3])) {
		int action = f[0][0] == 'a';
		struct cn_stat3 **arr = action ? &s->actions : &s->counters;
		size_t *n = action ? &s->nactions : &s->ncounters;

		if (grow(arr, *n, sizeof(**arr)) != 0)
			return -1;
		ctl_unescape(f[1]);
		ctl_unescape(f[2]);
		(*arr)[*n].a = f[1];
		(*arr)[*n].b = f[2];
		(*arr)[(*n)++].count = f[3];
		return 0;
	}
	if (strcmp(f[0], "source") == 0 && nf >= 5) {
		if (grow(&s->sources, s->nsources, sizeof(*s->sources)) != 0)
			return -1;
		ctl_unescape(f[1]);
		ctl_unescape(f[2]);
		ctl_unescape(f[3]);
		s->sources[s->nsources].spec = f[1];
		s->sources[s->nsources].kind = f[2];
		s->sources[s->nsources].state = f[3];
		s->sources[s->nsources++].entries = f[4];
		return 0;
	}
	if (nf == 2 && is_name(f[0])) {
		if (grow(&s->vals, s->nvals, sizeof(*s->vals)) != 0)
			return -1;
		ctl_unescape(f[1]);
		s->vals[s->nvals].name = f[0];
		s->vals[s->nvals++].value = f[1];
	}
	return 0;
}

/* cn_stats_parse - the lines of a stats reply */
int cn_stats_parse(struct cn_stats *s, struct ctl_reply *reply,
		   char *err, size_t errsize)
{
	char *f[12];
	size_t i, nf;

	memset(s, 0, sizeof(*s));
	if (cn_final_ok(reply->final) != 1)
		return daemon_err(reply, err, errsize);
	for (i = 0; i < reply->n; i++) {
		nf = ctl_split(reply->lines[i], f, 12);
		if (stats_line(s, f, nf) != 0) {
			cn_stats_free(s);
			snprintf(err, errsize, "out of memory");
			return -1;
		}
	}
	if (!cn_stats_get(s, "uptime")) {
		cn_stats_free(s);
		return fail(err, errsize, "stats reply", reply->n + 1);
	}
	return 0;
}

/* cn_stats_get - the value of a name/value line */
const char *cn_stats_get(const struct cn_stats *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nvals; i++)
		if (strcmp(s->vals[i].name, name) == 0)
			return s->vals[i].value;
	return NULL;
}

/* cn_stats_plugin - the slot of a plugin, added when new */
struct cn_plugin_count *cn_stats_plugin(struct cn_stats *s, const char *name)
{
	size_t i;

	if (!cn_check_plugin(name))
		return NULL;
	for (i = 0; i < s->nplugins; i++)
		if (strcmp(s->plugins[i].name, name) == 0)
			return &s->plugins[i];
	if (s->nplugins == CN_PLUGINS_MAX)
		return NULL;
	snprintf(s->plugins[i].name, sizeof(s->plugins[i].name), "%s", name);
	s->plugins[i].entries = -1;
	return &s->plugins[s->nplugins++];
}

/* cn_stats_plugins - the plugins named by actions and counters */
void cn_stats_plugins(struct cn_stats *s)
{
	size_t i;

	for (i = 0; i < s->nactions; i++)
		cn_stats_plugin(s, s->actions[i].a);
	for (i = 0; i < s->ncounters; i++)
		cn_stats_plugin(s, s->counters[i].a);
}

/* cn_stats_free - what cn_stats_parse allocated */
void cn_stats_free(struct cn_stats *s)
{
	free(s->vals);
	free(s->actions);
	free(s->counters);
	free(s->sources);
	memset(s, 0, sizeof(*s));
}
