/*
 * NAME
 *	check_ldap - unit tests for the ldap: source's settings file, its
 *	filter escaping and expansion (src_ldap_conf.c), and its answers
 *	when no server answers (src_ldap.c)
 * DESCRIPTION
 *	Tables: values escaped as RFC 4515 wants (a hostile address never
 *	adds a wildcard or a parenthesis to a filter); templates expanded
 *	for keys, and into outputs too small (the length needed comes
 *	back, the output holds whole escapes only); settings files that
 *	parse (each with the field it sets) and files that do not (each
 *	with the FILE:LINE error). Without a server: a domain outside
 *	the source's list is "no" with no search; one inside it is a
 *	failure, within the timeout, never "no".
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "directory.h"
#include "src_ldap.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/* --- escaping */

struct esc_case {
	const char *in;
	const char *out;
};

static const struct esc_case esc_cases[] = {
	{ "bob@example.com", "bob@example.com" },
	{ "*", "\\2a" },
	{ "*)(mail=*", "\\2a\\29\\28mail=\\2a" },
	{ "a\\b", "a\\5cb" },
	{ "(uid=x)", "\\28uid=x\\29" },
	{ "caf\xc3\xa9", "caf\\c3\\a9" },
	{ "tab\there", "tab\\09here" },
	{ "del\x7f", "del\\7f" },
	{ "", "" },
	{ "a+b=c,d;e\"f<g>h#", "a+b=c,d;e\"f<g>h#" },
};

START_TEST(test_escape)
{
	const struct esc_case *c = &esc_cases[_i];
	char out[128];
	size_t n = lg_ldap_escape(out, sizeof(out), c->in, strlen(c->in));

	ck_assert_str_eq(out, c->out);
	ck_assert_uint_eq(n, strlen(c->out));
}
END_TEST

START_TEST(test_escape_nul)
{
	char out[32];

	ck_assert_uint_eq(lg_ldap_escape(out, sizeof(out), "a\0b", 3), 5);
	ck_assert_str_eq(out, "a\\00b");
}
END_TEST

/* --- filters */

struct filter_case {
	const char *tmpl;
	const char *key;
	const char *want;	/* NULL: no query */
};

static const struct filter_case filter_cases[] = {
	{ "(mail=%s)", "bob@example.com", "(mail=bob@example.com)" },
	{ "(mail=%s)", "@example.com", "(mail=@example.com)" },
	{ "(uid=%u)", "bob@example.com", "(uid=bob)" },
	{ "(uid=%u)", "@example.com", NULL },
	{ "(&(uid=%u)(dc=%d))", "bob@example.com", "(&(uid=bob)(dc=example.com))" },
	{ "(mail=%s)", "*@example.com", "(mail=\\2a@example.com)" },
	{ "(mail=%s)", "*)(mail=*@example.com",
	  "(mail=\\2a\\29\\28mail=\\2a@example.com)" },
	{ "(uid=%u)", "a@b@example.com", "(uid=a@b)" },
	{ "(|(mail=%s)(alias=%s))", "x@y.test", "(|(mail=x@y.test)(alias=x@y.test))" },
	{ "(note=100%%)(m=%s)", "a@b", "(note=100%)(m=a@b)" },
	{ "(dc=%d)", "nodomain", NULL },
};

START_TEST(test_filter)
{
	const struct filter_case *c = &filter_cases[_i];
	char out[256];
	long n = lg_ldap_filter(out, sizeof(out), c->tmpl, c->key);

	if (!c->want) {
		ck_assert_int_eq(n, -1);
		return;
	}
	ck_assert_str_eq(out, c->want);
	ck_assert_int_eq(n, (long) strlen(c->want));
}
END_TEST

/* every size from 0 up: the length needed, and a prefix of the whole
 * that ends between two escapes */
START_TEST(test_filter_small)
{
	const char *whole = "(mail=\\2a\\29\\28mail=\\2a@example.com)";
	char out[64];
	size_t size;

	for (size = 0; size < sizeof(out); size++) {
		long n;

		memset(out, 'Z', sizeof(out));
		n = lg_ldap_filter(out, size, "(mail=%s)",
				   "*)(mail=*@example.com");
		ck_assert_int_eq(n, (long) strlen(whole));
		if (size == 0) {
			ck_assert_int_eq(out[0], 'Z');
			continue;
		}
		ck_assert_uint_lt(strlen(out), size);
		ck_assert_int_eq(strncmp(out, whole, strlen(out)), 0);
		/* never a cut escape: "\" and "\2" end no prefix */
		if (strlen(out) < strlen(whole)) {
			size_t k = strlen(out);

			ck_assert(!(k >= 1 && out[k - 1] == '\\'));
			ck_assert(!(k >= 2 && out[k - 2] == '\\'));
		}
	}
}
END_TEST

