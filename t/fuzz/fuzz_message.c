/*
 * NAME
 *	fuzz_message - libFuzzer harness for a whole message through the core
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_message [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	The input is an SMTP transaction written as text (message_txn.c
 *	reads it):
 *
 *	    client 198.51.100.25	(the client's address; default
 *	    helo mx.example.net		 192.0.2.1, "client" alone: a unix
 *	    macro {auth_authen} alice	 socket)
 *	    from <>
 *	    rcpt <postmaster@example.com>
 *	    repeat 3			(send the message 1..5 times)
 *	    chunk 512			(body chunk size, 1..65535)
 *	    config 1			(0: enforce, 1: report and reject)
 *	    refuse			(the MTA refuses every edit)
 *	    DATA
 *	    Header: value
 *	     folded on
 *
 *	    body ...
 *
 *	Unknown envelope lines are ignored; without a DATA line there are
 *	no headers and no body. Folded header lines reach the session
 *	joined by "\n", as libmilter hands them over. A line "--next--"
 *	starts another transaction, in a new connection, with the same
 *	store (so a bounce can answer a message sent just before); at
 *	most four.
 *
 *	A session of the real core (lg_session_*) runs it against the
 *	fuzz build's five plugins (bounce, repeat, harvest, autoreply,
 *	catchall) with a fresh memory store, a frozen clock, DKIM keys
 *	from a file (never DNS) and an outbox in the temp dir, emptied
 *	after each input. This covers the bounce plugin's capture and MIME
 *	walk with DKIM verification of the returned original (the core's
 *	header unfolding in dkim_buffer.c), the autoreply plugin's header
 *	reading and reply composition, and the core's edit planning.
 *
 *	Checked besides memory errors and leaks: an edit never adds a
 *	header line that is not a fold, or a recipient with blanks or
 *	controls; only recipients the message has are deleted; a message
 *	that goes on is never left without a recipient; when the MTA
 *	refuses an edit the message is tempfailed (on_error); the reply of
 *	a reject or tempfail is a 5xx or 4xx on one line.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "fuzz_util.h"
#include "host.h"
#include "mailer.h"
#include "message_txn.h"
#include "outbox.h"
#include "session.h"
#include "session_impl.h"
#include "settings.h"
#include "store.h"
#include "store_memory.h"

#define T0		1700000000
#define MAX_TXNS	4
#define SEPARATOR	"\n--next--\n"

static struct lg_config *configs[TXN_CONFIGS];
static struct lg_outbox *outbox;

/* What the sink saw of one message's edits. */
struct seen {
	const struct txn *t;
	size_t added, deleted;
	int refused;		/* an edit was refused */
	char *adds[MAX_RCPTS + 16];
	const char **live_raw;	/* the raw forms of the live recipients */
	size_t n_live;
};

/* config_text - the harness's config, enforcing (0) or reporting (1) */
static const char *config_text(int which)
{
	static char text[2048];

	snprintf(text, sizeof(text),
		 "plugin_dir = \"%s\";\n"
		 "local_domains = [ \"example.com\", \"example.org\" ];\n"
		 "recipients = [ \"recipients\" ];\n"
		 "recipient_delimiter = \"+\";\n"
		 "trusted_networks = [ \"127.0.0.0/8\", \"::1\" ];\n"
		 "dkim_keys = \"keys\";\n"
		 "plugins = (\n"
		 " { name = \"bounce\"; action = \"%s\"; max_loops = 1; },\n"
		 " { name = \"repeat\"; threshold = 2; action = \"discard\"; %s },\n"
		 " { name = \"harvest\"; threshold = 3; prefix4 = 24; %s },\n"
		 " { name = \"autoreply\"; template = \"%s\";\n"
		 "   trust = [ \"auth\", \"networks\", \"dkim\" ]; interval = \"1h\"; },\n"
		 " { name = \"catchall\"; reject = [ \"leaked@example.com\" ]; %s }\n"
		 ");\n",
		 fz_plugin_dir(), which ? "reject" : "tag",
		 which ? "mode = \"report\";" : "",
		 which ? "action = \"reject\"; mode = \"report\";" : "",
		 fz_path("autoreply.txt"), which ? "mode = \"report\";" : "");
	return text;
}

/* LLVMFuzzerInitialize - configs, plugins, outbox, clock */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[1024], name[32];
	const char *path;
	int i;

	(void) argc;
	(void) argv;
	fz_log_setup();
	lg_clock_set(T0);
	fz_site();
	for (i = 0; i < TXN_CONFIGS; i++) {
		snprintf(name, sizeof(name), "message%d.conf", i);
		path = config_text(i);
		path = fz_file(name, path, strlen(path));
		if (lg_config_load(path, &(struct lg_config_opts){ NULL, 0, lg_host_get() }, &configs[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz: %s\n", err);
			abort();
		}
	}
	outbox = lg_outbox_open(fz_path("outbox"), err, sizeof(err));
	if (!outbox)
		abort();
	lg_mailer_set_outbox(outbox);
	fz_log_reset();
	return 0;
}

/* check_text - an address or header part: no controls, no blanks
 * unless allowed (folds are checked by the caller) */
static void check_text(const char *what, const char *s, int blanks)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++)
		FZ_CHECK((*p >= 0x20 && *p != 0x7f && (blanks || *p != ' ')) ||
			 (blanks && (*p == '\t' || *p == '\n')),
			 "%s \"%s\": byte 0x%02x", what, s, *p);
}

