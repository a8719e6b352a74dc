/*
 * NAME
 *	dir_stamp.c - has a file changed since it was read (dir_stamp.h)
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

/* Utility library. */
#include "log.h"

/* Directory library. */
#include "dir_stamp.h"

/* lg_dir_stamp_take - the file as it is now; all zero when missing */
void lg_dir_stamp_take(struct lg_dir_stamp *st, const char *path)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (!path || stat(path, &sb) != 0)
		return;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime_ns = (long long) sb.st_mtim.tv_sec * 1000000000LL +
		sb.st_mtim.tv_nsec;
	st->ctime_ns = (long long) sb.st_ctim.tv_sec * 1000000000LL +
		sb.st_ctim.tv_nsec;
}

/* lg_dir_stamp_moved - 1 when the file is not the one stamped */
int lg_dir_stamp_moved(const struct lg_dir_stamp *st, const char *path)
{
	struct lg_dir_stamp now;

	lg_dir_stamp_take(&now, path);
	return memcmp(&now, st, sizeof(now)) != 0;
}

/* lg_dir_warn_writable - like the config file */
void lg_dir_warn_writable(const char *what, const char *path)
{
	struct stat sb;

	if (path && stat(path, &sb) == 0 && (sb.st_mode & S_IWOTH))
		lg_log(LG_LOG_WARN,
		       "recipients: %s %s is writable by everyone (mode %04o); anyone could change which local addresses exist",
		       what, path, (unsigned) (sb.st_mode & 07777));
}
