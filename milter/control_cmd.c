/*
 * NAME
 *	control_cmd.c - parse a control request and write its reply
 * SYNOPSIS
 *	#include "control_cmd.h"
 *
 *	rc = lg_ctl_handle(&env, line, len, out, arg);
 * DESCRIPTION
 *	The protocol is described in control_cmd.h. A request is checked
 *	as a whole first (length, bytes, UTF-8), then split into words and
 *	dispatched. Reply lines are built in one growing buffer and handed
 *	to the caller's out function one at a time, so a long listing is
 *	streamed rather than held in memory.
 * DIAGNOSTICS
 *	Every refusal is one "ERR command: what is wrong" line; words from
 *	the request are echoed cut short, so the reply stays printable.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_cmd.h"
#include "log.h"
#include "session.h"

#define MAX_WORDS	512
#define ECHO_MAX	64

/* One request being answered. */
struct request {
	const struct lg_ctl_env *env;
	lg_ctl_out_fn out;
	void *arg;
	char *buf;		/* the line being built */
	size_t len, cap;
	int nomem;
	int gone;		/* out() gave up: produce nothing more */
	char echo[ECHO_MAX + 8];
};

/* The options of list and remove. */
struct opts {
	const char *plugin;
	const char *match;
	int all;
	char **args;		/* the words that are not options */
	size_t nargs;
};

/* add - append n bytes to the line being built */
static void add(struct request *rq, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (rq->nomem)
		return;
	if (rq->len + n + 1 > rq->cap) {
		cap = rq->cap ? rq->cap : 1024;
		while (cap < rq->len + n + 1)
			cap *= 2;
		if ((grown = realloc(rq->buf, cap)) == NULL) {
			rq->nomem = 1;
			return;
		}
		rq->buf = grown;
		rq->cap = cap;
	}
	memcpy(rq->buf + rq->len, s, n);
	rq->len += n;
	rq->buf[rq->len] = 0;
}

/* addf - append formatted text */
static void addf(struct request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void addf(struct request *rq, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= 0)
		add(rq, small, (size_t) n < sizeof(small) ? (size_t) n :
		    sizeof(small) - 1);
}

/* add_field - a tab, then text escaped so the row stays one line */
static void add_field(struct request *rq, const char *s)
{
	const unsigned char *p = (const unsigned char *) (s ? s : "");
	char esc[8];

	add(rq, "\t", 1);
	for (; *p; p++) {
		if (*p == '\\')
			add(rq, "\\\\", 2);
		else if (*p == '\t')
			add(rq, "\\t", 2);
		else if (*p == '\n')
			add(rq, "\\n", 2);
		else if (*p == '\r')
			add(rq, "\\r", 2);
		else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			add(rq, esc, 4);
		} else
			add(rq, (const char *) p, 1);
	}
}

/* emit - hand the line built so far to out, and start a new one */
static int emit(struct request *rq)
{
	if (rq->nomem) {
		lg_log(LG_LOG_ERROR, "control: out of memory for a reply");
		rq->gone = 1;
	}
	if (!rq->gone && rq->out(rq->arg, rq->buf ? rq->buf : "", rq->len))
		rq->gone = 1;
	rq->len = 0;
	return rq->gone ? -1 : 0;
}

/* reply - the final line: "OK text" (ok) or "ERR text"; returns 0/-1 */
static int reply(struct request *rq, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int reply(struct request *rq, int ok, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rq->len = 0;
	add(rq, ok ? "OK" : "ERR", ok ? 2 : 3);
	if (*text) {
		add(rq, " ", 1);
		add(rq, text, strlen(text));
	}
	if (emit(rq) != 0)
		return -1;
	return ok ? 0 : -1;
}

/* echo - a word of the request, cut at a character boundary */
static const char *echo(struct request *rq, const char *word)
{
	size_t n = strlen(word);

	if (n <= ECHO_MAX)
		return word;
	n = ECHO_MAX;
	while (n > 0 && ((unsigned char) word[n] & 0xc0) == 0x80)
		n--;
	memcpy(rq->echo, word, n);
	memcpy(rq->echo + n, "...", 4);
	return rq->echo;
}

/* utf8_len - length of the UTF-8 sequence at p (0: invalid) */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	uint32_t c;

	if (*p < 0xc2 || *p > 0xf4)
		return 0;
	n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
	if ((size_t) (end - p) < n)
		return 0;
	c = *p & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

/* check_bytes - printable ASCII and well-formed UTF-8 only */
static int check_bytes(struct request *rq, const char *line, size_t len)
{
	const unsigned char *p = (const unsigned char *) line;
	const unsigned char *end = p + len;
	size_t n;

	while (p < end) {
		if (*p < 0x20 || *p == 0x7f)
			return reply(rq, 0, "request has a control byte 0x%02x at offset %zu",
				     *p, (size_t) (p - (const unsigned char *) line));
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = utf8_len(p, end)) == 0)
			return reply(rq, 0, "request is not valid UTF-8 at offset %zu",
				     (size_t) (p - (const unsigned char *) line));
		p += n;
	}
	return 0;
}

