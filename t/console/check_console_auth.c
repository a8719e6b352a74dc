/*
 * NAME
 *	check_console_auth - unit tests for the console's users file,
 *	sessions, CSRF comparison and login failure limit
 * SYNOPSIS
 *	t/console/check_console_auth
 * DESCRIPTION
 *	console_users.c: lines of the users file (good ones, comments,
 *	every kind of bad line), a real file checked with yescrypt (right
 *	and wrong password, unknown user, empty password, a password
 *	longer than allowed), a file others may read refused, a changed
 *	file read again (a new user in, a removed one out), a bad new
 *	version leaving nobody. console_authcache.c: a right Basic
 *	password remembered, nothing else, forgotten with a new file.
 *	console_auth.c: the constant-time
 *	comparison used for CSRF tokens and session ids, the "next"
 *	paths a login may go back to, the failure limit (5 in 300 s,
 *	then refused for 300 s, per address, a full table). console_session.c:
 *	ids and tokens (43 characters of base64url, all different), idle
 *	and absolute expiry, logout, a full table ending the session used
 *	longest ago.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "console_impl.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/* console_ctl.c asks the change events for their generation; the
 * events module is not linked into this suite */
unsigned long long cn_events_generation(void)
{
	return 0;
}

static char dir[] = "/tmp/check_console_auth.XXXXXX";
static char path[256];

struct line_case {
	const char *line;
	int rc;
	const char *name;
	enum cn_role role;
};

static const struct line_case lines[] = {
	{ "admin:operator:$y$j9T$abc$def", 1, "admin", CN_ROLE_OPERATOR },
	{ "viewer:read:$y$j9T$abc$def\n", 1, "viewer", CN_ROLE_READ },
	{ "  a.b_c@d-e:read:$y$j9T$abc$def  \r\n", 1, "a.b_c@d-e", CN_ROLE_READ },
	{ "", 0, NULL, 0 },
	{ "   \n", 0, NULL, 0 },
	{ "# a comment:read:$y$x", 0, NULL, 0 },
	{ "admin:root:$y$j9T$abc$def", -1, NULL, 0 },		/* no such role */
	{ "admin:read", -1, NULL, 0 },				/* no hash */
	{ "admin:read:", -1, NULL, 0 },
	{ "admin:read:plaintext", -1, NULL, 0 },		/* not crypt */
	{ "admin:read:$y$", -1, NULL, 0 },			/* too short */
	{ "ad min:read:$y$j9T$abc$def", -1, NULL, 0 },		/* bad name */
	{ ":read:$y$j9T$abc$def", -1, NULL, 0 },
	{ "a\xc3\xa9:read:$y$j9T$abc$def", -1, NULL, 0 },
	{ "admin:read:$y$j9T$abc$def:extra", -1, NULL, 0 },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx:read:$y$j9T$abc$def",
	  -1, NULL, 0 },					/* 65 bytes */
};

START_TEST(test_parse_line)
{
	char buf[256], *name, *hash;
	enum cn_role role;
	int rc;

	snprintf(buf, sizeof(buf), "%s", lines[_i].line);
	rc = cn_users_parse_line(buf, &name, &role, &hash);
	ck_assert_int_eq(rc, lines[_i].rc);
	if (rc == 1) {
		ck_assert_str_eq(name, lines[_i].name);
		ck_assert_int_eq(role, lines[_i].role);
		ck_assert_str_eq(hash, "$y$j9T$abc$def");
	}
}
END_TEST

/* write_users - the file with the given text and mode */
static void write_users(const char *text, mode_t mode)
{
	FILE *fp;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);	/* a new mtime */
	unlink(path);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static char admin_hash[256], viewer_hash[256];

static void users_setup(void)
{
	char text[1024];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users", dir);
	if (!admin_hash[0]) {
		ck_assert_int_eq(cn_users_hash("admin-pass", admin_hash, sizeof(admin_hash)), 0);
		ck_assert_int_eq(cn_users_hash("viewer-pass", viewer_hash, sizeof(viewer_hash)), 0);
	}
	snprintf(text, sizeof(text), "# users\nadmin:operator:%s\n\nviewer:read:%s\n",
		 admin_hash, viewer_hash);
	write_users(text, 0640);
}

static void users_teardown(void)
{
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/check_console_auth.XXXXXX");
}

