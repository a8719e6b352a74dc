/*
 * NAME
 *	check_console_views_act - unit tests for the actions of the pages
 *	and the API (console/console_daemon.c), with a fake daemon
 * SYNOPSIS
 *	t/console/check_console_views_act
 * DESCRIPTION
 *	A table of form fields per action route: either the exact control
 *	request it sends, or refused before anything is sent (bad ids,
 *	too many ids, filters that do not pass, unknown routes). cn_act()
 *	sends as the web user and logs "user NAME (ROLE) from ADDR: WHAT:
 *	RESULT"; a refusal and a daemon that does not answer are logged
 *	as failed. The statistics count the entries of each plugin by
 *	walking the listing sorted by plugin.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#include "console_views.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* The request's fields: "a=1&id=x&id=y" (no decoding). */
static char fbuf[4096];
static char *fname[256], *fvalue[256];
static size_t nfields;

static void fields_set(const char *qs)
{
	char *p, *amp, *eq;

	snprintf(fbuf, sizeof(fbuf), "%s", qs);
	nfields = 0;
	for (p = fbuf; *p && nfields < 256; p = amp + 1) {
		amp = strchr(p, '&');
		if (amp)
			*amp = 0;
		eq = strchr(p, '=');
		if (eq)
			*eq = 0;
		fname[nfields] = p;
		fvalue[nfields++] = eq ? eq + 1 : p + strlen(p);
		if (!amp)
			break;
	}
}

/* The server's functions the views use, over those fields. */
const char *cn_arg(const struct cn_request *rq, const char *name)
{
	size_t i;

	(void) rq;
	for (i = 0; i < nfields; i++)
		if (strcmp(fname[i], name) == 0)
			return fvalue[i];
	return NULL;
}

size_t cn_args(const struct cn_request *rq, const char *name,
	       const char **vals, size_t max)
{
	size_t i, n = 0;

	(void) rq;
	for (i = 0; i < nfields && n < max; i++)
		if (strcmp(fname[i], name) == 0)
			vals[n++] = fvalue[i];
	return n;
}

const char *cn_who(const struct cn_request *rq)
{
	return rq->user ? rq->user->name : "-";
}

static char logged[1024];

void cn_log(int level, const char *fmt, ...)
{
	va_list ap;

	(void) level;
	va_start(ap, fmt);
	vsnprintf(logged, sizeof(logged), fmt, ap);
	va_end(ap);
}

/* The fake daemon: records the requests, answers from a script. */
static char sent[16][1024];
static size_t nsent;
static const char *answer_final;	/* NULL: does not answer */
static const char *(*answer_fn)(const char *request, char ***lines,
				size_t *n);

int cn_ctl(const char *who, const char *request, struct ctl_reply *reply,
	   char *err, size_t errsize)
{
	const char *final = answer_final;
	char **lines = NULL;
	size_t n = 0, i;

	memset(reply, 0, sizeof(*reply));
	if (nsent < 16)
		snprintf(sent[nsent++], sizeof(sent[0]), "as %s %s", who, request);
	if (answer_fn)
		final = answer_fn(request, &lines, &n);
	if (!final) {
		snprintf(err, errsize, "cannot connect to /run/ctl.sock");
		return -1;
	}
	reply->lines = calloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		reply->lines[i] = strdup(lines[i]);
	reply->n = n;
	reply->final = strdup(final);
	return 0;
}

static struct cn_user admin = { "admin", CN_ROLE_OPERATOR };
static struct cn_request rq = { "POST", "/entries/remove", "192.0.2.1",
				&admin, "token", 0, NULL };

static void setup(void)
{
	nsent = 0;
	logged[0] = 0;
	answer_final = "OK 1 removed";
	answer_fn = NULL;
}

