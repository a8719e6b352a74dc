/*
 * NAME
 *	check_bounce_report - what bounced, and the ids of an answer
 * DESCRIPTION
 *	The pure parts of the bounce plugin, with a stub host: the DSN
 *	fields of a decision line and the counters made of them, for
 *	sound and for hostile values (blanks, quotes, control bytes, a
 *	status that is no status, an action that is no action, fields
 *	too long); the ids In-Reply-To and References name (comments,
 *	folding, repeats, broken tokens, the bound, References read from
 *	the end); and the auto-reply markers.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include <loopguard/plugin.h>

#include "bounce_plugin.h"

static char counted[1024];
static const char *const *stub_headers;

/* stub_count - record NAME */
static void stub_count(struct lg_ctx *ctx, const char *name)
{
	(void) ctx;
	strncat(counted, name, sizeof(counted) - strlen(counted) - 2);
	strcat(counted, " ");
}

/* stub_header_get - the N-th header NAME of stub_headers */
static const char *stub_header_get(struct lg_ctx *ctx, const char *name,
				   size_t n)
{
	size_t i, len = strlen(name);

	(void) ctx;
	for (i = 0; stub_headers && stub_headers[i]; i++)
		if (strncasecmp(stub_headers[i], name, len) == 0 &&
		    stub_headers[i][len] == ':' && n-- == 0)
			return stub_headers[i] + len + 1 +
				(stub_headers[i][len + 1] == ' ');
	return NULL;
}

static struct lg_host host;

/* stub - a host that counts and has stub_headers */
static const struct lg_host *stub(int can_count)
{
	memset(&host, 0, sizeof(host));
	host.struct_size = sizeof(host);
	host.header_get = stub_header_get;
	host.count = can_count ? stub_count : NULL;
	counted[0] = 0;
	return &host;
}

/* The four fields as the parser left them; the decision's end and the
 * counters (the stub host records them). */
static const struct {
	const char *rcpt, *status, *mta, *action;
	const char *text, *counted;
} dsn_cases[] = {
	{ "bob@external.test", "5.1.1", "mx.external.test", "failed",
	  "; final-recipient=bob@external.test status=5.1.1 dsn-action=failed"
	  " reporting-mta=mx.external.test", "status.5.1.1 dsn.failed " },
	{ "", "", "", "", "", "" },
	{ "bob@external.test", "", "", "", "; final-recipient=bob@external.test",
	  "" },
	{ "", "4.4.7", "", "Delayed", "; status=4.4.7 dsn-action=delayed",
	  "status.4.4.7 dsn.delayed " },
	{ "", "5.7.123", "", "", "; status=5.7.123", "status.5.7.123 " },
	/* hostile values: never shown, never counted */
	{ "a b@c", "5.1.1 x", "mx\"evil", "failed\r\nX: y", "", "" },
	{ "a\tb@c", "3.1.1", "m\\x", "kaput", "", "" },
	{ "x\x01@y", "5.1.1.1", "h\x7f", "failed ", "", "" },
	{ "", "5.1234.1", "", "FAILED", "; dsn-action=failed", "dsn.failed " },
	{ "", "5..1", "", "", "", "" },
	{ "", "5.1.", "", "", "", "" },
	{ "", ".5.1.1", "", "", "", "" },
	{ "bob@\xc3\xa9.test", "", "mx.ok", "", "; reporting-mta=mx.ok", "" },
};

START_TEST(dsn_fields)
{
	struct bounce_original o;
	char text[BOUNCE_DSN_TEXT_MAX];

	memset(&o, 0, sizeof(o));
	snprintf(o.final_recipient, sizeof(o.final_recipient), "%s",
		 dsn_cases[_i].rcpt);
	snprintf(o.status, sizeof(o.status), "%s", dsn_cases[_i].status);
	snprintf(o.reporting_mta, sizeof(o.reporting_mta), "%s",
		 dsn_cases[_i].mta);
	snprintf(o.dsn_action, sizeof(o.dsn_action), "%s",
		 dsn_cases[_i].action);
	bounce_dsn_text(&o, text, sizeof(text));
	ck_assert_str_eq(text, dsn_cases[_i].text);
	bounce_dsn_count(stub(1), NULL, &o);
	ck_assert_str_eq(counted, dsn_cases[_i].counted);
	/* a host without count: nothing, and no crash */
	bounce_dsn_count(stub(0), NULL, &o);
	ck_assert_str_eq(counted, "");
}
END_TEST

