/*
 * NAME
 *	batv_fixture.h - the bounce plugin with BATV on a fake host, for
 *	the BATV tests
 * SYNOPSIS
 *	#include "batv_fixture.h"
 *
 *	h = host(ON);
 *	ck_assert_str_eq(sign_alice(), TAG0);
 * DESCRIPTION
 *	host() loads BASE (local domains example.com and example.net, the
 *	recipients alice, postmaster and carol, trusted 10.0.0.0/8) with
 *	one bounce plugin group holding SETTINGS, the clock at T0, into
 *	the test's h; teardown() frees it. send_as() has FROM write to
 *	RCPTS from CLIENT (with an AUTH user or NULL); sign_alice() has
 *	alice write out from the trusted network and gives the changed
 *	sender ("" if none); bounce_to() sends RCPT a null-sender message
 *	that returns nothing.
 */
#ifndef BATV_FIXTURE_H
#define BATV_FIXTURE_H

#include <loopguard/plugin.h>

#include "fakehost.h"

#define SECRET	"batv test secret 0123456789"
#define T0	1700000000		/* day 19675 */
#define TAG0	"prvs=0682a28d23=alice@example.com"

#define BASE "local_domains = [ \"example.com\", \"example.net\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"trusted_networks = [ \"10.0.0.0/8\" ];\n"
#define KEY0 "{ id = 0; secret = \"" SECRET "\"; }"
#define ON "batv = { keys = ( " KEY0 " ); };"

extern struct fh *h;

struct fh *host(const char *settings);
void teardown(void);
enum lg_verdict send_as(const char *client, const char *auth,
			const char *from, const char *const *rcpts);
const char *sign_alice(void);
enum lg_verdict bounce_to(const char *rcpt);

#endif
