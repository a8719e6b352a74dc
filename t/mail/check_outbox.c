/*
 * NAME
 *	check_outbox - the outbox, the queue control command and the
 *	host functions that queue mail
 * DESCRIPTION
 *	The outbox is driven directly with a fake clock and a fake
 *	deliver function. The two mailer methods and the mailer settings
 *	are check_mailer's.
 */
#include "config.h"

#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "control_cmd.h"
#include "fakehost.h"
#include "host.h"
#include "log.h"
#include "mailer.h"
#include "outbox.h"

#include "mail_fixture.h"

/* open_ob - the outbox in folder NAME, or the test fails */
static struct lg_outbox *open_ob(const char *name)
{
	char err[512];
	struct lg_outbox *ob = lg_outbox_open(dir(name), err, sizeof(err));

	ck_assert_msg(ob != NULL, "%s", err);
	return ob;
}

/* Collect what list shows. */
struct seen {
	struct lg_outbox_item items[16];
	int n;
};

/* see - keep one listed item */
static void see(void *arg, const struct lg_outbox_item *it)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->items[s->n++] = *it;
}

/* count - list OB into S; the number of items */
static int count(struct lg_outbox *ob, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return lg_outbox_list(ob, see, s);
}

/* A deliver function that answers what the test says. */
struct fake {
	enum lg_outbox_result answer;
	int calls;
	char last_to[512];
};

/* fake_deliver - answer what the test set, counting the calls */
static enum lg_outbox_result fake_deliver(void *arg,
					  const struct lg_outbox_item *it,
					  const char *path, char *err,
					  size_t errsize)
{
	struct fake *f = arg;

	(void) path;
	f->calls++;
	snprintf(f->last_to, sizeof(f->last_to), "%s", it->to);
	snprintf(err, errsize, "fake says %d", (int) f->answer);
	return f->answer;
}

static time_t next;		/* when the last run wants to run again */

/* run - one pass over OB now, delivering with the fake F */
static int run(struct lg_outbox *ob, long long interval, int max,
	       struct fake *f)
{
	return lg_outbox_run(ob, lg_now(), interval, max, fake_deliver, f,
			     &next);
}

/* add - queue "x" to TO now; its id goes to ID unless NULL */
static int add(struct lg_outbox *ob, const char *to, char *id)
{
	return lg_outbox_add(ob, to, "x\n", 2, lg_now(), id);
}
START_TEST(add_and_list)
{
	struct lg_outbox *ob;
	struct seen s;
	char id[LG_OUTBOX_ID_MAX], path[1024];

	fh_clock_set(1700000000);
	ob = open_ob("ob-add");
	ck_assert_int_eq(lg_outbox_add(ob, "alice@example.com",
				       "Subject: hi\r\n\r\nbody\r\n", 22,
				       lg_now(), id), 0);
	ck_assert_int_eq(count(ob, &s), 1);
	ck_assert_str_eq(s.items[0].id, id);
	ck_assert_str_eq(s.items[0].to, "alice@example.com");
	ck_assert_str_eq(s.items[0].status, "queued");
	ck_assert_int_eq(s.items[0].attempts, 0);
	ck_assert_int_eq(s.items[0].created, 1700000000);
	ck_assert_int_eq(s.items[0].next, 1700000000);
	ck_assert_int_eq(s.items[0].size, 19);	/* CRLF became LF */
	snprintf(path, sizeof(path), "%s/msg/%s", dir("ob-add"), id);
	ck_assert_str_eq(slurp(path), "Subject: hi\n\nbody\n");
	/* the id is ours: hex and dots only */
	ck_assert_uint_eq(strspn(id, "0123456789abcdef."), strlen(id));
	lg_outbox_close(&ob);
}
END_TEST

static const char *const bad_rcpts[] = {
	"", "no-at-sign", "-oQ@example.com", "a b@example.com",
	"a\n@example.com", "<a@example.com>", "a\tb@example.com"
};

START_TEST(bad_recipient_refused)
{
	struct lg_outbox *ob = open_ob("ob-badrcpt");
	struct seen s;

	ck_assert_int_eq(add(ob, bad_rcpts[_i], NULL), -1);
	ck_assert_int_eq(count(ob, &s), 0);
	lg_outbox_close(&ob);
}
END_TEST

