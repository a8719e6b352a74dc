/*
 * NAME
 *	recipients.c - the recipient directory: which local addresses exist
 * SYNOPSIS
 *	#include "recipients.h"
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
 *	A file writable by everyone is loaded, with a warning logged.
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

/* Config library. */
#include "recipients.h"

#define ENTRY_MAX	512		/* longest entry, in bytes */
#define QUOTE_MAX	80		/* of a bad entry, in an error */
#define POOL_MIN	(64 * 1024)
#define SLOTS_MIN	1024		/* a power of two */
#define BATCH		16		/* entries staged before insertion */

struct slot {
	uint32_t off;			/* into pool; 0 = empty */
	uint32_t hash;
};

struct lg_recipients {
	int     case_sensitive_local;
	char   *delims;			/* "" = no address extensions */
	char   *pool;			/* "local\0domain\0" ... */
	size_t  pool_len;
	size_t  pool_cap;
	struct slot *slots;
	size_t  nslots;			/* a power of two */
	size_t  count;
};

/* Result of stage and commit. */
enum { ADD_OK, ADD_BAD, ADD_NOMEM };

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
static int reserve(struct lg_recipients *r, size_t n, size_t bytes)
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

	if (r->pool_len + need > UINT32_MAX || reserve(r, 0, need) != 0)
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

/* A normalised entry in the pool, not yet in the table. */
struct staged {
	uint32_t off;
	uint32_t hash;
};

/* stage - check and normalise one entry of len bytes into the pool,
 * and start fetching its slot; ADD_OK, ADD_BAD or ADD_NOMEM */
static int stage(struct lg_recipients *r, const char *entry, size_t len,
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
static int commit(struct lg_recipients *r, const struct staged *st)
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
		if (reserve(r, r->count + 1, 0) != 0)
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

/* set_err - format an error message if there is room for one */
static void set_err(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (!err || errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

/* quote - a bad entry made safe to print: control bytes as "?", cut */
static void quote(char *out, const char *s, size_t len)
{
	size_t i, n = len > QUOTE_MAX ? QUOTE_MAX : len;

	for (i = 0; i < n; i++)
		out[i] = (unsigned char) s[i] < ' ' || s[i] == 0x7f ? '?' :
			s[i];
	strcpy(out + n, len > n ? "..." : "");
}

/* is_space - white space around an entry or before a comment */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
		c == '\f';
}

/* trim - the entry in [s, *e): white space and a comment cut off */
static const char *trim(const char *s, const char **e)
{
	const char *p;

	while (s < *e && is_space(*s))
		s++;
	for (p = s; p < *e; p++)
		if (*p == '#' && (p == s || is_space(p[-1])))
			*e = p;
	while (*e > s && is_space((*e)[-1]))
		(*e)--;
	return s;
}

/* warn_writable - like the config file, a recipients file that
 * anyone may change is worth a warning */
static void warn_writable(const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IWOTH))
		lg_log(LG_LOG_WARN,
		       "recipients %s is writable by everyone (mode %04o); anyone could change which local addresses exist",
		       path, (unsigned) (st.st_mode & 07777));
}

/* slurp - the whole file in one buffer; 0 or an errno value */
static int slurp(const char *path, char **buf_r, size_t *len_r)
{
	struct stat st;
	size_t cap = 4096, len = 0;
	ssize_t n;
	char *buf = NULL, *p;
	int fd, err = 0;

	*buf_r = NULL;
	*len_r = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (uintmax_t) st.st_size < UINT32_MAX)
		cap = (size_t) st.st_size + 1;	/* + 1 to see the end */
	warn_writable(path, fd);
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap = len < UINT32_MAX ? cap * 2 : 0;
			if (cap == 0 || !(p = realloc(buf, cap))) {
				err = cap ? ENOMEM : EFBIG;
				break;
			}
			buf = p;
		}
		if ((n = read(fd, buf + len, cap - len)) > 0)
			len += (size_t) n;
		else if (n == 0)
			break;
		else if (errno != EINTR) {
			err = errno;
			break;
		}
	}
	close(fd);
	if (err)
		free(buf);
	*buf_r = err ? NULL : buf;
	*len_r = len;
	return err;
}