START_TEST(test_hash_is_yescrypt)
{
	ck_assert(strncmp(admin_hash, "$y$", 3) == 0);
	ck_assert_str_ne(admin_hash, viewer_hash);
}
END_TEST

START_TEST(test_verify)
{
	struct cn_user u;
	char err[512], longpw[1100];

	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), 0);
	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(cn_users_verify("admin", "admin-pass", &u), 1);
	ck_assert_str_eq(u.name, "admin");
	ck_assert_int_eq(u.role, CN_ROLE_OPERATOR);
	ck_assert_int_eq(cn_users_verify("viewer", "viewer-pass", &u), 1);
	ck_assert_int_eq(u.role, CN_ROLE_READ);
	ck_assert_int_eq(cn_users_verify("admin", "viewer-pass", &u), 0);
	ck_assert_int_eq(cn_users_verify("admin", "admin-pas", &u), 0);
	ck_assert_int_eq(cn_users_verify("admin", "admin-pass ", &u), 0);
	ck_assert_int_eq(cn_users_verify("nobody", "admin-pass", &u), -1);
	ck_assert_int_eq(cn_users_verify("admin", "", &u), -2);
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = 0;
	ck_assert_int_eq(cn_users_verify("admin", longpw, &u), 0);
	ck_assert_int_eq(cn_users_find("viewer", &u), 1);
	ck_assert_int_eq(cn_users_find("mallory", &u), 0);
}
END_TEST

START_TEST(test_open_refuses)
{
	char err[512];

	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "others may read or change it (mode 0644)") != NULL, "%s", err);
	ck_assert_int_eq(chmod(path, 0660), 0);
	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), -1);
	write_users("admin:operator:$y$j9T$abc$def\nbroken line\n", 0600);
	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/users:2: not a line") != NULL, "%s", err);
	write_users("a:read:$y$j9T$abc$def\na:operator:$y$j9T$abc$def\n", 0600);
	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/users:2: user a appears twice") != NULL, "%s", err);
	unlink(path);
	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_reread)
{
	struct cn_user u;
	char err[512], text[1024];

	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), 0);
	ck_assert_int_eq(cn_users_find("viewer", &u), 1);
	/* viewer out, admin now read, carol in */
	snprintf(text, sizeof(text), "admin:read:%s\ncarol:operator:%s\n",
		 admin_hash, viewer_hash);
	write_users(text, 0600);
	ck_assert_int_eq(cn_users_find("viewer", &u), 0);
	ck_assert_int_eq(cn_users_find("admin", &u), 1);
	ck_assert_int_eq(u.role, CN_ROLE_READ);
	ck_assert_int_eq(cn_users_verify("carol", "viewer-pass", &u), 1);
	ck_assert_int_eq(u.role, CN_ROLE_OPERATOR);
	/* a bad version: nobody at all */
	write_users(text, 0604);
	ck_assert_int_eq(cn_users_find("admin", &u), 0);
	ck_assert_int_eq(cn_users_verify("carol", "viewer-pass", &u), -1);
	/* fixed: back */
	write_users(text, 0600);
	ck_assert_int_eq(cn_users_find("admin", &u), 1);
}
END_TEST

START_TEST(test_authcache)
{
	struct cn_user u;
	char err[512], text[1024];

	ck_assert_int_eq(cn_users_open(path, err, sizeof(err)), 0);
	cn_authcache_clear();
	ck_assert(!cn_authcache_hit("admin", "admin-pass"));
	cn_authcache_add("admin", "admin-pass");
	ck_assert(cn_authcache_hit("admin", "admin-pass"));
	ck_assert(!cn_authcache_hit("admin", "admin-pas"));
	ck_assert(!cn_authcache_hit("admin", "admin-pass "));
	ck_assert(!cn_authcache_hit("viewer", "admin-pass"));
	/* a name and password that join to the same bytes differ */
	cn_authcache_add("ab", "c");
	ck_assert(!cn_authcache_hit("a", "bc"));
	/* a new version of the file forgets everything */
	snprintf(text, sizeof(text), "admin:operator:%s\n", viewer_hash);
	write_users(text, 0600);
	ck_assert_int_eq(cn_users_find("admin", &u), 1);
	ck_assert(!cn_authcache_hit("admin", "admin-pass"));
	cn_authcache_clear();
}
END_TEST

