/*
 * NAME
 *	check_recipients - unit tests for milter/directory/recipients.c:
 *	lookups
 * SYNOPSIS
 *	t/directory/check_recipients
 * DESCRIPTION
 *	A table of lookups under each case and delimiter setting, the
 *	count of entries, suggestions per domain, and concurrent readers.
 *	Adding entries and loading files are in check_recipients_load.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipients.h"
#include "recipients_cases.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/* The directory every lookup case runs against. */
static const char *standard[] = {
	"user@example.com", "First.Last@Example.COM", "bob@example.org.",
	"@wild.example", "owner@example.com", "owner-team@example.com",
	"list@example.com", "mailer@example.com", "a#b@example.com",
	"j\xc3\xb6" "e@ex\xc3\xa4mple.com", "lit@[192.0.2.1]",
};

/* load_standard - a directory with the entries above */
static struct lg_recipients *load_standard(int cs, const char *delim)
{
	struct lg_recipients *r = lg_recipients_new(cs, delim);
	int i;

	ck_assert_ptr_nonnull(r);
	for (i = 0; i < N(standard); i++)
		ck_assert_msg(lg_recipients_add(r, standard[i]) == 0,
			      "add %s", standard[i]);
	ck_assert_uint_eq(lg_recipients_count(r), N(standard));
	return r;
}

static const struct {
	int cs;					/* case_sensitive_local */
	const char *delim;
	const char *local;
	const char *domain;
	int want;
} lookups[] = {
	{ 0, "+", "user", "example.com", 1 },
	{ 0, "+", "USER", "EXAMPLE.COM", 1 },
	{ 0, "+", "user", "Example.Com.", 1 },
	{ 0, "+", "user+tag", "example.com", 1 },
	{ 0, "+", "User+Tag", "example.com", 1 },
	{ 0, "+", "user+", "example.com", 1 },
	{ 0, "+", "user+a+b", "example.com", 1 },
	{ 0, "+", "+user", "example.com", 0 },	/* never a leading cut */
	{ 0, "+", "user-tag", "example.com", 0 },
	{ 0, "+", "users", "example.com", 0 },
	{ 0, "+", "use", "example.com", 0 },
	{ 0, "+", "user", "example.net", 0 },
	{ 0, "+", "user", "sub.example.com", 0 },
	{ 0, "+", "nobody", "example.com", 0 },
	{ 0, "+", "first.last", "example.com", 1 },
	{ 0, "+", "FIRST.LAST+x", "example.com", 1 },
	{ 0, "+", "bob", "example.org", 1 },	/* stored without the dot */
	{ 0, "+", "a#b", "example.com", 1 },
	{ 0, "+", "a", "example.com", 0 },
	{ 0, "+", "j\xc3\xb6" "e", "ex\xc3\xa4mple.com", 1 },
	{ 0, "+", "J\xc3\xb6" "E+x", "EX\xc3\xa4MPLE.COM", 1 },
	{ 0, "+", "lit", "[192.0.2.1]", 1 },
	{ 0, "+", "anyone", "wild.example", 1 },
	{ 0, "+", "Anyone+x", "WILD.EXAMPLE.", 1 },
	{ 0, "+", "anyone", "sub.wild.example", 0 },
	{ 0, "+", "anyone", "wild.example.com", 0 },
	{ 0, "+", "", "example.com", 0 },
	{ 0, "+", "", "wild.example", 0 },
	{ 0, "+", "user", "", 0 },
	{ 0, "+", "user", ".", 0 },
	{ 0, "+", NULL, "example.com", 0 },
	{ 0, "+", "user", NULL, 0 },
	/* the local part's case counts */
	{ 1, "+", "First.Last", "example.com", 1 },
	{ 1, "+", "First.Last", "EXAMPLE.com", 1 },
	{ 1, "+", "First.Last+Tag", "example.com", 1 },
	{ 1, "+", "first.last", "example.com", 0 },
	{ 1, "+", "FIRST.LAST", "example.com", 0 },
	{ 1, "+", "user", "Example.COM", 1 },
	{ 1, "+", "USER", "example.com", 0 },
	{ 1, "+", "User+x", "example.com", 0 },
	{ 1, "+", "Anyone", "Wild.Example", 1 },
	/* several delimiters, and what Postfix never splits */
	{ 0, "+-", "user-tag", "example.com", 1 },
	{ 0, "+-", "user+tag", "example.com", 1 },
	{ 0, "+-", "user-a+b", "example.com", 1 },
	{ 0, "+-", "user+a-b", "example.com", 1 },
	{ 0, "+-", "userx-a", "example.com", 0 },
	{ 0, "+-", "owner-list", "example.com", 0 },	/* not "owner" */
	{ 0, "+-", "owner-team", "example.com", 1 },	/* listed */
	{ 0, "+-", "Owner-Team", "example.com", 1 },
	{ 0, "+-", "list-request", "example.com", 0 },	/* not "list" */
	{ 0, "+-", "list-REQUEST", "example.com", 0 },
	{ 0, "+-", "list-requests", "example.com", 1 },
	{ 0, "+-", "list+request", "example.com", 1 },
	{ 0, "+-", "mailer-daemon", "example.com", 0 },	/* not "mailer" */
	{ 0, "+-", "mailer-x", "example.com", 1 },
	{ 0, "-", "user+tag", "example.com", 0 },
	{ 0, "-", "user-tag", "example.com", 1 },
	{ 0, "-", "owner-list", "example.com", 0 },
	{ 0, "+", "owner+list", "example.com", 1 },
	{ 0, "+", "list-request", "example.com", 0 },
	/* no delimiter: no extensions */
	{ 0, "", "user+tag", "example.com", 0 },
	{ 0, "", "user", "example.com", 1 },
	{ 0, NULL, "user+tag", "example.com", 0 },
	{ 0, NULL, "USER", "example.com", 1 },
};

