/*
 * NAME
 *	check_batv - signed envelope senders (BATV) of the bounce plugin
 * DESCRIPTION
 *	The tag alone (batv_tag.c, linked in): known vectors computed
 *	outside loopguard with openssl, parsing, the day number's
 *	wraparound, the constant-time compare (CRYPTO_memcmp is
 *	defined here, counts its calls and is exported to the plugin).
 *	Then the plugin through the fake host: off changes nothing;
 *	signing (chgfrom), what is not signed (exemptions, untrusted,
 *	tagged, local only); bounces to valid, forged, expired and
 *	unknown-key tags, the wraparound, untagged bounces judged by the
 *	ledger, tag removal on delivery, report mode and key rotation.
 *	The settings: check_batv_config.c.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batv.h"
#include "batv_fixture.h"

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

/*
 * Vectors, computed outside loopguard:
 *	printf '%s' 0682alice@example.com |
 *		openssl dgst -sha1 -hmac 'batv test secret 0123456789'
 *	SHA1(stdin)= a28d23d1b1d793a75823291ee253735e2c05ec7c
 * so the tag of alice@example.com under key 0, expiring on day 19682
 * (682 mod 1000), is 0682a28d23. Likewise 3682... gives 913e12,
 * 0005... gives ba5b89 and 0683... gives 6c1a6f.
 */

static const struct {
	int key;
	long expiry;
	const char *addr, *tag;
} vectors[] = {
	{ 0, 19682, "alice@example.com", "0682a28d23" },
	{ 0, 19682, "ALICE@Example.COM", "0682a28d23" },	/* lower case */
	{ 3, 682, "alice@example.com", "3682913e12" },
	{ 0, 20005, "alice@example.com", "0005ba5b89" },	/* mod 1000 */
};

START_TEST(known_vectors)
{
	char tag[BATV_TAG_LEN + 1];

	ck_assert_int_eq(batv_make((const unsigned char *) SECRET,
				   strlen(SECRET), vectors[_i].key,
				   vectors[_i].expiry, vectors[_i].addr, tag), 0);
	ck_assert_str_eq(tag, vectors[_i].tag);
}
END_TEST

