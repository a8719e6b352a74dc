/*
 * NAME
 *	clock.h - the one clock of the daemon
 * DESCRIPTION
 *	Everything that expires asks lg_now(). Tests freeze and move it
 *	with lg_clock_set() instead of sleeping.
 */
#ifndef LG_CLOCK_H
#define LG_CLOCK_H

#include <time.h>

time_t lg_now(void);
/* t == 0 returns to the real clock. */
void lg_clock_set(time_t t);
void lg_clock_advance(long long seconds);
/* 1 while the clock is frozen by lg_clock_set */
int lg_clock_is_fake(void);

#endif
