/*
 * NAME
 *	bounce_fixture.c - a fake host with the bounce plugin
 * DESCRIPTION
 *	See bounce_fixture.h.
 */
#include "config.h"

#include <stdio.h>

#include "bounce_fixture.h"

/* bf_host_with - BASE, the bounce plugin with SETTINGS, then EXTRA */
struct fh *bf_host_with(const char *base, const char *settings,
			const char *extra)
{
	char text[4096];

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n"
		   "noreply@example.com\nalerts@example.com\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"bounce\"; %s }%s%s );\n",
		 base ? base : BF_BASE, settings ? settings : "",
		 extra ? ", " : "", extra ? extra : "");
	fh_clock_set(1700000000);
	return fh_new(text);
}

/* bf_host - the bounce plugin alone, with SETTINGS */
struct fh *bf_host(const char *settings)
{
	return bf_host_with(NULL, settings, NULL);
}

/* bf_submit - alice sends a message with ID from the trusted network */
enum lg_verdict bf_submit(struct fh *h, const char *id)
{
	static const char *const rcpts[] = { "<bob@external.test>", NULL };
	char mid[300];
	const char *headers[] = { "From: alice@example.com", mid, NULL };

	snprintf(mid, sizeof(mid), "Message-ID: <%s>", id);
	fh_connect(h, "10.1.2.3");
	return fh_message(h, "<alice@example.com>", rcpts, headers,
			  "hello\r\n");
}