START_TEST(make_refuses)
{
	char tag[BATV_TAG_LEN + 1], big[BATV_ADDR_MAX + 2];
	const unsigned char *s = (const unsigned char *) SECRET;

	ck_assert_int_eq(batv_make(s, strlen(SECRET), 10, 1, "a@b", tag), -1);
	ck_assert_int_eq(batv_make(s, strlen(SECRET), -1, 1, "a@b", tag), -1);
	ck_assert_int_eq(batv_make(s, 0, 0, 1, "a@b", tag), -1);
	ck_assert_int_eq(batv_make(s, strlen(SECRET), 0, 1, "", tag), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(batv_make(s, strlen(SECRET), 0, 1, big, tag), -1);
}
END_TEST

static const struct {
	const char *local;
	int ok, key, ddd;
	const char *sig, *base;
} parse_cases[] = {
	{ "prvs=0682a28d23=alice", 1, 0, 682, "a28d23", "alice" },
	{ "PRVS=9001ABCDEF=a.b+c", 1, 9, 1, "ABCDEF", "a.b+c" },
	{ "prvs=0682a28d23=prvs=0682a28d23=x", 1, 0, 682, "a28d23",
	  "prvs=0682a28d23=x" },
	{ "prvs=0682a28d2g=alice", 0, 0, 0, NULL, NULL },	/* bad hex */
	{ "prvs=068a28d23=alice", 0, 0, 0, NULL, NULL },	/* short */
	{ "prvs=0682a28d23alice", 0, 0, 0, NULL, NULL },	/* no = */
	{ "prvs=0682a28d23=", 0, 0, 0, NULL, NULL },		/* no base */
	{ "prvs=x682a28d23=alice", 0, 0, 0, NULL, NULL },	/* key */
	{ "prvs=06", 0, 0, 0, NULL, NULL },
	{ "alice", 0, 0, 0, NULL, NULL },
	{ "srs0=0682a28d23=alice", 0, 0, 0, NULL, NULL },
};

START_TEST(parse)
{
	int key = -1, ddd = -1;
	char sig[7] = "";
	const char *base = NULL;

	ck_assert_int_eq(batv_parse(parse_cases[_i].local, &key, &ddd, sig,
				    &base), parse_cases[_i].ok);
	if (!parse_cases[_i].ok)
		return;
	ck_assert_int_eq(key, parse_cases[_i].key);
	ck_assert_int_eq(ddd, parse_cases[_i].ddd);
	ck_assert_str_eq(sig, parse_cases[_i].sig);
	ck_assert_str_eq(base, parse_cases[_i].base);
}
END_TEST

/* days from today to DDD, across the wrap of the day number */
static const struct {
	int ddd;
	long today;
	int left;
} left_cases[] = {
	{ 682, 19675, 7 },
	{ 675, 19675, 0 },
	{ 674, 19675, 999 },	/* a day past: far from valid */
	{ 5, 19998, 7 },	/* expires after the wrap */
	{ 998, 20003, 995 },	/* signed before the wrap, expired */
	{ 0, 0, 0 },
};

START_TEST(days_left)
{
	ck_assert_int_eq(batv_days_left(left_cases[_i].ddd,
					left_cases[_i].today),
			 left_cases[_i].left);
}
END_TEST

/* CRYPTO_memcmp - counts its calls; the plugin binds to it too */
static int memcmp_calls;
int CRYPTO_memcmp(const void *in_a, const void *in_b, size_t len)
{
	const unsigned char *a = in_a, *b = in_b;
	unsigned char d = 0;
	size_t i;

	memcmp_calls++;
	for (i = 0; i < len; i++)
		d |= (unsigned char) (a[i] ^ b[i]);
	return d;
}

START_TEST(constant_time_compare)
{
	memcmp_calls = 0;
	ck_assert(batv_sig_equal("a28d23", "a28d23"));
	ck_assert(batv_sig_equal("a28d23", "A28D23"));
	ck_assert(!batv_sig_equal("a28d23", "a28d24"));
	ck_assert(!batv_sig_equal("a28d23", "028d23"));
	ck_assert_int_eq(memcmp_calls, 4);
}
END_TEST

/* --- the plugin through the fake host (batv_fixture.c) --- */

START_TEST(off_changes_nothing)
{
	h = host(NULL);
	ck_assert_str_eq(sign_alice(), "");
	ck_assert_str_eq(fh_edits(h), "");
	ck_assert_int_eq(bounce_to("<" TAG0 ">"), LG_REJECT);
	ck_assert_ptr_nonnull(strstr(fh_log(), "no returned Message-ID found"));
	ck_assert_ptr_null(strstr(fh_log(), "BATV"));
	/* mail for a tagged address: no rewriting either */
	{
		static const char *const rcpts[] = { "<" TAG0 ">", NULL };

		ck_assert_int_eq(send_as("192.0.2.9", NULL,
					 "<x@external.test>", rcpts),
				 LG_CONTINUE);
		ck_assert_str_eq(fh_edits(h), "");
	}
}
END_TEST

START_TEST(signs_with_the_known_vector)
{
	unsigned long long before;

	h = host(ON);
	before = fh_counter("bounce", "batv.signed");
	ck_assert_str_eq(sign_alice(), TAG0);
	ck_assert_uint_eq(fh_counter("bounce", "batv.signed"), before + 1);
	ck_assert_ptr_nonnull(strstr(fh_edits(h), "chgfrom " TAG0 "\n"));
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"envelope sender <alice@example.com> signed as <" TAG0 ">"));
}
END_TEST

/* An MTA that offers no sender change (SMFIF_CHGFROM): the mail leaves
 * unsigned, as with BATV off, and is not held back. */
START_TEST(no_chgfrom_leaves_unsigned)
{
	unsigned long long before;

	h = host(ON);
	fh_no_chgfrom(h, 1);
	before = fh_counter("bounce", "batv.signed");
	ck_assert_str_eq(sign_alice(), "");
	ck_assert_str_eq(fh_edits(h), "");
	ck_assert_uint_eq(fh_counter("bounce", "batv.signed"), before);
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"<alice@example.com> not signed: the sender change was refused"));
}
END_TEST

