/*
 * NAME
 *	recipients.c - the recipient directory: which local addresses exist
 * SYNOPSIS
 *	#include "recipients.h"
#include "recipients_impl.h"
 * DESCRIPTION
 *	One open-addressing hash set (linear probing, doubled when 70%
 *	full) holds every entry as "local\0domain\0" in one string pool.
 *	A slot is the pool offset (0 = empty) and the hash. A "@domain"
 *	wildcard is stored with an empty local part, which no address can
 *	have. A file is read whole, and the table and the pool are sized
 *	for it before the first entry goes in: a million addresses cost a
 *	handful of allocations and no rehashing.
 *
 *	Entries go through lg_parse_address, so a file entry and an
 *	address from the MTA are normalised the same way: domain
 *	lower-cased without a trailing dot; local part lower-cased unless
 *	case_sensitive_local. A file entry must be plain: no spaces,
 *	control characters, quotes, backslashes or angle brackets.
 *
 *	A file holds one entry a line. Leading and trailing white space is
 *	ignored; a "#" at the start of a line or after white space starts a
 *	comment ("#" is legal inside an address, as in "a#b@example.com").
 *
 *	The address extension rule follows Postfix: the local part is cut
 *	at the first byte found in the delimiter set, unless that byte is
 *	the first one; "postmaster" and "mailer-daemon" are never cut, nor
 *	are "owner-*" and "*-request" when "-" is a delimiter.
 *
 *	Once loaded the set is only read, so lookups need no lock.
 * DIAGNOSTICS
 *	lg_recipients_load: "PATH: strerror" (for ENOMEM too) or
 *	"PATH:LINE: bad address "ENTRY"", control bytes shown as "?" and
 *	cut after 80 bytes. Entries before an error stay loaded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"
#include "parse.h"

/* Directory library. */
#include "recipients.h"
#include "recipients_impl.h"

/* hash - FNV-1a over local "@" domain, then a 64-bit finaliser */
static uint32_t hash(const char *local, size_t llen, const char *domain,
		     size_t dlen)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < llen; i++)
		h = (h ^ (unsigned char) local[i]) * 1099511628211ULL;
	h = (h ^ '@') * 1099511628211ULL;
	for (i = 0; i < dlen; i++)
		h = (h ^ (unsigned char) domain[i]) * 1099511628211ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (uint32_t) h;
}

/* find - the slot holding local/domain, or the empty slot where it
 * would go (the table always has an empty slot) */
static size_t find(const struct lg_recipients *r, const char *local,
		   size_t llen, const char *domain, uint32_t h)
{
	size_t i = h & (r->nslots - 1);
	const char *s;

	for (;; i = (i + 1) & (r->nslots - 1)) {
		if (r->slots[i].off == 0)
			return i;
		if (r->slots[i].hash != h)
			continue;
		s = r->pool + r->slots[i].off;
		if (strcmp(s, local) == 0 && strcmp(s + llen + 1, domain) == 0)
			return i;
	}
}

/* reserve - room for n entries in all and bytes more of strings, so a
 * big file is loaded without rehashing or copying; 0 or -1 */
int lg_rcpts_reserve(struct lg_recipients *r, size_t n, size_t bytes)
{
	size_t size = r->nslots, cap = r->pool_cap, i, j;
	struct slot *s;
	char *p;

	while (cap - r->pool_len < bytes && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap != r->pool_cap) {
		if (!(p = realloc(r->pool, cap)))
			return -1;
		r->pool = p;
		r->pool_cap = cap;
	}
	while (n > size / 10 * 7 && size <= SIZE_MAX / 2 / sizeof(*s))
		size *= 2;
	if (size == r->nslots)
		return 0;
	if (!(s = calloc(size, sizeof(*s))))
		return -1;
	for (i = 0; i < r->nslots; i++) {
		if (r->slots[i].off == 0)
			continue;
		for (j = r->slots[i].hash & (size - 1); s[j].off;
		     j = (j + 1) & (size - 1))
			continue;
		s[j] = r->slots[i];
	}
	free(r->slots);
	r->slots = s;
	r->nslots = size;
	return 0;
}

/* pool_add - copy local\0domain\0 to the pool; its offset, or 0 */
static uint32_t pool_add(struct lg_recipients *r, const char *local,
			 size_t llen, const char *domain, size_t dlen)
{
	size_t need = llen + dlen + 2;
	uint32_t off;
	char *p;

	if (r->pool_len + need > UINT32_MAX || lg_rcpts_reserve(r, 0, need) != 0)
		return 0;
	off = (uint32_t) r->pool_len;
	p = r->pool + off;
	memcpy(p, local, llen);
	p[llen] = 0;
	memcpy(p + llen + 1, domain, dlen);
	p[llen + 1 + dlen] = 0;
	r->pool_len += need;
	return off;
}

