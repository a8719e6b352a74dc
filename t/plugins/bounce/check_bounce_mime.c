/*
 * NAME
 *	check_bounce_mime - the bounce plugin's MIME walker alone
 * DESCRIPTION
 *	What each shape of bounce_shapes.h yields, every prefix of every
 *	shape and pseudo-random damage (run under ASan: buffers are
 *	allocated to the exact length), and Message-ID extraction. Then
 *	the parser's parts alone (bounce_impl.h): line ends, transfer
 *	decoding, DSN status values, and one small bounce per class of
 *	shape and decoy.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "bounce_impl.h"
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

/* Line ends: LF, CRLF, lone CR, CR CR LF; the lines joined with '|'. */
static const char *const line_cases[][2] = {
	{ "a\nb\n", "a|b" },
	{ "a\r\nb", "a|b" },
	{ "a\rb\r", "a|b" },
	{ "a\r\rb", "a||b" },
	{ "a\r\r\nb", "a|b" },
	{ "a\r\r\r\r\r\r\r\r\nb", "a|b" },
	{ "a\r\r\r\r\r\r\r\r\r\nb", "a||b" },
	{ "\n\r\n\r", "||" },
	{ "", "" },
};

START_TEST(line_ends)
{
	const char *in = line_cases[_i][0], *line;
	char got[64] = "";
	size_t pos = 0, n, len = strlen(in);
	int first = 1;

	while (bounce_next_line(in, len, &pos, &line, &n)) {
		if (!first)
			strcat(got, "|");
		strncat(got, line, n);
		first = 0;
	}
	ck_assert_str_eq(got, line_cases[_i][1]);
}
END_TEST

struct decode_case {
	const char *cte;
	const char *in;
	const char *out;	/* NULL: not decodable */
};

static const struct decode_case decode_cases[] = {
	{ "quoted-printable", "a=3Db", "a=b" },
	{ "Quoted-Printable", "ab=\r\ncd", "abcd" },
	{ "quoted-printable", "ab= \ncd", "abcd" },
	{ "quoted-printable", "ab=\rcd", "abcd" },
	{ "quoted-printable", "a=zz=4", "a=zz=4" },
	{ "quoted-printable", "end=", "end" },
	{ "base64", "TWVzc2FnZS1JRA==", "Message-ID" },
	{ "base64", "TWVz\r\nc2Fn\nZS1J RA==", "Message-ID" },
	{ "base64", "TWVz*c2Fn", NULL },
	{ "base64", "TWVz==c2Fn", NULL },
	{ "x-uuencode", "abc", NULL },
};

START_TEST(decoding)
{
	const struct decode_case *c = &decode_cases[_i];
	size_t n = strlen(c->in), got;
	char *out = malloc(n ? n : 1);
	int rc;

	ck_assert_ptr_nonnull(out);
	rc = bounce_decode(bounce_cte(c->cte), c->in, n, out, &got);
	if (!c->out) {
		ck_assert_int_eq(rc, -1);
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(got, strlen(c->out));
		ck_assert(memcmp(out, c->out, got) == 0);
	}
	free(out);
}
END_TEST

/* Content-Transfer-Encoding values */
START_TEST(encodings)
{
	ck_assert_int_eq(bounce_cte(NULL), BOUNCE_CTE_IDENTITY);
	ck_assert_int_eq(bounce_cte(" 7BIT "), BOUNCE_CTE_IDENTITY);
	ck_assert_int_eq(bounce_cte("binary"), BOUNCE_CTE_IDENTITY);
	ck_assert_int_eq(bounce_cte("base64 (comment)"), BOUNCE_CTE_BASE64);
	ck_assert_int_eq(bounce_cte("quoted-printable"), BOUNCE_CTE_QP);
	ck_assert_int_eq(bounce_cte("base6"), BOUNCE_CTE_OTHER);
	ck_assert_int_eq(bounce_cte("x-uue"), BOUNCE_CTE_OTHER);
}
END_TEST

