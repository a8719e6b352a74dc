/*
 * NAME
 *	check_escape - unit tests for milter/util/escape.c and for the
 *	logger that escapes every line with it
 * SYNOPSIS
 *	t/util/check_escape
 * DESCRIPTION
 *	A table of inputs and their escaped forms (control bytes, every
 *	kind of malformed UTF-8, valid UTF-8 of each length), the cut at
 *	a whole escape when the output is short, lg_escape_one's byte
 *	counts, every byte value alone, which input lg_escape_needed lets
 *	skip the escaping (only what lg_escape copies unchanged), and the
 *	log: a line quoting a
 *	forged second line, ESC, BEL, DEL and bytes that are not UTF-8
 *	reaches the captured log escaped, one line, valid UTF-8; no byte
 *	grows past 4, and a line of 2000 bytes that escaping makes four
 *	times longer keeps its last fields (client=, reason=). The
 *	level is set from one thread while four others log (run under
 *	ThreadSanitizer by t/daemon/t_tsan.sh's build).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "log.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

struct escape_case {
	const char *in;
	size_t len;			/* 0: strlen(in) */
	const char *out;
};

static const struct escape_case escapes[] = {
	{ "", 0, "" },
	{ "plain text <a@b.example>", 0, "plain text <a@b.example>" },
	{ "a\\b", 0, "a\\\\b" },
	{ "tab\there", 0, "tab\\there" },
	{ "one\r\nFORGED: plugin=x action=accept", 0,
	  "one\\r\\nFORGED: plugin=x action=accept" },
	{ "\033[31mred\033[0m", 0, "\\x1b[31mred\\x1b[0m" },
	{ "bell\007", 0, "bell\\x07" },
	{ "del\177", 0, "del\\x7f" },
	{ "nul\0after", 9, "nul\\x00after" },
	{ "\001\037 ~", 0, "\\x01\\x1f ~" },
	/* valid UTF-8 of 2, 3 and 4 bytes stays readable */
	{ "caf\xc3\xa9", 0, "caf\xc3\xa9" },
	{ "\xe2\x82\xac 5", 0, "\xe2\x82\xac 5" },
	{ "\xf0\x9f\x98\x80!", 0, "\xf0\x9f\x98\x80!" },
	{ "\xc2\xa0nbsp", 0, "\xc2\xa0nbsp" },
	{ "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf" },	/* U+10FFFF */
	{ "\xed\x9f\xbf", 0, "\xed\x9f\xbf" },		/* U+D7FF */
	/* C1 controls (U+0080-U+009F): valid, but escaped */
	{ "\xc2\x9b" "31m", 0, "\\xc2\\x9b31m" },
	{ "\xc2\x80", 0, "\\xc2\\x80" },
	/* not UTF-8: each bad byte alone */
	{ "\xff", 0, "\\xff" },
	{ "\xfe\xff", 0, "\\xfe\\xff" },
	{ "\x80x", 0, "\\x80x" },			/* stray continuation */
	{ "\xc0\xaf", 0, "\\xc0\\xaf" },		/* overlong "/" */
	{ "\xc1\xbf", 0, "\\xc1\\xbf" },
	{ "\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf" },	/* overlong */
	{ "\xf0\x80\x80\xaf", 0, "\\xf0\\x80\\x80\\xaf" },	/* overlong */
	{ "\xed\xa0\x80", 0, "\\xed\\xa0\\x80" },	/* surrogate */
	{ "\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80" },	/* > U+10FFFF */
	{ "\xf5\x80\x80\x80", 0, "\\xf5\\x80\\x80\\x80" },
	{ "\xc3", 0, "\\xc3" },				/* cut short */
	{ "\xe2\x82", 0, "\\xe2\\x82" },
	{ "\xe2\x82x", 0, "\\xe2\\x82x" },
	{ "\xf0\x9f\x98", 0, "\\xf0\\x9f\\x98" },
	{ "\xc3\x28", 0, "\\xc3(" },			/* bad second byte */
	{ "\xc3\xa9\xff\xc3\xa9", 0, "\xc3\xa9\\xff\xc3\xa9" },
};

