/*
 * NAME
 *	postconf.h - run a helper program with a deadline; find postconf
 * SYNOPSIS
 *	#include "postconf.h"
 *
 *	const char *argv[] = { lg_postconf_path(), "-h", "myhostname", NULL };
 *	rc = lg_run_program(argv, 5000, out, sizeof(out), err, sizeof(err));
 * DESCRIPTION
 *	lg_run_program() runs argv[0] directly (fork and execv, no shell)
 *	with stdin on /dev/null, its standard output collected into out
 *	and the first line of its error output into err, both cut at
 *	their size and NUL-terminated. Output past the bound is read and
 *	dropped, so a talkative child never blocks. A child still running
 *	at the deadline is killed by its PID and reaped. The child starts
 *	with an empty signal mask and SIGPIPE at its default, whatever
 *	thread calls this.
 *
 *	lg_run_capture() is the same with a growing output buffer of
 *	at most max_out bytes, for listings of any size: more than that
 *	is an error ("output larger than the bound"), never a listing
 *	silently cut short. *out_r is NUL-terminated; the caller frees it.
 *
 *	lg_run_func_capture() is lg_run_capture() for FN(ARG) run in the
 *	forked child instead of a program (its standard output and error
 *	are the pipes; its return value, 0 to 127, the exit status): for
 *	work a bad input could crash, which then only ends the child.
 *
 *	lg_postconf_run() runs postconf with lg_run_program() and a
 *	deadline of five seconds. A postconf that gave no answer is not
 *	asked again for a minute (the call fails at once, saying so), so
 *	a hung Postfix costs a start or a reload one deadline, not one per
 *	question.
 *
 *	lg_postconf_path() is $LOOPGUARD_POSTCONF when that is set (empty:
 *	never ask Postfix); else, when Postfix has a main.cf ($MAIL_CONFIG
 *	or /etc/postfix; without one postconf takes a second to fail),
 *	the first runnable postconf in the usual sbin and bin folders;
 *	else NULL.
 *
 *	lg_postconf_find() is for a caller that must ask Postfix (a
 *	setting says so): $LOOPGUARD_POSTCONF when set (empty: NULL),
 *	else the first runnable postconf of the usual folders whether or
 *	not a main.cf is there, else "/usr/sbin/postconf", so that the
 *	failure to run it names the usual place.
 * DIAGNOSTICS
 *	lg_run_program() returns the child's exit status, or -1 with the
 *	reason in err (it could not be started, was killed by a signal,
 *	or gave no answer within the deadline).
 */
#ifndef LG_POSTCONF_H
#define LG_POSTCONF_H

#include <stddef.h>

int lg_run_program(const char *const argv[], int timeout_ms, char *out,
		   size_t outsize, char *err, size_t errsize);

int lg_run_capture(const char *const argv[], int timeout_ms, size_t max_out,
		   char **out_r, size_t *len_r, char *err, size_t errsize);
int lg_run_func_capture(int (*fn)(void *arg), void *arg, int timeout_ms,
			size_t max_out, char **out_r, size_t *len_r,
			char *err, size_t errsize);

int lg_postconf_run(const char *const argv[], char *out, size_t outsize,
		    char *err, size_t errsize);

const char *lg_postconf_path(void);
const char *lg_postconf_find(void);

#endif
