/*
 * NAME
 *	control_cmd.h - the control protocol: one request line, one reply
 * SYNOPSIS
 *	#include "control_cmd.h"
 *
 *	struct lg_ctl_env env = { store, lg_now(), started, VERSION,
 *				  lg_reload, "uid 0 pid 42" };
 *	struct lg_ctl_stream stream = { flush, stopping, 0 };
 *	rc = lg_ctl_handle(&env, line, len, write_line, arg);
 *	rc = lg_ctl_handle_stream(&env, &stream, line, len, read_line,
 *				  in_arg, write_line, arg);
 *
 *	lg_ctl_entry_id(rec->key, id);
 * DESCRIPTION
 *	A client sends one request line (at most LG_CTL_LINE_MAX bytes
 *	before the newline): words separated by spaces, printable ASCII or
 *	UTF-8 only. The reply is zero or more data lines and one final
 *	line, "OK" or "OK text" on success, "ERR text" on failure.
 *	Data lines never start with "OK" or "ERR": a list row starts with
 *	its hexadecimal id, a stats line with a lower-case name.
 *
 *	as NAME REQUEST...
 *		any request may start so: NAME (1 to LG_CTL_AS_MAX bytes
 *		of A-Z a-z 0-9 . _ @ -) is who the request is for (a
 *		loopguard-console user); the log lines of the request
 *		name the client "uid U pid P as NAME". Nothing else
 *		changes. A bad NAME: "ERR as: bad name (...)".
 *	list [--plugin NAME] [--match PATTERN] [--all] [--sort FIELD]
 *	     [--desc] [--offset N] [--limit N]
 *		one row per entry, tab-separated: id, created, expires,
 *		count, size, from, to, client, plugin, status, key.
 *		Times are seconds since the epoch (0: unknown). Entries
 *		with an empty status are the plugins' internal
 *		bookkeeping and are left out unless --all is given.
 *		PATTERN is an fnmatch(3) glob, case-insensitive, matched
 *		against from, to, client and key (any one may match).
 *		When the store answers from its local fallback (Redis
 *		down), a line "fallback<TAB>BACKEND<TAB>SERVER<TAB>SINCE"
 *		comes before the final line: the rows are this host's
 *		fallback store only.
 *		Final line: "OK N entries, H hidden"; N counts every
 *		entry selected, also when only a page of them is shown.
 *		--sort FIELD (id, created, expires, count, size, from,
 *		to, client, plugin, status; text without regard to case)
 *		orders the rows, --desc the other way round; without it
 *		they come in the store's order. --offset N (0 to 2^31)
 *		skips N rows, --limit N (1 to 1000) shows at most N;
 *		with either the final line ends ", offset O". One walk
 *		collects a compact key per row, a second formats only
 *		the page (control_entries.c), so a page of 100,000
 *		entries costs two walks and a sort.
 *	remove ID...
 *		removes the entries with these ids (hidden ones too);
 *		an id that names no entry makes the reply an ERR after
 *		the others were removed.
 *	remove --all | --match PATTERN [--plugin NAME]
 *		removes every entry that "list" with the same filters
 *		shows; hidden bookkeeping is never removed in bulk.
 *		Final line: "OK N removed".
 *	stats
 *		"name<TAB>value" lines: version, uptime (seconds),
 *		entries, bytes, evicted (only while a store is open),
 *		then the store's backend, server (when it has one),
 *		health ("up" or "down"), down_since (when down),
 *		fallback ("yes" or "no"), BACKEND_entries and
 *		BACKEND_bytes (the server's own, left out when it could
 *		not be asked) and, for Redis, fallback_entries and
 *		fallback_bytes (this host's local store),
 *		connections, messages, recipients, unknown, errors,
 *		reloads_ok and reloads_failed (reloads since start),
 *		last_reload (epoch of the last good config load, the one
 *		at start included), with a mailer outbox_messages,
 *		outbox_bytes and outbox_oldest (the oldest's created
 *		time, 0 when empty), watchers (watch clients now); then
 *		"action<TAB>PLUGIN<TAB>ACTION<TAB>COUNT" per plugin action.
 *		"started" (epoch) follows uptime.
 *	state export
 *		the format line and one line per live entry, as a state
 *		file holds them (state_line.h), hidden entries included;
 *		refused while a Redis store answers from its fallback.
 *		Final line: "OK N entries".
 *	state import
 *		followed by the lines of a state file and a line ".";
 *		each live entry is set as it is, expired ones skipped:
 *		"OK N imported, M expired skipped", or "ERR state import:
 *		line L: what is wrong".
 *	reload
 *		reloads the config, as SIGUSR1 does, and waits for it:
 *		"OK reloaded", or "ERR reload refused, old config kept:
 *		FILE:LINE: message" (the old config stays).
 *	queue [--sort FIELD] [--desc] [--offset N] [--limit N]
 *	      [--match PATTERN]
 *	queue remove|retry ID... | --all
 *		the outbox of generated mail (control_outbox.c): rows of
 *		id, created, next try, attempts, size, from, to, status,
 *		oldest first; remove drops messages, retry makes them
 *		due now. FIELD: id, created, next, attempts, size, to,
 *		status; PATTERN globs id, to and status. Final line "OK
 *		N messages" (N: all that match), ", offset O" when paged.
 *	watch
 *		a stream (control_watch.c), not one reply: first
 *		"watching<TAB>SEQ" (the last event so far), then as
 *		things happen "event<TAB>SEQ<TAB>TIME<TAB>KIND<TAB>ID<TAB>
 *		PLUGIN": entry-added, entry-changed, entry-removed (ID the
 *		entry's id, PLUGIN its plugin or "-"; hidden entries send
 *		none), outbox-queued, outbox-sent, outbox-deferred,
 *		outbox-removed, outbox-failed (ID the outbox id, PLUGIN
 *		"-"), reload (ID "ok" or "failed"). "tick<TAB>SEQ<TAB>
 *		TIME" after LG_CTL_TICK_MS without an event; "lost<TAB>N"
 *		before an event when N were dropped because the client
 *		fell more than the ring (events.h) behind: it should read
 *		everything again. The daemon ends it with "OK stopping".
 *		At most 4 watchers: the 5th gets "ERR watch: too many
 *		watchers (4)". A watcher that reads nothing for 30 s is
 *		dropped; the stream holds a client slot but has no
 *		overall time limit. Events are kept only while someone
 *		watches: posting them costs one atomic load otherwise.
 *
 *	The id of an entry is the first 10 hex digits (lower case) of the
 *	64-bit FNV-1a hash of its store key: short, and the same for as
 *	long as the entry lives. Text fields are escaped as log lines are
 *	(escape.h), so that a row is always one line: backslash, tab,
 *	newline and carriage return become \\, \t, \n, \r, other control
 *	bytes and bytes that are not UTF-8 \xHH; valid UTF-8 passes.
 *
 *	lg_ctl_handle() answers a request without a body ("state import"
 *	is then refused), and so does lg_ctl_handle_body() (watch is
 *	refused); lg_ctl_handle_stream() is given what watch needs; lg_ctl_handle_body() is given a function that
 *	reads the body's lines. Both are pure apart from the store and the process-wide
 *	counters it reads: no sockets, so it is tested directly. The line
 *	may end in "\n" or "\r\n". Every reply line goes to out (without
 *	its newline); when out returns non-zero the client is gone and
 *	the reply stops there.
 * DIAGNOSTICS
 *	lg_ctl_handle() returns 0 after an OK line, -1 after an ERR line or
 *	when out gave up. Removals, reloads and watches are logged with
 *	env->who.
 */
