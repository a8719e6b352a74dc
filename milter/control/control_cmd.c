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
 *	dispatched; list and remove live in control_entries.c, stats and
 *	reload here. Reply lines are built in one growing buffer and
 *	handed to the caller's out function one at a time, so a long
 *	listing is streamed rather than held in memory.
 * DIAGNOSTICS
 *	Every refusal is one "ERR command: what is wrong" line; words from
 *	the request are echoed cut short, so the reply stays printable.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "counters.h"
#include "escape.h"
#include "events.h"
#include "log.h"

/* Control socket. */
#include "control_cmd.h"
#include "control_impl.h"

#define MAX_WORDS	512

/* lg_ctl_add - append n bytes to the line being built */
void lg_ctl_add(struct lg_ctl_request *rq, const char *s, size_t n)
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

/* lg_ctl_addf - append formatted text */
void lg_ctl_addf(struct lg_ctl_request *rq, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= 0)
		lg_ctl_add(rq, small, (size_t) n < sizeof(small) ? (size_t) n :
		    sizeof(small) - 1);
}

/* lg_ctl_add_field - a tab, then text escaped so the row stays one
 * line (escape.h, the same escaping as every log line) */
void lg_ctl_add_field(struct lg_ctl_request *rq, const char *s)
{
	const char *p = s ? s : "";
	char piece[LG_ESCAPE_MAX + 1];
	size_t left = strlen(p), used, n;

	lg_ctl_add(rq, "\t", 1);
	while (left > 0) {
		n = lg_escape_one(p, left, piece, &used);
		lg_ctl_add(rq, piece, n);
		p += used;
		left -= used;
	}
}

/* lg_ctl_emit - hand the line built so far to out, and start a new one */
int lg_ctl_emit(struct lg_ctl_request *rq)
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

/* lg_ctl_reply - the final line: "OK text" (ok) or "ERR text"; returns 0/-1 */
int lg_ctl_reply(struct lg_ctl_request *rq, int ok, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rq->len = 0;
	lg_ctl_add(rq, ok ? "OK" : "ERR", ok ? 2 : 3);
	if (*text) {
		lg_ctl_add(rq, " ", 1);
		lg_ctl_add(rq, text, strlen(text));
	}
	if (lg_ctl_emit(rq) != 0)
		return -1;
	return ok ? 0 : -1;
}

/* lg_ctl_echo - a word of the request, cut at a character boundary */
const char *lg_ctl_echo(struct lg_ctl_request *rq, const char *word)
{
	size_t n = strlen(word);

	if (n <= LG_CTL_ECHO_MAX)
		return word;
	n = LG_CTL_ECHO_MAX;
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
static int check_bytes(struct lg_ctl_request *rq, const char *line, size_t len)
{
	const unsigned char *p = (const unsigned char *) line;
	const unsigned char *end = p + len;
	size_t n;

	while (p < end) {
		if (*p < 0x20 || *p == 0x7f)
			return lg_ctl_reply(rq, 0, "request has a control byte 0x%02x at offset %zu",
					    *p, (size_t) (p - (const unsigned char *) line));
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = utf8_len(p, end)) == 0)
			return lg_ctl_reply(rq, 0, "request is not valid UTF-8 at offset %zu",
					    (size_t) (p - (const unsigned char *) line));
		p += n;
	}
	return 0;
}

/* lg_ctl_parse_opts - --plugin NAME, --match PATTERN, --all, and the rest */
int lg_ctl_parse_opts(struct lg_ctl_request *rq, const char *cmd, char **w,
		      size_t n, struct lg_ctl_opts *o)
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
				return lg_ctl_reply(rq, 0, "%s: --all given twice", cmd);
			o->all = 1;
			continue;
		}
		if (strcmp(w[i], "--plugin") == 0)
			slot = &o->plugin;
		else if (strcmp(w[i], "--match") == 0)
			slot = &o->match;
		else
			return lg_ctl_reply(rq, 0, "%s: unknown option %s", cmd,
					    lg_ctl_echo(rq, w[i]));
		if (*slot)
			return lg_ctl_reply(rq, 0, "%s: %s given twice", cmd, w[i]);
		if (i + 1 == n)
			return lg_ctl_reply(rq, 0, "%s: %s needs a value", cmd, w[i]);
		*slot = w[++i];
	}
	return 0;
}

/* stat_line - "name<TAB>value" */
static int stat_line(struct lg_ctl_request *rq, const char *name,
		     unsigned long long value)
{
	rq->len = 0;
	lg_ctl_addf(rq, "%s\t%llu", name, value);
	return lg_ctl_emit(rq);
}

