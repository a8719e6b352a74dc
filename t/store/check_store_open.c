/*
 * NAME
 *	check_store_open - the registry that opens a backend by name
 * SYNOPSIS
 *	check_store_open
 * DESCRIPTION
 *	lg_store_open() with each name it knows, a name it does not, and
 *	options that stop a backend before it touches the network. None
 *	of these needs a redis-server.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"
#include "store_open.h"
#include "store_redis.h"

#define T0	1000

static const struct lg_store_memory_opts mem = { NULL, 0, 0 };
static const struct lg_store_redis_opts no_server = { .server = "" };
static const struct lg_store_redis_opts no_port = { .server = "nohost" };

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

/* main - run the table; exit 1 on any failure */
int main(void)
{
	Suite *s = suite_create("store open");
	TCase *tc = tcase_create("registry");
	SRunner *sr;
	int failed;

	lg_log_open("test", LG_LOG_MEMORY);
	tcase_add_loop_test(tc, open_by_name, 0,
			    sizeof(open_cases) / sizeof(open_cases[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
