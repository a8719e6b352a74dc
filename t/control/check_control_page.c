/*
 * NAME
 *	check_control_page - sorting, paging, "as NAME" and the new stats
 * SYNOPSIS
 *	check_control_page
 * DESCRIPTION
 *	Drives lg_ctl_handle() over control_fixture.c's memory store, with
 *	a few hundred more entries where order matters: every --sort
 *	field in both directions (rows checked against the field's own
 *	order), pages that put together give the whole sorted listing,
 *	an offset past the end, the bounds of --offset and --limit, bad
 *	fields and doubled options; "as NAME" (the names allowed, and the
 *	log line naming it); the stats lines of the start, reloads and
 *	watchers.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control_cmd.h"
#include "counters.h"
#include "log.h"
#include "mailer.h"
#include "outbox.h"
#include "store.h"

#include "control_fixture.h"

#define MORE	300	/* entries added for the order tests */

/* The list fields and whether they compare as numbers. */
static const struct {
	const char *name;
	int col;
	int numeric;
} fields[] = {
	{ "id", 0, 0 }, { "created", 1, 1 }, { "expires", 2, 1 },
	{ "count", 3, 1 }, { "size", 4, 1 }, { "from", 5, 0 },
	{ "to", 6, 0 }, { "client", 7, 0 }, { "plugin", 8, 0 },
	{ "status", 9, 0 },
};

/* more - MORE entries with fields that repeat, created at different
 * times (every seventh hidden) */
static void more(void)
{
	static const char *const plugins[] = { "repeat", "harvest", "bounce" };
	static const char *const statuses[] = { "looping", "Blocked", "counting" };
	struct lg_store_meta m;
	char key[64], from[64], to[64], client[64];
	int i;

	for (i = 0; i < MORE; i++) {
		snprintf(key, sizeof(key), "k:%d", i);
		snprintf(from, sizeof(from), "%c%d@example.org",
			 "abcDEf"[i % 6], i % 17);
		snprintf(to, sizeof(to), "u%d@example.com", (i * 7) % 13);
		snprintf(client, sizeof(client), "192.0.2.%d", (i * 11) % 29);
		m.from = from;
		m.to = to;
		m.client = client;
		m.status = i % 7 == 0 ? "" : statuses[i % 3];
		m.size = (i * 37) % 101;
		ck_assert_int_eq(st.ops->set(st.be, key, (i * 5) % 23,
					     600 + (i * 13) % 97,
					     T0 - (i * 31) % 211,
					     plugins[i % 3], &m), 0);
	}
}

/* column - field col of a row, copied into buf */
static const char *column(const char *row, int col, char *buf, size_t size)
{
	const char *p = row, *e;
	int i;

	for (i = 0; i < col; i++)
		p = strchr(p, '\t') + 1;
	e = p + strcspn(p, "\t\n");
	ck_assert_uint_lt((size_t) (e - p), size);
	memcpy(buf, p, (size_t) (e - p));
	buf[e - p] = 0;
	return buf;
}

/* rows - the data lines of out (the final line left out), in a copy */
static char *rows(int *n_r)
{
	char *copy = strdup(out), *p;
	int n = 0;

	ck_assert_ptr_nonnull(copy);
	for (p = copy; *p; p = strchr(p, '\n') + 1)
		n++;
	*n_r = n - 1;
	return copy;
}

/* next_row - the row after p */
static char *next_row(char *p)
{
	return strchr(p, '\n') + 1;
}

/* compare_field - a against b as the daemon sorts field f */
static int compare_field(int f, const char *a, const char *b)
{
	long long x, y;

	if (fields[f].numeric) {
		x = strtoll(a, NULL, 10);
		y = strtoll(b, NULL, 10);
		return x < y ? -1 : x > y;
	}
	if (strcmp(fields[f].name, "id") == 0)
		return strcmp(a, b);	/* hex of the same width */
	return strcasecmp(a, b) ? strcasecmp(a, b) : strcmp(a, b);
}

START_TEST(sorted_by_each_field)
{
	char req[128], a[256], b[256], *all, *p;
	int f = _i / 2, desc = _i % 2, n, i, c;

	more();
	snprintf(req, sizeof(req), "list --all --sort %s%s", fields[f].name,
		 desc ? " --desc" : "");
	ck_assert_int_eq(run(req), 0);
	ck_assert_str_eq(last(), "OK 304 entries, 0 hidden");
	all = rows(&n);
	ck_assert_int_eq(n, MORE + 4);
	for (p = all, i = 0; i + 1 < n; i++, p = next_row(p)) {
		c = compare_field(f, column(p, fields[f].col, a, sizeof(a)),
				  column(next_row(p), fields[f].col, b,
					 sizeof(b)));
		ck_assert_msg(desc ? c >= 0 : c <= 0, "%s: row %d (%s) before %s",
			      req, i, a, b);
	}
	free(all);
}
END_TEST