struct tmpl_case {
	const char *tmpl;
	int     ok;
};

static const struct tmpl_case tmpl_cases[] = {
	{ "(mail=%s)", 1 },
	{ "(&(uid=%u)(objectClass=inetOrgPerson))", 1 },
	{ "(dc=%d)", 0 },		/* the same for every user */
	{ "(mail=%x)", 0 },
	{ "(mail=%s", 0 },
	{ "mail=%s", 0 },
	{ "(mail=%s))(", 0 },
	{ "(mail=%%s)", 0 },
};

START_TEST(test_template)
{
	char err[256] = "";

	ck_assert_int_eq(lg_ldap_template_ok(tmpl_cases[_i].tmpl, err,
					     sizeof(err)) == 0,
			 tmpl_cases[_i].ok);
	if (!tmpl_cases[_i].ok)
		ck_assert_str_ne(err, "");
}
END_TEST

/* --- the settings file */

struct conf_case {
	const char *text;
	const char *err;	/* NULL: parses */
	const char *uris;	/* when it parses */
	const char *check;	/* "field=value" to compare, or NULL */
	size_t  len;		/* of text, when it holds a NUL; else 0 */
};

static const struct conf_case conf_cases[] = {
	{ "search_base = dc=x\n", NULL, "ldap://localhost:389", NULL, 0 },
	{ "server_host = ldap://a.test ldaps://b.test:636,ldapi://%2Frun%2Fs\nsearch_base = dc=x\n",
	  NULL, "ldap://a.test ldaps://b.test:636 ldapi://%2Frun%2Fs", NULL, 0 },
	{ "server_host = a.test b.test\nserver_port = 3389\nsearch_base = dc=x\n",
	  NULL, "ldap://a.test:3389 ldap://b.test:3389", NULL, 0 },
	{ "# comment\n\n  # indented comment\nsearch_base = dc=x\n",
	  NULL, "ldap://localhost:389", "filter=(mail=%s)", 0 },
	{ "search_base = dc=x\nserver_host = a.test,\n  b.test\n",
	  NULL, "ldap://a.test:389 ldap://b.test:389", NULL, 0 },
	{ "search_base = dc=x\r\nscope = one\r\n", NULL, NULL, "scope=one", 0 },
	{ "search_base = dc=x\nscope = base\n", NULL, NULL, "scope=base", 0 },
	{ "search_base = dc=x\nbind = no\n", NULL, NULL, "bind=0", 0 },
	{ "search_base = dc=x\ntimeout = 2\n", NULL, NULL, "timeout=2000", 0 },
	{ "search_base = dc=x\ntimeout = 250ms\n", NULL, NULL, "timeout=250", 0 },
	{ "search_base = dc=x\ndomain = Example.COM, b.test.\n", NULL, NULL,
	  "domains=example.com,b.test", 0 },
	{ "search_base = dc=x\ncache_size = 0\n", NULL, NULL, "cache=0", 0 },
	{ "search_base = dc=x\ncache_ttl = 5m\nnegative_ttl = 30\n", NULL, NULL,
	  "ttl=300,30", 0 },
	{ "search_base = dc=x\nresult_attribute = maildrop\n", NULL, NULL,
	  "attr=maildrop", 0 },
	{ "search_base = dc=x\nresult_attribute =\n", NULL, NULL, "attr=", 0 },
	{ "search_base = dc=x\nquery_filter = (&(uid=%u)(o=%d))\nversion = 3\n",
	  NULL, NULL, "filter=(&(uid=%u)(o=%d))", 0 },
	/* errors */
	{ "", "f.cf:1: no search_base", NULL, NULL, 0 },
	{ "search_base = dc=x\nserverhost = a\n", "f.cf:2: unknown name \"serverhost\"", NULL, NULL, 0 },
	{ "search_base = dc=x\nsearch_base = dc=y\n", "f.cf:2: search_base is given twice", NULL, NULL, 0 },
	{ "search_base = dc=x\nscope = all\n", "f.cf:2: scope: \"all\"", NULL, NULL, 0 },
	{ "search_base = dc=x\nbind = sasl\n", "f.cf:2: bind: \"sasl\"", NULL, NULL, 0 },
	{ "search_base = dc=x\nversion = 2\n", "f.cf:2: version: \"2\"", NULL, NULL, 0 },
	{ "search_base = dc=x\ntimeout = 0\n", "f.cf:2: timeout:", NULL, NULL, 0 },
	{ "search_base = dc=x\ntimeout = 61\n", "f.cf:2: timeout:", NULL, NULL, 0 },
	{ "search_base = dc=x\nserver_port = 70000\n", "f.cf:2: server_port:", NULL, NULL, 0 },
	{ "search_base = dc=x\nserver_host = http://a\n", "f.cf:2: server_host:", NULL, NULL, 0 },
	{ "search_base = dc=x\nquery_filter = (uid=%z)\n", "f.cf:2: query_filter:", NULL, NULL, 0 },
	{ "search_base = dc=x\ndomain = hash:/etc/x\n", "f.cf:2: domain:", NULL, NULL, 0 },
	{ "search_base = dc=x\ncache_size = -1\n", "f.cf:2: cache_size:", NULL, NULL, 0 },
	{ "search_base = dc=x\nnegative_ttl = 2d\n", "f.cf:2: negative_ttl:", NULL, NULL, 0 },
	{ "search_base = dc=x\nno equals sign\n", "f.cf:2: \"no equals sign\" is not", NULL, NULL, 0 },
	{ "  search_base = dc=x\n", "f.cf:1: a continuation line", NULL, NULL, 0 },
	{ "search_base =\n", "f.cf:1: search_base: an empty value", NULL, NULL, 0 },
	{ "search_base = dc=x\nbind = no\nbind_dn = cn=r\n", "bind_dn is set but bind = no", NULL, NULL, 0 },
	{ "search_base = dc=x\nbind_pw = a\001b\n", "f.cf:2: bind_pw: a control character", NULL, NULL, 0 },
	{ "search_base = dc=\0x\n", "f.cf:1: not a text file", NULL, NULL, 20 },
};

