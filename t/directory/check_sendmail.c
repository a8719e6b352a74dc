/*
 * NAME
 *	check_sendmail - unit tests for the "sendmail" recipient source
 *	(milter/directory/src_sendmail.c, src_sendmail_cf.c)
 * SYNOPSIS
 *	t/directory/check_sendmail
 * DESCRIPTION
 *	The .cf reader over a table of .cf texts (what each keeps, or the
 *	error it gives), the map and class file readers, then the source
 *	on files in a private folder: recipients and Sendmail's answer for
 *	each, loads that must fail, a changed virtusertable seen by
 *	lg_dir_refresh. makemap is off ($LOOPGUARD_MAKEMAP empty), so the
 *	text is read; t/directory/t_sendmail.sh reads a real database.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "directory.h"
#include "src_sendmail.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/* One .cf text and what the reader keeps of it. */
struct cf_case {
	const char *text;
	const char *error;		/* a part of the error, or NULL */
	size_t  n_aliases;
	const char *alias0;		/* "type:path" of the first */
	const char *vu;			/* "type path o f N", or NULL */
	size_t  n_w;			/* words of class w */
	const char *w_last;		/* the last word */
	size_t  n_w_files;
	const char *w_file0;		/* "path o|- 1|0" */
	size_t  n_vh;
	const char *dj;
};

static const struct cf_case cf_cases[] = {
	{ "Cwlocalhost\nFw/etc/mail/local-host-names\n"
	  "O AliasFile=/etc/mail/aliases\nKvirtuser hash /etc/mail/virtusertable\n",
	  NULL, 1, "implicit:/etc/mail/aliases",
	  "hash /etc/mail/virtusertable - - -", 1, "localhost", 1,
	  "/etc/mail/local-host-names - 0", 0, NULL },
	/* the old short form, a list with types and flags */
	{ "OA/a, hash:/b ,text:-N /c\n", NULL, 3, "implicit:/a", NULL, 0,
	  NULL, 0, NULL, 0, NULL },
	{ "O AliasFile = nis:mail.aliases\n", NULL, 1, "nis:mail.aliases", NULL, 0,
	  NULL, 0, NULL, 0, NULL },
	/* braces, continuation lines, folding, trailing dots, macros */
	{ "C{w}A.Example.COM. b.test\n\tc.test\n# Cwcomment.test\nCw$j $=R d.test\n",
	  NULL, 0, NULL, NULL, 4, "d.test", 0, NULL, 0, NULL },
	{ "F{w}-o /x/lhn %[^#]\nF{VirtHost}/x/vh %s\nC{VirtHost}v.test\n",
	  NULL, 0, NULL, NULL, 0, NULL, 1, "/x/lhn o 0", 2, NULL },
	{ "Kvirtuser btree -o -f -N -T<TMPF> /m/vt.db\n", NULL, 0, NULL,
	  "btree /m/vt.db o f N", 0, NULL, 0, NULL, 0, NULL },
	{ "Kvirtuser ldap -1 -v x -k (&(a=b))\n", NULL, 0, NULL,
	  "ldap x - - -", 0, NULL, 0, NULL, 0, NULL },
	{ "Djmx.Example.com\nDj$w.example.com\n", NULL, 0, NULL, NULL, 0,
	  NULL, 0, NULL, 0, NULL },
	{ "Djmx.Example.com\n", NULL, 0, NULL, NULL, 0, NULL, 0, NULL, 0,
	  "mx.example.com" },
	/* other classes, maps and options are not kept */
	{ "CRrelay.test\nKmailertable hash /m/mt\nO QueueDirectory=/q\n"
	  "FR-o /etc/mail/relay-domains\n", NULL, 0, NULL, NULL, 0, NULL, 0,
	  NULL, 0, NULL },
	{ "Cw a\r\nO AliasFile=/etc/aliases\r\n", NULL, 1,
	  "implicit:/etc/aliases", NULL, 1, "a", 0, NULL, 0, NULL },
	/* what cannot be followed */
	{ "Cwa\nFw|/bin/hostnames\n", "line 2: a class file read from a program",
	  0, NULL, NULL, 0, NULL, 0, NULL, 0, NULL },
	{ "Fw/x %d\n", "line 1: class file format", 0, NULL, NULL, 0, NULL, 0,
	  NULL, 0, NULL },
	{ "Fw-o\n", "line 1: a class file line without a plain path", 0, NULL,
	  NULL, 0, NULL, 0, NULL, 0, NULL },
	{ "Kvirtuser\n", "line 1: Kvirtuser without a map type", 0, NULL, NULL,
	  0, NULL, 0, NULL, 0, NULL },
	{ "O AliasFile=/1,/2,/3,/4,/5,/6,/7,/8,/9,/10,/11,/12,/13,/14,/15,/16,/17\n",
	  "line 1: more than 16 alias files", 0, NULL, NULL, 0, NULL, 0, NULL,
	  0, NULL },
	{ "", NULL, 0, NULL, NULL, 0, NULL, 0, NULL, 0, NULL },
	{ "\n\n\t\n#", NULL, 0, NULL, NULL, 0, NULL, 0, NULL, 0, NULL },
};

