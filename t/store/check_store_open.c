/*
 * NAME
 *	check_store_open - choosing a state backend: the registry and the
 *	settings
 * SYNOPSIS
 *	check_store_open
 * DESCRIPTION
 *	lg_store_open() with each name it knows, a name it does not, and
 *	options that stop a backend before it touches the network; the
 *	parser of the Redis server setting; the state { } section of the
 *	config file. None of these needs a redis-server.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "log.h"
#include "settings.h"
#include "store.h"
#include "store_memory.h"
#include "store_open.h"
#include "store_redis.h"

#define T0	1000

static const struct lg_store_memory_opts mem = { NULL, 0, 0, 0 };
static const struct lg_store_redis_opts no_server = { .server = "" };
static const struct lg_store_redis_opts no_port = { .server = "nohost" };
static const char *const bad_sentinel[] = { "127.0.0.1:26379", "nohost" };
static const struct lg_store_redis_opts sn_bad = {
	.sentinels = bad_sentinel, .nsentinels = 2, .master_name = "m" };
static const struct lg_store_redis_opts sn_no_name = {
	.sentinels = bad_sentinel, .nsentinels = 1 };

static const struct open_case {
	const char *backend;
	const struct lg_store_memory_opts *mopts;
	const struct lg_store_redis_opts *ropts;
	const char *err;		/* NULL when it opens */
} open_cases[] = {
	{ "memory", &mem, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
	{ NULL, &mem, &no_port, NULL },
	{ "redis", &mem, NULL, "state backend \"redis\" needs a server" },
	{ "redis", NULL, &no_server, "state backend \"redis\" needs a server" },
	{ "redis", &mem, &no_port, "state: redis server \"nohost\": no port "
	  "(use \"HOST:PORT\" or \"unix:/path\")" },
	{ "disk", &mem, &no_port, "state backend \"disk\" is not supported" },
	{ "", NULL, NULL, "state backend \"\" is not supported" },
	{ "Memory", NULL, NULL, "state backend \"Memory\" is not supported" },
	{ "redis", &mem, &sn_bad, "state: redis sentinel \"nohost\": no port "
	  "(use \"HOST:PORT\" or \"unix:/path\")" },
	{ "redis", &mem, &sn_no_name, "state: redis sentinels: master_name is "
	  "missing or longer than 127 bytes" },
};

START_TEST(open_by_name)
{
	const struct open_case *c = &open_cases[_i];
	struct lg_store st = { (void *)1, (void *)1 };
	char err[256] = "";
	int rc;

	rc = lg_store_open(c->backend, c->mopts, c->ropts, T0, &st, err,
			   sizeof(err));
	if (c->err) {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(err, c->err);
		ck_assert_ptr_null(st.ops);
		return;
	}
	ck_assert_msg(rc == 0, "open: %s", err);
	ck_assert_int_eq(st.ops->add(st.be, "k", 10, T0, NULL, NULL), 1);
	ck_assert_int_eq(lg_store_memory_save(&st, T0), 0);	/* no file */
	lg_store_close(&st, T0);
	ck_assert_ptr_null(st.ops);
	ck_assert_ptr_null(st.be);
}
END_TEST

struct server_case {
	const char *spec;
	const char *want;	/* "unix PATH", "HOST PORT", or the error */
};

static const struct server_case server_cases[] = {
	{ "unix:/run/redis/redis.sock", "unix /run/redis/redis.sock" },
	{ "127.0.0.1:6379", "127.0.0.1 6379" },
	{ "redis.example.net:7000", "redis.example.net 7000" },
	{ "[::1]:6379", "::1 6379" },
	{ "[2001:db8::5]:1", "2001:db8::5 1" },
	{ "", "it is empty (use \"unix:/path\" or \"HOST:PORT\")" },
	{ "unix:relative.sock", "the socket path must be absolute" },
	{ "unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "the socket path is longer than 107 bytes" },
	{ "localhost", "no port (use \"HOST:PORT\" or \"unix:/path\")" },
	{ "localhost:", "the port must be a number from 1 to 65535" },
	{ "localhost:0", "the port must be a number from 1 to 65535" },
	{ "localhost:65536", "the port must be a number from 1 to 65535" },
	{ "localhost:99999999999", "the port must be a number from 1 to 65535" },
	{ "localhost:63x", "the port must be a number from 1 to 65535" },
	{ ":6379", "bad host name" },
	{ "bad host:6379", "bad host name" },
	{ "::1:6379", "an IPv6 address needs brackets, e.g. \"[::1]:6379\"" },
	{ "[nope]:6379", "bad IPv6 address" },
	{ "[]:6379", "bad IPv6 address" },
};

START_TEST(server_setting)
{
	const struct server_case *c = &server_cases[_i];
	struct lg_redis_server srv;
	char err[256] = "", got[400];

	if (lg_store_redis_server(c->spec, &srv, err, sizeof(err)) == 0 &&
	    srv.is_unix)
		snprintf(got, sizeof(got), "unix %s", srv.path);
	else if (err[0] == 0)
		snprintf(got, sizeof(got), "%s %d", srv.host, srv.port);
	else
		snprintf(got, sizeof(got), "%s", err);
	ck_assert_str_eq(got, c->want);
}
END_TEST

struct state_case {
	const char *text;
	const char *want;	/* "" when good; %s = the file */
};

static const struct state_case state_cases[] = {
	{ "state = {\n backend = \"redis\";\n server = \"127.0.0.1:6379\";\n"
	  " password = \"pw\";\n db = 15;\n prefix = \"mx:\";\n"
	  " timeout = \"250ms\";\n on_store_error = \"tempfail\";\n};\n", "" },
	{ "state = { backend = \"disk\"; };\n",
	  "%s:1: state: backend must be \"memory\" or \"redis\", not \"disk\"" },
	{ "state = {\n backend = \"redis\";\n};\n",
	  "%s:1: state: backend \"redis\" needs server = \"unix:/path\" or "
	  "\"HOST:PORT\" (or sentinels and master_name)" },
	{ "state = {\n server = \"localhost\";\n};\n",
	  "%s:2: state: bad server \"localhost\": no port (use \"HOST:PORT\" "
	  "or \"unix:/path\")" },
	{ "state = {\n server = 6379;\n};\n",
	  "%s:2: state: server must be a string" },
	{ "state = {\n db = 16;\n};\n",
	  "%s:2: state: db must be an integer from 0 to 15" },
	{ "state = {\n db = -1;\n};\n",
	  "%s:2: state: db must be an integer from 0 to 15" },
	{ "state = {\n db = \"1\";\n};\n",
	  "%s:2: state: db must be an integer from 0 to 15" },
	{ "state = {\n timeout = \"soon\";\n};\n",
	  "%s:2: state: timeout: bad duration \"soon\" (use 1ms to 60s, e.g. "
	  "200ms)" },
	{ "state = {\n timeout = \"2m\";\n};\n",
	  "%s:2: state: timeout: bad duration \"2m\" (use 1ms to 60s, e.g. "
	  "200ms)" },
	{ "state = {\n prefix = \"\";\n};\n",
	  "%s:2: state: prefix must not be empty" },
	{ "state = {\n prefix = \"a b\";\n};\n",
	  "%s:2: state: prefix \"a b\" holds a space or a control character" },
	{ "state = {\n prefix = "
	  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";"
	  "\n};\n", "%s:2: state: prefix is longer than 63 bytes" },
	{ "state = {\n on_store_error = \"accept\";\n};\n",
	  "%s:2: state: on_store_error must be \"fallback\" or \"tempfail\", "
	  "not \"accept\"" },
	{ "state = {\n sever = \"x:1\";\n};\n",
	  "%s:2: state: unknown setting \"sever\"" },
	{ "state = {\n backend = \"redis\";\n sentinels = [ \"127.0.0.1:26379\","
	  " \"[::1]:26380\", \"unix:/run/s.sock\" ];\n master_name = \"mx\";\n"
	  " sentinel_password = \"spw\";\n};\n", "" },
	{ "state = {\n sentinels = \"127.0.0.1:26379\";\n};\n",
	  "%s:2: state: sentinels must be a list, e.g. [ \"10.0.0.1:26379\" ]" },
	{ "state = {\n sentinels = [ ];\n};\n",
	  "%s:2: state: sentinels must list 1 to 8 addresses, not 0" },
	{ "state = {\n sentinels = [ \"a:1\", \"a:2\", \"a:3\", \"a:4\", "
	  "\"a:5\", \"a:6\", \"a:7\", \"a:8\", \"a:9\" ];\n};\n",
	  "%s:2: state: sentinels must list 1 to 8 addresses, not 9" },
	{ "state = {\n sentinels = [ 26379 ];\n};\n",
	  "%s:2: state: sentinels: entry 1 is not a string" },
	{ "state = {\n sentinels = [ \"::1:26379\" ];\n};\n",
	  "%s:2: state: bad sentinel \"::1:26379\": an IPv6 address needs "
	  "brackets, e.g. \"[::1]:6379\"" },
	{ "state = {\n sentinels = [ \"h:1\", \"h:1\" ];\n};\n",
	  "%s:2: state: sentinel \"h:1\" is listed twice" },
	{ "state = {\n backend = \"redis\";\n sentinels = [ \"h:1\" ];\n};\n",
	  "%s:1: state: sentinels need master_name = \"NAME\" (the name the "
	  "sentinels monitor)" },
	{ "state = {\n server = \"h:6379\";\n sentinels = [ \"h:1\" ];\n"
	  " master_name = \"m\";\n};\n",
	  "%s:1: state: set server or sentinels, not both" },
	{ "state = {\n server = \"h:6379\";\n master_name = \"m\";\n};\n",
	  "%s:1: state: master_name and sentinel_password need sentinels = "
	  "[ \"HOST:PORT\", ... ]" },
	{ "state = {\n sentinel_password = \"x\";\n};\n",
	  "%s:1: state: master_name and sentinel_password need sentinels = "
	  "[ \"HOST:PORT\", ... ]" },
	{ "state = {\n master_name = \"my master\";\n};\n",
	  "%s:2: state: master_name \"my master\" holds a space or a control "
	  "character" },
	{ "state = {\n master_name = \"\";\n};\n",
	  "%s:2: state: master_name must not be empty" },
};

START_TEST(state_settings)
{
	const struct state_case *c = &state_cases[_i];
	struct lg_config cfg = { 0 };
	char path[] = "/tmp/check_store_open.XXXXXX", want[512], err[512] = "";
	config_t lc;
	int fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, c->text, strlen(c->text)),
			 (ssize_t)strlen(c->text));
	close(fd);
	config_init(&lc);
	ck_assert_msg(config_read_file(&lc, path) == CONFIG_TRUE, "%s",
		      config_error_text(&lc));
	cfg.path = path;
	cfg.state.backend = strdup("memory");
	lg_settings_state(&cfg, config_lookup(&lc, "state"), err,
			  sizeof(err));
	snprintf(want, sizeof(want), c->want, path);
	ck_assert_str_eq(err, want);
	if (_i == 0) {
		ck_assert_str_eq(cfg.state.backend, "redis");
		ck_assert_str_eq(cfg.state.server, "127.0.0.1:6379");
		ck_assert_str_eq(cfg.state.password, "pw");
		ck_assert_int_eq(cfg.state.db, 15);
		ck_assert_str_eq(cfg.state.prefix, "mx:");
		ck_assert_int_eq(cfg.state.timeout_ms, 250);
		ck_assert_int_eq(cfg.state.on_store_error_tempfail, 1);
	}
	if (*c->want == 0 && cfg.state.nsentinels) {
		ck_assert_int_eq(cfg.state.nsentinels, 3);
		ck_assert_str_eq(cfg.state.sentinels[0], "127.0.0.1:26379");
		ck_assert_str_eq(cfg.state.sentinels[1], "[::1]:26380");
		ck_assert_str_eq(cfg.state.sentinels[2], "unix:/run/s.sock");
		ck_assert_str_eq(cfg.state.master_name, "mx");
		ck_assert_str_eq(cfg.state.sentinel_password, "spw");
		ck_assert_str_eq(cfg.state.server, "");
	}
	free(cfg.state.backend);
	config_destroy(&lc);
	unlink(path);
}
END_TEST


/* main - run the tables; exit 1 on any failure */
int main(void)
{
	Suite *s = suite_create("store open");
	TCase *tc = tcase_create("choose");
	SRunner *sr;
	int failed;

	lg_log_open("test", LG_LOG_MEMORY);
	tcase_add_loop_test(tc, open_by_name, 0,
			    sizeof(open_cases) / sizeof(open_cases[0]));
	tcase_add_loop_test(tc, server_setting, 0,
			    sizeof(server_cases) / sizeof(server_cases[0]));
	tcase_add_loop_test(tc, state_settings, 0,
			    sizeof(state_cases) / sizeof(state_cases[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
