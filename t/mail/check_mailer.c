/*
 * NAME
 *	check_mailer - the two mailer methods and the mailer settings
 * DESCRIPTION
 *	The sendmail method runs a shell script that records its
 *	arguments and input; the smtp method talks to a small SMTP server
 *	in a thread of this test (and to a closed port). The outbox they
 *	deliver from is check_outbox's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakehost.h"
#include "log.h"
#include "mailer.h"
#include "outbox.h"

#include "mail_fixture.h"

/* --- the sendmail method, with a script in its place --- */

/* script_mailer - the sendmail method running SCRIPT */
static struct lg_mailer_config script_mailer(const char *script,
					     long long timeout)
{
	struct lg_mailer_config mc;
	const char *path = fh_tmpfile("fake-sendmail", script);

	chmod(path, 0755);
	memset(&mc, 0, sizeof(mc));
	mc.method = LG_MAILER_SENDMAIL;
	mc.path = strdup(path);
	mc.timeout = timeout;
	return mc;
}

START_TEST(sendmail_args_and_stdin)
{
	char script[1024], err[256], *args;
	struct lg_mailer_config mc;
	const char *msg = fh_tmpfile("msg1", "Subject: x\n\nline\n");
	char msgpath[512];

	snprintf(msgpath, sizeof(msgpath), "%s", msg);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\nfor a in \"$@\"; do printf '[%%s]' \"$a\"; done > %s/args\n"
		 "cat > %s/stdin\nexit 0\n", fh_tmpdir(), fh_tmpdir());
	mc = script_mailer(script, 10);
	ck_assert_int_eq(lg_mailer_sendmail(&mc, "a@example.com", msgpath, err,
					    sizeof(err)), LG_OUTBOX_SENT);
	args = slurp(dir("args"));
	ck_assert_str_eq(args, "[-f][<>][-oi][--][a@example.com]");
	ck_assert_str_eq(slurp(dir("stdin")), "Subject: x\n\nline\n");
	/* no shell: metacharacters and a leading '-' arrive as one literal
	 * argument after "--", and nothing runs */
	ck_assert_int_eq(lg_mailer_sendmail(&mc,
			 "-x;touch${IFS}pwned`id`$(id)@example.com", msgpath,
			 err, sizeof(err)), LG_OUTBOX_SENT);
	args = slurp(dir("args"));
	ck_assert_str_eq(args,
			 "[-f][<>][-oi][--][-x;touch${IFS}pwned`id`$(id)@example.com]");
	ck_assert_int_ne(access("pwned", F_OK), 0);
	ck_assert_int_ne(access(dir("pwned"), F_OK), 0);
	free(mc.path);
}
END_TEST

/* What the sendmail method makes of a failing program (NULL: none). */
static const struct {
	const char *script;
	long long timeout;
	enum lg_outbox_result result;
	const char *err;			/* in the reason; NULL: any */
} sendmail_fails[] = {
	{ "#!/bin/sh\necho 'queue is full' >&2\nexit 75\n", 10,
	  LG_OUTBOX_RETRY, "exit 75: queue is full" },
	{ "#!/bin/sh\nexit 67\n", 10, LG_OUTBOX_FAILED, NULL },
	{ "#!/bin/sh\nexec sleep 30\n", 1, LG_OUTBOX_RETRY, "timed out" },
	{ NULL, 10, LG_OUTBOX_RETRY, NULL },
};

START_TEST(sendmail_failures)
{
	const char *script = sendmail_fails[_i].script;
	struct lg_mailer_config mc;
	char err[256] = "", msgpath[512];

	snprintf(msgpath, sizeof(msgpath), "%s", fh_tmpfile("msg2", "x\n"));
	mc = script_mailer(script ? script : "#!/bin/sh\nexit 0\n",
			   sendmail_fails[_i].timeout);
	if (!script) {
		free(mc.path);
		mc.path = strdup("/nonexistent/sendmail");
	}
	ck_assert_int_eq(lg_mailer_sendmail(&mc, "a@example.com", msgpath, err,
					    sizeof(err)),
			 sendmail_fails[_i].result);
	if (sendmail_fails[_i].err)
		ck_assert_msg(strstr(err, sendmail_fails[_i].err) != NULL,
			      "reason \"%s\"", err);
	free(mc.path);
}
END_TEST

