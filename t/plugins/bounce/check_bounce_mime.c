/*
 * NAME
 *	check_bounce_mime - the bounce plugin's MIME walker alone
 * DESCRIPTION
 *	What each shape of bounce_shapes.h yields, every prefix of every
 *	shape and pseudo-random damage (run under ASan: buffers are
 *	allocated to the exact length), and Message-ID extraction.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "bounce_shapes.h"

/* What the walker finds in each shape: the id, or "" */
START_TEST(shape_ids)
{
	const struct shape *c = &shapes[_i];
	struct bounce_original o;
	int found = bounce_find_original(c->ctype, NULL, c->body, strlen(c->body),
					 &o);

	if (c->verdict == LG_CONTINUE) {
		ck_assert_msg(found == 1, "%s: nothing found", c->name);
		ck_assert_msg(strcmp(o.message_id, SENT_ID) == 0,
			      "%s: id \"%s\"", c->name, o.message_id);
	} else if (c->verdict == LG_DISCARD) {
		ck_assert_msg(found == 1 && o.null_sender, "%s: no null sender",
			      c->name);
	} else {
		ck_assert_msg(strcmp(o.message_id, SENT_ID) != 0,
			      "%s: found the sent id", c->name);
	}
}
END_TEST

/* The kind of original the walker finds in a shape (NULL: no body). */
static const char *const kind_cases[][2] = {
	{ "rfc3464 message/rfc822, sent here", "rfc822" },
	{ "rfc3464 text/rfc822-headers", "rfc822-headers" },
	{ "qmail inline copy", "inline" },
	{ "MDN with only Original-Message-ID", "mdn" },
	{ NULL, "none" },
};

START_TEST(kinds)
{
	struct bounce_original o;
	size_t i;

	if (!kind_cases[_i][0]) {
		ck_assert_int_eq(bounce_find_original(NULL, NULL, NULL, 0, &o), 0);
	} else {
		for (i = 0; i < N_SHAPES; i++)
			if (strcmp(shapes[i].name, kind_cases[_i][0]) == 0)
				break;
		ck_assert_uint_lt(i, N_SHAPES);
		bounce_find_original(shapes[i].ctype, NULL, shapes[i].body,
				     strlen(shapes[i].body), &o);
	}
	ck_assert_str_eq(bounce_kind_name(o.kind), kind_cases[_i][1]);
}
END_TEST

/* The parser alone: every prefix of every shape, then pseudo-random
 * damage (bytes changed to CR, LF, '-', '"', ':' or junk), must come
 * back without reading past the end (run it under ASan). */
START_TEST(parser_survives_damage)
{
	static const char junk[] = "\r\n-\":; \t<>\x80\x00B1";
	struct bounce_original o;
	unsigned seed = 12345;
	size_t i, cut, len, k;
	char *copy;

	for (i = 0; i < N_SHAPES; i++) {
		len = strlen(shapes[i].body);
		for (cut = 0; cut <= len; cut++) {
			copy = malloc(cut + 1);	/* exact size: ASan sees overruns */
			ck_assert_ptr_nonnull(copy);
			memcpy(copy, shapes[i].body, cut);
			(void) bounce_find_original(shapes[i].ctype, NULL, copy, cut, &o);
			free(copy);
		}
		for (k = 0; k < 300 && len > 0; k++) {
			size_t j, flips = 1 + (seed >> 8) % 8;

			copy = malloc(len);
			ck_assert_ptr_nonnull(copy);
			memcpy(copy, shapes[i].body, len);
			for (j = 0; j < flips; j++) {
				seed = seed * 1103515245u + 12345u;
				copy[(seed >> 8) % len] =
					junk[(seed >> 20) % (sizeof(junk) - 1)];
			}
			(void) bounce_find_original(shapes[i].ctype, NULL, copy, len, &o);
			ck_assert(strlen(o.message_id) <= BOUNCE_ID_MAX);
			free(copy);
		}
	}
}
END_TEST

struct id_case {
	const char *value;
	const char *id;		/* NULL: unusable */
};

static const struct id_case id_cases[] = {
	{ "<a.b@example.com>", "a.b@example.com" },
	{ "  <a@b>  (comment)", "a@b" },
	{ "a@b", "a@b" },
	{ "a@b trailing", "a@b" },
	{ "<>", NULL },
	{ "<a@b", NULL },
	{ "", NULL },
	{ "   ", NULL },
	{ "<a b@c>", NULL },
	{ "<a\x7f@b>", NULL },
};

START_TEST(message_ids)
{
	const struct id_case *c = &id_cases[_i];
	char buf[BOUNCE_ID_MAX + 1];
	int rc = bounce_message_id(c->value, strlen(c->value), buf,
				   sizeof(buf));

	if (!c->id) {
		ck_assert_msg(rc == -1, "case %d: got \"%s\"", _i, buf);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(buf, c->id);
}
END_TEST

START_TEST(message_id_too_long)
{
	char value[BOUNCE_ID_MAX + 10], buf[BOUNCE_ID_MAX + 1];

	memset(value, 'a', sizeof(value) - 1);
	value[sizeof(value) - 1] = 0;
	ck_assert_int_eq(bounce_message_id(value, strlen(value), buf,
					   sizeof(buf)), -1);
	value[BOUNCE_ID_MAX] = 0;
	ck_assert_int_eq(bounce_message_id(value, strlen(value), buf,
					   sizeof(buf)), 0);
}
END_TEST

static Suite *mime_suite(void)
{
	Suite *s = suite_create("bounce_mime");
	TCase *tc = tcase_create("walker");

	tcase_add_loop_test(tc, shape_ids, 0, (int) N_SHAPES);
	tcase_add_loop_test(tc, kinds, 0,
			    (int) (sizeof(kind_cases) / sizeof(kind_cases[0])));
	tcase_add_test(tc, parser_survives_damage);
	tcase_add_loop_test(tc, message_ids, 0,
			    (int) (sizeof(id_cases) / sizeof(id_cases[0])));
	tcase_add_test(tc, message_id_too_long);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