static const struct act_case {
	const char *path;
	const char *fields;
	const char *request;	/* NULL: refused */
	const char *what;	/* for the log, or the refusal */
} acts[] = {
	{ "/entries/remove", "id=00000000aa", "remove 00000000aa", "remove 1 entry" },
	{ "/entries/remove", "id=00000000aa&id=00000000bb&plugin=x",
	  "remove 00000000aa 00000000bb", "remove 2 entries" },
	{ "/entries/remove", "all=1", "remove --all", "remove all entries" },
	{ "/entries/remove", "all=1&plugin=harvest", "remove --all --plugin harvest",
	  "remove all entries of plugin harvest" },
	{ "/entries/remove", "all=1&match=*@x.test&plugin=harvest&id=00000000aa",
	  "remove --match *@x.test --plugin harvest",
	  "remove all entries of plugin harvest matching *@x.test" },
	{ "/entries/remove", "all=0&id=00000000aa", "remove 00000000aa", "remove 1 entry" },
	{ "/entries/remove", "", NULL, "select at least one row" },
	{ "/entries/remove", "id=", NULL, "id: 10 hex digits" },
	{ "/entries/remove", "id=00000000AA", NULL, "id: 10 hex digits" },
	{ "/entries/remove", "id=00000000aa --all", NULL, "id: 10 hex digits" },
	{ "/entries/remove", "id=--all", NULL, "id: 10 hex digits" },
	{ "/entries/remove", "all=1&plugin=a b", NULL, "plugin:" },
	{ "/entries/remove", "all=1&match=a b", NULL, "match: no spaces" },
	{ "/entries/remove", "all=1&match=x&sort=bogus", NULL, "sort:" },
	{ "/outbox/retry", "id=67a1b2c3.0001.9f3c2a1b", "queue retry 67a1b2c3.0001.9f3c2a1b",
	  "retry 1 message" },
	{ "/outbox/retry", "all=1", "queue retry --all", "retry every message in the outbox" },
	{ "/outbox/retry", "id=00000000aa", NULL, "an outbox id" },
	{ "/outbox/retry", "id=67a1b2c3.0001.9f3c2a1b/../x", NULL, "an outbox id" },
	{ "/outbox/remove", "id=67a1b2c3.0001.9f3c2a1b&id=67a1b2c3.0002.9f3c2a1b",
	  "queue remove 67a1b2c3.0001.9f3c2a1b 67a1b2c3.0002.9f3c2a1b", "remove 2 messages" },
	{ "/outbox/remove", "all=1", "queue remove --all", "remove every message in the outbox" },
	{ "/outbox/flush", "", "queue retry --all", "retry every message in the outbox" },
	{ "/outbox/flush", "id=67a1b2c3.0001.9f3c2a1b", "queue retry --all",
	  "retry every message in the outbox" },
	{ "/reload", "id=00000000aa", "reload", "reload the config" },
	{ "/state/import", "", NULL, "no such action" },
	{ "/outbox", "all=1", NULL, "no such action" },
};

START_TEST(action_requests)
{
	const struct act_case *c = &acts[_i];
	char request[4096], what[512], err[256] = "";
	int rc;

	fields_set(c->fields);
	rc = cn_action_request(&rq, c->path, request, sizeof(request), what,
			       sizeof(what), err, sizeof(err));
	if (!c->request) {
		ck_assert_msg(rc == -1, "%s %s was taken: %s", c->path,
			      c->fields, request);
		ck_assert_msg(strstr(err, c->what) != NULL, "err \"%s\"", err);
		return;
	}
	ck_assert_msg(rc == 0, "%s %s refused: %s", c->path, c->fields, err);
	ck_assert_str_eq(request, c->request);
	ck_assert_str_eq(what, c->what);
}
END_TEST

START_TEST(at_most_a_page_of_ids)
{
	char qs[4096], request[4096], what[256], err[256];
	size_t len = 0, i;

	for (i = 0; i < CN_IDS_MAX; i++)
		len += (size_t) snprintf(qs + len, sizeof(qs) - len, "%sid=%010zx",
					 i ? "&" : "", i);
	fields_set(qs);
	ck_assert_int_eq(cn_action_request(&rq, "/entries/remove", request,
					   sizeof(request), what, sizeof(what),
					   err, sizeof(err)), 0);
	ck_assert_uint_lt(strlen(request), 4096);	/* the daemon's line */
	snprintf(qs + len, sizeof(qs) - len, "&id=ffffffffff");
	fields_set(qs);
	ck_assert_int_eq(cn_action_request(&rq, "/entries/remove", request,
					   sizeof(request), what, sizeof(what),
					   err, sizeof(err)), -1);
	ck_assert_str_eq(err, "at most 100 rows at a time");
}
END_TEST