/* parse_opts - --plugin NAME, --match PATTERN, --all, and the rest */
static int parse_opts(struct request *rq, const char *cmd, char **w,
		      size_t n, struct opts *o)
{
	const char **slot;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->args = w;
	for (i = 0; i < n; i++) {
		if (w[i][0] != '-') {
			o->args[o->nargs++] = w[i];
			continue;
		}
		if (strcmp(w[i], "--all") == 0) {
			if (o->all)
				return reply(rq, 0, "%s: --all given twice", cmd);
			o->all = 1;
			continue;
		}
		if (strcmp(w[i], "--plugin") == 0)
			slot = &o->plugin;
		else if (strcmp(w[i], "--match") == 0)
			slot = &o->match;
		else
			return reply(rq, 0, "%s: unknown option %s", cmd,
				     echo(rq, w[i]));
		if (*slot)
			return reply(rq, 0, "%s: %s given twice", cmd, w[i]);
		if (i + 1 == n)
			return reply(rq, 0, "%s: %s needs a value", cmd, w[i]);
		*slot = w[++i];
	}
	return 0;
}

/* matches - the filters of list and bulk remove; 1 = selected */
static int matches(const struct opts *o, const struct lg_store_record *rec)
{
	const char *f[4];
	size_t i;

	if (o->plugin && strcmp(o->plugin, rec->plugin ? rec->plugin : "") != 0)
		return 0;
	if (!o->match)
		return 1;
	f[0] = rec->from;
	f[1] = rec->to;
	f[2] = rec->client;
	f[3] = rec->key;
	for (i = 0; i < 4; i++)
		if (f[i] && fnmatch(o->match, f[i], FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

/* hidden - an entry with no status is a plugin's bookkeeping */
static int hidden(const struct lg_store_record *rec)
{
	return !rec->status || !*rec->status;
}

/* lg_ctl_entry_id - first 10 hex digits of the key's 64-bit FNV-1a */
void lg_ctl_entry_id(const char *key, char id_r[LG_CTL_ID_LEN + 1])
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *) key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	snprintf(id_r, LG_CTL_ID_LEN + 1, "%010llx",
		 (unsigned long long) (h >> (64 - 4 * LG_CTL_ID_LEN)));
}

/* State of a list or remove walk over the store. */
struct walk {
	struct request *rq;
	const struct opts *o;
	size_t shown, skipped;
	char **keys;		/* remove: the keys to delete */
	size_t nkeys, capkeys;
	char *found;		/* remove by id: one flag per id */
	int nomem;
};

/* list_one - one row, or count it as hidden */
static int list_one(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;
	struct request *rq = wk->rq;
	char id[LG_CTL_ID_LEN + 1];

	if (!matches(wk->o, rec))
		return 0;
	if (hidden(rec) && !wk->o->all) {
		wk->skipped++;
		return 0;
	}
	lg_ctl_entry_id(rec->key, id);
	rq->len = 0;
	add(rq, id, LG_CTL_ID_LEN);
	addf(rq, "\t%lld\t%lld\t%lld\t%lld", (long long) rec->created,
	     (long long) rec->expires, rec->count, rec->size);
	add_field(rq, rec->from);
	add_field(rq, rec->to);
	add_field(rq, rec->client);
	add_field(rq, rec->plugin);
	add_field(rq, rec->status);
	add_field(rq, rec->key);
	wk->shown++;
	return emit(rq) != 0;
}

/* cmd_list - list [--plugin NAME] [--match PATTERN] [--all] */
static int cmd_list(struct request *rq, char **w, size_t n)
{
	struct lg_store *st = rq->env->store;
	struct walk wk;
	struct opts o;
	int rc;

	if (parse_opts(rq, "list", w, n, &o) != 0)
		return -1;
	if (o.nargs)
		return reply(rq, 0, "list: unexpected argument %s",
			     echo(rq, o.args[0]));
	if (!st || !st->ops)
		return reply(rq, 0, "list: no store is open");
	memset(&wk, 0, sizeof(wk));
	wk.rq = rq;
	wk.o = &o;
	rc = st->ops->scan(st->be, "", rq->env->now, list_one, &wk);
	if (rq->gone)
		return -1;
	if (rc != 0)
		return reply(rq, 0, "list: the store failed (see the log)");
	return reply(rq, 1, "%zu entries, %zu hidden", wk.shown, wk.skipped);
}

/* keep_key - remember a key to delete once the walk is over */
static int keep_key(struct walk *wk, const char *key)
{
	char **grown;

	if (wk->nkeys == wk->capkeys) {
		wk->capkeys = wk->capkeys ? wk->capkeys * 2 : 64;
		grown = realloc(wk->keys, wk->capkeys * sizeof(*grown));
		if (!grown) {
			wk->nomem = 1;
			return 1;
		}
		wk->keys = grown;
	}
	if ((wk->keys[wk->nkeys] = strdup(key)) == NULL) {
		wk->nomem = 1;
		return 1;
	}
	wk->nkeys++;
	return 0;
}

/* pick_bulk - remove --all / --match: what list would show */
static int pick_bulk(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;

	if (hidden(rec) || !matches(wk->o, rec))
		return 0;
	return keep_key(wk, rec->key);
}

/* pick_ids - remove ID...: any entry whose id was asked for */
static int pick_ids(void *arg, const struct lg_store_record *rec)
{
	struct walk *wk = arg;
	char id[LG_CTL_ID_LEN + 1];
	size_t i;
	int hit = 0;

	lg_ctl_entry_id(rec->key, id);
	for (i = 0; i < wk->o->nargs; i++)
		if (strcasecmp(id, wk->o->args[i]) == 0) {
			wk->found[i] = 1;
			hit = 1;
		}
	return hit ? keep_key(wk, rec->key) : 0;
}

/* check_id - exactly LG_CTL_ID_LEN hex digits */
static int check_id(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!strchr("0123456789abcdefABCDEF", id[i]))
			return -1;
	return i == LG_CTL_ID_LEN ? 0 : -1;
}

