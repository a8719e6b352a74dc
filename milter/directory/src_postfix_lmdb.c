/*
 * NAME
 *	src_postfix_lmdb.c - a Postfix lmdb: table read directly with
 *	liblmdb, without "postmap -s"
 * SYNOPSIS
 *	#include "src_postfix.h"
 *
 *	int	lg_pf_lmdb_load(struct pf_table *t, int timeout_ms,
 *				char *err, size_t errsize)
 * DESCRIPTION
 *	lg_pf_lmdb_load() fills the set of an lmdb:NAME table from
 *	NAME.lmdb (t->file) as Postfix's own readers see it: the file is
 *	opened read-only, without a subdirectory and without LMDB's lock
 *	file (MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK, as Postfix opens
 *	it), and a shared fcntl() lock on it is held while the keys are
 *	walked, the lock postmap and postalias take exclusively for a
 *	moment before they rewrite the file; the walk then sees the last
 *	committed table, never a half-written one.
 *
 *	The file is read in a child process (lg_run_func_capture()),
 *	which sends the keys, one a line, over a pipe, and is killed past
 *	the deadline: liblmdb trusts the pages of the file, and a garbled
 *	page can crash it (SIGSEGV), as can a file cut while it is mapped
 *	(SIGBUS); then the load fails, the daemon goes on, and the set
 *	loaded before stays in use.
 *
 *	Every key is walked in one read transaction with a cursor. The
 *	key's bytes are what postmap -s would print: postmap and
 *	postalias store a key with its terminating NUL, which is cut (a
 *	key without one is taken whole); a key with a NUL inside, with a
 *	control byte, or longer than PF_KEY_MAX bytes is skipped and
 *	counted, as a listing line would be. The keys are parsed by
 *	lg_pf_parse_listing(), as a listing is, so an alias table's "@"
 *	and YP_* bookkeeping keys are skipped here too.
 *
 *	Bounds: the file must be a regular file of at most LMDB_FILE_MAX
 *	bytes; the map is the file's size (not the size the file's header
 *	asks for), and the pages the header says are in use must all be
 *	inside the file (a truncated copy is refused before a page is
 *	touched); at most LMDB_ENTRIES_MAX keys, and exactly as many
 *	walked as the table's header holds; the lock is waited for during
 *	three quarters of TIMEOUT_MS, and the reader is killed when it
 *	has not finished within TIMEOUT_MS; its output is bounded by
 *	PF_OUT_MAX, like a listing.
 *
 *	lg_pf_lmdb_load() returns 1 without doing anything when the table
 *	is not an lmdb: table, when loopguard was built without liblmdb
 *	(logged once), or when $LOOPGUARD_LMDB_LIST is not empty (to compare
 *	the two, bench/postfix_source.sh): the caller then lists the
 *	table with postmap -s.
 * DIAGNOSTICS
 *	-1 with a reason in err (which names the file) when the file is
 *	missing, not an lmdb file, truncated, of another LMDB version,
 *	corrupt (the reader killed by a signal), too large, or not
 *	walked in time; 0 on success, with the
 *	number of keys skipped logged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LMDB
#include <lmdb.h>
#endif

/* Utility library. */
#include "log.h"
#include "postconf.h"

/* Directory library. */
#include "src_postfix.h"

#define LMDB_FILE_MAX	((unsigned long long) 4 << 30)	/* 4 GB */
#define LMDB_ENTRIES_MAX 50000000	/* keys in one table */
#define LMDB_LOCK_POLL_MS 10		/* between two tries of the lock */

/* is_lmdb - 1 when SPEC is an lmdb:NAME table */
static int is_lmdb(const char *spec)
{
	return strncmp(spec, "lmdb:", 5) == 0;
}

#ifndef HAVE_LMDB

/* lg_pf_lmdb_load - without liblmdb: the caller lists the table */
int lg_pf_lmdb_load(struct pf_table *t, int timeout_ms, char *err,
		    size_t errsize)
{
	static int told;

	(void) timeout_ms;
	(void) err;
	(void) errsize;
	if (is_lmdb(t->spec) && !told) {
		told = 1;
		lg_log(LG_LOG_INFO,
		       "recipients: postfix table %s: lmdb tables are listed with postmap -s (loopguard was built without liblmdb)",
		       t->spec);
	}
	return 1;
}