START_TEST(pages_make_the_whole)
{
	char req[128], whole[1 << 16], pieces[1 << 16], want[64];
	size_t wl = 0, pl = 0, n;
	int off;

	more();
	ck_assert_int_eq(run("list --sort from --desc"), 0);
	n = out_len - strlen(last()) - 1;
	ck_assert_uint_lt(n, sizeof(whole));
	memcpy(whole, out, n);
	wl = n;
	for (off = 0; off < 400; off += 7) {
		snprintf(req, sizeof(req), "list --sort from --desc --offset %d --limit 7",
			 off);
		ck_assert_int_eq(run(req), 0);
		/* every matching entry counted, not only the page */
		snprintf(want, sizeof(want), "OK 260 entries, 44 hidden, offset %d",
			 off);
		ck_assert_str_eq(last(), want);
		ck_assert_int_eq(out_lines, off >= 260 ? 1 :
				 (off + 7 <= 260 ? 8 : 260 - off + 1));
		n = out_len - strlen(last()) - 1;
		ck_assert_uint_lt(pl + n, sizeof(pieces));
		memcpy(pieces + pl, out, n);
		pl += n;
	}
	ck_assert_uint_eq(pl, wl);
	ck_assert(memcmp(pieces, whole, wl) == 0);
}
END_TEST

START_TEST(unsorted_page_is_a_slice)
{
	char whole[4096], req[64], *p;
	int i, k;

	ck_assert_int_eq(run("list --all"), 0);
	ck_assert_uint_lt(out_len, sizeof(whole));
	memcpy(whole, out, out_len + 1);
	for (i = 0; i < 4; i++) {
		snprintf(req, sizeof(req), "list --all --offset %d --limit 1", i);
		ck_assert_int_eq(run(req), 0);
		ck_assert_int_eq(out_lines, 2);
		for (p = whole, k = 0; k < i; k++)
			p = next_row(p);
		ck_assert(strncmp(out, p, (size_t) (next_row(p) - p)) == 0);
	}
	ck_assert_int_eq(run("list --offset 3"), 0);
	ck_assert_str_eq(last(), "OK 3 entries, 1 hidden, offset 3");
	ck_assert_int_eq(out_lines, 1);
	ck_assert_int_eq(run("list --limit 2"), 0);
	ck_assert_str_eq(last(), "OK 3 entries, 1 hidden, offset 0");
	ck_assert_int_eq(out_lines, 3);
}
END_TEST

/* Requests with paging options: the final line. */
static const struct {
	const char *req;
	const char *last;
} bounds[] = {
	{ "list --sort created --offset 3", "OK 3 entries, 1 hidden, offset 3" },
	{ "list --sort created --offset 99", "OK 3 entries, 1 hidden, offset 99" },
	{ "list --sort count --limit 1000", "OK 3 entries, 1 hidden, offset 0" },
	{ "list --offset 2147483648", "OK 3 entries, 1 hidden, offset 2147483648" },
	{ "list --offset 0 --limit 1 --sort size --desc --plugin repeat",
	  "OK 1 entries, 0 hidden, offset 0" },
	{ "list --sort created", "OK 3 entries, 1 hidden" },
	{ "list --limit 0", "ERR list: --limit must be 1 to 1000" },
	{ "list --limit 1001", "ERR list: --limit must be 1 to 1000" },
	{ "list --limit -1", "ERR list: --limit must be 1 to 1000" },
	{ "list --limit 1x", "ERR list: --limit must be 1 to 1000" },
	{ "list --limit 99999999999", "ERR list: --limit must be 1 to 1000" },
	{ "list --offset 2147483649", "ERR list: --offset must be 0 to 2147483648" },
	{ "list --offset", "ERR list: --offset needs a value" },
	{ "list --sort", "ERR list: --sort needs a value" },
	{ "list --sort bogus", "ERR list: --sort: unknown field bogus (id, created, expires, count, size, from, to, client, plugin, status)" },
	{ "list --sort key", "ERR list: --sort: unknown field key (id, created, expires, count, size, from, to, client, plugin, status)" },
	{ "list --sort next", "ERR list: --sort: unknown field next (id, created, expires, count, size, from, to, client, plugin, status)" },
	{ "list --desc", "ERR list: --desc needs --sort FIELD" },
	/* a value that looks like an option is the pattern's or plugin's */
	{ "list --match --desc", "OK 0 entries, 0 hidden" },
	{ "list --match --limit --sort id", "OK 0 entries, 0 hidden" },
	{ "list --plugin --sort", "OK 0 entries, 0 hidden" },
	{ "list --sort id --sort to", "ERR list: --sort given twice" },
	{ "list --sort id --desc --desc", "ERR list: --desc given twice" },
	{ "list --limit 1 --limit 2", "ERR list: --limit given twice" },
	{ "remove --sort id", "ERR remove: unknown option --sort" },
	{ "remove --all --limit 1", "ERR remove: unknown option --limit" },
	{ "queue --sort id", "ERR queue: no outbox (the config has no mailer group)" },
};