START_TEST(retry_then_drop)
{
	struct lg_outbox *ob = open_ob("ob-retry");
	struct fake f = { LG_OUTBOX_RETRY, 0, "" };
	struct seen s;
	int i;

	fh_clock_set(1700000000);
	fh_log_reset();
	ck_assert_int_eq(add(ob, "bob@example.com", NULL), 0);
	ck_assert_int_eq(run(ob, 300, 3, &f), 0);
	ck_assert_int_eq(f.calls, 1);
	ck_assert_int_eq(next, 1700000300);
	ck_assert_int_eq(count(ob, &s), 1);
	ck_assert_int_eq(s.items[0].attempts, 1);
	ck_assert_str_eq(s.items[0].status, "fake says 1");
	/* not due yet: not tried */
	fh_clock_advance(299);
	run(ob, 300, 3, &f);
	ck_assert_int_eq(f.calls, 1);
	for (i = 0; i < 2; i++) {
		fh_clock_advance(301);
		run(ob, 300, 3, &f);
	}
	ck_assert_int_eq(f.calls, 3);
	ck_assert_int_eq(count(ob, &s), 0);
	ck_assert_ptr_nonnull(strstr(fh_log(), "dropped to=<bob@example.com> attempts=3"));
	lg_outbox_close(&ob);
}
END_TEST

START_TEST(sent_and_permanent)
{
	struct lg_outbox *ob = open_ob("ob-sent");
	struct fake f = { LG_OUTBOX_SENT, 0, "" };
	struct seen s;

	add(ob, "a@example.com", NULL);
	ck_assert_int_eq(run(ob, 300, 10, &f), 1);
	ck_assert_int_eq(count(ob, &s), 0);
	ck_assert_int_eq(next, 0);
	f.answer = LG_OUTBOX_FAILED;
	add(ob, "b@example.com", NULL);
	run(ob, 300, 10, &f);
	ck_assert_int_eq(count(ob, &s), 0);
	ck_assert_str_eq(f.last_to, "b@example.com");
	lg_outbox_close(&ob);
}
END_TEST

START_TEST(survives_restart_and_retry_now)
{
	struct lg_outbox *ob = open_ob("ob-restart");
	struct fake f = { LG_OUTBOX_RETRY, 0, "" };
	struct seen s;
	char id[LG_OUTBOX_ID_MAX];

	fh_clock_set(1700000000);
	add(ob, "a@example.com", id);
	run(ob, 3600, 10, &f);
	lg_outbox_close(&ob);
	ob = open_ob("ob-restart");
	ck_assert_int_eq(count(ob, &s), 1);
	ck_assert_str_eq(s.items[0].id, id);
	ck_assert_int_eq(s.items[0].attempts, 1);
	ck_assert_int_eq(s.items[0].next, 1700003600);
	/* retry makes it due now */
	ck_assert_int_eq(lg_outbox_retry(ob, id, lg_now()), 1);
	f.answer = LG_OUTBOX_SENT;
	ck_assert_int_eq(run(ob, 3600, 10, &f), 1);
	ck_assert_int_eq(count(ob, &s), 0);
	ck_assert_int_eq(lg_outbox_retry(ob, id, lg_now()), 0);
	ck_assert_int_eq(lg_outbox_remove(ob, id), 0);
	ck_assert_int_eq(lg_outbox_remove(ob, "../../etc/passwd"), 0);
	lg_outbox_close(&ob);
}
END_TEST

START_TEST(bad_files)
{
	static const struct {
		const char *name, *text;
	} files[] = {
		/* garbage envelope with content */
		{ "env/0000aaaa.0001.00000001", "what is this\n" },
		{ "msg/0000aaaa.0001.00000001", "" },
		/* envelope without content */
		{ "env/0000aaaa.0002.00000002", "created 1\nnext 1\n"
		  "attempts 0\nsize 1\nto b@example.com\nstatus queued\n" },
		/* a name the outbox never makes is left alone */
		{ "env/README", "" },
	};
	struct lg_outbox *ob = open_ob("ob-bad");
	struct seen s;
	char path[1024];
	FILE *fp;
	int i;

	add(ob, "a@example.com", NULL);
	for (i = 0; i < N(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir("ob-bad"),
			 files[i].name);
		fp = fopen(path, "w");
		ck_assert_ptr_nonnull(fp);
		fputs(files[i].text, fp);
		fclose(fp);
	}
	fh_log_reset();
	ck_assert_int_eq(count(ob, &s), 1);
	ck_assert_str_eq(s.items[0].to, "a@example.com");
	ck_assert_ptr_nonnull(strstr(fh_log(), "0000aaaa.0001.00000001 has a bad envelope"));
	ck_assert_ptr_nonnull(strstr(fh_log(), "0000aaaa.0002.00000002 has a bad envelope"));
	snprintf(path, sizeof(path), "%s/msg/0000aaaa.0001.00000001", dir("ob-bad"));
	ck_assert_int_ne(access(path, F_OK), 0);
	lg_outbox_close(&ob);
}
END_TEST
/* --- the queue control command --- */

static char reply_text[8192];

/* collect - keep one reply line */
static int collect(void *arg, const char *line, size_t len)
{
	(void) arg;
	strncat(reply_text, line, len);
	strcat(reply_text, "\n");
	return 0;
}