#else

/* now_ms - a monotonic clock in milliseconds */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* lock_shared - a shared fcntl() lock on FD, tried until DEADLINE;
 * 0, or -1 with errno (ETIMEDOUT when a writer held it too long) */
static int lock_shared(int fd, long long deadline)
{
	struct flock fl;
	struct timespec pause = { 0, LMDB_LOCK_POLL_MS * 1000000L };

	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

/* The reader's output: keys, one a line, on its standard output. */
struct out {
	char    buf[65536];
	size_t  len;
};

/* put - write OUT's buffer out; 0, or -1 */
static int put(struct out *o)
{
	size_t done = 0;
	ssize_t n;

	while (done < o->len)
		if ((n = write(STDOUT_FILENO, o->buf + done, o->len - done)) > 0)
			done += (size_t) n;
		else if (n < 0 && errno != EINTR)
			return -1;
	o->len = 0;
	return 0;
}

/* emit - one key and its newline into OUT; 0, or -1 */
static int emit(struct out *o, const char *key, size_t len)
{
	if (o->len + len + 1 > sizeof(o->buf) && put(o) != 0)
		return -1;
	memcpy(o->buf + o->len, key, len);
	o->len += len;
	o->buf[o->len++] = '\n';
	return 0;
}

/* walk - every key of the open table to OUT; 0, or -1 with err */
static int walk(MDB_env *env, const char *file, size_t entries,
		struct out *o, unsigned long *bad_r, char *err, size_t errsize)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	MDB_val key, val;
	const unsigned char *k;
	size_t seen = 0, len, i;
	int rc;

	*bad_r = 0;
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		snprintf(err, errsize, "%s: %s", file, mdb_strerror(rc));
		goto out;
	}
	while ((rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) == 0) {
		if (++seen > entries) {
			snprintf(err, errsize,
				 "%s: corrupt: more keys than the %zu its header holds",
				 file, entries);
			rc = -1;
			goto out;
		}
		k = key.mv_data;
		len = key.mv_size;
		if (len > 0 && k[len - 1] == 0)
			len--;		/* stored with its NUL, as postmap does */
		/* what a listing line may not hold, counted here */
		for (i = 0; i < len && k[i] > ' ' && k[i] != 0x7f; i++)
			;
		if (len == 0 || len > PF_KEY_MAX || i < len)
			++*bad_r;
		else if (emit(o, (const char *) k, len) != 0) {
			snprintf(err, errsize, "%s: write: %s", file,
				 strerror(errno));
			rc = -1;
			goto out;
		}
	}
	if (rc != MDB_NOTFOUND) {
		snprintf(err, errsize, "%s: corrupt after %zu keys: %s", file, seen,
			 mdb_strerror(rc));
		goto out;
	}
	if (seen != entries) {
		snprintf(err, errsize,
			 "%s: corrupt: %zu keys walked, its header holds %zu",
			 file, seen, entries);
		rc = -1;
		goto out;
	}
	rc = 0;
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	return rc == 0 ? 0 : -1;
}

/* What the reader process is given. */
struct job {
	const char *file;
	long long lock_deadline;
};