START_TEST(escape_table)
{
	const struct escape_case *c = &escapes[_i];
	size_t len = c->len ? c->len : strlen(c->in);
	char out[256];
	size_t n;

	n = lg_escape(c->in, len, out, sizeof(out));
	ck_assert_msg(strcmp(out, c->out) == 0, "case %d: got \"%s\", want \"%s\"",
		      _i, out, c->out);
	ck_assert_uint_eq(n, strlen(c->out));
}
END_TEST

/* A short output stops before the first escape that does not fit. */
static const struct {
	const char *in;
	size_t size;
	const char *out;
} cuts[] = {
	{ "abc", 1, "" },
	{ "abc", 3, "ab" },
	{ "abc", 4, "abc" },
	{ "a\033b", 4, "a" },		/* "\x1b" needs 4 more */
	{ "a\033b", 6, "a\\x1b" },
	{ "a\nb", 3, "a" },
	{ "a\nb", 4, "a\\n" },
	{ "\xe2\x82\xac", 3, "" },	/* the euro sign is 3 bytes */
	{ "\xe2\x82\xac", 4, "\xe2\x82\xac" },
	{ "x\xc2\x9b", 8, "x" },	/* a C1 control is 8 */
	{ "x\xc2\x9b", 10, "x\\xc2\\x9b" },
};

START_TEST(escape_cut)
{
	char out[32];
	size_t n;

	memset(out, 'Z', sizeof(out));
	n = lg_escape(cuts[_i].in, strlen(cuts[_i].in), out, cuts[_i].size);
	ck_assert_msg(strcmp(out, cuts[_i].out) == 0, "case %d: got \"%s\"",
		      _i, out);
	ck_assert_uint_eq(n, strlen(cuts[_i].out));
	ck_assert_msg(out[cuts[_i].size] == 'Z', "case %d: wrote past size",
		      _i);
}
END_TEST

/* lg_escape_one: how many input bytes one character takes */
static const struct {
	const char *in;
	size_t used;
	size_t outlen;
} ones[] = {
	{ "a", 1, 1 }, { "\n", 1, 2 }, { "\033", 1, 4 }, { "\\", 1, 2 },
	{ "\xc3\xa9", 2, 2 }, { "\xe2\x82\xac", 3, 3 },
	{ "\xf0\x9f\x98\x80", 4, 4 }, { "\xc2\x9b", 2, 8 },
	{ "\xff", 1, 4 }, { "\xe2\x82", 1, 4 },
};

START_TEST(escape_one)
{
	char out[LG_ESCAPE_MAX + 1];
	size_t used = 99, n;

	n = lg_escape_one(ones[_i].in, strlen(ones[_i].in), out, &used);
	ck_assert_uint_eq(used, ones[_i].used);
	ck_assert_uint_eq(n, ones[_i].outlen);
	ck_assert_uint_eq(strlen(out), n);
}
END_TEST

/* lg_unescape_one: one escape back to its byte, or 0 for no escape */
static const struct {
	const char *in;
	size_t used;
	unsigned char byte;
} unescapes[] = {
	{ "\\\\", 2, '\\' }, { "\\t", 2, '\t' }, { "\\n", 2, '\n' },
	{ "\\r", 2, '\r' }, { "\\x1b", 4, 0x1b }, { "\\xFFz", 4, 0xff },
	{ "\\x00", 4, 0 }, { "\\x1", 0, 0 }, { "\\xg0", 0, 0 },
	{ "\\q", 0, 0 }, { "\\", 0, 0 }, { "x", 0, 0 },
};

START_TEST(unescape_one)
{
	unsigned char byte = 0x55;
	size_t used;

	used = lg_unescape_one(unescapes[_i].in, strlen(unescapes[_i].in),
			       &byte);
	ck_assert_uint_eq(used, unescapes[_i].used);
	if (used)
		ck_assert_uint_eq(byte, unescapes[_i].byte);
	else
		ck_assert_uint_eq(byte, 0x55);
}
END_TEST