/* commit_all - the staged entries into the table; 0 or -1 */
static int commit_all(struct lg_recipients *r, struct staged *st, size_t *n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < *n; i++)
		if (commit(r, &st[i]) != ADD_OK)
			rc = -1;
	*n = 0;
	return rc;
}

/* nomem - "PATH: Cannot allocate memory"; -1 */
static int nomem(char *err, size_t errsize, const char *path)
{
	set_err(err, errsize, "%s: %s", path, strerror(ENOMEM));
	return -1;
}

/* lg_recipients_load - add every entry of one file; the slot of each
 * entry is fetched while the next ones are parsed */
int lg_recipients_load(struct lg_recipients *r, const char *path,
		       char *err, size_t errsize)
{
	char *text, shown[QUOTE_MAX + 4];
	const char *p, *end, *nl, *s, *e;
	struct staged batch[BATCH];
	size_t len, lines = 1, n = 0;
	unsigned long lineno = 0;
	int rc = 0;

	if (!r || !path) {
		set_err(err, errsize, "%s: %s", path ? path : "(null)",
			strerror(EINVAL));
		return -1;
	}
	if ((rc = slurp(path, &text, &len)) != 0) {
		set_err(err, errsize, "%s: %s", path, strerror(rc));
		return -1;
	}
	end = text + len;
	for (p = text; (p = memchr(p, '\n', (size_t) (end - p))); p++)
		lines++;
	/* a line "a@b\n" becomes "a\0b\0": the text's size is enough */
	if (reserve(r, r->count + lines, len + 2) != 0)
		rc = nomem(err, errsize, path);
	for (p = text; rc == 0 && p < end; p = nl + 1) {
		lineno++;
		if (!(nl = memchr(p, '\n', (size_t) (end - p))))
			nl = end;
		e = nl;
		s = trim(p, &e);
		if (s == e)
			continue;
		switch (stage(r, s, (size_t) (e - s), &batch[n])) {
		case ADD_OK:
			if (++n == BATCH && commit_all(r, batch, &n) != 0)
				rc = nomem(err, errsize, path);
			break;
		case ADD_BAD:
			quote(shown, s, (size_t) (e - s));
			set_err(err, errsize, "%s:%lu: bad address \"%s\"",
				path, lineno, shown);
			rc = -1;
			break;
		default:
			rc = nomem(err, errsize, path);
			break;
		}
	}
	if (commit_all(r, batch, &n) != 0 && rc == 0)
		rc = nomem(err, errsize, path);
	free(text);
	return rc;
}

/* lg_recipients_add - add one entry; 0 or -1 */
int lg_recipients_add(struct lg_recipients *r, const char *entry)
{
	const char *s, *e;
	struct staged st;

	if (!r || !entry)
		return -1;
	e = entry + strlen(entry);
	s = trim(entry, &e);
	return stage(r, s, (size_t) (e - s), &st) == ADD_OK &&
		commit(r, &st) == ADD_OK ? 0 : -1;
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

/* split_at - where the address extension starts, or 0 for none */
static size_t split_at(const struct lg_recipients *r, const char *local,
		       size_t len)
{
	size_t n;

	if (!r->delims[0] || strcasecmp(local, "postmaster") == 0 ||
	    strcasecmp(local, "mailer-daemon") == 0)
		return 0;
	if (strchr(r->delims, '-') &&
	    (strncasecmp(local, "owner-", 6) == 0 ||
	     (len > 8 && strcasecmp(local + len - 8, "-request") == 0)))
		return 0;
	n = strcspn(local, r->delims);
	return n < len ? n : 0;
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
