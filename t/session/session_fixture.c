/*
 * NAME
 *	session_fixture - the hosts the session tests run
 * SYNOPSIS
 *	#include "session_fixture.h"
 * DESCRIPTION
 *	The real core through the fake host, either with the test plugin
 *	(host_conf, host_with) or with the real catchall and bounce
 *	plugins (real_host); h is the host of the running test, freed by
 *	the checked fixture teardown.
 */
#include "config.h"

#include <stdio.h>

#include "fakehost.h"
#include "session_fixture.h"

#define BASE "plugin_dir = \"@TESTPLUGINS@\";\n" \
	"local_domains = [ \"example.com\", \"Example.NET\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"recipient_delimiter = \"+-\";\n" \
	"trusted_networks = [ \"10.0.0.0/8\", \"2001:db8::/32\" ];\n"

struct fh *h;

/* host_conf - the core with BASE, EXTRA settings and the test plugin
 * groups PLUGINS */
struct fh *host_conf(const char *extra, const char *plugins)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\nbob@example.com\n"
		   "postmaster@example.com\n@example.net\n");
	snprintf(text, sizeof(text), "%s%splugins = ( %s );\n", BASE,
		 extra ? extra : "", plugins ? plugins : "");
	return fh_new(text);
}

/* host_with - the core with BASE and the plugin groups PLUGINS */
struct fh *host_with(const char *plugins)
{
	return host_conf(NULL, plugins);
}

/* teardown - free the host of the test (checked fixture) */
void teardown(void)
{
	fh_free(&h);
}

#define REAL "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n"

/* real_host - a host with the plugin groups FIRST and SECOND (SECOND may be
 * NULL) of the real plugins, such as catchall and bounce */
struct fh *real_host(const char *first, const char *second)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text), "%splugins = ( %s%s%s );\n", REAL, first,
		 second ? ", " : "", second ? second : "");
	fh_clock_set(1700000000);
	return fh_new(text);
}
