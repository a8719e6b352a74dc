/*
 * NAME
 *	control_page.c - the sorting and paging options of list and queue
 * SYNOPSIS
 *	#include "control_impl.h"
 *
 *	lg_ctl_parse_page(rq, "list", w, &n, fields, &pg);
 *	lg_ctl_sort_add(&s, num, str, ref);
 *	lg_ctl_sort_done(&s, &pg);
 *	lg_ctl_sort_free(&s);
 * DESCRIPTION
 *	--sort FIELD, --desc, --offset N (0 to 2^31) and --limit N (1 to
 *	LG_CTL_LIMIT_MAX) are taken out of a request's words before its
 *	other options are read. A sorted listing first collects one
 *	compact key per selected row (a number, or a string kept in one
 *	pool, and a reference the caller gives: a hash or an index), then
 *	sorts them; equal keys keep the order they came in, so a page
 *	boundary never moves between two identical requests.
 * DIAGNOSTICS
 *	"ERR CMD: --sort: unknown field F (...)", "ERR CMD: --limit must
 *	be 1 to 1000", and so on; lg_ctl_sort_add returns -1 out of memory.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Control socket. */
#include "control_impl.h"

#define OFFSET_MAX	2147483648LL	/* 2^31 */

/* number - a decimal of at most 10 digits into *v: 0, or -1 */
static int number(const char *s, long long *v)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return -1;
	if (i == 0)
		return -1;
	*v = strtoll(s, NULL, 10);
	return 0;
}

/* field_list - "a, b, c" for an error message */
static void field_list(const char *const *fields, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = 0;
	for (i = 0; fields[i] && len < size; i++)
		len += (size_t) snprintf(buf + len, size - len, "%s%s",
					 i ? ", " : "", fields[i]);
}

/* lg_ctl_parse_page - take the paging options out of w[0..*n) */
int lg_ctl_parse_page(struct lg_ctl_request *rq, const char *cmd, char **w,
		      size_t *n, const char *const *fields,
		      struct lg_ctl_page *pg)
{
	char names[256];
	size_t i, kept = 0;
	long long v;
	int f, seen_sort = 0, seen_off = 0, seen_lim = 0;

	memset(pg, 0, sizeof(*pg));
	pg->field = -1;
	for (i = 0; i < *n; i++) {
		/* the value of --match or --plugin is theirs, even one
		 * that looks like an option ("--match --desc") */
		if ((strcmp(w[i], "--match") == 0 || strcmp(w[i], "--plugin") == 0)
		    && i + 1 < *n) {
			w[kept++] = w[i++];
			w[kept++] = w[i];
			continue;
		}
		if (strcmp(w[i], "--desc") == 0) {
			if (pg->desc)
				return lg_ctl_reply(rq, 0, "%s: --desc given twice", cmd);
			pg->desc = 1;
			continue;
		}
		if (strcmp(w[i], "--sort") != 0 && strcmp(w[i], "--offset") != 0 &&
		    strcmp(w[i], "--limit") != 0) {
			w[kept++] = w[i];
			continue;
		}
		if (i + 1 == *n)
			return lg_ctl_reply(rq, 0, "%s: %s needs a value", cmd, w[i]);
		if (strcmp(w[i], "--sort") == 0) {
			if (seen_sort++)
				return lg_ctl_reply(rq, 0, "%s: --sort given twice", cmd);
			for (f = 0; fields[f]; f++)
				if (strcmp(fields[f], w[i + 1]) == 0)
					break;
			if (!fields[f]) {
				field_list(fields, names, sizeof(names));
				return lg_ctl_reply(rq, 0, "%s: --sort: unknown field %s (%s)",
						    cmd, lg_ctl_echo(rq, w[i + 1]), names);
			}
			pg->field = f;
		} else if (strcmp(w[i], "--offset") == 0) {
			if (seen_off++)
				return lg_ctl_reply(rq, 0, "%s: --offset given twice", cmd);
			if (number(w[i + 1], &v) != 0 || v > OFFSET_MAX)
				return lg_ctl_reply(rq, 0, "%s: --offset must be 0 to %lld",
						    cmd, OFFSET_MAX);
			pg->offset = v;
			pg->paged = 1;
		} else {
			if (seen_lim++)
				return lg_ctl_reply(rq, 0, "%s: --limit given twice", cmd);
			if (number(w[i + 1], &v) != 0 || v < 1 ||
			    v > LG_CTL_LIMIT_MAX)
				return lg_ctl_reply(rq, 0, "%s: --limit must be 1 to %d",
						    cmd, LG_CTL_LIMIT_MAX);
			pg->limit = v;
			pg->paged = 1;
		}
		i++;
	}
	if (pg->desc && pg->field < 0)
		return lg_ctl_reply(rq, 0, "%s: --desc needs --sort FIELD", cmd);
	*n = kept;
	return 0;
}

