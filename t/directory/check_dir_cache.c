/*
 * NAME
 *	check_dir_cache - unit tests for milter/directory/dir_cache.c
 * DESCRIPTION
 *	Positive and negative answers age apart, a failure is never kept,
 *	the cache never holds more than its bound however many keys pass
 *	through it, and the counts add up.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dir_cache.h"

static struct lg_dir_cache *c;

static void setup(void)
{
	c = lg_dir_cache_new(4, 600, 60);
	ck_assert_ptr_nonnull(c);
}

static void teardown(void)
{
	lg_dir_cache_free(&c);
	ck_assert_ptr_null(c);
}

START_TEST(answers_age_apart)
{
	lg_dir_cache_put(c, "bob@example.com", LG_DIR_YES, 1000);
	lg_dir_cache_put(c, "eve@example.com", LG_DIR_NO, 1000);
	ck_assert_int_eq(lg_dir_cache_get(c, "bob@example.com", 1059), LG_DIR_YES);
	ck_assert_int_eq(lg_dir_cache_get(c, "eve@example.com", 1059), LG_DIR_NO);
	ck_assert_int_eq(lg_dir_cache_get(c, "eve@example.com", 1060), LG_DIR_CACHE_MISS);
	ck_assert_int_eq(lg_dir_cache_get(c, "bob@example.com", 1599), LG_DIR_YES);
	ck_assert_int_eq(lg_dir_cache_get(c, "bob@example.com", 1600), LG_DIR_CACHE_MISS);
	/* a newer answer replaces the old one */
	lg_dir_cache_put(c, "bob@example.com", LG_DIR_NO, 2000);
	ck_assert_int_eq(lg_dir_cache_get(c, "bob@example.com", 2001), LG_DIR_NO);
}
END_TEST

START_TEST(a_failure_is_never_kept)
{
	lg_dir_cache_put(c, "bob@example.com", LG_DIR_FAIL, 1000);
	ck_assert_int_eq(lg_dir_cache_get(c, "bob@example.com", 1000), LG_DIR_CACHE_MISS);
}
END_TEST

/* many distinct keys (a harvester's): the bound holds, and what was
 * put last is there */
START_TEST(the_bound_holds)
{
	unsigned long long hits, misses;
	size_t entries;
	char key[64];
	int i;

	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "probe%d@example.com", i);
		lg_dir_cache_put(c, key, LG_DIR_NO, 1000 + i / 100);
	}
	lg_dir_cache_counts(c, &hits, &misses, &entries);
	ck_assert_uint_eq(entries, 4);
	ck_assert_int_eq(lg_dir_cache_get(c, "probe9999@example.com", 1100), LG_DIR_NO);
	ck_assert_int_eq(lg_dir_cache_get(c, "probe1@example.com", 1100), LG_DIR_CACHE_MISS);
	lg_dir_cache_counts(c, &hits, &misses, &entries);
	ck_assert_uint_eq(hits, 1);
	ck_assert_uint_eq(misses, 1);
}
END_TEST

START_TEST(odd_sizes)
{
	char big[700];

	ck_assert_ptr_null(lg_dir_cache_new(0, 600, 60));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	lg_dir_cache_put(c, big, LG_DIR_YES, 1000);
	ck_assert_int_eq(lg_dir_cache_get(c, big, 1000), LG_DIR_CACHE_MISS);
	ck_assert_int_eq(lg_dir_cache_get(NULL, "x", 1000), LG_DIR_CACHE_MISS);
	lg_dir_cache_put(NULL, "x", LG_DIR_YES, 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dir_cache");
	TCase *tc = tcase_create("dir_cache");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, answers_age_apart);
	tcase_add_test(tc, a_failure_is_never_kept);
	tcase_add_test(tc, the_bound_holds);
	tcase_add_test(tc, odd_sizes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
