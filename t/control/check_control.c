/*
 * NAME
 *	check_control - unit tests of the control protocol
 * SYNOPSIS
 *	check_control
 * DESCRIPTION
 *	The "cmd" cases drive lg_ctl_handle() directly against a real
 *	memory store, with a frozen "now", and collect the reply lines in
 *	memory: list filters, hidden entries, remove by id, --all and
 *	--match, stats, reload, and every way a request can be wrong.
 *	The socket is check_control_socket's; the store fixture is in
 *	control_fixture.c.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_cmd.h"
#include "counters.h"
#include "log.h"
#include "store.h"

#include "control_fixture.h"

/* has_line - the reply holds this exact line */
static int has_line(const char *line)
{
	char want[4200];

	snprintf(want, sizeof(want), "\n%s\n", line);
	return strncmp(out, want + 1, strlen(want + 1)) == 0 ||
	       strstr(out, want) != NULL;
}

/* row_of - the list row of key ("" if none) */
static const char *row_of(const char *key)
{
	static char row[4096];
	char id[LG_CTL_ID_LEN + 1], *p;
	size_t n;

	lg_ctl_entry_id(key, id);
	row[0] = 0;
	for (p = out; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, id, LG_CTL_ID_LEN) == 0 && p[LG_CTL_ID_LEN] == '\t') {
			n = (size_t) (strchr(p, '\n') - p);
			ck_assert_uint_lt(n, sizeof(row));
			memcpy(row, p, n);
			row[n] = 0;
		}
	return row;
}

START_TEST(entry_id_is_fnv1a)
{
	char id[LG_CTL_ID_LEN + 1];

	lg_ctl_entry_id("", id);
	ck_assert_str_eq(id, "cbf29ce484");	/* FNV-1a 64 offset basis */
	lg_ctl_entry_id("a", id);
	ck_assert_str_eq(id, "af63dc4c86");
}
END_TEST

START_TEST(list_default_hides_bookkeeping)
{
	char id[LG_CTL_ID_LEN + 1], want[512];

	ck_assert_int_eq(run("list"), 0);
	lg_ctl_entry_id("repeat:1a2b", id);
	snprintf(want, sizeof(want), "%s\t%d\t%d\t3\t5200\talice@example.org\tnobody@example.com\t192.0.2.7\trepeat\tlooping\trepeat:1a2b",
		 id, T0, T0 + 3600);
	ck_assert_str_eq(row_of("repeat:1a2b"), want);
	ck_assert_str_eq(row_of("bounce:msgid-123"), "");
}
END_TEST

/* Requests that change nothing (bounce: is hidden unless --all): the
 * last line of the reply, and a key whose row it must show (NULL: none
 * asked for). */
static const struct {
	const char *req;
	const char *last;
	const char *key;
} queries[] = {
	{ "list", "OK 3 entries, 1 hidden", "repeat:1a2b" },
	{ "list --all", "OK 4 entries, 0 hidden", "bounce:msgid-123" },
	{ "list --plugin repeat", "OK 1 entries, 0 hidden", "repeat:1a2b" },
	{ "list --plugin bounce", "OK 0 entries, 1 hidden", NULL },
	{ "list --plugin bounce --all", "OK 1 entries, 0 hidden",
	  "bounce:msgid-123" },
	/* case-insensitive, against from, to, client and key */
	{ "list --match *@EXAMPLE.com", "OK 2 entries, 1 hidden", NULL },
	{ "list --match 192.0.2.*", "OK 2 entries, 0 hidden", NULL },
	{ "list   --match   harvest:*  ", "OK 1 entries, 0 hidden",
	  "harvest:192.0.2.0/24" },
	{ "list --match 192.0.2.* --plugin repeat", "OK 1 entries, 0 hidden",
	  "repeat:1a2b" },
	{ "list --match nothing-like-this", "OK 0 entries, 0 hidden", NULL },
	{ "list --match [a-c]*@example.org", "OK 1 entries, 0 hidden", NULL },
	{ "stats\r\n", "OK", NULL },
	{ "list\n", "OK 3 entries, 1 hidden", NULL },
};

START_TEST(query)
{
	unsigned entries = 0;

	ck_assert_int_eq(run(queries[_i].req), 0);
	ck_assert_str_eq(last(), queries[_i].last);
	if (sscanf(queries[_i].last, "OK %u entries", &entries) == 1)
		ck_assert_int_eq(out_lines, (int) entries + 1);
	if (queries[_i].key)
		ck_assert_str_ne(row_of(queries[_i].key), "");
}
END_TEST