static const char *const status_cases[][2] = {
	{ "5.1.1", "5.1.1" },
	{ " 4.4.7 (delayed)", "4.4.7" },
	{ "2.0.0", "2.0.0" },
	{ "5.123.456", "5.123.456" },
	{ "5.1.10", "5.1.10" },
	{ "3.1.1", "" },
	{ "5.1", "" },
	{ "5.1234.1", "" },
	{ "550 5.1.1", "" },
	{ "5.1.1x", "" },
	{ "5..1", "" },
	{ "", "" },
};

START_TEST(statuses)
{
	char buf[BOUNCE_STATUS_MAX + 1];

	(void) bounce_dsn_status(status_cases[_i][0], buf, sizeof(buf));
	ck_assert_str_eq(buf, status_cases[_i][1]);
}
END_TEST

/* One small bounce per class; SENT_ID is the right answer, "" none. */
struct class_case {
	const char *name;
	const char *ctype, *cte, *body;
	const char *id;
};

static const struct class_case class_cases[] = {
	{ "cut header block", RPT, NULL,
	  "--B1\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@example.com\r\n"
	  "Subject: one\r\ntwo\r\nMessage-ID: <" SENT_ID ">\r\n\r\nx\r\n--B1--\r\n",
	  SENT_ID },
	{ "cut block, id only in the body", RPT, NULL,
	  "--B1\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@example.com\r\n"
	  "junk\r\n\r\nMessage-ID: <" OTHER_ID ">\r\n--B1--\r\n", "" },
	{ "quoted-printable soft break", "text/plain", "quoted-printable",
	  "Received: x\r\nMessage-ID: <sent-1.42@exa=\r\nmple.com>\r\n\r\n",
	  SENT_ID },
	{ "base64 body", "text/plain", "base64",
	  "UmVjZWl2ZWQ6IHgNCk1lc3NhZ2UtSUQ6IDxzZW50LTEuNDJAZXhhbXBsZS5jb20+DQoNCg==",
	  SENT_ID },
	{ "base64 text part", "multipart/mixed; boundary=M", NULL,
	  "--M\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	  "UmVjZWl2ZWQ6IHgNCk1lc3NhZ2UtSUQ6IDxzZW50LTEuNDJAZXhhbXBsZS5jb20+DQoNCg==\r\n"
	  "--M--\r\n", SENT_ID },
	{ "indented copy", NULL, NULL,
	  "Loop:\n\n    Received: x\n    \tby y\n    Message-ID: <" SENT_ID ">\n", SENT_ID },
	{ "quoted copy", NULL, NULL,
	  "> Received: x\n> Message-ID: <" SENT_ID ">\n", SENT_ID },
	{ "quoted copy starting with From:", NULL, NULL,
	  "> From: x\n> Received: x\n> Message-ID: <" OTHER_ID ">\n", "" },
	{ "quoted copy with a null sender only", NULL, NULL,
	  "> Return-Path: <>\n> Received: x\n", "" },
	{ "nested quote", NULL, NULL,
	  "> > Received: x\n> > Message-ID: <" OTHER_ID ">\n", "" },
	{ "CR only", NULL, NULL,
	  "text\r\rReceived: x\rMessage-ID: <" SENT_ID ">\r\r", SENT_ID },
	{ "In-Reply-To and References only", RPT, NULL,
	  "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\nIn-Reply-To: <"
	  OTHER_ID ">\r\nReferences: <" OTHER_ID ">\r\n--B1--\r\n", "" },
	{ "returned part wins over an earlier inline copy", RPT, NULL,
	  TEXT "--B1\r\nContent-Type: text/plain\r\n\r\nMessage-ID: <" OTHER_ID
	  ">\r\nDate: x\r\n\r\n--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  ORIG(SENT_ID) "\r\n--B1--\r\n", SENT_ID },
	{ "unknown transfer encoding", "multipart/mixed; boundary=M", NULL,
	  "--M\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uue\r\n\r\n"
	  "Received: x\r\nMessage-ID: <" OTHER_ID ">\r\n--M--\r\n", "" },
	{ "quoted-printable = in the id", "text/plain", "quoted-printable",
	  "Received: x\r\nMessage-ID: <a=3Db@example.com>\r\n\r\n", "a=b@example.com" },
};

START_TEST(classes)
{
	const struct class_case *c = &class_cases[_i];
	struct bounce_original o;
	size_t len = strlen(c->body);
	char *copy = malloc(len ? len : 1);	/* exact size, for ASan */

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, c->body, len);
	ck_assert_int_ge(bounce_find_original(c->ctype, c->cte, copy, len, &o),
			 0);
	free(copy);
	ck_assert_msg(strcmp(o.message_id, c->id) == 0, "%s: id \"%s\"",
		      c->name, o.message_id);
}
END_TEST

