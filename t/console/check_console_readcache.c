/*
 * NAME
 *	check_console_readcache - recent answers to the console's reads
 * DESCRIPTION
 *	An OK answer is given again for the same request (a copy the
 *	caller owns), not for another request, not once the daemon
 *	reported a change (another generation), not after
 *	CN_READCACHE_MS, and never after cn_readcache_clear(); ERR
 *	answers and answers of more lines than a page are not kept; more
 *	requests than slots reuse the oldest.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "console_impl.h"
#include "ctl.h"

/* reply_of - an answer with n data lines "row I" and final */
static void reply_of(struct ctl_reply *r, size_t n, const char *final)
{
	size_t i;
	char buf[32];

	memset(r, 0, sizeof(*r));
	r->lines = calloc(n ? n : 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "row %zu", i);
		r->lines[i] = strdup(buf);
	}
	r->n = r->cap = n;
	r->final = strdup(final);
}

START_TEST(test_hit_is_a_copy)
{
	struct ctl_reply put, got;

	cn_readcache_clear();
	reply_of(&put, 3, "OK 3 entries, 0 hidden");
	cn_readcache_put("list --limit 3", 7, &put);
	ctl_reply_free(&put);
	ck_assert_int_eq(cn_readcache_get("list --limit 3", 7, &got), 0);
	ck_assert_uint_eq(got.n, 3);
	ck_assert_str_eq(got.lines[2], "row 2");
	ck_assert_str_eq(got.final, "OK 3 entries, 0 hidden");
	ctl_reply_free(&got);
	/* the kept answer is still there after the copy was freed */
	ck_assert_int_eq(cn_readcache_get("list --limit 3", 7, &got), 0);
	ctl_reply_free(&got);
	ck_assert_int_eq(cn_readcache_get("list --limit 4", 7, &got), -1);
}
END_TEST

START_TEST(test_stale)
{
	struct ctl_reply put, got;

	cn_readcache_clear();
	reply_of(&put, 1, "OK 1 entries, 0 hidden");
	cn_readcache_put("list", 1, &put);
	ck_assert_int_eq(cn_readcache_get("list", 2, &got), -1);
	cn_readcache_put("list", 2, &put);
	cn_readcache_clear();
	ck_assert_int_eq(cn_readcache_get("list", 2, &got), -1);
	cn_readcache_put("list", 2, &put);
	usleep((CN_READCACHE_MS + 100) * 1000);
	ck_assert_int_eq(cn_readcache_get("list", 2, &got), -1);
	ctl_reply_free(&put);
}
END_TEST

START_TEST(test_not_kept)
{
	struct ctl_reply put, got;

	cn_readcache_clear();
	reply_of(&put, 0, "ERR list: bad option");
	cn_readcache_put("list --bad", 1, &put);
	ctl_reply_free(&put);
	ck_assert_int_eq(cn_readcache_get("list --bad", 1, &got), -1);
	reply_of(&put, 2001, "OK 2001 entries, 0 hidden");
	cn_readcache_put("list --all", 1, &put);
	ctl_reply_free(&put);
	ck_assert_int_eq(cn_readcache_get("list --all", 1, &got), -1);
}
END_TEST

START_TEST(test_slots_reused)
{
	struct ctl_reply put, got;
	char req[32];
	int i, hits = 0;

	cn_readcache_clear();
	reply_of(&put, 1, "OK 1 entries, 0 hidden");
	for (i = 0; i < 40; i++) {
		snprintf(req, sizeof(req), "list --offset %d", i);
		cn_readcache_put(req, 1, &put);
	}
	ctl_reply_free(&put);
	for (i = 0; i < 40; i++) {
		snprintf(req, sizeof(req), "list --offset %d", i);
		if (cn_readcache_get(req, 1, &got) == 0) {
			hits++;
			ctl_reply_free(&got);
		}
	}
	ck_assert_int_gt(hits, 0);
	ck_assert_int_le(hits, 16);
	/* the newest is among those kept */
	ck_assert_int_eq(cn_readcache_get("list --offset 39", 1, &got), 0);
	ctl_reply_free(&got);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("console_readcache");
	TCase *tc = tcase_create("readcache");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_hit_is_a_copy);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_not_kept);
	tcase_add_test(tc, test_slots_reused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
