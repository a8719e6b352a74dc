/*
 * NAME
 *	clock.c - the daemon's clock, which tests can freeze and move
 */
#include "config.h"

#include <stdatomic.h>

/* Utility library. */
#include "clock.h"

static _Atomic long long fake_now;

/* lg_now - seconds since the epoch, real or fake */
time_t lg_now(void)
{
	long long f = atomic_load(&fake_now);

	return f ? (time_t) f : time(NULL);
}

/* lg_clock_set - freeze the clock at t (0: back to real time) */
void lg_clock_set(time_t t)
{
	atomic_store(&fake_now, (long long) t);
}

/* lg_clock_advance - move a frozen clock forward */
void lg_clock_advance(long long seconds)
{
	atomic_fetch_add(&fake_now, seconds);
}

/* lg_clock_is_fake - frozen by a test? */
int lg_clock_is_fake(void)
{
	return atomic_load(&fake_now) != 0;
}
