/*
 * NAME
 *	fuzz_control - libFuzzer harness for the control protocol
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_control [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	The input is one request line, handed to lg_ctl_handle() as the
 *	control socket does (a buffer of exactly its size), against a
 *	memory store seeded with a few entries (a hidden one, and one with
 *	a tab, a newline and UTF-8 in its fields) and an outbox with two
 *	waiting messages. Entries and messages that a request removed
 *	are put back before the next input, and the clock is frozen, so
 *	every input sees the same state.
 *
 *	Checked besides memory errors: every reply line is one line of
 *	valid UTF-8 without control bytes but tabs; only the last line
 *	starts with "OK" or "ERR", and the return value agrees with it;
 *	"OK N entries" counts the rows sent, or, for a page (--offset,
 *	--limit), at least those.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "control_cmd.h"
#include "counters.h"
#include "fuzz_util.h"
#include "log.h"
#include "mailer.h"
#include "outbox.h"
#include "store.h"
#include "store_memory.h"

#define T0		1700000000
#define MESSAGES	2

static struct lg_store store;
static struct lg_outbox *outbox;

/* One reply as it comes. */
struct reply {
	size_t lines;
	int last_ok, last_err;		/* of the line seen last */
	int early_final;		/* OK/ERR before the last line */
	unsigned long long entries;	/* "OK N entries" */
	int has_entries;
};

/* seed_store - the entries every input starts from */
static void seed_store(void)
{
	static const struct {
		const char *key, *plugin, *from, *to, *client, *status;
		long long count, size;
	} seeds[] = {
		{ "repeat:5f3a9c", "repeat", "alice@example.com",
		  "nobody@example.com", "192.0.2.7", "looping", 3, 5200 },
		{ "harvest:198.51.100.0/24", "harvest", "", "", "198.51.100.0/24",
		  "blocked", 25, 0 },
		{ "autoreply:bob@example.com", "autoreply", "bob@Example.COM",
		  "ghost@example.com", "2001:db8::25", "replied", 1, 800 },
		{ "sent:20231114.4B1C2D3E4F@example.com", "bounce",
		  "carol@example.com", "", "", "", 1, -1 },
		{ "repeat:odd\tkey", "repeat", "j\xc3\xbcrgen\t\"x\"\n@example.org",
		  "r\xc3\xa9sum\xc3\xa9@example.org\r", "\\192.0.2.9", "loop\x01ing",
		  7, 12 },
	};
	struct lg_store_meta m;
	size_t i;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		m.from = seeds[i].from;
		m.to = seeds[i].to;
		m.client = seeds[i].client;
		m.status = seeds[i].status;
		m.size = seeds[i].size;
		if (store.ops->set(store.be, seeds[i].key, seeds[i].count, 3600,
				   T0, seeds[i].plugin, &m) != 0)
			abort();
	}
}

/* count_item - lg_outbox_list callback */
static void count_item(void *arg, const struct lg_outbox_item *it)
{
	(void) it;
	++*(int *) arg;
}

/* seed_outbox - two waiting messages */
static void seed_outbox(void)
{
	static const char text[] = "Subject: Address not found\n\nHello.\n";
	char id[LG_OUTBOX_ID_MAX];
	int n = 0;

	if (lg_outbox_list(outbox, count_item, &n) < 0)
		abort();
	for (; n < MESSAGES; n++)
		if (lg_outbox_add(outbox, "alice@example.com", text,
				  sizeof(text) - 1, T0, id) != 0)
			abort();
}

/* LLVMFuzzerInitialize - the store, the outbox, some counters */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lg_store_memory_opts o = { NULL, 0, 0, 0 };
	char err[256];

	(void) argc;
	(void) argv;
	fz_log_setup();
	lg_clock_set(T0);
	if (lg_store_memory_open(&o, T0, &store, err, sizeof(err)) != 0)
		abort();
	seed_store();
	outbox = lg_outbox_open(fz_path("outbox"), err, sizeof(err));
	if (!outbox)
		abort();
	lg_mailer_set_outbox(outbox);
	seed_outbox();
	lg_counter_add(LG_COUNT_CONNECTIONS, 12);
	lg_counter_add(LG_COUNT_MESSAGES, 30);
	lg_action_count("repeat", "discard");
	lg_action_count("bounce", "reject");
	fz_log_reset();
	return 0;
}

/* out_line - one reply line: check it, note what it says */
static int out_line(void *arg, const char *line, size_t len)
{
	struct reply *r = arg;
	char head[64];
	size_t i;
	int end = 0;

	for (i = 0; i < len; i++)
		FZ_CHECK((unsigned char) line[i] >= 0x20 || line[i] == '\t',
			 "reply line %zu has byte 0x%02x", r->lines,
			 (unsigned char) line[i]);
	FZ_CHECK(fz_utf8_ok((const unsigned char *) line, len),
		 "reply line %zu is not UTF-8: %.*s", r->lines, (int) len, line);
	if (r->last_ok || r->last_err)
		r->early_final = 1;
	r->last_ok = (len == 2 || (len > 2 && line[2] == ' ')) &&
		strncmp(line, "OK", 2) == 0;
	r->last_err = (len == 3 || (len > 3 && line[3] == ' ')) &&
		strncmp(line, "ERR", 3) == 0;
	/* the line need not end in a NUL */
	snprintf(head, sizeof(head), "%.*s", (int) (len < 63 ? len : 63), line);
	r->has_entries = r->last_ok &&
		sscanf(head, "OK %llu entries,%n", &r->entries, &end) == 1 &&
		end > 0;
	r->lines++;
	return 0;
}

/* fake_reload - the program's reload, which a harness has not: odd
 * inputs are refused, so both replies are exercised */
static int fake_reload(int force, char *err, size_t errsize)
{
	static unsigned calls;

	(void) force;
	if (++calls % 2)
		return 0;
	snprintf(err, errsize, "lg.conf:1: refused by the harness");
	return -1;
}

/* LLVMFuzzerTestOneInput - one request line */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_ctl_env env = { &store, T0 + 10, T0 - 100, PACKAGE_VERSION,
				  fake_reload, "uid 0 pid 1" };
	struct reply r;
	char *line = malloc(size ? size : 1);	/* no NUL after it */
	int rc, paged;

	if (!line)
		abort();
	if (size)
		memcpy(line, data, size);
	memset(&r, 0, sizeof(r));
	rc = lg_ctl_handle(&env, line, size, out_line, &r);
	FZ_CHECK(r.lines > 0 && !r.early_final, "OK or ERR before the end");
	FZ_CHECK(r.last_ok || r.last_err, "the last line is not OK or ERR");
	FZ_CHECK(rc == (r.last_ok ? 0 : -1), "returns %d after %s", rc,
		 r.last_ok ? "OK" : "ERR");
	/* a page (--offset, --limit) sends some of the matching entries
	 * and counts them all */
	paged = memmem(data, size, "--limit", 7) || memmem(data, size, "--offset", 8);
	if (r.has_entries && paged)
		FZ_CHECK(r.entries >= r.lines - 1, "OK %llu entries after %zu rows of a page",
			 r.entries, r.lines - 1);
	else if (r.has_entries)
		FZ_CHECK(r.entries == r.lines - 1, "OK %llu entries after %zu rows",
			 r.entries, r.lines - 1);
	free(line);
	seed_store();
	if (size >= 5 && memmem(data, size, "queue", 5))
		seed_outbox();
	fz_log_reset();
	return 0;
}