/* finish_remove - delete the kept keys, then the final line */
static int finish_remove(struct request *rq, struct walk *wk, int scan_rc,
			 const char *what)
{
	struct lg_store *st = rq->env->store;
	size_t i, removed = 0, missing = 0, first = 0;

	for (i = 0; i < wk->nkeys; i++) {
		if (!wk->nomem && scan_rc == 0 && st->ops->del(st->be, wk->keys[i]) == 0)
			removed++;
		free(wk->keys[i]);
	}
	free(wk->keys);
	if (removed)
		lg_log(LG_LOG_INFO, "control: %s removed %zu entries (%s)",
		       rq->env->who ? rq->env->who : "client", removed, what);
	if (wk->nomem)
		return reply(rq, 0, "remove: out of memory; nothing removed");
	if (scan_rc != 0)
		return reply(rq, 0, "remove: the store failed (see the log); nothing removed");
	for (i = 0; wk->found && i < wk->o->nargs; i++)
		if (!wk->found[i] && missing++ == 0)
			first = i;
	if (missing)
		return reply(rq, 0, "remove: no entry with id %s%s (%zu removed)",
			     wk->o->args[first], missing > 1 ? " and others" : "",
			     removed);
	return reply(rq, 1, "%zu removed", removed);
}

/* cmd_remove - remove ID... | --all | --match PATTERN [--plugin NAME] */
static int cmd_remove(struct request *rq, char **w, size_t n)
{
	struct lg_store *st = rq->env->store;
	struct walk wk;
	struct opts o;
	size_t i;
	int rc;

	if (parse_opts(rq, "remove", w, n, &o) != 0)
		return -1;
	if (o.nargs && (o.all || o.match || o.plugin))
		return reply(rq, 0, "remove: give ids, or --all, or --match PATTERN, not both");
	if (!o.nargs && !o.all && !o.match)
		return reply(rq, 0, "remove: give ids, --all or --match PATTERN");
	if (o.all && o.match)
		return reply(rq, 0, "remove: --all and --match exclude each other");
	for (i = 0; i < o.nargs; i++)
		if (check_id(o.args[i]) != 0)
			return reply(rq, 0, "remove: bad id %s (ids are %d hex digits, as list shows them)",
				     echo(rq, o.args[i]), LG_CTL_ID_LEN);
	if (!st || !st->ops)
		return reply(rq, 0, "remove: no store is open");
	memset(&wk, 0, sizeof(wk));
	wk.rq = rq;
	wk.o = &o;
	if (o.nargs) {
		if ((wk.found = calloc(o.nargs, 1)) == NULL)
			return reply(rq, 0, "remove: out of memory");
		rc = st->ops->scan(st->be, "", rq->env->now, pick_ids, &wk);
	} else
		rc = st->ops->scan(st->be, "", rq->env->now, pick_bulk, &wk);
	rc = finish_remove(rq, &wk, rc, o.nargs ? "by id" : o.all ? "--all" :
			   echo(rq, o.match));
	free(wk.found);
	return rc;
}

