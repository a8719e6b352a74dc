/*
 * NAME
 *	bounce_fixture.h - a fake host with the bounce plugin, for the tests
 * SYNOPSIS
 *	#include "bounce_fixture.h"
 *
 *	struct fh *h = bf_host("replies = false;");
 *	bf_submit(h, SENT_ID);
 * DESCRIPTION
 *	bf_host() loads BF_BASE (local domain example.com, the recipients
 *	alice, postmaster, noreply and alerts, trusted 10.0.0.0/8) with
 *	one bounce plugin group holding SETTINGS, EXTRA plugin groups
 *	after it (bf_host_with), and the clock frozen at 1700000000.
 *	bf_submit() has alice send a message with Message-ID <ID> from the
 *	trusted network, so ID is in the sent ledger.
 */
#ifndef BOUNCE_FIXTURE_H
#define BOUNCE_FIXTURE_H

#include <loopguard/plugin.h>

#include "fakehost.h"

#define BF_BASE "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"trusted_networks = [ \"10.0.0.0/8\" ];\n"

struct fh *bf_host(const char *settings);
struct fh *bf_host_with(const char *base, const char *settings,
			const char *extra);
enum lg_verdict bf_submit(struct fh *h, const char *id);

#endif
