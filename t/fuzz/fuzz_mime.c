/*
 * NAME
 *	fuzz_mime - libFuzzer harness for the bounce plugin's MIME walker
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_mime [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	Input: the first line is the message's Content-Type value (an
 *	empty first line: no Content-Type at all), the rest is the body,
 *	handed to bounce_find_original() in a buffer of exactly its size
 *	with no NUL after it, as the plugin does with the captured body.
 *	bounce_message_id() gets the whole body as a header value too.
 *
 *	Checked besides memory errors: the result is all zero when
 *	nothing is found; a Message-ID is printable and not too long; the
 *	returned part lies inside the body; DKIM domains are lower case,
 *	non-empty and within their limit; a second call gives the same.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "fuzz_util.h"

/* printable_id - what bounce_message_id may return */
static void check_id(const char *id)
{
	size_t i, n = strnlen(id, BOUNCE_ID_MAX + 1);

	FZ_CHECK(n <= BOUNCE_ID_MAX, "Message-ID longer than %d",
		 BOUNCE_ID_MAX);
	for (i = 0; i < n; i++)
		FZ_CHECK((unsigned char) id[i] > ' ' &&
			 (unsigned char) id[i] < 127,
			 "Message-ID byte 0x%02x", (unsigned char) id[i]);
}

/* check_original - what bounce.h promises about a result */
static void check_original(int found, const struct bounce_original *o,
			   const char *body, size_t len)
{
	static const struct bounce_original zero;
	int i;
	const char *d;

	FZ_CHECK(bounce_kind_name(o->kind) != NULL, "no kind name");
	if (!found) {
		FZ_CHECK(memcmp(o, &zero, sizeof(zero)) == 0,
			 "nothing found, but the result is not empty");
		return;
	}
	FZ_CHECK(o->kind != BOUNCE_NONE, "found, of kind none");
	check_id(o->message_id);
	if (o->kind == BOUNCE_MDN)
		FZ_CHECK(o->message_id[0], "an MDN without its Message-ID");
	if (o->kind == BOUNCE_RFC822 || o->kind == BOUNCE_HEADERS)
		FZ_CHECK(o->text && o->text >= body &&
			 o->text_len <= len - (size_t) (o->text - body),
			 "the returned part is not inside the body");
	else
		FZ_CHECK(o->text == NULL && o->text_len == 0,
			 "a returned part for kind %s", bounce_kind_name(o->kind));
	FZ_CHECK(o->n_dkim >= 0 && o->n_dkim <= BOUNCE_MAX_DKIM,
		 "n_dkim %d", o->n_dkim);
	for (i = 0; i < o->n_dkim; i++) {
		d = o->dkim_domains[i];
		FZ_CHECK(d[0] && strnlen(d, BOUNCE_DOMAIN_MAX + 1) <
			 BOUNCE_DOMAIN_MAX, "DKIM domain %d empty or too long", i);
		for (; *d; d++)
			FZ_CHECK(!(*d >= 'A' && *d <= 'Z') && *d != ';' &&
				 *d != ' ' && *d != '\t' && *d != '\r' &&
				 *d != '\n', "DKIM domain \"%s\"",
				 o->dkim_domains[i]);
	}
	FZ_CHECK(o->loops >= 0, "loops %d", o->loops);
}

/* LLVMFuzzerTestOneInput - one Content-Type and body */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t) (nl - data) : size, len;
	char *ct = fz_strndup(data, ct_len), *body, id[BOUNCE_ID_MAX + 1];
	struct bounce_original *o = malloc(sizeof(*o)), *again = malloc(sizeof(*o));
	int found;

	if (!o || !again)
		abort();
	len = nl ? size - ct_len - 1 : 0;
	/* exactly len bytes, so a read past the end is caught */
	body = malloc(len ? len : 1);
	if (!body)
		abort();
	if (len)
		memcpy(body, nl + 1, len);
	found = bounce_find_original(ct_len ? ct : NULL, body, len, o);
	check_original(found, o, body, len);
	FZ_CHECK(found == bounce_find_original(ct_len ? ct : NULL, body, len,
					       again) &&
		 memcmp(o, again, sizeof(*o)) == 0,
		 "a second call finds something else");
	if (bounce_message_id(body, len, id, sizeof(id)) == 0)
		check_id(id);
	(void) bounce_find_original(ct, NULL, 0, o);
	free(body);
	free(ct);
	free(o);
	free(again);
	return 0;
}
