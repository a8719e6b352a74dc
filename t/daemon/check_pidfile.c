/*
 * NAME
 *	check_pidfile - the pid file and the milter socket's warning
 *	(milter/daemon.c, milter/folders.c)
 * DESCRIPTION
 *	Each test runs in a fresh folder (a checked fixture) beside a
 *	scratch "target" file that must never change:
 *	- write: what a user may have left at PATH.tmp (nothing, a file,
 *	  a link to the target, a dangling link, a FIFO, a folder) and at
 *	  PATH (a link to the target); the pid file is made new or the
 *	  write is refused, and the target is never written through;
 *	- check: what is at PATH at start (nothing, a dead pid, garbage,
 *	  a link, a FIFO): taken over without following or hanging;
 *	- remove: a link to a file holding our pid is not ours;
 *	- warn_inet: which milter sockets draw the warning, and its words;
 *	- warn_mode: which socket_mode of a unix milter socket draws one;
 *	- folder: the pid file's folder by mode, for the daemon as the
 *	  user running this test: writable by others is refused;
 *	- socket_folder: the milter socket's folder by mode: writable by
 *	  every local user is refused;
 *	- socket_perms: what the user who owns the milter socket's folder
 *	  may have put at the socket's path between the bind and the
 *	  chmod/chown (a link to the target, a hard link, a file): only
 *	  the socket just bound is changed, never the target;
 *	- thread_stack: the stack a thread created without attributes
 *	  gets (libmilter's workers) after lg_daemon_thread_stack, from a
 *	  larger, an equal and a smaller default: made smaller, never
 *	  larger. The process's default is put back after each row.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fakehost.h"
#include "log.h"
#include "parse.h"
#include "settings.h"

#include "daemon.h"
#include "folders.h"

#define TARGET_TEXT "precious: root's own\n"

static char tmp[256], pidfile[512], pidtmp[512], target[512];

/* setup - a fresh folder with the target, the log kept in memory */
static void setup(void)
{
	FILE *fp;

	fh_mkdtemp(tmp, sizeof(tmp), "pidfile");
	snprintf(pidfile, sizeof(pidfile), "%s/lg.pid", tmp);
	snprintf(pidtmp, sizeof(pidtmp), "%s/lg.pid.tmp", tmp);
	snprintf(target, sizeof(target), "%s/target", tmp);
	ck_assert_ptr_nonnull(fp = fopen(target, "w"));
	fputs(TARGET_TEXT, fp);
	fclose(fp);
	lg_log_open("loopguard", LG_LOG_MEMORY);
	lg_log_capture_reset();
}

/* teardown - remove the folder */
static void teardown(void)
{
	fh_rmtree(tmp);
}

/* slurp - a small file's text ("" when it cannot be read) */
static const char *slurp(const char *path)
{
	static char buf[256];
	size_t n = 0;
	FILE *fp;

	buf[0] = 0;
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = 0;
	return buf;
}

/* What a user may have left at a path. */
enum kind { K_NONE, K_FILE, K_LINK, K_DANGLING, K_FIFO, K_DIR };

/* plant - put KIND at PATH (TEXT in a file) */
static void plant(const char *path, enum kind kind, const char *text)
{
	char nowhere[600];
	FILE *fp;

	switch (kind) {
	case K_NONE:
		break;
	case K_FILE:
		ck_assert_ptr_nonnull(fp = fopen(path, "w"));
		fputs(text, fp);
		fclose(fp);
		break;
	case K_LINK:
		ck_assert_int_eq(symlink(target, path), 0);
		break;
	case K_DANGLING:
		snprintf(nowhere, sizeof(nowhere), "%s/nowhere", tmp);
		ck_assert_int_eq(symlink(nowhere, path), 0);
		break;
	case K_FIFO:
		ck_assert_int_eq(mkfifo(path, 0644), 0);
		break;
	case K_DIR:
		ck_assert_int_eq(mkdir(path, 0755), 0);
		break;
	}
}

/* target_untouched - the target's text, and no file made through a
 * dangling link */
static void target_untouched(void)
{
	char nowhere[600];
	struct stat st;

	ck_assert_str_eq(slurp(target), TARGET_TEXT);
	snprintf(nowhere, sizeof(nowhere), "%s/nowhere", tmp);
	ck_assert_int_ne(lstat(nowhere, &st), 0);
}

