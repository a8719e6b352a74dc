/*
 * NAME
 *	fuzz_config - libFuzzer harness for the config loader
 * SYNOPSIS
 *	build-fuzz/bin/fuzz_config [libFuzzer options] [corpus or file...]
 * DESCRIPTION
 *	The input is written as loopguard.conf in the harness's temp dir,
 *	next to a recipients file, an autoreply template and a DKIM key
 *	file that relative paths in it may name, and loaded with
 *	lg_config_load(), which checks every core key and loads and
 *	initialises the plugins (the fuzz build's, from fz_plugin_dir()).
 *	A good config is queried a little and freed; libFuzzer's leak
 *	check covers every error path.
 *
 *	The loader opens the files a config names. So that no input can
 *	make the harness read the machine's own files (a device that never
 *	ends, a FIFO that never opens), inputs with libconfig's @include
 *	and inputs whose string values hold ".." or an absolute path
 *	outside the temp dir and the plugin dir are skipped; they are
 *	found with libconfig itself, reading the same file.
 *
 *	libconfig 1.5's own leak on a syntax error is suppressed (see
 *	below); every other leak fails the run.
 *
 *	Checked besides memory errors and leaks: a refused config comes
 *	with one "FILE:LINE: message" line; a loaded one has the
 *	plugins it lists.
 * DIAGNOSTICS
 *	"fuzz: ... invariant broken: ..." and abort() on a broken promise.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "fuzz_util.h"
#include "host.h"
#include "settings.h"

/*
 * libconfig 1.5 (Debian 12) leaks the string tokens its scanner made
 * when a syntax error stops the parse (e.g. a quote that pairs with
 * the wrong one, several lines on): its grammar frees no token it
 * discards. The same file leaks in a program that only calls
 * config_read_file. That is the library's, not loopguard's, so
 * LeakSanitizer ignores leaks allocated by the scanner (its
 * strbuf_append and libconfig_yylex), and only those.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* confined - a string a config may hold without reaching outside */
static int confined(const char *s)
{
	const char *dirs[2] = { fz_tmpdir(), fz_plugin_dir() };
	size_t i, n;

	if (strstr(s, ".."))
		return 0;
	if (s[0] != '/')
		return 1;
	for (i = 0; i < 2; i++) {
		n = strlen(dirs[i]);
		if (strncmp(s, dirs[i], n) == 0 && (s[n] == '/' || !s[n]))
			return 1;
	}
	return 0;
}

/* all_confined - every string value below s */
static int all_confined(const config_setting_t *s)
{
	int i, n;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return confined(config_setting_get_string(s));
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		n = config_setting_length(s);
		for (i = 0; i < n; i++)
			if (!all_confined(config_setting_get_elem(s, i)))
				return 0;
		return 1;
	default:
		return 1;
	}
}

/* safe - no @include, no path outside the sandbox */
static int safe(const uint8_t *data, size_t size, const char *path)
{
	config_t lc;
	int ok = 1;

	if (memmem(data, size, "@include", 8))
		return 0;
	config_init(&lc);
	if (config_read_file(&lc, path))
		ok = all_confined(config_root_setting(&lc));
	config_destroy(&lc);
	return ok;
}

/* located - err is "PATH:LINE: message" */
static int located(const char *err, const char *path)
{
	size_t n = strlen(path);
	const char *p = err + n;

	if (strncmp(err, path, n) != 0 || *p++ != ':')
		return 0;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return p[0] == ':' && p[1] == ' ' && p[2];
}

/* LLVMFuzzerInitialize - the files a config may name */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fz_log_setup();
	fz_site();
	(void) fz_plugin_dir();
	return 0;
}

/* LLVMFuzzerTestOneInput - one config file */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_config_opts opts = { fz_plugin_dir(), 0, lg_host_get() };
	struct lg_config *cfg = NULL;
	unsigned char a[16] = { 192, 0, 2, 1 };
	const char *path = fz_file("loopguard.conf", data, size);
	char err[1024];
	size_t i;
	int cwd, rc;

	if (!safe(data, size, path))
		return -1;	/* not added to the corpus */
	err[0] = 0;
	/* the autoreply plugin opens its template as written, from the
	 * working directory: make that the config's own for the load */
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    chdir(fz_tmpdir()) != 0)
		abort();
	rc = lg_config_load(path, &opts, &cfg, err, sizeof(err));
	if (fchdir(cwd) != 0)
		abort();
	close(cwd);
	if (rc != 0) {
		FZ_CHECK(cfg == NULL, "a refused config comes back");
		FZ_CHECK(located(err, path), "error without FILE:LINE: \"%s\"",
			 err);
		FZ_CHECK(!strchr(err, '\n'), "error of several lines: \"%s\"",
			 err);
	} else {
		FZ_CHECK(cfg && cfg->refs == 1, "no config, or a shared one");
		for (i = 0; i < cfg->n_plugins; i++)
			FZ_CHECK(cfg->plugins[i].desc && cfg->plugins[i].name,
				 "plugin %zu not loaded", i);
		(void) lg_config_is_local_domain(cfg, "example.com");
		(void) lg_config_is_trusted(cfg, 4, a);
		lg_config_unref(&cfg);
	}
	fz_log_reset();
	return 0;
}
