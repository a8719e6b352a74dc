/*
 * NAME
 *	check_control_socket - unit tests of the control socket
 * SYNOPSIS
 *	check_control_socket
 * DESCRIPTION
 *	Each case binds a control socket in a fresh directory, over the
 *	store of control_fixture.c, and talks to the serving thread: stale
 *	and live sockets, a request without a newline, a line too long, a
 *	silent client, a client that does not read its reply, stop.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */
#include "config.h"

#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "host.h"
#include "log.h"
#include "store.h"

#include "control_fixture.h"

/* socket fixture: a directory and a config naming a socket in it */
static char dir[64], path[96];
static struct lg_config cfg;

/* sock_setup - the store, and a fresh directory */
static void sock_setup(void)
{
	setup();
	strcpy(dir, "/tmp/check_control.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.control = malloc(strlen(path) + 8);
	sprintf(cfg.control, "unix:%s", path);
	cfg.control_mode = 0600;
	lg_host_set_store(&st);
	lg_clock_set(T0 + 10);
}

/* sock_teardown - stop, remove the directory */
static void sock_teardown(void)
{
	lg_control_stop();
	lg_host_set_store(NULL);
	lg_clock_set(0);
	unlink(path);
	rmdir(dir);
	free(cfg.control);
	teardown();
}

/* sock_addr - the address of the control socket */
static struct sockaddr_un sock_addr(void)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	return sun;
}

/* dial - a connected client socket, or -1 */
static int dial(void)
{
	struct sockaddr_un sun = sock_addr();
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* open_and_serve - bind the control socket and serve it */
static void open_and_serve(void)
{
	char err[512] = "";

	ck_assert_msg(lg_control_open(&cfg, err, sizeof(err)) == 0, "%s", err);
	lg_control_start(lg_host_store(), fake_reload);
}

/* talk - send bytes (then close our side), read the reply into out */
static void talk(const char *req, size_t len)
{
	int fd = dial();
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(send(fd, req, len, MSG_NOSIGNAL), (ssize_t) len);
	shutdown(fd, SHUT_WR);
	out_len = 0;
	while ((n = read(fd, out + out_len, sizeof(out) - 1 - out_len)) > 0)
		out_len += (size_t) n;
	out[out_len] = 0;
	close(fd);
}

START_TEST(socket_serves)
{
	static char big[10000];
	struct stat sb;
	struct pollfd pfd;
	int idle;

	open_and_serve();
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert(S_ISSOCK(sb.st_mode));
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	talk("stats\n", 6);
	ck_assert_ptr_nonnull(strstr(out, "\nentries\t4\n"));
	ck_assert_str_eq(last(), "OK");
	talk("list", 4);		/* no newline: EOF ends it */
	ck_assert_str_eq(last(), "OK 3 entries, 1 hidden");
	memset(big, 'a', sizeof(big));
	talk(big, sizeof(big));
	ck_assert_str_eq(out, "ERR line too long (at most 4096 bytes)\n");
	talk("\x00\x01\xff\n", 4);
	ck_assert_str_eq(last(), "ERR request has a control byte 0x00 at offset 0");
	/* a silent client does not hold up the next one, which is served
	 * while it still waits; it is dropped after its 5 s */
	idle = dial();
	ck_assert_int_ge(idle, 0);
	talk("list --plugin harvest\n", 22);
	ck_assert_str_eq(last(), "OK 1 entries, 0 hidden");
	pfd.fd = idle;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);	/* not yet dropped */
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);	/* EOF: dropped */
	ck_assert_int_le(read(idle, big, 1), 0);
	close(idle);
	lg_control_stop();
	ck_assert_int_ne(stat(path, &sb), 0);
	ck_assert_int_lt(dial(), 0);
}
END_TEST

START_TEST(socket_slow_reader)
{
	char key[64];
	int i, fd;

	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "repeat:bulk-%d", i);
		put(key, "repeat", i, "sender-with-a-long-name@example.org",
		    "recipient-with-a-long-name@example.com", "192.0.2.99",
		    "looping", 1000);
	}
	open_and_serve();
	fd = dial();		/* asks for a big list, never reads it */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(send(fd, "list\n", 5, 0), 5);
	talk("stats\n", 6);	/* served while that client hangs */
	ck_assert_str_eq(last(), "OK");
	ck_assert(!lg_log_captured_has("stopped reading the reply; dropped"));
	for (i = 0; i < 100 && !lg_log_captured_has(
			"stopped reading the reply; dropped"); i++)
		poll(NULL, 0, 100);
	ck_assert(lg_log_captured_has("stopped reading the reply; dropped"));
	close(fd);
}
END_TEST

START_TEST(socket_stale_and_live)
{
	struct sockaddr_un sun = sock_addr();
	char err[512] = "", want[300];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(lg_control_open(&cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "control unix:%s: another process is listening there", path);
	ck_assert_str_eq(err, want);
	close(fd);			/* now only a stale file is left */
	open_and_serve();
	talk("stats", 5);
	ck_assert_str_eq(last(), "OK");
}
END_TEST

START_TEST(socket_refuses)
{
	char err[512] = "", want[300];
	FILE *fp;

	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fclose(fp);
	ck_assert_int_eq(lg_control_open(&cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "control unix:%s: the file exists and is not a socket; refusing to remove it",
		 path);
	ck_assert_str_eq(err, want);
	unlink(path);
	cfg.control_group = (char *) "no-such-group-here";
	ck_assert_int_eq(lg_control_open(&cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "group no-such-group-here: no such group"));
	cfg.control_group = NULL;
	snprintf(cfg.control, strlen(path) + 8, "unix:/nonexistent/x");
	ck_assert_int_eq(lg_control_open(&cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "control unix:/nonexistent/x: bind: No such file or directory");
	free(cfg.control);
	cfg.control = NULL;		/* no control socket: all no-ops */
	ck_assert_int_eq(lg_control_open(&cfg, err, sizeof(err)), 0);
	lg_control_start(lg_host_store(), fake_reload);
	lg_control_stop();
	cfg.control = malloc(8);
}
END_TEST

/* control_socket_suite - the socket cases */
static Suite *control_socket_suite(void)
{
	Suite *s = suite_create("control_socket");
	TCase *tc = tcase_create("socket");

	tcase_add_checked_fixture(tc, sock_setup, sock_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, socket_serves);
	tcase_add_test(tc, socket_slow_reader);
	tcase_add_test(tc, socket_stale_and_live);
	tcase_add_test(tc, socket_refuses);
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 on any failure */
int main(void)
{
	SRunner *sr = srunner_create(control_socket_suite());
	int failed;

	lg_log_open("check_control_socket", LG_LOG_MEMORY);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