START_TEST(test_equal)
{
	ck_assert(cn_auth_equal("", ""));
	ck_assert(cn_auth_equal("abcDEF-_", "abcDEF-_"));
	ck_assert(!cn_auth_equal("abcDEF-_", "abcDEF-a"));
	ck_assert(!cn_auth_equal("Abc", "abc"));
	ck_assert(!cn_auth_equal("abc", "abcd"));
	ck_assert(!cn_auth_equal("abcd", "abc"));
	ck_assert(!cn_auth_equal("", "a"));
}
END_TEST

struct next_case {
	const char *next;
	int ok;
};

static const struct next_case nexts[] = {
	{ "/", 1 }, { "/entries", 1 }, { "/entries?plugin=repeat&page=2", 1 },
	{ "", 0 }, { "entries", 0 }, { "//evil.example/", 0 }, { "/\\evil.example", 0 },
	{ "http://evil.example/", 0 }, { "javascript:alert(1)", 0 },
	{ "/a b", 0 }, { "/a\nLocation: x", 0 }, { "/a\rb", 0 }, { "/\x7f", 0 },
	{ "/caf\xc3\xa9", 0 }, { "/a\\b", 0 },
};

START_TEST(test_next)
{
	ck_assert_int_eq(cn_auth_next_ok(nexts[_i].next), nexts[_i].ok);
}
END_TEST

START_TEST(test_limit)
{
	time_t t = 1000000;
	char addr[64];
	int i;

	cn_auth_limit_reset();
	for (i = 0; i < 4; i++)
		cn_auth_failed("192.0.2.1", t + i);
	ck_assert(!cn_auth_limited("192.0.2.1", t + 5));
	cn_auth_failed("192.0.2.1", t + 5);
	ck_assert(cn_auth_limited("192.0.2.1", t + 5));
	ck_assert(cn_auth_limited("192.0.2.1", t + 5 + 299));
	ck_assert(!cn_auth_limited("192.0.2.1", t + 5 + 300));
	ck_assert(!cn_auth_limited("192.0.2.2", t + 5));
	/* failures spread out over more than the window: no limit */
	cn_auth_limit_reset();
	for (i = 0; i < 10; i++)
		cn_auth_failed("2001:db8::1", t + i * 100);
	ck_assert(!cn_auth_limited("2001:db8::1", t + 1000));
	/* a full table: the limited address is the newest, so it stays */
	cn_auth_limit_reset();
	for (i = 0; i < 5; i++)
		cn_auth_failed("198.51.100.9", t + 10 + i);
	for (i = 0; i < 5000; i++) {
		snprintf(addr, sizeof(addr), "10.0.%d.%d", i / 256, i % 256);
		cn_auth_failed(addr, t);
	}
	ck_assert(cn_auth_limited("198.51.100.9", t + 20));
	cn_auth_limit_reset();
}
END_TEST

START_TEST(test_base64url)
{
	char out[64];
	const unsigned char all[3] = { 0xfb, 0xff, 0xbf };

	cn_base64url((const unsigned char *) "", 0, out);
	ck_assert_str_eq(out, "");
	cn_base64url((const unsigned char *) "f", 1, out);
	ck_assert_str_eq(out, "Zg");
	cn_base64url((const unsigned char *) "fo", 2, out);
	ck_assert_str_eq(out, "Zm8");
	cn_base64url((const unsigned char *) "foo", 3, out);
	ck_assert_str_eq(out, "Zm9v");
	cn_base64url(all, 3, out);
	ck_assert_str_eq(out, "-_-_");
}
END_TEST

static void session_setup(void)
{
	cn_cfg.session_idle = 100;
	cn_cfg.session_max = 1000;
	cn_session_reset();
}