START_TEST(actions_are_sent_as_the_user_and_logged)
{
	char msg[256];

	ck_assert_int_eq(cn_act(&rq, "remove 1 entry", "remove 00000000aa", msg,
				sizeof(msg)), 1);
	ck_assert_str_eq(msg, "1 removed");
	ck_assert_str_eq(sent[0], "as admin remove 00000000aa");
	ck_assert_str_eq(logged, "user admin (operator) from 192.0.2.1: remove 1 entry: 1 removed");

	answer_final = "ERR remove: no entry with id 00000000aa (0 removed)";
	ck_assert_int_eq(cn_act(&rq, "remove 1 entry", "remove 00000000aa", msg,
				sizeof(msg)), 0);
	ck_assert_str_eq(msg, "remove: no entry with id 00000000aa (0 removed)");
	ck_assert_str_eq(logged, "user admin (operator) from 192.0.2.1: remove 1 entry: "
			 "failed: remove: no entry with id 00000000aa (0 removed)");

	answer_final = "OK";
	ck_assert_int_eq(cn_act(&rq, "reload the config", "reload", msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "done");

	answer_final = NULL;
	ck_assert_int_eq(cn_act(&rq, "reload the config", "reload", msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "the daemon does not answer: cannot connect to /run/ctl.sock");
	ck_assert_ptr_nonnull(strstr(logged, ": reload the config: failed: the daemon does not answer"));
}
END_TEST

/* A store of 3 harvest entries, 2 repeat, 1 catchall, as the daemon
 * would list them sorted by plugin, one row a request. */
static const char *plugin_at[] = { "catchall", "harvest", "harvest", "harvest",
				   "repeat", "repeat" };
static char row[256], *rowp = row;

static const char *store_answer(const char *req, char ***lines, size_t *n)
{
	static char final[64];
	const char *p;
	unsigned long off;
	size_t i, count = 0;

	if (strcmp(req, "stats") == 0) {
		static char *st[] = { "uptime\t5", "action\trepeat\tlooping\t2",
				      "action\tautoreply\treplied\t1" };
		*lines = st;
		*n = 3;
		return "OK";
	}
	if ((p = strstr(req, "--plugin "))) {
		for (i = 0; i < N(plugin_at); i++)
			if (strncmp(p + 9, plugin_at[i], strlen(plugin_at[i])) == 0 &&
			    p[9 + strlen(plugin_at[i])] == ' ')
				count++;
		snprintf(final, sizeof(final), "OK %zu entries, 0 hidden, offset 0", count);
		*n = 0;
		return final;
	}
	ck_assert_ptr_nonnull(strstr(req, "--sort plugin --offset "));
	off = strtoul(strstr(req, "--offset ") + 9, NULL, 10);
	*n = 0;
	if (off < N(plugin_at)) {
		snprintf(row, sizeof(row), "00000000%02lx\t1\t2\t3\t4\tf\tt\tc\t%s\ts\tk",
			 off, plugin_at[off]);
		*lines = &rowp;
		*n = 1;
	}
	snprintf(final, sizeof(final), "OK %zu entries, 0 hidden, offset %lu",
		 N(plugin_at), off);
	return final;
}

START_TEST(entries_per_plugin)
{
	struct ctl_reply reply;
	struct cn_stats s;
	char err[256];
	size_t i;
	long long want[] = { 2, 0, 1, 3 };	/* repeat, autoreply, catchall, harvest */
	const char *names[] = { "repeat", "autoreply", "catchall", "harvest" };

	answer_fn = store_answer;
	ck_assert_int_eq(cn_fetch_stats(&rq, &reply, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.nplugins, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_str_eq(s.plugins[i].name, names[i]);
		ck_assert_int_eq(s.plugins[i].entries, want[i]);
	}
	/* stats, then per plugin: the row at its offset and its count */
	ck_assert_uint_eq(nsent, 1 + 2 * 3 + 1);
	cn_stats_free(&s);
	ctl_reply_free(&reply);
}
END_TEST

static Suite *act_suite(void)
{
	Suite *s = suite_create("console_views_act");
	TCase *tc = tcase_create("actions");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, action_requests, 0, N(acts));
	tcase_add_test(tc, at_most_a_page_of_ids);
	tcase_add_test(tc, actions_are_sent_as_the_user_and_logged);
	tcase_add_test(tc, entries_per_plugin);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(act_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
