/*
 * NAME
 *	console_flash.c - the result of a form, shown once after its redirect
 * SYNOPSIS
 *	#include "console_views.h"
 *
 *	cn_flash_cookie(resp->set_cookie, sizeof(resp->set_cookie),
 *			ok, "3 removed", rq->tls);
 *	if (cn_flash_read(cn_header(rq, "Cookie"), &ok, text, sizeof(text)))
 *		... show text, then clear: cn_flash_clear(...) ...
 * DESCRIPTION
 *	A form POST answers 303 to its page (post, redirect, get), so a
 *	reload never sends the form again. Its result travels in a cookie
 *	of a minute's life, lg_flash, that the next page shows and clears:
 *	not in the URL, where a crafted link could make the console show
 *	any text, and a reload shows it no more.
 *
 *	The value is "o." or "e." (ok, error) and the text in base64url,
 *	at most CN_FLASH_MAX bytes, cut at a character boundary; the
 *	cookie is HttpOnly, SameSite=Strict, Path=/ and Secure under TLS.
 * DIAGNOSTICS
 *	cn_flash_read() is 0 for a missing or malformed cookie.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "console_views.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* encode - n bytes of s as base64url without padding into out */
static void encode(const unsigned char *s, size_t n, char *out)
{
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned) s[i] << 16 | (unsigned) s[i + 1] << 8 | s[i + 2];
		*out++ = b64[v >> 18];
		*out++ = b64[v >> 12 & 63];
		*out++ = b64[v >> 6 & 63];
		*out++ = b64[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned) s[i] << 16;
		*out++ = b64[v >> 18];
		*out++ = b64[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned) s[i] << 16 | (unsigned) s[i + 1] << 8;
		*out++ = b64[v >> 18];
		*out++ = b64[v >> 12 & 63];
		*out++ = b64[v >> 6 & 63];
	}
	*out = 0;
}

/* cn_flash_cookie - the Set-Cookie value carrying a result */
void cn_flash_cookie(char *out, size_t size, int ok, const char *text,
		     int tls)
{
	char enc[(CN_FLASH_MAX + 2) / 3 * 4 + 1];
	size_t n = strlen(text);

	if (n > CN_FLASH_MAX) {
		n = CN_FLASH_MAX;
		while (n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80)
			n--;
	}
	encode((const unsigned char *) text, n, enc);
	if ((size_t) snprintf(out, size, "lg_flash=%c.%s; Path=/; Max-Age=60; "
			      "HttpOnly; SameSite=Strict%s", ok ? 'o' : 'e',
			      enc, tls ? "; Secure" : "") >= size)
		out[0] = 0;	/* never a cut cookie */
}

/* cn_flash_clear - the Set-Cookie value that drops it */
void cn_flash_clear(char *out, size_t size, int tls)
{
	snprintf(out, size, "lg_flash=; Path=/; Max-Age=0; HttpOnly; "
		 "SameSite=Strict%s", tls ? "; Secure" : "");
}

/* value_of - the lg_flash value in a Cookie header, its length in *n */
static const char *value_of(const char *cookies, size_t *n)
{
	const char *p = cookies;

	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, "lg_flash=", 9) == 0) {
			p += 9;
			*n = strcspn(p, "; ");
			return p;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

/* cn_flash_read - 1 with the result in ok_r and text, else 0 */
int cn_flash_read(const char *cookies, int *ok_r, char *text, size_t size)
{
	const char *v, *c;
	size_t n, i, out = 0;
	unsigned acc = 0, bits = 0;

	if (!cookies || !(v = value_of(cookies, &n)) || n < 3 || v[1] != '.' ||
	    (v[0] != 'o' && v[0] != 'e') || n > 2 + (CN_FLASH_MAX + 2) / 3 * 4)
		return 0;
	for (i = 2; i < n; i++) {
		if (!(c = memchr(b64, v[i], 64)))
			return 0;
		acc = (acc << 6 | (unsigned) (c - b64)) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (out + 1 >= size)
				return 0;
			text[out++] = (char) (acc >> bits & 0xff);
		}
	}
	text[out] = 0;
	if (strlen(text) != out)
		return 0;	/* a NUL inside */
	*ok_r = v[0] == 'o';
	return out > 0;
}