START_TEST(test_cf_parse)
{
	const struct cf_case *c = &cf_cases[_i];
	struct lg_sm_cf cf;
	char err[512] = "", got[1200];
	int rc = lg_sm_cf_parse(c->text, strlen(c->text), &cf, err,
				sizeof(err));

	if (c->error) {
		ck_assert_msg(rc == -1, "case %d: parsed", _i);
		ck_assert_msg(strstr(err, c->error) != NULL,
			      "case %d: error \"%s\", want \"%s\"", _i, err,
			      c->error);
		lg_sm_cf_free(&cf);
		return;
	}
	ck_assert_msg(rc == 0, "case %d: %s", _i, err);
	ck_assert_uint_eq(cf.n_aliases, c->n_aliases);
	if (c->alias0) {
		snprintf(got, sizeof(got), "%s:%s", cf.aliases[0].type,
			 cf.aliases[0].path ? cf.aliases[0].path : "(none)");
		ck_assert_str_eq(got, c->alias0);
	}
	ck_assert_int_eq(cf.has_virtuser, c->vu != NULL);
	if (c->vu) {
		snprintf(got, sizeof(got), "%s %s %s %s %s", cf.vu_type,
			 cf.vu_path ? cf.vu_path : "(none)",
			 cf.vu_optional ? "o" : "-", cf.vu_nofold ? "f" : "-",
			 cf.vu_nul ? "N" : "-");
		ck_assert_str_eq(got, c->vu);
	}
	ck_assert_uint_eq(cf.w.n_words, c->n_w);
	if (c->w_last)
		ck_assert_str_eq(cf.w.words[cf.w.n_words - 1], c->w_last);
	ck_assert_uint_eq(cf.w.n_files, c->n_w_files);
	if (c->w_file0) {
		snprintf(got, sizeof(got), "%s %s %d", cf.w.files[0].path,
			 cf.w.files[0].optional ? "o" : "-",
			 cf.w.files[0].first_word);
		ck_assert_str_eq(got, c->w_file0);
	}
	ck_assert_uint_eq(cf.virthost.n_words + cf.virthost.n_files, c->n_vh);
	if (c->dj)
		ck_assert_str_eq(cf.dj ? cf.dj : "(none)", c->dj);
	else
		ck_assert_ptr_null(cf.dj);
	lg_sm_cf_free(&cf);
}
END_TEST

/* A NUL byte anywhere: not a .cf (a path cut at it would be another
 * path). */
START_TEST(test_cf_nul)
{
	static const char text[] = "Cwa\nFw\0|/bin/prog\n";
	struct lg_sm_cf cf;
	char err[256] = "";

	ck_assert_int_eq(lg_sm_cf_parse(text, sizeof(text) - 1, &cf, err,
					sizeof(err)), -1);
	ck_assert_str_eq(err, "line 2: a NUL byte: not a text file");
	lg_sm_cf_free(&cf);
}
END_TEST

