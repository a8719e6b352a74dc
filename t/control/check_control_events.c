/*
 * NAME
 *	check_control_events - the change-event ring and the watch request
 * SYNOPSIS
 *	check_control_events
 * DESCRIPTION
 *	The ring (milter/util/events.c): nothing kept while nobody
 *	watches, events in order, "lost" when a reader falls more than
 *	the ring behind, hidden entries never posted, at most four
 *	readers. The memory store posts its writes, removals and its
 *	expiry sweep. The watch request is run through lg_ctl_handle()
 *	with a fake flush and a stopping function that posts events and
 *	then stops: its first line, event lines, ticks, "OK stopping",
 *	the fifth watcher refused, a client that stopped reading.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "control_cmd.h"
#include "events.h"
#include "log.h"
#include "outbox.h"
#include "store.h"

#include "control_fixture.h"

/* next - the next event after *cursor, which must be there */
static struct lg_event next(unsigned long long *cursor)
{
	struct lg_event ev;
	unsigned long long lost;

	ck_assert_int_eq(lg_events_next(cursor, &ev, &lost), 1);
	ck_assert_uint_eq(lost, 0);
	return ev;
}

/* none - nothing after cursor */
static void none(unsigned long long cursor)
{
	struct lg_event ev;
	unsigned long long lost;

	ck_assert_int_eq(lg_events_next(&cursor, &ev, &lost), 0);
}

START_TEST(nothing_kept_unwatched)
{
	unsigned long long cursor, before = lg_events_seq();

	ck_assert_int_eq(lg_events_wanted(), 0);
	lg_events_post(LG_EV_OUTBOX_SENT, "x", NULL);
	ck_assert_uint_eq(lg_events_seq(), before);
	ck_assert_int_eq(lg_events_watch_begin(&cursor), 0);
	ck_assert_uint_eq(cursor, before);
	none(cursor);
	lg_events_watch_end();
}
END_TEST

START_TEST(events_in_order)
{
	unsigned long long cursor, start;
	struct lg_event ev;
	char id[LG_CTL_ID_LEN + 1];

	ck_assert_int_eq(lg_events_watch_begin(&cursor), 0);
	start = cursor;
	lg_events_post(LG_EV_OUTBOX_QUEUED, "67a1b2c3.0001.9f3c2a1b", NULL);
	lg_events_entry(LG_EV_ENTRY_ADDED, "repeat:k", "repeat", "looping");
	lg_events_post(LG_EV_RELOAD, "failed", "");
	ck_assert_int_eq(lg_events_wait(cursor, 10), 1);
	ev = next(&cursor);
	ck_assert_uint_eq(ev.seq, start + 1);
	ck_assert_str_eq(lg_events_kind_name(ev.kind), "outbox-queued");
	ck_assert_str_eq(ev.id, "67a1b2c3.0001.9f3c2a1b");
	ck_assert_str_eq(ev.plugin, "");
	ev = next(&cursor);
	ck_assert_uint_eq(ev.seq, start + 2);
	lg_ctl_entry_id("repeat:k", id);	/* the id list shows */
	ck_assert_str_eq(ev.id, id);
	ck_assert_str_eq(ev.plugin, "repeat");
	ck_assert_str_eq(lg_events_kind_name(ev.kind), "entry-added");
	ev = next(&cursor);
	ck_assert_str_eq(lg_events_kind_name(ev.kind), "reload");
	ck_assert_str_eq(ev.id, "failed");
	none(cursor);
	ck_assert_int_eq(lg_events_wait(cursor, 10), 0);	/* times out */
	lg_events_watch_end();
}
END_TEST

START_TEST(lost_when_behind)
{
	unsigned long long cursor, start, lost;
	struct lg_event ev;
	char id[16];
	int i;

	ck_assert_int_eq(lg_events_watch_begin(&cursor), 0);
	start = cursor;
	for (i = 0; i < LG_EVENTS_RING + 10; i++) {
		snprintf(id, sizeof(id), "m%d", i);
		lg_events_post(LG_EV_OUTBOX_SENT, id, NULL);
	}
	ck_assert_int_eq(lg_events_next(&cursor, &ev, &lost), 1);
	ck_assert_uint_eq(lost, 10);
	ck_assert_uint_eq(ev.seq, start + 11);
	ck_assert_str_eq(ev.id, "m10");
	for (i = 11; i < LG_EVENTS_RING + 10; i++) {
		ck_assert_int_eq(lg_events_next(&cursor, &ev, &lost), 1);
		ck_assert_uint_eq(lost, 0);
		ck_assert_uint_eq(ev.seq, start + (unsigned) i + 1);
	}
	none(cursor);
	lg_events_watch_end();
}
END_TEST