struct write_case {
	enum kind at_tmp;		/* what is at PATH.tmp */
	int path_link;			/* PATH is a link to the target */
	int rc;
	const char *log;		/* a line that must be logged */
};

static const struct write_case write_cases[] = {
	{ K_NONE, 0, 0, NULL },
	{ K_FILE, 0, 0, "lg.pid: removed the stale " },
	{ K_LINK, 0, 0, "lg.pid.tmp, which was a symbolic link, without following it" },
	{ K_DANGLING, 0, 0, "lg.pid.tmp, which was a symbolic link, without following it" },
	{ K_FIFO, 0, 0, "lg.pid.tmp, which was not a regular file, without following it" },
	{ K_DIR, 0, -1, NULL },
	{ K_NONE, 1, 0, NULL },
	{ K_LINK, 1, 0, "which was a symbolic link" },
};

START_TEST(write_pidfile)
{
	const struct write_case *c = &write_cases[_i];
	char err[1024] = "", want[64];
	struct stat st;
	int rc;

	plant(pidtmp, c->at_tmp, "4242\n");
	if (c->path_link)
		plant(pidfile, K_LINK, NULL);
	rc = lg_daemon_write_pidfile(pidfile, err, sizeof(err));
	ck_assert_msg(rc == c->rc, "case %d: rc %d, want %d (%s)", _i, rc,
		      c->rc, err);
	target_untouched();
	if (c->log)
		ck_assert_msg(lg_log_captured_has(c->log), "case %d: log: %s",
			      _i, lg_log_captured());
	if (rc != 0) {
		ck_assert_msg(strstr(err, "lg.pid.tmp is a folder; remove it"),
			      "case %d: %s", _i, err);
		return;
	}
	ck_assert_int_eq(lstat(pidfile, &st), 0);
	ck_assert_msg(S_ISREG(st.st_mode), "case %d: not a regular file", _i);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	snprintf(want, sizeof(want), "%ld\n", (long) getpid());
	ck_assert_str_eq(slurp(pidfile), want);
	ck_assert_int_ne(lstat(pidtmp, &st), 0);
}
END_TEST

struct check_case {
	enum kind at_path;
	const char *text;		/* of a file */
	int taken_over;			/* removed, with an info line */
	const char *why;
};

static const struct check_case check_cases[] = {
	{ K_NONE, NULL, 0, NULL },
	{ K_FILE, "2147483646\n", 1, "pid 2147483646 is no longer running" },
	{ K_FILE, "garbage\n", 1, "it holds no pid" },
	{ K_FILE, "", 1, "it holds no pid" },
	{ K_FILE, "-5\n", 1, "it holds no pid" },
	{ K_FILE, "99999999999999999999\n", 1, "it holds no pid" },
	{ K_LINK, NULL, 1, "it is not a regular file; not followed" },
	{ K_FIFO, NULL, 1, "it is not a regular file; not followed" },
	{ K_DANGLING, NULL, 1, "it is not a regular file; not followed" },
};

START_TEST(check_pidfile)
{
	const struct check_case *c = &check_cases[_i];
	char err[1024] = "", want[700];
	struct stat st;

	plant(pidfile, c->at_path, c->text);
	ck_assert_msg(lg_daemon_check_pidfile(pidfile, err, sizeof(err)) == 0,
		      "case %d: %s", _i, err);
	target_untouched();
	ck_assert_int_ne(lstat(pidfile, &st), 0);
	if (c->taken_over) {
		snprintf(want, sizeof(want), "pidfile %s: stale (%s); taken over",
			 pidfile, c->why);
		ck_assert_msg(lg_log_captured_has(want), "case %d: log: %s",
			      _i, lg_log_captured());
	} else
		ck_assert_str_eq(lg_log_captured(), "");
}
END_TEST

