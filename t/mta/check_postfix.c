/*
 * NAME
 *	check_postfix - Postfix's settings judged against loopguard's
 * DESCRIPTION
 *	lg_postfix_check() over tables of settings (no Postfix needed),
 *	the parsers of postconf's output, and lg_run_program() with
 *	programs that fail, hang or talk too much.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "postconf.h"
#include "postfix_check.h"

#define LRM "proxy:unix:passwd.byname hash:/etc/aliases"
#define QDIR "/var/spool/postfix"
#define SOCK_CHROOT "unix:" QDIR "/loopguard/loopguard.sock"
#define BOTH (LG_PF_CHROOTED | LG_PF_UNCHROOTED)

struct pf_case {
	const char *name;
	struct lg_postfix_conf pf;
	const char *domains;	/* loopguard's local_domains, blank-separated */
	const char *socket;	/* loopguard's socket */
	int catchall;
	int warnings;		/* how many lines */
	const char *want[3];	/* each must be in a line */
	const char *unwanted;
};

static const struct pf_case cases[] = {
	{ "the old README: mydestination wider than local_domains",
	  { .mydestination = "mx.example.com, localhost.example.com, localhost",
	    .local_recipient_maps = "", .virtual_mailbox_domains = "",
	    .virtual_alias_domains = "", .relay_domains = "" },
	  "example.com", NULL, 1, 4,
	  { "postfix: mydestination domain mx.example.com accepts unknown users (local_recipient_maps is empty) but is not in local_domains: mail to unknown addresses there will bounce (backscatter); add it to local_domains or restore local_recipient_maps",
	    "mydestination domain localhost accepts unknown users",
	    "postfix: local_domains lists example.com, but Postfix does not accept mail for it" },
	  NULL },
	{ "every mydestination domain covered",
	  { .mydestination = "example.com, mx.example.com",
	    .local_recipient_maps = " ", .relay_domains = "" },
	  "example.com mx.example.com", NULL, 1, 0, { NULL }, NULL },
	{ "local_recipient_maps on: catch-all inactive",
	  { .mydestination = "example.com, mx.example.com",
	    .local_recipient_maps = LRM },
	  "Example.COM", NULL, 1, 1,
	  { "postfix: catch-all inactive for Example.COM: Postfix rejects unknown users itself (local_recipient_maps is not empty)" },
	  "backscatter" },
	{ "local_recipient_maps on, no catch-all loaded",
	  { .mydestination = "example.com", .local_recipient_maps = LRM },
	  "example.com", NULL, 0, 0, { NULL }, NULL },
	{ "virtual mailbox domain accepting unknown users",
	  { .mydestination = "mx.example.com", .local_recipient_maps = LRM,
	    .virtual_mailbox_domains = "example.net",
	    .virtual_alias_domains = "alias.example",
	    .smtpd_reject_unlisted_recipient = "no" },
	  "example.net mx.example.com", NULL, 1, 1,
	  { "virtual_alias_domains domain alias.example accepts unknown users (smtpd_reject_unlisted_recipient = no) but is not in local_domains" },
	  "virtual_mailbox_domains domain" },
	{ "smtpd_reject_unlisted_recipient = no opens mydestination too",
	  { .mydestination = "example.com, mx.example.com",
	    .local_recipient_maps = LRM,
	    .smtpd_reject_unlisted_recipient = "no" },
	  "example.com", NULL, 1, 1,
	  { "postfix: mydestination domain mx.example.com accepts unknown users (smtpd_reject_unlisted_recipient = no) but is not in local_domains: mail to unknown addresses there will bounce (backscatter); add it to local_domains or set smtpd_reject_unlisted_recipient = yes" },
	  "catch-all inactive" },
	{ "virtual domain where Postfix still rejects unknown users",
	  { .mydestination = "mx.example.com", .local_recipient_maps = LRM,
	    .virtual_mailbox_domains = "example.net",
	    .smtpd_reject_unlisted_recipient = "yes" },
	  "example.net", NULL, 1, 1,
	  { "catch-all inactive for example.net: Postfix rejects unknown users itself (smtpd_reject_unlisted_recipient = yes)" },
	  NULL },
	{ "mydestination from a table",
	  { .mydestination = "example.com hash:/etc/postfix/dests",
	    .local_recipient_maps = "" },
	  "example.com other.example", NULL, 1, 1,
	  { "mydestination has the lookup table hash:/etc/postfix/dests and accepts unknown users (local_recipient_maps is empty)" },
	  "does not accept mail" },
	{ "chrooted smtpd, socket named relative to the queue",
	  { .smtpd_milters = "unix:loopguard/loopguard.sock",
	    .non_smtpd_milters = "unix:loopguard/loopguard.sock",
	    .queue_directory = QDIR, .smtpd_chroot = LG_PF_CHROOTED,
	    .cleanup_chroot = BOTH },
	  "", SOCK_CHROOT, 1, 0, { NULL }, NULL },
	{ "chrooted smtpd, socket named from the chroot's root",
	  { .smtpd_milters = "unix:/loopguard/loopguard.sock",
	    .queue_directory = QDIR, .smtpd_chroot = LG_PF_CHROOTED },
	  "", SOCK_CHROOT, 1, 0, { NULL }, NULL },
	{ "root-relative name, smtpd not chrooted",
	  { .smtpd_milters = "unix:/loopguard/loopguard.sock",
	    .queue_directory = QDIR, .smtpd_chroot = LG_PF_UNCHROOTED },
	  "", SOCK_CHROOT, 1, 1,
	  { "postfix: smtpd_milters = unix:/loopguard/loopguard.sock does not name loopguard's socket: mail received over SMTP is not seen by loopguard; set smtpd_milters = unix:loopguard/loopguard.sock" },
	  NULL },
	{ "absolute path, smtpd chrooted",
	  { .smtpd_milters = "unix:/var/spool/postfix/loopguard/loopguard.sock",
	    .queue_directory = QDIR, .smtpd_chroot = LG_PF_CHROOTED },
	  "", SOCK_CHROOT, 1, 1,
	  { "set smtpd_milters = unix:loopguard/loopguard.sock" }, NULL },
	{ "absolute path, one smtpd chrooted and one not",
	  { .smtpd_milters = "unix:/var/spool/postfix/loopguard/loopguard.sock",
	    .queue_directory = QDIR, .smtpd_chroot = BOTH },
	  "", SOCK_CHROOT, 1, 1, { "does not name loopguard's socket" }, NULL },
	{ "absolute path, smtpd not chrooted",
	  { .smtpd_milters = "unix:/var/spool/postfix/loopguard/loopguard.sock",
	    .queue_directory = QDIR, .smtpd_chroot = LG_PF_UNCHROOTED },
	  "", SOCK_CHROOT, 1, 0, { NULL }, NULL },
	{ "socket outside the chroot",
	  { .smtpd_milters = "unix:/run/loopguard/loopguard.sock",
	    .queue_directory = QDIR, .smtpd_chroot = LG_PF_CHROOTED },
	  "", "unix:/run/loopguard/loopguard.sock", 1, 2,
	  { "set smtpd_milters = unix:/run/loopguard/loopguard.sock",
	    "postfix: loopguard's socket /run/loopguard/loopguard.sock is outside queue_directory /var/spool/postfix, which a chrooted Postfix (smtpd_milters) cannot reach; put it under /var/spool/postfix/" },
	  NULL },
	{ "master.cf unknown: a name that works either way",
	  { .smtpd_milters = "unix:loopguard//loopguard.sock",
	    .queue_directory = QDIR "/" },
	  "", SOCK_CHROOT, 1, 0, { NULL }, NULL },
	{ "inet in Postfix's syntax, with braces and other milters",
	  { .smtpd_milters = "inet:127.0.0.1:8891, { inet:127.0.0.1:8890, connect_timeout=10s }",
	    .non_smtpd_milters = "inet:localhost:8890",
	    .milter_default_action = "tempfail" },
	  "", "inet:8890@127.0.0.1", 1, 0, { NULL }, NULL },
	{ "inet in loopguard's syntax, and nothing for local mail",
	  { .smtpd_milters = "inet:8890@127.0.0.1", .non_smtpd_milters = "" },
	  "", "inet:8890@127.0.0.1", 1, 2,
	  { "postfix: smtpd_milters = inet:8890@127.0.0.1 does not name loopguard's socket: mail received over SMTP is not seen by loopguard; set smtpd_milters = inet:127.0.0.1:8890",
	    "postfix: non_smtpd_milters is empty: mail submitted with sendmail(1) is not seen by loopguard; set non_smtpd_milters = inet:127.0.0.1:8890" },
	  NULL },
	{ "wrong port; loopguard on every address; IPv6",
	  { .smtpd_milters = "inet:192.0.2.1:8891",
	    .non_smtpd_milters = "inet:[::1]:8890" },
	  "", "inet:8890", 1, 1,
	  { "smtpd_milters = inet:192.0.2.1:8891 does not name", "set smtpd_milters = inet:127.0.0.1:8890" },
	  NULL },
	{ "IPv6 socket suggested in brackets",
	  { .smtpd_milters = "" },
	  "", "inet6:8890@::1", 1, 1,
	  { "set smtpd_milters = inet:[::1]:8890" }, NULL },
	{ "milter_default_action accept",
	  { .milter_default_action = "accept" },
	  "", "inet:8890@127.0.0.1", 1, 1,
	  { "postfix: milter_default_action = accept: while loopguard is down, mail is not kept for a retry; set milter_default_action = tempfail" },
	  NULL },
	{ "nothing known: nothing judged",
	  { .mydestination = NULL }, "example.com", SOCK_CHROOT, 1, 0,
	  { NULL }, NULL },
};