/* read_table - open, lock, check and walk; 0, or -1 with err */
static int read_table(const struct job *j, struct out *o,
		      unsigned long *bad_r, char *err, size_t errsize)
{
	const char *file = j->file;
	unsigned long long need;
	MDB_env *env = NULL;
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	int rc, fd;

	if (stat(file, &sb) != 0) {
		snprintf(err, errsize, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (unsigned long long) sb.st_size > LMDB_FILE_MAX ||
	    (unsigned long long) sb.st_size > (size_t) -1) {
		snprintf(err, errsize,
			 "%s: not an lmdb table (a regular file of 1 byte to 4 GB)",
			 file);
		return -1;
	}
	/* The map is the file as it is now; a header that asks for more
	 * is checked below, before any page is read. */
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t) sb.st_size)) != 0 ||
	    (rc = mdb_env_open(env, file, MDB_RDONLY | MDB_NOSUBDIR |
			       MDB_NOLOCK, 0)) != 0 ||
	    (rc = mdb_env_get_fd(env, &fd)) != 0) {
		snprintf(err, errsize, "%s: %s", file,
			 rc == MDB_INVALID ? "not an lmdb file (no valid header)" :
			 mdb_strerror(rc));
		goto fail;
	}
	if (lock_shared(fd, j->lock_deadline) != 0) {
		snprintf(err, errsize, "%s: shared lock: %s", file,
			 errno == ETIMEDOUT ?
			 "held by a writer past the deadline" : strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) != 0 || (rc = mdb_env_info(env, &info)) != 0 ||
	    (rc = mdb_env_stat(env, &st)) != 0) {
		snprintf(err, errsize, "%s: %s", file,
			 rc ? mdb_strerror(rc) : strerror(errno));
		goto fail;
	}
	need = ((unsigned long long) info.me_last_pgno + 1) * st.ms_psize;
	if (need > (unsigned long long) sb.st_size ||
	    need > info.me_mapsize) {
		snprintf(err, errsize,
			 "%s: truncated: %lld bytes, its header says %llu are in use",
			 file, (long long) sb.st_size, need);
		goto fail;
	}
	if (st.ms_entries > LMDB_ENTRIES_MAX) {
		snprintf(err, errsize, "%s: %zu keys, more than %d", file,
			 st.ms_entries, LMDB_ENTRIES_MAX);
		goto fail;
	}
	if (walk(env, file, st.ms_entries, o, bad_r, err, errsize) != 0)
		goto fail;
	mdb_env_close(env);		/* closes the file: the lock goes */
	return 0;
fail:
	if (env)
		mdb_env_close(env);
	return -1;
}

/* reader - in the child: the keys on standard output, then on standard
 * error the number skipped (exit 0) or the reason (exit 1) */
static int reader(void *arg)
{
	static struct out o;
	unsigned long bad = 0;
	char err[512];

	if (read_table(arg, &o, &bad, err, sizeof(err)) != 0) {
		dprintf(STDERR_FILENO, "%s\n", err);
		return 1;
	}
	if (put(&o) != 0)
		return 1;
	dprintf(STDERR_FILENO, "%lu\n", bad);
	return 0;
}

/* lg_pf_lmdb_load - an lmdb: table into T's set; 0, -1 with err, or 1
 * when T is not an lmdb table */
int lg_pf_lmdb_load(struct pf_table *t, int timeout_ms, char *err,
		    size_t errsize)
{
	const char *list = getenv("LOOPGUARD_LMDB_LIST");
	struct job j = { t->file, 0 };
	char why[512], *out = NULL;
	unsigned long bad = 0, more;
	size_t len = 0;
	int rc;

	if (!is_lmdb(t->spec) || !t->file || (list && *list))
		return 1;
	/* the reader gives up on the lock before it is killed */
	j.lock_deadline = now_ms() + timeout_ms / 4 * 3;
	why[0] = 0;
	rc = lg_run_func_capture(reader, &j, timeout_ms, PF_OUT_MAX, &out, &len,
				 why, sizeof(why));
	if (rc != 0) {
		/* the reader's own errors name the file; anything else
		 * (a crash report) is wrapped so the file is named */
		if (rc > 0 && why[0] && strstr(why, t->file))
			snprintf(err, errsize, "%s", why);
		else
			snprintf(err, errsize,
				 "%s: the lmdb reader failed (%s): a corrupt file, or one cut while it was read",
				 t->file, why[0] ? why : "no reason given");
		free(out);
		return -1;
	}
	bad = strtoul(why, NULL, 10);
	lg_pf_parse_listing(t->set, out, len, t->alias, &more);
	free(out);
	bad += more;
	if (bad)
		lg_log(LG_LOG_WARN,
		       "recipients: postfix table %s: %lu keys that are not addresses skipped",
		       t->spec, bad);
	return 0;
}

#endif
