/*
 * NAME
 *	check_abi14 - the plugin ABI 1.4 members through the real core
 * DESCRIPTION
 *	With the test plugin tagspy (t/lib/plugins/tagspy.c) through the
 *	fake host: a tagged recipient is classified by its base
 *	(plugin->untag, lg_rcpt_info.untagged) and the core checks what a
 *	plugin wrote; host->change_sender is queued at end of message
 *	only, once, for a plain address, and applied as "chgfrom ADDR" (or
 *	fails as any edit does); host->count counts in a bounded table.
 *	An ABI 1.2 plugin beside them keeps loading and is never asked;
 *	the real catchall, harvest and repeat leave a tagged recipient
 *	whose base exists alone.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakehost.h"
#include "host.h"
#include "log.h"
#include "session_impl.h"

#include "session_fixture.h"

/* tagspy_host - the core with tagspy and its SETTINGS */
static struct fh *tagspy_host(const char *settings)
{
	char group[1536];

	snprintf(group, sizeof(group), "{ name = \"tagspy\"; %s }",
		 settings ? settings : "");
	return host_with(group);
}

/* rcpt - the I-th recipient of the message in progress */
static const struct lg_rcpt_info *rcpt(size_t i)
{
	return lg_host_get()->rcpt_at(fh_session(h), i);
}

struct untag_case {
	const char *mode;		/* tagspy's untag_mode */
	const char *raw;
	enum lg_rcpt_class rclass;
	const char *untagged;		/* NULL: none */
};

static const struct untag_case untag_cases[] = {
	/* the base exists: local, whatever the tag */
	{ "good", "<tag-X=alice@example.com>", LG_RCPT_LOCAL, "alice@example.com" },
	{ "good", "<tag-1234=bob@example.com>", LG_RCPT_LOCAL, "bob@example.com" },
	/* the base is looked up with the directory's rules (extension) */
	{ "good", "<tag-X=alice+news@example.com>", LG_RCPT_LOCAL, "alice+news@example.com" },
	/* no such base: unknown, and still noted */
	{ "good", "<tag-X=nosuch@example.com>", LG_RCPT_UNKNOWN, "nosuch@example.com" },
	/* not a tag: classified as it stands */
	{ "good", "<tagX=alice@example.com>", LG_RCPT_UNKNOWN, NULL },
	{ "good", "<alice@example.com>", LG_RCPT_LOCAL, NULL },
	/* a domain that is not local is never untagged */
	{ "good", "<tag-X=alice@example.org>", LG_RCPT_EXTERNAL, NULL },
	/* what the plugin wrote is checked: no '@', not empty, ended */
	{ "at", "<tag-X=alice@example.com>", LG_RCPT_UNKNOWN, NULL },
	{ "empty", "<tag-X=alice@example.com>", LG_RCPT_UNKNOWN, NULL },
	{ "unterminated", "<tag-X=alice@example.com>", LG_RCPT_UNKNOWN, NULL },
	{ "none", "<tag-X=alice@example.com>", LG_RCPT_UNKNOWN, NULL },
};

START_TEST(tagged_recipients_are_classified_by_base)
{
	const struct untag_case *c = &untag_cases[_i];
	const struct lg_rcpt_info *r;
	char settings[128];

	snprintf(settings, sizeof(settings), "untag_mode = \"%s\";", c->mode);
	h = tagspy_host(settings);
	ck_assert_int_eq(fh_mail(h, "<x@example.org>"), LG_CONTINUE);
	lg_log_set_min_level(LG_LOG_INFO);
	fh_log_reset();
	ck_assert_int_eq(fh_rcpt(h, c->raw), LG_CONTINUE);
	r = rcpt(0);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->rclass == c->rclass, "%s (%s): class %d, want %d",
		      c->raw, c->mode, r->rclass, c->rclass);
	if (c->untagged)
		ck_assert_str_eq(r->untagged ? r->untagged : "(null)",
				 c->untagged);
	else
		ck_assert_ptr_null(r->untagged);
	/* the address itself is kept as given */
	ck_assert_int_eq(strncmp(c->raw + 1, r->addr, strlen(r->addr)), 0);
	/* nothing per recipient at info level from the core: the one
	 * line is tagspy's own */
	ck_assert_int_eq(fh_occurrences(fh_log(), "\n"), 1);
	ck_assert_int_eq(fh_occurrences(fh_log(), "plugin=tagspy tagspy: rcpt"), 1);
}
END_TEST

