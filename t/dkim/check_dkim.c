/*
 * NAME
 *	check_dkim - DKIM verification as a core service, and as the
 *	autoreply plugin's proof of a local sender
 * DESCRIPTION
 *	Each test process makes an RSA key with openssl, writes the public
 *	half into a key file (the config's dkim_keys, so no DNS), signs
 *	messages itself with libopendkim's dkim_sign, and feeds them
 *	through the fake host: pass, a changed body, a changed header, no
 *	signature, a signature of another domain, a key missing from the
 *	file, simple and relaxed canonicalisation.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

#include "dkim_fixture.h"
#include "fakehost.h"
#include "lg_dkim.h"
#include "mailer.h"
#include "outbox.h"

static const char *key_pem;
static struct fh *h;

/* setup - the shared test key (fakehost.c), its key file and the
 * recipients file (checked fixture) */
static void setup(void)
{
	if (!key_pem)
		key_pem = fh_dkim_test_key();
	fh_tmpfile("rcpts", "alice@example.com\n");
}

/* teardown - free the host of the test */
static void teardown(void)
{
	fh_free(&h);
}

struct dkim_case {
	const char *name;
	const char *sign_domain;	/* NULL: no signature */
	const char *selector;
	dkim_canon_t hc, bc;
	const char *body;		/* what arrives; NULL: DF_BODY */
	const char *subject;		/* a changed Subject; NULL: as signed */
	const char *check_domain;
	int passed;
};

static const struct dkim_case cases[] = {
	{ "pass relaxed", "example.com", "sel", DKIM_CANON_RELAXED,
	  DKIM_CANON_RELAXED, NULL, NULL, "example.com", 1 },
	{ "pass simple", "example.com", "sel", DKIM_CANON_SIMPLE,
	  DKIM_CANON_SIMPLE, NULL, NULL, "example.com", 1 },
	{ "domain is case-insensitive", "example.com", "sel", DKIM_CANON_RELAXED,
	  DKIM_CANON_RELAXED, NULL, NULL, "EXAMPLE.com", 1 },
	{ "body changed", "example.com", "sel", DKIM_CANON_RELAXED,
	  DKIM_CANON_RELAXED, "Hello,\r\nthis message is forged.\r\n", NULL,
	  "example.com", 0 },
	{ "header changed", "example.com", "sel", DKIM_CANON_RELAXED,
	  DKIM_CANON_RELAXED, NULL, "Subject: changed", "example.com", 0 },
	{ "missing", NULL, NULL, 0, 0, NULL, NULL, "example.com", 0 },
	{ "other domain", "example.org", "sel", DKIM_CANON_RELAXED,
	  DKIM_CANON_RELAXED, NULL, NULL, "example.com", 0 },
	{ "only the sender's domain is looked at", "example.org", "sel",
	  DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, NULL, NULL, "example.org",
	  0 },
	{ "no such key", "example.com", "nokey", DKIM_CANON_RELAXED,
	  DKIM_CANON_RELAXED, NULL, NULL, "example.com", 0 },
};

#define CONF "local_domains = [ \"example.com\", \"example.org\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"dkim_keys = \"@TMP@/keys\";\n"

/* feed - the case's message through the session; signature first */
static void feed(const struct dkim_case *c, int request)
{
	char sig[4096];
	int i;

	fh_connect(h, "192.0.2.1");
	fh_mail(h, "<alice@example.com>");
	fh_rcpt(h, "<nosuch@example.com>");
	if (request)
		ck_assert_int_eq(lg_dkim_request(fh_session(h)), 0);
	if (c->sign_domain) {
		df_sign(key_pem, c->sign_domain, c->selector, c->hc, c->bc,
			df_headers, DF_BODY, sig, sizeof(sig));
		fh_header(h, "DKIM-Signature", sig);
	}
	for (i = 0; df_headers[i]; i++) {
		char name[64];
		const char *colon = strchr(df_headers[i], ':');
		const char *line = df_headers[i];

		if (c->subject && strncmp(line, "Subject:", 8) == 0)
			line = c->subject, colon = strchr(line, ':');
		snprintf(name, sizeof(name), "%.*s", (int) (colon - line), line);
		fh_header(h, name, colon + 2);
	}
	fh_eoh(h);
	fh_body(h, c->body ? c->body : DF_BODY);
}

START_TEST(core_service)
{
	const struct dkim_case *c = &cases[_i];

	h = fh_new(CONF);
	feed(c, 1);
	ck_assert_msg(lg_dkim_passed(fh_session(h), c->check_domain) == c->passed,
		      "%s: want %d; log:\n%s", c->name, c->passed, fh_log());
	fh_eom(h);
}
END_TEST

START_TEST(not_requested)
{
	h = fh_new(CONF);
	feed(&cases[0], 0);
	ck_assert_int_eq(lg_dkim_passed(fh_session(h), "example.com"), 0);
	fh_eom(h);
}
END_TEST

static int n_mails;

/* count_mail - one more message in the outbox */
static void count_mail(void *arg, const struct lg_outbox_item *it)
{
	(void) arg;
	(void) it;
	n_mails++;
}

/* The autoreply plugin asks for DKIM itself for an unproven sender. */
START_TEST(autoreply_proof)
{
	const struct dkim_case *c = &cases[_i];
	struct lg_outbox *ob;
	char err[256], obdir[512];

	h = fh_new(CONF "plugins = ( { name = \"autoreply\"; } );\n");
	snprintf(obdir, sizeof(obdir), "%s/ob-%d", fh_tmpdir(), _i);
	ob = lg_outbox_open(obdir, err, sizeof(err));
	ck_assert_ptr_nonnull(ob);
	lg_mailer_set_outbox(ob);
	feed(c, 0);
	fh_eom(h);
	n_mails = 0;
	lg_outbox_list(ob, count_mail, NULL);
	/* the sender is alice@example.com: only its own domain counts */
	ck_assert_msg(n_mails == (c->passed && strcasecmp(c->check_domain, "example.com") == 0),
		      "%s: %d replies; log:\n%s", c->name, n_mails, fh_log());
	lg_mailer_set_outbox(NULL);
	lg_outbox_close(&ob);
}
END_TEST

/* suite - the service, and the autoreply plugin's use of it */
static Suite *suite(void)
{
	Suite *s = suite_create("dkim");
	TCase *tc = tcase_create("dkim");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, core_service, 0,
			    (int) (sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, not_requested);
	tcase_add_loop_test(tc, autoreply_proof, 0,
			    (int) (sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