START_TEST(list_escapes_fields)
{
	char want[256];
	const char *row;

	put("repeat:odd", "repeat", 1, "a\tb\\c\nd\x01" "e", "m\xc3\xbcller@example.de",
	    "", "looping", 0);
	ck_assert_int_eq(run("list --match m\xc3\xbc*"), 0);
	ck_assert_str_eq(last(), "OK 1 entries, 0 hidden");
	row = row_of("repeat:odd");
	snprintf(want, sizeof(want), "\t1\t0\ta\\tb\\\\c\\nd\\x01e\tm\xc3\xbcller@example.de\t\trepeat\tlooping\trepeat:odd");
	ck_assert_ptr_nonnull(strstr(row, want));
}
END_TEST

START_TEST(remove_by_id)
{
	char id1[LG_CTL_ID_LEN + 1], id2[LG_CTL_ID_LEN + 1], req[128];
	size_t i;

	lg_ctl_entry_id("repeat:1a2b", id1);
	lg_ctl_entry_id("bounce:msgid-123", id2);
	for (i = 0; id2[i]; i++)	/* ids are case-insensitive */
		if (id2[i] >= 'a' && id2[i] <= 'f')
			id2[i] = (char) (id2[i] - 'a' + 'A');
	snprintf(req, sizeof(req), "remove %s %s", id1, id2);
	ck_assert_int_eq(run(req), 0);
	ck_assert_str_eq(last(), "OK 2 removed");
	ck_assert_ptr_nonnull(strstr(lg_log_captured(),
				     "control: uid 0 pid 1 removed 2 entries (by id)"));
	ck_assert_int_eq(run("list --all"), 0);
	ck_assert_str_eq(last(), "OK 2 entries, 0 hidden");
	ck_assert_str_eq(row_of("repeat:1a2b"), "");
	/* gone now: an error naming it, the rest still removed */
	lg_ctl_entry_id("harvest:192.0.2.0/24", id2);
	snprintf(req, sizeof(req), "remove %s %s", id1, id2);
	ck_assert_int_eq(run(req), -1);
	snprintf(req, sizeof(req), "ERR remove: no entry with id %s (1 removed)",
		 id1);
	ck_assert_str_eq(last(), req);
	ck_assert_int_eq(run("list"), 0);
	ck_assert_str_eq(last(), "OK 1 entries, 0 hidden");
}
END_TEST

/* One request of a script, and the last line of its reply. */
struct step {
	const char *req;
	const char *last;
};

/* run_script - the steps in order, each against the store the last left;
 * a request fails (-1) exactly when its reply is an error */
static void run_script(const struct step *steps, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(run(steps[i].req),
				 strncmp(steps[i].last, "ERR ", 4) ? 0 : -1);
		ck_assert_str_eq(last(), steps[i].last);
	}
}

START_TEST(remove_all_keeps_bookkeeping)
{
	static const struct step steps[] = {
		{ "remove --all", "OK 3 removed" },
		{ "remove --all", "OK 0 removed" },
		{ "list --all", "OK 1 entries, 0 hidden" },
	};

	run_script(steps, N(steps));
	ck_assert_str_ne(row_of("bounce:msgid-123"), "");
}
END_TEST

START_TEST(remove_match)
{
	static const struct step steps[] = {
		{ "remove --match *@example.com --plugin repeat",
		  "OK 1 removed" },
		{ "remove --match *@example.com", "OK 1 removed" },
		{ "remove --all --plugin harvest", "OK 1 removed" },
		{ "list --all", "OK 1 entries, 0 hidden" },
	};

	run_script(steps, N(steps));
}
END_TEST