/* An ABI 1.2 plugin has no untag member: the core does not read past
 * its descriptor, and the next plugin (config order) still untags. */
START_TEST(old_plugin_is_never_asked_to_untag)
{
	const struct lg_rcpt_info *r;

	h = host_with("{ name = \"stepold\"; }, { name = \"tagspy\"; }");
	fh_mail(h, "<x@example.org>");
	ck_assert_int_eq(fh_rcpt(h, "<tag-X=alice@example.com>"), LG_CONTINUE);
	r = rcpt(0);
	ck_assert_int_eq(r->rclass, LG_RCPT_LOCAL);
	ck_assert_str_eq(r->untagged, "alice@example.com");
}
END_TEST

/* The first plugin that says "a tag" wins, in config order. */
START_TEST(first_plugin_that_untags_wins)
{
	h = host_with("{ name = \"tagspy\"; untag_mode = \"none\"; },"
		      " { name = \"stepold\"; }");
	fh_mail(h, "<x@example.org>");
	fh_rcpt(h, "<tag-X=alice@example.com>");
	ck_assert_int_eq(rcpt(0)->rclass, LG_RCPT_UNKNOWN);
	ck_assert_ptr_null(rcpt(0)->untagged);
}
END_TEST

/* mixed_host - catchall, harvest and repeat (threshold 1 each) beside
 * tagspy, from one plugin folder of links */
static struct fh *mixed_host(void)
{
	static const char *const names[] = {
		"catchall", "harvest", "repeat", NULL
	};
	const char *plugins = getenv("PLUGIN_DIR"), *tests = getenv("TEST_PLUGIN_DIR");
	char dir[512], from[1024], to[600], text[2048], real[PATH_MAX];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/mixed", fh_tmpdir());
	mkdir(dir, 0755);
	for (i = 0; names[i]; i++) {
		snprintf(from, sizeof(from), "%s/%s.so",
			 plugins ? plugins : "plugins/.libs", names[i]);
		snprintf(to, sizeof(to), "%s/%s.so", dir, names[i]);
		if (!realpath(from, real) || symlink(real, to) != 0)
			ck_abort_msg("cannot link %s", from);
	}
	snprintf(from, sizeof(from), "%s/tagspy.so",
		 tests ? tests : "t/lib/plugins/.libs");
	snprintf(to, sizeof(to), "%s/tagspy.so", dir);
	if (!realpath(from, real) || symlink(real, to) != 0)
		ck_abort_msg("cannot link %s", from);
	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text),
		 "plugin_dir = \"%s\";\n"
		 "local_domains = [ \"example.com\" ];\n"
		 "recipients = [ \"@TMP@/rcpts\" ];\n"
		 "plugins = ( { name = \"tagspy\"; },"
		 " { name = \"harvest\"; threshold = 1; action = \"reject\"; notify = false; },"
		 " { name = \"repeat\"; threshold = 1; notify = false; },"
		 " { name = \"catchall\"; } );\n", dir);
	return fh_new(text);
}

/* The plugins that act on unknown recipients leave a tagged recipient
 * whose base exists alone; with its base unknown, they act. */
START_TEST(real_plugins_see_a_tagged_recipient_as_local)
{
	static const char *const tagged[] = {
		"<tag-1=alice@example.com>", NULL
	};
	static const char *const unknown[] = {
		"<tag-1=nosuch@example.com>", NULL
	};
	int i;

	h = mixed_host();
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(fh_message(h, "<x@example.org>", tagged, NULL,
					    "same body\n"), LG_CONTINUE);
		ck_assert_str_eq(fh_edits(h), "");
	}
	ck_assert_int_eq(fh_occurrences(fh_log(), "action="), 0);
	/* the control: an unknown base is what they act on */
	fh_message(h, "<x@example.org>", unknown, NULL, "same body\n");
	ck_assert_int_ne(fh_occurrences(fh_log(), "action="), 0);
}
END_TEST