/* The DSN fields, also when the returned part comes first. */
START_TEST(dsn_fields)
{
	static const char body[] =
		"--B1\r\nContent-Type: message/rfc822\r\n\r\n" ORIG(SENT_ID)
		"\r\n--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
		"Reporting-MTA: dns; mx.example.net (Postfix)\r\n\r\n"
		"Original-Recipient: rfc822; <bob@example.net>\r\n"
		"Final-Recipient: x400; junk\r\nAction: Failed\r\n"
		"Status: 5.7.1\r\n\r\nFinal-Recipient: rfc822; c@d\r\n"
		"Status: 4.0.0\r\n--B1--\r\n";
	struct bounce_original o;

	ck_assert_int_eq(bounce_find_original(RPT, NULL, body, sizeof(body) - 1,
					      &o), 1);
	ck_assert_str_eq(o.message_id, SENT_ID);
	ck_assert_str_eq(o.reporting_mta, "mx.example.net");
	ck_assert_str_eq(o.final_recipient, "bob@example.net");
	ck_assert_str_eq(o.dsn_action, "failed");
	ck_assert_str_eq(o.status, "5.7.1");
}
END_TEST

/* Hostile bodies of BOUNCE_SCAN_MAX bytes: each must be read in time
 * proportional to its length (the case's timeout is far above what a
 * linear walk takes, and far below a quadratic one). */
#define HOSTILE_LEN	(256 * 1024)

enum hostile_fill { FILL_CR, FILL_CR_B64, FILL_CR_LINES };

static const struct hostile_case {
	const char *ctype;
	const char *cte;
	enum hostile_fill fill;
} hostile_cases[] = {
	{ "text/plain", NULL, FILL_CR },
	{ "multipart/report; boundary=\"b\"", NULL, FILL_CR },
	{ "text/plain", "base64", FILL_CR_B64 },
	{ "text/plain", NULL, FILL_CR_LINES },
};

START_TEST(hostile_time)
{
	const struct hostile_case *c = &hostile_cases[_i];
	struct bounce_original o;
	char *buf = malloc(HOSTILE_LEN);
	size_t i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < HOSTILE_LEN; i++)
		switch (c->fill) {
		case FILL_CR:
			buf[i] = '\r';
			break;
		case FILL_CR_B64:	/* "DQ0N" is three CRs */
			buf[i] = "DQ0N"[i % 4];
			break;
		case FILL_CR_LINES:	/* long runs of CRs, an LF now and then */
			buf[i] = i % 4096 == 4095 ? '\n' : '\r';
			break;
		}
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(bounce_find_original(c->ctype, c->cte, buf,
					      HOSTILE_LEN, &o), 0);
	ck_assert_str_eq(o.message_id, "");
	free(buf);
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
	tc = tcase_create("parts");
	tcase_add_loop_test(tc, line_ends, 0,
			    (int) (sizeof(line_cases) / sizeof(line_cases[0])));
	tcase_add_loop_test(tc, decoding, 0,
			    (int) (sizeof(decode_cases) / sizeof(decode_cases[0])));
	tcase_add_test(tc, encodings);
	tcase_add_loop_test(tc, statuses, 0,
			    (int) (sizeof(status_cases) / sizeof(status_cases[0])));
	tcase_add_loop_test(tc, classes, 0,
			    (int) (sizeof(class_cases) / sizeof(class_cases[0])));
	tcase_add_test(tc, dsn_fields);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounds");
	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, hostile_time, 0,
			    (int) (sizeof(hostile_cases) /
				   sizeof(hostile_cases[0])));
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
