/*
 * NAME
 *	fh_mail.c - fixtures for generated mail: an outbox and a DKIM key
 * DESCRIPTION
 *	The outbox the mailer queues into during a test, counted by
 *	recipient, and one RSA key made with openssl for the DKIM tests
 *	(see fakehost.h). Failures abort the test with a message.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "fakehost.h"
#include "mailer.h"
#include "outbox.h"

/* fh_outbox_open - a fresh outbox the mailer queues into */
struct lg_outbox *fh_outbox_open(const char *name)
{
	char dir[512], err[256];
	struct lg_outbox *ob;

	snprintf(dir, sizeof(dir), "%s/%s", fh_tmpdir(), name);
	ob = lg_outbox_open(dir, err, sizeof(err));
	if (!ob)
		ck_abort_msg("outbox %s: %s", dir, err);
	lg_mailer_set_outbox(ob);
	return ob;
}

struct count_to {
	const char *rcpt;
	int n;
};

/* count_one - lg_outbox_list callback */
static void count_one(void *arg, const struct lg_outbox_item *it)
{
	struct count_to *c = arg;

	if (!c->rcpt || strcmp(it->to, c->rcpt) == 0)
		c->n++;
}

/* fh_outbox_count_to - queued messages to RCPT (NULL: all of them) */
int fh_outbox_count_to(struct lg_outbox *ob, const char *rcpt)
{
	struct count_to c = { rcpt, 0 };

	if (lg_outbox_list(ob, count_one, &c) < 0)
		ck_abort_msg("cannot list the outbox");
	return c.n;
}

/* fh_outbox_close - detach from the mailer and close */
void fh_outbox_close(struct lg_outbox **ob)
{
	lg_mailer_set_outbox(NULL);
	lg_outbox_close(ob);
}

/* fh_dkim_test_key - a 2048-bit key made once with openssl: returns the
 * private key (PEM); @TMP@/keys is the key file for selector "sel" of
 * example.com and example.org */
const char *fh_dkim_test_key(void)
{
	static char key_pem[8192];
	char cmd[2048], pub[2048], line[8192];
	FILE *fp;
	size_t n;

	if (key_pem[0])
		return key_pem;
	snprintf(cmd, sizeof(cmd),
		 "openssl genrsa -out %s/key.pem 2048 2>/dev/null && "
		 "openssl rsa -in %s/key.pem -pubout -outform DER 2>/dev/null | base64 -w0",
		 fh_tmpdir(), fh_tmpdir());
	fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(pub, 1, sizeof(pub) - 1, fp);
	pub[n] = 0;
	ck_assert_int_eq(pclose(fp), 0);
	ck_assert_int_gt(n, 200);
	snprintf(line, sizeof(line),
		 "sel._domainkey.example.com v=DKIM1; k=rsa; p=%s\n"
		 "sel._domainkey.example.org v=DKIM1; k=rsa; p=%s\n", pub, pub);
	fh_tmpfile("keys", line);
	snprintf(cmd, sizeof(cmd), "%s/key.pem", fh_tmpdir());
	fp = fopen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(key_pem, 1, sizeof(key_pem) - 1, fp);
	key_pem[n] = 0;
	fclose(fp);
	return key_pem;
}
