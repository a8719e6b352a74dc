/*
 * NAME
 *	check_src_postfix_lmdb - unit tests for the lmdb: table reader of
 *	the "postfix" recipient source (milter/directory/src_postfix_lmdb.c)
 * SYNOPSIS
 *	t/directory/check_src_postfix_lmdb
 * DESCRIPTION
 *	Tables built with the real postmap and postalias (postfix-lmdb)
 *	in a private config directory, and a few written here with
 *	liblmdb (keys without their NUL, as a Postfix built with
 *	LMDB_NO_TRAILING_NULL stores them, or with a NUL inside), are
 *	read with lg_pf_lmdb_load(); the keys it loads must be exactly
 *	those "postmap -s" ("postalias -s") lists, parsed by
 *	lg_pf_parse_listing(), compared both ways. Files that are empty,
 *	truncated, not lmdb, missing, or locked by a writer past the
 *	deadline fail the load with a reason. Through lg_pf_table_load(),
 *	an lmdb table is read without postmap; through the directory, a
 *	table that turns bad keeps the set loaded before.
 *
 *	Skipped (77) without /usr/sbin/postmap. Built without liblmdb,
 *	only the fallback (the table is listed with postmap) is checked.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#ifdef HAVE_LMDB
#include <lmdb.h>
#endif

#include "directory.h"
#include "log.h"
#include "src_postfix.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))
#define POSTMAP	"/usr/sbin/postmap"
#define POSTALIAS "/usr/sbin/postalias"
#define GEN_KEYS 5000		/* keys of the generated tables, and "@gen.test" */

/* How a case's table is made, and what is done to it afterwards. */
enum make { MK_POSTMAP, MK_POSTALIAS, MK_GEN, MK_HAND };
enum damage { DMG_NONE, DMG_EMPTY, DMG_HALF, DMG_HEADER, DMG_MISSING,
	      DMG_TEXT, DMG_PAGES, DMG_PAGE };

static const struct {
	const char *name;
	enum make make;
	const char *text;	/* source lines; MK_HAND: keys, "~" a NUL */
	enum damage damage;
	int     compare;	/* with postmap -s, both ways */
	long    keys;		/* loaded, or -1 when the load fails */
	const char *has;	/* keys that must be there, "|" between */
	const char *why;	/* the failure's reason */
} cases[] = {
	{ "plain", MK_POSTMAP,
	  "a@x.test 1\nBob@X.Test 2\n@dom.test 3\nu+ext@x.test 4\nbare 5\n",
	  DMG_NONE, 1, 5, "a@x.test|bob@x.test|@dom.test|u+ext@x.test|bare",
	  NULL },
	{ "alias", MK_POSTALIAS,
	  "root: a\nfoo: b, c\nPostmaster: root\nlist-owner: foo\n",
	  DMG_NONE, 1, 4, "root|foo|postmaster|list-owner", NULL },
	{ "empty", MK_POSTMAP, "", DMG_NONE, 1, 0, "", NULL },
	{ "comments", MK_POSTMAP, "# nothing\n\nonly@x.test ok\n",
	  DMG_NONE, 1, 1, "only@x.test", NULL },
	{ "generated", MK_GEN, NULL, DMG_NONE, 1, GEN_KEYS + 1,
	  "u0@gen.test|u4999@gen.test|@gen.test", NULL },
	{ "without NUL", MK_HAND, "nonul@x.test\n@nonul.test\nwith@x.test~\n",
	  DMG_NONE, 1, 3, "nonul@x.test|@nonul.test|with@x.test", NULL },
	{ "NUL inside", MK_HAND, "em~bed@x.test\nfine@x.test~\nbad@\n",
	  DMG_NONE, 0, 1, "fine@x.test", NULL },
	{ "empty file", MK_POSTMAP, "a@x.test 1\n", DMG_EMPTY, 0, -1, NULL,
	  "not an lmdb table" },
	{ "truncated", MK_GEN, NULL, DMG_HALF, 0, -1, NULL, "truncated" },
	{ "header gone", MK_GEN, NULL, DMG_HEADER, 0, -1, NULL,
	  "not an lmdb file" },
	{ "missing", MK_POSTMAP, "a@x.test 1\n", DMG_MISSING, 0, -1, NULL,
	  "No such file" },
	{ "text", MK_POSTMAP, "a@x.test 1\n", DMG_TEXT, 0, -1, NULL,
	  "not an lmdb file" },
	{ "pages garbled", MK_GEN, NULL, DMG_PAGES, 0, -1, NULL, "corrupt" },
	/* liblmdb dies of SIGSEGV on this one: only the reader process
	 * (killed by signal 11; under a sanitizer, its report) */
	{ "page garbled", MK_GEN, NULL, DMG_PAGE, 0, -1, NULL,
	  "a corrupt file, or one cut while it was read" },
};

