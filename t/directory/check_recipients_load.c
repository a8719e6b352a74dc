/*
 * NAME
 *	check_recipients_load - unit tests for milter/directory/recipients.c:
 *	building the directory
 * SYNOPSIS
 *	t/directory/check_recipients_load
 * DESCRIPTION
 *	Tables of entries and of files with their exact error messages,
 *	and a file of 1,000,000 addresses (its load time is printed on
 *	stderr, not asserted). Lookups are in check_recipients.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recipients.h"
#include "recipients_cases.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

static char tmpdir[256];

/* make_tmpdir - a fresh directory for the files of one test */
static void make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/check_recipients_load.XXXXXX",
		 base && *base ? base : "/tmp");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir,
		      strerror(errno));
}

/* remove_tmpdir - the directory and the files the tests left in it */
static void remove_tmpdir(void)
{
	static const char *names[] = { "r.txt", "big.txt", "sub" };
	char path[512];
	int i;

	for (i = 0; i < N(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(tmpdir);
}

/* write_file - tmpdir/name with len bytes of text; returns its path */
static const char *write_file(const char *name, const char *text, size_t len)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/* The empty directory of the "add" and "file" cases (checked fixture). */
static struct lg_recipients *dir;

/* new_dir - an empty directory, case-insensitive, '+' as delimiter */
static void new_dir(void)
{
	dir = lg_recipients_new(0, "+");
	ck_assert_ptr_nonnull(dir);
}

/* free_dir - release it, and see that a second release is harmless */
static void free_dir(void)
{
	lg_recipients_free(&dir);
	ck_assert_ptr_null(dir);
	lg_recipients_free(&dir);
	lg_recipients_free(NULL);
}

static const struct {
	const char *entry;
	int rc;
} entries[] = {
	{ "user@example.com", 0 }, { "  user@example.com \t", 0 },
	{ "@example.com", 0 }, { "User@Example.COM.", 0 },
	{ "a#b@example.com", 0 }, { "user+tag@example.com", 0 },
	{ "j\xc3\xb6" "e@ex\xc3\xa4mple.com", 0 }, { "x@[192.0.2.1]", 0 },
	{ "x@[IPv6:2001:db8::1]", 0 }, { "@[192.0.2.1]", 0 },
	{ NULL, -1 }, { "", -1 }, { "   ", -1 }, { "user", -1 },
	{ "user@", -1 }, { "@", -1 }, { "@@example.com", -1 },
	{ "user@@example.com", -1 }, { "user@a@example.com", -1 },
	{ "us er@example.com", -1 }, { "user@exa mple.com", -1 },
	{ "user@example.com\x01", -1 }, { "user\x7f@example.com", -1 },
	{ "us\ter@example.com", -1 }, { "<user@example.com>", -1 },
	{ "\"user\"@example.com", -1 }, { "a\\b@example.com", -1 },
	{ "user@example..com", -1 }, { "@.example.com", -1 },
	{ "@example.com..", -1 }, { "user@.", -1 }, { ".@", -1 },
	{ "@a.example:user@example.com", -1 }, { "a,b@example.com", -1 },
	{ "\xe9t\xe9@example.com", -1 },	/* Latin-1, not UTF-8 */
	{ "user@[192.0.2.256]", -1 }, { "user@example.com#x", -1 },
};

START_TEST(test_add)
{
	int rc = lg_recipients_add(dir, entries[_i].entry);

	ck_assert_msg(rc == entries[_i].rc, "\"%s\": %d",
		      entries[_i].entry ? entries[_i].entry : "(null)", rc);
	ck_assert_uint_eq(lg_recipients_count(dir), rc == 0 ? 1 : 0);
}
END_TEST

START_TEST(test_add_lengths)
{
	char entry[600];

	/* 512 bytes in all is the longest entry */
	memset(entry, 'a', sizeof(entry));
	strcpy(entry + 512 - 12, "@example.com");
	ck_assert_uint_eq(strlen(entry), 512);
	ck_assert_int_eq(lg_recipients_add(dir, entry), 0);
	entry[0] = 'b';
	ck_assert_int_eq(lg_recipients_exists(dir, "b", "example.com"), 0);
	memset(entry, 'a', sizeof(entry));
	strcpy(entry + 513 - 12, "@example.com");
	ck_assert_int_eq(lg_recipients_add(dir, entry), -1);
	entry[513 - 12] = 0;			/* a 501-byte local part */
	ck_assert_int_eq(lg_recipients_exists(dir, entry, "example.com"), 0);
	entry[500] = 0;
	ck_assert_int_eq(lg_recipients_exists(dir, entry, "example.com"), 1);
	ck_assert_uint_eq(lg_recipients_count(dir), 1);
	/* a local part too long for any entry still matches a wildcard */
	memset(entry, 'a', sizeof(entry) - 1);
	entry[sizeof(entry) - 1] = 0;
	ck_assert_int_eq(lg_recipients_exists(dir, entry, "wild.example"), 0);
	ck_assert_int_eq(lg_recipients_add(dir, "@wild.example"), 0);
	ck_assert_int_eq(lg_recipients_exists(dir, entry, "wild.example"), 1);
	ck_assert_int_eq(lg_recipients_exists(dir, entry, "example.com"), 0);
}
END_TEST

/*
 * Files. In want_err, "%s" stands for the file's path.
 */
static const struct {
	const char *text;
	size_t len;				/* 0: strlen(text) */
	int rc;
	const char *want_err;
	size_t count;
} files[] = {
	{ "user@example.com\n", 0, 0, NULL, 1 },
	{ "user@example.com", 0, 0, NULL, 1 },	/* no final newline */
	{ "", 0, 0, NULL, 0 },
	{ "\n\n   \n\t\n", 0, 0, NULL, 0 },
	{ "# only a comment\n", 0, 0, NULL, 0 },
	{ "# users\nuser@example.com\n\n  # indented comment\n"
	  "  bob@example.org  \n\t@wild.example\t\n", 0, 0, NULL, 3 },
	{ "user@example.com # trailing comment\n", 0, 0, NULL, 1 },
	{ "user@example.com\t#tab comment\n", 0, 0, NULL, 1 },
	{ "a#b@example.com\n", 0, 0, NULL, 1 },	/* not a comment */
	{ "user@example.com\r\nbob@example.org\r\n", 0, 0, NULL, 2 },
	{ "user@example.com\nUSER@EXAMPLE.COM\n", 0, 0, NULL, 1 },
	{ "user@example.com\n\nus er@example.com\n", 0, -1,
	  "%s:3: bad address \"us er@example.com\"", 1 },
	{ "postmaster\n", 0, -1, "%s:1: bad address \"postmaster\"", 0 },
	{ "# x\nuser@\n", 0, -1, "%s:2: bad address \"user@\"", 0 },
	{ "@\n", 0, -1, "%s:1: bad address \"@\"", 0 },
	{ "user@example.com\x01\n", 0, -1,
	  "%s:1: bad address \"user@example.com?\"", 0 },
	{ "user\x7f@example.com\n", 0, -1,
	  "%s:1: bad address \"user?@example.com\"", 0 },
	{ "u\0ser@example.com\n", 18, -1,
	  "%s:1: bad address \"u?ser@example.com\"", 0 },
	{ "<user@example.com>\n", 0, -1,
	  "%s:1: bad address \"<user@example.com>\"", 0 },
	{ "user@example.com # ok\nuser@example.com x\n", 0, -1,
	  "%s:2: bad address \"user@example.com x\"", 1 },
	{ "ok@example.com\nnot ok@example.com\nok2@example.com\n", 0, -1,
	  "%s:2: bad address \"not ok@example.com\"", 1 },
};

START_TEST(test_load_file)
{
	size_t len = files[_i].len ? files[_i].len : strlen(files[_i].text);
	const char *path = write_file("r.txt", files[_i].text, len);
	char err[512] = "untouched", want[1024];
	int rc = lg_recipients_load(dir, path, err, sizeof(err));

	ck_assert_msg(rc == files[_i].rc, "file %d: rc %d (%s)", _i, rc, err);
	if (files[_i].want_err) {
		snprintf(want, sizeof(want), files[_i].want_err, path);
		ck_assert_str_eq(err, want);
	} else {
		ck_assert_str_eq(err, "untouched");
	}
	ck_assert_uint_eq(lg_recipients_count(dir), files[_i].count);
	if (rc == 0 && files[_i].count > 0)
		ck_assert(lg_recipients_exists(dir, "user", "example.com") ||
			  lg_recipients_exists(dir, "a#b", "example.com"));
}
END_TEST

START_TEST(test_load_errors)
{
	char err[512], want[1024], line[700], path[512];
	const char *p;

	/* a file that is not there */
	snprintf(path, sizeof(path), "%s/missing.txt", tmpdir);
	ck_assert_int_eq(lg_recipients_load(dir, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err, want);

	/* a directory */
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(lg_recipients_load(dir, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Is a directory", path);
	ck_assert_str_eq(err, want);

	/* an over-long line is shown cut at 80 bytes */
	memset(line, 'a', 600);
	strcpy(line + 600, "@example.com\n");
	p = write_file("r.txt", line, strlen(line));
	ck_assert_int_eq(lg_recipients_load(dir, p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: bad address \"%.80s...\"", p, line);
	ck_assert_str_eq(err, want);

	/* a small error buffer gets a cut, terminated message */
	ck_assert_int_eq(lg_recipients_load(dir, p, err, 8), -1);
	ck_assert_uint_eq(strlen(err), 7);
	ck_assert_int_eq(strncmp(err, p, 7), 0);
	ck_assert_int_eq(lg_recipients_load(dir, p, NULL, 0), -1);
	ck_assert_int_eq(lg_recipients_load(dir, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "(null): Invalid argument");
	ck_assert_int_eq(lg_recipients_load(NULL, p, err, sizeof(err)), -1);
	ck_assert_uint_eq(lg_recipients_count(dir), 0);
}
END_TEST

START_TEST(test_load_two_files)
{
	char err[512];
	const char *p;

	p = write_file("r.txt", "one@example.com\n", 16);
	ck_assert_int_eq(lg_recipients_load(dir, p, err, sizeof(err)), 0);
	p = write_file("r.txt", "two@example.com\n@wild.example\n", 30);
	ck_assert_int_eq(lg_recipients_load(dir, p, err, sizeof(err)), 0);
	ck_assert_uint_eq(lg_recipients_count(dir), 3);
	ck_assert_int_eq(lg_recipients_exists(dir, "one", "example.com"), 1);
	ck_assert_int_eq(lg_recipients_exists(dir, "Two+x", "example.com"), 1);
	ck_assert_int_eq(lg_recipients_exists(dir, "x", "wild.example"), 1);
	ck_assert_int_eq(lg_recipients_exists(dir, "three", "example.com"), 0);
}
END_TEST

#define BIG	1000000

START_TEST(test_load_million)
{
	char local[32], domain[32], err[512], path[512];
	struct timespec t0, t1;
	unsigned i;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/big.txt", tmpdir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "# %d addresses\n", BIG);
	for (i = 0; i < BIG; i++) {
		big_name(i, local, domain);
		fprintf(fp, "%s@%s\n", local, domain);
	}
	ck_assert_int_eq(fclose(fp), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(lg_recipients_load(dir, path, err, sizeof(err)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "check_recipients_load: loaded %d addresses"
		" in %.3f s\n", BIG, (double) (t1.tv_sec - t0.tv_sec) +
		(double) (t1.tv_nsec - t0.tv_nsec) / 1e9);

	ck_assert_uint_eq(lg_recipients_count(dir), BIG);
	for (i = 0; i < BIG; i++) {
		big_name(i, local, domain);
		if (i % 3 == 1)
			local[0] = 'U';		/* case-insensitive */
		if (i % 5 == 2)
			strcat(local, "+tag");
		ck_assert_msg(lg_recipients_exists(dir, local, domain),
			      "missing %s@%s", local, domain);
	}
	for (i = BIG; i < BIG + 1000; i++) {
		big_name(i, local, domain);
		ck_assert_msg(!lg_recipients_exists(dir, local, domain),
			      "found %s@%s", local, domain);
	}
	big_name(7, local, domain);
	ck_assert_int_eq(lg_recipients_exists(dir, local, "d8.example"), 0);
	ck_assert_int_eq(lg_recipients_exists(dir, "user000000", domain), 0);
	ck_assert_int_eq(lg_recipients_exists(dir, "user00000077", domain), 0);
}
END_TEST

/* recipients_load_suite - entries, files, scale */
static Suite *recipients_load_suite(void)
{
	Suite *s = suite_create("recipients_load");
	TCase *tc;

	tc = tcase_create("add");
	tcase_add_checked_fixture(tc, new_dir, free_dir);
	tcase_add_loop_test(tc, test_add, 0, N(entries));
	tcase_add_test(tc, test_add_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, new_dir, free_dir);
	/* unchecked: the files go even when a test fails */
	tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
	tcase_add_loop_test(tc, test_load_file, 0, N(files));
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_two_files);
	tcase_add_test(tc, test_load_million);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(recipients_load_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
