/*
 * NAME
 *	fuzz_util.h - what the libFuzzer harnesses share
 * SYNOPSIS
 *	#include "fuzz_util.h"
 *
 *	path = fz_file("snapshot", data, size);
 *	text = fz_strndup(data, size);
 *	FZ_CHECK(cond, "what went wrong %d", n);
 * DESCRIPTION
 *	One private temporary directory per process, under $TMPDIR (the
 *	build script points it at a scratch folder it removes afterwards),
 *	removed with its files at exit. fz_file() writes a named file
 *	there, the same path every time, for the APIs that want a path.
 *
 *	The core's log goes to memory (bounded, and reset by fz_log_reset
 *	every run), at debug level so the formatting of every message is
 *	exercised too. With FUZZ_VERBOSE set in the environment each run's
 *	log is printed on stderr first: a way to see what a seed does.
 *
 *	FZ_CHECK() states an invariant of the code under test: when it
 *	does not hold, the input is reported and the process aborts, so
 *	libFuzzer keeps it as a crash.
 * DIAGNOSTICS
 *	Setup failures (no temp dir, a file that cannot be written) print
 *	"fuzz: ..." and abort: they are never the input's fault.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* fz_tmpdir - this process's temporary directory */
const char *fz_tmpdir(void);

/* fz_path - the path of NAME inside fz_tmpdir(), made once and kept */
const char *fz_path(const char *name);

/* fz_file - write SIZE bytes to NAME in the temp dir; its path */
const char *fz_file(const char *name, const void *data, size_t size);

/* fz_strndup - a NUL-terminated copy (free it) */
char *fz_strndup(const uint8_t *data, size_t size);

/* fz_log_setup / fz_log_reset - the core log in memory */
void fz_log_setup(void);
void fz_log_reset(void);

/* fz_fail - print the broken invariant and abort */
void fz_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define FZ_CHECK(cond, ...) \
	do { if (!(cond)) fz_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)

/* fz_plugin_dir - the plugins built for fuzzing ($FUZZ_PLUGIN_DIR, or
 * ../plugins next to the harness), each dlopen()ed once and pinned:
 * libFuzzer cannot survive an instrumented module being unloaded, and
 * the loader dlclose()s plugins with every config it frees */
const char *fz_plugin_dir(void);

/* fz_site - the files a loopguard config of the harnesses refers to,
 * in the temp dir: "recipients" (alice, bob, postmaster of
 * example.com, the whole of example.org), "autoreply.txt" and "keys"
 * (the DKIM key of selector "sel" for example.com and example.org,
 * fuzz_dkim_key.h) */
void fz_site(void);

/* fz_split - the next part of *data up to a NUL byte (or the end):
 * a cheap way to carve several strings from one input */
const uint8_t *fz_split(const uint8_t **data, size_t *size, size_t *len_r);

/* Well-formed UTF-8: 1, else 0. */
int fz_utf8_ok(const unsigned char *p, size_t n);

#endif
