/*
 * NAME
 *	dir_read.c - a bounded file read whole, a key folded (dir_read.h)
 * DESCRIPTION
 *	The readers of the file, aliases, postfix, sendmail and ldap
 *	sources all come here, so that every source file is read with
 *	the same bounds and the same errors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Directory library. */
#include "dir_read.h"

/* size_text - MAX for a person: "1 GB", "16 MB", "65536 bytes" */
static void size_text(char *buf, size_t size, size_t max)
{
	if (max >= ((size_t) 1 << 30) && max % ((size_t) 1 << 30) == 0)
		snprintf(buf, size, "%zu GB", max >> 30);
	else if (max >= ((size_t) 1 << 20) && max % ((size_t) 1 << 20) == 0)
		snprintf(buf, size, "%zu MB", max >> 20);
	else
		snprintf(buf, size, "%zu bytes", max);
}

/* fail - err and errno for PATH; NULL */
static char *fail(const char *path, int fd, int e, const char *why,
		  char *err, size_t errsize)
{
	snprintf(err, errsize, "%s: %s", path, why ? why : strerror(e));
	if (fd >= 0)
		close(fd);
	errno = e;
	return NULL;
}

/* lg_dir_read_file - see dir_read.h */
char *lg_dir_read_file(const char *path, size_t max, size_t *len_r,
		       mode_t *mode_r, char *err, size_t errsize)
{
	struct stat st;
	char why[64], limit[32], *buf;
	size_t len = 0;
	ssize_t n;
	int fd;

	/* O_NONBLOCK: a FIFO in the file's place must not block */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
	    fstat(fd, &st) != 0)
		return fail(path, fd, errno, NULL, err, errsize);
	if (!S_ISREG(st.st_mode) || (size_t) st.st_size > max) {
		size_text(limit, sizeof(limit), max);
		snprintf(why, sizeof(why), "not a regular file of at most %s",
			 limit);
		return fail(path, fd, EFBIG, why, err, errsize);
	}
	if (!(buf = malloc((size_t) st.st_size + 1)))
		return fail(path, fd, ENOMEM, NULL, err, errsize);
	while (len < (size_t) st.st_size &&
	       ((n = read(fd, buf + len, (size_t) st.st_size - len)) > 0 ||
		(n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t) n;
	if (len != (size_t) st.st_size) {
		snprintf(why, sizeof(why), "read %zu of %lld bytes", len,
			 (long long) st.st_size);
		free(buf);
		return fail(path, fd, EIO, why, err, errsize);
	}
	close(fd);
	buf[len] = 0;
	*len_r = len;
	if (mode_r)
		*mode_r = st.st_mode;
	return buf;
}

/* lg_dir_fold_n - see dir_read.h */
void lg_dir_fold_n(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char) (s[i] - 'A' + 'a');
}

/* lg_dir_fold - see dir_read.h */
char *lg_dir_fold(char *s)
{
	lg_dir_fold_n(s, strlen(s));
	return s;
}