START_TEST(hidden_entries_skipped)
{
	unsigned long long cursor;
	struct lg_event ev;

	ck_assert_int_eq(lg_events_watch_begin(&cursor), 0);
	lg_events_entry(LG_EV_ENTRY_ADDED, "bounce:x", "bounce", "");
	lg_events_entry(LG_EV_ENTRY_REMOVED, "bounce:x", "bounce", NULL);
	none(cursor);
	/* the memory store: a hidden entry's writes and removal post
	 * nothing; a shown one's do, sweep included */
	put("bounce:y", "bounce", 1, "", "", "", "", 0);
	ck_assert_int_eq(st.ops->del(st.be, "bounce:y"), 0);
	none(cursor);
	put("repeat:z", "repeat", 1, "a@example.org", "", "", "counting", 0);
	ev = next(&cursor);
	ck_assert_str_eq(lg_events_kind_name(ev.kind), "entry-added");
	put("repeat:z", "repeat", 2, "a@example.org", "", "", "looping", 0);
	ev = next(&cursor);
	ck_assert_str_eq(lg_events_kind_name(ev.kind), "entry-changed");
	ck_assert_int_eq(st.ops->del(st.be, "repeat:z"), 0);
	ev = next(&cursor);
	ck_assert_str_eq(lg_events_kind_name(ev.kind), "entry-removed");
	ck_assert_str_eq(ev.plugin, "repeat");
	none(cursor);
	/* the fixture's entries expire at T0 + 3600: the sweep posts the
	 * three shown ones, not the hidden one */
	st.ops->tick(st.be, T0 + 7200);
	ev = next(&cursor);
	ck_assert_str_eq(lg_events_kind_name(ev.kind), "entry-removed");
	ev = next(&cursor);
	ev = next(&cursor);
	none(cursor);
	lg_events_watch_end();
}
END_TEST

START_TEST(four_watchers_at_most)
{
	unsigned long long c;
	int i;

	for (i = 0; i < LG_EVENTS_WATCHERS; i++)
		ck_assert_int_eq(lg_events_watch_begin(&c), 0);
	ck_assert_int_eq(lg_events_watch_begin(&c), -1);
	lg_events_watch_end();
	ck_assert_int_eq(lg_events_watch_begin(&c), 0);
	for (i = 0; i < LG_EVENTS_WATCHERS; i++)
		lg_events_watch_end();
	ck_assert_int_eq(lg_events_wanted(), 0);
}
END_TEST

/* deliver_by_rcpt - sent@ is sent, later@ deferred, never@ failed */
static enum lg_outbox_result deliver_by_rcpt(void *arg,
	const struct lg_outbox_item *it, const char *path, char *err,
	size_t errsize)
{
	(void) arg;
	(void) path;
	snprintf(err, errsize, "test");
	if (strncmp(it->to, "sent@", 5) == 0)
		return LG_OUTBOX_SENT;
	return strncmp(it->to, "later@", 6) == 0 ? LG_OUTBOX_RETRY :
		LG_OUTBOX_FAILED;
}

START_TEST(outbox_posts)
{
	static const char *const want[] = { "outbox-queued", "outbox-queued",
		"outbox-queued", "outbox-queued", "outbox-sent",
		"outbox-deferred", "outbox-failed", "outbox-removed" };
	char dir[64] = "/tmp/check_control_events.XXXXXX", err[256];
	char ids[4][LG_OUTBOX_ID_MAX], cmd[128];
	unsigned long long cursor;
	struct lg_outbox *ob;
	struct lg_event ev;
	time_t due;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(ob = lg_outbox_open(dir, err, sizeof(err)));
	ck_assert_int_eq(lg_events_watch_begin(&cursor), 0);
	ck_assert_int_eq(lg_outbox_add(ob, "sent@example.com", "a\n", 2, T0, ids[0]), 0);
	ck_assert_int_eq(lg_outbox_add(ob, "later@example.com", "b\n", 2, T0 + 1, ids[1]), 0);
	ck_assert_int_eq(lg_outbox_add(ob, "never@example.com", "c\n", 2, T0 + 2, ids[2]), 0);
	ck_assert_int_eq(lg_outbox_add(ob, "kept@example.org", "d\n", 2, T0 + 9999, ids[3]), 0);
	ck_assert_int_eq(lg_outbox_run(ob, T0 + 10, 60, 5, deliver_by_rcpt,
				       NULL, &due), 1);
	ck_assert_int_eq(lg_outbox_remove(ob, ids[3]), 1);
	for (i = 0; i < N(want); i++) {
		ev = next(&cursor);
		ck_assert_str_eq(lg_events_kind_name(ev.kind), want[i]);
		ck_assert_str_eq(ev.id, ids[i < 4 ? i : i == 7 ? 3 : i - 4]);
		ck_assert_str_eq(ev.plugin, "");
	}
	none(cursor);
	lg_events_watch_end();
	lg_outbox_close(&ob);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* The fake connection of a watch: flushes counted, the stop that a
 * test asks for after some calls, events posted on the way. */
static int flushes, flush_fails_at = -1, stop_calls, stop_after;
static long long stop_after_ms;
static struct timespec started_at;

/* fake_flush - lg_ctl_flush_fn */
static int fake_flush(void *arg)
{
	(void) arg;
	return ++flushes == flush_fails_at;
}

/* ms_since - milliseconds since started_at */
static long long ms_since(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - started_at.tv_sec) * 1000 +
		(now.tv_nsec - started_at.tv_nsec) / 1000000;
}

