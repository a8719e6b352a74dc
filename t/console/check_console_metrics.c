/*
 * NAME
 *	check_console_metrics - unit tests for console/console_metrics_text.c
 * SYNOPSIS
 *	t/console/check_console_metrics
 * DESCRIPTION
 *	A whole stats reply (the lines a daemon with a mailer, a memory
 *	store, two plugins and a recipient source sends) against the whole
 *	exposition expected, byte for byte; a daemon that did not answer;
 *	then a table of replies with what must be in the text, what must
 *	not, and how many lines are skipped: lines left out (the metric is
 *	left out, not 0), hostile plugin, action and counter names (quotes,
 *	braces, newlines, escapes, too long), bad numbers, duplicates, a
 *	version with a quote and a backslash, the derived values (outbox
 *	age, start time from uptime), and more series than the limit. The
 *	label escaper alone; 200 random replies of hostile pieces; and
 *	every output checked for the format's shape: each sample after
 *	its TYPE line, no series twice, printable ASCII only.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_metrics.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))
#define NOW	1800000000

/* render - the text for lines (NULL-terminated) */
static char *render(const char *const *lines, int up, size_t *skipped_r)
{
	struct cn_buf b = { 0 };
	char *copy[2100] = { 0 };
	size_t n = 0, skipped;

	while (lines && lines[n]) {
		ck_assert_uint_lt(n, N(copy));
		copy[n] = strdup(lines[n]);
		n++;
	}
	skipped = cn_metrics_text(&b, copy, n, up, "0.1.0", NOW);
	while (n)
		free(copy[--n]);
	ck_assert(!b.nomem);
	if (skipped_r)
		*skipped_r = skipped;
	return b.data;
}

/* shape_ok - every line a comment or "name{labels} value" of a family
 * whose TYPE came before, and no series twice: 1, else 0 (printed) */
static int shape_ok(const char *text)
{
	char *copy = strdup(text), *line, *save = NULL, *sp;
	char typed[64][96], seen[2100][200];
	size_t ntyped = 0, nseen = 0, i, namelen;
	int ok = 1;

	for (line = strtok_r(copy, "\n", &save); line && ok;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert_uint_lt(ntyped, 64);
			sscanf(line + 7, "%95s", typed[ntyped++]);
			continue;
		}
		if (line[0] == '#')
			continue;
		namelen = strcspn(line, "{ ");
		sp = strrchr(line, ' ');
		ok = sp && sp[1] && strspn(sp + 1, "0123456789") == strlen(sp + 1);
		for (i = 0; ok && i < ntyped; i++)
			if (strlen(typed[i]) == namelen &&
			    strncmp(typed[i], line, namelen) == 0)
				break;
		ok = ok && i < ntyped && i == ntyped - 1;
		for (i = 0; ok && i < nseen; i++)
			ok = strncmp(seen[i], line, (size_t) (sp - line)) != 0 ||
				seen[i][sp - line] != 0;
		if (ok && nseen < N(seen)) {
			snprintf(seen[nseen], sizeof(seen[0]), "%.*s",
				 (int) (sp - line), line);
			nseen++;
		}
		if (!ok)
			fprintf(stderr, "bad line: %s\n", line);
	}
	free(copy);
	return ok;
}

static const char *const full_reply[] = {
	"version\t0.1.0",
	"uptime\t3600",
	"started\t1799996400",
	"entries\t5",
	"bytes\t9808",
	"evicted\t2",
	"backend\tmemory",
	"health\tup",
	"fallback\tno",
	"memory_entries\t5",
	"memory_bytes\t9808",
	"connections\t10",
	"messages\t12",
	"recipients\t30",
	"unknown\t7",
	"errors\t1",
	"action\tharvest\ttempfail\t2",
	"action\tcatchall\tredirect\t5",
	"counter\tbounce\tbatv-bad\t3",
	"source\trcpts\tfile\tup\t2\t0\t0\t1799996400\t",
	"source\t/etc/postfix/virtual\tpostfix\tdown\t-\t4\t1799999000\t0\tcannot read",
	"reloads_ok\t3",
	"reloads_failed\t1",
	"last_reload\t1799999500",
	"outbox_messages\t2",
	"outbox_bytes\t4096",
	"outbox_oldest\t1799999400",
	"watchers\t1",
	NULL
};