/* --- the smtp method, against a server in a thread --- */

struct server {
	int fd;
	int port;
	int reject_rcpt;
	char transcript[8192];
};

/* server_say - one reply line of the test server */
static void server_say(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t) strlen(s));
}

/* serve - one SMTP session, recorded in the transcript */
static void *serve(void *arg)
{
	struct server *sv = arg;
	char buf[4096];
	size_t len = 0;
	int c = accept(sv->fd, NULL, NULL), data = 0;
	ssize_t n;

	server_say(c, "220 test ESMTP\r\n");
	while ((n = read(c, buf + len, sizeof(buf) - 1 - len)) > 0) {
		char *nl;

		len += (size_t) n;
		buf[len] = 0;
		while ((nl = strstr(buf, "\r\n")) != NULL) {
			*nl = 0;
			strncat(sv->transcript, buf,
				sizeof(sv->transcript) - strlen(sv->transcript) - 2);
			strcat(sv->transcript, "\n");
			if (data) {
				if (strcmp(buf, ".") == 0) {
					data = 0;
					server_say(c, "250 queued\r\n");
				}
			} else if (strncmp(buf, "EHLO", 4) == 0)
				server_say(c, "250-test\r\n250 8BITMIME\r\n");
			else if (strncmp(buf, "RCPT", 4) == 0)
				server_say(c, sv->reject_rcpt ?
					   "550 5.1.1 no such user\r\n" :
					   "250 ok\r\n");
			else if (strcmp(buf, "DATA") == 0) {
				data = 1;
				server_say(c, "354 go\r\n");
			} else if (strcmp(buf, "QUIT") == 0) {
				server_say(c, "221 bye\r\n");
				close(c);
				return NULL;
			} else
				server_say(c, "250 ok\r\n");
			len -= (size_t) (nl + 2 - buf);
			memmove(buf, nl + 2, len + 1);
		}
	}
	close(c);
	return NULL;
}

/* server_start - listen on a loopback port and serve in a thread */
static void server_start(struct server *sv, pthread_t *t)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sv->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(sv->fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(sv->fd, 1), 0);
	getsockname(sv->fd, (struct sockaddr *) &sa, &sl);
	sv->port = ntohs(sa.sin_port);
	pthread_create(t, NULL, serve, sv);
}

/* smtp_mailer - the smtp method to 127.0.0.1:PORT */
static struct lg_mailer_config smtp_mailer(int port)
{
	struct lg_mailer_config mc;

	memset(&mc, 0, sizeof(mc));
	mc.method = LG_MAILER_SMTP;
	mc.host = (char *) "127.0.0.1";
	mc.port = port;
	mc.timeout = 10;
	return mc;
}

START_TEST(smtp_conversation)
{
	static struct server sv;
	struct lg_mailer_config mc;
	char err[256], msgpath[512];
	pthread_t t;

	memset(&sv, 0, sizeof(sv));
	snprintf(msgpath, sizeof(msgpath), "%s",
		 fh_tmpfile("msg3", "Subject: x\n\n.hidden\nlast"));
	server_start(&sv, &t);
	mc = smtp_mailer(sv.port);
	ck_assert_int_eq(lg_mailer_smtp(&mc, "a@example.com", msgpath, err,
					sizeof(err)), LG_OUTBOX_SENT);
	pthread_join(t, NULL);
	close(sv.fd);
	ck_assert_ptr_nonnull(strstr(sv.transcript, "MAIL FROM:<>\nRCPT TO:<a@example.com>\nDATA\n"
				     "Subject: x\n\n..hidden\nlast\n.\nQUIT\n"));
}
END_TEST

