/*
 * NAME
 *	check_autoreply_forge - the autoreply cannot be aimed at an
 *	external address
 * DESCRIPTION
 *	A client controls the headers, the envelope (with its ESMTP
 *	parameters), its HELO name and, through its reverse DNS, some
 *	macros. Each case forges all it can and checks what is queued in
 *	the outbox: nothing for a client that is not proven local, and for
 *	a proven one exactly one reply, to the envelope sender only.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "fakehost.h"
#include "session.h"

#define CONFIG "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"trusted_networks = [ \"10.0.0.0/8\" ];\n" \
	"dkim_keys = \"@TMP@/nokeys\";\n" \
	"mailer = { outbox = \"@TMP@/outbox\"; };\n" \
	"plugins = ( { name = \"autoreply\"; } );\n"

#define EXTERNAL_CLIENT "192.0.2.9"

static struct fh *h;
static struct lg_outbox *ob;

/* Every header a client can write, each claiming the sender is local
 * or pointing replies elsewhere. */
static const char *const forged_headers[] = {
	"From: Alice <alice@example.com>",
	"Sender: alice@example.com",
	"Reply-To: victim@external.test",
	"Return-Path: <victim@external.test>",
	"Errors-To: victim@external.test",
	"Authentication-Results: mx.example.com; dkim=pass header.d=example.com; spf=pass; auth=pass smtp.auth=alice",
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zm9yZ2Vk",
	"Received: from mx.example.com (mx.example.com [10.0.0.1]) by mx.example.com with ESMTPSA id 1; Mon, 23 Nov 2026 12:00:00 +0000",
	"X-Original-To: nosuch@example.com",
	"X-Authenticated-Sender: alice@example.com",
	"Subject: hello",
	NULL
};

static const char *const nosuch[] = { "<nosuch@example.com>", NULL };

static void setup(void)
{
	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	fh_tmpfile("nokeys", "");
	h = fh_new(CONFIG);
	ob = fh_outbox_open("outbox");
}

static void teardown(void)
{
	fh_free(&h);
	fh_outbox_close(&ob);
}

/* forge_connection - CLIENT with the HELO name and macros a client can
 * influence set to what a local submission would show */
static void forge_connection(const char *client)
{
	fh_connect(h, client);
	fh_macro(h, "{client_name}", "localhost");
	fh_macro(h, "{client_ptr}", "mx.example.com");
	fh_macro(h, "{daemon_name}", "submission");
	fh_macro(h, "{if_addr}", "10.0.0.1");
	fh_macro(h, "{auth_type}", "PLAIN");
	fh_macro(h, "{auth_authen}", "");
	fh_macro(h, "{auth_author}", "alice@example.com");
	ck_assert_int_eq(lg_session_helo(fh_session(h), "mx.example.com"),
			 LG_CONTINUE);
}

#define EXT EXTERNAL_CLIENT
#define TRUSTED "10.0.0.5"
#define ALICE "<alice@example.com>"

/* A forged connection from CLIENT, {auth_authen} set to AUTH if not
 * NULL, and MAIL FROM:SENDER; REPLIES: 1 if alice, and only alice,
 * gets one. */
static const struct forge_case {
	const char *client, *auth, *sender;
	int replies;
} forge_cases[] = {
	/* an external client forging everything gets no reply */
	{ EXT, NULL, ALICE, 0 },
	{ EXT, NULL, ALICE " AUTH=<alice@example.com>", 0 },
	{ EXT, NULL, "<postmaster@example.com> AUTH=alice@example.com", 0 },
	{ EXT, NULL, "<nosuch@example.com>", 0 },
	/* an empty {auth_authen} is not an authentication */
	{ EXT, "", ALICE, 0 },
	/* a proven sender gets the reply at the envelope sender, never at
	 * the From, Reply-To, Return-Path or Errors-To it wrote */
	{ EXT, "alice", ALICE, 1 },
	/* proven clients (auth, trusted network) with an envelope sender
	 * that is, or only looks, local get none when it is external */
	{ EXT, "alice", "<victim@external.test>", 0 },
	{ EXT, "alice", "<\"alice@example.com\"@external.test>", 0 },
	{ EXT, "alice", "<alice@example.com@external.test>", 0 },
	{ EXT, "alice", "<@example.com:victim@external.test>", 0 },
	{ EXT, "alice", "<alice%example.com@external.test>", 0 },
	{ EXT, "alice", "<victim@external.test> AUTH=<alice@example.com>", 0 },
	{ EXT, "alice", "<victim@example.com.external.test>", 0 },
	{ TRUSTED, NULL, "<victim@external.test>", 0 },
	{ TRUSTED, NULL, "<\"alice@example.com\"@external.test>", 0 },
	{ TRUSTED, NULL, "<alice@example.com@external.test>", 0 },
	{ TRUSTED, NULL, "<@example.com:victim@external.test>", 0 },
	{ TRUSTED, NULL, "<alice%example.com@external.test>", 0 },
	{ TRUSTED, NULL, "<victim@external.test> AUTH=<alice@example.com>", 0 },
	{ TRUSTED, NULL, "<victim@example.com.external.test>", 0 },
	/* the null sender and a sender with no domain never get one */
	{ TRUSTED, "alice", "<>", 0 },
	{ TRUSTED, "alice", "<alice>", 0 },
	{ TRUSTED, "alice", "alice", 0 },
};

START_TEST(forged)
{
	const struct forge_case *c = &forge_cases[_i];

	forge_connection(c->client);
	if (c->auth)
		fh_macro(h, "{auth_authen}", c->auth);
	fh_message(h, c->sender, nosuch, forged_headers, "Hello\r\n");
	ck_assert_msg(fh_outbox_count_to(ob, NULL) == c->replies,
		      "MAIL FROM:%s from %s: %d replies", c->sender, c->client,
		      fh_outbox_count_to(ob, NULL));
	ck_assert_int_eq(fh_outbox_count_to(ob, "alice@example.com"),
			 c->replies);
	ck_assert_int_eq(fh_outbox_count_to(ob, "victim@external.test"), 0);
}
END_TEST

static Suite *forge_suite(void)
{
	Suite *s = suite_create("autoreply forging");
	TCase *tc = tcase_create("forge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, forged, 0, (int) (sizeof(forge_cases) /
						 sizeof(forge_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(forge_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