static const char full_text[] =
	"# HELP loopguard_build_info The console's version; always 1.\n"
	"# TYPE loopguard_build_info gauge\n"
	"loopguard_build_info{version=\"0.1.0\"} 1\n"
	"# HELP loopguard_up Whether the daemon answered the console's stats request.\n"
	"# TYPE loopguard_up gauge\n"
	"loopguard_up 1\n"
	"# HELP loopguard_daemon_info The daemon's version; always 1.\n"
	"# TYPE loopguard_daemon_info gauge\n"
	"loopguard_daemon_info{version=\"0.1.0\"} 1\n"
	"# HELP loopguard_start_time_seconds When the daemon started, in seconds since the epoch.\n"
	"# TYPE loopguard_start_time_seconds gauge\n"
	"loopguard_start_time_seconds 1799996400\n"
	"# HELP loopguard_connections_total Connections from the MTA the milter saw.\n"
	"# TYPE loopguard_connections_total counter\n"
	"loopguard_connections_total 10\n"
	"# HELP loopguard_messages_total Messages (MAIL FROM) the milter saw.\n"
	"# TYPE loopguard_messages_total counter\n"
	"loopguard_messages_total 12\n"
	"# HELP loopguard_recipients_total Recipients (RCPT TO) the milter saw.\n"
	"# TYPE loopguard_recipients_total counter\n"
	"loopguard_recipients_total 30\n"
	"# HELP loopguard_unknown_recipients_total Recipients in a local domain that no recipient source knows.\n"
	"# TYPE loopguard_unknown_recipients_total counter\n"
	"loopguard_unknown_recipients_total 7\n"
	"# HELP loopguard_errors_total Failures answered with the on_error policy: a recipient source that could not answer, edits that could not be applied.\n"
	"# TYPE loopguard_errors_total counter\n"
	"loopguard_errors_total 1\n"
	"# HELP loopguard_actions_total Decisions taken, by plugin and action.\n"
	"# TYPE loopguard_actions_total counter\n"
	"loopguard_actions_total{plugin=\"harvest\",action=\"tempfail\"} 2\n"
	"loopguard_actions_total{plugin=\"catchall\",action=\"redirect\"} 5\n"
	"# HELP loopguard_plugin_events_total The plugins' own named counters.\n"
	"# TYPE loopguard_plugin_events_total counter\n"
	"loopguard_plugin_events_total{plugin=\"bounce\",name=\"batv-bad\"} 3\n"
	"# HELP loopguard_store_entries Entries in the state store.\n"
	"# TYPE loopguard_store_entries gauge\n"
	"loopguard_store_entries 5\n"
	"# HELP loopguard_store_bytes Bytes the state store's entries take.\n"
	"# TYPE loopguard_store_bytes gauge\n"
	"loopguard_store_bytes 9808\n"
	"# HELP loopguard_store_evictions_total Entries evicted from the state store to keep within its size.\n"
	"# TYPE loopguard_store_evictions_total counter\n"
	"loopguard_store_evictions_total 2\n"
	"# HELP loopguard_store_backend_info The state store's backend in use.\n"
	"# TYPE loopguard_store_backend_info gauge\n"
	"loopguard_store_backend_info{backend=\"memory\"} 1\n"
	"# HELP loopguard_store_up Whether the state store's backend answers (1) or not (0).\n"
	"# TYPE loopguard_store_up gauge\n"
	"loopguard_store_up 1\n"
	"# HELP loopguard_store_fallback_active Whether the store answers from its local fallback (Redis down).\n"
	"# TYPE loopguard_store_fallback_active gauge\n"
	"loopguard_store_fallback_active 0\n"
	"# HELP loopguard_outbox_messages Generated messages in the outbox, waiting to be sent.\n"
	"# TYPE loopguard_outbox_messages gauge\n"
	"loopguard_outbox_messages 2\n"
	"# HELP loopguard_outbox_bytes Bytes of the messages in the outbox.\n"
	"# TYPE loopguard_outbox_bytes gauge\n"
	"loopguard_outbox_bytes 4096\n"
	"# HELP loopguard_outbox_oldest_age_seconds Age of the oldest message in the outbox; 0 when it is empty.\n"
	"# TYPE loopguard_outbox_oldest_age_seconds gauge\n"
	"loopguard_outbox_oldest_age_seconds 600\n"
	"# HELP loopguard_config_reloads_total Config reloads, by result.\n"
	"# TYPE loopguard_config_reloads_total counter\n"
	"loopguard_config_reloads_total{result=\"success\"} 3\n"
	"loopguard_config_reloads_total{result=\"failure\"} 1\n"
	"# HELP loopguard_config_last_reload_success_timestamp_seconds When the config was last loaded successfully (the start counts).\n"
	"# TYPE loopguard_config_last_reload_success_timestamp_seconds gauge\n"
	"loopguard_config_last_reload_success_timestamp_seconds 1799999500\n"
	"# HELP loopguard_recipient_source_up Whether a recipient source answers (1) or not (0).\n"
	"# TYPE loopguard_recipient_source_up gauge\n"
	"loopguard_recipient_source_up{source=\"rcpts\",kind=\"file\"} 1\n"
	"loopguard_recipient_source_up{source=\"/etc/postfix/virtual\",kind=\"postfix\"} 0\n"
	"# HELP loopguard_console_stats_lines_skipped Lines of the last stats reply the console could not use.\n"
	"# TYPE loopguard_console_stats_lines_skipped gauge\n"
	"loopguard_console_stats_lines_skipped 0\n";

