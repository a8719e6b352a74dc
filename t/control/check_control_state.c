/*
 * NAME
 *	check_control_state - unit tests for milter/control/control_state.c
 *	and the health lines of stats
 * SYNOPSIS
 *	t/control/check_control_state
 * DESCRIPTION
 *	Over the control fixture's memory store (three visible entries, one
 *	hidden, "now" T0 + 10): "state export" streams the format line and
 *	every entry, bookkeeping included, each line reading back as the
 *	entry; "state import" is driven through lg_ctl_handle_body() with
 *	a table of request bodies: entries set as they are, expired ones
 *	skipped, comments passed over, and each bad body (format line,
 *	field, line too long, empty) refused with its line number, the
 *	rest of the body read up to "." so the client hears the answer,
 *	and nothing after the bad line imported; a client gone mid-body
 *	gets no answer; without a body reader import is refused. stats
 *	names the memory backend and says it is up.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "control_cmd.h"
#include "state_line.h"
#include "store.h"

#include "control_fixture.h"

#define MAX_BODY	8

/* One request body: its lines, given one at a time. */
struct body {
	const char *lines[MAX_BODY];	/* NULL ends it with "." */
	int gone_at;			/* -1, or a line at which the
					 * client is gone */
	int next;
};

/* body_in - lg_ctl_in_fn over a struct body; -2 for a line longer
 * than the buffer */
static int body_in(void *arg, char *buf, size_t size, size_t *len_r)
{
	struct body *b = arg;
	const char *l;
	size_t n;

	if (b->next == b->gone_at)
		return -1;
	if (b->next == MAX_BODY || (l = b->lines[b->next]) == NULL) {
		b->next++;
		return 0;
	}
	b->next++;
	if ((n = strlen(l)) >= size)
		return -2;
	memcpy(buf, l, n + 1);
	*len_r = n;
	return 1;
}

/* run_body - "state import" with that body; the reply in out */
static int run_body(struct body *b)
{
	struct lg_ctl_env env = { env_store, T0 + 10, T0 - 100, "9.9.9",
				  NULL, "uid 0 pid 1" };

	out_len = 0;
	out_lines = 0;
	out[0] = 0;
	return lg_ctl_handle_body(&env, "state import", 12, body_in, b,
				  collect, NULL);
}

/* count_of - a key's live count at T0 + 10, or -1 */
static long long count_of(const char *key)
{
	struct lg_store_value v;

	return st.ops->get(st.be, key, T0 + 10, &v) == 1 ? v.count : -1;
}

START_TEST(export_streams_every_entry)
{
	static struct lg_state_line parsed;
	char line[LG_STATE_LINE_MAX + 1], err[256];
	const char *p = out, *nl;
	int entries = 0, n = 0;

	ck_assert_int_eq(run("state export"), 0);
	ck_assert_str_eq(last(), "OK 4 entries");
	for (; (nl = strchr(p, '\n')) != NULL && strncmp(p, "OK", 2) != 0;
	     p = nl + 1, n++) {
		ck_assert_uint_lt((size_t) (nl - p), sizeof(line));
		memcpy(line, p, (size_t) (nl - p));
		line[nl - p] = 0;
		if (n == 0) {
			ck_assert_str_eq(line, LG_STATE_HEADER);
			continue;
		}
		ck_assert_int_eq(lg_state_parse(line, strlen(line), T0 + 10,
						&parsed, err, sizeof(err)), 1);
		ck_assert(parsed.rec.created == T0);
		ck_assert(parsed.rec.expires == T0 + 3600);
		if (strcmp(parsed.rec.key, "bounce:msgid-123") == 0) {
			ck_assert_str_eq(parsed.rec.status, "");
			ck_assert_str_eq(parsed.rec.from, "carol@example.com");
		}
		if (strcmp(parsed.rec.key, "repeat:1a2b") == 0) {
			ck_assert(parsed.rec.count == 3);
			ck_assert(parsed.rec.size == 5200);
			ck_assert_str_eq(parsed.rec.plugin, "repeat");
		}
		entries++;
	}
	ck_assert_int_eq(entries, 4);
}
END_TEST

#define HDR	"loopguard-state\t1"
#define ENTRY(k, c, ex)	"entry\t" k "\tharvest\t" c "\t0\t1700000000\t" ex \
	"\tp@x\tu@example.com\t192.0.2.0/24\tblocked"

struct import_case {
	struct body body;
	const char *final;
	const char *key;	/* its count after the import */
	long long count;
	int read_all;		/* the body was read up to its "." */
};