/* stage - check and normalise one entry of len bytes into the pool,
 * and start fetching its slot; ADD_OK, ADD_BAD or ADD_NOMEM */
int lg_rcpts_stage(struct lg_recipients *r, const char *entry, size_t len,
		 struct staged *st)
{
	char text[ENTRY_MAX + 2], buf[2 * ENTRY_MAX + 8];
	const char *local, *domain;
	size_t i, llen, dlen;

	if (len == 0 || len > ENTRY_MAX)
		return ADD_BAD;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) entry[i];

		if (c <= ' ' || c == 0x7f || c == '"' || c == '\\' ||
		    c == '<' || c == '>')
			return ADD_BAD;
	}
	/* "@domain": check the domain as it would be in "x@domain" */
	text[0] = 'x';
	memcpy(text + 1, entry, len);
	text[len + 1] = 0;
	if (lg_parse_address(entry[0] == '@' ? text : text + 1,
			     !r->case_sensitive_local, buf, sizeof(buf),
			     &local, &domain) != LG_ADDR_OK)
		return ADD_BAD;
	if (entry[0] == '@')
		local = "";
	llen = strlen(local);
	dlen = strlen(domain);
	if ((st->off = pool_add(r, local, llen, domain, dlen)) == 0)
		return ADD_NOMEM;
	st->hash = hash(local, llen, domain, dlen);
#ifdef __GNUC__
	__builtin_prefetch(&r->slots[st->hash & (r->nslots - 1)]);
#endif
	return ADD_OK;
}

/* commit - put a staged entry in the table unless it is there already
 * (a duplicate gives its bytes back if nothing came after them) */
int lg_rcpts_commit(struct lg_recipients *r, const struct staged *st)
{
	const char *local = r->pool + st->off, *domain;
	size_t llen = strlen(local), i;

	domain = local + llen + 1;
	i = find(r, local, llen, domain, st->hash);
	if (r->slots[i].off) {
		if (st->off + llen + strlen(domain) + 2 == r->pool_len)
			r->pool_len = st->off;
		return ADD_OK;
	}
	if (r->count + 1 > r->nslots / 10 * 7) {
		/* only the table moves, so local and domain stay valid */
		if (lg_rcpts_reserve(r, r->count + 1, 0) != 0)
			return ADD_NOMEM;
		i = find(r, local, llen, domain, st->hash);
	}
	r->slots[i].off = st->off;
	r->slots[i].hash = st->hash;
	r->count++;
	return ADD_OK;
}

/* lg_recipients_new - an empty directory */
struct lg_recipients *lg_recipients_new(int case_sensitive_local,
					const char *delimiter)
{
	struct lg_recipients *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->case_sensitive_local = case_sensitive_local;
	r->delims = strdup(delimiter ? delimiter : "");
	r->pool = malloc(POOL_MIN);
	r->pool_cap = POOL_MIN;
	r->pool_len = 1;			/* offset 0 means "empty" */
	r->slots = calloc(SLOTS_MIN, sizeof(*r->slots));
	r->nslots = SLOTS_MIN;
	if (!r->delims || !r->pool || !r->slots)
		lg_recipients_free(&r);
	return r;
}

/* lg_recipients_free - release everything and clear the pointer */
void lg_recipients_free(struct lg_recipients **rcpts)
{
	struct lg_recipients *r = rcpts ? *rcpts : NULL;

	if (!r)
		return;
	free(r->delims);
	free(r->pool);
	free(r->slots);
	free(r);
	*rcpts = NULL;
}

/* normalise - copy s lower-cased (if fold) to out; its length, or 0 if
 * it is empty or too long. A domain loses one trailing dot. */
