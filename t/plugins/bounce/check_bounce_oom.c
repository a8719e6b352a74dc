/*
 * NAME
 *	check_bounce_oom - the bounce plugin out of memory
 * DESCRIPTION
 *	malloc is wrapped (-Wl,--wrap: the core's arena calls it): while
 *	the body of a bounce is kept, the block that would hold more
 *	cannot be had, and the block in use ends at a page no one may
 *	read. What was kept is judged, and not a byte past it is read.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bounce_fixture.h"
#include "bounce_shapes.h"

static struct fh *h;

/* While oom is set, the arena's blocks of 30000 to 60000 bytes end at
 * a page that cannot be read, and bigger ones cannot be had. */
void *__real_malloc(size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void __wrap_free(void *p);

static int oom;
static struct {
	void *map, *p;
	size_t len;
} guarded[8];

void *__wrap_malloc(size_t size)
{
	size_t page = (size_t) sysconf(_SC_PAGESIZE), len, i;
	char *map;

	if (!oom || size < 30000)
		return __real_malloc(size);
	if (size > 60000)
		return NULL;
	for (i = 0; i < 8 && guarded[i].map; i++)
		;
	len = (size + page - 1) / page * page + page;
	if (i == 8 || (map = mmap(NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) ==
	    MAP_FAILED)
		return NULL;
	mprotect(map + len - page, page, PROT_NONE);
	guarded[i].map = map;
	guarded[i].len = len;
	guarded[i].p = map + len - page - size;
	return guarded[i].p;
}

void __wrap_free(void *p)
{
	size_t i;

	for (i = 0; p && i < 8; i++)
		if (guarded[i].map && guarded[i].p == p) {
			munmap(guarded[i].map, guarded[i].len);
			guarded[i].map = NULL;
			return;
		}
	__real_free(p);
}

/* The body kept grows 16 KiB, 32 KiB, 64 KiB...: the 64 KiB block
 * cannot be had, so the first 20 KiB (which return a sent message)
 * are what is judged. */
START_TEST(body_kept_without_memory)
{
	static const char *const rcpts[] = { "<alice@example.com>", NULL };
	char *chunk = malloc(20001);
	size_t n;

	ck_assert_ptr_nonnull(chunk);
	h = bf_host(NULL);
	ck_assert_int_eq(bf_submit(h, SENT_ID), LG_CONTINUE);
	fh_connect(h, "192.0.2.7");
	fh_log_reset();
	ck_assert_int_eq(fh_mail(h, "<>"), LG_CONTINUE);
	ck_assert_int_eq(fh_rcpt(h, rcpts[0]), LG_CONTINUE);
	fh_header(h, "Content-Type", RPT);
	fh_eoh(h);
	n = (size_t) snprintf(chunk, 20001, "%s%s", STATUS,
			      "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
			      ORIG(SENT_ID) "\r\n");
	memset(chunk + n, 'x', 20000 - n);
	chunk[20000] = 0;
	oom = 1;
	fh_body(h, chunk);		/* kept in 32 KiB */
	fh_body(h, chunk);		/* 64 KiB: no memory */
	fh_body(h, chunk);
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	oom = 0;
	ck_assert_ptr_nonnull(strstr(fh_log(), "out of memory; body kept so far is used"));
	ck_assert_ptr_nonnull(strstr(fh_log(), "bounce answers <" SENT_ID ">"));
	free(chunk);
}
END_TEST

static void teardown(void)
{
	fh_free(&h);
}

int main(void)
{
	Suite *s = suite_create("bounce_oom");
	TCase *tc = tcase_create("oom");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, body_kept_without_memory);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
