/*
 * NAME
 *	dkim_fixture.h - messages signed here, for the DKIM suites
 * SYNOPSIS
 *	#include "dkim_fixture.h"
 *
 *	df_sign(key_pem, "example.com", "sel", hc, bc, headers, body,
 *		sig, sizeof(sig));
 * DESCRIPTION
 *	df_sign signs HEADERS ("Name: value" strings, NULL-terminated)
 *	and BODY with libopendkim and the test key (fh_dkim_test_key)
 *	and writes the DKIM-Signature value (no field name) into SIG.
 *	df_headers is the message every suite signs; DF_BODY its body.
 */
#ifndef DKIM_FIXTURE_H
#define DKIM_FIXTURE_H

#include <stddef.h>

#include <dkim.h>

#define DF_BODY "Hello,\r\nthis message is signed.\r\n"

extern const char *const df_headers[];

void df_sign(const char *key_pem, const char *domain, const char *selector,
	     dkim_canon_t hc, dkim_canon_t bc, const char *const *headers,
	     const char *body, char *sig, size_t size);

#endif