/* check_value - a header value: every line after the first a fold */
static void check_value(const char *name, const char *value)
{
	const char *p;

	check_text("header value", value, 1);
	for (p = value; (p = strchr(p, '\n')) != NULL; p++)
		FZ_CHECK(p[1] == ' ' || p[1] == '\t',
			 "header %s: a line that is not a fold: \"%s\"", name,
			 value);
	FZ_CHECK(*name && !strpbrk(name, ": \t"), "header name \"%s\"", name);
	check_text("header name", name, 0);
}

/* refuse - the MTA says no to this edit when the input asks so */
static int refuse(void *arg)
{
	struct seen *sn = arg;

	if (sn->t->refuse)
		sn->refused = 1;
	return sn->t->refuse;
}

/* sink_macro - the input's macros */
static const char *sink_macro(void *arg, const char *name)
{
	const struct seen *sn = arg;
	size_t i;

	for (i = 0; i < sn->t->n_macros; i++)
		if (strcmp(sn->t->macro_name[i], name) == 0)
			return sn->t->macro_value[i];
	return NULL;
}

/* sink_add_rcpt - a clean address, added once */
static int sink_add_rcpt(void *arg, const char *addr)
{
	struct seen *sn = arg;
	size_t i;

	check_text("added recipient", addr, 0);
	FZ_CHECK(strchr(addr, '@'), "added recipient \"%s\" has no @", addr);
	for (i = 0; i < sn->added; i++)
		FZ_CHECK(strcasecmp(sn->adds[i], addr) != 0,
			 "recipient %s added twice", addr);
	if (refuse(sn))
		return -1;
	if (sn->added < sizeof(sn->adds) / sizeof(sn->adds[0]))
		sn->adds[sn->added++] = strdup(addr);
	return 0;
}

/* sink_del_rcpt - one of the message's live recipients, once */
static int sink_del_rcpt(void *arg, const char *raw)
{
	struct seen *sn = arg;
	size_t i;

	for (i = 0; i < sn->n_live; i++)
		if (sn->live_raw[i] && strcmp(sn->live_raw[i], raw) == 0)
			break;
	FZ_CHECK(i < sn->n_live, "deleted recipient %s is not (or no longer) one of the message's",
		 raw);
	if (refuse(sn))
		return -1;
	sn->live_raw[i] = NULL;		/* deleted once */
	sn->deleted++;
	return 0;
}

/* sink_add_header - a clean header */
static int sink_add_header(void *arg, const char *name, const char *value)
{
	check_value(name, value);
	return refuse(arg) ? -1 : 0;
}

/* sink_change_header - a clean header, an index from 1 */
static int sink_change_header(void *arg, const char *name, int n,
			      const char *value)
{
	FZ_CHECK(n >= 1, "change header %s index %d", name, n);
	if (value)
		check_value(name, value);
	return refuse(arg) ? -1 : 0;
}

/* sink_quarantine - a reason without controls */
static int sink_quarantine(void *arg, const char *reason)
{
	check_text("quarantine reason", reason, 1);
	return refuse(arg) ? -1 : 0;
}

/* sink_change_sender - an address without controls */
static int sink_change_sender(void *arg, const char *addr)
{
	check_text("new sender", addr, 0);
	return refuse(arg) ? -1 : 0;
}

static const struct lg_edit_sink sink = {
	sink_macro, sink_add_rcpt, sink_del_rcpt, sink_add_header,
	sink_change_header, sink_quarantine, sink_change_sender
};

/* check_reply - the reply of a reject or tempfail (when there is one:
 * without, the MTA says its own) fits the verdict, on one line */
static void check_reply(struct lg_ctx *s, enum lg_verdict v)
{
	const struct lg_reply *r = lg_session_reply(s);

	if ((v != LG_REJECT && v != LG_TEMPFAIL) || !r)
		return;
	FZ_CHECK(strlen(r->rcode) == 3 &&
		 r->rcode[0] == (v == LG_REJECT ? '5' : '4'),
		 "%s with rcode \"%s\"", lg_verdict_name(v), r->rcode);
	check_text("reply text", r->text, 1);
	FZ_CHECK(!strchr(r->text, '\n'), "reply text of several lines");
}