/* a link to a file holding our pid is not our pid file */
START_TEST(remove_link_not_ours)
{
	char ours[600];
	FILE *fp;
	struct stat st;

	snprintf(ours, sizeof(ours), "%s/ours", tmp);
	ck_assert_ptr_nonnull(fp = fopen(ours, "w"));
	fprintf(fp, "%ld\n", (long) getpid());
	fclose(fp);
	ck_assert_int_eq(symlink(ours, pidfile), 0);
	ck_assert_int_eq(lg_daemon_remove_pidfile(pidfile, (long) getpid()), 0);
	ck_assert_int_eq(lstat(pidfile, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	unlink(pidfile);
	ck_assert_int_eq(rename(ours, pidfile), 0);
	ck_assert_int_eq(lg_daemon_remove_pidfile(pidfile, (long) getpid()), 1);
	ck_assert_int_ne(lstat(pidfile, &st), 0);
}
END_TEST

struct inet_case {
	const char *spec;
	int warns;
	int remote;			/* "and any host that reaches it" */
};

static const struct inet_case inet_cases[] = {
	{ "unix:/run/loopguard/loopguard.sock", 0, 0 },
	{ "local:/var/spool/postfix/loopguard/loopguard.sock", 0, 0 },
	{ "inet:8890@127.0.0.1", 1, 0 },
	{ "inet:8890@127.1.2.3", 1, 0 },
	{ "inet:8890@localhost", 1, 0 },
	{ "inet6:8890@::1", 1, 0 },
	{ "inet:8890@0.0.0.0", 1, 1 },
	{ "inet:8890", 1, 1 },
	{ "inet:8890@192.0.2.1", 1, 1 },
	{ "inet6:8890@::", 1, 1 },
};

START_TEST(warn_inet)
{
	const struct inet_case *c = &inet_cases[_i];
	struct lg_socket_spec spec;
	const char *why = NULL;
	char want[256];

	ck_assert_msg(lg_parse_socket_spec(c->spec, &spec, &why) == 0,
		      "%s: %s", c->spec, why);
	ck_assert_int_eq(lg_daemon_warn_inet(c->spec, &spec), c->warns);
	if (!c->warns) {
		ck_assert_str_eq(lg_log_captured(), "");
		return;
	}
	snprintf(want, sizeof(want), "socket %s: any local user", c->spec);
	ck_assert_msg(lg_log_captured_has(want), "%s", lg_log_captured());
	ck_assert(lg_log_captured_has("can connect to a TCP milter socket and forge MTA sessions, which change loopguard's counters, blocks and ledger; use a unix socket only the MTA's group may open (socket_mode = \"0660\", socket_group)"));
	ck_assert_int_eq(lg_log_captured_has("and any host that reaches it"),
			 c->remote);
}
END_TEST

struct mode_case {
	const char *spec;
	int mode;
	int warns;
};

static const struct mode_case mode_cases[] = {
	{ "unix:/run/loopguard/loopguard.sock", -1, 0 },
	{ "unix:/run/loopguard/loopguard.sock", 0660, 0 },
	{ "unix:/run/loopguard/loopguard.sock", 0664, 0 },
	{ "unix:/run/loopguard/loopguard.sock", 0600, 0 },
	{ "unix:/run/loopguard/loopguard.sock", 0666, 1 },
	{ "unix:/run/loopguard/loopguard.sock", 0662, 1 },
	{ "unix:/run/loopguard/loopguard.sock", 0777, 1 },
	{ "inet:8890@127.0.0.1", 0666, 0 },	/* warn_inet's part */
};

START_TEST(warn_mode)
{
	const struct mode_case *c = &mode_cases[_i];
	struct lg_socket_spec spec;
	const char *why = NULL;
	char want[256];

	ck_assert_msg(lg_parse_socket_spec(c->spec, &spec, &why) == 0,
		      "%s: %s", c->spec, why);
	ck_assert_int_eq(lg_daemon_warn_mode(c->spec, &spec, c->mode),
			 c->warns);
	if (!c->warns) {
		ck_assert_str_eq(lg_log_captured(), "");
		return;
	}
	snprintf(want, sizeof(want), "socket %s: socket_mode %04o lets any local user connect and forge MTA sessions",
		 c->spec, (unsigned) c->mode);
	ck_assert_msg(lg_log_captured_has(want), "%s", lg_log_captured());
}
END_TEST

struct folder_case {
	mode_t mode;
	int refused;
};

static const struct folder_case folder_cases[] = {
	{ 0755, 0 }, { 0700, 0 }, { 0775, 0 }, { 0770, 0 },
	{ 0757, 1 }, { 0777, 1 }, { 01777, 1 }, { 0703, 1 },
};

/* make_folder - TMP/NAME at MODE, its path in dir */
static void make_folder(const char *name, mode_t mode, char *dir,
			size_t size)
{
	snprintf(dir, size, "%s/%s", tmp, name);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, mode), 0);
}

