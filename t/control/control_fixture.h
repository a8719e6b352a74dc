/*
 * NAME
 *	control_fixture - what the control tests share
 * SYNOPSIS
 *	#include "control_fixture.h"
 * DESCRIPTION
 *	A memory store with three visible entries and one hidden, a fake
 *	reload, and requests run through lg_ctl_handle() with a frozen
 *	"now", their reply lines kept in out. check_control drives the
 *	protocol with it, check_control_socket the socket.
 */
#ifndef CONTROL_FIXTURE_H
#define CONTROL_FIXTURE_H

#include <stddef.h>

#include "store.h"

#define T0	1700000000
#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

extern struct lg_store st;		/* the store of the test */
extern struct lg_store *env_store;	/* the store requests see */
extern char out[1 << 20];		/* the reply, one line each */
extern size_t out_len;
extern int out_lines, out_stop_after;	/* collect gives up after that */
extern int reloads, reload_fails;	/* fake_reload calls; refuse */
extern int reload_forced;		/* the last call's force */

int fake_reload(int, char *, size_t);
int collect(void *, const char *, size_t);
int run_n(const char *, size_t);
int run(const char *);
const char *last(void);
void put(const char *, const char *, long long, const char *,
	 const char *, const char *, const char *, long long);
void setup(void);
void teardown(void);

#endif