/* Who is signed: client, AUTH, sender, recipients, settings. */
static const struct {
	const char *settings, *client, *auth, *from, *rcpt, *want;
} sign_cases[] = {
	{ ON, "192.0.2.50", "alice", "<alice@example.com>",
	  "<bob@external.test>", TAG0 },
	{ ON, "192.0.2.50", NULL, "<alice@example.com>",
	  "<bob@external.test>", "" },			/* not proven */
	{ ON, "10.1.2.3", NULL, "<alice@other.test>",
	  "<bob@external.test>", "" },			/* not a BATV domain */
	{ ON, "10.1.2.3", NULL, "<" TAG0 ">", "<bob@external.test>", "" },
	{ ON, "10.1.2.3", NULL, "<alice@example.com>",
	  "<carol@example.net>", "" },			/* local only */
	{ ON, "10.1.2.3", NULL, "<\"a b\"@example.com>",
	  "<bob@external.test>", "" },			/* quoted */
	{ ON, "10.1.2.3", NULL,
	  "<a23456789012345678901234567890123456789012345678901@example.com>",
	  "<bob@external.test>", "" },			/* too long tagged */
	{ ON, "10.1.2.3", NULL,
	  "<a2345678901234567890123456789012345678901234567@example.com>",
	  "<bob@external.test>",
	  "prvs=0682" },				/* 48: fits */
	{ "batv = { keys = ( " KEY0 " ); exempt = [ \"alice@example.com\" ]; };",
	  "10.1.2.3", NULL, "<alice@example.com>", "<bob@external.test>", "" },
	{ "batv = { keys = ( " KEY0 " ); exempt = [ \"list@external.test\" ]; };",
	  "10.1.2.3", NULL, "<alice@example.com>", "<LIST@external.test>", "" },
	{ "batv = { keys = ( " KEY0 " ); exempt = [ \"@lists.test\" ]; };",
	  "10.1.2.3", NULL, "<alice@example.com>", "<any@lists.test>", "" },
	{ "batv = { keys = ( " KEY0 " ); exempt = [ \"@lists.test\" ]; };",
	  "10.1.2.3", NULL, "<alice@example.com>", "<bob@external.test>",
	  TAG0 },
	{ "batv = { keys = ( " KEY0 " ); domains = [ \"example.net\" ]; };",
	  "10.1.2.3", NULL, "<alice@example.com>", "<bob@external.test>", "" },
};

START_TEST(who_is_signed)
{
	const char *rcpts[] = { sign_cases[_i].rcpt, NULL };
	const char *e;

	h = host(sign_cases[_i].settings);
	ck_assert_int_eq(send_as(sign_cases[_i].client, sign_cases[_i].auth,
				 sign_cases[_i].from, rcpts), LG_CONTINUE);
	e = strstr(fh_edits(h), "chgfrom ");
	if (!sign_cases[_i].want[0]) {
		ck_assert_msg(e == NULL, "row %d: edits %s", _i, fh_edits(h));
		return;
	}
	ck_assert_msg(e != NULL, "row %d: edits %s", _i, fh_edits(h));
	ck_assert_int_eq(strncmp(e + 8, sign_cases[_i].want,
				 strlen(sign_cases[_i].want)), 0);
}
END_TEST

START_TEST(valid_tag_passes_and_is_removed)
{
	char rcpt[420];
	unsigned long long before;

	h = host(ON);
	snprintf(rcpt, sizeof(rcpt), "<%s>", sign_alice());
	fh_clock_advance(6 * 86400);
	memcmp_calls = 0;
	before = fh_counter("bounce", "batv.valid");
	ck_assert_int_eq(bounce_to(rcpt), LG_CONTINUE);
	ck_assert_uint_eq(fh_counter("bounce", "batv.valid"), before + 1);
	ck_assert_msg(memcmp_calls >= 1, "the tag was not compared with CRYPTO_memcmp");
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"action=pass from=<> to=<" TAG0 "> client=192.0.2.7 reason=\"bounce to a valid BATV tag <" TAG0 ">\""));
	ck_assert_ptr_nonnull(strstr(fh_edits(h), "addrcpt alice@example.com\n"));
	ck_assert_ptr_nonnull(strstr(fh_edits(h), "delrcpt <" TAG0 ">\n"));
}
END_TEST