/* In-Reply-To, References, the bound; the ids found, blank-separated */
static const struct {
	const char *irt, *refs;
	size_t max;
	const char *ids;
} id_cases[] = {
	{ "<a@b>", NULL, 20, "a@b" },
	{ NULL, "<a@b> <c@d>\r\n\t<e@f>", 20, "e@f c@d a@b" },
	{ "<c@d>", "<a@b> <c@d>", 20, "c@d a@b" },
	{ "Your message of Monday <a@b> (comment <x)", NULL, 20, "a@b" },
	{ "<a <b@c>", NULL, 20, "b@c" },
	{ "<a b@c> <>", NULL, 20, "" },
	{ "<a@b", NULL, 20, "" },
	{ "<a@\r\n b>", "<ok@x>", 20, "ok@x" },
	{ "no brackets@all", NULL, 20, "" },
	{ "<1@x> <2@x> <3@x>", "<4@x> <5@x>", 2, "1@x 2@x" },
	{ "<1@x>", "<2@x> <3@x> <4@x>", 3, "1@x 4@x 3@x" },
	{ "", "<1@x> <1@x> <2@x>", 20, "2@x 1@x" },
	{ "<\x01@x> <\xc3\xa9@x> <ok@x>", NULL, 20, "ok@x" },
};

START_TEST(reply_ids)
{
	char ids[BOUNCE_REPLY_IDS][BOUNCE_ID_MAX + 1], got[1024] = "";
	size_t i, n = bounce_reply_ids(id_cases[_i].irt, id_cases[_i].refs,
				       ids, id_cases[_i].max);

	for (i = 0; i < n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, ids[i]);
	}
	ck_assert_str_eq(got, id_cases[_i].ids);
}
END_TEST

/* The bound holds on a very long References and a long id. */
START_TEST(reply_ids_bounded)
{
	static char refs[200000], irt[600];
	char ids[BOUNCE_REPLY_IDS][BOUNCE_ID_MAX + 1];
	size_t i, n, len = 0;

	for (i = 0; len + 40 < sizeof(refs); i++)
		len += (size_t) snprintf(refs + len, sizeof(refs) - len,
					 "<id-%zu@x.test>\r\n ", i);
	memset(irt, 'a', sizeof(irt) - 1);
	irt[0] = '<';
	irt[sizeof(irt) - 2] = '>';
	n = bounce_reply_ids(irt, refs, ids, 100);
	ck_assert_uint_eq(n, BOUNCE_REPLY_IDS);
	snprintf(irt, sizeof(irt), "id-%zu@x.test", i - 1);
	ck_assert_str_eq(ids[0], irt);
}
END_TEST

static const struct {
	const char *headers[4];
	const char *marker;	/* NULL: none */
} marker_cases[] = {
	{ { "Auto-Submitted: auto-replied" }, "Auto-Submitted: auto-replied" },
	{ { "Auto-Submitted: Auto-Generated; x=y" },
	  "Auto-Submitted: auto-generated" },
	{ { "Auto-Submitted: no" }, NULL },
	{ { "Auto-Submitted: No (a person)" }, NULL },
	{ { "Auto-Submitted: \"q\"" }, "Auto-Submitted" },
	{ { "X-Autoreply: yes" }, "X-Autoreply" },
	{ { "X-Autorespond: whatever" }, "X-Autorespond" },
	{ { "Precedence: bulk" }, "Precedence: bulk" },
	{ { "Precedence: JUNK" }, "Precedence: junk" },
	{ { "Precedence: auto_reply" }, "Precedence: auto_reply" },
	{ { "Precedence: list" }, NULL },
	{ { "X-Auto-Response-Suppress: All" }, NULL },
	{ { "Auto-Submitted: no", "Precedence: bulk" }, "Precedence: bulk" },
	{ { "Auto-Submitted: auto-replied\"evil" },
	  "Auto-Submitted: auto-replied" },
	{ { NULL }, NULL },
};

START_TEST(markers)
{
	char buf[64];
	const char *m;

	stub_headers = marker_cases[_i].headers;
	m = bounce_reply_marker(stub(1), NULL, buf, sizeof(buf));
	if (marker_cases[_i].marker)
		ck_assert_str_eq(m ? m : "(none)", marker_cases[_i].marker);
	else
		ck_assert_ptr_null(m);
	stub_headers = NULL;
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

static Suite *report_suite(void)
{
	Suite *s = suite_create("bounce_report");
	TCase *tc = tcase_create("dsn");

	tcase_add_loop_test(tc, dsn_fields, 0, ROWS(dsn_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("reply");
	tcase_add_loop_test(tc, reply_ids, 0, ROWS(id_cases));
	tcase_add_test(tc, reply_ids_bounded);
	tcase_add_loop_test(tc, markers, 0, ROWS(marker_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
