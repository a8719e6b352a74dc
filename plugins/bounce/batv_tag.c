/*
 * NAME
 *	batv_tag - the prvs tag of a signed envelope sender
 * SYNOPSIS
 *	#include "batv.h"
 *
 *	batv_make(secret, len, 0, batv_day(now) + 7, "alice@example.com", tag);
 *	batv_parse("prvs=0123abcdef=alice", &key, &ddd, sig, &base);
 * DESCRIPTION
 *	The "simple private signature" of draft-levine-smtp-batv: the
 *	local part L of a sender becomes "prvs=KDDDSSSSSS=L", where K is
 *	the key id (one digit), DDD the day the tag expires (days since
 *	1970, mod 1000) and SSSSSS the first three bytes, in hex, of the
 *	HMAC-SHA1 under key K of the string "KDDD" followed by the
 *	original address. The address is hashed in lower case, so a
 *	bounce whose MTA changed the case still verifies. Pure functions:
 *	no host, no clock; the caller gives the day.
 * DIAGNOSTICS
 *	None: -1 or 0 to the caller.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "batv.h"

/* batv_day - the day number of NOW */
long batv_day(time_t now)
{
	return now < 0 ? 0 : (long) (now / 86400);
}

/* batv_make - the tag of ADDR under key KEY, expiring on day EXPIRY */
int batv_make(const unsigned char *secret, size_t len, int key,
	      long expiry, const char *addr, char tag[BATV_TAG_LEN + 1])
{
	char msg[4 + BATV_ADDR_MAX + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t i, n = strlen(addr);

	if (key < 0 || key >= BATV_KEYS || expiry < 0 || n == 0 ||
	    n > BATV_ADDR_MAX || len == 0 || len > BATV_SECRET_MAX)
		return -1;
	snprintf(msg, sizeof(msg), "%d%03ld", key, expiry % 1000);
	for (i = 0; i < n; i++)
		msg[4 + i] = (char) tolower((unsigned char) addr[i]);
	msg[4 + n] = 0;
	if (!HMAC(EVP_sha1(), secret, (int) len, (const unsigned char *) msg,
		  4 + n, md, &md_len) || md_len < 3)
		return -1;
	snprintf(tag, BATV_TAG_LEN + 1, "%.4s%02x%02x%02x", msg, md[0], md[1],
		 md[2]);
	return 0;
}

/* batv_parse - split "prvs=KDDDSSSSSS=BASE" */
int batv_parse(const char *local, int *key_r, int *ddd_r, char sig_r[7],
	       const char **base_r)
{
	const char *t = local + BATV_PREFIX_LEN;
	int i;

	if (strncasecmp(local, BATV_PREFIX, BATV_PREFIX_LEN) != 0)
		return 0;
	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char) t[i]))
			return 0;
	for (i = 4; i < BATV_TAG_LEN; i++)
		if (!isxdigit((unsigned char) t[i]))
			return 0;
	if (t[BATV_TAG_LEN] != '=' || t[BATV_TAG_LEN + 1] == 0)
		return 0;
	*key_r = t[0] - '0';
	*ddd_r = (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
	memcpy(sig_r, t + 4, 6);
	sig_r[6] = 0;
	*base_r = t + BATV_TAG_LEN + 1;
	return 1;
}

/* batv_sig_equal - constant-time, case-insensitive compare of 6 hex */
int batv_sig_equal(const char *a, const char *b)
{
	unsigned char x[6], y[6];
	int i;

	for (i = 0; i < 6; i++) {
		/* hex digits only: OR 0x20 lower-cases letters, keeps digits */
		x[i] = (unsigned char) (a[i] | 0x20);
		y[i] = (unsigned char) (b[i] | 0x20);
	}
	return CRYPTO_memcmp(x, y, sizeof(x)) == 0;
}

/* batv_days_left - days from TODAY to day DDD, mod 1000 */
int batv_days_left(int ddd, long today)
{
	return (int) (((long) ddd - today % 1000 + 1000) % 1000);
}