/* Bounces to tags that must be refused. */
static const struct {
	const char *rcpt;
	long long later;
	const char *reason;
} refused_cases[] = {
	{ "<prvs=0682a28d24=alice@example.com>", 0,
	  "forged bounce: the BATV tag of <prvs=0682a28d24=alice@example.com> does not verify" },
	{ "<prvs=0682a28d23=bob@example.com>", 0,
	  "does not verify" },				/* another base */
	{ "<prvs=3682913e12=alice@example.com>", 0,
	  "names key 3, which is not configured" },
	{ "<" TAG0 ">", 8 * 86400,
	  "expired BATV tag: <" TAG0 "> expired 1 day(s) ago" },
	{ "<" TAG0 ">", 400 * 86400, "expired BATV tag" },
	/* signed right, but dated beyond days (openssl: 0683alice@... ->
	 * 6c1a6f): refused, as after days was lowered */
	{ "<prvs=06836c1a6f=alice@example.com>", 0,
	  "expired BATV tag: <prvs=06836c1a6f=alice@example.com> is dated "
	  "8 day(s) ahead, more than days (7) allows" },
};

START_TEST(bad_tags_refused)
{
	unsigned long long before;

	h = host(ON);
	fh_clock_advance(refused_cases[_i].later);
	before = fh_counter("bounce", "batv.refused");
	ck_assert_int_eq(bounce_to(refused_cases[_i].rcpt), LG_REJECT);
	ck_assert_uint_eq(fh_counter("bounce", "batv.refused"), before + 1);
	ck_assert_msg(strstr(fh_log(), refused_cases[_i].reason) != NULL,
		      "row %d: log %s", _i, fh_log());
	ck_assert_str_eq(fh_reply(h),
		"550 5.7.1 Bounce not accepted: it answers no message sent from here");
}
END_TEST

/* The day number wraps at 1000: signed on day 19998 with days = 7,
 * the tag says 005. */
START_TEST(wraparound)
{
	char rcpt[420];

	h = host(ON);
	fh_clock_set(19998LL * 86400 + 3600);
	snprintf(rcpt, sizeof(rcpt), "<%s>", sign_alice());
	ck_assert_str_eq(rcpt, "<prvs=0005ba5b89=alice@example.com>");
	fh_clock_advance(7 * 86400);		/* day 20005: still valid */
	ck_assert_int_eq(bounce_to(rcpt), LG_CONTINUE);
	fh_clock_advance(86400);		/* day 20006: expired */
	ck_assert_int_eq(bounce_to(rcpt), LG_REJECT);
	ck_assert_ptr_nonnull(strstr(fh_log(), "expired 1 day(s) ago"));
}
END_TEST

/* Untagged bounces: the ledger decides, as without BATV. */
START_TEST(untagged_needs_the_ledger)
{
	static const char *const rcpts[] = { "<carol@example.net>", NULL };
	static const char *const headers[] = {
		"Message-ID: <before.batv@example.com>", NULL };
	static const char *const report =
		"--B1\r\nContent-Type: message/rfc822\r\n\r\n"
		"Message-ID: <before.batv@example.com>\r\n\r\nx\r\n--B1--\r\n";
	const char *to[] = { "<alice@example.com>", NULL };
	static const char *const dsn[] = {
		"Content-Type: multipart/report; boundary=\"B1\"", NULL };

	/* sent before BATV was turned on: in the ledger, the sender
	 * untagged (here: mail for local recipients only, not signed) */
	h = host(ON);
	fh_connect(h, "10.1.2.3");
	fh_message(h, "<alice@example.com>", rcpts, headers, "x\r\n");
	ck_assert_ptr_null(strstr(fh_edits(h), "chgfrom"));
	fh_connect(h, "192.0.2.7");
	ck_assert_int_eq(fh_message(h, "<>", to, dsn, report), LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(), "bounce answers <before.batv@example.com>"));
	/* untagged and unproven: refused */
	ck_assert_int_eq(bounce_to("<alice@example.com>"), LG_REJECT);
	ck_assert_ptr_nonnull(strstr(fh_log(), "no returned Message-ID found"));
}
END_TEST

/* Mail (not a bounce) for a tagged address is delivered to the base;
 * a base that does not exist, a bad tag or a domain outside BATV are
 * left alone (syntax alone decides what untag says). */
