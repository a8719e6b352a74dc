/*
 * NAME
 *	console_tls.c - the console's TLS certificate and key, checked
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	if (cn_http_tls_load(err, sizeof(err)) < 0) ...
 *	cn_tls_cert_pem, cn_tls_key_pem
 * DESCRIPTION
 *	tls_cert (PEM, the server's certificate first, then any chain)
 *	and tls_key (PEM, a key others may not read) are read at start,
 *	as root, and checked with GnuTLS before the server starts, so a
 *	mistake stops the start with a message that says what is wrong
 *	instead of a handshake failure in every browser:
 *
 *	- the key must be the certificate's (their public keys' ids are
 *	  compared);
 *	- the certificate must be valid now (not expired, not yet valid).
 *
 *	A certificate that expires within 14 days is a warning.
 * DIAGNOSTICS
 *	"FILE: what", naming the dates.
 */
#include "config.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "console_impl.h"

#define PEM_MAX		(256 * 1024)

char *cn_tls_cert_pem, *cn_tls_key_pem;

/* day - a date for a message */
static void day(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* cn_tls_check - the key matches the certificate, which is valid now */
int cn_tls_check(const char *cert_pem, size_t cert_len,
		 const char *key_pem, size_t key_len, time_t now,
		 char *err, size_t errsize)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	gnutls_datum_t d;
	unsigned char crt_id[64], key_id[64];
	size_t crt_id_len = sizeof(crt_id), key_id_len = sizeof(key_id);
	time_t from, until;
	char when[64];
	int rc = -1, e;

	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_privkey_init(&key) < 0) {
		snprintf(err, errsize, "GnuTLS: out of memory");
		goto out;
	}
	d.data = (unsigned char *) cert_pem;
	d.size = (unsigned) cert_len;
	if ((e = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM)) < 0) {
		snprintf(err, errsize, "%s: not a PEM certificate: %s",
			 cn_cfg.tls_cert, gnutls_strerror(e));
		goto out;
	}
	d.data = (unsigned char *) key_pem;
	d.size = (unsigned) key_len;
	if ((e = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		snprintf(err, errsize, "%s: not a PEM private key (without a password): %s",
			 cn_cfg.tls_key, gnutls_strerror(e));
		goto out;
	}
	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_id_len) < 0
	    || gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, key_id, &key_id_len) < 0
	    || crt_id_len != key_id_len || memcmp(crt_id, key_id, crt_id_len) != 0) {
		snprintf(err, errsize, "%s: this key does not belong to the certificate in %s",
			 cn_cfg.tls_key, cn_cfg.tls_cert);
		goto out;
	}
	from = gnutls_x509_crt_get_activation_time(crt);
	until = gnutls_x509_crt_get_expiration_time(crt);
	if (until != (time_t) -1 && until < now) {
		day(until, when, sizeof(when));
		snprintf(err, errsize, "%s: the certificate expired on %s", cn_cfg.tls_cert, when);
		goto out;
	}
	if (from != (time_t) -1 && from > now) {
		day(from, when, sizeof(when));
		snprintf(err, errsize, "%s: the certificate is not valid before %s",
			 cn_cfg.tls_cert, when);
		goto out;
	}
	if (until != (time_t) -1 && until < now + 14 * 86400) {
		day(until, when, sizeof(when));
		cn_log(CN_LOG_WARN, "%s: the certificate expires on %s", cn_cfg.tls_cert, when);
	}
	rc = 0;
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

/* read_cert - a certificate file (it may be readable by anyone) */
static char *read_cert(const char *path, size_t *len_r, char *err, size_t errsize)
{
	FILE *fp;
	char *data;
	size_t n;

	if (!(fp = fopen(path, "re"))) {
		snprintf(err, errsize, "%s: cannot open: %m", path);
		return NULL;
	}
	if (!(data = malloc(PEM_MAX + 1))) {
		fclose(fp);
		snprintf(err, errsize, "%s: out of memory", path);
		return NULL;
	}
	n = fread(data, 1, PEM_MAX + 1, fp);
	fclose(fp);
	if (n > PEM_MAX) {
		snprintf(err, errsize, "%s: larger than %d bytes", path, PEM_MAX);
		free(data);
		return NULL;
	}
	data[n] = 0;
	*len_r = n;
	return data;
}

/* cn_http_tls_load - read tls_cert and tls_key and check them */
int cn_http_tls_load(char *err, size_t errsize)
{
	size_t cert_len, key_len;

	if (!cn_cfg.tls_cert)
		return 0;
	if (!(cn_tls_cert_pem = read_cert(cn_cfg.tls_cert, &cert_len, err, errsize)))
		return -1;
	if (cn_read_private_file(cn_cfg.tls_key, PEM_MAX, &cn_tls_key_pem, &key_len,
				 err, errsize) < 0)
		return -1;
	return cn_tls_check(cn_tls_cert_pem, cert_len, cn_tls_key_pem, key_len,
			    time(NULL), err, errsize);
}