#ifndef LG_CONTROL_CMD_H
#define LG_CONTROL_CMD_H

#include <stddef.h>
#include <time.h>

/* Store library. */
#include "store.h"

#define LG_CTL_LINE_MAX	4096	/* bytes in a request, newline excluded */
#define LG_CTL_ID_LEN	10	/* hex digits in an entry id */
#define LG_CTL_AS_MAX	64	/* bytes in the NAME of "as NAME" */
#define LG_CTL_WHO_MAX	(64 + 8 + LG_CTL_AS_MAX)	/* env->who with it */
#define LG_CTL_TICK_MS	5000	/* watch: a tick after this long quiet */

/* Reload the config: 0, or -1 with one line in err (the caller's,
 * handed in; the control socket never calls up into the program). */
typedef int (*lg_ctl_reload_fn)(int force, char *err, size_t errsize);

/* The next line of a request body (state import) into buf, without
 * its newline: 1, 0 at the line ".", -1 when the client is gone or too
 * slow, -2 for a line longer than size - 1 (the rest of it dropped). */
typedef int (*lg_ctl_in_fn)(void *arg, char *buf, size_t size,
			    size_t *len_r);

/* One reply line, without its newline; non-zero: stop replying. */
typedef int (*lg_ctl_out_fn)(void *arg, const char *line, size_t len);

/* Send what out has buffered now: 0, or non-zero when the client is
 * gone (or stopped reading); watch calls it after each batch. */
typedef int (*lg_ctl_flush_fn)(void *arg);
/* Non-zero once the daemon is stopping. */
typedef int (*lg_ctl_stopping_fn)(void);

struct lg_ctl_env {
	struct lg_store *store;		/* NULL: no store open (yet) */
	time_t now;			/* the store's notion of now */
	time_t started;			/* for uptime */
	const char *version;
	lg_ctl_reload_fn reload;	/* NULL: reload is refused */
	const char *who;		/* the client, for the log */
};

/* What a connection that can carry a stream (watch) offers. */
struct lg_ctl_stream {
	lg_ctl_flush_fn flush;		/* called with out's arg */
	lg_ctl_stopping_fn stopping;	/* NULL: never */
	int tick_ms;			/* 0: LG_CTL_TICK_MS */
};

/* lg_ctl_handle - answer one request line */
int lg_ctl_handle(const struct lg_ctl_env *env, const char *line, size_t len,
		  lg_ctl_out_fn out, void *arg);
/* lg_ctl_handle_body - the same, for a client that may send a request
 * body after the line (state import), read through in */
int lg_ctl_handle_body(const struct lg_ctl_env *env, const char *line,
		       size_t len, lg_ctl_in_fn in, void *in_arg,
		       lg_ctl_out_fn out, void *arg);

/* lg_ctl_handle_stream - the same, on a connection that can also
 * carry the watch stream (stream NULL: watch is refused) */
int lg_ctl_handle_stream(const struct lg_ctl_env *env,
			 const struct lg_ctl_stream *stream, const char *line,
			 size_t len, lg_ctl_in_fn in, void *in_arg,
			 lg_ctl_out_fn out, void *arg);

/* lg_ctl_entry_id - the id "list" shows for a store key */
void lg_ctl_entry_id(const char *key, char id_r[LG_CTL_ID_LEN + 1]);

#endif