static char lines[8192];

/* collect - keep one warning line */
static void collect(void *arg, const char *line)
{
	(void) arg;
	strncat(lines, line, sizeof(lines) - strlen(lines) - 2);
	strcat(lines, "\n");
}

START_TEST(settings_are_judged)
{
	const struct pf_case *c = &cases[_i];
	struct lg_socket_spec sock;
	struct lg_postfix_side side = { 0 };
	char domains[256], *list[8], *save = NULL, *d;
	const char *why;
	size_t i;
	int n;

	snprintf(domains, sizeof(domains), "%s", c->domains);
	for (d = strtok_r(domains, " ", &save); d && side.n_local_domains < 8;
	     d = strtok_r(NULL, " ", &save))
		list[side.n_local_domains++] = d;
	side.local_domains = list;
	if (c->socket) {
		ck_assert_int_eq(lg_parse_socket_spec(c->socket, &sock, &why), 0);
		side.socket = &sock;
	}
	side.catchall = c->catchall;
	lines[0] = 0;
	n = lg_postfix_check(&c->pf, &side, collect, NULL);
	ck_assert_msg(n == c->warnings, "%s: %d warnings, want %d:\n%s",
		      c->name, n, c->warnings, lines);
	for (i = 0; i < 3 && c->want[i]; i++)
		ck_assert_msg(strstr(lines, c->want[i]) != NULL,
			      "%s: no \"%s\" in:\n%s", c->name, c->want[i],
			      lines);
	if (c->unwanted)
		ck_assert_msg(strstr(lines, c->unwanted) == NULL,
			      "%s: \"%s\" in:\n%s", c->name, c->unwanted, lines);
	for (d = lines; *d; d = strchr(d, '\n') + 1)
		ck_assert_msg(strncmp(d, "postfix: ", 9) == 0, "%s: %s",
			      c->name, d);
}
END_TEST

