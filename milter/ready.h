/*
 * NAME
 *	ready.h - detach, and let the parent tell the caller how it went
 * SYNOPSIS
 *	#include "ready.h"
 *
 *	lg_ready_detach(pidfile, sockets, n, err, sizeof(err));
 *	...
 *	lg_ready_report(0, "ready");		or
 *	lg_ready_report(78, "outbox /x: not writable by user y");
 * DESCRIPTION
 *	See ready.c.
 */
#ifndef LG_READY_H
#define LG_READY_H

#include <stddef.h>

/* lg_ready_detach - fork; returns 0 in the daemon, -1 with err when
 * fork fails. The parent does not return: it waits for the daemon's
 * report and exits with it. pidfile (may be NULL) and the n unix
 * socket paths are what the parent removes if the daemon fails. */
int lg_ready_detach(const char *pidfile, const char *const *sockets,
		    size_t n, char *err, size_t errsize);

/* lg_ready_report - code 0: ready, the parent exits 0; otherwise the
 * parent prints msg and exits with code. Only the first report counts;
 * without a waiting parent (-f) it does nothing. */
void lg_ready_report(int code, const char *msg);

#endif
