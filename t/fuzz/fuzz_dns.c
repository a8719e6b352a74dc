/*
 * NAME
 *	fuzz_dns - libFuzzer harness for the check that a DNS datagram
 *	answers loopguard's own key query (milter/dkim/dkim_dns.c)
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_dns [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	A datagram from the network is all peer input. The first input
 *	byte picks one of a few queries (names of several shapes, TXT,
 *	class IN, as dkim_dns.c writes them); the rest is the datagram,
 *	given to lg_dkim_dns_is_answer. When it says yes, this checks on
 *	its own what dkim_impl.h promises: the datagram is at least as
 *	long as the question, has the query's id, the response bit and
 *	one question, and its question equals the query's but for the
 *	case of letters.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_impl.h"
#include "fuzz_util.h"

/* The queries: id, flags, counts, then the question (names in wire
 * form, type TXT, class IN). */
#define HDR	"\xa5\x3c\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01"
#define TXT_IN	"\x00\x10\x00\x01"
static const struct {
	const char *pkt;
	size_t q_end;
} queries[] = {
	{ HDR "\x03sel\x0a_domainkey\x07" "example\x03" "com\x00" TXT_IN,
	  12 + 28 + 4 },
	{ HDR "\x01" "A\x0a_domainkey\x01" "Z\x00" TXT_IN, 12 + 16 + 4 },
	{ HDR "\x02" "k1\x0a_domainkey\x03" "a-b\x02" "c9\x00" TXT_IN,
	  12 + 22 + 4 },
};

/* same_question - an independent comparison: equal, letters without
 * case */
static int same_question(const unsigned char *a, const unsigned char *b,
			 size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (a[i] != b[i] && !(isalpha(a[i]) && isalpha(b[i]) &&
				      tolower(a[i]) == tolower(b[i])))
			return 0;
	return 1;
}

/* LLVMFuzzerTestOneInput - one datagram against one query */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *q;
	unsigned char *ans;
	size_t n, q_end, pick;

	if (size < 1)
		return 0;
	pick = data[0] % (sizeof(queries) / sizeof(queries[0]));
	q = (const unsigned char *) queries[pick].pkt;
	q_end = queries[pick].q_end;
	n = size - 1;
	/* a copy of exactly N bytes: a read past it is caught */
	if ((ans = malloc(n ? n : 1)) == NULL)
		return 0;
	memcpy(ans, data + 1, n);
	if (lg_dkim_dns_is_answer(q, q_end, ans, n)) {
		FZ_CHECK(n >= q_end, "is_answer: shorter than the question");
		FZ_CHECK(ans[0] == q[0] && ans[1] == q[1],
			 "is_answer: another id");
		FZ_CHECK(ans[2] & 0x80, "is_answer: not a response");
		FZ_CHECK(ans[4] == 0 && ans[5] == 1,
			 "is_answer: not one question");
		FZ_CHECK(same_question(ans, q, 12, q_end),
			 "is_answer: another question");
	}
	free(ans);
	return 0;
}