/* The virtusertable's keys, as "key=value;" */
static int collect(void *arg, const char *key, const char *value)
{
	char *buf = arg;

	snprintf(buf + strlen(buf), 512 - strlen(buf), "%s=%s;", key, value);
	return 0;
}

struct map_case {
	const char *text;
	size_t  len;			/* 0: strlen */
	const char *want;		/* NULL: an error */
};

static const struct map_case map_cases[] = {
	{ "a@x.test\tbob\n@y.test error:nouser No such user\n", 0,
	  "a@x.test=bob;@y.test=error:nouser No such user;" },
	{ "# comment\n\nk  v w\r\n \t \nlast\n", 0, "k=v w;last=;" },
	{ "nul@x\0\tv\0\n", 10, "nul@x=v;" },
	{ " leading blank\n", 0, NULL },
	{ "a\0b c\n", 6, NULL },
	{ "", 0, "" },
};

START_TEST(test_map_parse)
{
	const struct map_case *c = &map_cases[_i];
	char got[512] = "", err[256] = "";
	int rc = lg_sm_map_parse(c->text, c->len ? c->len : strlen(c->text),
				 collect, got, err, sizeof(err));

	if (!c->want) {
		ck_assert_msg(rc == -1 && strstr(err, "line 1"),
			      "case %d: rc %d err \"%s\"", _i, rc, err);
		return;
	}
	ck_assert_msg(rc == 0, "case %d: %s", _i, err);
	ck_assert_str_eq(got, c->want);
}
END_TEST

START_TEST(test_class_words)
{
	struct lg_sm_class c;
	char err[256];
	const char *text = "# local\nA.test b.test\n\nc.test. # note\n";

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(lg_sm_class_words(text, strlen(text), 0, &c, err,
					   sizeof(err)), 0);
	ck_assert_uint_eq(c.n_words, 5);
	ck_assert_str_eq(c.words[0], "a.test");
	ck_assert_str_eq(c.words[2], "c.test");
	ck_assert_int_eq(lg_sm_class_words(text, strlen(text), 1, &c, err,
					   sizeof(err)), 0);
	ck_assert_uint_eq(c.n_words, 7);	/* a.test, c.test again */
	ck_assert_str_eq(c.words[6], "c.test");
	{
		struct lg_sm_cf cf;

		memset(&cf, 0, sizeof(cf));
		cf.w = c;
		lg_sm_cf_free(&cf);
	}
}
END_TEST

/* The files of the source tests. */
static char dir[256];

/* path_of - dir/NAME */
static const char *path_of(const char *name)
{
	static char buf[4][512];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "%s/%s", dir, name);
	return buf[n];
}

/* put - dir/NAME with TEXT */
static void put(const char *name, const char *text)
{
	FILE *fp = fopen(path_of(name), "w");

	ck_assert_msg(fp != NULL, "%s: %s", path_of(name), strerror(errno));
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* write_cf - sendmail.cf naming the other files, plus EXTRA */
static void write_cf(const char *extra)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "# test\nCwlocalhost\nFw%s\nF{VirtHost}-o %s\n"
		 "O AliasFile=%s\nKvirtuser hash -o %s\n%s",
		 path_of("local-host-names"), path_of("virthosts"),
		 path_of("aliases"), path_of("virtusertable"), extra);
	put("sendmail.cf", text);
}

static const char *const files[] = {
	"sendmail.cf", "local-host-names", "virthosts", "aliases",
	"virtusertable", "virtusertable.db", "other-aliases"
};

