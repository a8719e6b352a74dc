/*
 * NAME
 *	control_cmd.h - the control protocol: one request line, one reply
 * SYNOPSIS
 *	#include "control_cmd.h"
 *
 *	struct lg_ctl_env env = { store, lg_now(), started, VERSION,
 *				  lg_reload, "uid 0 pid 42" };
 *	rc = lg_ctl_handle(&env, line, len, write_line, arg);
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
 *	list [--plugin NAME] [--match PATTERN] [--all]
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
 *		Final line: "OK N entries, H hidden".
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
 *		connections, messages, recipients, unknown, errors; then
 *		"action<TAB>PLUGIN<TAB>ACTION<TAB>COUNT" per plugin action.
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
 *	queue [remove|retry ID... | --all]
 *		the outbox of generated mail (control_outbox.c): rows of
 *		id, created, next try, attempts, size, from, to, status;
 *		remove drops messages, retry makes them due now.
 *
 *	The id of an entry is the first 10 hex digits (lower case) of the
 *	64-bit FNV-1a hash of its store key: short, and the same for as
 *	long as the entry lives. Text fields are escaped as log lines are
 *	(escape.h), so that a row is always one line: backslash, tab,
 *	newline and carriage return become \\, \t, \n, \r, other control
 *	bytes and bytes that are not UTF-8 \xHH; valid UTF-8 passes.
 *
 *	lg_ctl_handle() answers a request without a body ("state import"
 *	is then refused); lg_ctl_handle_body() is given a function that
 *	reads the body's lines. Both are pure apart from the store and the process-wide
 *	counters it reads: no sockets, so it is tested directly. The line
 *	may end in "\n" or "\r\n". Every reply line goes to out (without
 *	its newline); when out returns non-zero the client is gone and
 *	the reply stops there.
 * DIAGNOSTICS
 *	lg_ctl_handle() returns 0 after an OK line, -1 after an ERR line or
 *	when out gave up. Removals and reloads are logged with env->who.
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
	/* Appended: what watch needs (NULL flush: watch is refused). */
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

/* lg_ctl_entry_id - the id "list" shows for a store key */
void lg_ctl_entry_id(const char *key, char id_r[LG_CTL_ID_LEN + 1]);

#endif