START_TEST(paging_bounds)
{
	run(bounds[_i].req);
	ck_assert_str_eq(last(), bounds[_i].last);
}
END_TEST

START_TEST(as_names_the_client)
{
	char id[LG_CTL_ID_LEN + 1], req[128];

	ck_assert_int_eq(run("as admin list"), 0);
	ck_assert_str_eq(last(), "OK 3 entries, 1 hidden");
	lg_ctl_entry_id("repeat:1a2b", id);
	snprintf(req, sizeof(req), "as ops.Team_1@example-host.org remove %s", id);
	ck_assert_int_eq(run(req), 0);
	ck_assert_str_eq(last(), "OK 1 removed");
	ck_assert(lg_log_captured_has("control: uid 0 pid 1 as ops.Team_1@example-host.org removed 1 entries (by id)"));
	ck_assert_int_eq(run("as viewer reload"), 0);
	ck_assert(lg_log_captured_has("control: uid 0 pid 1 as viewer asked for a reload"));
}
END_TEST

/* "as" requests that are refused: the final line. */
static const struct {
	const char *req;
	const char *last;
} bad_as[] = {
	{ "as", "ERR as: bad name (1-64 bytes of A-Z a-z 0-9 . _ @ -)" },
	{ "as a!b list", "ERR as: bad name (1-64 bytes of A-Z a-z 0-9 . _ @ -)" },
	{ "as a/b list", "ERR as: bad name (1-64 bytes of A-Z a-z 0-9 . _ @ -)" },
	{ "as m\xc3\xbcller list", "ERR as: bad name (1-64 bytes of A-Z a-z 0-9 . _ @ -)" },
	{ "as aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa list",
	  "ERR as: bad name (1-64 bytes of A-Z a-z 0-9 . _ @ -)" },
	{ "as admin", "ERR empty request (commands: list, remove, stats, reload, queue, state, lookup, watch)" },
	{ "as admin as root list", "ERR unknown command as (commands: list, remove, stats, reload, queue, state, lookup, watch)" },
	{ "as aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa list",
	  "OK 3 entries, 1 hidden" },	/* 64 bytes: the longest */
};

START_TEST(as_refused)
{
	run(bad_as[_i].req);
	ck_assert_str_eq(last(), bad_as[_i].last);
}
END_TEST

/* has_line - the reply holds this exact line */
static int has_line(const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	return strstr(out, want) != NULL;
}

START_TEST(stats_start_and_reloads)
{
	struct lg_reload_counts before;
	char line[64];

	lg_reload_counts(&before);
	lg_reload_first(T0 - 100);
	lg_reload_count(1, T0 - 50);
	lg_reload_count(0, T0 - 40);
	lg_reload_count(0, T0 - 30);
	ck_assert_int_eq(run("stats"), 0);
	ck_assert(has_line("started\t1699999900"));
	snprintf(line, sizeof(line), "reloads_ok\t%llu", before.ok + 1);
	ck_assert_msg(has_line(line), "no %s in\n%s", line, out);
	snprintf(line, sizeof(line), "reloads_failed\t%llu", before.failed + 2);
	ck_assert(has_line(line));
	ck_assert(has_line("last_reload\t1699999950"));	/* the last good one */
	ck_assert(has_line("watchers\t0"));
	ck_assert(strstr(out, "outbox_") == NULL);	/* no mailer here */
	ck_assert_str_eq(last(), "OK");
}
END_TEST

/* outbox_of_five - an outbox with five messages, made at T0 + 0..4 s
 * (sizes 13..17 bytes), handed to the control socket; *dir_r its
 * folder, to remove */
static struct lg_outbox *outbox_of_five(char *dir, size_t size)
{
	static const char *const rcpts[] = { "carol@example.com",
		"Alice@example.com", "eve@example.net", "bob@example.com",
		"dave@example.org" };
	struct lg_outbox *ob;
	char err[256], text[32];
	int i;