/* field - the value of C named by NAME, as text */
static void field(const struct lg_ldap_conf *c, const char *name, char *out,
		  size_t size)
{
	static const char *const scopes[] = { "base", "one", "sub" };
	size_t i, n = 0;

	out[0] = 0;
	if (strcmp(name, "filter") == 0)
		snprintf(out, size, "%s", c->query_filter);
	else if (strcmp(name, "scope") == 0)
		snprintf(out, size, "%s", scopes[c->scope]);
	else if (strcmp(name, "bind") == 0)
		snprintf(out, size, "%d", c->bind);
	else if (strcmp(name, "timeout") == 0)
		snprintf(out, size, "%d", c->timeout_ms);
	else if (strcmp(name, "cache") == 0)
		snprintf(out, size, "%zu", c->cache_size);
	else if (strcmp(name, "ttl") == 0)
		snprintf(out, size, "%d,%d", c->cache_ttl_s, c->negative_ttl_s);
	else if (strcmp(name, "attr") == 0)
		snprintf(out, size, "%s", c->result_attribute ?
			 c->result_attribute : "");
	else if (strcmp(name, "domains") == 0)
		for (i = 0; i < c->n_domains && n < size; i++)
			n += (size_t) snprintf(out + n, size - n, "%s%s",
					       i ? "," : "", c->domains[i]);
}

START_TEST(test_conf)
{
	const struct conf_case *t = &conf_cases[_i];
	struct lg_dir_env env = { 0, "+", NULL, 0, 5000, 100, 600, 60 };
	struct lg_ldap_conf c;
	char err[512] = "", got[256], name[32];
	size_t len = t->len ? t->len : strlen(t->text);
	int rc;

	lg_ldap_conf_init(&c, &env);
	rc = lg_ldap_conf_parse(&c, "f.cf", t->text, len, err, sizeof(err));
	if (t->err) {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err, t->err) != NULL, "error \"%s\", want \"%s\"",
			      err, t->err);
		lg_ldap_conf_clear(&c);
		return;
	}
	ck_assert_msg(rc == 0, "%s", err);
	if (t->uris)
		ck_assert_str_eq(c.uris, t->uris);
	if (t->check) {
		const char *eq = strchr(t->check, '=');

		snprintf(name, sizeof(name), "%.*s", (int) (eq - t->check),
			 t->check);
		field(&c, name, got, sizeof(got));
		ck_assert_str_eq(got, eq + 1);
	}
	lg_ldap_conf_clear(&c);
}
END_TEST