START_TEST(full)
{
	size_t skipped;
	char *text = render(full_reply, 1, &skipped);

	ck_assert_str_eq(text, full_text);
	ck_assert_uint_eq(skipped, 0);
	ck_assert(shape_ok(text));
	free(text);
}
END_TEST

START_TEST(down)
{
	char *text = render(full_reply, 0, NULL);

	ck_assert_str_eq(text,
		"# HELP loopguard_build_info The console's version; always 1.\n"
		"# TYPE loopguard_build_info gauge\n"
		"loopguard_build_info{version=\"0.1.0\"} 1\n"
		"# HELP loopguard_up Whether the daemon answered the console's stats request.\n"
		"# TYPE loopguard_up gauge\n"
		"loopguard_up 0\n");
	free(text);
}
END_TEST

/* A reply, what the text must hold and must not, the lines skipped. */
struct text_case {
	const char *what;
	const char *lines[12];
	const char *want[6];
	const char *not[6];
	size_t skipped;
};

static const struct text_case cases[] = {
	{ "an old daemon: no outbox, reload or start lines",
	  { "version\t0.0.9", "uptime\t100", "messages\t3", NULL },
	  { "loopguard_messages_total 3\n",
	    "loopguard_start_time_seconds 1799999900\n",
	    "loopguard_daemon_info{version=\"0.0.9\"} 1\n" },
	  { "outbox", "reload", "loopguard_store", "actions_total",
	    "recipients_total" }, 0 },
	{ "no store open: no store metrics, no HELP for them",
	  { "connections\t1", "errors\t0", NULL },
	  { "loopguard_errors_total 0\n" },
	  { "store_", "start_time" }, 0 },
	{ "an empty reply: up, nothing else but the skip count",
	  { NULL },
	  { "loopguard_up 1\n", "loopguard_console_stats_lines_skipped 0\n" },
	  { "_total", "daemon_info" }, 0 },
	{ "Redis down, its fallback in use",
	  { "backend\tredis", "server\t/run/redis.sock", "health\tdown",
	    "down_since\t1799999000", "fallback\tyes", NULL },
	  { "loopguard_store_backend_info{backend=\"redis\"} 1\n",
	    "loopguard_store_up 0\n", "loopguard_store_fallback_active 1\n" },
	  { "down_since", "server" }, 0 },
	{ "a health or fallback of another word is skipped",
	  { "health\tmaybe", "fallback\t1", NULL },
	  { "skipped 2\n" }, { "store_up", "fallback_active" }, 2 },
	{ "outbox empty: age 0",
	  { "outbox_messages\t0", "outbox_oldest\t0", NULL },
	  { "loopguard_outbox_oldest_age_seconds 0\n",
	    "loopguard_outbox_messages 0\n" }, { "outbox_bytes" }, 0 },
	{ "an oldest message from the future: age 0",
	  { "outbox_oldest\t1800000500", NULL },
	  { "loopguard_outbox_oldest_age_seconds 0\n" }, { NULL }, 0 },
	{ "only failed reloads known",
	  { "reloads_failed\t4", NULL },
	  { "loopguard_config_reloads_total{result=\"failure\"} 4\n" },
	  { "result=\"success\"" }, 0 },
	{ "a quote and a backslash in the version are escaped",
	  { "version\t1.0\"x\\\\y", "backend\tme\\x22m", NULL },
	  { "loopguard_daemon_info{version=\"1.0\\\"x\\\\y\"} 1\n",
	    "loopguard_store_backend_info{backend=\"me\\\"m\"} 1\n" },
	  { NULL }, 0 },
	{ "a newline in the version: skipped",
	  { "version\tone\\ntwo", NULL }, { "skipped 1\n" },
	  { "daemon_info", "two" }, 1 },
	{ "ESC in the backend: skipped",
	  { "backend\tx\\x1b[2J", NULL }, { "skipped 1\n" },
	  { "backend_info" }, 1 },
	{ "non-ASCII backend: skipped",
	  { "backend\tm\xc3\xbcller", NULL }, { "skipped 1\n" },
	  { "backend_info" }, 1 },
	{ "hostile plugin names are never labels",
	  { "action\tevil\"} 1\nfake_metric{a=\"\ttempfail\t1",
	    "action\tev il\treject\t1", "action\tx{y}\treject\t1",
	    "action\ta\\nb\treject\t1", "action\t\treject\t1",
	    "action\tok\treject\t9", NULL },
	  { "loopguard_actions_total{plugin=\"ok\",action=\"reject\"} 9\n",
	    "skipped 5\n" },
	  { "evil", "fake_metric", "ev il", "x{y}", "a\\nb" }, 5 },
	{ "hostile action and counter names",
	  { "action\tp\tre\"ject\t1", "counter\tp\tn=\"1\"\t1",
	    "counter\tp\t\xff\t1", "counter\tp\tgood.name-1\t4", NULL },
	  { "loopguard_plugin_events_total{plugin=\"p\",name=\"good.name-1\"} 4\n",
	    "skipped 3\n" },
	  { "re\"ject", "actions_total", "n=\\\"" }, 3 },
	{ "a name of 64 bytes is a label, of 65 is not",
	  { "action\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\tx\t1",
	    "action\tbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\tx\t1",
	    NULL },
	  { "{plugin=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",action=\"x\"} 1\n",
	    "skipped 1\n" },
	  { "bbbbbbbb" }, 1 },
	{ "bad numbers are skipped, the largest one kept",
	  { "messages\t-1", "recipients\t1e3", "unknown\t0x10",
	    "errors\t99999999999999999999", "connections\t",
	    "evicted\t18446744073709551615", "entries\t 5",
	    "action\tp\ta\t18446744073709551616", NULL },
	  { "loopguard_store_evictions_total 18446744073709551615\n",
	    "skipped 7\n" },
	  { "messages_total", "recipients_total", "unknown_recipients",
	    "errors_total", "connections_total", "store_entries" }, 7 },
	{ "a line of ours with extra fields is skipped",
	  { "messages\t1\t2", "action\tp\ta\t1\textra", "uptime", NULL },
	  { "skipped 3\n" }, { "messages_total", "actions_total",
	    "start_time" }, 3 },
	{ "a second line for the same series is skipped, the first kept",
	  { "messages\t1", "messages\t2", "action\tp\ta\t3",
	    "action\tp\ta\t4", "version\t1", "version\t2",
	    "source\tf\tfile\tup", "source\tf\tfile\tdown", NULL },
	  { "loopguard_messages_total 1\n",
	    "loopguard_actions_total{plugin=\"p\",action=\"a\"} 3\n",
	    "{version=\"1\"}", "{source=\"f\",kind=\"file\"} 1\n",
	    "skipped 4\n" },
	  { "messages_total 2", "} 4\n", "version=\"2\"", "} 0\n" }, 4 },
	{ "lines of kinds this console does not know are passed over",
	  { "watchers\t3", "memory_entries\t5", "future\ta\tb\tc", "",
	    "\t\t", "fallback_entries\t1", NULL },
	  { "skipped 0\n" }, { "watchers", "future", "memory" }, 0 },
	{ "a held source counts as up, a bad health is skipped",
	  { "source\tf\tfile\theld\t1", "source\tg\tfile\tsick\t1",
	    "source\th\tbad kind\tup\t1", "source\ti", NULL },
	  { "{source=\"f\",kind=\"file\"} 1\n", "skipped 3\n" },
	  { "\"g\"", "\"h\"", "\"i\"" }, 3 },
	{ "a counters_dropped line",
	  { "counters_dropped\t6", NULL },
	  { "loopguard_plugin_events_dropped_total 6\n" }, { NULL }, 0 },
};

