/*
 * NAME
 *	check_outbox - the outbox, the two mailer methods, the queue
 *	control command and the mailer settings
 * DESCRIPTION
 *	The outbox is driven directly with a fake clock and a fake
 *	deliver function; the sendmail method runs a shell script that
 *	records its arguments and input; the smtp method talks to a small
 *	SMTP server in a thread of this test (and to a closed port).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stddef.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "control_cmd.h"
#include "fakehost.h"
#include "host.h"
#include "log.h"
#include "mailer.h"
#include "outbox.h"

#define N(a)	((int) (sizeof(a) / sizeof((a)[0])))

/* dir - NAME in the temporary directory */
static const char *dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", fh_tmpdir(), name);
	return path;
}

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

/* slurp - the text of PATH (static buffer), or NULL */
static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return buf;
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

/* suite - every case above */
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
	tcase_add_test(tc, sendmail_args_and_stdin);
	tcase_add_loop_test(tc, sendmail_failures, 0, N(sendmail_fails));
	tcase_add_test(tc, smtp_conversation);
	tcase_add_test(tc, smtp_rejected_and_dead_port);
	tcase_add_test(tc, queue_command);
	tcase_add_test(tc, host_send_and_notify);
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
