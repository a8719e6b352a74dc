/*
 * NAME
 *	check_config - config validation and the plugin loader
 * DESCRIPTION
 *	Every error is asserted word for word, with file and line. Each
 *	config starts with the same three lines (plugin_dir, local_domains,
 *	recipients), so line 4 is the first line a case adds.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakehost.h"
#include "settings.h"

#define BASE "plugin_dir = \"@TESTPLUGINS@\";\n" \
	"local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n"

#define BASE_NO_RCPTS \
	"plugin_dir = \"@TESTPLUGINS@\";\n" \
	"local_domains = [ \"example.com\" ];\n"

struct bad_case {
	const char *text;
	const char *expected;	/* %s = the config file's path */
};

static const struct bad_case bad_cases[] = {
	{ BASE "bogus = 1;\n", "%s:4: unknown setting \"bogus\"" },
	{ BASE "socket = 5;\n", "%s:4: socket must be a string" },
	{ BASE "socket = \"tcp:25\";\n",
	  "%s:4: socket \"tcp:25\": " },
	{ BASE "on_error = \"maybe\";\n",
	  "%s:4: on_error must be \"tempfail\" or \"accept\", not \"maybe\"" },
	{ BASE "socket_mode = \"0999\";\n",
	  "%s:4: socket_mode: bad octal mode \"0999\"" },
	{ BASE "socket_mode = \"01777\";\n",
	  "%s:4: socket_mode must be between 0000 and 0777" },
	{ BASE "trusted_networks = [ \"10.0.0.0/33\" ];\n",
	  "%s:4: trusted_networks: bad network \"10.0.0.0/33\"" },
	{ BASE "trusted_networks = [ \"10.0.0.1/8\" ];\n",
	  "%s:4: trusted_networks: bad network \"10.0.0.1/8\"" },
	{ BASE "trusted_networks = \"x\";\n",
	  "%s:4: trusted_networks: bad network \"x\"" },
	{ BASE "local_part_case = \"upper\";\n",
	  "%s:4: local_part_case must be \"insensitive\" or \"sensitive\", not \"upper\"" },
	{ BASE "log_level = \"loud\";\n",
	  "%s:4: log_level must be \"debug\", \"info\" or \"warning\", not \"loud\"" },
	{ BASE "state = { backend = \"disk\"; };\n",
	  "%s:4: state: backend must be \"memory\" or \"redis\", not \"disk\"" },
	{ BASE "state = { snapshot_interval = \"soon\"; };\n",
	  "%s:4: state: snapshot_interval: bad duration \"soon\" (use e.g. 60s, 5m)" },
	{ BASE "state = { max_entries = 5; };\n",
	  "%s:4: state: max_entries must be between 100 and 1000000000" },
	{ BASE "state = { max_bytes = 65535; };\n",
	  "%s:4: state: max_bytes must be between 64K and 1024G" },
	{ BASE "state = { max_bytes = \"2T\"; };\n",
	  "%s:4: state: max_bytes must be a number of bytes, e.g. 268435456 or \"256M\"" },
	{ BASE "state = { max_bytes = \"1025G\"; };\n",
	  "%s:4: state: max_bytes must be between 64K and 1024G" },
	{ BASE "state = { max_bytes = \"M\"; };\n",
	  "%s:4: state: max_bytes must be a number of bytes, e.g. 268435456 or \"256M\"" },
	{ BASE "state = { colour = \"red\"; };\n",
	  "%s:4: state: unknown setting \"colour\"" },
	{ BASE "control = \"inet:1@127.0.0.1\";\n",
	  "%s:4: control must be a unix socket (unix:/path)" },
	{ BASE "plugins = ( { name = \"nosuch\"; } );\n",
	  "%s:4: plugin nosuch: @TESTPLUGINS@/nosuch.so: No such file or directory" },
	{ BASE "plugins = ( { name = \"../x\"; } );\n",
	  "%s:4: bad plugin name \"../x\" (use letters, digits, - and _)" },
	{ BASE "plugins = ( { name = \"badmajor\"; } );\n",
	  "%s:4: plugin badmajor: @TESTPLUGINS@/badmajor.so: built for plugin ABI 2.0, this loopguard has ABI @ABI@; rebuild the plugin" },
	{ BASE "plugins = ( { name = \"nosymbol\"; } );\n",
	  "%s:4: plugin nosymbol: @TESTPLUGINS@/nosymbol.so: no symbol lg_plugin_descriptor (not a loopguard plugin)" },
	{ BASE "plugins = ( { name = \"shortstruct\"; } );\n",
	  "%s:4: plugin shortstruct: @TESTPLUGINS@/shortstruct.so: descriptor is 32 bytes, ABI 1.0 needs at least 128 (plugin ABI 1.0, loopguard ABI @ABI@)" },
	{ BASE "plugins = ( { } );\n",
	  "%s:4: plugins: element 1 has no name = \"...\"" },
	{ BASE "plugins = ( \"catchall\" );\n",
	  "%s:4: plugins: element 1 must be a group { name = \"...\"; }" },
	{ BASE "plugins = ( { name = \"testplug\"; },\n { name = \"testplug\"; } );\n",
	  "%s:5: plugin testplug is listed twice" },
	{ BASE "plugins = ( { name = \"testplug\";\n colour = \"red\"; } );\n",
	  "%s:5: plugin testplug: unknown setting \"colour\"" },
	{ BASE "plugins = ( { name = \"testplug\";\n eom_verdict = \"maybe\"; } );\n",
	  "%s:5: plugin testplug: eom_verdict must be one of \"continue\", \"accept\", \"reject\", \"tempfail\", \"discard\", not \"maybe\"" },
	{ BASE "plugins = ( { name = \"testplug\";\n delete_all = 3; } );\n",
	  "%s:5: plugin testplug: delete_all must be true or false" },
	{ BASE "socket = ;\n", "%s:4: syntax error" },
	{ "plugin_dir = \"@TESTPLUGINS@\";\nlocal_domains = [ \"example.com\" ];\nrecipients = [ \"@TMP@/none\" ];\n",
	  "%s:3: recipients: @TMP@/none: No such file or directory" },
	{ "plugin_dir = \"@TESTPLUGINS@\";\nlocal_domains = [ \"example.com\" ];\nrecipients = [ \"@TMP@/empty\" ];\n",
	  "%s:3: recipients: no source lists any address in a local domain (example.com); every local recipient would count as unknown" },
	/* a table of a misspelled domain serves no local domain */
	{ "plugin_dir = \"@TESTPLUGINS@\";\nlocal_domains = [ \"example.com\" ];\nrecipients = [ \"@TMP@/typo\" ];\n",
	  "%s:3: recipients: no source lists any address in a local domain (example.com); every local recipient would count as unknown" },
	{ "plugin_dir = \"@TESTPLUGINS@\";\nlocal_domains = [ \"example.com\" ];\nrecipients = [ ];\n",
	  "%s:3: recipients: no source listed; every local recipient would count as unknown (recipients = [ \"postfix\" ] reads Postfix's own tables)" },
	{ BASE_NO_RCPTS "recipients = [ \"nis:passwd\" ];\n",
	  "%s:3: recipients: \"nis:passwd\": unknown kind of source (known: " },
	{ BASE_NO_RCPTS "recipients = [ \"aliases\" ];\n",
	  "%s:3: recipients: \"aliases\": aliases needs an argument (aliases:...)" },
	{ BASE_NO_RCPTS "recipients = [ \"passwd:x\" ];\n",
	  "%s:3: recipients: passwd:x: passwd takes no argument" },
	{ BASE_NO_RCPTS "recipients = [ \"aliases:@TMP@/none\" ];\n",
	  "%s:3: recipients: @TMP@/none: No such file or directory" },
	{ BASE "directory = { max_shrink = 101; };\n",
	  "%s:4: directory: max_shrink must be from 0 to 100" },
	{ BASE "directory = { timeout = \"1h\"; };\n",
	  "%s:4: directory: timeout must be a duration from 10ms to 60s, as \"5s\"" },
	{ BASE "directory = { colour = 1; };\n",
	  "%s:4: directory: unknown setting \"colour\" (max_shrink, timeout, cache_size, cache_ttl, negative_ttl)" },
	{ BASE "directory = 5;\n",
	  "%s:4: directory must be a group { max_shrink = 50; ... }" },
	{ "plugin_dir = \"@TESTPLUGINS@\";\nlocal_domains = [ \"a@b\" ];\n",
	  "%s:2: local_domains: bad domain \"a@b\"" },
	/* a value with line breaks: the error stays one line (found by
	 * t/fuzz/fuzz_config) */
	{ BASE "state = { prefix = \"lg:\\nX-Injected: 1\\r\"; };\n",
	  "%s:4: state: prefix \"lg:?X-Injected: 1?\" holds a space or a control character" },
	{ BASE "socket = \"tcp:\\n25\";\n", "%s:4: socket \"tcp:?25\": " },
	{ BASE "plugins = ( { name = \"testplug\";\n eom_verdict = \"a\\tb\\x7f\"; } );\n",
	  "%s:5: plugin testplug: eom_verdict must be one of \"continue\", \"accept\", \"reject\", \"tempfail\", \"discard\", not \"a?b?\"" },
};