/* action_line - one per-plugin action count */
static void action_line(void *arg, const char *plugin, const char *action,
			unsigned long long count)
{
	struct lg_ctl_request *rq = arg;

	if (rq->gone)
		return;
	rq->len = 0;
	lg_ctl_add(rq, "action", 6);
	lg_ctl_add_field(rq, plugin);
	lg_ctl_add_field(rq, action);
	lg_ctl_addf(rq, "\t%llu", count);
	lg_ctl_emit(rq);
}

/* counter_line - one plugin's own counter */
static void counter_line(void *arg, const char *plugin, const char *name,
			 unsigned long long count)
{
	struct lg_ctl_request *rq = arg;

	if (rq->gone)
		return;
	rq->len = 0;
	lg_ctl_add(rq, "counter", 7);
	lg_ctl_add_field(rq, plugin);
	lg_ctl_add_field(rq, name);
	lg_ctl_addf(rq, "\t%llu", count);
	lg_ctl_emit(rq);
}

/* text_line - "name<TAB>text", the text escaped */
static int text_line(struct lg_ctl_request *rq, const char *name,
		     const char *text)
{
	rq->len = 0;
	lg_ctl_add(rq, name, strlen(name));
	lg_ctl_add_field(rq, text);
	return lg_ctl_emit(rq);
}

/* health_lines - the backend, its health and each store's counts */
static void health_lines(struct lg_ctl_request *rq,
			 const struct lg_store_stats *ss)
{
	const struct lg_store_health *h = &ss->health;
	char name[64];

	if (h->backend == NULL)
		return;
	text_line(rq, "backend", h->backend);
	if (h->server[0])
		text_line(rq, "server", h->server);
	text_line(rq, "health", h->down ? "down" : "up");
	if (h->down)
		stat_line(rq, "down_since", (unsigned long long)h->down_since);
	text_line(rq, "fallback", h->fallback ? "yes" : "no");
	if (ss->server_known) {
		snprintf(name, sizeof(name), "%s_entries", h->backend);
		stat_line(rq, name, ss->server_entries);
		snprintf(name, sizeof(name), "%s_bytes", h->backend);
		stat_line(rq, name, ss->server_bytes);
	}
	if (ss->has_local) {
		stat_line(rq, "fallback_entries", ss->local_entries);
		stat_line(rq, "fallback_bytes", ss->local_bytes);
	}
}

/* cmd_stats - store size, counters, actions, plugins' own counters,
 * uptime, version */
static int cmd_stats(struct lg_ctl_request *rq, char **w, size_t n)
{
	const struct lg_ctl_env *env = rq->env;
	struct lg_store_stats ss;
	struct lg_counters c;
	struct lg_reload_counts rc;
	time_t up;

	if (n)
		return lg_ctl_reply(rq, 0, "stats: unexpected argument %s",
				    lg_ctl_echo(rq, w[0]));
	rq->len = 0;
	lg_ctl_add(rq, "version", 7);
	lg_ctl_add_field(rq, env->version ? env->version : "unknown");
	lg_ctl_emit(rq);
	up = env->started && env->now > env->started ?
		env->now - env->started : 0;
	stat_line(rq, "uptime", (unsigned long long) up);
	stat_line(rq, "started", (unsigned long long) env->started);
	if (env->store && env->store->ops && env->store->ops->stats) {
		memset(&ss, 0, sizeof(ss));
		env->store->ops->stats(env->store->be, &ss);
		stat_line(rq, "entries", ss.entries);
		stat_line(rq, "bytes", ss.bytes);
		stat_line(rq, "evicted", ss.evicted);
		health_lines(rq, &ss);
	}
	lg_counters_get(&c);
	stat_line(rq, "connections", c.connections);
	stat_line(rq, "messages", c.messages);
	stat_line(rq, "recipients", c.recipients);
	stat_line(rq, "unknown", c.unknown_recipients);
	stat_line(rq, "errors", c.errors);
	lg_reload_counts(&rc);
	stat_line(rq, "reloads_ok", rc.ok);
	stat_line(rq, "reloads_failed", rc.failed);
	stat_line(rq, "last_reload", (unsigned long long) rc.last_ok);
	lg_ctl_outbox_lines(rq);
	stat_line(rq, "watchers", (unsigned long long)
		  atomic_load(&lg_events_watchers));
	lg_action_counts(action_line, rq);
	lg_named_counts(counter_line, rq);
	if (lg_named_dropped())
		stat_line(rq, "counters_dropped", lg_named_dropped());
	lg_ctl_dir_lines(rq);
	if (rq->gone)
		return -1;
	return lg_ctl_reply(rq, 1, "%s", "");
}

