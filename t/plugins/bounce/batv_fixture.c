/*
 * NAME
 *	batv_fixture.c - the bounce plugin with BATV on a fake host
 * DESCRIPTION
 *	See batv_fixture.h.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "batv_fixture.h"

struct fh *h;
static char signed_from[400];

/* host - the bounce plugin with SETTINGS at T0 */
struct fh *host(const char *settings)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n"
		   "carol@example.net\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"bounce\"; %s } );\n", BASE,
		 settings ? settings : "");
	fh_clock_set(T0);
	return fh_new(text);
}

/* teardown - free the host of a test */
void teardown(void)
{
	fh_free(&h);
}

/* send_as - FROM writes to RCPTS from CLIENT (auth: AUTH user or NULL) */
enum lg_verdict send_as(const char *client, const char *auth,
			       const char *from, const char *const *rcpts)
{
	static const char *const headers[] = {
		"From: alice@example.com", "Message-ID: <sent.1@example.com>",
		NULL };
	enum lg_verdict v;

	fh_connect(h, client);
	fh_macro(h, "{auth_authen}", auth);
	fh_log_reset();
	v = fh_message(h, from, rcpts, headers, "hello\r\n");
	fh_macro(h, "{auth_authen}", NULL);
	return v;
}

/* sign_alice - alice writes out from the trusted network; the sender
 * change, "" if none */
const char *sign_alice(void)
{
	static const char *const rcpts[] = { "<bob@external.test>", NULL };
	const char *e;

	ck_assert_int_eq(send_as("10.1.2.3", NULL, "<alice@example.com>",
				 rcpts), LG_CONTINUE);
	signed_from[0] = 0;
	if ((e = strstr(fh_edits(h), "chgfrom ")) != NULL)
		sscanf(e + 8, "%399s", signed_from);
	return signed_from;
}

/* bounce_to - a null-sender message returning nothing, to RCPT */
enum lg_verdict bounce_to(const char *rcpt)
{
	const char *rcpts[] = { rcpt, NULL };
	static const char *const headers[] = {
		"From: MAILER-DAEMON@mx.external.test",
		"Subject: failure notice", NULL };

	fh_connect(h, "192.0.2.7");
	fh_macro(h, "i", "QB1");
	fh_log_reset();
	return fh_message(h, "<>", rcpts, headers,
			  "Sorry, your message could not be delivered.\r\n");
}