static size_t normalise(char *out, const char *s, int fold, int domain)
{
	size_t n = strlen(s), i;

	if (domain && n > 1 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > ENTRY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = fold && s[i] >= 'A' && s[i] <= 'Z' ?
			(char) (s[i] - 'A' + 'a') : s[i];
	out[n] = 0;
	return n;
}

/* has - the set holds local/domain */
static int has(const struct lg_recipients *r, const char *local,
	       const char *domain, size_t dlen)
{
	size_t llen = strlen(local);
	uint32_t h = hash(local, llen, domain, dlen);

	return r->slots[find(r, local, llen, domain, h)].off != 0;
}

/* lg_recipients_ext_at - see recipients.h */
size_t lg_recipients_ext_at(const char *delims, const char *local,
			    size_t len)
{
	size_t n;

	if (!delims || !delims[0] || strcasecmp(local, "postmaster") == 0 ||
	    strcasecmp(local, "mailer-daemon") == 0)
		return 0;
	if (strchr(delims, '-') &&
	    (strncasecmp(local, "owner-", 6) == 0 ||
	     (len > 8 && strcasecmp(local + len - 8, "-request") == 0)))
		return 0;
	n = strcspn(local, delims);
	return n < len ? n : 0;
}

/* split_at - where the address extension starts, or 0 for none */
static size_t split_at(const struct lg_recipients *r, const char *local,
		       size_t len)
{
	return lg_recipients_ext_at(r->delims, local, len);
}

/* lg_recipients_exists - 1 if local@domain is a valid recipient */
int lg_recipients_exists(const struct lg_recipients *r, const char *local,
			 const char *domain)
{
	char lk[ENTRY_MAX + 1], dk[ENTRY_MAX + 1];
	size_t llen, dlen, cut;

	if (!r || !local || !*local || !domain ||
	    !(dlen = normalise(dk, domain, 1, 1)))
		return 0;
	if (has(r, "", dk, dlen))
		return 1;
	if (!(llen = normalise(lk, local, !r->case_sensitive_local, 0)))
		return 0;
	if (has(r, lk, dk, dlen))
		return 1;
	if ((cut = split_at(r, lk, llen)) == 0)
		return 0;
	lk[cut] = 0;
	return has(r, lk, dk, dlen);
}

/* lg_recipients_base - LOCAL without its address extension (LOCAL may
 * be of any length: only what is kept must fit BUF) */
int lg_recipients_base(const struct lg_recipients *r, const char *local,
		       char *buf, size_t size)
{
	size_t len = local ? strlen(local) : 0, cut = 0, keep;

	if (r && len > 0)
		cut = split_at(r, local, len);
	keep = cut ? cut : len;
	if (keep >= size)
		return -1;
	if (keep > 0)
		memcpy(buf, local, keep);
	buf[keep] = 0;
	return cut ? 1 : 0;
}

/* lg_recipients_count - addresses and wildcards loaded */
size_t lg_recipients_count(const struct lg_recipients *r)
{
	return r ? r->count : 0;
}

/* lg_recipients_each_in_domain - every exact address of one domain, in
 * no particular order; 0, fn's non-zero result, or -1 for bad args */
int lg_recipients_each_in_domain(const struct lg_recipients *r,
				 const char *domain,
				 int (*fn)(void *arg, const char *local),
				 void *arg)
{
	char dk[ENTRY_MAX + 1];
	const char *s;
	size_t i;
	int rc;

	if (!r || !domain || !fn)
		return -1;
	if (!normalise(dk, domain, 1, 1))
		return 0;
	for (i = 0; i < r->nslots; i++) {
		if (r->slots[i].off == 0)
			continue;
		s = r->pool + r->slots[i].off;
		if (*s && strcmp(s + strlen(s) + 1, dk) == 0 &&
		    (rc = fn(arg, s)) != 0)
			return rc;
	}
	return 0;
}

/* lg_recipients_add_key - a key as a table lists it: LOCAL may be ""
 * (a domain wildcard), DOMAIN may be "" (a bare local part); both are
 * folded as lookups fold them; 0, or -1 (too long, empty, no memory) */
int lg_recipients_add_key(struct lg_recipients *r, const char *local,
			  const char *domain)
{
	char lk[ENTRY_MAX + 1], dk[ENTRY_MAX + 1];
	size_t llen = 0, dlen = 0;
	struct staged st;

	if (!r || !local || !domain || (!*local && !*domain))
		return -1;
	if (*local && !(llen = normalise(lk, local,
					 !r->case_sensitive_local, 0)))
		return -1;
	if (*domain && !(dlen = normalise(dk, domain, 1, 1)))
		return -1;
	lk[llen] = dk[dlen] = 0;
	if ((st.off = pool_add(r, lk, llen, dk, dlen)) == 0)
		return -1;
	st.hash = hash(lk, llen, dk, dlen);
	return lg_rcpts_commit(r, &st) == ADD_OK ? 0 : -1;
}

/* lg_recipients_has_key - exactly this key (already folded) */
int lg_recipients_has_key(const struct lg_recipients *r, const char *local,
			  const char *domain)
{
	if (!r || !local || !domain)
		return 0;
	return has(r, local, domain, strlen(domain));
}

/* lg_recipients_each - every key, in no particular order */
int lg_recipients_each(const struct lg_recipients *r,
		       int (*fn)(void *arg, const char *local,
				 const char *domain), void *arg)
{
	const char *s;
	size_t i;
	int rc;

	if (!r || !fn)
		return -1;
	for (i = 0; i < r->nslots; i++) {
		if (r->slots[i].off == 0)
			continue;
		s = r->pool + r->slots[i].off;
		if ((rc = fn(arg, s, s + strlen(s) + 1)) != 0)
			return rc;
	}
	return 0;
}
