/*
 * NAME
 *	fuzz_mime - libFuzzer harness for the bounce plugin's MIME walker
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_mime [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	Input: a whole message, as in the bounce corpus
 *	(t/plugins/bounce/corpus, whose samples are seeds too): its top
 *	headers give the Content-Type and Content-Transfer-Encoding
 *	values (bounce_sample.h), the rest is the body, handed to
 *	bounce_find_original() in a buffer of exactly its size with no
 *	NUL after it, as the plugin does with the captured body.
 *	bounce_message_id() gets the whole body as a header value too.
 *
 *	Checked besides memory errors: no internal error; the result is
 *	all zero but the DSN fields when nothing is found; a Message-ID is
 *	printable and not too long; the returned part lies inside the
 *	body; DKIM domains are lower case, non-empty and within their
 *	limit; the DSN fields are printable without blanks, within their
 *	limits, the status "D.D{1,3}.D{1,3}" of class 2, 4 or 5 and the
 *	action one of RFC 3464's; a second call gives the same.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "fuzz_util.h"
#include "../plugins/bounce/bounce_sample.h"

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

/* check_field - a DSN field: printable, no blanks, within SIZE */
static void check_field(const char *what, const char *v, size_t size)
{
	size_t i, n = strnlen(v, size);

	FZ_CHECK(n < size, "%s not terminated", what);
	for (i = 0; i < n; i++)
		FZ_CHECK((unsigned char) v[i] > ' ' &&
			 (unsigned char) v[i] < 127, "%s byte 0x%02x", what,
			 (unsigned char) v[i]);
}

/* check_status - "" or D.D{1,3}.D{1,3}, class 2, 4 or 5 */
static void check_status(const char *v)
{
	size_t a, b;

	if (!v[0])
		return;
	FZ_CHECK((v[0] == '2' || v[0] == '4' || v[0] == '5') && v[1] == '.',
		 "status \"%s\"", v);
	a = strspn(v + 2, "0123456789");
	FZ_CHECK(a >= 1 && a <= 3 && v[2 + a] == '.', "status \"%s\"", v);
	b = strspn(v + 3 + a, "0123456789");
	FZ_CHECK(b >= 1 && b <= 3 && v[3 + a + b] == 0, "status \"%s\"", v);
}

/* check_dsn - the DSN fields */
static void check_dsn(const struct bounce_original *o)
{
	static const char *const actions[] = {
		"", "failed", "delayed", "delivered", "relayed", "expanded", NULL
	};
	int i;

	check_field("final_recipient", o->final_recipient,
		    sizeof(o->final_recipient));
	check_field("reporting_mta", o->reporting_mta,
		    sizeof(o->reporting_mta));
	check_field("status", o->status, sizeof(o->status));
	check_field("dsn_action", o->dsn_action, sizeof(o->dsn_action));
	check_status(o->status);
	for (i = 0; actions[i]; i++)
		if (strcmp(o->dsn_action, actions[i]) == 0)
			break;
	FZ_CHECK(actions[i] != NULL, "action \"%s\"", o->dsn_action);
}

/* check_original - what bounce.h promises about a result */
static void check_original(int found, const struct bounce_original *o,
			   const char *body, size_t len)
{
	static const struct bounce_original zero;
	struct bounce_original bare;
	int i;
	const char *d;

	FZ_CHECK(found == 0 || found == 1, "result %d", found);
	FZ_CHECK(bounce_kind_name(o->kind) != NULL, "no kind name");
	check_dsn(o);
	if (!found) {
		memcpy(&bare, o, sizeof(bare));
		memset(bare.final_recipient, 0, sizeof(bare.final_recipient));
		memset(bare.status, 0, sizeof(bare.status));
		memset(bare.reporting_mta, 0, sizeof(bare.reporting_mta));
		memset(bare.dsn_action, 0, sizeof(bare.dsn_action));
		FZ_CHECK(memcmp(&bare, &zero, sizeof(zero)) == 0,
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

/* LLVMFuzzerTestOneInput - one whole message */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ct[1024], cte[128], *copy, *body, id[BOUNCE_ID_MAX + 1];
	struct bounce_original *o = malloc(sizeof(*o)), *again = malloc(sizeof(*o));
	const char *ctp, *ctep;
	size_t start, len;
	int found;

	copy = malloc(size ? size : 1);
	if (!o || !again || !copy)
		abort();
	memcpy(copy, data, size);
	start = sample_split(copy, size, ct, sizeof(ct), cte, sizeof(cte));
	len = size - start;
	ctp = ct[0] ? ct : NULL;
	ctep = cte[0] ? cte : NULL;
	/* exactly len bytes, so a read past the end is caught */
	body = malloc(len ? len : 1);
	if (!body)
		abort();
	if (len)
		memcpy(body, copy + start, len);
	found = bounce_find_original(ctp, ctep, body, len, o);
	check_original(found, o, body, len);
	FZ_CHECK(found == bounce_find_original(ctp, ctep, body, len, again) &&
		 memcmp(o, again, sizeof(*o)) == 0,
		 "a second call finds something else");
	if (bounce_message_id(body, len, id, sizeof(id)) == 0)
		check_id(id);
	(void) bounce_find_original(ct, cte, NULL, 0, o);
	free(body);
	free(copy);
	free(o);
	free(again);
	return 0;
}