/* one_message - MAIL to end of message; stops at a terminal verdict */
static void one_message(struct lg_ctx *s, const struct txn *t,
			struct seen *sn)
{
	enum lg_verdict v;
	size_t i, off, n;
	const char *raw[MAX_RCPTS];

	for (i = 0; i < sn->added; i++)
		free(sn->adds[i]);
	sn->added = sn->deleted = sn->n_live = 0;
	sn->refused = 0;
	sn->live_raw = raw;
	if ((v = lg_session_envfrom(s, t->from ? t->from : "")) != LG_CONTINUE)
		goto end;
	for (i = 0; i < t->n_rcpts; i++) {
		v = lg_session_envrcpt(s, t->rcpt[i]);
		check_reply(s, v);
		if (v == LG_ACCEPT || v == LG_DISCARD)
			goto end;
	}
	for (i = 0; i < t->n_headers; i++)
		if ((v = lg_session_header(s, t->hname[i], t->hvalue[i])) !=
		    LG_CONTINUE)
			goto end;
	if ((v = lg_session_eoh(s)) != LG_CONTINUE)
		goto end;
	for (off = 0; t->body && off < t->body_len; off += n) {
		n = t->body_len - off < t->chunk ? t->body_len - off : t->chunk;
		if ((v = lg_session_body(s, t->body + off, n)) != LG_CONTINUE)
			goto end;
	}
	/* the recipients the message has, as the MTA would tell them */
	for (i = 0; i < s->n_rcpts; i++)
		if (!s->rcpts[i]->refused && !s->rcpts[i]->mta_rejected)
			raw[sn->n_live++] = s->rcpts[i]->raw;
	n = sn->n_live;
	v = lg_session_eom(s);
	FZ_CHECK(!sn->refused || v == s->cfg->on_error,
		 "an edit was refused, yet the verdict is %s",
		 lg_verdict_name(v));
	if ((v == LG_CONTINUE || v == LG_ACCEPT) && n > 0 && !sn->refused)
		FZ_CHECK(n - sn->deleted + sn->added > 0,
			 "%zu recipients, %zu deleted, %zu added: none left", n,
			 sn->deleted, sn->added);
end:
	check_reply(s, v);
	if (s->in_message)
		lg_session_abort(s);
}

/* client_addr - the text as an address; family 0 if it is none */
static int client_addr(const char *text, unsigned char addr[16])
{
	memset(addr, 0, 16);
	if (text && inet_pton(AF_INET, text, addr) == 1)
		return 4;
	if (text && inet_pton(AF_INET6, text, addr) == 1)
		return 6;
	return 0;
}

/* drop_one - lg_outbox_list callback: the message goes */
static void drop_one(void *arg, const struct lg_outbox_item *it)
{
	lg_outbox_remove(arg, it->id);
}

/* connection - one transaction in a connection of its own */
static void connection(const uint8_t *data, size_t size)
{
	struct lg_ctx *s;
	struct seen sn;
	struct txn t;
	unsigned char addr[16];
	size_t i;
	int family, k;

	txn_parse(&t, data, size);
	memset(&sn, 0, sizeof(sn));
	sn.t = &t;
	s = lg_session_new(configs[t.config], &sink, &sn);
	if (!s)
		abort();
	family = client_addr(t.client ? t.client : "192.0.2.1", addr);
	if (lg_session_connect(s, "client.example.net", family, addr) ==
	    LG_CONTINUE &&
	    lg_session_helo(s, t.helo ? t.helo : "client.example.net") ==
	    LG_CONTINUE)
		for (k = 0; k < t.repeat; k++) {
			one_message(s, &t, &sn);
			lg_clock_advance(30);
		}
	lg_session_free(&s);
	for (i = 0; i < sn.added; i++)
		free(sn.adds[i]);
	txn_free(&t);
}

/* LLVMFuzzerTestOneInput - up to MAX_TXNS connections sharing a store */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_store_memory_opts mo = { NULL, 0, 100000, 0 };
	struct lg_store store;
	const uint8_t *next;
	char err[256];
	int n;

	lg_clock_set(T0);
	if (lg_store_memory_open(&mo, T0, &store, err, sizeof(err)) != 0)
		abort();
	lg_host_set_store(&store);
	for (n = 0; n < MAX_TXNS; n++) {
		next = n + 1 < MAX_TXNS ? memmem(data, size, SEPARATOR,
						 sizeof(SEPARATOR) - 1) : NULL;
		if (!next) {
			connection(data, size);
			break;
		}
		connection(data, (size_t) (next - data) + 1);
		size -= (size_t) (next - data) + sizeof(SEPARATOR) - 1;
		data = next + sizeof(SEPARATOR) - 1;
	}
	lg_host_set_store(NULL);
	lg_store_close(&store, T0);
	(void) lg_outbox_list(outbox, drop_one, outbox);
	fz_log_reset();
	return 0;
}