static void files_setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check_sendmail.XXXXXX",
		 base && *base ? base : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
	setenv("LOOPGUARD_MAKEMAP", "", 1);
	write_cf("");
	put("local-host-names", "# local\nexample.com\nvirt.test\n");
	put("virthosts", "only-virtual.test\n");
	put("aliases",
	    "postmaster: root\nsales: alice, bob\n"
	    "\"team lead\": carol\ngroup+*: lists\ngroup+exact: x\n"
	    "mailer-daemon: postmaster\n");
	put("virtusertable",
	    "# virtual users\n"
	    "info@virt.test\talice\n"
	    "Vic@virt.test\tbob\n"
	    "dave+*@virt.test\tdave\n"
	    "erin++@virt.test\terin\n"
	    "gone@virt.test\terror:nouser 550 No such user\n"
	    "daemon@virt.test\terror:5.1.1:550 Not here\n"
	    "frank@only-virtual.test\tfrank@elsewhere.test\n"
	    "+*@only-virtual.test\tplus-catch\n"
	    "@catch.test\tpostmaster\n"
	    "x@nowhere.test\tx\n");
	put("catch-lhn", "catch.test\n");
}

static void files_teardown(void)
{
	int i;

	for (i = 0; i < N(files); i++)
		unlink(path_of(files[i]));
	unlink(path_of("catch-lhn"));
	rmdir(dir);
	unsetenv("LOOPGUARD_MAKEMAP");
}

static int timeout_ms = 5000;

/* open_dir - a directory with the one source "sendmail:CF"; the load
 * result in *rc, its error in err */
static struct lg_dir *open_dir(int *rc, char *err, size_t errsize)
{
	static char *domains[] = { "example.com", "virt.test" };
	struct lg_dir_env env;
	struct lg_dir *d;
	char spec[600];

	memset(&env, 0, sizeof(env));
	env.delimiter = "+";
	env.local_domains = domains;
	env.n_local_domains = 2;
	env.timeout_ms = timeout_ms;
	ck_assert_ptr_nonnull(d = lg_dir_new(&env, 50));
	snprintf(spec, sizeof(spec), "sendmail:%s", path_of("sendmail.cf"));
	ck_assert_int_eq(lg_dir_add(d, spec, err, errsize), 0);
	*rc = lg_dir_load(d, NULL, 0, err, errsize);
	return d;
}

/* One recipient and Sendmail's answer. */
struct rcpt_case {
	const char *local;
	const char *domain;
	enum lg_dir_answer want;
};

static const struct rcpt_case rcpt_cases[] = {
	/* class w: aliases, accounts, with and without a +detail */
	{ "root", "example.com", LG_DIR_YES },		/* passwd */
	{ "daemon", "example.com", LG_DIR_YES },
	{ "daemon+x", "example.com", LG_DIR_YES },
	{ "sales", "example.com", LG_DIR_YES },		/* alias */
	{ "Sales+spring", "Example.COM", LG_DIR_YES },
	{ "team lead", "example.com", LG_DIR_YES },
	{ "group+any", "example.com", LG_DIR_YES },	/* group+* alias */
	{ "group+exact", "example.com", LG_DIR_YES },
	{ "group", "example.com", LG_DIR_NO },
	{ "nosuch", "example.com", LG_DIR_NO },
	{ "nosuch+x", "example.com", LG_DIR_NO },
	{ "root", "localhost", LG_DIR_YES },		/* Cw */
	/* a virtual domain in class w: the table, then local delivery */
	{ "info", "virt.test", LG_DIR_YES },
	{ "vic", "virt.test", LG_DIR_YES },		/* keys folded */
	{ "info+x", "virt.test", LG_DIR_YES },		/* user@domain */
	{ "dave+sub", "virt.test", LG_DIR_YES },	/* user+*@domain */
	{ "dave+", "virt.test", LG_DIR_YES },
	{ "dave", "virt.test", LG_DIR_NO },		/* no user@ entry */
	{ "erin+a", "virt.test", LG_DIR_YES },		/* user++@domain */
	{ "erin", "virt.test", LG_DIR_NO },		/* ++ needs a detail */
	{ "gone", "virt.test", LG_DIR_NO },		/* error: entry */
	{ "gone+x", "virt.test", LG_DIR_NO },
	{ "daemon", "virt.test", LG_DIR_NO },		/* error: beats passwd */
	{ "root", "virt.test", LG_DIR_YES },		/* falls to local */
	{ "sales", "virt.test", LG_DIR_YES },
	{ "nosuch", "virt.test", LG_DIR_NO },
	/* {VirtHost} only: the table alone, no local delivery */
	{ "frank", "only-virtual.test", LG_DIR_YES },
	{ "anyone+tag", "only-virtual.test", LG_DIR_YES },	/* +*@ */
	{ "root", "only-virtual.test", LG_DIR_NO },
	{ "anyone", "only-virtual.test", LG_DIR_NO },
	/* not Sendmail's domain at all: its entries are never used */
	{ "x", "nowhere.test", LG_DIR_NO },
	{ "root", "other.test", LG_DIR_NO },
	{ "someone", "catch.test", LG_DIR_NO },
};

