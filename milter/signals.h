/*
 * NAME
 *	signals.h - one thread owns the daemon's signals
 * SYNOPSIS
 *	#include "signals.h"
 *
 *	lg_signals_block();		before any thread exists
 *	lg_signals_start(&hooks);	after the store is open
 *	lg_signals_stop();		on the way out
 * DESCRIPTION
 *	See signals.c: SIGHUP and SIGUSR1 reload, SIGUSR2 reopens the
 *	log file, SIGTERM and SIGINT stop, and libmilter's own signal thread is kept out of the way.
 */
#ifndef LG_SIGNALS_H
#define LG_SIGNALS_H

/* What the signal thread calls; each may be NULL. */
struct lg_signal_hooks {
	void (*reload)(void);	/* SIGHUP, SIGUSR1 */
	void (*stop)(void);	/* SIGTERM, SIGINT; called once */
	void (*tick)(void);	/* about once a second */
	void (*reopen)(void);	/* SIGUSR2: reopen the log file */
};

/* lg_signals_block - block the daemon's signals in the calling thread,
 * so every thread created after it inherits the mask */
void lg_signals_block(void);

/* lg_signals_unblock - undo lg_signals_block (a parent that waits) */
void lg_signals_unblock(void);

/* lg_signals_start - the signal thread; 0, or -1 if it cannot start */
int lg_signals_start(const struct lg_signal_hooks *hooks);

/* lg_signals_stop - end and join the signal thread (no-op if none) */
void lg_signals_stop(void);

#endif