struct chgfrom_case {
	const char *tries;		/* tagspy's chgfrom_to list */
	int at_rcpt;
	const char *log;		/* what the tries logged, in order */
	const char *edits;		/* fh_edits() after end of message */
};

/* 256 + 1 + 63 = 320 bytes, and one more */
#define LONG_LOCAL \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_DOMAIN \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.com"
#define LONGER_DOMAIN "b" LONG_DOMAIN

static const struct chgfrom_case chgfrom_cases[] = {
	{ "\"new@example.com\"", 0, "change_sender(new@example.com) = 0",
	  "chgfrom new@example.com\n" },
	/* one sender per message: the second is refused, the first kept */
	{ "\"new@example.com\", \"other@example.com\"", 0,
	  "change_sender(new@example.com) = 0|change_sender(other@example.com) = -1",
	  "chgfrom new@example.com\n" },
	{ "\"\"", 0, "change_sender() = -1", "" },
	{ "\"a b@example.com\"", 0, "change_sender(a b@example.com) = -1", "" },
	/* (the log shows the tab escaped) */
	{ "\"a\\tb@example.com\"", 0, "change_sender(a\\tb@example.com) = -1", "" },
	{ "\"<new@example.com>\"", 0, "change_sender(<new@example.com>) = -1", "" },
	{ "\"new@example.com>\"", 0, "change_sender(new@example.com>) = -1", "" },
	{ "\"newexample.com\"", 0, "change_sender(newexample.com) = -1", "" },
	{ "\"@example.com\"", 0, "change_sender(@example.com) = -1", "" },
	{ "\"new@\"", 0, "change_sender(new@) = -1", "" },
	/* 320 bytes pass, 321 do not */
	{ "\"" LONG_LOCAL "@" LONG_DOMAIN "\"", 0,
	  "change_sender(" LONG_LOCAL "@" LONG_DOMAIN ") = 0",
	  "chgfrom " LONG_LOCAL "@" LONG_DOMAIN "\n" },
	{ "\"" LONG_LOCAL "@" LONGER_DOMAIN "\"", 0,
	  "change_sender(" LONG_LOCAL "@" LONGER_DOMAIN ") = -1", "" },
	/* outside end of message: refused; at end of message it works */
	{ "\"new@example.com\"", 1,
	  "change_sender(new@example.com) = -1|change_sender(new@example.com) = 0",
	  "chgfrom new@example.com\n" },
	/* a bad try does not use up the one change */
	{ "\"bad addr@example.com\", \"new@example.com\"", 0,
	  "change_sender(bad addr@example.com) = -1|change_sender(new@example.com) = 0",
	  "chgfrom new@example.com\n" },
};

START_TEST(change_sender_rules)
{
	const struct chgfrom_case *c = &chgfrom_cases[_i];
	char settings[1024], want[1024], *p, *next;
	const char *log, *at;

	snprintf(settings, sizeof(settings),
		 "chgfrom_from = \"old@example.org\"; chgfrom_to = [ %s ];"
		 " chgfrom_at_rcpt = %s;", c->tries,
		 c->at_rcpt ? "true" : "false");
	h = tagspy_host(settings);
	fh_mail(h, "<old@example.org>");
	fh_rcpt(h, "<alice@example.com>");
	ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
	ck_assert_str_eq(fh_edits(h), c->edits);
	/* each try logged its result, in this order */
	snprintf(want, sizeof(want), "%s", c->log);
	log = fh_log();
	for (p = want; p; p = next) {
		next = strchr(p, '|');
		if (next)
			*next++ = 0;
		at = strstr(log, p);
		ck_assert_msg(at != NULL, "\"%s\" not in the log:\n%s", p,
			      fh_log());
		log = at + strlen(p);
	}
	/* the sender the plugins see stays the one the MTA gave */
	ck_assert_int_eq(fh_occurrences(fh_log(), "from=<new@example.com>"), 0);
}
END_TEST

/* Only mail from the given sender is changed; the next message starts
 * afresh (one change per message, not per connection). */
