/*
 * NAME
 *	ctl_seed - write a store snapshot for the loopguardctl test
 * SYNOPSIS
 *	ctl_seed SNAPSHOT
 * DESCRIPTION
 *	Opens the memory store with SNAPSHOT as its file, sets a few
 *	entries that look like what the plugins keep (three shown by
 *	"loopguardctl list", one hidden bookkeeping entry, one with text
 *	that needs escaping) and closes it, which writes the snapshot. The
 *	daemon started on that snapshot then has something to list.
 * DIAGNOSTICS
 *	Exit 0, or 1 with a message on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"

/* One entry to set. */
struct seed {
	const char *key, *plugin;
	long long count, ttl;
	struct lg_store_meta meta;
};

static const struct seed seeds[] = {
	{ "repeat:1a2b", "repeat", 3, 3600,
	  { "alice@example.org", "nobody@example.com", "192.0.2.7",
	    "looping", 5200 } },
	{ "harvest:192.0.2.0/24", "harvest", 12, 7200,
	  { "", "", "192.0.2.0/24", "blocked", 0 } },
	{ "autoreply:bob@example.com", "autoreply", 1, 86400,
	  { "bob@example.com", "m\xc3\xbcller@example.com", "198.51.100.1",
	    "replied", 2400000 } },
	{ "repeat:odd", "repeat", 2, 600,
	  { "we\"ird\\x\t@example.net", "a\033[2J\xc2\x9b\xff@example.com",
	    "203.0.113.9",
	    "looping", 10 } },
	{ "bounce:msgid-123", "bounce", 1, 3600,
	  { "carol@example.com", "", "", "", 0 } },
};

/* main - seed the store, write the snapshot */
int main(int argc, char **argv)
{
	struct lg_store_memory_opts opts = { NULL, 0, 0, 0 };
	struct lg_store st;
	char err[256];
	time_t now = time(NULL);
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: ctl_seed SNAPSHOT\n");
		return 1;
	}
	lg_log_open("ctl_seed", LG_LOG_STDERR);
	opts.snapshot = argv[1];
	if (lg_store_memory_open(&opts, now, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "ctl_seed: %s\n", err);
		return 1;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		if (st.ops->set(st.be, seeds[i].key, seeds[i].count,
				seeds[i].ttl, now - (time_t) i * 60,
				seeds[i].plugin, &seeds[i].meta) != 0) {
			fprintf(stderr, "ctl_seed: cannot set %s\n",
				seeds[i].key);
			return 1;
		}
	if (lg_store_memory_save(&st, now) != 0)
		return 1;
	lg_store_close(&st, now);
	return 0;
}
