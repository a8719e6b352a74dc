/*
 * NAME
 *	check_process - the keys about the process: log, hostname, the
 *	sockets' groups; the host name of generated mail (the log file
 *	itself is in check_logfile.c)
 * DESCRIPTION
 *	Each test runs in its own temporary folder (a checked fixture,
 *	removed afterwards). Configs start with two lines (local_domains,
 *	recipients), so line 3 is the first line a case adds. A fake
 *	postconf is a shell script the test writes.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hostname.h"
#include "postconf.h"
#include "fakehost.h"
#include "log.h"
#include "mailer.h"
#include "settings.h"
#include <loopguard/plugin.h>
#include "host.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))
#define BASE "local_domains = [ \"example.com\" ];\n" \
	"recipients = [ \"rcpts\" ];\n"

static char tmp[256];

/* setup - a fresh folder, the log kept in memory, no postconf setting */
static void setup(void)
{
	fh_mkdtemp(tmp, sizeof(tmp), "process");
	lg_log_open("loopguard", LG_LOG_MEMORY);
	lg_log_capture_reset();
	unsetenv("LOOPGUARD_POSTCONF");
}

/* teardown - remove the folder */
static void teardown(void)
{
	fh_rmtree(tmp);
}

/* put - a file in the test's folder; its path */
static const char *put(const char *name, const char *text, int mode)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	fputs(text, fp);
	fclose(fp);
	chmod(path, (mode_t) mode);
	return path;
}

/* load - TEXT as tmp/NAME.conf; the snapshot, or NULL with err */
static struct lg_config *load(const char *name, const char *text,
			      char *err, size_t errsize)
{
	struct lg_config *cfg = NULL;
	char file[600];

	put("rcpts", "alice@example.com\n", 0644);
	snprintf(file, sizeof(file), "%s.conf", name);
	put(file, text, 0644);
	snprintf(file, sizeof(file), "%s/%s.conf", tmp, name);
	if (lg_config_load(file, fh_config_opts(), &cfg, err, errsize) != 0)
		return NULL;
	return cfg;
}