/* ctl - one control request; the whole reply */
static const char *ctl(const char *req)
{
	struct lg_ctl_env env = { NULL, 0, 0, "test", NULL, "test" };

	reply_text[0] = 0;
	lg_ctl_handle(&env, req, strlen(req), collect, NULL);
	return reply_text;
}

START_TEST(queue_command)
{
	struct lg_outbox *ob = open_ob("ob-ctl");
	char id1[LG_OUTBOX_ID_MAX], id2[LG_OUTBOX_ID_MAX], want[256];
	struct seen s;

	lg_mailer_set_outbox(NULL);
	ck_assert_ptr_nonnull(strstr(ctl("queue"), "ERR queue: no outbox"));
	lg_mailer_set_outbox(ob);
	fh_clock_set(1700000000);
	add(ob, "a@example.com", id1);
	lg_outbox_add(ob, "b@example.com", "yy\n", 3, lg_now(), id2);
	snprintf(want, sizeof(want),
		 "%s\t1700000000\t1700000000\t0\t2\t\ta@example.com\tqueued\n", id1);
	ck_assert_ptr_nonnull(strstr(ctl("queue"), want));
	ck_assert_ptr_nonnull(strstr(reply_text, "OK 2 messages\n"));
	snprintf(want, sizeof(want), "queue retry %s", id2);
	fh_clock_advance(50);
	ck_assert_str_eq(ctl(want), "OK 1 retried\n");
	count(ob, &s);
	ck_assert_int_eq(s.items[1].next, 1700000050);
	ck_assert_ptr_nonnull(strstr(ctl("queue remove 0000.0000.nothere"),
				     "ERR queue remove: no message"));
	snprintf(want, sizeof(want), "queue remove %s", id1);
	ck_assert_str_eq(ctl(want), "OK 1 removed\n");
	ck_assert_str_eq(ctl("queue remove --all"), "OK 1 removed\n");
	ck_assert_str_eq(ctl("queue"), "OK 0 messages\n");
	ck_assert_ptr_nonnull(strstr(ctl("queue frobnicate"), "ERR"));
	lg_mailer_set_outbox(NULL);
	lg_outbox_close(&ob);
}
END_TEST

/* --- the host functions plugins call --- */

START_TEST(host_send_and_notify)
{
	static const char *const want[] = {
		"\nTo: <postmaster@example.com>\n",
		"\nSubject: client 192.0.2.1 looping  Bcc: x@y\n",
		"\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n",
		"\nAuto-Submitted: auto-generated\n", "\nX-Loopguard-Loop: ",
		"\n\nIt loops.\n",
	};
	const struct lg_host *host = lg_host_get();
	struct lg_outbox *ob = open_ob("ob-host");
	char path[1024], *text;
	struct seen s;
	int i;

	ck_assert_uint_ge(host->struct_size,
			  offsetof(struct lg_host, hostname) + sizeof(host->hostname));
	lg_mailer_set_outbox(NULL);
	fh_log_reset();
	ck_assert_int_eq(host->send_mail(NULL, "a@example.com", "x\n"), -1);
	ck_assert_ptr_nonnull(strstr(fh_log(), "no mailer group"));
	lg_mailer_set_outbox(ob);
	ck_assert_int_eq(host->send_mail(NULL, "-oQ@example.com", "x\n"), -1);
	fh_clock_set(1700000000);
	ck_assert_int_eq(host->notify_postmaster(NULL, "example.com",
						 "client 192.0.2.1 looping\r\nBcc: x@y",
						 "It loops.\n"), 0);
	ck_assert_int_eq(count(ob, &s), 1);
	ck_assert_str_eq(s.items[0].to, "postmaster@example.com");
	snprintf(path, sizeof(path), "%s/msg/%s", dir("ob-host"), s.items[0].id);
	text = slurp(path);
	for (i = 0; i < N(want); i++)
		ck_assert_msg(strstr(text, want[i]) != NULL, "no %s in %s",
			      want[i], text);
	ck_assert_ptr_null(strstr(text, "\nBcc:"));
	lg_mailer_set_outbox(NULL);
	lg_outbox_close(&ob);
}
END_TEST
/* suite - the outbox cases */
static Suite *suite(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("outbox");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, add_and_list);
	tcase_add_loop_test(tc, bad_recipient_refused, 0, N(bad_rcpts));
	tcase_add_test(tc, retry_then_drop);
	tcase_add_test(tc, sent_and_permanent);
	tcase_add_test(tc, survives_restart_and_retry_now);
	tcase_add_test(tc, bad_files);
	tcase_add_test(tc, queue_command);
	tcase_add_test(tc, host_send_and_notify);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	lg_log_open("test", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