START_TEST(stats_lines)
{
	static const char *const lines[] = {
		"version\t9.9.9", "uptime\t110", "entries\t4", "evicted\t0",
		"messages\t7", "errors\t2", "connections\t0", "recipients\t0",
		"unknown\t0", "action\tcatchall\tredirect\t2",
	};
	static const struct step no_store[] = {
		{ "list", "ERR list: no store is open" },
		{ "remove --all", "ERR remove: no store is open" },
	};
	int i;

	lg_counter_add(LG_COUNT_MESSAGES, 7);
	lg_counter_add(LG_COUNT_ERRORS, 2);
	lg_action_count("catchall", "redirect");
	lg_action_count("catchall", "redirect");
	ck_assert_int_eq(run("stats"), 0);
	for (i = 0; i < N(lines); i++)
		ck_assert_msg(has_line(lines[i]), "no line %s", lines[i]);
	ck_assert_ptr_nonnull(strstr(out, "\nbytes\t"));
	ck_assert_str_eq(last(), "OK");
	env_store = NULL;	/* no store: counters only */
	ck_assert_int_eq(run("stats"), 0);
	ck_assert_ptr_null(strstr(out, "entries"));
	ck_assert(has_line("messages\t7"));
	run_script(no_store, N(no_store));
}
END_TEST

START_TEST(reload_asks_main)
{
	struct lg_ctl_env env = { &st, T0, T0, "1", NULL, NULL };

	ck_assert_int_eq(run("reload"), 0);
	ck_assert_int_eq(reloads, 1);
	ck_assert_int_eq(reload_forced, 0);
	ck_assert_str_eq(last(), "OK reloaded");
	ck_assert_int_eq(run("reload --force"), 0);
	ck_assert_int_eq(reload_forced, 1);
	ck_assert_int_eq(run("reload --hard"), -1);
	ck_assert_str_eq(last(), "ERR reload: unexpected argument --hard");
	reloads = 1;
	reload_fails = 1;
	ck_assert_int_eq(run("reload"), -1);
	reload_fails = 0;
	ck_assert_int_eq(reloads, 2);
	ck_assert_str_eq(last(), "ERR reload refused, old config kept: /x/lg.conf:3: unknown setting \"bogus\"");
	out_len = 0;
	ck_assert_int_eq(lg_ctl_handle(&env, "reload", 6, collect, NULL), -1);
	ck_assert_str_eq(last(), "ERR reload: not available");
	ck_assert_int_eq(reloads, 2);
}
END_TEST

/* Requests that must be refused, and the start of their reply. */
static const struct {
	const char *req;
	size_t len;		/* 0: strlen */
	const char *err;
} bad[] = {
	{ "", 0, "ERR empty request" },
	{ "    ", 0, "ERR empty request" },
	{ "\r\n", 0, "ERR empty request" },
	{ "bogus", 0, "ERR unknown command bogus (commands:" },
	{ "LIST", 0, "ERR unknown command LIST" },
	{ "-h", 0, "ERR unknown command -h" },
	{ "list --bogus", 0, "ERR list: unknown option --bogus" },
	{ "list -a", 0, "ERR list: unknown option -a" },
	{ "list --plugin", 0, "ERR list: --plugin needs a value" },
	{ "list --match", 0, "ERR list: --match needs a value" },
	{ "list --plugin a --plugin b", 0, "ERR list: --plugin given twice" },
	{ "list --all --all", 0, "ERR list: --all given twice" },
	{ "list extra", 0, "ERR list: unexpected argument extra" },
	{ "remove", 0, "ERR remove: give ids, --all or --match PATTERN" },
	{ "remove --plugin repeat", 0, "ERR remove: give ids, --all or --match" },
	{ "remove --all 0123456789", 0, "ERR remove: give ids, or --all, or --match PATTERN, not both" },
	{ "remove --all --match x", 0, "ERR remove: --all and --match exclude each other" },
	{ "remove zz", 0, "ERR remove: bad id zz (ids are 10 hex digits" },
	{ "remove 012345678", 0, "ERR remove: bad id 012345678 " },
	{ "remove 0123456789a", 0, "ERR remove: bad id 0123456789a " },
	{ "remove 012345678g", 0, "ERR remove: bad id 012345678g " },
	{ "remove --nope", 0, "ERR remove: unknown option --nope" },
	{ "stats now", 0, "ERR stats: unexpected argument now" },
	{ "reload now", 0, "ERR reload: unexpected argument now" },
	{ "list\t--all", 0, "ERR request has a control byte 0x09 at offset 4" },
	{ "stats\0", 6, "ERR request has a control byte 0x00 at offset 5" },
	{ "\x01\x02\x03\xff\xfe", 0, "ERR request has a control byte 0x01 at offset 0" },
	{ "list \xff\xfe", 0, "ERR request is not valid UTF-8 at offset 5" },
	{ "list \xc3", 0, "ERR request is not valid UTF-8 at offset 5" },
	{ "list \xed\xa0\x80", 0, "ERR request is not valid UTF-8" },
	{ "list \xc0\xaf", 0, "ERR request is not valid UTF-8" },
	{ "stats\x7f", 0, "ERR request has a control byte 0x7f" },
	{ "stats\n\n", 0, "ERR request has a control byte 0x0a at offset 5" },
};