START_TEST(values_are_parsed)
{
	char text[] = "mydestination = mx.example.com, localhost\n"
		"local_recipient_maps =\n"
		"postconf: warning: nosuch: unknown parameter\n"
		"smtpd_milters = { inet:127.0.0.1:8890, connect_timeout=5s }\r\n"
		"milter_default_action = tempfail";
	struct lg_postfix_conf pf = { 0 };

	lg_postfix_parse_values(text, &pf);
	ck_assert_str_eq(pf.mydestination, "mx.example.com, localhost");
	ck_assert_str_eq(pf.local_recipient_maps, "");
	ck_assert_str_eq(pf.smtpd_milters,
			 "{ inet:127.0.0.1:8890, connect_timeout=5s }");
	ck_assert_str_eq(pf.milter_default_action, "tempfail");
	ck_assert_ptr_null(pf.non_smtpd_milters);
	ck_assert_ptr_null(pf.queue_directory);
}
END_TEST

START_TEST(master_is_parsed)
{
	char text[] = "smtp/inet/service = smtp\n"
		"smtp/inet/chroot = y\n"
		"smtp/inet/command = smtpd\n"
		"127.0.0.1:2525/inet/chroot = n\n"
		"127.0.0.1:2525/inet/command = smtpd -o smtpd_milters=\n"
		"pickup/unix/chroot = y\n"
		"pickup/unix/command = pickup\n"
		"cleanup/unix/chroot = -\n"
		"cleanup/unix/command = cleanup\n"
		"smtpdx/unix/chroot = y\n"
		"smtpdx/unix/command = smtpdx\n";
	struct lg_postfix_conf pf = { 0 };

	lg_postfix_parse_master(text, &pf);
	ck_assert_int_eq(pf.smtpd_chroot, BOTH);
	ck_assert_int_eq(pf.cleanup_chroot, LG_PF_UNCHROOTED);
}
END_TEST