START_TEST(change_sender_is_per_message)
{
	h = tagspy_host("chgfrom_from = \"*\"; chgfrom_to = [ \"new@example.com\" ];");
	fh_mail(h, "<one@example.org>");
	fh_rcpt(h, "<alice@example.com>");
	fh_eom(h);
	ck_assert_str_eq(fh_edits(h), "chgfrom new@example.com\n");
	fh_mail(h, "<two@example.org>");
	fh_rcpt(h, "<alice@example.com>");
	fh_eom(h);
	ck_assert_str_eq(fh_edits(h), "chgfrom new@example.com\n");
	fh_free(&h);
	h = tagspy_host("chgfrom_from = \"old@example.org\"; chgfrom_to = [ \"new@example.com\" ];");
	fh_mail(h, "<other@example.org>");
	fh_rcpt(h, "<alice@example.com>");
	fh_eom(h);
	ck_assert_str_eq(fh_edits(h), "");
}
END_TEST

/* A sender change the MTA refuses at end of message is a failed edit:
 * on_error (tempfail by default), no edit reported applied. */
START_TEST(change_sender_failing_follows_on_error)
{
	h = tagspy_host("chgfrom_from = \"*\"; chgfrom_to = [ \"new@example.com\" ];");
	fh_mail(h, "<old@example.org>");
	fh_rcpt(h, "<alice@example.com>");
	fh_fail_edits(h, 1);
	ck_assert_int_eq(fh_eom(h), LG_TEMPFAIL);
	ck_assert_str_eq(fh_edits(h), "");
	ck_assert_int_eq(fh_occurrences(fh_log(),
		"the MTA refused to change the sender to new@example.com"), 1);
}
END_TEST

/* An MTA that does not offer SMFIF_CHGFROM: refused, logged once. */
START_TEST(change_sender_without_mta_support)
{
	int i;

	h = tagspy_host("chgfrom_from = \"*\"; chgfrom_to = [ \"new@example.com\" ];");
	fh_no_chgfrom(h, 1);
	for (i = 0; i < 3; i++) {
		fh_connect(h, "192.0.2.1");
		fh_mail(h, "<old@example.org>");
		fh_rcpt(h, "<alice@example.com>");
		ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
		ck_assert_str_eq(fh_edits(h), "");
	}
	ck_assert_int_eq(fh_occurrences(fh_log(),
		"change_sender(new@example.com) = -1"), 3);
	ck_assert_int_eq(fh_occurrences(fh_log(),
		"does not offer it to milters (SMFIF_CHGFROM)"), 1);
}
END_TEST

/* Counters through the host: per plugin, bad names as "other". */
START_TEST(count_through_the_host)
{
	h = tagspy_host("count_names = [ \"dsn.5.1.1\", \"dsn.5.1.1\","
			" \"bad name\", \"\", \"x\\ty\" ];");
	fh_mail(h, "<x@example.org>");
	fh_rcpt(h, "<alice@example.com>");
	fh_rcpt(h, "<tag-1=bob@example.com>");
	fh_eom(h);
	ck_assert_uint_eq(fh_counter("tagspy", "rcpt"), 2);
	ck_assert_uint_eq(fh_counter("tagspy", "untagged"), 1);
	ck_assert_uint_eq(fh_counter("tagspy", "dsn.5.1.1"), 2);
	ck_assert_uint_eq(fh_counter("tagspy", "other"), 3);
	ck_assert_uint_eq(fh_counter("tagspy", "bad name"), 0);
	ck_assert_uint_eq(fh_counter("stepspy", "rcpt"), 0);
}
END_TEST

static Suite *abi14_suite(void)
{
	Suite *s = suite_create("abi14");
	TCase *tc = tcase_create("untag");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, tagged_recipients_are_classified_by_base, 0,
			    N(untag_cases));
	tcase_add_test(tc, old_plugin_is_never_asked_to_untag);
	tcase_add_test(tc, first_plugin_that_untags_wins);
	tcase_add_test(tc, real_plugins_see_a_tagged_recipient_as_local);
	suite_add_tcase(s, tc);
	tc = tcase_create("change_sender");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, change_sender_rules, 0, N(chgfrom_cases));
	tcase_add_test(tc, change_sender_is_per_message);
	tcase_add_test(tc, change_sender_failing_follows_on_error);
	tcase_add_test(tc, change_sender_without_mta_support);
	suite_add_tcase(s, tc);
	tc = tcase_create("count");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, count_through_the_host);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(abi14_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