START_TEST(test_lookup)
{
	const struct rcpt_case *c = &rcpt_cases[_i];
	char err[768] = "", why[512] = "";
	struct lg_dir *d;
	int rc;

	d = open_dir(&rc, err, sizeof(err));
	ck_assert_msg(rc == 0, "load: %s", err);
	ck_assert_msg(lg_dir_lookup(d, c->local, c->domain, why,
				    sizeof(why)) == c->want,
		      "%s@%s: want %d (%s)", c->local, c->domain, c->want, why);
	lg_dir_free(&d);
}
END_TEST

START_TEST(test_catchall_domain)
{
	char err[768] = "", why[256], extra[600];
	struct lg_dir *d;
	int rc;

	write_cf("Fw/nonexistent/but-optional-not\n");
	d = open_dir(&rc, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "class w file /nonexistent/but-optional-not: No such file"),
		      "%s", err);
	lg_dir_free(&d);

	/* an @domain entry for a domain in class w */
	snprintf(extra, sizeof(extra), "Fw%s\n", path_of("catch-lhn"));
	write_cf(extra);
	d = open_dir(&rc, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(lg_dir_lookup(d, "someone", "catch.test", why,
				       sizeof(why)), LG_DIR_YES);
	ck_assert_int_eq(lg_dir_lookup(d, "a+b", "catch.test", why,
				       sizeof(why)), LG_DIR_YES);
	lg_dir_free(&d);
}
END_TEST

/* A load that must fail, and a part of its error. */
struct fail_case {
	const char *cf_extra;
	const char *remove;		/* a file removed first */
	const char *error;
};

static const struct fail_case fail_cases[] = {
	{ "", "aliases", "aliases: No such file or directory" },
	{ "", "local-host-names", "class w file" },
	{ "O AliasFile=ldap:-k uid=%0 -v mail\n", NULL,
	  "AliasFile ldap:mail: only files" },
	{ "Kvirtuser ldap -1 -v x -k (a=%0)\n", NULL,
	  "Kvirtuser ldap: a map of this type cannot be listed" },
	{ "Kvirtuser hash /no/such/virtusertable\n", NULL,
	  "virtusertable: neither /no/such/virtusertable.db nor /no/such/virtusertable exists" },
	{ "Fw|/bin/hostname\n", NULL, "a class file read from a program" },
	{ "", "sendmail.cf", "sendmail.cf: No such file or directory" },
};

START_TEST(test_load_fails)
{
	const struct fail_case *c = &fail_cases[_i];
	char err[768] = "";
	struct lg_dir *d;
	int rc;

	write_cf(c->cf_extra);
	if (c->remove)
		ck_assert_int_eq(unlink(path_of(c->remove)), 0);
	d = open_dir(&rc, err, sizeof(err));
	ck_assert_msg(rc == -1, "case %d loaded", _i);
	ck_assert_msg(strstr(err, c->error) != NULL,
		      "case %d: \"%s\", want \"%s\"", _i, err, c->error);
	lg_dir_free(&d);
}
END_TEST

/* A database without makemap and without its text: not "empty". */
START_TEST(test_db_without_makemap)
{
	char err[768] = "";
	struct lg_dir *d;
	int rc;

	put("virtusertable.db", "not really a database");
	ck_assert_int_eq(unlink(path_of("virtusertable")), 0);
	d = open_dir(&rc, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "no makemap to list it"), "%s", err);
	lg_dir_free(&d);
}
END_TEST

