/*
 * NAME
 *	console_events.h - between the watch reader and the event streams
 * DESCRIPTION
 *	console_events_watch.c reads the daemon's "watch" stream in a
 *	thread of its own and reports to console_events.c, which holds
 *	the state the /events streams pass on.
 */
#ifndef LG_CONSOLE_EVENTS_H
#define LG_CONSOLE_EVENTS_H

/* Reports of the watch (console_events.c). */
void cn_events_daemon(int up, const char *why);
void cn_events_changed(int entries, int outbox, unsigned long long seq);
int cn_events_stopping(void);

/* What one line of a watch stream means (console_events_watch.c). */
enum cn_watch_kind {
	CN_WATCH_BAD,		/* not of the protocol: drop the connection */
	CN_WATCH_WATCHING,	/* the first line: the watch is on */
	CN_WATCH_EVENT,		/* entries and/or outbox changed */
	CN_WATCH_TICK,		/* nothing happened, the daemon is alive */
	CN_WATCH_LOST,		/* events were dropped: everything changed */
	CN_WATCH_END,		/* "OK ..." (the daemon stops) */
	CN_WATCH_REFUSED	/* "ERR ...": the daemon answered, no watch */
};
struct cn_watch_line {
	enum cn_watch_kind kind;
	int entries, outbox;	/* what changed */
	unsigned long long seq;	/* 0 when the line has none */
};
/* cn_watch_parse - one line, without its newline */
void cn_watch_parse(const char *line, struct cn_watch_line *w);

/* The watch thread (console_events_watch.c). */
int cn_watch_open(void);	/* its wake-up pipe: 0 or -1 */
void *cn_watch_run(void *arg);
void cn_watch_wake(void);	/* make it look at cn_events_stopping() */
void cn_watch_close(void);

#endif
