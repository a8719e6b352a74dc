/*
 * NAME
 *	check_state_line - unit tests for milter/store/snapshot/state_line.c
 * SYNOPSIS
 *	t/store/check_state_line
 * DESCRIPTION
 *	The line format of "loopguardctl state export/import": records
 *	written and read back unchanged (text with tabs, newlines,
 *	backslashes, control bytes, bytes that are not UTF-8, the largest
 *	key and fields, negative and extreme numbers); the format line
 *	and other versions; a table of bad lines, each refused with the
 *	message that names its field; comments; an expired record flagged;
 *	over-long fields cut by the writer so what it writes still reads;
 *	and the line length bound.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_line.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))
#define NOW	((time_t) 1700000000)

static char big_key[LG_STORE_KEY_MAX + 1];
static char big_field[LG_STORE_FIELD_MAX + 1];
static char hostile[LG_STORE_FIELD_MAX + 1];

/* fill - the large and hostile strings of the round trip table */
static void fill(void)
{
	int i;

	memset(big_key, 'k', LG_STORE_KEY_MAX);
	memset(big_field, 'f', LG_STORE_FIELD_MAX);
	for (i = 0; i < LG_STORE_FIELD_MAX; i++)	/* every byte but NUL */
		hostile[i] = (char) (i % 255 + 1);
}

struct trip {
	const char *key, *plugin, *from, *to, *client, *status;
	long long count, size;
	long long created, expires;
};

static const struct trip trips[] = {
	{ "bounce:sent:a@b", "bounce", "alice@example.com", "", "", "",
	  1, -1, NOW - 10, NOW + 1209600 },
	{ "harvest:net:192.0.2.10/32", "harvest", "p@x", "u4@example.com",
	  "192.0.2.10/32", "blocked", 4, 0, NOW, NOW + 3600 },
	{ "tab\there", "p", "new\nline", "cr\rx", "back\\slash", "bell\007",
	  INT64_MAX, INT64_MAX, 0, 4294967295LL },
	{ "k", "", "caf\xc3\xa9 \xff\xfe", "\xc2\x9b", "\x1b[31m", "s p a c e",
	  INT64_MIN, 0, 1, NOW + 1 },
	{ NULL /* big_key */, "plugin", NULL /* big_field */, NULL, NULL,
	  NULL, -5, 12345, NOW, NOW + 60 },
};

/* trip_record - a table row as a record (the big strings filled in) */
static void trip_record(const struct trip *t, struct lg_store_record *r)
{
	r->key = t->key ? t->key : big_key;
	r->plugin = t->plugin;
	r->from = t->from ? t->from : big_field;
	r->to = t->to ? t->to : hostile;
	r->client = t->client ? t->client : big_field;
	r->status = t->status ? t->status : hostile;
	r->count = t->count;
	r->size = t->size;
	r->created = (time_t) t->created;
	r->expires = (time_t) t->expires;
}

START_TEST(round_trip)
{
	static char line[LG_STATE_LINE_MAX + 1];
	static struct lg_state_line out;
	struct lg_store_record r;
	char err[512] = "";
	size_t n;

	fill();
	trip_record(&trips[_i], &r);
	n = lg_state_format(&r, line, sizeof(line));
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(strlen(line), n);
	ck_assert_ptr_null(memchr(line, '\n', n));
	ck_assert_int_eq(lg_state_parse(line, n, NOW, &out, err,
					sizeof(err)), 1);
	ck_assert_str_eq(out.rec.key, r.key);
	ck_assert_str_eq(out.rec.plugin, r.plugin);
	ck_assert_str_eq(out.rec.from, r.from);
	ck_assert_str_eq(out.rec.to, r.to);
	ck_assert_str_eq(out.rec.client, r.client);
	ck_assert_str_eq(out.rec.status, r.status);
	ck_assert(out.rec.count == r.count);
	ck_assert(out.rec.size == r.size);
	ck_assert(out.rec.created == r.created);
	ck_assert(out.rec.expires == r.expires);
	ck_assert_int_eq(out.expired, 0);
}
END_TEST

struct bad_case {
	const char *line;
	const char *err;	/* a part of the message */
};

