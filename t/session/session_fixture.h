/*
 * NAME
 *	session_fixture - the hosts the session tests run
 * SYNOPSIS
 *	#include "session_fixture.h"
 * DESCRIPTION
 *	host_conf() builds the core with the common settings, EXTRA
 *	settings and the test plugin groups PLUGINS; host_with() the same
 *	without EXTRA; real_host() the real catchall and bounce plugins
 *	(groups FIRST and SECOND, NULL: none) with the clock set. Each
 *	test keeps its host in h; teardown() frees it.
 */
#ifndef SESSION_FIXTURE_H
#define SESSION_FIXTURE_H

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

extern struct fh *h;

struct fh *host_conf(const char *, const char *);
struct fh *host_with(const char *);
struct fh *real_host(const char *, const char *);
void teardown(void);

#endif