static const struct import_case imports[] = {
	{ { { HDR, ENTRY("imp:a", "7", "1800000000"), "# a comment", "",
	      ENTRY("imp:b", "2", "1700000005") }, -1, 0 },
	  "OK 1 imported, 1 expired skipped", "imp:a", 7, 1 },
	{ { { HDR, ENTRY("repeat:1a2b", "99", "1800000000") }, -1, 0 },
	  "OK 1 imported, 0 expired skipped", "repeat:1a2b", 99, 1 },
	{ { { HDR, ENTRY("imp:a", "7", "1800000000"),
	      ENTRY("imp:c", "x", "1800000000"),
	      ENTRY("imp:d", "1", "1800000000") }, -1, 0 },
	  "ERR state import: line 3: field 4 (count): not a number from "
	  "-9223372036854775808 to 9223372036854775807 (1 imported before "
	  "it)", "imp:d", -1, 1 },
	{ { { "loopguard-state\t2", ENTRY("imp:a", "7", "1800000000") }, -1,
	    0 },
	  "ERR state import: line 1: format version 2 is not supported "
	  "(this loopguard reads version 1) (0 imported before it)", "imp:a",
	  -1, 1 },
	{ { { HDR, "garbage",
	      ENTRY("imp:e", "1", "1800000000") }, -1, 0 },
	  "ERR state import: line 2: unknown line (an entry line starts with "
	  "\"entry\" and a tab) (0 imported before it)", "imp:e", -1, 1 },
	{ { { NULL }, -1, 0 }, "ERR state import: empty file", NULL, 0, 1 },
	{ { { HDR, ENTRY("imp:f", "1", "1800000000"), HDR }, 2, 0 },
	  NULL, "imp:f", 1, 0 },
};

START_TEST(import_bodies)
{
	const struct import_case *c = &imports[_i];
	struct body b = c->body;
	int i, n = 0;

	ck_assert_int_eq(run_body(&b), c->final && !strncmp(c->final, "OK", 2) ?
			 0 : -1);
	if (c->final)
		ck_assert_str_eq(last(), c->final);
	else
		ck_assert_uint_eq(out_len, 0);	/* gone: no answer */
	if (c->key)
		ck_assert_int_eq(count_of(c->key), c->count);
	for (i = 0; i < MAX_BODY && c->body.lines[i]; i++)
		n++;
	if (c->read_all)
		ck_assert_int_eq(b.next, n + 1);
}
END_TEST

START_TEST(import_line_too_long)
{
	static char huge[LG_STATE_LINE_MAX + 2];
	struct body b = { { HDR, huge, ENTRY("imp:g", "1", "1800000000") },
			  -1, 0 };

	memset(huge, 'a', sizeof(huge) - 1);
	ck_assert_int_eq(run_body(&b), -1);
	ck_assert_str_eq(last(), "ERR state import: line 2: line too long (at "
			 "most 24576 bytes) (0 imported before it)");
	ck_assert_int_eq(b.next, 4);
	ck_assert_int_eq(count_of("imp:g"), -1);
}
END_TEST

START_TEST(import_needs_a_body)
{
	ck_assert_int_eq(run("state import"), -1);
	ck_assert_str_eq(last(), "ERR state import: not available here");
	ck_assert_int_eq(run("state"), -1);
	ck_assert_str_eq(last(), "ERR state: use \"state export\" or \"state "
			 "import\"");
	ck_assert_int_eq(run("state export now"), -1);
	ck_assert_int_eq(run("state drop"), -1);
	env_store = NULL;
	ck_assert_int_eq(run("state export"), -1);
	ck_assert_str_eq(last(), "ERR state: no store is open");
}
END_TEST

START_TEST(stats_health)
{
	ck_assert_int_eq(run("stats"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\nbackend\tmemory\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nhealth\tup\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nfallback\tno\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nmemory_entries\t4\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nmemory_bytes\t"));
	ck_assert_ptr_null(strstr(out, "down_since"));
	ck_assert_ptr_null(strstr(out, "\nserver\t"));
	ck_assert_ptr_null(strstr(out, "fallback_entries"));
	/* a memory store is never only a fallback: list adds no note */
	ck_assert_int_eq(run("list --all"), 0);
	ck_assert_ptr_null(strstr(out, "fallback\t"));
}
END_TEST

/* state_suite - the cases above */
static Suite *state_suite(void)
{
	Suite *s = suite_create("control state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, export_streams_every_entry);
	tcase_add_loop_test(tc, import_bodies, 0, N(imports));
	tcase_add_test(tc, import_line_too_long);
	tcase_add_test(tc, import_needs_a_body);
	tcase_add_test(tc, stats_health);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