#define E(k, c, s, cr, ex) "entry\t" k "\tp\t" c "\t" s "\t" cr "\t" ex \
	"\tf\tt\tc\ts"

static const struct bad_case bads[] = {
	{ "entr\tk", "unknown line" },
	{ "OK 3 entries", "unknown line" },
	{ ".", "unknown line" },
	{ "entry\tk\tp\t1", "4 tab-separated fields, expected 11" },
	{ E("k", "1", "0", "0", "1800000000") "\textra",
	  "more than 11 tab-separated fields" },
	{ E("", "1", "0", "0", "1800000000"), "field 2 (key): empty" },
	{ E("k", "x", "0", "0", "1800000000"), "field 4 (count): not a number" },
	{ E("k", "", "0", "0", "1800000000"), "field 4 (count): not a number" },
	{ E("k", "-", "0", "0", "1800000000"), "field 4 (count): not a number" },
	{ E("k", "1 ", "0", "0", "1800000000"), "field 4 (count)" },
	{ E("k", "+1", "0", "0", "1800000000"), "field 4 (count)" },
	{ E("k", "9223372036854775808", "0", "0", "1800000000"),
	  "field 4 (count)" },
	{ E("k", "1", "-2", "0", "1800000000"), "field 5 (size)" },
	{ E("k", "1", "0", "-1", "1800000000"), "field 6 (created)" },
	{ E("k", "1", "0", "0", "4294967296"), "field 7 (expires)" },
	{ E("k", "1", "0", "0", "0x10"), "field 7 (expires)" },
	{ E("a\\q", "1", "0", "0", "1800000000"), "field 2 (key): bad escape" },
	{ E("a\\", "1", "0", "0", "1800000000"), "field 2 (key): bad escape" },
	{ E("a\\x4", "1", "0", "0", "1800000000"), "field 2 (key): bad escape" },
	{ E("a\\xzz", "1", "0", "0", "1800000000"), "bad escape" },
	{ E("a\\x00b", "1", "0", "0", "1800000000"), "\\x00 is not allowed" },
	{ E("a\rb", "1", "0", "0", "1800000000"), "control byte 0x0d" },
	{ E("a\033b", "1", "0", "0", "1800000000"), "control byte 0x1b" },
	{ E("a\177b", "1", "0", "0", "1800000000"), "control byte 0x7f" },
};

START_TEST(bad_lines)
{
	static struct lg_state_line out;
	const struct bad_case *c = &bads[_i];
	char err[512] = "";

	ck_assert_int_eq(lg_state_parse(c->line, strlen(c->line), NOW, &out,
					err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, c->err) != NULL, "line \"%s\": error \"%s\","
		      " wanted \"%s\"", c->line, err, c->err);
	ck_assert_ptr_null(out.rec.key);
}
END_TEST

START_TEST(field_bounds)
{
	static char line[LG_STATE_LINE_MAX + 64];
	static struct lg_state_line out;
	char err[512] = "";
	size_t n;

	/* one byte past each limit, escaped or raw, is refused */
	n = (size_t) snprintf(line, sizeof(line), "entry\t");
	memset(line + n, 'k', LG_STORE_KEY_MAX + 1);
	n += LG_STORE_KEY_MAX + 1;
	n += (size_t) snprintf(line + n, sizeof(line) - n,
			       "\tp\t1\t0\t0\t1800000000\t\t\t\t");
	ck_assert_int_eq(lg_state_parse(line, n, NOW, &out, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "field 2 (key): longer than 1024"));

	n = (size_t) snprintf(line, sizeof(line), "entry\tk\t");
	for (int i = 0; i <= LG_STORE_PLUGIN_MAX; i++)
		n += (size_t) snprintf(line + n, sizeof(line) - n, "\\x41");
	n += (size_t) snprintf(line + n, sizeof(line) - n,
			       "\t1\t0\t0\t1800000000\t\t\t\t");
	ck_assert_int_eq(lg_state_parse(line, n, NOW, &out, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "field 3 (plugin): longer than 64"));

	/* a line longer than the bound is refused before it is read */
	memset(line, 'x', LG_STATE_LINE_MAX + 1);
	ck_assert_int_eq(lg_state_parse(line, LG_STATE_LINE_MAX + 1, NOW, &out,
					err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "line too long"));
}
END_TEST