/* every escape lg_escape writes reads back to the byte it stands for */
START_TEST(unescape_every_byte)
{
	char in[1], out[16];
	unsigned char byte;
	int b;

	for (b = 0; b < 256; b++) {
		in[0] = (char) b;
		lg_escape(in, 1, out, sizeof(out));
		if (out[0] != '\\')
			continue;
		ck_assert_uint_eq(lg_unescape_one(out, strlen(out), &byte),
				  strlen(out));
		ck_assert_uint_eq(byte, (unsigned char) b);
	}
}
END_TEST

/* every byte value alone: printable ASCII kept, all else escaped */
START_TEST(escape_every_byte)
{
	char in[1], out[16];
	int b;

	for (b = 0; b < 256; b++) {
		in[0] = (char) b;
		lg_escape(in, 1, out, sizeof(out));
		if (b >= 0x20 && b < 0x7f && b != '\\')
			ck_assert_msg(out[0] == b && out[1] == 0,
				      "0x%02x: \"%s\"", b, out);
		else
			ck_assert_msg(out[0] == '\\' && strlen(out) >= 2,
				      "0x%02x: \"%s\"", b, out);
	}
}
END_TEST

/* The log: peer text quoted in a message is escaped in the sink. */
static const struct {
	const char *peer;
	const char *logged;
} log_cases[] = {
	{ "<evil\033[2J\007\177\r\nFORGED: plugin=catchall action=accept@>",
	  "sender \"<evil\\x1b[2J\\x07\\x7f\\r\\nFORGED: plugin=catchall action=accept@>\" end" },
	{ "<caf\xc3\xa9@example.com>",
	  "sender \"<caf\xc3\xa9@example.com>\" end" },
	{ "<\xff\xfe\xc0\xaf@x>",
	  "sender \"<\\xff\\xfe\\xc0\\xaf@x>\" end" },
};

START_TEST(log_escapes_peer_text)
{
	const char *got;

	lg_log_open("loopguard", LG_LOG_MEMORY);
	lg_log_set_min_level(LG_LOG_INFO);
	lg_log_capture_reset();
	lg_log(LG_LOG_WARN, "sender \"%s\" end", log_cases[_i].peer);
	got = lg_log_captured();
	ck_assert_msg(lg_log_captured_has(log_cases[_i].logged),
		      "case %d: logged \"%s\"", _i, got);
	/* one line: the only newline is the one that ends it */
	ck_assert_ptr_eq(strchr(got, '\n'), got + strlen(got) - 1);
	lg_log_capture_reset();
}
END_TEST

/* A line of 2000 control bytes is cut at a whole escape. */
START_TEST(log_long_line_cut_whole)
{
	char peer[2001];
	const char *got;
	size_t len;

	memset(peer, '\033', sizeof(peer) - 1);
	peer[sizeof(peer) - 1] = 0;
	lg_log_open("loopguard", LG_LOG_MEMORY);
	lg_log_capture_reset();
	lg_log(LG_LOG_INFO, "x%s", peer);
	got = lg_log_captured();
	len = strlen(got);
	ck_assert_uint_gt(len, 1000);
	/* "x" then whole "\x1b" escapes, then the newline */
	ck_assert_uint_eq((len - 2) % 4, 0);
	ck_assert_str_eq(got + len - 5, "\\x1b\n");
	lg_log_capture_reset();
}
END_TEST

static void *log_many(void *arg)
{
	int i;

	(void) arg;
	for (i = 0; i < 2000; i++)
		lg_log(LG_LOG_DEBUG, "debug line %d", i);
	return NULL;
}

/* The level is changed while other threads log (a reload). */
/* A message that fits the raw limit is never cut by its escaping,
 * however much that grows it: what follows the peer text (client=,
 * reason=) stays on the line. */
static const struct {
	const char *fill;		/* repeated to 2000 bytes */
} tails[] = {
	{ "\033" },			/* ESC: 4 bytes each */
	{ "\xc2\x9b" },			/* C1 CSI: 8 bytes per pair */
	{ "\xff" },			/* not UTF-8 */
	{ "\\" },			/* backslash: 2 */
};

