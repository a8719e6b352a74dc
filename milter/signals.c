/*
 * NAME
 *	signals.c - one thread owns SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGINT
 * SYNOPSIS
 *	#include "signals.h"
 *
 *	lg_signals_block();
 *	lg_signals_start(&hooks);
 *	lg_signals_stop();
 * DESCRIPTION
 *	The daemon blocks its signals in every thread and takes them
 *	synchronously in one thread of its own, with sigtimedwait(2):
 *	SIGHUP and SIGUSR1 call the reload hook, SIGUSR2 the reopen hook,
 *	SIGTERM and SIGINT the
 *	stop hook (once; then the thread ends), and about once a second
 *	the tick hook runs (the store's snapshot and expiry).
 *
 *	libmilter's smfi_main() starts a signal thread of its own that
 *	calls sigwait(3) for SIGHUP, SIGTERM and SIGINT and stops the
 *	filter on any of them, so a SIGHUP meant as "reload" would stop
 *	the daemon, and both threads would race for every signal. There
 *	is no libmilter call to leave that thread out. So this file
 *	defines sigwait() itself: the program's definition takes the
 *	place of the C library's for every caller in the process,
 *	libmilter's included (the dynamic linker binds libmilter's
 *	reference to the executable's symbol; a static libmilter links
 *	to it directly). A call whose set holds both SIGHUP and SIGTERM,
 *	which is libmilter's, never returns: that thread sleeps for the
 *	life of the process, with the signals still blocked, so they stay
 *	for our thread. Any other call behaves as sigwait(3) does (by way
 *	of sigwaitinfo(2)). Nothing in loopguard itself calls sigwait().
 *	Stopping goes through smfi_stop() from the stop hook instead,
 *	which is what libmilter's thread would have done for SIGTERM.
 * DIAGNOSTICS
 *	lg_signals_start() returns -1 when the thread cannot be created.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/* Program. */
#include "signals.h"

static struct lg_signal_hooks hooks;
static pthread_t thread;
static int running;
static atomic_int quit;

/* daemon_set - the signals this file owns */
static void daemon_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

/* sigwait - replaces the C library's; parks libmilter's signal thread
 * (its set has SIGHUP and SIGTERM), serves any other caller */
int sigwait(const sigset_t *set, int *sig)
{
	int s;

	if (sigismember(set, SIGHUP) == 1 && sigismember(set, SIGTERM) == 1)
		for (;;)	/* its mask blocks them all: nothing wakes it */
			pause();
	for (;;) {
		s = sigwaitinfo(set, NULL);
		if (s > 0) {
			*sig = s;
			return 0;
		}
		if (errno != EINTR)
			return errno;
	}
}

/* lg_signals_block - before any thread: all of them inherit the mask */
void lg_signals_block(void)
{
	sigset_t set;

	daemon_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* lg_signals_unblock - the waiting parent is stopped as usual */
void lg_signals_unblock(void)
{
	sigset_t set;

	daemon_set(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* signal_main - take each signal in turn; tick between them */
static void *signal_main(void *arg)
{
	struct timespec second = { 1, 0 };
	sigset_t set;
	int sig;

	(void) arg;
	daemon_set(&set);
	while (!atomic_load(&quit)) {
		sig = sigtimedwait(&set, NULL, &second);
		if (atomic_load(&quit))
			break;
		if ((sig == SIGHUP || sig == SIGUSR1) && hooks.reload)
			hooks.reload();
		if (sig == SIGUSR2 && hooks.reopen)
			hooks.reopen();
		if (sig == SIGTERM || sig == SIGINT) {
			if (hooks.stop)
				hooks.stop();
			break;
		}
		if (hooks.tick)
			hooks.tick();
	}
	return NULL;
}

/* lg_signals_start - the thread, with the caller's hooks */
int lg_signals_start(const struct lg_signal_hooks *h)
{
	if (running)
		return 0;
	hooks = *h;
	atomic_store(&quit, 0);
	if (pthread_create(&thread, NULL, signal_main, NULL) != 0)
		return -1;
	running = 1;
	return 0;
}

/* lg_signals_stop - the thread ends at once (a SIGTERM aimed at it
 * wakes its wait; with quit set it calls no hook) */
void lg_signals_stop(void)
{
	if (!running)
		return;
	atomic_store(&quit, 1);
	pthread_kill(thread, SIGTERM);
	pthread_join(thread, NULL);
	running = 0;
}