START_TEST(writer_cuts)
{
	static char line[LG_STATE_LINE_MAX + 1];
	static char longer[LG_STORE_FIELD_MAX * 2];
	static struct lg_state_line out;
	struct lg_store_record r = { 0 };
	char err[512] = "", small[16];

	memset(longer, 'z', sizeof(longer) - 1);
	r.key = "k";
	r.plugin = longer;
	r.from = longer;
	r.expires = NOW + 5;
	ck_assert_uint_gt(lg_state_format(&r, line, sizeof(line)), 0);
	ck_assert_int_eq(lg_state_parse(line, strlen(line), NOW, &out, err,
					sizeof(err)), 1);
	ck_assert_uint_eq(strlen(out.rec.plugin), LG_STORE_PLUGIN_MAX);
	ck_assert_uint_eq(strlen(out.rec.from), LG_STORE_FIELD_MAX);
	ck_assert_str_eq(out.rec.to, "");
	/* a buffer too small, an empty or long key: nothing written */
	ck_assert_uint_eq(lg_state_format(&r, small, sizeof(small)), 0);
	ck_assert_str_eq(small, "");
	r.key = "";
	ck_assert_uint_eq(lg_state_format(&r, line, sizeof(line)), 0);
	memset(longer, 'k', LG_STORE_KEY_MAX + 1);
	longer[LG_STORE_KEY_MAX + 1] = 0;
	r.key = longer;
	ck_assert_uint_eq(lg_state_format(&r, line, sizeof(line)), 0);
	/* times outside the stores' range are clamped */
	r.key = "k";
	r.plugin = r.from = "";
	r.created = -5;
	r.expires = (time_t) 5000000000LL;
	ck_assert_uint_gt(lg_state_format(&r, line, sizeof(line)), 0);
	ck_assert_int_eq(lg_state_parse(line, strlen(line), NOW, &out, err,
					sizeof(err)), 1);
	ck_assert(out.rec.created == 0);
	ck_assert(out.rec.expires == (time_t) 4294967295LL);
}
END_TEST

START_TEST(header_and_comments)
{
	static struct lg_state_line out;
	char err[512] = "";
	const char *l;

	ck_assert_int_eq(lg_state_header(LG_STATE_HEADER,
					 strlen(LG_STATE_HEADER), err,
					 sizeof(err)), 0);
	l = "loopguard-state\t2";
	ck_assert_int_eq(lg_state_header(l, strlen(l), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "format version 2 is not supported"));
	l = "LGSNAP\r\n";
	ck_assert_int_eq(lg_state_header(l, strlen(l), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a loopguard state file"));
	ck_assert_int_eq(lg_state_header("", 0, err, sizeof(err)), -1);
	ck_assert_int_eq(lg_state_parse("", 0, NOW, &out, err, sizeof(err)), 0);
	l = "# exported from mx1";
	ck_assert_int_eq(lg_state_parse(l, strlen(l), NOW, &out, err,
					sizeof(err)), 0);
}
END_TEST

START_TEST(expired_flagged)
{
	static struct lg_state_line out;
	const char *l = E("k", "1", "0", "1", "1700000000");
	char err[512] = "";

	ck_assert_int_eq(lg_state_parse(l, strlen(l), NOW, &out, err,
					sizeof(err)), 1);
	ck_assert_int_eq(out.expired, 1);
	ck_assert_int_eq(lg_state_parse(l, strlen(l), NOW - 1, &out, err,
					sizeof(err)), 1);
	ck_assert_int_eq(out.expired, 0);
}
END_TEST

/* state_line_suite - the cases above */
static Suite *state_line_suite(void)
{
	Suite *s = suite_create("state_line");
	TCase *tc = tcase_create("format");

	tcase_add_loop_test(tc, round_trip, 0, N(trips));
	tcase_add_loop_test(tc, bad_lines, 0, N(bads));
	tcase_add_test(tc, field_bounds);
	tcase_add_test(tc, writer_cuts);
	tcase_add_test(tc, header_and_comments);
	tcase_add_test(tc, expired_flagged);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(state_line_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
