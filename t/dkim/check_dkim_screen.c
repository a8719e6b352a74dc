/*
 * NAME
 *	check_dkim_screen - the limits on what a message's signatures
 *	may cost: prescreen, one per (d=, s=) pair, the cap, a returned
 *	original verified once
 * DESCRIPTION
 *	lg_dkim_screen is tested on a table of signature lists, and
 *	lg_dkim_screen_field (which header fields the library is given)
 *	on a table of header field lists. Then
 *	real signatures (the test key, the config's key file, which has
 *	only selector "sel" of example.com and example.org) go through
 *	the fake host: a good signature of the sender's domain behind
 *	foreign ones still counts, behind LG_DKIM_MAX_SIGS others of its
 *	domain it is not looked at, and the second of a (d=, s=) pair is
 *	never looked at. A returned original asked about three times is
 *	verified once.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dkim.h>

#include "dkim_fixture.h"
#include "dkim_impl.h"
#include "fakehost.h"
#include "lg_dkim.h"

#define N_MAX	8

/* --- lg_dkim_screen on tables */

struct screen_case {
	const char *name;
	const char *want;		/* the domain to prove */
	const char *d[N_MAX];
	const char *s[N_MAX];
	int n;
	const char *keep;		/* "1" kept, "0" ignored, per sig */
};

static const struct screen_case screen_cases[] = {
	{ "only the wanted domain", "example.com",
	  { "a.example.net", "example.com", "b.example.net" },
	  { "s", "s", "s" }, 3, "010" },
	{ "domain without case", "example.com",
	  { "EXAMPLE.com" }, { "s" }, 1, "1" },
	{ "first of a (d=, s=) pair", "example.com",
	  { "example.com", "example.com", "example.com" },
	  { "s1", "s1", "s2" }, 3, "101" },
	{ "pair without case", "example.com",
	  { "example.com", "Example.COM" }, { "s1", "S1" }, 2, "10" },
	{ "at most LG_DKIM_MAX_SIGS", "example.com",
	  { "example.com", "example.com", "example.com", "example.com",
	    "example.com" }, { "a", "b", "c", "d", "e" }, 5, "11100" },
	{ "the cap counts kept ones only", "example.com",
	  { "x.net", "example.com", "y.net", "example.com", "example.com",
	    "example.com" }, { "s", "a", "s", "b", "c", "d" }, 6, "010110" },
	{ "duplicates do not use up the cap", "example.com",
	  { "example.com", "example.com", "example.com", "example.com",
	    "example.com" }, { "a", "a", "a", "b", "c" }, 5, "10011" },
	{ "no d= or no s=", "example.com",
	  { NULL, "example.com", "" }, { "s", NULL, "s" }, 3, "000" },
	{ "nothing wanted", "example.com",
	  { "a.example.net", "b.example.net" }, { "s", "s" }, 2, "00" },
	{ "none at all", "example.com", { NULL }, { NULL }, 0, "" },
};

/* want_domain - the test's wanted(): one domain */
static int want_domain(void *arg, const char *domain)
{
	return strcasecmp(arg, domain) == 0;
}

START_TEST(screen)
{
	const struct screen_case *c = &screen_cases[_i];
	unsigned char keep[N_MAX];
	char got[N_MAX + 1];
	int i, kept, want_kept = 0;

	memset(keep, 7, sizeof(keep));
	kept = lg_dkim_screen(c->d, c->s, c->n, want_domain, (void *) c->want,
			      keep);
	for (i = 0; i < c->n; i++) {
		ck_assert_msg(keep[i] <= 1, "%s: keep[%d] = %d", c->name, i,
			      keep[i]);
		got[i] = keep[i] ? '1' : '0';
		want_kept += c->keep[i] == '1';
	}
	got[c->n] = 0;
	ck_assert_msg(strcmp(got, c->keep) == 0, "%s: kept %s, want %s",
		      c->name, got, c->keep);
	ck_assert_int_eq(kept, want_kept);
}
END_TEST

/* --- lg_dkim_screen_field: which header fields the library sees */

struct field_case {
	const char *name;
	const char *f[N_MAX];		/* header fields, in order */
	int n;
	const char *keep;		/* "1" handed on, "0" withheld */
};

#define SIG(tags)	"DKIM-Signature: v=1; a=rsa-sha256; " tags \
	"; h=from; bh=AAAA; b=AAAA"