START_TEST(test_lookup)
{
	struct lg_recipients *r = load_standard(lookups[_i].cs,
						lookups[_i].delim);
	int got = lg_recipients_exists(r, lookups[_i].local,
				       lookups[_i].domain);

	ck_assert_msg(got == lookups[_i].want,
		      "cs=%d delim=\"%s\" %s @ %s: %d, want %d", lookups[_i].cs,
		      lookups[_i].delim ? lookups[_i].delim : "(null)",
		      lookups[_i].local ? lookups[_i].local : "(null)",
		      lookups[_i].domain ? lookups[_i].domain : "(null)", got,
		      lookups[_i].want);
	lg_recipients_free(&r);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_count)
{
	struct lg_recipients *ci = lg_recipients_new(0, "+");
	struct lg_recipients *cs = lg_recipients_new(1, "+");
	static const char *list[] = {
		"user@example.com", "USER@example.com", "user@EXAMPLE.COM.",
		"User@example.com", "@example.com", "@Example.Com",
		"user+x@example.com",
	};
	int i;

	for (i = 0; i < N(list); i++) {
		ck_assert_int_eq(lg_recipients_add(ci, list[i]), 0);
		ck_assert_int_eq(lg_recipients_add(cs, list[i]), 0);
	}
	/* user, @example.com, user+x */
	ck_assert_uint_eq(lg_recipients_count(ci), 3);
	/* user, USER, User, @example.com, user+x */
	ck_assert_uint_eq(lg_recipients_count(cs), 5);
	ck_assert_uint_eq(lg_recipients_count(NULL), 0);
	ck_assert_int_eq(lg_recipients_exists(NULL, "user", "example.com"), 0);
	lg_recipients_free(&ci);
	lg_recipients_free(&cs);
}
END_TEST

/* What collect saw. */
struct seen {
	char names[16][32];
	int n;
	int stop_after;
};

/* collect - remember each local part; stop after stop_after of them */
static int collect(void *arg, const char *local)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 16);
	snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", local);
	return s->stop_after && s->n >= s->stop_after ? 42 : 0;
}

/* by_name - qsort order of the names collect saw */
static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(test_each_in_domain)
{
	static const char *const listed[] = {
		"a#b", "first.last", "list", "mailer", "owner", "owner-team",
		"user",
	};
	struct lg_recipients *r = load_standard(0, "+");
	struct seen s;
	int i;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(lg_recipients_each_in_domain(r, "Example.COM.",
						      collect, &s), 0);
	qsort(s.names, (size_t) s.n, sizeof(s.names[0]), by_name);
	ck_assert_int_eq(s.n, N(listed));
	for (i = 0; i < N(listed); i++)
		ck_assert_str_eq(s.names[i], listed[i]);

	memset(&s, 0, sizeof(s));		/* wildcards are not listed */
	ck_assert_int_eq(lg_recipients_each_in_domain(r, "wild.example",
						      collect, &s), 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(lg_recipients_each_in_domain(r, "nowhere.example",
						      collect, &s), 0);
	ck_assert_int_eq(s.n, 0);

	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	ck_assert_int_eq(lg_recipients_each_in_domain(r, "example.com",
						      collect, &s), 42);
	ck_assert_int_eq(s.n, 2);

	ck_assert_int_eq(lg_recipients_each_in_domain(r, NULL, collect, &s),
			 -1);
	ck_assert_int_eq(lg_recipients_each_in_domain(r, "x", NULL, &s), -1);
	ck_assert_int_eq(lg_recipients_each_in_domain(NULL, "x", collect, &s),
			 -1);
	lg_recipients_free(&r);
}
END_TEST


/* Readers share one loaded directory without a lock. */
static struct lg_recipients *shared;

/* reader - look up present and absent names; the count of wrong answers */
static void *reader(void *arg)
{
	unsigned i, seed = (unsigned) (size_t) arg, bad = 0;
	char local[32], domain[32];

	for (i = 0; i < 200000; i++) {
		unsigned k = (seed + i * 7919) % 20000;

		big_name(k, local, domain);
		if (lg_recipients_exists(shared, local, domain) != (k < 10000))
			bad++;
	}
	return (void *) (size_t) bad;
}

START_TEST(test_threads)
{
	pthread_t t[4];
	char local[32], domain[32], entry[80];
	void *bad;
	unsigned i;

	shared = lg_recipients_new(0, "+");
	for (i = 0; i < 10000; i++) {
		big_name(i, local, domain);
		snprintf(entry, sizeof(entry), "%s@%s", local, domain);
		ck_assert_int_eq(lg_recipients_add(shared, entry), 0);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, reader,
						(void *) (size_t) i), 0);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], &bad), 0);
		ck_assert_ptr_null(bad);	/* no wrong answer */
	}
	lg_recipients_free(&shared);
}
END_TEST

/* recipients_suite - lookups, entries, files, scale */
/* recipients_suite - lookups */
static Suite *recipients_suite(void)
{
	Suite *s = suite_create("recipients");
	TCase *tc;

	tc = tcase_create("lookup");
	tcase_add_loop_test(tc, test_lookup, 0, N(lookups));
	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_each_in_domain);
	tcase_add_test(tc, test_threads);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(recipients_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