START_TEST(bad_requests)
{
	size_t len = bad[_i].len ? bad[_i].len : strlen(bad[_i].req);

	ck_assert_int_eq(run_n(bad[_i].req, len), -1);
	ck_assert_int_eq(out_lines, 1);
	ck_assert_msg(strncmp(last(), bad[_i].err, strlen(bad[_i].err)) == 0,
		      "request %zu: got \"%s\", want \"%s...\"", (size_t) _i,
		      last(), bad[_i].err);
	ck_assert_int_eq(reloads, 0);
}
END_TEST

START_TEST(length_limits)
{
	static char line[LG_CTL_LINE_MAX + 64];
	size_t i;

	memset(line, ' ', sizeof(line));
	memcpy(line, "stats", 5);
	ck_assert_int_eq(run_n(line, LG_CTL_LINE_MAX), 0);
	ck_assert_int_eq(run_n(line, LG_CTL_LINE_MAX + 1), -1);
	ck_assert_str_eq(last(), "ERR line too long (at most 4096 bytes)");
	line[LG_CTL_LINE_MAX] = '\n';
	ck_assert_int_eq(run_n(line, LG_CTL_LINE_MAX + 1), 0);
	ck_assert_int_eq(run_n(line, sizeof(line)), -1);
	ck_assert_str_eq(last(), "ERR line too long (at most 4096 bytes)");
	for (i = 0; i + 1 < 1400; i += 2)
		memcpy(line + i, "a ", 2);
	ck_assert_int_eq(run_n(line, 1400), -1);
	ck_assert_str_eq(last(), "ERR request has more than 512 words");
	/* a long word is echoed cut short */
	memset(line, 'x', 3000);
	ck_assert_int_eq(run_n(line, 3000), -1);
	ck_assert_uint_lt(out_len, 200);
	ck_assert_ptr_nonnull(strstr(out, "xxx... (commands:"));
}
END_TEST

START_TEST(out_gives_up)
{
	out_stop_after = 1;
	ck_assert_int_eq(run("list --all"), -1);
	ck_assert_int_eq(out_lines, 1);
	out_stop_after = 0;
	ck_assert_int_eq(run("stats"), -1);
	ck_assert_int_eq(out_lines, 0);
	ck_assert_int_eq(run("bogus"), -1);
}
END_TEST

START_TEST(random_junk)
{
	unsigned char line[300];
	unsigned seed = 12345;
	size_t i, len;
	int k;
	const char *l;

	for (k = 0; k < 3000; k++) {
		len = (size_t) (rand_r(&seed) % (int) sizeof(line));
		for (i = 0; i < len; i++) {
			line[i] = (unsigned char) rand_r(&seed);
			if (k % 3 == 0)	/* mostly printable, some words */
				line[i] = (unsigned char) (k % 2 ? ' ' + line[i] % 95 :
							    "list remove --all --match --plugin *"[line[i] % 36]);
		}
		run_n((const char *) line, len);
		l = last();
		ck_assert(strcmp(l, "OK") == 0 || strncmp(l, "OK ", 3) == 0 ||
			  strncmp(l, "ERR ", 4) == 0);
	}
}
END_TEST
/* control_suite - the protocol cases */
static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("cmd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, entry_id_is_fnv1a);
	tcase_add_test(tc, list_default_hides_bookkeeping);
	tcase_add_loop_test(tc, query, 0, N(queries));
	tcase_add_test(tc, list_escapes_fields);
	tcase_add_test(tc, remove_by_id);
	tcase_add_test(tc, remove_all_keeps_bookkeeping);
	tcase_add_test(tc, remove_match);
	tcase_add_test(tc, stats_lines);
	tcase_add_test(tc, reload_asks_main);
	tcase_add_loop_test(tc, bad_requests, 0, N(bad));
	tcase_add_test(tc, length_limits);
	tcase_add_test(tc, out_gives_up);
	tcase_add_test(tc, random_junk);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 on any failure */
int main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	lg_log_open("check_control", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
