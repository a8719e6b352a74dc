/*
 * NAME
 *	check_src_postfix - unit tests for the "postfix" recipient source
 *	(milter/directory/src_postfix*.c)
 * SYNOPSIS
 *	t/directory/check_src_postfix
 * DESCRIPTION
 *	The parsers of program output: Postfix lists (lg_pf_split),
 *	postconf's answer (lg_pf_parse_postconf), postmap -s / postalias
 *	-s listings, cdb files; how each table type is read; and the
 *	address classes of a private config directory read with the real
 *	postconf (inline: tables, so no table needs building), and one
 *	table alone (postfix:TYPE:NAME), through lg_dir_lookup.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory.h"
#include "src_postfix.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/* Postfix lists: the items, joined by "|" here. */
static const struct {
	const char *value;
	int     rc;
	const char *items;
} splits[] = {
	{ "", 0, "" },
	{ "a, b c,,d", 0, "a|b|c|d|" },
	{ "  hash:/etc/x,\tproxy:lmdb:/y\n", 0, "hash:/etc/x|proxy:lmdb:/y|" },
	{ "inline:{ a=b, c=d } static:x", 0, "inline:{ a=b, c=d }|static:x|" },
	{ "inline:{ {a b}=c }", 0, "inline:{ {a b}=c }|" },
	{ "inline:{ a=b", -1, "" },
	{ "a } b", -1, "a|" },
};

/* collect - lg_pf_split callback: append "TOK|" */
static int collect(void *arg, const char *tok)
{
	strcat(arg, tok);
	strcat(arg, "|");
	return 0;
}

START_TEST(test_split)
{
	char got[256] = "";

	ck_assert_int_eq(lg_pf_split(splits[_i].value, collect, got),
			 splits[_i].rc);
	ck_assert_str_eq(got, splits[_i].items);
}
END_TEST

START_TEST(test_split_long)
{
	char *big = malloc(PF_SPEC_MAX + 10), got[64] = "";

	memset(big, 'a', PF_SPEC_MAX + 9);
	big[PF_SPEC_MAX + 9] = 0;
	ck_assert_int_eq(lg_pf_split(big, collect, got), -1);
	ck_assert_str_eq(got, "");
	free(big);
}
END_TEST

/* postconf's answer: N values, one a line. */
static const struct {
	const char *out;
	size_t  n;
	int     rc;
	const char *last;
} answers[] = {
	{ "a\nb\n", 2, 0, "b" },
	{ "a\n\nc\n", 3, 0, "c" },
	{ "a\nb", 2, 0, "b" },
	{ "a\n", 2, -1, NULL },
	{ "a\nb\nc\n", 2, -1, NULL },
	{ "", 1, -1, NULL },
	{ "\n", 1, 0, "" },
};

START_TEST(test_postconf)
{
	char buf[64], *v[4];
	size_t len = strlen(answers[_i].out);

	memcpy(buf, answers[_i].out, len + 1);
	ck_assert_int_eq(lg_pf_parse_postconf(buf, len, v, answers[_i].n),
			 answers[_i].rc);
	if (answers[_i].last)
		ck_assert_str_eq(v[answers[_i].n - 1], answers[_i].last);
}
END_TEST

START_TEST(test_postconf_nul)
{
	char buf[] = "a\0b\n";

	ck_assert_int_eq(lg_pf_parse_postconf(buf, 4, (char *[1]) { 0 }, 1),
			 -1);
}
END_TEST

/* Listings: what is known after one. */
static const struct {
	const char *listing;
	int     alias;
	const char *local, *domain;
	int     present;
	unsigned long bad;
} listings[] = {
	{ "bob@example.com\tx\n", 0, "bob", "example.com", 1, 0 },
	{ "Bob@Example.COM\tx\n", 0, "bob", "example.com", 1, 0 },
	{ "@catch.test\tx\n", 0, "", "catch.test", 1, 0 },
	{ "valias.test anything\n", 0, "valias.test", "", 1, 0 },
	{ "bob\tx\n\n", 0, "bob", "", 1, 0 },
	{ "postmaster:\troot\n", 1, "postmaster", "", 1, 0 },
	{ "@:\t@\nYP_LAST_MODIFIED:\t1\n", 1, "", "", 0, 0 },
	{ "bob@\tx\n", 0, "bob", "", 0, 1 },
	{ "b\x01ob\tx\n", 0, "b\x01ob", "", 0, 1 },
	{ "bob@example.com", 0, "bob", "example.com", 1, 0 },
};

