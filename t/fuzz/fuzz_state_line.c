/*
 * NAME
 *	fuzz_state_line - libFuzzer harness for the state export/import
 *	line parser (milter/store/snapshot/state_line.c)
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_state_line [libFuzzer options] [corpus...]
 * DESCRIPTION
 *	The input is split at newlines, as loopguardctl and the daemon
 *	split a state file; the first line goes to lg_state_header() and
 *	every line to lg_state_parse() (at most 64 lines a run, the line
 *	buffer not NUL-terminated, so a read past its end is caught). It
 *	checks what state_line.h promises: the answer is -1, 0 or 1; an
 *	error has a message; a record read has a key of 1 to
 *	LG_STORE_KEY_MAX bytes, text fields within their limits, times
 *	within 0 .. 2^32-1 and SIZE at least -1; and written back by
 *	lg_state_format() it reads again as the very same record.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "state_line.h"

#define MAX_LINES	64
#define NOW		((time_t) 1700000000)

static struct lg_state_line first, again;
static char out[LG_STATE_LINE_MAX + 1];

/* same - two parsed records are equal in every field */
static int same(const struct lg_store_record *a,
		const struct lg_store_record *b)
{
	return strcmp(a->key, b->key) == 0 &&
		strcmp(a->plugin, b->plugin) == 0 &&
		strcmp(a->from, b->from) == 0 && strcmp(a->to, b->to) == 0 &&
		strcmp(a->client, b->client) == 0 &&
		strcmp(a->status, b->status) == 0 && a->count == b->count &&
		a->size == b->size && a->created == b->created &&
		a->expires == b->expires;
}

/* check_record - the bounds of a record read, and its round trip */
static void check_record(void)
{
	const struct lg_store_record *r = &first.rec;
	char err[512] = "";
	size_t n, k = strlen(r->key);

	FZ_CHECK(k >= 1 && k <= LG_STORE_KEY_MAX, "key of %zu bytes", k);
	FZ_CHECK(strlen(r->plugin) <= LG_STORE_PLUGIN_MAX, "long plugin");
	FZ_CHECK(strlen(r->from) <= LG_STORE_FIELD_MAX &&
		 strlen(r->to) <= LG_STORE_FIELD_MAX &&
		 strlen(r->client) <= LG_STORE_FIELD_MAX &&
		 strlen(r->status) <= LG_STORE_FIELD_MAX, "long text field");
	FZ_CHECK((long long) r->created >= 0 &&
		 (long long) r->created <= (long long) UINT32_MAX &&
		 (long long) r->expires >= 0 &&
		 (long long) r->expires <= (long long) UINT32_MAX,
		 "time out of range");
	FZ_CHECK(r->size >= -1, "size %lld", r->size);
	FZ_CHECK(first.expired == ((long long) r->expires <= (long long) NOW),
		 "expired flag wrong");
	n = lg_state_format(r, out, sizeof(out));
	FZ_CHECK(n > 0 && n <= LG_STATE_LINE_MAX, "format gave %zu", n);
	FZ_CHECK(lg_state_parse(out, n, NOW, &again, err, sizeof(err)) == 1,
		 "written line does not read back: %s", err);
	FZ_CHECK(same(r, &again.rec), "round trip changed the record");
}

/* one_line - parse n bytes (a private copy, not NUL-terminated) */
static void one_line(const uint8_t *p, size_t n, int lineno)
{
	char *copy = malloc(n ? n : 1), err[512];
	int rc;

	if (copy == NULL)
		abort();
	memcpy(copy, p, n);
	if (lineno == 1) {
		err[0] = 0;
		rc = lg_state_header(copy, n, err, sizeof(err));
		FZ_CHECK(rc == 0 || (rc == -1 && err[0]), "header rc %d", rc);
	}
	err[0] = 0;
	rc = lg_state_parse(copy, n, NOW, &first, err, sizeof(err));
	FZ_CHECK(rc >= -1 && rc <= 1, "parse rc %d", rc);
	FZ_CHECK(rc != -1 || err[0], "an error without a message");
	FZ_CHECK(rc == 1 || first.rec.key == NULL, "a key without a record");
	if (rc == 1)
		check_record();
	free(copy);
}

/* LLVMFuzzerTestOneInput - each line of the input */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;
	int lineno = 0;

	while (p <= end && lineno < MAX_LINES) {
		nl = memchr(p, '\n', (size_t) (end - p));
		one_line(p, (size_t) ((nl ? nl : end) - p), ++lineno);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}