/* stat_line - "name<TAB>value" */
static int stat_line(struct request *rq, const char *name,
		     unsigned long long value)
{
	rq->len = 0;
	addf(rq, "%s\t%llu", name, value);
	return emit(rq);
}

/* action_line - one per-plugin action count */
static void action_line(void *arg, const char *plugin, const char *action,
			unsigned long long count)
{
	struct request *rq = arg;

	if (rq->gone)
		return;
	rq->len = 0;
	add(rq, "action", 6);
	add_field(rq, plugin);
	add_field(rq, action);
	addf(rq, "\t%llu", count);
	emit(rq);
}

/* cmd_stats - store size, counters, actions, uptime, version */
static int cmd_stats(struct request *rq, char **w, size_t n)
{
	const struct lg_ctl_env *env = rq->env;
	struct lg_store_stats ss;
	struct lg_counters c;
	time_t up;

	(void) w;
	if (n)
		return reply(rq, 0, "stats: unexpected argument %s",
			     echo(rq, w[0]));
	rq->len = 0;
	add(rq, "version", 7);
	add_field(rq, env->version ? env->version : "unknown");
	emit(rq);
	up = env->started && env->now > env->started ?
		env->now - env->started : 0;
	stat_line(rq, "uptime", (unsigned long long) up);
	if (env->store && env->store->ops && env->store->ops->stats) {
		memset(&ss, 0, sizeof(ss));
		env->store->ops->stats(env->store->be, &ss);
		stat_line(rq, "entries", ss.entries);
		stat_line(rq, "bytes", ss.bytes);
		stat_line(rq, "evicted", ss.evicted);
	}
	lg_counters_get(&c);
	stat_line(rq, "connections", c.connections);
	stat_line(rq, "messages", c.messages);
	stat_line(rq, "recipients", c.recipients);
	stat_line(rq, "unknown", c.unknown_recipients);
	stat_line(rq, "errors", c.errors);
	lg_action_counts(action_line, rq);
	if (rq->gone)
		return -1;
	return reply(rq, 1, "%s", "");
}

/* cmd_reload - the same as SIGUSR1 */
static int cmd_reload(struct request *rq, char **w, size_t n)
{
	if (n)
		return reply(rq, 0, "reload: unexpected argument %s",
			     echo(rq, w[0]));
	if (!rq->env->reload)
		return reply(rq, 0, "reload: not available");
	lg_log(LG_LOG_INFO, "control: %s asked for a reload",
	       rq->env->who ? rq->env->who : "client");
	rq->env->reload();
	return reply(rq, 1, "reload requested; the log tells the outcome");
}

/* dispatch - split into words and run the command */
static int dispatch(struct request *rq, char *text)
{
	static const struct {
		const char *name;
		int (*fn)(struct request *, char **, size_t);
	} cmds[] = {
		{ "list", cmd_list },
		{ "remove", cmd_remove },
		{ "stats", cmd_stats },
		{ "reload", cmd_reload },
	};
	char *w[MAX_WORDS], *p = text;
	size_t n = 0, i;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (n == MAX_WORDS)
			return reply(rq, 0, "request has more than %d words",
				     MAX_WORDS);
		w[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
	}
	if (n == 0)
		return reply(rq, 0, "empty request (commands: list, remove, stats, reload)");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(w[0], cmds[i].name) == 0)
			return cmds[i].fn(rq, w + 1, n - 1);
	return reply(rq, 0, "unknown command %s (commands: list, remove, stats, reload)",
		     echo(rq, w[0]));
}

/* lg_ctl_handle - check, parse and answer one request line */
int lg_ctl_handle(const struct lg_ctl_env *env, const char *line, size_t len,
		  lg_ctl_out_fn out, void *arg)
{
	struct request rq;
	char text[LG_CTL_LINE_MAX + 1];
	int rc;

	memset(&rq, 0, sizeof(rq));
	rq.env = env;
	rq.out = out;
	rq.arg = arg;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > LG_CTL_LINE_MAX)
		rc = reply(&rq, 0, "line too long (at most %d bytes)",
			   LG_CTL_LINE_MAX);
	else if ((rc = check_bytes(&rq, line, len)) == 0) {
		memcpy(text, line, len);
		text[len] = 0;
		rc = dispatch(&rq, text);
	}
	free(rq.buf);
	return rc;
}