START_TEST(test_listing)
{
	struct lg_recipients *set = lg_recipients_new(0, "");
	unsigned long bad = 99;
	const char *l = listings[_i].listing;

	lg_pf_parse_listing(set, l, strlen(l), listings[_i].alias, &bad);
	ck_assert_uint_eq(bad, listings[_i].bad);
	if (*listings[_i].local || *listings[_i].domain)
		ck_assert_int_eq(lg_recipients_has_key(set, listings[_i].local,
						       listings[_i].domain),
				 listings[_i].present);
	else
		ck_assert_uint_eq(lg_recipients_count(set), 0);
	lg_recipients_free(&set);
}
END_TEST

/* put32 - little-endian */
static void put32(unsigned char *p, size_t v)
{
	p[0] = (unsigned char) v;
	p[1] = (unsigned char) (v >> 8);
	p[2] = (unsigned char) (v >> 16);
	p[3] = (unsigned char) (v >> 24);
}

/* make_cdb - a cdb of KEYS (values "x"), every hash table empty and
 * placed after the records; its length */
static size_t make_cdb(unsigned char *buf, const char *const *keys)
{
	size_t pos = 2048, i;

	memset(buf, 0, 2048);
	for (; *keys; keys++) {
		put32(buf + pos, strlen(*keys));
		put32(buf + pos + 4, 1);
		memcpy(buf + pos + 8, *keys, strlen(*keys));
		buf[pos + 8 + strlen(*keys)] = 'x';
		pos += 9 + strlen(*keys);
	}
	for (i = 0; i < 256; i++)
		put32(buf + 8 * i, pos);
	return pos;
}

START_TEST(test_cdb)
{
	static const char *const keys[] = { "u1@vmail.test", "bob", "@c.test",
					    NULL };
	unsigned char buf[4096];
	size_t len = make_cdb(buf, keys);
	struct lg_recipients *set = lg_recipients_new(0, "");
	char err[128];

	ck_assert_int_eq(lg_pf_parse_cdb(set, buf, len, 0, err, sizeof(err)), 3);
	ck_assert(lg_recipients_has_key(set, "u1", "vmail.test"));
	ck_assert(lg_recipients_has_key(set, "bob", ""));
	ck_assert(lg_recipients_has_key(set, "", "c.test"));
	lg_recipients_free(&set);
}
END_TEST

/* Broken cdb files: each refused with a reason. */
static const struct {
	int     what;			/* how the good file is broken */
	const char *why;
} bad_cdbs[] = {
	{ 0, "shorter than a cdb header" },
	{ 1, "out of the file" },
	{ 2, "past its end" },
	{ 3, "cut at byte" },
};

START_TEST(test_cdb_bad)
{
	static const char *const keys[] = { "u1@vmail.test", NULL };
	unsigned char buf[4096];
	size_t len = make_cdb(buf, keys), i;
	struct lg_recipients *set = lg_recipients_new(0, "");
	char err[128] = "";

	switch (bad_cdbs[_i].what) {
	case 0:
		len = 100;
		break;
	case 1:
		put32(buf + 8 * 7, len + 1);	/* a table past the end */
		break;
	case 2:
		put32(buf + 2048, 4000);	/* a key longer than the file */
		break;
	case 3:
		for (i = 0; i < 256; i++)	/* 3 bytes of a record head */
			put32(buf + 8 * i, 2048 + 3);
		break;
	}
	ck_assert_int_eq(lg_pf_parse_cdb(set, buf, len, 0, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, bad_cdbs[_i].why), "err \"%s\"", err);
	lg_recipients_free(&set);
}
END_TEST