static const struct field_case field_cases[] = {
	{ "other fields always",
	  { "From: a@example.com", "DKIM-Signaturex: d=x.net; s=s",
	    "X-DKIM-Signature: d=x.net; s=s", "Subject: d=x.net; s=s" },
	  4, "1111" },
	{ "a foreign signature is withheld",
	  { SIG("d=attack.example.net; s=s"), SIG("d=example.com; s=s") },
	  2, "01" },
	{ "name and tags without case, folded",
	  { "dkim-signature :\r\n\td = Example.COM ;\r\n s= k1",
	    SIG("d=example.com; s=K1") }, 2, "10" },
	{ "first of a (d=, s=) pair, at most LG_DKIM_MAX_SIGS",
	  { SIG("d=example.com; s=a"), SIG("d=example.com; s=a"),
	    SIG("d=example.com; s=b"), SIG("d=example.com; s=c"),
	    SIG("d=example.com; s=d") }, 5, "10110" },
	{ "no d=, no s=, empty or repeated tags",
	  { SIG("s=a"), SIG("d=example.com"), SIG("d=; s=a"),
	    SIG("d=example.com; d=example.com; s=a"),
	    SIG("d=example.com; s=a; s=b") }, 5, "00000" },
	{ "a d= that is only like the domain",
	  { SIG("d=example.com.; s=a"), SIG("d=sub.example.com; s=a"),
	    SIG("d=xexample.com; s=a"), SIG("dd=example.com; s=a") },
	  4, "0000" },
};

START_TEST(field)
{
	const struct field_case *c = &field_cases[_i];
	struct lg_dkim_want w;
	char got[N_MAX + 1];
	int i;

	memset(&w, 0, sizeof(w));
	w.domain = "example.com";
	for (i = 0; i < c->n; i++)
		got[i] = lg_dkim_screen_field(&w, c->f[i], strlen(c->f[i])) ?
			'1' : '0';
	got[c->n] = 0;
	ck_assert_msg(strcmp(got, c->keep) == 0, "%s: handed on %s, want %s",
		      c->name, got, c->keep);
}
END_TEST

/* a tag value longer than LG_DKIM_TAG_MAX is never copied */
START_TEST(field_long)
{
	struct lg_dkim_want w;
	char f[2 * LG_DKIM_TAG_MAX], d[LG_DKIM_TAG_MAX + 1];
	char sel[LG_DKIM_TAG_MAX + 1];

	memset(&w, 0, sizeof(w));
	w.domain = "example.com";
	snprintf(f, sizeof(f), "DKIM-Signature: d=example.com; s=%0*d",
		 LG_DKIM_TAG_MAX + 1, 0);
	ck_assert_int_eq(lg_dkim_screen_field(&w, f, strlen(f)), 0);
	snprintf(f, sizeof(f), "d=example.com; s=%0*d", LG_DKIM_TAG_MAX, 0);
	ck_assert_int_eq(lg_dkim_sig_tags(f, strlen(f), d, sel), 0);
	ck_assert_str_eq(d, "example.com");
	ck_assert_uint_eq(strlen(sel), LG_DKIM_TAG_MAX);
}
END_TEST

/* --- real signatures through the fake host */

static const char *key_pem;
static struct fh *h;

#define CONF "local_domains = [ \"example.com\", \"example.org\" ];\n" \
	"recipients = [ \"@TMP@/rcpts\" ];\n" \
	"dkim_keys = \"@TMP@/keys\";\n"

/* setup - the test key, its key file, the recipients (checked fixture) */
static void setup(void)
{
	if (!key_pem)
		key_pem = fh_dkim_test_key();
	fh_tmpfile("rcpts", "alice@example.com\n");
	h = fh_new(CONF);
}

/* teardown - free the host of the test */
static void teardown(void)
{
	fh_free(&h);
}

/* A signature: "d:s" good, "d:s:bad" made over another Subject. */
struct sig_case {
	const char *name;
	const char *sigs[N_MAX];	/* in header order, NULL-ended */
	int passed;			/* lg_dkim_passed for example.com */
};

static const struct sig_case sig_cases[] = {
	{ "good signature alone", { "example.com:sel" }, 1 },
	{ "behind foreign signatures", { "a.example.net:sel",
	  "b.example.net:sel", "c.example.net:sel", "d.example.net:sel",
	  "example.org:sel", "example.com:sel" }, 1 },
	{ "behind LG_DKIM_MAX_SIGS of its domain", { "example.com:k1",
	  "example.com:k2", "example.com:k3", "example.com:sel" }, 0 },
	{ "behind fewer of its domain", { "example.com:k1",
	  "example.com:k2", "example.com:sel" }, 1 },
	{ "second of a (d=, s=) pair", { "example.com:sel:bad",
	  "example.com:sel" }, 0 },
	{ "first of a (d=, s=) pair", { "example.com:sel",
	  "example.com:sel:bad" }, 1 },
	{ "another local domain's only", { "example.org:sel" }, 0 },
};