/* The private Postfix config directory of one test. */
static char dir[64];

/* setup - a config directory postmap accepts */
static void setup(void)
{
	char path[128];
	FILE *fp;

	snprintf(dir, sizeof(dir), "/tmp/lg-lmdbcheck-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "compatibility_level = 3.6\n");
	fclose(fp);
	/* Postfix waits while main.cf is newer than a second or two */
	ck_assert_int_eq(utime(path, &(struct utimbuf) { 1, 1 }), 0);
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fclose(fp);
	lg_log_open("check_src_postfix_lmdb", LG_LOG_MEMORY);
}

/* teardown - the directory and everything in it */
static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* run - a command line made of trusted names; its exit code */
static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* write_text - the source file NAME */
static void write_text(const char *path, const char *text, int gen)
{
	FILE *fp;
	int i;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	if (gen) {
		for (i = 0; i < GEN_KEYS; i++)
			fprintf(fp, "u%d@gen.test gen/u%d\n", i, i);
		fprintf(fp, "@gen.test catchall\n");
	} else
		fputs(text, fp);
	fclose(fp);
}

#ifdef HAVE_LMDB
/* write_hand - an lmdb file of the keys in TEXT (one a line, "~" for
 * a NUL byte), written with liblmdb, values "x" */
static void write_hand(const char *path, const char *text)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v = { 1, "x" };
	char key[128], *p;
	const char *nl;

	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK,
				      0644), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	for (; *text; text = nl + 1) {
		nl = strchr(text, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_uint_lt((size_t) (nl - text), sizeof(key));
		memcpy(key, text, (size_t) (nl - text));
		for (p = key; p < key + (nl - text); p++)
			if (*p == '~')
				*p = 0;
		k.mv_data = key;
		k.mv_size = (size_t) (nl - text);
		ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}
#endif

/* make_table - case I's table as DIR/NAME.lmdb, damaged as asked */
static void make_table(int i, const char *name)
{
	char src[128], db[160], cmd[512], garbage[200];
	int fd, k;
	off_t off;
	struct stat st;

	for (k = 0; k < (int) sizeof(garbage); k++)
		garbage[k] = (char) (k * 37 + 11);

	snprintf(src, sizeof(src), "%s/%s", dir, name);
	snprintf(db, sizeof(db), "%s.lmdb", src);
	if (cases[i].make == MK_HAND) {
#ifdef HAVE_LMDB
		write_hand(db, cases[i].text);
#endif
	} else {
		write_text(src, cases[i].text, cases[i].make == MK_GEN);
		snprintf(cmd, sizeof(cmd), "%s -c '%s' lmdb:%s",
			 cases[i].make == MK_POSTALIAS ? POSTALIAS : POSTMAP,
			 dir, src);
		ck_assert_int_eq(run(cmd), 0);
	}
	ck_assert_int_eq(stat(db, &st), 0);
	switch (cases[i].damage) {
	case DMG_NONE:
		break;
	case DMG_EMPTY:
		ck_assert_int_eq(truncate(db, 0), 0);
		break;
	case DMG_HALF:
		ck_assert_int_gt(st.st_size, 65536);
		ck_assert_int_eq(truncate(db, st.st_size / 2), 0);
		break;
	case DMG_HEADER:		/* both meta pages zeroed */
		ck_assert_int_ge(fd = open(db, O_WRONLY), 0);
		ck_assert_int_eq(ftruncate(fd, 0), 0);
		ck_assert_int_eq(ftruncate(fd, st.st_size), 0);
		close(fd);
		break;
	case DMG_MISSING:
		ck_assert_int_eq(unlink(db), 0);
		break;
	case DMG_TEXT:
		ck_assert_int_eq(rename(src, db), 0);
		break;
	case DMG_PAGES:		/* garbage over pages inside the tree */
	case DMG_PAGE:
		ck_assert_int_ge(fd = open(db, O_WRONLY), 0);
		for (off = 3 * 4096 + 16; off < (cases[i].damage == DMG_PAGE ?
						 4 * 4096 : st.st_size / 2);
		     off += 4096 * 7)
			ck_assert_int_eq(pwrite(fd, garbage, sizeof(garbage), off),
					 (ssize_t) sizeof(garbage));
		close(fd);
		break;
	}
}

/* listing - what postmap -s (postalias -s) lists of lmdb:SRC, parsed
 * into a new set */
static struct lg_recipients *listing(const char *src, int alias)
{
	struct lg_recipients *set = lg_recipients_new(0, "");
	char cmd[512], *out = NULL;
	size_t len = 0, cap = 0, n;
	unsigned long bad;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "%s -c '%s' -s lmdb:%s",
		 alias ? POSTALIAS : POSTMAP, dir, src);
	ck_assert_ptr_nonnull(fp = popen(cmd, "r"));
	do {
		if (len == cap)
			ck_assert_ptr_nonnull(out = realloc(out, cap += 65536));
		n = fread(out + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	ck_assert_int_eq(pclose(fp), 0);
	lg_pf_parse_listing(set, out, len, alias, &bad);
	free(out);
	return set;
}

/* The first key of one set that the other lacks. */
struct missing {
	const struct lg_recipients *other;
	char    first[600];
	size_t  n;
};

/* find_missing - lg_recipients_each callback */
static int find_missing(void *arg, const char *local, const char *domain)
{
	struct missing *m = arg;

	if (lg_recipients_has_key(m->other, local, domain))
		return 0;
	if (m->n++ == 0)
		snprintf(m->first, sizeof(m->first), "%s@%s", local, domain);
	return 0;
}

/* same_keys - A and B hold the same keys (checked both ways) */
static void same_keys(const struct lg_recipients *a,
		      const struct lg_recipients *b)
{
	struct missing m = { b, "", 0 };

	lg_recipients_each(a, find_missing, &m);
	ck_assert_msg(m.n == 0, "%zu keys read directly, not listed: %s",
		      m.n, m.first);
	m.other = a;
	lg_recipients_each(b, find_missing, &m);
	ck_assert_msg(m.n == 0, "%zu keys listed, not read directly: %s",
		      m.n, m.first);
	ck_assert_uint_eq(lg_recipients_count(a), lg_recipients_count(b));
}

/* has_keys - every "local@domain" of LIST ("|" between) is in SET */
static void has_keys(const struct lg_recipients *set, const char *list)
{
	char buf[256], *tok, *save = NULL, *at;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		if ((at = strrchr(tok, '@')))
			*at++ = 0;
		ck_assert_msg(lg_recipients_has_key(set, tok, at ? at : ""),
			      "key %s%s%s missing", tok, at ? "@" : "",
			      at ? at : "");
	}
}

#ifdef HAVE_LMDB

/* a table read directly holds exactly the keys postmap -s lists */
START_TEST(test_read)
{
	struct pf_table t = { 0 };
	struct lg_recipients *listed;
	char name[32], src[128], file[160], err[512] = "";
	int rc;

	snprintf(name, sizeof(name), "case%d", _i);
	make_table(_i, name);
	snprintf(src, sizeof(src), "%s/%s", dir, name);
	snprintf(file, sizeof(file), "%s.lmdb", src);
	t.spec = (char[200]) { 0 };
	snprintf(t.spec, 200, "lmdb:%s", src);
	t.file = file;
	t.alias = cases[_i].make == MK_POSTALIAS;
	ck_assert_ptr_nonnull(t.set = lg_recipients_new(0, ""));
	rc = lg_pf_lmdb_load(&t, 10000, err, sizeof(err));
	if (cases[_i].keys < 0) {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, cases[_i].why) && strstr(err, file),
			      "%s: err \"%s\"", cases[_i].name, err);
	} else {
		ck_assert_msg(rc == 0, "%s: %s", cases[_i].name, err);
		ck_assert_uint_eq(lg_recipients_count(t.set),
				  (size_t) cases[_i].keys);
		has_keys(t.set, cases[_i].has);
		if (cases[_i].compare) {
			listed = listing(src, t.alias);
			same_keys(t.set, listed);
			lg_recipients_free(&listed);
		}
	}
	lg_recipients_free(&t.set);
}
END_TEST