static const struct {
	const char *settings, *rcpt, *edits;
} removal_cases[] = {
	{ ON, "<" TAG0 ">",
	  "addrcpt alice@example.com\ndelrcpt <" TAG0 ">\n" },
	{ ON, "<PRVS=0682A28D23=alice@example.com>",
	  "addrcpt alice@example.com\ndelrcpt <PRVS=0682A28D23=alice@example.com>\n" },
	{ ON, "<prvs=0682a28d23=nobody@example.com>", "" },
	{ ON, "<prvs=0682a28d2x=alice@example.com>", "" },
	{ "batv = { keys = ( " KEY0 " ); domains = [ \"example.net\" ]; };",
	  "<" TAG0 ">", "" },
	{ "batv = { keys = ( " KEY0 " ); domains = [ \"example.net\" ]; };",
	  "<prvs=0682a28d23=carol@example.net>",
	  "addrcpt carol@example.net\ndelrcpt <prvs=0682a28d23=carol@example.net>\n" },
};

START_TEST(tag_removal)
{
	const char *rcpts[] = { removal_cases[_i].rcpt, NULL };
	const char *e;

	h = host(removal_cases[_i].settings);
	ck_assert_int_eq(send_as("192.0.2.9", NULL, "<x@external.test>",
				 rcpts), LG_CONTINUE);
	e = fh_edits(h);
	if (!removal_cases[_i].edits[0]) {
		ck_assert_msg(strstr(e, "rcpt") == NULL, "row %d: %s", _i, e);
		return;
	}
	{
		char add[200];
		const char *nl = strchr(removal_cases[_i].edits, '\n');

		/* the two lines, in whatever order the core applies them */
		snprintf(add, sizeof(add), "%.*s",
			 (int) (nl - removal_cases[_i].edits + 1),
			 removal_cases[_i].edits);
		ck_assert_msg(strstr(e, add) != NULL, "row %d: %s", _i, e);
		ck_assert_msg(strstr(e, nl + 1) != NULL, "row %d: %s", _i, e);
	}
}
END_TEST

START_TEST(report_mode_only_logs)
{
	h = host("mode = \"report\"; " ON);
	ck_assert_str_eq(sign_alice(), "");
	ck_assert_ptr_nonnull(strstr(fh_log(),
		"action=report from=<alice@example.com> to=<> client=10.1.2.3 reason=\"would sign the envelope sender <alice@example.com> as <" TAG0 ">\""));
	ck_assert_int_eq(bounce_to("<prvs=0682a28d24=alice@example.com>"),
			 LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(), "action=report"));
	ck_assert_ptr_nonnull(strstr(fh_log(), "would reject: forged bounce"));
}
END_TEST

/* A bounce to several recipients, tagged and not: the cheap checks at
 * RCPT look at the address a tag stands for, and the verdict at end
 * of message covers every recipient taken. "@V" in a recipient is
 * replaced by a valid tag of the address after it. */
static const struct {
	const char *settings;
	const char *rcpts[3];
	enum lg_verdict rcpt_v[3], eom_v;
	const char *log;
} seam_cases[] = {
	/* past max_bounce_rcpts: the untagged one is refused at RCPT,
	 * the tagged one decides */
	{ ON, { "<" TAG0 ">", "<postmaster@example.com>", NULL },
	  { LG_CONTINUE, LG_REJECT }, LG_CONTINUE,
	  "bounce to a valid BATV tag <" TAG0 ">" },
	/* both taken: the untagged one needs the ledger */
	{ "max_bounce_rcpts = 2; " ON,
	  { "<" TAG0 ">", "<postmaster@example.com>", NULL },
	  { LG_CONTINUE, LG_CONTINUE }, LG_REJECT,
	  "no returned Message-ID found" },
	/* both tagged and valid: passes */
	{ "max_bounce_rcpts = 2; " ON,
	  { "<" TAG0 ">", "@Vpostmaster@example.com", NULL },
	  { LG_CONTINUE, LG_CONTINUE }, LG_CONTINUE,
	  "bounce to a valid BATV tag" },
	/* one valid, one forged: refused */
	{ "max_bounce_rcpts = 2; " ON,
	  { "<" TAG0 ">", "<prvs=0682a28d23=postmaster@example.com>", NULL },
	  { LG_CONTINUE, LG_CONTINUE }, LG_REJECT,
	  "the BATV tag of <prvs=0682a28d23=postmaster@example.com> does not verify" },
	/* never_send sees through a valid tag */
	{ ON, { "@Vnoreply@example.com", NULL },
	  { LG_REJECT }, LG_CONTINUE, "never_send noreply" },
};

