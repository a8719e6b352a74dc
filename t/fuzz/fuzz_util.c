/*
 * NAME
 *	fuzz_util.c - temp files, the log and checks for the harnesses
 * SYNOPSIS
 *	See fuzz_util.h.
 * DESCRIPTION
 *	The temp directory is made on first use and removed (with every
 *	file in it) by an atexit handler; libFuzzer exits through exit()
 *	when -max_total_time is over. After a crash the build script
 *	removes the scratch folder that holds it.
 * DIAGNOSTICS
 *	"fuzz: ..." on stderr, then abort(), for setup failures.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "fuzz_dkim_key.h"
#include "fuzz_util.h"
#include "log.h"

#define MAX_NAMES	16

static char *tmpdir;
static struct {
	char *name;
	char *path;
} names[MAX_NAMES];

/* die - a broken setup, not a finding */
static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

/* remove_tree - DIR and everything below it (the harnesses make
 * shallow trees: an outbox has one level of folders) */
static void remove_tree(const char *dir)
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* cleanup - at exit: the temp dir goes */
static void cleanup(void)
{
	size_t i;

	if (tmpdir)
		remove_tree(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
	for (i = 0; i < MAX_NAMES; i++) {
		free(names[i].name);
		free(names[i].path);
	}
	lg_log_capture_reset();
}

/* fz_tmpdir - made once per process */
const char *fz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];

	if (tmpdir)
		return tmpdir;
	snprintf(tmpl, sizeof(tmpl), "%s/loopguard-fuzz.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		die(tmpl);
	if (!(tmpdir = strdup(tmpl)))
		die("strdup");
	atexit(cleanup);
	return tmpdir;
}

/* fz_path - NAME in the temp dir, made once */
const char *fz_path(const char *name)
{
	size_t i, n;

	for (i = 0; i < MAX_NAMES && names[i].name; i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].path;
	if (i == MAX_NAMES) {
		errno = ENOSPC;
		die("too many temp file names");
	}
	n = strlen(fz_tmpdir()) + strlen(name) + 2;
	names[i].name = strdup(name);
	names[i].path = malloc(n);
	if (!names[i].name || !names[i].path)
		die("malloc");
	snprintf(names[i].path, n, "%s/%s", tmpdir, name);
	return names[i].path;
}

/* fz_file - the same file rewritten with this input */
const char *fz_file(const char *name, const void *data, size_t size)
{
	const char *path = fz_path(name);
	const char *p = data;
	ssize_t k;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		die(path);
	while (size > 0) {
		k = write(fd, p, size);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			die(path);
		p += k;
		size -= (size_t) k;
	}
	if (close(fd) != 0)
		die(path);
	return path;
}

/* fz_strndup - NUL-terminated copy */
char *fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		die("malloc");
	if (size)
		memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/* fz_log_setup - the log into memory, every level */
void fz_log_setup(void)
{
	lg_log_open("fuzz", LG_LOG_MEMORY);
	lg_log_set_min_level(LG_LOG_DEBUG);
}

/* fz_log_reset - forget what the last run logged (printing it first
 * when FUZZ_VERBOSE is set, to see what a seed does) */
void fz_log_reset(void)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "%s", lg_log_captured());
	lg_log_capture_reset();
}

/* fz_fail - an invariant does not hold */
void fz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: %s:%d: invariant broken: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* fz_split - the bytes up to the next NUL */
const uint8_t *fz_split(const uint8_t **data, size_t *size, size_t *len_r)
{
	const uint8_t *start = *data, *nul;

	nul = *size ? memchr(start, 0, *size) : NULL;
	*len_r = nul ? (size_t) (nul - start) : *size;
	*data += *len_r + (nul != NULL);
	*size -= *len_r + (nul != NULL);
	return start;
}

/* fz_plugin_dir - found once, every plugin pinned */
const char *fz_plugin_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	const char *env = getenv("FUZZ_PLUGIN_DIR");
	struct dirent *de;
	ssize_t n;
	DIR *d;

	if (dir[0])
		return dir;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
	} else {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
			die("/proc/self/exe");
		exe[n] = 0;
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = 0;
		snprintf(dir, sizeof(dir), "%s/../plugins", exe);
	}
	if (!(d = opendir(dir)))
		die(dir);
	while ((de = readdir(d)) != NULL) {
		n = (ssize_t) strlen(de->d_name);
		if (n < 4 || strcmp(de->d_name + n - 3, ".so") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) {
			fprintf(stderr, "fuzz: %s\n", dlerror());
			abort();
		}
	}
	closedir(d);
	return dir;
}

/* fz_site - recipients, template and DKIM keys in the temp dir */
void fz_site(void)
{
	static const char recipients[] =
		"alice@example.com\nbob@example.com\n"
		"postmaster@example.com\n@example.org\n";
	static const char tmpl[] =
		"Hello,\n\nyour message\n\n    Subject: %{subject}\n"
		"    Date:    %{date}\n\nwas not delivered to %{recipients}.\n\n"
		"%{suggestions}This reply was sent to %{sender} "
		"automatically (100%% sure).\n";
	char keys[2048];
	int n;

	fz_file("recipients", recipients, sizeof(recipients) - 1);
	fz_file("autoreply.txt", tmpl, sizeof(tmpl) - 1);
	n = snprintf(keys, sizeof(keys),
		     "sel._domainkey.example.com v=DKIM1; k=rsa; p=%s\n"
		     "sel._domainkey.example.org v=DKIM1; k=rsa; p=%s\n",
		     FZ_DKIM_PUBLIC_KEY, FZ_DKIM_PUBLIC_KEY);
	fz_file("keys", keys, (size_t) n);
}

/* fz_utf8_ok - every sequence well formed (no overlongs, surrogates or
 * code points past U+10FFFF), as the core and autoreply_text.c mean it */
int fz_utf8_ok(const unsigned char *p, size_t n)
{
	size_t i = 0, k, len;
	unsigned c;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] < 0xc2 || p[i] > 0xf4)
			return 0;
		len = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
		if (n - i < len)
			return 0;
		c = p[i] & (0x7f >> len);
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}