START_TEST(test_session)
{
	struct cn_user u = { "admin", CN_ROLE_OPERATOR };
	char id[64], csrf[64], id2[64], csrf2[64], name[80], tok[64];
	time_t t = 2000000;

	ck_assert_int_eq(cn_session_new(&u, t, id, sizeof(id), csrf, sizeof(csrf)), 0);
	ck_assert_uint_eq(strlen(id), 43);
	ck_assert_uint_eq(strlen(csrf), 43);
	ck_assert_uint_eq(strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	ck_assert_str_ne(id, csrf);
	ck_assert_int_eq(cn_session_new(&u, t, id2, sizeof(id2), csrf2, sizeof(csrf2)), 0);
	ck_assert_str_ne(id, id2);
	ck_assert_str_ne(csrf, csrf2);
	ck_assert_int_eq(cn_session_get(id, t + 10, name, sizeof(name), tok, sizeof(tok)), 1);
	ck_assert_str_eq(name, "admin");
	ck_assert_str_eq(tok, csrf);
	/* a wrong id, one character off, a prefix */
	ck_assert_int_eq(cn_session_get("nope", t, name, sizeof(name), tok, sizeof(tok)), 0);
	id2[0] = id2[0] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(cn_session_get(id2, t, name, sizeof(name), tok, sizeof(tok)), 0);
	/* used at t+10: alive until t+10+99, gone at t+110 */
	ck_assert_int_eq(cn_session_get(id, t + 109, name, sizeof(name), tok, sizeof(tok)), 1);
	ck_assert_int_eq(cn_session_get(id, t + 209, name, sizeof(name), tok, sizeof(tok)), 0);
	ck_assert_int_eq(cn_session_get(id, t + 109, name, sizeof(name), tok, sizeof(tok)), 0);
}
END_TEST

START_TEST(test_session_max)
{
	struct cn_user u = { "viewer", CN_ROLE_READ };
	char id[64], csrf[64], name[80], tok[64];
	time_t t = 3000000, now;

	ck_assert_int_eq(cn_session_new(&u, t, id, sizeof(id), csrf, sizeof(csrf)), 0);
	for (now = t + 90; now < t + 1000; now += 90)
		ck_assert_int_eq(cn_session_get(id, now, name, sizeof(name), tok, sizeof(tok)), 1);
	ck_assert_int_eq(cn_session_get(id, t + 1000, name, sizeof(name), tok, sizeof(tok)), 0);
}
END_TEST

START_TEST(test_session_end_and_full)
{
	struct cn_user u = { "admin", CN_ROLE_OPERATOR };
	char first[64], id[64], csrf[64], name[80], tok[64];
	time_t t = 4000000;
	int i;

	ck_assert_int_eq(cn_session_new(&u, t, first, sizeof(first), csrf, sizeof(csrf)), 0);
	ck_assert_int_eq(cn_session_new(&u, t + 1, id, sizeof(id), csrf, sizeof(csrf)), 0);
	cn_session_end(id);
	ck_assert_int_eq(cn_session_get(id, t + 2, name, sizeof(name), tok, sizeof(tok)), 0);
	ck_assert_int_eq(cn_session_get(first, t + 2, name, sizeof(name), tok, sizeof(tok)), 1);
	/* 1024 more logins: the first (used longest ago) ends, the last lives */
	for (i = 0; i < 1024; i++)
		ck_assert_int_eq(cn_session_new(&u, t + 3 + i / 100, id, sizeof(id), csrf, sizeof(csrf)), 0);
	ck_assert_int_eq(cn_session_get(first, t + 20, name, sizeof(name), tok, sizeof(tok)), 0);
	ck_assert_int_eq(cn_session_get(id, t + 20, name, sizeof(name), tok, sizeof(tok)), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("console_auth");
	TCase *tc;
	SRunner *sr;
	int failed;

	cn_log_open("stderr");
	tc = tcase_create("users");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, users_setup, users_teardown);
	tcase_add_loop_test(tc, test_parse_line, 0, N(lines));
	tcase_add_test(tc, test_hash_is_yescrypt);
	tcase_add_test(tc, test_verify);
	tcase_add_test(tc, test_open_refuses);
	tcase_add_test(tc, test_reread);
	tcase_add_test(tc, test_authcache);
	suite_add_tcase(s, tc);
	tc = tcase_create("auth");
	tcase_add_test(tc, test_equal);
	tcase_add_loop_test(tc, test_next, 0, N(nexts));
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_base64url);
	suite_add_tcase(s, tc);
	tc = tcase_create("sessions");
	tcase_add_checked_fixture(tc, session_setup, NULL);
	tcase_add_test(tc, test_session);
	tcase_add_test(tc, test_session_max);
	tcase_add_test(tc, test_session_end_and_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
