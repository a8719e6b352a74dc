/*
 * NAME
 *	check_logfile - the "log" setting: parsing, a log file's lines,
 *	reopening it after a rename, the syslog check, stderr
 * DESCRIPTION
 *	Each test runs in its own temporary folder (a checked fixture,
 *	removed afterwards) and its own process, since the log is one
 *	per process.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"
#include "log.h"

static char tmp[256];

/* setup - a fresh folder, the log kept in memory */
static void setup(void)
{
	fh_mkdtemp(tmp, sizeof(tmp), "logfile");
	lg_log_open("loopguard", LG_LOG_MEMORY);
	lg_log_capture_reset();
}

/* teardown - remove the folder */
static void teardown(void)
{
	fh_rmtree(tmp);
}

/* slurp - a whole small file ("" if missing) */
static const char *slurp(const char *name)
{
	static char buf[16384];
	char path[512];
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	buf[0] = 0;
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = 0;
	return buf;
}

struct parse_case {
	const char *text;
	int ok;
	enum lg_log_target target;
};

static const struct parse_case parse_cases[] = {
	{ "syslog", 1, LG_LOG_SYSLOG }, { "syslog:mail", 1, LG_LOG_SYSLOG },
	{ "syslog:local0", 1, LG_LOG_SYSLOG },
	{ "syslog:local7", 1, LG_LOG_SYSLOG },
	{ "syslog:daemon", 1, LG_LOG_SYSLOG }, { "stderr", 1, LG_LOG_STDERR },
	{ "file:/x", 1, LG_LOG_FILE }, { "file:rel/x.log", 1, LG_LOG_FILE },
	{ "syslog:local8", 0, 0 }, { "syslog:", 0, 0 }, { "Syslog", 0, 0 },
	{ "", 0, 0 }, { "file:", 0, 0 }, { "file:/a\nb", 0, 0 },
	{ "stderr:", 0, 0 },
};

START_TEST(log_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	struct lg_log_dest d;
	const char *why = NULL;
	int rc = lg_log_parse(c->text, &d, &why);

	ck_assert_msg((rc == 0) == c->ok, "case \"%s\"", c->text);
	if (c->ok)
		ck_assert_int_eq(d.target, c->target);
	else
		ck_assert_ptr_nonnull(why);
}
END_TEST

/* matches - 1 when TEXT has a line matching the extended REGEX */
static int matches(const char *text, const char *regex)
{
	regex_t re;
	int rc;

	ck_assert_int_eq(regcomp(&re, regex, REG_EXTENDED | REG_NEWLINE |
				 REG_NOSUB), 0);
	rc = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return rc;
}