START_TEST(log_tail_survives_escaping)
{
	char peer[2001];
	size_t i, k = strlen(tails[_i].fill);
	const char *got;

	for (i = 0; i + k <= 2000; i += k)
		memcpy(peer + i, tails[_i].fill, k);
	peer[i] = 0;
	lg_log_open("loopguard", LG_LOG_MEMORY);
	lg_log_set_min_level(LG_LOG_INFO);
	lg_log_capture_reset();
	lg_log(LG_LOG_INFO, "from=<%s> client=192.0.2.9 reason=\"end\"",
	       peer);
	got = lg_log_captured();
	ck_assert_uint_gt(strlen(got), 4000);
	ck_assert_msg(lg_log_captured_has("> client=192.0.2.9 reason=\"end\"\n"),
		      "case %d: the line was cut: ...%s", _i,
		      got + (strlen(got) > 60 ? strlen(got) - 60 : 0));
	lg_log_capture_reset();
}
END_TEST

/* lg_escape_needed is 0 only where lg_escape copies the input as it
 * is: each row of the table either needs it or comes out unchanged */
START_TEST(escape_needed_table)
{
	const struct escape_case *c = &escapes[_i];
	size_t len = c->len ? c->len : strlen(c->in);
	int changed = strlen(c->out) != len || memcmp(c->out, c->in, len) != 0;

	if (changed)
		ck_assert_msg(lg_escape_needed(c->in, len), "case %d", _i);
	if (!lg_escape_needed(c->in, len))
		ck_assert_msg(!changed, "case %d", _i);
}
END_TEST

/* every byte alone: only printable ASCII other than a backslash may
 * skip the escaping; a byte past LEN is never looked at */
START_TEST(escape_needed_every_byte)
{
	char in[3];
	int b, want;

	for (b = 0; b < 256; b++) {
		in[0] = 'a';
		in[1] = (char) b;
		in[2] = '\n';
		want = b < 0x20 || b >= 0x7f || b == '\\';
		ck_assert_msg(lg_escape_needed(in, 2) == want, "byte %02x", b);
	}
	ck_assert(!lg_escape_needed(in, 0));
	ck_assert(!lg_escape_needed("plain <a@b.example> ~", 21));
}
END_TEST

/* no byte of input takes more than 4 bytes of output (escape.h) */
START_TEST(escape_at_most_four_per_byte)
{
	char in[2], out[LG_ESCAPE_MAX + 1];
	size_t used, n;
	int a, b;

	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++) {
			in[0] = (char) a;
			in[1] = (char) b;
			n = lg_escape_one(in, 2, out, &used);
			ck_assert_msg(n <= 4 * used, "%02x %02x: %zu for %zu",
				      a, b, n, used);
		}
}
END_TEST

START_TEST(log_level_set_while_logging)
{
	pthread_t t[4];
	int i;

	lg_log_open("loopguard", LG_LOG_MEMORY);
	lg_log_capture_reset();
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, log_many, NULL), 0);
	for (i = 0; i < 2000; i++)
		lg_log_set_min_level(i % 2 ? LG_LOG_DEBUG : LG_LOG_WARN);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	lg_log_set_min_level(LG_LOG_INFO);
	lg_log(LG_LOG_DEBUG, "hidden");
	ck_assert(!lg_log_captured_has("hidden"));
	lg_log_capture_reset();
}
END_TEST

static Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, escape_table, 0, N(escapes));
	tcase_add_loop_test(tc, escape_cut, 0, N(cuts));
	tcase_add_loop_test(tc, escape_one, 0, N(ones));
	tcase_add_test(tc, escape_every_byte);
	tcase_add_loop_test(tc, unescape_one, 0, N(unescapes));
	tcase_add_test(tc, unescape_every_byte);
	tcase_add_test(tc, escape_at_most_four_per_byte);
	tcase_add_loop_test(tc, escape_needed_table, 0, N(escapes));
	tcase_add_test(tc, escape_needed_every_byte);
	suite_add_tcase(s, tc);
	tc = tcase_create("log");
	tcase_add_loop_test(tc, log_escapes_peer_text, 0, N(log_cases));
	tcase_add_test(tc, log_long_line_cut_whole);
	tcase_add_loop_test(tc, log_tail_survives_escaping, 0, N(tails));
	tcase_add_test(tc, log_level_set_while_logging);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(escape_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