START_TEST(several_recipients)
{
	static const char *const headers[] = {
		"From: MAILER-DAEMON@mx.external.test", NULL };
	char raw[3][420], tag[BATV_TAG_LEN + 1];
	size_t i;

	h = host(seam_cases[_i].settings);
	fh_connect(h, "192.0.2.7");
	fh_log_reset();
	ck_assert_int_eq(fh_mail(h, "<>"), LG_CONTINUE);
	for (i = 0; i < 3 && seam_cases[_i].rcpts[i]; i++) {
		const char *r = seam_cases[_i].rcpts[i];

		if (strncmp(r, "@V", 2) == 0) {
			ck_assert_int_eq(batv_make((const unsigned char *) SECRET,
						   strlen(SECRET), 0,
						   batv_day(T0) + 7, r + 2,
						   tag), 0);
			snprintf(raw[i], sizeof(raw[i]), "<prvs=%s=%s>", tag,
				 r + 2);
		} else {
			snprintf(raw[i], sizeof(raw[i]), "%s", r);
		}
		ck_assert_msg(fh_rcpt(h, raw[i]) == seam_cases[_i].rcpt_v[i],
			      "row %d: rcpt %s: %s", _i, raw[i], fh_log());
	}
	for (i = 0; headers[i]; i++)
		fh_header(h, "From", headers[i] + 6);
	fh_eoh(h);
	fh_body(h, "Sorry, your message could not be delivered.\r\n");
	ck_assert_msg(fh_eom(h) == seam_cases[_i].eom_v, "row %d: %s", _i,
		      fh_log());
	ck_assert_msg(strstr(fh_log(), seam_cases[_i].log) != NULL,
		      "row %d: %s", _i, fh_log());
}
END_TEST

/* Rotation: key 1 signs, key 0's tags still pass. */
START_TEST(key_rotation)
{
	char rcpt[420];

	h = host("batv = { keys = ( { id = 1; secret = \"the new secret, 2026\"; }, "
		 KEY0 " ); sign_key = 1; };");
	snprintf(rcpt, sizeof(rcpt), "<%s>", sign_alice());
	ck_assert_int_eq(strncmp(rcpt, "<prvs=1682", 10), 0);
	ck_assert_int_eq(bounce_to(rcpt), LG_CONTINUE);
	ck_assert_int_eq(bounce_to("<" TAG0 ">"), LG_CONTINUE);
	ck_assert_ptr_nonnull(strstr(fh_log(), "bounce to a valid BATV tag"));
}
END_TEST

static Suite *batv_suite(void)
{
	Suite *s = suite_create("batv");
	TCase *tc = tcase_create("tag");

	tcase_add_loop_test(tc, known_vectors, 0, ROWS(vectors));
	tcase_add_test(tc, make_refuses);
	tcase_add_loop_test(tc, parse, 0, ROWS(parse_cases));
	tcase_add_loop_test(tc, days_left, 0, ROWS(left_cases));
	tcase_add_test(tc, constant_time_compare);
	suite_add_tcase(s, tc);
	tc = tcase_create("plugin");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, off_changes_nothing);
	tcase_add_test(tc, signs_with_the_known_vector);
	tcase_add_test(tc, no_chgfrom_leaves_unsigned);
	tcase_add_loop_test(tc, who_is_signed, 0, ROWS(sign_cases));
	tcase_add_test(tc, valid_tag_passes_and_is_removed);
	tcase_add_loop_test(tc, bad_tags_refused, 0, ROWS(refused_cases));
	tcase_add_test(tc, wraparound);
	tcase_add_test(tc, untagged_needs_the_ledger);
	tcase_add_loop_test(tc, tag_removal, 0, ROWS(removal_cases));
	tcase_add_test(tc, report_mode_only_logs);
	tcase_add_test(tc, key_rotation);
	tcase_add_loop_test(tc, several_recipients, 0, ROWS(seam_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(batv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