/* a writer's exclusive lock held past the deadline fails the load;
 * let go in time, the table loads */
START_TEST(test_locked)
{
	struct pf_table t = { 0 };
	char src[128], file[160], err[512] = "", spec[200], c;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int up[2], down[2], fd;
	pid_t pid;

	make_table(0, "locked");
	snprintf(src, sizeof(src), "%s/locked", dir);
	snprintf(file, sizeof(file), "%s.lmdb", src);
	snprintf(spec, sizeof(spec), "lmdb:%s", src);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {			/* the writer: lock, say so, wait */
		fd = open(file, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) != 0)
			_exit(1);
		if (write(up[1], "l", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(0);		/* the lock goes with the process */
	}
	ck_assert_int_eq(read(up[0], &c, 1), 1);
	t.spec = spec;
	t.file = file;
	ck_assert_ptr_nonnull(t.set = lg_recipients_new(0, ""));
	ck_assert_int_eq(lg_pf_lmdb_load(&t, 300, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "held by a writer"), "err \"%s\"", err);
	ck_assert_int_eq(write(down[1], "u", 1), 1);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_msg(lg_pf_lmdb_load(&t, 300, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(lg_recipients_count(t.set), 5);
	lg_recipients_free(&t.set);
}
END_TEST

/* through lg_pf_table_load: lmdb without postmap, hash through it */
START_TEST(test_table_load)
{
	struct pf_conf c = { 0 };
	struct pf_table t = { 0 };
	char err[512] = "", spec[200], cmd[512];

	make_table(0, "wired");
	c.postmap = c.postalias = "/nonexistent/postmap";
	c.timeout_ms = 10000;
	snprintf(spec, sizeof(spec), "lmdb:%s/wired", dir);
	ck_assert_int_eq(lg_pf_table_kind(spec, &t.kind, &t.pattern, &t.file),
			 0);
	t.spec = spec;
	ck_assert_msg(lg_pf_table_load(&c, &t, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(lg_recipients_count(t.set), 5);
	lg_recipients_free(&t.set);
	free(t.file);
	/* the same source as hash: listed, so postmap is needed */
	snprintf(cmd, sizeof(cmd), "%s -c '%s' hash:%s/wired", POSTMAP, dir,
		 dir);
	ck_assert_int_eq(run(cmd), 0);
	snprintf(spec, sizeof(spec), "hash:%s/wired", dir);
	ck_assert_int_eq(lg_pf_table_kind(spec, &t.kind, &t.pattern, &t.file),
			 0);
	ck_assert_int_eq(lg_pf_table_load(&c, &t, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "postmap -s"), "err \"%s\"", err);
	lg_recipients_free(&t.set);
	free(t.file);
}
END_TEST

/* through the directory: a table that turns bad keeps the old set */
START_TEST(test_keeps_old)
{
	struct lg_dir_env env = { 0 };
	char *domains[] = { "x.test" };
	char spec[200], db[160], err[512] = "";
	struct lg_dir *d;
	struct stat st;

	make_table(4, "keep");		/* "generated" */
	setenv("MAIL_CONFIG", dir, 1);
	env.delimiter = "+";
	env.local_domains = domains;
	env.n_local_domains = 1;
	env.timeout_ms = 10000;
	env.cache_max = 100;
	env.cache_ttl_s = 60;
	env.negative_ttl_s = 60;
	ck_assert_ptr_nonnull(d = lg_dir_new(&env, 50));
	snprintf(spec, sizeof(spec), "postfix:lmdb:%s/keep", dir);
	ck_assert_msg(lg_dir_add(d, spec, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(lg_dir_load(d, NULL, 0, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(lg_dir_count(d), GEN_KEYS + 1);
	ck_assert_int_eq(lg_dir_lookup(d, "u7", "gen.test", NULL, 0),
			 LG_DIR_YES);
	snprintf(db, sizeof(db), "%s/keep.lmdb", dir);
	ck_assert_int_eq(stat(db, &st), 0);
	ck_assert_int_eq(truncate(db, st.st_size / 2), 0);
	lg_log_capture_reset();
	lg_dir_refresh(d, 1000);
	lg_dir_refresh(d, 1001);
	lg_dir_refresh(d, 1002);
	ck_assert_msg(lg_log_captured_has("truncated"), "log: %s",
		      lg_log_captured());
	ck_assert_int_eq(lg_dir_lookup(d, "u7", "gen.test", NULL, 0),
			 LG_DIR_YES);
	ck_assert_uint_eq(lg_dir_count(d), GEN_KEYS + 1);
	lg_dir_free(&d);
	unsetenv("MAIL_CONFIG");
}
END_TEST

#else

/* without liblmdb the reader steps aside, saying so once, and the
 * table is listed with postmap -s */
START_TEST(test_fallback)
{
	struct pf_conf c = { 0 };
	struct pf_table t = { 0 };
	struct lg_recipients *listed;
	char err[512] = "", spec[200];

	make_table(0, "fallback");
	c.postmap = POSTMAP;
	c.postalias = POSTALIAS;
	c.dir = dir;
	c.timeout_ms = 10000;
	snprintf(spec, sizeof(spec), "lmdb:%s/fallback", dir);
	ck_assert_int_eq(lg_pf_table_kind(spec, &t.kind, &t.pattern, &t.file),
			 0);
	t.spec = spec;
	ck_assert_msg(lg_pf_table_load(&c, &t, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(lg_recipients_count(t.set), 5);
	has_keys(t.set, cases[0].has);
	snprintf(spec, sizeof(spec), "%s/fallback", dir);
	listed = listing(spec, 0);
	same_keys(t.set, listed);
	lg_recipients_free(&listed);
	ck_assert(lg_log_captured_has("built without liblmdb"));
	lg_recipients_free(&t.set);
	free(t.file);
}
END_TEST

#endif

/* lmdb_suite - tables read directly, compared with postmap -s */
static Suite *lmdb_suite(void)
{
	Suite *s = suite_create("postfix lmdb tables");
	TCase *tc = tcase_create("lmdb");

	tcase_add_checked_fixture(tc, setup, teardown);
#ifdef HAVE_LMDB
	tcase_add_loop_test(tc, test_read, 0, N(cases));
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_table_load);
	tcase_add_test(tc, test_keeps_old);
#else
	tcase_add_test(tc, test_fallback);
#endif
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; 77 (skipped) without Postfix's postmap */
int main(void)
{
	SRunner *sr;
	int failed;

	if (access(POSTMAP, X_OK) != 0 || access(POSTALIAS, X_OK) != 0)
		return 77;
	sr = srunner_create(lmdb_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
