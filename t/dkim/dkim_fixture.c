/*
 * NAME
 *	dkim_fixture.c - messages signed here, for the DKIM suites
 * DESCRIPTION
 *	See dkim_fixture.h.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include <dkim.h>

#include "dkim_fixture.h"

const char *const df_headers[] = {
	"From: Alice <alice@example.com>",
	"To: nosuch@example.com",
	"Subject: signed test",
	"Date: Tue, 14 Nov 2023 22:13:20 +0000",
	"Message-ID: <dkim.1@example.com>",
	NULL
};

/* df_sign - a DKIM-Signature value for these headers and body */
void df_sign(const char *key_pem, const char *domain, const char *selector,
	     dkim_canon_t hc, dkim_canon_t bc, const char *const *headers,
	     const char *body, char *sig, size_t size)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT st;
	DKIM *d;
	int i;

	ck_assert_ptr_nonnull(lib);
	d = dkim_sign(lib, (const unsigned char *) "test", NULL,
		      (dkim_sigkey_t) key_pem, (const unsigned char *) selector,
		      (const unsigned char *) domain, hc, bc,
		      DKIM_SIGN_RSASHA256, -1, &st);
	ck_assert_msg(d != NULL, "dkim_sign: %s", dkim_getresultstr(st));
	for (i = 0; headers[i]; i++)
		ck_assert_int_eq(dkim_header(d, (unsigned char *) headers[i],
					     strlen(headers[i])), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_eoh(d), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_body(d, (unsigned char *) body, strlen(body)),
			 DKIM_STAT_OK);
	ck_assert_int_eq(dkim_eom(d, NULL), DKIM_STAT_OK);
	ck_assert_int_eq(dkim_getsighdr(d, (unsigned char *) sig, size,
					strlen("DKIM-Signature: ")), DKIM_STAT_OK);
	dkim_free(d);
	dkim_close(lib);
}