/* expand - the expected text with the path and placeholders filled in */
static void expand(const char *pattern, const char *path, char *out,
		   size_t size)
{
	const char *plugins = getenv("TEST_PLUGIN_DIR");
	char tmp[2048];
	size_t len = 0;
	const char *p;

	snprintf(tmp, sizeof(tmp), pattern, path);
	for (p = tmp; *p && len + 1 < size; ) {
		if (strncmp(p, "@TMP@", 5) == 0) {
			len += (size_t) snprintf(out + len, size - len, "%s",
						 fh_tmpdir());
			p += 5;
		} else if (strncmp(p, "@TESTPLUGINS@", 13) == 0) {
			len += (size_t) snprintf(out + len, size - len, "%s",
						 plugins ? plugins :
						 "t/lib/plugins/.libs");
			p += 13;
		} else if (strncmp(p, "@ABI@", 5) == 0) {
			len += (size_t) snprintf(out + len, size - len, "%d.%d",
						 LG_PLUGIN_ABI_MAJOR,
						 LG_PLUGIN_ABI_MINOR);
			p += 5;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = 0;
}

START_TEST(bad_config_errors)
{
	const struct bad_case *c = &bad_cases[_i];
	char name[32], path[512], want[2048];
	const char *got;

	fh_tmpfile("rcpts", "alice@example.com\n");
	fh_tmpfile("empty", "# nothing\n\n");
	fh_tmpfile("typo", "bob@exmaple.com\n");
	snprintf(name, sizeof(name), "bad%d", _i);
	got = fh_load_error(name, c->text);
	snprintf(path, sizeof(path), "%s/%s.conf", fh_tmpdir(), name);
	expand(c->expected, path, want, sizeof(want));
	/* a socket error carries parse.c's reason after the prefix */
	if (want[strlen(want) - 1] == ' ')
		ck_assert_msg(strncmp(got, want, strlen(want)) == 0,
			      "case %d: got \"%s\", want prefix \"%s\"", _i,
			      got, want);
	else
		ck_assert_msg(strcmp(got, want) == 0,
			      "case %d: got \"%s\", want \"%s\"", _i, got, want);
}
END_TEST

START_TEST(missing_config_file)
{
	struct lg_config *cfg = NULL;
	char err[512];

	ck_assert_int_eq(lg_config_load("/nonexistent/loopguard.conf", NULL,
					&cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/loopguard.conf: No such file or directory");
	ck_assert_ptr_null(cfg);
}
END_TEST

/* a plugin with an init needs a host: the config sits below the host
 * and is handed one; without it the load is refused at the plugin */
START_TEST(plugins_need_a_host)
{
	struct lg_config *cfg = NULL;
	char text[1024], path[512], want[1024], err[1024];

	fh_tmpfile("rcpts", "alice@example.com\n");
	expand(BASE "plugins = ( { name = \"testplug\"; } );\n", "", text,
	       sizeof(text));
	fh_tmpfile("nohost.conf", text);
	snprintf(path, sizeof(path), "%s/nohost.conf", fh_tmpdir());
	ck_assert_int_eq(lg_config_load(path, NULL, &cfg, err, sizeof(err)),
			 -1);
	snprintf(want, sizeof(want),
		 "%s:4: plugin testplug: no plugin host to start it with", path);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(cfg);
}
END_TEST

/* load - NAME.conf with TEXT in the temporary folder, beside a
 * recipients file RCPTS; the loaded config, or the test fails */
static struct lg_config *load(const char *name, const char *text,
			      const char *rcpts)
{
	struct lg_config *cfg = NULL;
	char err[1024], path[512];

	fh_tmpfile("rcpts", rcpts);
	snprintf(path, sizeof(path), "%s.conf", name);
	fh_tmpfile(path, text);
	snprintf(path, sizeof(path), "%s/%s.conf", fh_tmpdir(), name);
	ck_assert_msg(lg_config_load(path, NULL, &cfg, err, sizeof(err)) == 0,
		      "%s", err);
	return cfg;
}

START_TEST(good_config_loads)
{
	struct lg_config *cfg;
	unsigned char v4[16] = { 10, 1, 2, 3 };
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	char path[512];

	cfg = load("good", "socket = \"unix:/tmp/lg.sock\";\n"
		   "socket_mode = \"0660\";\n"
		   "local_domains = [ \"Example.COM\", \"lists.example.com\" ];\n"
		   "recipients = [ \"rcpts\" ];\n"
		   "trusted_networks = [ \"10.0.0.0/8\", \"2001:db8::/32\" ];\n"
		   "on_error = \"accept\";\n"
		   "state = { backend = \"memory\"; snapshot = \"state.snap\";"
		   " snapshot_interval = \"5m\"; max_entries = 5000;"
		   " max_bytes = \"96M\"; };\n",
		   "alice@example.com\n@lists.example.com\n");
	ck_assert_int_eq(cfg->socket_mode, 0660);
	ck_assert_int_eq(cfg->on_error, LG_ACCEPT);
	ck_assert(lg_config_is_local_domain(cfg, "EXAMPLE.com"));
	ck_assert(!lg_config_is_local_domain(cfg, "example.org"));
	ck_assert(lg_config_is_trusted(cfg, 4, v4));
	ck_assert(lg_config_is_trusted(cfg, 6, v6));
	v4[0] = 11;
	ck_assert(!lg_config_is_trusted(cfg, 4, v4));
	ck_assert_int_eq(cfg->state.snapshot_interval, 300);
	ck_assert_int_eq(cfg->state.max_entries, 5000);
	ck_assert_int_eq(cfg->state.max_bytes, 96LL << 20);
	/* relative paths are taken from the config's folder */
	snprintf(path, sizeof(path), "%s/state.snap", fh_tmpdir());
	ck_assert_str_eq(cfg->state.snapshot, path);
	snprintf(path, sizeof(path), "%s/rcpts", fh_tmpdir());
	ck_assert_str_eq(cfg->recipient_sources[0], path);
	lg_config_unref(&cfg);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(defaults_apply)
{
	struct lg_config *cfg = load("min",
				     "local_domains = [ \"example.com\" ];\n"
				     "recipients = [ \"rcpts\" ];\n",
				     "alice@example.com\n");

	ck_assert_str_eq(cfg->socket, "inet:8890@127.0.0.1");
	ck_assert_int_eq(cfg->on_error, LG_TEMPFAIL);
	ck_assert_str_eq(cfg->state.backend, "memory");
	ck_assert_int_eq(cfg->state.snapshot_interval, 60);
	ck_assert_int_eq(cfg->state.max_entries, 1000000);
	ck_assert_int_eq(cfg->n_plugins, 0);
	lg_config_unref(&cfg);
}
END_TEST

START_TEST(refcount_keeps_snapshot)
{
	struct lg_config *cfg, *pinned, *cur;

	cfg = load("rc", "plugin_dir = \"\";\n"
		   "local_domains = [ \"example.com\" ];\n"
		   "recipients = [ \"rcpts\" ];\n", "alice@example.com\n");
	lg_config_install(cfg);
	pinned = lg_config_current();
	ck_assert_ptr_eq(pinned, cfg);
	lg_config_install(NULL);	/* a reload would do this */
	cur = lg_config_current();
	ck_assert_ptr_null(cur);
	/* the pinned snapshot is still whole */
	ck_assert(lg_config_is_local_domain(pinned, "example.com"));
	ck_assert_int_eq(pinned->refs, 1);
	lg_config_unref(&pinned);
}
END_TEST

/* config_suite - the error table and the good configs */
static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("errors");

	tcase_add_loop_test(tc, bad_config_errors, 0,
			    (int) (sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, missing_config_file);
	tcase_add_test(tc, plugins_need_a_host);
	suite_add_tcase(s, tc);
	tc = tcase_create("good");
	tcase_add_test(tc, good_config_loads);
	tcase_add_test(tc, defaults_apply);
	tcase_add_test(tc, refcount_keeps_snapshot);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