/* Programs lg_run_program runs: its status, what it keeps of the
 * output (NULL: not asked), its length (-1: not asked) and the reason
 * (NULL: not asked); never longer than the timeout and 2 s. */
static const struct {
	const char *argv[4];
	int timeout_ms;
	size_t outsize;
	int status;
	const char *out;
	int out_len;
	const char *err;
} runs[] = {
	/* status, and only the first line of stderr */
	{ { "/bin/sh", "-c",
	    "echo out; echo first >&2; echo second >&2; exit 3" },
	  5000, 64, 3, "out\n", 4, "first" },
	/* output cut to the buffer */
	{ { "/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x" },
	  5000, 100, 0, NULL, 99, NULL },
	/* a program that hangs is killed */
	{ { "/bin/sleep", "30" }, 1000, 64, -1, NULL, -1,
	  "no answer within 1 s" },
	{ { "/nonexistent/postconf", "-x" }, 5000, 64, 127, NULL, -1,
	  "cannot run /nonexistent/postconf: No such file or directory" },
};

START_TEST(program_runs)
{
	char out[128], err[128];
	time_t start = time(NULL);

	ck_assert_int_eq(lg_run_program(runs[_i].argv, runs[_i].timeout_ms, out,
					runs[_i].outsize, err, sizeof(err)),
			 runs[_i].status);
	if (runs[_i].out)
		ck_assert_str_eq(out, runs[_i].out);
	if (runs[_i].out_len >= 0)
		ck_assert_uint_eq(strlen(out), (size_t) runs[_i].out_len);
	if (runs[_i].err)
		ck_assert_str_eq(err, runs[_i].err);
	ck_assert_int_le(time(NULL) - start, runs[_i].timeout_ms / 1000 + 2);
}
END_TEST

/* postfix_suite - the settings judged, the parsers, the runner */
static Suite *postfix_suite(void)
{
	Suite *s = suite_create("postfix");
	TCase *tc = tcase_create("check");

	tcase_add_loop_test(tc, settings_are_judged, 0,
			    (int) (sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, values_are_parsed);
	tcase_add_test(tc, master_is_parsed);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, program_runs, 0,
			    (int) (sizeof(runs) / sizeof(runs[0])));
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(postfix_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