START_TEST(text_table)
{
	const struct text_case *c = &cases[_i];
	size_t skipped;
	char *text = render(c->lines, 1, &skipped);
	int i;

	for (i = 0; i < N(c->want) && c->want[i]; i++)
		ck_assert_msg(strstr(text, c->want[i]) != NULL,
			      "%s: no \"%s\" in:\n%s", c->what, c->want[i], text);
	for (i = 0; i < N(c->not) && c->not[i]; i++)
		ck_assert_msg(strstr(text, c->not[i]) == NULL,
			      "%s: \"%s\" in:\n%s", c->what, c->not[i], text);
	ck_assert_msg(skipped == c->skipped, "%s: %zu skipped, want %zu",
		      c->what, skipped, c->skipped);
	ck_assert_msg(shape_ok(text), "%s: bad shape:\n%s", c->what, text);
	free(text);
}
END_TEST

/* More series than CN_METRICS_ROWS_MAX: the rest are skipped. */
START_TEST(too_many)
{
	static char lines[CN_METRICS_ROWS_MAX + 10][64];
	const char *ptr[CN_METRICS_ROWS_MAX + 11];
	size_t i, skipped, count = 0;
	char *text, *p;

	for (i = 0; i < CN_METRICS_ROWS_MAX + 10; i++) {
		snprintf(lines[i], sizeof(lines[i]), "counter\tp\tn%zu\t1", i);
		ptr[i] = lines[i];
	}
	ptr[i] = NULL;
	text = render(ptr, 1, &skipped);
	for (p = text; (p = strstr(p, "loopguard_plugin_events_total{")); p++)
		count++;
	ck_assert_uint_eq(count, CN_METRICS_ROWS_MAX);
	ck_assert_uint_eq(skipped, 10);
	ck_assert(strstr(text, "name=\"n1023\"") && !strstr(text, "name=\"n1024\""));
	free(text);
}
END_TEST

