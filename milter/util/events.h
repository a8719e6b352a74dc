/*
 * NAME
 *	events.h - a bounded ring of change events for "watch" clients
 * SYNOPSIS
 *	#include "events.h"
 *
 *	lg_events_entry(LG_EV_ENTRY_ADDED, key, plugin, status);
 *	lg_events_post(LG_EV_OUTBOX_SENT, id, NULL);
 *
 *	if (lg_events_watch_begin(&cursor) == 0) {
 *		while (lg_events_wait(cursor, 250) >= 0)
 *			while (lg_events_next(&cursor, &ev, &lost) > 0)
 *				...;
 *		lg_events_watch_end();
 *	}
 * DESCRIPTION
 *	The store and the mailer post what changed; the control socket's
 *	watch clients read it. Posting costs one atomic load while nobody
 *	watches: nothing is kept then, so a new watcher sees only what
 *	happens after it started. Events are numbered from 1 (seq); the
 *	ring keeps the last LG_EVENTS_RING of them, and a reader that fell
 *	further behind is told how many it lost and goes on from the
 *	oldest kept.
 *
 *	lg_events_entry() names an entry by its store key (the id is the
 *	one "list" shows, lg_events_entry_id) and posts nothing for a
 *	hidden entry (empty or NULL status: a plugin's bookkeeping).
 *	At most LG_EVENTS_WATCHERS readers at once.
 * DIAGNOSTICS
 *	lg_events_watch_begin() returns -1 when the watchers are all taken.
 */
#ifndef LG_EVENTS_H
#define LG_EVENTS_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#define LG_EVENTS_RING		4096	/* events kept */
#define LG_EVENTS_WATCHERS	4	/* readers at once */
#define LG_EVENTS_ID_MAX	40	/* an outbox id is 22 bytes */
#define LG_EVENTS_PLUGIN_MAX	64
#define LG_EVENTS_ENTRY_ID_LEN	10	/* hex digits of an entry id */

enum lg_event_kind {
	LG_EV_ENTRY_ADDED,
	LG_EV_ENTRY_CHANGED,
	LG_EV_ENTRY_REMOVED,
	LG_EV_OUTBOX_QUEUED,
	LG_EV_OUTBOX_SENT,
	LG_EV_OUTBOX_DEFERRED,
	LG_EV_OUTBOX_REMOVED,
	LG_EV_OUTBOX_FAILED,
	LG_EV_RELOAD,
	LG_EV_KINDS
};

struct lg_event {
	unsigned long long seq;
	time_t time;
	enum lg_event_kind kind;
	char id[LG_EVENTS_ID_MAX];
	char plugin[LG_EVENTS_PLUGIN_MAX + 1];	/* "" when none */
};

/* How many read the ring now; read by every poster first. */
extern atomic_int lg_events_watchers;

/* lg_events_wanted - is anyone watching? (the cheap check) */
static inline int lg_events_wanted(void)
{
	return atomic_load_explicit(&lg_events_watchers,
				    memory_order_relaxed) > 0;
}

/* lg_events_post - one event; plugin may be NULL */
void lg_events_post(enum lg_event_kind kind, const char *id,
		    const char *plugin);
/* lg_events_entry - an entry's event, by store key; none when hidden */
void lg_events_entry(enum lg_event_kind kind, const char *key,
		     const char *plugin, const char *status);
/* lg_events_entry_id - the 10-hex id of a store key (FNV-1a, 64 bits) */
void lg_events_entry_id(const char *key,
			char id_r[LG_EVENTS_ENTRY_ID_LEN + 1]);
/* lg_events_kind_name - "entry-added", ... */
const char *lg_events_kind_name(enum lg_event_kind kind);

/* lg_events_watch_begin - become a reader; *cursor_r is the last seq
 * so far. 0, or -1 when LG_EVENTS_WATCHERS already read. */
int lg_events_watch_begin(unsigned long long *cursor_r);
void lg_events_watch_end(void);
/* lg_events_wait - until an event after cursor or ms pass: 1 or 0 */
int lg_events_wait(unsigned long long cursor, int ms);
/* lg_events_next - the event after *cursor into ev: 1, or 0 when there
 * is none yet; *lost_r is how many were dropped before it (0 mostly) */
int lg_events_next(unsigned long long *cursor, struct lg_event *ev,
		   unsigned long long *lost_r);
/* lg_events_seq - the last seq posted */
unsigned long long lg_events_seq(void);

#endif