START_TEST(log_file_lines)
{
	char spec[512], err[512], re[512];
	struct stat st;
	const char *text;

	snprintf(spec, sizeof(spec), "file:%s/mail.log", tmp);
	ck_assert_msg(lg_log_use(spec, 0, NULL, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert(!lg_log_to_stderr());
	lg_log(LG_LOG_INFO, "NOQUEUE: plugin=catchall action=redirect");
	lg_log(LG_LOG_WARN, "careful\nforged: line");
	lg_log(LG_LOG_DEBUG, "not shown at info");
	text = slurp("mail.log");
	snprintf(re, sizeof(re),
		 "^[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [^ .]+ loopguard\\[%ld\\]: NOQUEUE: plugin=catchall action=redirect$",
		 (long) getpid());
	ck_assert_msg(matches(text, re), "got: %s", text);
	snprintf(re, sizeof(re),
		 "^[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} [^ .]+ loopguard\\[%ld\\]: warning: careful\\\\nforged: line$",
		 (long) getpid());
	ck_assert_msg(matches(text, re), "got: %s", text);
	ck_assert_ptr_null(strstr(text, "not shown"));
	ck_assert_ptr_null(strstr(text, "\nforged"));
	snprintf(spec, sizeof(spec), "%s/mail.log", tmp);
	ck_assert_int_eq(stat(spec, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
}
END_TEST

START_TEST(log_file_reopen)
{
	char spec[512], err[512], from[512], to[512];

	snprintf(spec, sizeof(spec), "file:%s/mail.log", tmp);
	ck_assert_int_eq(lg_log_use(spec, 1, NULL, err, sizeof(err)), 0);
	lg_log(LG_LOG_INFO, "line one");
	/* logrotate: rename, then SIGUSR2 */
	snprintf(from, sizeof(from), "%s/mail.log", tmp);
	snprintf(to, sizeof(to), "%s/mail.log.1", tmp);
	ck_assert_int_eq(rename(from, to), 0);
	lg_log(LG_LOG_INFO, "line two");
	ck_assert_int_eq(lg_log_reopen(), 0);
	lg_log(LG_LOG_INFO, "line three");
	ck_assert_ptr_nonnull(strstr(slurp("mail.log.1"), "line two"));
	ck_assert_ptr_null(strstr(slurp("mail.log.1"), "line three"));
	ck_assert_ptr_nonnull(strstr(slurp("mail.log"), "line three"));
	ck_assert_ptr_nonnull(strstr(slurp("mail.log"), "mail.log reopened"));
	ck_assert_ptr_null(strstr(slurp("mail.log"), "line one"));
	/* a reload with the same setting reopens too */
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(lg_log_reload(spec), 0);
	lg_log(LG_LOG_INFO, "line four");
	ck_assert_ptr_nonnull(strstr(slurp("mail.log"), "line four"));
	/* ... and a changed one switches */
	snprintf(spec, sizeof(spec), "file:%s/other.log", tmp);
	ck_assert_int_eq(lg_log_reload(spec), 0);
	lg_log(LG_LOG_INFO, "line five");
	ck_assert_ptr_nonnull(strstr(slurp("other.log"), "line five"));
	ck_assert_ptr_null(strstr(slurp("mail.log"), "line five"));
}
END_TEST

START_TEST(log_file_reopen_fails)
{
	char spec[512], err[512], dir[512], from[512], to[512];

	snprintf(dir, sizeof(dir), "%s/d", tmp);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(spec, sizeof(spec), "file:%s/d/mail.log", tmp);
	ck_assert_int_eq(lg_log_use(spec, 1, NULL, err, sizeof(err)), 0);
	snprintf(from, sizeof(from), "%s/d/mail.log", tmp);
	snprintf(to, sizeof(to), "%s/kept.log", tmp);
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(lg_log_reopen(), -1);
	lg_log(LG_LOG_INFO, "still here");
	ck_assert_msg(strstr(slurp("kept.log"), "warning: log file:") &&
		      strstr(slurp("kept.log"), "/d/mail.log: cannot reopen (No such file or directory); still writing to the file that was open"),
		      "got: %s", slurp("kept.log"));
	ck_assert_ptr_nonnull(strstr(slurp("kept.log"), "still here"));
	/* a changed setting that cannot be opened keeps the old file */
	ck_assert_int_eq(lg_log_reload(spec), -1);
	lg_log(LG_LOG_INFO, "and here");
	ck_assert_ptr_nonnull(strstr(slurp("kept.log"), "and here"));
}
END_TEST

/* Log files that cannot be opened (names under the test's folder). */
static const struct {
	const char *name;
	const char *why;
} bad_files[] = {
	{ "", "Is a directory" },
	{ "/none/x.log", "No such file or directory" },
};

START_TEST(log_file_errors)
{
	char spec[512], err[512], want[600];

	snprintf(spec, sizeof(spec), "file:%s%s", tmp, bad_files[_i].name);
	ck_assert_int_eq(lg_log_use(spec, 1, NULL, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "log %s: %s", spec, bad_files[_i].why);
	ck_assert_str_eq(err, want);
}
END_TEST

/* to_file - fd 2 into tmp/NAME; the old fd 2 */
static int to_file(const char *name)
{
	char path[512];
	int fd, old = dup(2);

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	return old;
}

/* restore - fd 2 back to OLD */
static void restore(int old)
{
	dup2(old, 2);
	close(old);
}

START_TEST(syslog_probe)
{
	struct sockaddr_un sun;
	char path[512], err[512];
	int fd, old;

	snprintf(path, sizeof(path), "%s/log.sock", tmp);
	ck_assert_int_eq(lg_log_syslog_listens(path), 0);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_int_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
	ck_assert_int_eq(lg_log_syslog_listens(path), 1);
	close(fd);
	/* in the background, a syslog nobody listens to is told on
	 * stderr; in the foreground syslog means stderr */
	old = to_file("stderr");
	ck_assert_int_eq(lg_log_use("syslog", 0, NULL, err, sizeof(err)), 0);
	restore(old);
	if (lg_log_syslog_listens("/dev/log"))
		ck_assert_str_eq(slurp("stderr"), "");
	else
		ck_assert_str_eq(slurp("stderr"),
				 "loopguard: warning: no syslog daemon listens on /dev/log; set log = \"file:/var/log/loopguard.log\" or install rsyslog (see journalctl -t loopguard under systemd)\n");
	ck_assert(!lg_log_to_stderr());
	old = to_file("stderr");
	ck_assert_int_eq(lg_log_use("syslog", 1, NULL, err, sizeof(err)), 0);
	restore(old);
	ck_assert_str_eq(slurp("stderr"), "");
	ck_assert(lg_log_to_stderr());
}
END_TEST

START_TEST(stderr_outlives_detaching)
{
	char err[512];
	int old, null;

	old = to_file("stderr");
	ck_assert_int_eq(lg_log_use("stderr", 0, NULL, err, sizeof(err)), 0);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);		/* what detaching does */
	close(null);
	lg_log(LG_LOG_WARN, "after detaching");
	restore(old);
	ck_assert_str_eq(slurp("stderr"), "loopguard: warning: after detaching\n");
}
END_TEST

/* logfile_suite - every case, each in its own folder */
static Suite *logfile_suite(void)
{
	Suite *s = suite_create("logfile");
	TCase *tc = tcase_create("log");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, log_parse, 0,
			    (int) (sizeof(parse_cases) / sizeof(parse_cases[0])));
	tcase_add_test(tc, log_file_lines);
	tcase_add_test(tc, log_file_reopen);
	tcase_add_test(tc, log_file_reopen_fails);
	tcase_add_loop_test(tc, log_file_errors, 0,
			    (int) (sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(tc, syslog_probe);
	tcase_add_test(tc, stderr_outlives_detaching);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(logfile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