/* cmd_reload - the same as SIGUSR1, but the client hears the outcome */
static int cmd_reload(struct lg_ctl_request *rq, char **w, size_t n)
{
	char err[1024] = "";
	int force = n == 1 && strcmp(w[0], "--force") == 0;

	if (n > (size_t) force)
		return lg_ctl_reply(rq, 0, "reload: unexpected argument %s",
				    lg_ctl_echo(rq, w[0]));
	if (!rq->env->reload)
		return lg_ctl_reply(rq, 0, "reload: not available");
	lg_log(LG_LOG_INFO, "control: %s asked for a reload%s",
	       rq->env->who ? rq->env->who : "client",
	       force ? " (--force: recipient tables that shrank are taken)" :
	       "");
	if (rq->env->reload(force, err, sizeof(err)) != 0)
		return lg_ctl_reply(rq, 0, "reload refused, old config kept: %s",
				    err[0] ? err : "unknown error");
	return lg_ctl_reply(rq, 1, "reloaded");
}

/* take_as - "as NAME": who the request is for, named in the log */
static int take_as(struct lg_ctl_request *rq, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > LG_CTL_AS_MAX ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789._@-") != n)
		return lg_ctl_reply(rq, 0, "as: bad name (1-%d bytes of A-Z a-z 0-9 . _ @ -)",
				    LG_CTL_AS_MAX);
	rq->env_as = *rq->env;
	snprintf(rq->who_as, sizeof(rq->who_as), "%s as %s",
		 rq->env->who ? rq->env->who : "client", name);
	rq->env_as.who = rq->who_as;
	rq->env = &rq->env_as;
	return 0;
}

/* dispatch - split into words and run the command */
static int dispatch(struct lg_ctl_request *rq, char *text)
{
	static const struct {
		const char *name;
		int (*fn)(struct lg_ctl_request *, char **, size_t);
	} cmds[] = {
		{ "list", lg_ctl_list },
		{ "remove", lg_ctl_remove },
		{ "stats", cmd_stats },
		{ "reload", cmd_reload },
		{ "queue", lg_ctl_queue },
		{ "state", lg_ctl_state },
		{ "lookup", lg_ctl_lookup },
		{ "watch", lg_ctl_watch },
	};
	char *w[MAX_WORDS], *p = text;
	size_t n = 0, i;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (n == MAX_WORDS)
			return lg_ctl_reply(rq, 0, "request has more than %d words",
					    MAX_WORDS);
		w[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
	}
	if (n > 0 && strcmp(w[0], "as") == 0) {
		if (take_as(rq, n > 1 ? w[1] : "") != 0)
			return -1;
		for (i = 2; i < n; i++)
			w[i - 2] = w[i];
		n = n > 1 ? n - 2 : 0;
	}
	if (n == 0)
		return lg_ctl_reply(rq, 0, "empty request (commands: list, remove, stats, reload, queue, state, lookup, watch)");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(w[0], cmds[i].name) == 0)
			return cmds[i].fn(rq, w + 1, n - 1);
	return lg_ctl_reply(rq, 0, "unknown command %s (commands: list, remove, stats, reload, queue, state, lookup, watch)",
			    lg_ctl_echo(rq, w[0]));
}

/* lg_ctl_handle - check, parse and answer one request line */
int lg_ctl_handle(const struct lg_ctl_env *env, const char *line, size_t len,
		  lg_ctl_out_fn out, void *arg)
{
	return lg_ctl_handle_body(env, line, len, NULL, NULL, out, arg);
}

/* lg_ctl_handle_body - the same, a body readable through in */
int lg_ctl_handle_body(const struct lg_ctl_env *env, const char *line,
		       size_t len, lg_ctl_in_fn in, void *in_arg,
		       lg_ctl_out_fn out, void *arg)
{
	return lg_ctl_handle_stream(env, NULL, line, len, in, in_arg, out,
				    arg);
}

/* lg_ctl_handle_stream - the same, watch possible through stream */
int lg_ctl_handle_stream(const struct lg_ctl_env *env,
			 const struct lg_ctl_stream *stream, const char *line,
			 size_t len, lg_ctl_in_fn in, void *in_arg,
			 lg_ctl_out_fn out, void *arg)
{
	struct lg_ctl_request rq;
	char text[LG_CTL_LINE_MAX + 1];
	int rc;

	memset(&rq, 0, sizeof(rq));
	rq.env = env;
	rq.stream = stream;
	rq.in = in;
	rq.in_arg = in_arg;
	rq.out = out;
	rq.arg = arg;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > LG_CTL_LINE_MAX)
		rc = lg_ctl_reply(&rq, 0, "line too long (at most %d bytes)",
				  LG_CTL_LINE_MAX);
	else if ((rc = check_bytes(&rq, line, len)) == 0) {
		memcpy(text, line, len);
		text[len] = 0;
		rc = dispatch(&rq, text);
	}
	free(rq.buf);
	return rc;
}