/* Table types: how each is read, and the file watched. */
static const struct {
	const char *spec;
	int     rc;
	enum pf_kind kind;
	int     pattern;
	const char *file;
} kinds[] = {
	{ "hash:/etc/postfix/virtual", 0, PF_LIST, 0, "/etc/postfix/virtual.db" },
	{ "lmdb:/v", 0, PF_LIST, 0, "/v.lmdb" },
	{ "cdb:/v", 0, PF_CDB, 0, "/v.cdb" },
	{ "texthash:/v", 0, PF_LIST, 0, "/v" },
	{ "inline:{a=b}", 0, PF_LIST, 0, NULL },
	{ "static:all", 0, PF_STATIC, 0, NULL },
	{ "unix:passwd.byname", 0, PF_PASSWD, 0, NULL },
	{ "regexp:/etc/postfix/v.re", 0, PF_QUERY, 1, "/etc/postfix/v.re" },
	{ "ldap:/etc/postfix/ldap.cf", 0, PF_QUERY, 0, NULL },
	{ "fail:x", 0, PF_QUERY, 1, NULL },
	{ "nocolon", -1, PF_QUERY, 0, NULL },
	{ ":x", -1, PF_QUERY, 0, NULL },
	{ "hash:", -1, PF_QUERY, 0, NULL },
};

START_TEST(test_kind)
{
	enum pf_kind kind = PF_QUERY;
	int pattern = 0;
	char *file = NULL;

	ck_assert_int_eq(lg_pf_table_kind(kinds[_i].spec, &kind, &pattern,
					  &file), kinds[_i].rc);
	if (kinds[_i].rc == 0) {
		ck_assert_int_eq(kind, kinds[_i].kind);
		ck_assert_int_eq(pattern, kinds[_i].pattern);
		if (kinds[_i].file)
			ck_assert_str_eq(file, kinds[_i].file);
		else
			ck_assert_ptr_null(file);
	}
	free(file);
}
END_TEST

/* The instance every class lookup runs against. */
static char inst[64];
static struct lg_dir *dir;
static struct lg_dir *single;		/* postfix:inline:{...} */
static char *local_domains[] = { "example.com", "other.test", "vm.test",
				 "relay.test", "nowhere.test" };