START_TEST(smtp_rejected_and_dead_port)
{
	static struct server sv;
	struct lg_mailer_config mc;
	char err[256], msgpath[512];
	pthread_t t;
	int port;

	memset(&sv, 0, sizeof(sv));
	sv.reject_rcpt = 1;
	snprintf(msgpath, sizeof(msgpath), "%s", fh_tmpfile("msg4", "x\n"));
	server_start(&sv, &t);
	mc = smtp_mailer(sv.port);
	ck_assert_int_eq(lg_mailer_smtp(&mc, "a@example.com", msgpath, err,
					sizeof(err)), LG_OUTBOX_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "RCPT: 550 5.1.1"));
	shutdown(sv.fd, SHUT_RDWR);
	pthread_join(t, NULL);
	port = sv.port;
	close(sv.fd);
	/* nobody listens there now */
	mc = smtp_mailer(port);
	ck_assert_int_eq(lg_mailer_smtp(&mc, "a@example.com", msgpath, err,
					sizeof(err)), LG_OUTBOX_RETRY);
	ck_assert_ptr_nonnull(strstr(err, "connect"));
}
END_TEST
/* --- the mailer settings --- */

struct cfg_case {
	const char *text;
	const char *error;	/* substring; NULL: loads */
};

static const struct cfg_case cfg_cases[] = {
	{ "mailer = { method = \"smtp\"; host = \"127.0.0.1\"; port = 2525; };", NULL },
	{ "mailer = { };", NULL },
	{ "mailer = { method = \"pigeon\"; };",
	  "cfg.conf:1: mailer: method must be \"sendmail\" or \"smtp\", not \"pigeon\"" },
	{ "mailer = { port = 0; };", "cfg.conf:1: mailer: port must be between 1 and 65535" },
	{ "mailer = { retry_interval = \"1s\"; };", "mailer: retry_interval must be between 30s" },
	{ "mailer = { max_attempts = \"x\"; };", "mailer: max_attempts must be a number" },
	{ "mailer = { path = \"sendmail\"; };", "mailer: path \"sendmail\" must be absolute" },
	{ "mailer = { colour = \"red\"; };", "mailer: unknown setting \"colour\"" },
	{ "mailer = \"smtp\";", "mailer must be a group" },
	{ "dkim_keys = \"\";", "dkim_keys must be the path of a key file" },
	{ "dkim_keys = \"/nonexistent/keys\";", "dkim_keys: cannot read /nonexistent/keys" },
	{ "dkim_keys = \"@TMP@/rcpts\";", NULL },
};

START_TEST(mailer_settings)
{
	char text[512];
	const char *err;

	fh_tmpfile("rcpts", "alice@example.com\n");
	snprintf(text, sizeof(text), "local_domains = [ \"example.com\" ];\n"
		 "recipients = [ \"@TMP@/rcpts\" ];\n%s\n", cfg_cases[_i].text);
	/* the case's line is line 2 once plugin_dir is put in front */
	err = fh_load_error("cfg", text);
	if (!cfg_cases[_i].error) {
		ck_assert_str_eq(err, "");
		return;
	}
	ck_assert_msg(strstr(err, cfg_cases[_i].error + (strncmp(cfg_cases[_i].error, "cfg.conf:1: ", 12) == 0 ? 12 : 0)) != NULL,
		      "got \"%s\", want \"%s\"", err, cfg_cases[_i].error);
}
END_TEST
/* suite - the mailer cases */
static Suite *suite(void)
{
	Suite *s = suite_create("mailer");
	TCase *tc = tcase_create("mailer");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sendmail_args_and_stdin);
	tcase_add_loop_test(tc, sendmail_failures, 0, N(sendmail_fails));
	tcase_add_test(tc, smtp_conversation);
	tcase_add_test(tc, smtp_rejected_and_dead_port);
	tcase_add_loop_test(tc, mailer_settings, 0, N(cfg_cases));
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