	snprintf(dir, size, "/tmp/check_control_page.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ob = lg_outbox_open(dir, err, sizeof(err));
	ck_assert_msg(ob != NULL, "%s", err);
	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "Subject: %d\n\n%.*s", i, i + 1,
			 "xxxxx");
		ck_assert_int_eq(lg_outbox_add(ob, rcpts[i], text, strlen(text),
					       T0 + i, NULL), 0);
	}
	lg_mailer_set_outbox(ob);
	return ob;
}

/* outbox_gone - the outbox closed and its folder removed */
static void outbox_gone(struct lg_outbox *ob, const char *dir)
{
	char cmd[256];

	lg_mailer_set_outbox(NULL);
	lg_outbox_close(&ob);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* row_to - the recipient (7th field) of row i of out */
static const char *row_to(int i, char *buf, size_t size)
{
	char *p = out;

	while (i-- > 0)
		p = next_row(p);
	return column(p, 6, buf, size);
}

START_TEST(queue_sorted_and_paged)
{
	struct lg_outbox *ob;
	char dir[64], a[128];

	ob = outbox_of_five(dir, sizeof(dir));
	ck_assert_int_eq(run("queue"), 0);
	ck_assert_str_eq(last(), "OK 5 messages");
	ck_assert_str_eq(row_to(0, a, sizeof(a)), "carol@example.com");
	ck_assert_str_eq(row_to(4, a, sizeof(a)), "dave@example.org");
	ck_assert_int_eq(run("queue --sort to"), 0);
	ck_assert_str_eq(last(), "OK 5 messages");
	ck_assert_str_eq(row_to(0, a, sizeof(a)), "Alice@example.com");
	ck_assert_str_eq(row_to(1, a, sizeof(a)), "bob@example.com");
	ck_assert_str_eq(row_to(4, a, sizeof(a)), "eve@example.net");
	ck_assert_int_eq(run("queue --sort created --desc --offset 1 --limit 2"), 0);
	ck_assert_str_eq(last(), "OK 5 messages, offset 1");
	ck_assert_int_eq(out_lines, 3);
	ck_assert_str_eq(row_to(0, a, sizeof(a)), "bob@example.com");
	ck_assert_str_eq(row_to(1, a, sizeof(a)), "eve@example.net");
	ck_assert_int_eq(run("queue --offset 4"), 0);
	ck_assert_str_eq(last(), "OK 5 messages, offset 4");
	ck_assert_str_eq(row_to(0, a, sizeof(a)), "dave@example.org");
	ck_assert_int_eq(run("queue --offset 5"), 0);
	ck_assert_str_eq(last(), "OK 5 messages, offset 5");
	ck_assert_int_eq(out_lines, 1);
	ck_assert_int_eq(run("queue --match *@EXAMPLE.com --sort size --desc"), 0);
	ck_assert_str_eq(last(), "OK 3 messages");
	ck_assert_str_eq(row_to(0, a, sizeof(a)), "bob@example.com");
	ck_assert_int_eq(run("queue --match queued --limit 1"), 0);
	ck_assert_str_eq(last(), "OK 5 messages, offset 0");
	ck_assert_int_eq(run("queue --sort from"), -1);
	ck_assert_str_eq(last(), "ERR queue: --sort: unknown field from (id, created, next, attempts, size, to, status)");
	ck_assert_int_eq(run("queue --limit 1001"), -1);
	ck_assert_str_eq(last(), "ERR queue: --limit must be 1 to 1000");
	ck_assert_int_eq(run("queue --match"), -1);
	ck_assert_str_eq(last(), "ERR queue: --match needs a value");
	ck_assert_int_eq(run("queue --bogus"), -1);
	/* stats: the outbox's totals */
	ck_assert_int_eq(run("stats"), 0);
	ck_assert(has_line("outbox_messages\t5"));
	ck_assert(has_line("outbox_bytes\t75"));	/* 13 + ... + 17 */
	ck_assert(has_line("outbox_oldest\t1700000000"));
	outbox_gone(ob, dir);
}
END_TEST

/* page_suite - the cases */
static Suite *page_suite(void)
{
	Suite *s = suite_create("control_page");
	TCase *tc = tcase_create("page");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, sorted_by_each_field, 0, 2 * N(fields));
	tcase_add_test(tc, pages_make_the_whole);
	tcase_add_test(tc, unsorted_page_is_a_slice);
	tcase_add_loop_test(tc, paging_bounds, 0, N(bounds));
	tcase_add_test(tc, as_names_the_client);
	tcase_add_loop_test(tc, as_refused, 0, N(bad_as));
	tcase_add_test(tc, stats_start_and_reloads);
	tcase_add_test(tc, queue_sorted_and_paged);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 on any failure */
int main(void)
{
	SRunner *sr = srunner_create(page_suite());
	int failed;

	lg_log_open("check_control_page", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