/* load_ok - as load, but the config must load */
static struct lg_config *load_ok(const char *name, const char *text)
{
	char err[1024];
	struct lg_config *cfg = load(name, text, err, sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	return cfg;
}

struct bad_case {
	const char *text;
	const char *expected;	/* %s = the config file's path */
};

#define NOT_DNS "is not a DNS name (letters, digits and hyphens, " \
	"labels separated by dots)"

static const struct bad_case bad_cases[] = {
	{ BASE "user = \"loopgaurd-no-such\";\n",
	  "%s:3: user \"loopgaurd-no-such\": no such user" },
	{ BASE "group = \"no-such-group-here\";\n",
	  "%s:3: group \"no-such-group-here\": no such group" },
	{ BASE "socket_group = \"no-such-group-here\";\n",
	  "%s:3: socket_group \"no-such-group-here\": no such group" },
	{ BASE "control_group = \"no-such-group-here\";\n",
	  "%s:3: control_group \"no-such-group-here\": no such group" },
	{ BASE "socket_group = \"\";\n",
	  "%s:3: socket_group \"\": no such group" },
	{ BASE "control_group = 4;\n",
	  "%s:3: control_group must be a string" },
	{ BASE "log = \"journal\";\n",
	  "%s:3: log \"journal\": must be \"syslog\", \"syslog:FACILITY\", \"stderr\" or \"file:/path\"" },
	{ BASE "log = \"syslog:kern\";\n",
	  "%s:3: log \"syslog:kern\": unknown syslog facility (use mail, daemon, user, or local0 to local7)" },
	{ BASE "log = \"file:\";\n",
	  "%s:3: log \"file:\": file: needs a path, as in \"file:/var/log/loopguard.log\"" },
	{ BASE "log = [ \"stderr\" ];\n", "%s:3: log must be a string" },
	{ BASE "log = \"file:/nonexistent/loopguard.log\";\n",
	  "%s:3: log file:/nonexistent/loopguard.log: folder /nonexistent: No such file or directory" },
	{ BASE "log = \"file:rcpts/x.log\";\n",
	  "%s:3: log file:@TMP@/rcpts/x.log: @TMP@/rcpts is not a folder" },
	{ BASE "hostname = \"mx_1.example.com\";\n",
	  "%s:3: hostname \"mx_1.example.com\" " NOT_DNS },
	{ BASE "hostname = \"mx.example.com.\";\n",
	  "%s:3: hostname \"mx.example.com.\" " NOT_DNS },
	{ BASE "hostname = \"\";\n", "%s:3: hostname \"\" " NOT_DNS },
	{ BASE "hostname = 1;\n", "%s:3: hostname must be a string" },
};

START_TEST(bad_keys)
{
	const struct bad_case *c = &bad_cases[_i];
	char err[1024], path[512], want[1024], rest[1024], *at;
	struct lg_config *cfg;

	cfg = load("bad", c->text, err, sizeof(err));
	ck_assert_ptr_null(cfg);
	snprintf(path, sizeof(path), "%s/bad.conf", tmp);
	snprintf(want, sizeof(want), c->expected, path);
	while ((at = strstr(want, "@TMP@")) != NULL) {
		snprintf(rest, sizeof(rest), "%s", at + 5);
		snprintf(at, sizeof(want) - (size_t) (at - want), "%s%s", tmp,
			 rest);
	}
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(good_keys)
{
	struct lg_config *cfg;
	char want[512];

	cfg = load_ok("good", BASE "socket_group = \"mail\";\n"
		      "control_group = \"adm\";\n"
		      "log = \"file:loopguard.log\";\n"
		      "hostname = \"MX-1.Example.com\";\n");
	ck_assert_str_eq(cfg->socket_group, "mail");
	ck_assert_str_eq(cfg->control_group, "adm");
	ck_assert_ptr_null(cfg->group);
	snprintf(want, sizeof(want), "file:%s/loopguard.log", tmp);
	ck_assert_str_eq(cfg->log, want);
	ck_assert_str_eq(cfg->hostname, "MX-1.Example.com");
	lg_config_unref(&cfg);
	cfg = load_ok("fac", BASE "log = \"syslog:local3\";\n");
	ck_assert_str_eq(cfg->log, "syslog:local3");
	lg_config_unref(&cfg);
	cfg = load_ok("abs",
		      BASE "log = \"file:/var/log/loopguard.log\";\n");
	ck_assert_str_eq(cfg->log, "file:/var/log/loopguard.log");
	lg_config_unref(&cfg);
}
END_TEST

START_TEST(key_defaults)
{
	struct lg_config *cfg;

	setenv("LOOPGUARD_POSTCONF", "", 1);
	cfg = load_ok("min", BASE);
	ck_assert_str_eq(cfg->log, "syslog");
	ck_assert_ptr_null(cfg->socket_group);
	ck_assert_ptr_null(cfg->control_group);
	ck_assert_ptr_nonnull(cfg->hostname);
	ck_assert(lg_hostname_valid(cfg->hostname));
	lg_config_unref(&cfg);
	/* a config written before the two keys: both follow group */
	cfg = load_ok("old", BASE "group = \"adm\";\n");
	ck_assert_str_eq(cfg->group, "adm");
	ck_assert_str_eq(cfg->socket_group, "adm");
	ck_assert_str_eq(cfg->control_group, "adm");
	lg_config_unref(&cfg);
	/* ... unless they are set */
	cfg = load_ok("mix",
		      BASE "group = \"adm\";\nsocket_group = \"mail\";\n");
	ck_assert_str_eq(cfg->socket_group, "mail");
	ck_assert_str_eq(cfg->control_group, "adm");
	lg_config_unref(&cfg);
	ck_assert(!lg_log_captured_has("MTA's group"));
}
END_TEST

START_TEST(mta_group_warns)
{
	struct lg_config *cfg;
	char want[1024];

	/* a build host without Postfix has no such group to warn about */
	if (!getgrnam("postfix"))
		return;
	cfg = load_ok("mta", BASE "\ngroup = \"postfix\";\n");
	snprintf(want, sizeof(want),
		 "%s/mta.conf:4: group \"postfix\" is the MTA's group, so loopguard itself would run in it; remove group and set socket_group = \"postfix\" (the milter socket's group) instead",
		 tmp);
	ck_assert_msg(lg_log_captured_has(want), "log: %s", lg_log_captured());
	lg_config_unref(&cfg);
}
END_TEST

START_TEST(world_writable_recipients)
{
	struct lg_config *cfg;
	char err[1024], want[600];

	cfg = load_ok("rw", BASE);
	ck_assert(!lg_log_captured_has("writable by everyone"));
	lg_config_unref(&cfg);
	put("others", "bob@example.com\n", 0666);
	chmod(put("rw.conf", "local_domains = [ \"example.com\" ];\n"
		  "recipients = [ \"others\" ];\n", 0644), 0644);
	snprintf(want, sizeof(want), "%s/rw.conf", tmp);
	ck_assert_int_eq(lg_config_load(want, fh_config_opts(), &cfg, err, sizeof(err)), 0);
	snprintf(want, sizeof(want),
		 "recipients %s/others is writable by everyone (mode 0666); anyone could change which local addresses exist",
		 tmp);
	ck_assert_msg(lg_log_captured_has(want), "log: %s", lg_log_captured());
	lg_config_unref(&cfg);
}
END_TEST

/* ---- the host name */

/* Host names: the first VALID_NAMES are valid, the rest are not. */
#define VALID_NAMES	6
static const char *const hostnames[] = {
	"mx", "mx.example.com", "MX-1.Example.COM", "a.b.c.d.e",
	"1.example.com", "xn--bcher-kva.example",
	"", ".", "mx.", ".mx", "mx..com", "-mx.com", "mx-.com", "mx.-com",
	"m x.com", "mx_1.com", "mx.com\n", "mx@com",
};

START_TEST(hostname_valid)
{
	int valid = _i < VALID_NAMES;

	ck_assert_msg(lg_hostname_valid(hostnames[_i]) == valid,
		      "\"%s\" valid: want %d", hostnames[_i], valid);
}
END_TEST

START_TEST(hostname_lengths)
{
	char label[80], longname[300];
	size_t i;

	memset(label, 'a', 63);
	snprintf(label + 63, sizeof(label) - 63, ".com");
	ck_assert(lg_hostname_valid(label));
	memset(label, 'a', 64);
	snprintf(label + 64, sizeof(label) - 64, ".com");
	ck_assert(!lg_hostname_valid(label));
	for (i = 0; i < 63; i++)
		memcpy(longname + i * 4, "abc.", 4);
	memcpy(longname + 252, "x", 2);		/* 253 bytes */
	ck_assert(lg_hostname_valid(longname));
	memcpy(longname + 252, "xy", 3);	/* 254 */
	ck_assert(!lg_hostname_valid(longname));
}
END_TEST

/* fake - a fake postconf running BODY; its path */
static const char *fake(const char *name, const char *body)
{
	char text[1024];

	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	return put(name, text, 0755);
}

/* kernel_default - what the default is without postconf */
static void kernel_default(char *out, size_t size)
{
	lg_hostname_find(NULL, out, size);
}

START_TEST(hostname_order)
{
	char name[256], without[256], path[512];
	const char *how;

	kernel_default(without, sizeof(without));
	ck_assert(lg_hostname_valid(without));
	snprintf(path, sizeof(path), "%s",
		 fake("postconf", "[ \"$1 $2 $#\" = \"-h myhostname 2\" ] || exit 9\necho mx.fake.example"));
	how = lg_hostname_find(path, name, sizeof(name));
	ck_assert_str_eq(how, "postconf myhostname");
	ck_assert_str_eq(name, "mx.fake.example");
	how = lg_hostname_find("/nonexistent/postconf", name, sizeof(name));
	ck_assert_str_eq(name, without);
	ck_assert(strcmp(how, "canonical name") == 0 ||
		  strcmp(how, "gethostname") == 0 ||
		  strcmp(how, "fallback") == 0);
}
END_TEST

/* A postconf that fails, lies, or hangs is skipped, and soon. */
static const char *const bad_postconfs[] = {
	"echo mx.fake.example; exit 1", "echo 'not a name!'", "exec sleep 30",
};

START_TEST(hostname_postconf_skipped)
{
	char name[256], without[256];
	struct timespec t0, t1;
	const char *how;

	kernel_default(without, sizeof(without));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	how = lg_hostname_find(fake("postconf", bad_postconfs[_i]), name,
			       sizeof(name));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_str_ne(how, "postconf myhostname");
	ck_assert_str_eq(name, without);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 7);
}
END_TEST

START_TEST(hostname_postconf_path)
{
	char name[256];

	setenv("LOOPGUARD_POSTCONF", "/opt/x/postconf", 1);
	ck_assert_str_eq(lg_postconf_path(), "/opt/x/postconf");
	setenv("LOOPGUARD_POSTCONF", "", 1);
	ck_assert_ptr_null(lg_postconf_path());
	unsetenv("LOOPGUARD_POSTCONF");
	if (access("/usr/sbin/postconf", X_OK) == 0) {
		put("main.cf", "myhostname = mx.example.org\n", 0644);
		setenv("MAIL_CONFIG", tmp, 1);
		ck_assert_str_eq(lg_postconf_path(), "/usr/sbin/postconf");
		/* the real one, with that main.cf */
		lg_hostname_find(lg_postconf_path(), name, sizeof(name));
		ck_assert_str_eq(name, "mx.example.org");
	}
	/* no main.cf: postconf would only fail, slowly */
	setenv("MAIL_CONFIG", "/nonexistent", 1);
	ck_assert_ptr_null(lg_postconf_path());
	unsetenv("MAIL_CONFIG");
}
END_TEST

START_TEST(hostname_in_config_and_abi)
{
	const struct lg_host *h = lg_host_get();
	struct lg_config *cfg, *cfg2;
	const char *before;

	setenv("LOOPGUARD_POSTCONF",
	       fake("postconf", "echo mx.from-postfix.example"), 1);
	cfg = load_ok("dflt", BASE);
	ck_assert_str_eq(cfg->hostname, "mx.from-postfix.example");
	lg_config_install(cfg);
	ck_assert_str_eq(lg_mailer_hostname(), "mx.from-postfix.example");
	ck_assert_str_eq(h->hostname(), "mx.from-postfix.example");
	before = h->hostname();
	/* the setting wins over postconf, and a reload changes it */
	cfg2 = load_ok("set", BASE "hostname = \"mx1.example.net\";\n");
	lg_config_install(cfg2);
	ck_assert_str_eq(h->hostname(), "mx1.example.net");
	/* a name handed out before the reload is still readable */
	ck_assert_str_eq(before, "mx.from-postfix.example");
	lg_config_install(NULL);
}
END_TEST

/* process_suite - the keys and the host name */
static Suite *process_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, bad_keys, 0, N(bad_cases));
	tcase_add_test(tc, good_keys);
	tcase_add_test(tc, key_defaults);
	tcase_add_test(tc, mta_group_warns);
	tcase_add_test(tc, world_writable_recipients);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostname");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, hostname_valid, 0, N(hostnames));
	tcase_add_test(tc, hostname_lengths);
	tcase_add_test(tc, hostname_order);
	tcase_add_loop_test(tc, hostname_postconf_skipped, 0,
			    N(bad_postconfs));
	tcase_add_test(tc, hostname_postconf_path);
	tcase_add_test(tc, hostname_in_config_and_abi);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(process_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