/* fake_stopping - lg_ctl_stopping_fn: posts on its 2nd call, then
 * stops after stop_after calls or stop_after_ms */
static int fake_stopping(void)
{
	stop_calls++;
	if (stop_calls == 2) {
		put("repeat:w", "repeat", 1, "w@example.org", "", "",
		    "looping", 0);
		put("bounce:w", "bounce", 1, "", "", "", "", 0);
		lg_events_post(LG_EV_OUTBOX_DEFERRED, "67a1b2c3.0002.00000001",
			       NULL);
	}
	return (stop_after && stop_calls >= stop_after) ||
		(stop_after_ms && ms_since() >= stop_after_ms);
}

/* watch - one watch request with the fakes; its return */
static int watch(const char *req, int tick_ms)
{
	struct lg_ctl_env env = { env_store, T0, T0, "9", NULL, "uid 0 pid 1" };
	struct lg_ctl_stream stream = { fake_flush, fake_stopping, tick_ms };

	out_len = 0;
	out_lines = 0;
	out[0] = 0;
	flushes = stop_calls = 0;
	clock_gettime(CLOCK_MONOTONIC, &started_at);
	return lg_ctl_handle_stream(&env, &stream, req, strlen(req), NULL,
				    NULL, collect, NULL);
}

START_TEST(watch_streams_until_stop)
{
	char want[256], id[LG_CTL_ID_LEN + 1];
	unsigned long long seq = lg_events_seq();
	char *p;
	int ticks = 0;

	stop_after = 0;
	stop_after_ms = 600;
	lg_clock_set(T0);
	ck_assert_int_eq(watch("as console watch", 100), 0);
	lg_clock_set(0);
	snprintf(want, sizeof(want), "watching\t%llu\n", seq);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got %s", out);
	lg_ctl_entry_id("repeat:w", id);
	snprintf(want, sizeof(want), "event\t%llu\t%d\tentry-added\t%s\trepeat\n",
		 seq + 1, T0, id);
	ck_assert_msg(strstr(out, want) != NULL, "no %s in %s", want, out);
	snprintf(want, sizeof(want), "event\t%llu\t", seq + 2);
	p = strstr(out, want);
	ck_assert_ptr_nonnull(p);	/* the hidden one was not posted */
	ck_assert(strncmp(p + strlen(want), "1700000000\toutbox-deferred\t67a1b2c3.0002.00000001\t-\n",
			  52) == 0);
	for (p = out; (p = strstr(p, "\ntick\t")) != NULL; p++)
		ticks++;
	ck_assert_msg(ticks >= 2 && ticks <= 6, "%d ticks in %s", ticks, out);
	ck_assert_str_eq(last(), "OK stopping");
	ck_assert(lg_log_captured_has("control: uid 0 pid 1 as console started watching"));
	ck_assert(lg_log_captured_has("control: uid 0 pid 1 as console stopped watching"));
	ck_assert_int_eq(lg_events_wanted(), 0);	/* its place given back */
}
END_TEST

START_TEST(watch_refusals)
{
	struct lg_ctl_env env = { env_store, T0, T0, "9", NULL, "uid 0 pid 1" };
	unsigned long long c;
	int i;

	/* no way to stream: refused */
	ck_assert_int_eq(lg_ctl_handle(&env, "watch", 5, collect, NULL), -1);
	ck_assert_str_eq(last(), "ERR watch: not available");
	ck_assert_int_eq(watch("watch now", 0), -1);
	ck_assert_str_eq(last(), "ERR watch: unexpected argument now");
	for (i = 0; i < LG_EVENTS_WATCHERS; i++)
		ck_assert_int_eq(lg_events_watch_begin(&c), 0);
	stop_after = 1;
	stop_after_ms = 0;
	ck_assert_int_eq(watch("watch", 0), -1);
	ck_assert_str_eq(last(), "ERR watch: too many watchers (4)");
	for (i = 0; i < LG_EVENTS_WATCHERS; i++)
		lg_events_watch_end();
	/* a client that stopped reading (flush fails): the watch ends,
	 * its place is given back */
	stop_after = 0;
	stop_after_ms = 5000;
	flush_fails_at = 3;
	ck_assert_int_eq(watch("watch", 0), -1);
	flush_fails_at = -1;
	ck_assert_int_lt(ms_since(), 4000);
	ck_assert_int_eq(lg_events_wanted(), 0);
}
END_TEST

/* events_suite - the cases */
static Suite *events_suite(void)
{
	Suite *s = suite_create("control_events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nothing_kept_unwatched);
	tcase_add_test(tc, events_in_order);
	tcase_add_test(tc, lost_when_behind);
	tcase_add_test(tc, hidden_entries_skipped);
	tcase_add_test(tc, four_watchers_at_most);
	tcase_add_test(tc, outbox_posts);
	tcase_add_test(tc, watch_streams_until_stop);
	tcase_add_test(tc, watch_refusals);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 on any failure */
int main(void)
{
	SRunner *sr = srunner_create(events_suite());
	int failed;

	lg_log_open("check_control_events", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
