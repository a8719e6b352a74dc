/*
 * NAME
 *	check_console_buf - unit tests for console/console_buf.c
 * SYNOPSIS
 *	t/console/check_console_buf
 * DESCRIPTION
 *	HTML escaping (each of & < > " ' and text around them, an
 *	attack string that tries to leave an attribute or open a script),
 *	JSON strings (quotes, backslashes, control bytes as \uXXXX,
 *	U+2028/U+2029, valid UTF-8 kept, each kind of invalid byte as
 *	U+FFFD), printf, and the cap: a buffer that would grow past its
 *	limit is marked nomem and stays usable for cn_buf_free.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

struct esc_case {
	const char *in, *out;
};

static const struct esc_case html[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "a&b", "a&amp;b" },
	{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "\" onmouseover=\"x", "&quot; onmouseover=&quot;x" },
	{ "it's", "it&#39;s" },
	{ "&amp;", "&amp;amp;" },
	{ "caf\xc3\xa9 <b>", "caf\xc3\xa9 &lt;b&gt;" },
};

START_TEST(test_html)
{
	struct cn_buf b = { 0 };

	cn_buf_html(&b, html[_i].in);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_str_eq(b.data, html[_i].out);
	ck_assert_uint_eq(b.len, strlen(html[_i].out));
	cn_buf_free(&b);
}
END_TEST

static const struct esc_case json[] = {
	{ "", "\"\"" },
	{ "plain", "\"plain\"" },
	{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
	{ "line\nbreak\r\ttab", "\"line\\nbreak\\r\\ttab\"" },
	{ "\001\037\177", "\"\\u0001\\u001f\\u007f\"" },
	{ "</script>", "\"</script>\"" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
	{ "\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"" },
	{ "bad\xff", "\"bad\\ufffd\"" },
	{ "\x80x", "\"\\ufffdx\"" },				/* lone continuation */
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },			/* overlong */
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },	/* > U+10FFFF */
	{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },			/* cut short */
};

START_TEST(test_json)
{
	struct cn_buf b = { 0 };

	cn_buf_json(&b, json[_i].in);
	ck_assert_str_eq(b.data, json[_i].out);
	cn_buf_free(&b);
}
END_TEST

START_TEST(test_addf_grows)
{
	struct cn_buf b = { 0 };
	int i;

	for (i = 0; i < 1000; i++)
		cn_buf_addf(&b, "%d,", i);
	ck_assert(!b.nomem);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	ck_assert(strstr(b.data, ",999,") != NULL);
	cn_buf_add(&b, "xyz", 2);
	ck_assert(b.data[b.len - 1] == 'y' && b.data[b.len] == 0);
	cn_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_cap)
{
	struct cn_buf b = { 0 };
	size_t big = 65u * 1024 * 1024;

	cn_buf_adds(&b, "start");
	cn_buf_add(&b, "x", big);	/* never read: refused before */
	ck_assert(b.nomem);
	cn_buf_adds(&b, "more");
	ck_assert(b.nomem);
	ck_assert_uint_eq(b.len, 5);
	cn_buf_free(&b);
	ck_assert(!b.nomem);
	cn_buf_adds(&b, "again");
	ck_assert_str_eq(b.data, "again");
	cn_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("console_buf");
	TCase *tc = tcase_create("buf");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_html, 0, N(html));
	tcase_add_loop_test(tc, test_json, 0, N(json));
	tcase_add_test(tc, test_addf_grows);
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