/* check_folders - lg_folders on CFG as case C wants: accepted, or
 * refused with an error that holds WHY and WHY2 */
static void check_folders(const struct lg_config *cfg,
			  const struct folder_case *c, const char *why,
			  const char *why2)
{
	struct lg_ids ids;
	char err[1024] = "";
	int rc;

	ck_assert_int_eq(lg_daemon_ids(NULL, NULL, &ids, err, sizeof(err)), 0);
	rc = lg_folders(cfg, &ids, LG_FOLDERS_CHECK, err, sizeof(err));
	if (!c->refused) {
		ck_assert_msg(rc == 0, "mode %04o: %s", (unsigned) c->mode, err);
		return;
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, why), "mode %04o: %s", (unsigned) c->mode,
		      err);
	ck_assert_msg(strstr(err, why2), "%s", err);
}

START_TEST(pid_folder)
{
	const struct folder_case *c = &folder_cases[_i];
	struct lg_config cfg;
	char dir[600], path[700], why[700], mode[32];

	make_folder("run", c->mode, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/lg.pid", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.socket = "inet:8890@127.0.0.1";
	cfg.socket_spec.kind = LG_SOCK_INET;
	cfg.pidfile = path;
	cfg.state.backend = "memory";
	snprintf(why, sizeof(why),
		 "pid file folder %s: writable by others than root", dir);
	snprintf(mode, sizeof(mode), "mode %04o)", (unsigned) c->mode);
	check_folders(&cfg, c, why, mode);
}
END_TEST

static const struct folder_case socket_folder_cases[] = {
	{ 0755, 0 }, { 0700, 0 }, { 0775, 0 }, { 0750, 0 },
	{ 0757, 1 }, { 0777, 1 }, { 01777, 1 }, { 0703, 1 },
};

START_TEST(socket_folder)
{
	const struct folder_case *c = &socket_folder_cases[_i];
	struct lg_config cfg;
	char dir[600], path[700], why[700];

	make_folder("sock", c->mode, dir, sizeof(dir));
	snprintf(path, sizeof(path), "unix:%s/lg.sock", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.socket = path;
	cfg.socket_spec.kind = LG_SOCK_UNIX;
	ck_assert_uint_lt(strlen(dir) + 8, sizeof(cfg.socket_spec.path));
	memcpy(cfg.socket_spec.path, dir, strlen(dir));
	memcpy(cfg.socket_spec.path + strlen(dir), "/lg.sock", 9);
	cfg.state.backend = "memory";
	snprintf(why, sizeof(why),
		 "milter socket folder %s: writable by every local user (", dir);
	check_folders(&cfg, c, why,
		      "who could put a socket of their own there for the MTA to talk to");
}
END_TEST

/* What is at the milter socket's path when its mode is set. */
enum at_sock { S_SOCKET, S_LINK, S_HARDLINK, S_FILE };

struct perms_case {
	enum at_sock at;
	const char *why;		/* in the error; NULL: changed */
};

static const struct perms_case perms_cases[] = {
	{ S_SOCKET, NULL },
	{ S_LINK, "a symbolic link is there now; not followed" },
	{ S_HARDLINK, "it has more than one name (a hard link)" },
	{ S_FILE, "it is no longer a socket" },
};

/* bind_at - a unix socket bound at PATH, mode 0600; its fd */
static int bind_at(const char *path)
{
	struct sockaddr_un sun;
	mode_t old = umask(0177);
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
	umask(old);
	return fd;
}

START_TEST(socket_perms)
{
	const struct perms_case *c = &perms_cases[_i];
	char sock[600], other[600], err[1024] = "";
	struct stat st;
	int fd, rc;

	snprintf(sock, sizeof(sock), "%s/lg.sock", tmp);
	snprintf(other, sizeof(other), "%s/other.sock", tmp);
	ck_assert_int_eq(chmod(target, 0600), 0);
	fd = bind_at(sock);
	switch (c->at) {
	case S_SOCKET:
		break;
	case S_LINK:		/* swapped for a link after the bind */
		ck_assert_int_eq(unlink(sock), 0);
		plant(sock, K_LINK, NULL);
		break;
	case S_HARDLINK:	/* a second name for the socket */
		ck_assert_int_eq(link(sock, other), 0);
		break;
	case S_FILE:
		ck_assert_int_eq(unlink(sock), 0);
		plant(sock, K_FILE, "x");
		ck_assert_int_eq(chmod(sock, 0600), 0);
		break;
	}
	rc = lg_daemon_socket_perms(sock, 0666, NULL, NULL, err, sizeof(err));
	close(fd);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0600,
		      "case %d: the target's mode is now %04o", _i,
		      (unsigned) (st.st_mode & 07777));
	target_untouched();
	ck_assert_int_eq(lstat(sock, &st), 0);
	if (!c->why) {
		ck_assert_msg(rc == 0, "case %d: %s", _i, err);
		ck_assert_int_eq(st.st_mode & 07777, 0666);
		return;
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, c->why), "case %d: %s", _i, err);
	if (!S_ISLNK(st.st_mode))
		ck_assert_int_eq(st.st_mode & 07777, 0600);
}
END_TEST

