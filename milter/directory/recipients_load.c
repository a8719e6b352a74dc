/*
 * NAME
 *	recipients_load.c - a file of addresses into the set; one entry
 * DESCRIPTION
 *	The file is read whole, and the table and the pool are sized for
 *	it before the first entry goes in. The slot of each entry is
 *	fetched while the next ones are parsed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"

/* Directory library. */
#include "recipients.h"
#include "recipients_impl.h"

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

#define FILE_MAX	((uintmax_t) 1 << 30)	/* like the other sources */
#define NOT_REGULAR	(-1)		/* slurp: a FIFO, device, ... */

/* slurp - the whole file in one buffer; 0, an errno value, or
 * NOT_REGULAR */
static int slurp(const char *path, char **buf_r, size_t *len_r)
{
	struct stat st;
	size_t cap = 4096, len = 0;
	ssize_t n;
	char *buf = NULL, *p;
	int fd, err = 0;

	*buf_r = NULL;
	*len_r = 0;
	/* O_NONBLOCK: a FIFO put in the file's place must not block */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? EISDIR : NOT_REGULAR;
	else if ((uintmax_t) st.st_size > FILE_MAX)
		err = EFBIG;
	if (err) {
		close(fd);
		return err;
	}
	if (st.st_size > 0 && (uintmax_t) st.st_size < UINT32_MAX)
		cap = (size_t) st.st_size + 1;	/* + 1 to see the end */
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
		if (lg_rcpts_commit(r, &st[i]) != ADD_OK)
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
		set_err(err, errsize, "%s: %s", path, rc == NOT_REGULAR ?
			"not a regular file" : strerror(rc));
		return -1;
	}
	end = text + len;
	for (p = text; (p = memchr(p, '\n', (size_t) (end - p))); p++)
		lines++;
	/* a line "a@b\n" becomes "a\0b\0": the text's size is enough */
	if (lg_rcpts_reserve(r, r->count + lines, len + 2) != 0)
		rc = nomem(err, errsize, path);
	for (p = text; rc == 0 && p < end; p = nl + 1) {
		lineno++;
		if (!(nl = memchr(p, '\n', (size_t) (end - p))))
			nl = end;
		e = nl;
		s = trim(p, &e);
		if (s == e)
			continue;
		switch (lg_rcpts_stage(r, s, (size_t) (e - s), &batch[n])) {
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
	return lg_rcpts_stage(r, s, (size_t) (e - s), &st) == ADD_OK &&
		lg_rcpts_commit(r, &st) == ADD_OK ? 0 : -1;
}