struct label_case {
	const char *in, *out;
};

static const struct label_case labels[] = {
	{ "", "\"\"" },
	{ "plain", "\"plain\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "a\nb", "\"a\\nb\"" },
	{ "\\\"\n", "\"\\\\\\\"\\n\"" },
	{ "tab\tstays", "\"tab\tstays\"" },
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
};

START_TEST(label_table)
{
	struct cn_buf b = { 0 };

	cn_metrics_label(&b, labels[_i].in);
	ck_assert_str_eq(b.data, labels[_i].out);
	cn_buf_free(&b);
}
END_TEST

START_TEST(names)
{
	ck_assert(cn_metrics_name_ok("harvest"));
	ck_assert(cn_metrics_name_ok("batv-bad.x_1"));
	ck_assert(!cn_metrics_name_ok(""));
	ck_assert(!cn_metrics_name_ok("a b"));
	ck_assert(!cn_metrics_name_ok("a/b"));
	ck_assert(cn_metrics_text_ok("/etc/postfix/virtual"));
	ck_assert(cn_metrics_text_ok("ldap://h/ou=x?\"\\"));
	ck_assert(!cn_metrics_text_ok(""));
	ck_assert(!cn_metrics_text_ok("a\x7f"));
	ck_assert(!cn_metrics_text_ok("a\tb"));
}
END_TEST