/* make_sig - the value of one "d:s[:bad]" signature */
static void make_sig(const char *spec, char *sig, size_t size)
{
	static const char *const bad[] = {
		"From: Alice <alice@example.com>", "To: nosuch@example.com",
		"Subject: something else", "Date: Tue, 14 Nov 2023 22:13:20 +0000",
		"Message-ID: <dkim.1@example.com>", NULL
	};
	char d[128], s[64], flag[8] = "";

	ck_assert_int_ge(sscanf(spec, "%127[^:]:%63[^:]:%7s", d, s, flag), 2);
	df_sign(key_pem, d, s, DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
		strcmp(flag, "bad") == 0 ? bad : df_headers, DF_BODY, sig,
		size);
}

/* put_header - split "Name: value" for fh_header */
static void put_header(const char *line)
{
	const char *colon = strchr(line, ':');
	char name[64];

	snprintf(name, sizeof(name), "%.*s", (int) (colon - line), line);
	fh_header(h, name, colon + 2);
}

START_TEST(signatures)
{
	const struct sig_case *c = &sig_cases[_i];
	char sig[4096];
	int i;

	fh_connect(h, "192.0.2.1");
	fh_mail(h, "<alice@example.com>");
	fh_rcpt(h, "<nosuch@example.com>");
	ck_assert_int_eq(lg_dkim_request(fh_session(h)), 0);
	for (i = 0; c->sigs[i]; i++) {
		make_sig(c->sigs[i], sig, sizeof(sig));
		fh_header(h, "DKIM-Signature", sig);
	}
	for (i = 0; df_headers[i]; i++)
		put_header(df_headers[i]);
	fh_eoh(h);
	fh_body(h, DF_BODY);
	ck_assert_msg(lg_dkim_passed(fh_session(h), "example.com") == c->passed,
		      "%s: want %d; log:\n%s", c->name, c->passed, fh_log());
	fh_eom(h);
}
END_TEST

/* count - occurrences of NEEDLE in HAY */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* A returned original with 5 local signatures: example.org's good one
 * is among the 3 looked at, example.com's good one is not. Asked three
 * times, it is verified once. */
START_TEST(returned_once)
{
	static const char *const specs[] = {
		"example.com:k1", "example.org:sel", "example.com:k2",
		"example.com:k3", "example.com:sel", NULL
	};
	char *msg = malloc(64 * 1024), sig[4096];
	size_t len = 0;
	int i;

	ck_assert_ptr_nonnull(msg);
	for (i = 0; specs[i]; i++) {
		make_sig(specs[i], sig, sizeof(sig));
		len += (size_t) snprintf(msg + len, 64 * 1024 - len,
					 "DKIM-Signature: %s\r\n", sig);
	}
	for (i = 0; df_headers[i]; i++)
		len += (size_t) snprintf(msg + len, 64 * 1024 - len, "%s\r\n",
					 df_headers[i]);
	len += (size_t) snprintf(msg + len, 64 * 1024 - len, "\r\n%s",
				 DF_BODY);
	fh_connect(h, "192.0.2.1");
	fh_mail(h, "<>");
	fh_rcpt(h, "<alice@example.com>");
	fh_log_reset();
	ck_assert_int_eq(lg_dkim_verify_buffer(fh_session(h), msg, len,
					       "example.com"), 0);
	ck_assert_int_eq(lg_dkim_verify_buffer(fh_session(h), msg, len,
					       "example.org"), 1);
	ck_assert_int_eq(lg_dkim_verify_buffer(fh_session(h), msg, len,
					       "example.com"), 0);
	ck_assert_msg(count(fh_log(), "3 of 5 signatures looked at") == 1,
		      "verified more than once, or not limited; log:\n%s",
		      fh_log());
	/* other bytes at the same place are another message */
	msg[len - 3] = 'X';
	ck_assert_int_eq(lg_dkim_verify_buffer(fh_session(h), msg, len,
					       "example.org"), 0);
	ck_assert_int_eq(count(fh_log(), "3 of 5 signatures looked at"), 2);
	fh_eom(h);
	free(msg);
}
END_TEST

/* suite - the table, then the real signatures */
static Suite *suite(void)
{
	Suite *s = suite_create("dkim_screen");
	TCase *tc = tcase_create("screen");

	tcase_add_loop_test(tc, screen, 0,
			    (int) (sizeof(screen_cases) / sizeof(screen_cases[0])));
	tcase_add_loop_test(tc, field, 0,
			    (int) (sizeof(field_cases) / sizeof(field_cases[0])));
	tcase_add_test(tc, field_long);
	suite_add_tcase(s, tc);
	tc = tcase_create("signatures");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, signatures, 0,
			    (int) (sizeof(sig_cases) / sizeof(sig_cases[0])));
	tcase_add_test(tc, returned_once);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