/* lg_ctl_page_has - is row number i (0-based, in order) on the page? */
int lg_ctl_page_has(const struct lg_ctl_page *pg, size_t i)
{
	if ((long long) i < pg->offset)
		return 0;
	return pg->limit == 0 || (long long) i - pg->offset < pg->limit;
}

/* lg_ctl_sort_add - one row's key; ref is the caller's (hash, index) */
int lg_ctl_sort_add(struct lg_ctl_sort *s, long long num, const char *str,
		    uint64_t ref)
{
	struct lg_ctl_sortkey *grown;
	size_t len, cap;
	char *pool;

	if (s->nomem)
		return -1;
	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 1024;
		if ((grown = realloc(s->keys, cap * sizeof(*grown))) == NULL)
			goto nomem;
		s->keys = grown;
		s->cap = cap;
	}
	s->keys[s->n].num = num;
	s->keys[s->n].ref = ref;
	s->keys[s->n].ord = s->n;
	s->keys[s->n].str = 0;
	if (str) {
		len = strlen(str) + 1;
		if (s->plen + len > s->pcap) {
			cap = s->pcap ? s->pcap : 65536;
			while (cap < s->plen + len)
				cap *= 2;
			if ((pool = realloc(s->pool, cap)) == NULL)
				goto nomem;
			s->pool = pool;
			s->pcap = cap;
		}
		memcpy(s->pool + s->plen, str, len);
		s->keys[s->n].str = s->plen;
		s->plen += len;
		s->strings = 1;
	}
	s->n++;
	return 0;
nomem:
	s->nomem = 1;
	return -1;
}

/* compare - by the key (strings without regard to case first), then
 * as they came; desc turns only the key around */
static int compare(const void *a, const void *b, void *arg)
{
	const struct lg_ctl_sortkey *x = a, *y = b;
	const struct lg_ctl_sort *s = arg;
	int c = 0;

	if (s->strings) {
		c = strcasecmp(s->pool + x->str, s->pool + y->str);
		if (c == 0)
			c = strcmp(s->pool + x->str, s->pool + y->str);
	} else if (x->num != y->num)
		c = x->num < y->num ? -1 : 1;
	if (s->desc)
		c = -c;
	if (c == 0 && x->ord != y->ord)
		c = x->ord < y->ord ? -1 : 1;
	return c;
}

/* lg_ctl_sort_done - sort the keys collected */
void lg_ctl_sort_done(struct lg_ctl_sort *s, const struct lg_ctl_page *pg)
{
	s->desc = pg->desc;
	if (s->n > 1)
		qsort_r(s->keys, s->n, sizeof(*s->keys), compare, s);
}

/* lg_ctl_sort_free - what the keys held */
void lg_ctl_sort_free(struct lg_ctl_sort *s)
{
	free(s->keys);
	free(s->pool);
	memset(s, 0, sizeof(*s));
}

/* lg_ctl_page_end - the final line's suffix: ", offset O" when paged */
const char *lg_ctl_page_end(const struct lg_ctl_page *pg, char *buf,
			    size_t size)
{
	if (!pg->paged)
		return "";
	snprintf(buf, size, ", offset %lld", pg->offset);
	return buf;
}