/* A version or source of 200 bytes is a label, of 201 is not. */
START_TEST(text_length)
{
	char line[300];
	const char *lines[] = { line, NULL };
	size_t skipped;
	char *text;

	snprintf(line, sizeof(line), "source\t/%0199d\tfile\tup", 0);
	text = render(lines, 1, &skipped);
	ck_assert_uint_eq(skipped, 0);
	ck_assert(strstr(text, "{source=\"/000"));
	free(text);
	snprintf(line, sizeof(line), "source\t/%0200d\tfile\tup", 0);
	text = render(lines, 1, &skipped);
	ck_assert_uint_eq(skipped, 1);
	ck_assert(!strstr(text, "source_up"));
	free(text);
}
END_TEST

/* Random replies built from the kinds' names and the bytes that could
 * break the format: the text keeps its shape and no control byte but
 * the newlines ever gets through. */
START_TEST(random_replies)
{
	static const char *const words[] = {
		"action", "counter", "source", "messages", "version",
		"backend", "health", "fallback", "up", "down", "yes", "p",
		"x", "7", "18446744073709551615", "-1", "\"", "\\", "\\n",
		"{", "}", "=", " ", "\n", "\x1b", "\xff", "\xc3\xa9", "",
	};
	static char lines[200][256];
	const char *ptr[201];
	unsigned seed = 22u + (unsigned) _i;
	size_t i, j, n, len;
	char *text, *c;

	for (i = 0; i < 200; i++) {
		n = 1 + rand_r(&seed) % 8;
		len = 0;
		lines[i][0] = 0;
		for (j = 0; j < n; j++) {
			const char *w = words[rand_r(&seed) % N(words)];

			if (len + strlen(w) + 2 >= sizeof(lines[i]))
				break;
			len += (size_t) snprintf(lines[i] + len,
						 sizeof(lines[i]) - len, "%s%s",
						 j ? "\t" : "", w);
		}
		ptr[i] = lines[i];
	}
	ptr[i] = NULL;
	text = render(ptr, 1, NULL);
	ck_assert(shape_ok(text));
	for (c = text; *c; c++)
		ck_assert_msg(*c == '\n' || ((unsigned char) *c >= 0x20 &&
				(unsigned char) *c < 0x7f),
			      "byte 0x%02x in the text", (unsigned char) *c);
	free(text);
}
END_TEST

/* A console whose own version is odd still writes a valid line. */
START_TEST(odd_console_version)
{
	struct cn_buf b = { 0 };

	cn_metrics_text(&b, NULL, 0, 0, "1\n2", NOW);
	ck_assert(strstr(b.data, "loopguard_build_info{version=\"unknown\"} 1\n"));
	cn_buf_free(&b);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("console_metrics");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, full);
	tcase_add_test(tc, down);
	tcase_add_loop_test(tc, text_table, 0, N(cases));
	tcase_add_test(tc, too_many);
	tcase_add_loop_test(tc, label_table, 0, N(labels));
	tcase_add_test(tc, names);
	tcase_add_test(tc, text_length);
	tcase_add_test(tc, odd_console_version);
	tcase_add_loop_test(tc, random_replies, 0, 200);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