static const struct {
	size_t before;			/* the process's default first */
	size_t asked;			/* lg_daemon_thread_stack(asked) */
	size_t want;			/* what a new thread gets */
} stack_cases[] = {
	{ (size_t) 8 << 20, LG_THREAD_STACK, LG_THREAD_STACK },
	{ LG_THREAD_STACK, LG_THREAD_STACK, LG_THREAD_STACK },
	{ (size_t) 256 << 10, LG_THREAD_STACK, (size_t) 256 << 10 },
};

/* stack_of_thread - a thread's own stack size, as pthread reports it */
static void *stack_of_thread(void *arg)
{
	pthread_attr_t attr;

	ck_assert_int_eq(pthread_getattr_np(pthread_self(), &attr), 0);
	ck_assert_int_eq(pthread_attr_getstacksize(&attr, (size_t *) arg), 0);
	pthread_attr_destroy(&attr);
	return NULL;
}

/* set_default_stack - the stack of threads created without attributes */
static void set_default_stack(size_t size)
{
	pthread_attr_t attr;

	ck_assert_int_eq(pthread_getattr_default_np(&attr), 0);
	ck_assert_int_eq(pthread_attr_setstacksize(&attr, size), 0);
	ck_assert_int_eq(pthread_setattr_default_np(&attr), 0);
	pthread_attr_destroy(&attr);
}

START_TEST(thread_stack)
{
	pthread_attr_t attr;
	pthread_t t;
	size_t old = 0, got = 0;

	ck_assert_int_eq(pthread_getattr_default_np(&attr), 0);
	ck_assert_int_eq(pthread_attr_getstacksize(&attr, &old), 0);
	pthread_attr_destroy(&attr);
	set_default_stack(stack_cases[_i].before);
	ck_assert_uint_eq(lg_daemon_thread_stack(stack_cases[_i].asked),
			  stack_cases[_i].want);
	ck_assert_int_eq(pthread_create(&t, NULL, stack_of_thread, &got), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	set_default_stack(old ? old : (size_t) 8 << 20);
	ck_assert_uint_eq(got, stack_cases[_i].want);
}
END_TEST

/* pidfile_suite - the cases above */
static Suite *pidfile_suite(void)
{
	Suite *s = suite_create("pidfile");
	TCase *tc = tcase_create("pidfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, write_pidfile, 0,
			    sizeof(write_cases) / sizeof(write_cases[0]));
	tcase_add_loop_test(tc, check_pidfile, 0,
			    sizeof(check_cases) / sizeof(check_cases[0]));
	tcase_add_test(tc, remove_link_not_ours);
	tcase_add_loop_test(tc, warn_inet, 0,
			    sizeof(inet_cases) / sizeof(inet_cases[0]));
	tcase_add_loop_test(tc, warn_mode, 0,
			    sizeof(mode_cases) / sizeof(mode_cases[0]));
	tcase_add_loop_test(tc, pid_folder, 0,
			    sizeof(folder_cases) / sizeof(folder_cases[0]));
	tcase_add_loop_test(tc, socket_folder, 0,
			    sizeof(socket_folder_cases) /
			    sizeof(socket_folder_cases[0]));
	tcase_add_loop_test(tc, socket_perms, 0,
			    sizeof(perms_cases) / sizeof(perms_cases[0]));
	tcase_add_loop_test(tc, thread_stack, 0,
			    sizeof(stack_cases) / sizeof(stack_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

/* main - run the suite; exit 1 if any check failed */
int main(void)
{
	SRunner *sr = srunner_create(pidfile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