/* A makemap that fails: the load fails with its message. */
START_TEST(test_makemap_fails)
{
	char err[768] = "";
	struct lg_dir *d;
	int rc;

	setenv("LOOPGUARD_MAKEMAP", "/bin/false", 1);
	put("virtusertable.db", "newer than the text");
	d = open_dir(&rc, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "failed (exit 1)"), "%s", err);
	lg_dir_free(&d);
}
END_TEST

/* A makemap that does not answer: killed at the deadline, the load
 * fails. */
START_TEST(test_makemap_timeout)
{
	char err[768] = "";
	struct lg_dir *d;
	time_t t0 = time(NULL);
	int rc;

	put("slow-makemap", "#!/bin/sh\nexec sleep 30\n");
	ck_assert_int_eq(chmod(path_of("slow-makemap"), 0755), 0);
	setenv("LOOPGUARD_MAKEMAP", path_of("slow-makemap"), 1);
	put("virtusertable.db", "newer than the text");
	timeout_ms = 300;
	d = open_dir(&rc, err, sizeof(err));
	timeout_ms = 5000;
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "virtusertable: ") && strstr(err, "slow-makemap -u hash"),
		      "%s", err);
	ck_assert_msg(time(NULL) - t0 < 10, "the deadline was not kept");
	unlink(path_of("slow-makemap"));
	lg_dir_free(&d);
}
END_TEST

/* A new entry in the table is taken by the refresh. */
START_TEST(test_changed)
{
	char err[768] = "", why[256];
	struct lg_dir *d;
	int rc, i, n = 0;

	d = open_dir(&rc, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(lg_dir_lookup(d, "newbie", "virt.test", why,
				       sizeof(why)), LG_DIR_NO);
	ck_assert_int_eq(lg_dir_refresh(d, 1), 0);
	put("virtusertable",
	    "info@virt.test alice\nnewbie@virt.test bob\n"
	    "x1@virt.test a\nx2@virt.test a\nx3@virt.test a\n"
	    "x4@virt.test a\nx5@virt.test a\nx6@virt.test a\n");
	for (i = 2; i < 6 && n == 0; i++)	/* moved, then settled */
		n = lg_dir_refresh(d, i);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(lg_dir_lookup(d, "newbie", "virt.test", why,
				       sizeof(why)), LG_DIR_YES);
	ck_assert_int_eq(lg_dir_lookup(d, "vic", "virt.test", why,
				       sizeof(why)), LG_DIR_NO);
	lg_dir_free(&d);
}
END_TEST

/* The self-checks see the domains Sendmail serves. */
static int findings;
static void note(void *arg, const char *finding)
{
	(void) arg;
	(void) finding;
	findings++;
}

START_TEST(test_serves)
{
	char err[768] = "";
	struct lg_dir *d;
	int rc;

	d = open_dir(&rc, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	findings = 0;
	/* both local domains are served; x@nowhere.test is outside */
	ck_assert_int_eq(lg_dir_check(d, note, NULL), 0);
	ck_assert_int_eq(findings, 1);
	lg_dir_free(&d);
}
END_TEST

static Suite *sendmail_suite(void)
{
	Suite *s = suite_create("sendmail");
	TCase *tc = tcase_create("cf");
	TCase *src = tcase_create("source");

	tcase_add_loop_test(tc, test_cf_parse, 0, N(cf_cases));
	tcase_add_test(tc, test_cf_nul);
	tcase_add_loop_test(tc, test_map_parse, 0, N(map_cases));
	tcase_add_test(tc, test_class_words);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(src, files_setup, files_teardown);
	tcase_add_loop_test(src, test_lookup, 0, N(rcpt_cases));
	tcase_add_test(src, test_catchall_domain);
	tcase_add_loop_test(src, test_load_fails, 0, N(fail_cases));
	tcase_add_test(src, test_db_without_makemap);
	tcase_add_test(src, test_makemap_fails);
	tcase_add_test(src, test_makemap_timeout);
	tcase_add_test(src, test_changed);
	tcase_add_test(src, test_serves);
	tcase_set_timeout(src, 30);
	suite_add_tcase(s, src);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sendmail_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