/* the defaults come from the directory group; the file overrides */
START_TEST(test_conf_env)
{
	struct lg_dir_env env = { 0, "+", NULL, 0, 1234, 77, 11, 22 };
	struct lg_ldap_conf c;
	char err[256];

	lg_ldap_conf_init(&c, &env);
	ck_assert_int_eq(lg_ldap_conf_parse(&c, "f", "search_base = o=x\n", 18,
					    err, sizeof(err)), 0);
	ck_assert_int_eq(c.timeout_ms, 1234);
	ck_assert_uint_eq(c.cache_size, 77);
	ck_assert_int_eq(c.cache_ttl_s, 11);
	ck_assert_int_eq(c.negative_ttl_s, 22);
	ck_assert_int_eq(c.scope, LG_LDAP_SCOPE_SUB);
	ck_assert_int_eq(c.bind, 1);
	ck_assert_int_eq(lg_ldap_serves(&c, "any.test"), 1);
	lg_ldap_conf_clear(&c);
}
END_TEST

/* --- the source, with no server */

static char tmpdir[256], cf[512];
static char *domains[] = { "example.com", "other.test" };
static struct lg_dir *dir;

static void src_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/check_ldap.XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(cf, sizeof(cf), "%s/ldap.cf", tmpdir);
	lg_log_open("test", LG_LOG_MEMORY);
	lg_log_capture_reset();
	dir = NULL;
}

static void src_teardown(void)
{
	lg_dir_free(&dir);
	unlink(cf);
	rmdir(tmpdir);
}

/* open_cf - a directory of one ldap source with TEXT as its file */
static int open_cf(const char *text, char *err, size_t errsize)
{
	struct lg_dir_env env = { 0, "+", domains, 2, 300, 100, 600, 60 };
	char spec[600];
	FILE *fp = fopen(cf, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	snprintf(spec, sizeof(spec), "ldap:%s", cf);
	dir = lg_dir_new(&env, 50);
	ck_assert_ptr_nonnull(dir);
	if (lg_dir_add(dir, spec, err, errsize) != 0)
		return -1;
	return lg_dir_load(dir, NULL, 0, err, errsize);
}

/* port 1 on loopback: refused, at once */
#define NO_SERVER \
	"server_host = ldap://127.0.0.1:1\nsearch_base = dc=x\n" \
	"bind = no\ndomain = example.com\n"

START_TEST(test_src_no_server)
{
	char err[512], why[512];
	struct timespec a, b;
	struct lg_dir_source_stats st;

	ck_assert_msg(open_cf(NO_SERVER, err, sizeof(err)) == 0, "%s", err);
	/* not its domain: no, with no search */
	ck_assert_int_eq(lg_dir_lookup(dir, "bob", "other.test", why,
				       sizeof(why)), LG_DIR_NO);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(lg_dir_lookup(dir, "bob", "example.com", why,
				       sizeof(why)), LG_DIR_FAIL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_msg(strstr(why, "127.0.0.1:1") != NULL, "%s", why);
	ck_assert_int_lt((b.tv_sec - a.tv_sec) * 1000 +
			 (b.tv_nsec - a.tv_nsec) / 1000000, 2000);
	/* a failure is not remembered: asked again, it fails again */
	ck_assert_int_eq(lg_dir_lookup(dir, "bob", "example.com", why,
				       sizeof(why)), LG_DIR_FAIL);
	ck_assert_int_eq(lg_dir_source_stats(dir, 0, &st), 0);
	ck_assert_int_eq(st.up, 0);
	ck_assert_uint_eq(st.entries, (size_t) -1);
	ck_assert_uint_eq(lg_dir_count(dir), 0);
}
END_TEST

START_TEST(test_src_bad_file)
{
	char err[512];

	ck_assert_int_eq(open_cf("search_base = dc=x\nfoo = 1\n", err,
				 sizeof(err)), -1);
	ck_assert_msg(strstr(err, "ldap.cf:2: unknown name \"foo\"") != NULL,
		      "%s", err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ldap");
	TCase *tc = tcase_create("filter");

	tcase_add_loop_test(tc, test_escape, 0, N(esc_cases));
	tcase_add_test(tc, test_escape_nul);
	tcase_add_loop_test(tc, test_filter, 0, N(filter_cases));
	tcase_add_test(tc, test_filter_small);
	tcase_add_loop_test(tc, test_template, 0, N(tmpl_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("conf");
	tcase_add_loop_test(tc, test_conf, 0, N(conf_cases));
	tcase_add_test(tc, test_conf_env);
	suite_add_tcase(s, tc);
	tc = tcase_create("source");
	tcase_add_checked_fixture(tc, src_setup, src_teardown);
	tcase_add_test(tc, test_src_no_server);
	tcase_add_test(tc, test_src_bad_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