/* instance_setup - main.cf with inline tables, read by the real postconf */
static void instance_setup(void)
{
	struct lg_dir_env env = { 0 };
	char path[128], spec[128], err[512];
	FILE *fp;

	if (access("/usr/sbin/postconf", X_OK) != 0)
		return;			/* the cases are skipped */
	/* this instance is asked with the real postconf, whatever the
	 * environment names (debian/rules gives the suites a stand-in) */
	unsetenv("LOOPGUARD_POSTCONF");
	snprintf(inst, sizeof(inst), "/tmp/lg-pfcheck-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(inst));
	snprintf(path, sizeof(path), "%s/domains", inst);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "# local too\nother.test\n");
	fclose(fp);
	snprintf(path, sizeof(path), "%s/master.cf", inst);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fclose(fp);
	snprintf(path, sizeof(path), "%s/main.cf", inst);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "compatibility_level = 3.6\n"
		"mydestination = example.com, %s/domains\n"
		"local_recipient_maps = inline:{ bob=x, carol=y }\n"
		"virtual_mailbox_domains = vm.test\n"
		"virtual_mailbox_maps = inline:{ a@vm.test=x, @vmall.test=x }\n"
		"virtual_alias_maps = inline:{ al@vm.test=x, dave=x }\n"
		"relay_domains = relay.test\n"
		"relay_recipient_maps =\n"
		"recipient_delimiter = +\n", inst);
	fclose(fp);
	env.delimiter = "+";
	env.local_domains = local_domains;
	env.n_local_domains = N(local_domains);
	env.timeout_ms = 10000;
	env.cache_max = 100;
	env.cache_ttl_s = 60;
	env.negative_ttl_s = 60;
	ck_assert_ptr_nonnull(dir = lg_dir_new(&env, 50));
	snprintf(spec, sizeof(spec), "postfix:%s", inst);
	ck_assert_msg(lg_dir_add(dir, spec, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(lg_dir_load(dir, NULL, 0, err, sizeof(err)) == 0, "%s",
		      err);
	/* one table, with postmap reading this instance's main.cf */
	setenv("MAIL_CONFIG", inst, 1);
	ck_assert_ptr_nonnull(single = lg_dir_new(&env, 50));
	ck_assert_msg(lg_dir_add(single,
				 "postfix:proxy:inline:{ a@vm.test=x, bob=y, @all.test=z }",
				 err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(lg_dir_load(single, NULL, 0, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(lg_dir_count(single), 3);
}

/* instance_teardown - the directory and the folder */
static void instance_teardown(void)
{
	char cmd[128];

	lg_dir_free(&dir);
	lg_dir_free(&single);
	unsetenv("MAIL_CONFIG");
	if (inst[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", inst);
		ck_assert_int_eq(system(cmd), 0);
	}
}

/* Lookups in each class of the instance above. */
static const struct {
	const char *local, *domain;
	enum lg_dir_answer want;
} classes[] = {
	{ "bob", "example.com", LG_DIR_YES },		/* local */
	{ "BOB+tag", "Example.COM", LG_DIR_YES },
	{ "bob", "other.test", LG_DIR_YES },		/* /file in mydestination */
	{ "alice", "example.com", LG_DIR_NO },
	{ "dave", "example.com", LG_DIR_YES },		/* virtual alias, bare */
	{ "dave", "vm.test", LG_DIR_NO },		/* bare only when local */
	{ "a", "vm.test", LG_DIR_YES },			/* virtual mailbox */
	{ "a+x", "vm.test", LG_DIR_YES },
	{ "al", "vm.test", LG_DIR_YES },		/* virtual alias in it */
	{ "bob", "vm.test", LG_DIR_NO },
	{ "anyone", "relay.test", LG_DIR_YES },		/* no relay_recipient_maps */
	{ "bob", "nowhere.test", LG_DIR_NO },		/* in no class */
	{ "x", "vmall.test", LG_DIR_NO },		/* not a vmailbox domain */
};

START_TEST(test_classes)
{
	char why[256];

	if (!dir)
		return;
	ck_assert_int_eq(lg_dir_lookup(dir, classes[_i].local,
				       classes[_i].domain, why, sizeof(why)),
			 classes[_i].want);
}
END_TEST

/* Lookups in the one table of "single": every local domain, the
 * keys of a local domain. */
static const struct {
	const char *local, *domain;
	enum lg_dir_answer want;
} singles[] = {
	{ "a", "vm.test", LG_DIR_YES },
	{ "a+ext", "vm.test", LG_DIR_YES },
	{ "a", "example.com", LG_DIR_NO },
	{ "bob", "example.com", LG_DIR_YES },
	{ "bob", "nowhere.test", LG_DIR_YES },
	{ "anyone", "all.test", LG_DIR_YES },
	{ "c", "vm.test", LG_DIR_NO },
};

START_TEST(test_single)
{
	char why[256];

	if (!single)
		return;
	ck_assert_int_eq(lg_dir_lookup(single, singles[_i].local,
				       singles[_i].domain, why, sizeof(why)),
			 singles[_i].want);
}
END_TEST

/* postfix_suite - the parsers, the kinds, the classes */
static Suite *postfix_suite(void)
{
	Suite *s = suite_create("postfix source");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_split, 0, N(splits));
	tcase_add_test(tc, test_split_long);
	tcase_add_loop_test(tc, test_postconf, 0, N(answers));
	tcase_add_test(tc, test_postconf_nul);
	tcase_add_loop_test(tc, test_listing, 0, N(listings));
	tcase_add_test(tc, test_cdb);
	tcase_add_loop_test(tc, test_cdb_bad, 0, N(bad_cdbs));
	tcase_add_loop_test(tc, test_kind, 0, N(kinds));
	suite_add_tcase(s, tc);
	tc = tcase_create("classes");
	tcase_add_checked_fixture(tc, instance_setup, instance_teardown);
	tcase_add_loop_test(tc, test_classes, 0, N(classes));
	tcase_add_loop_test(tc, test_single, 0, N(singles));
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(postfix_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
