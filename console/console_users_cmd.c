/*
 * NAME
 *	console_users_cmd.c - "loopguard-console user add|del|list"
 * SYNOPSIS
 *	#include "console_impl.h"
 *
 *	return cn_users_cmd(config_file, argc, argv);
 * DESCRIPTION
 *	user add NAME [--role read|operator] reads the password from
 *	stdin: on a terminal it asks twice without echo; otherwise it
 *	takes the first line. It is never an argument (arguments show in
 *	ps and in shell history). An existing user gets the new password
 *	and role. user del NAME removes one; user list shows names and
 *	roles (never hashes).
 *
 *	The file (the console's users_file) is written whole to a
 *	temporary file beside it and renamed over it, so the running
 *	console never reads half a file. A new file gets mode 0640, owned
 *	by root and the group of the console's `user` when run as root,
 *	so the console can read it after it dropped its privileges;
 *	a file that was there keeps its owner and mode (others may never
 *	read it).
 * DIAGNOSTICS
 *	"loopguard-console: user ...: what" on stderr; exit 1, or 64 for
 *	bad usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "console_impl.h"

#define PASSWORD_MAX	1024
#define FILE_MAX	(1024 * 1024)

/* fail - a message, exit code 1 */
static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "loopguard-console: user: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

/* read_line - one line from fp, without its newline: 0 or -1 */
static int read_line(FILE *fp, char *buf, size_t size)
{
	size_t n;

	if (!fgets(buf, (int) size, fp))
		return -1;
	n = strcspn(buf, "\r\n");
	if (buf[n] == 0 && n == size - 1)
		return -1;		/* too long */
	buf[n] = 0;
	return 0;
}

/* ask - a password from the terminal, without echo */
static int ask(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int rc;

	/* echo off before the prompt: what is typed after it is kept */
	if (tcgetattr(0, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t) ECHO;
	tcsetattr(0, TCSAFLUSH, &quiet);
	fputs(prompt, stderr);
	fflush(stderr);
	rc = read_line(stdin, buf, size);
	tcsetattr(0, TCSANOW, &old);
	fputc('\n', stderr);
	return rc;
}

/* get_password - from the terminal (twice) or the first line of stdin */
static int get_password(char *buf, size_t size)
{
	char again[PASSWORD_MAX + 2];

	if (!isatty(0)) {
		if (read_line(stdin, buf, size) < 0)
			return fail("no password on stdin (one line, at most %s bytes)%s",
				    "1024", "");
	} else {
		if (ask("Password: ", buf, size) < 0 || ask("Again: ", again, sizeof(again)) < 0)
			return fail("no password read%s%s", "", "");
		if (strcmp(buf, again) != 0)
			return fail("the two passwords differ%s%s", "", "");
	}
	if (!*buf)
		return fail("the password is empty%s%s", "", "");
	if (strlen(buf) < 8)
		fprintf(stderr, "loopguard-console: user: warning: a password of fewer than 8 characters\n");
	return 0;
}

/* write_file - the new text over path, atomically */
static int write_file(const char *path, const char *text)
{
	char tmp[4096];
	struct passwd *pw;
	struct stat st;
	int fd, existed = stat(path, &st) == 0;
	size_t len = strlen(text);

	if ((size_t) snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= sizeof(tmp))
		return fail("%s: path too long%s", path, "");
	if ((fd = mkstemp(tmp)) < 0)
		return fail("cannot create a file beside %s: %s", path, strerror(errno));
	if (existed) {
		if (fchmod(fd, st.st_mode & 0770) < 0
		    || (geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0))
			goto bad;
	} else {
		if (fchmod(fd, 0640) < 0)
			goto bad;
		pw = cn_cfg.user ? getpwnam(cn_cfg.user) : NULL;
		if (geteuid() == 0 && pw && fchown(fd, 0, pw->pw_gid) < 0)
			goto bad;
		/* the console rereads the file as that user: say so now */
		if (!pw)
			fprintf(stderr, "loopguard-console: user: warning: no account \"%s\" (console.user): "
				"%s stays in group root; the console will not see changes after it started "
				"until you chgrp it to that user's group\n",
				cn_cfg.user ? cn_cfg.user : "", path);
	}
	if (write(fd, text, len) != (ssize_t) len || fsync(fd) < 0)
		goto bad;
	if (close(fd) < 0) {
		fd = -1;
		goto bad;
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return fail("cannot replace %s: %s", path, strerror(errno));
	}
	return 0;
bad:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return fail("cannot write %s: %s", tmp, strerror(errno));
}

/* load_text - the file as it is ("" when there is none) */
static int load_text(const char *path, char **text_r)
{
	char err[512];

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*text_r = strdup("");
		return *text_r ? 0 : 1;
	}
	if (cn_read_private_file(path, FILE_MAX, text_r, NULL, err, sizeof(err)) < 0)
		return fail("%s%s", err, "");
	return 0;
}

/* edit - the text without NAME's line, and with LINE if given */
static int edit(const char *path, const char *name, const char *line, int *found_r)
{
	struct cn_buf out = { 0 };
	char *text, *p, *next, *copy, *n, *h;
	enum cn_role role;
	int rc;

	if ((rc = load_text(path, &text)) != 0)
		return rc;
	*found_r = 0;
	for (p = text; *p; p = next) {
		if ((next = strchr(p, '\n')))
			*next++ = 0;
		else
			next = p + strlen(p);
		if (!(copy = strdup(p)))
			break;
		if (cn_users_parse_line(copy, &n, &role, &h) == 1 && strcmp(n, name) == 0) {
			*found_r = 1;
			free(copy);
			continue;
		}
		free(copy);
		cn_buf_adds(&out, p);
		cn_buf_adds(&out, "\n");
	}
	if (line)
		cn_buf_addf(&out, "%s\n", line);
	free(text);
	if (out.nomem)
		return fail("out of memory%s%s", "", "");
	rc = write_file(path, out.data ? out.data : "");
	cn_buf_free(&out);
	return rc;
}

/* list - names and roles */
static int list(const char *path)
{
	char *text, *p, *next, *n, *h;
	enum cn_role role;
	int rc;

	if ((rc = load_text(path, &text)) != 0)
		return rc;
	for (p = text; *p; p = next) {
		if ((next = strchr(p, '\n')))
			*next++ = 0;
		else
			next = p + strlen(p);
		if (cn_users_parse_line(p, &n, &role, &h) == 1)
			printf("%s\t%s\n", n, cn_role_name(role));
	}
	free(text);
	return 0;
}

/* cn_users_cmd - user add|del|list [NAME] [--role R] [-c FILE] */
int cn_users_cmd(const char *file, int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "", *name = NULL;
	enum cn_role role = CN_ROLE_READ;
	char err[1024], password[PASSWORD_MAX + 2], hash[256], line[512];
	int i, found, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
			if (cn_role_parse(argv[++i], &role) < 0)
				return fail("--role %s: read or operator%s", argv[i], ""), 64;
		} else if (!name && argv[i][0] != '-')
			name = argv[i];
		else {
			fprintf(stderr, "loopguard-console: user: unexpected \"%s\" (the password comes from stdin)\n",
				argv[i]);
			return 64;
		}
	}
	if (cn_config_load(file, err, sizeof(err)) < 0)
		return fail("%s%s", err, "");
	if (strcmp(sub, "list") == 0 && !name)
		return list(cn_cfg.users_file);
	if (!name || (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0)) {
		fprintf(stderr, "usage: loopguard-console user add NAME [--role read|operator] | del NAME | list [-c FILE]\n");
		return 64;
	}
	if (!cn_user_name_ok(name))
		return fail("\"%s\": a name is 1-64 of A-Z a-z 0-9 . _ @ -%s", name, ""), 64;
	if (strcmp(sub, "del") == 0) {
		if ((rc = edit(cn_cfg.users_file, name, NULL, &found)) != 0)
			return rc;
		if (!found)
			return fail("%s: no such user in %s", name, cn_cfg.users_file);
		printf("user %s removed from %s\n", name, cn_cfg.users_file);
		return 0;
	}
	if ((rc = get_password(password, sizeof(password))) != 0)
		return rc;
	if (cn_users_hash(password, hash, sizeof(hash)) < 0)
		return fail("cannot hash the password (yescrypt)%s%s", "", "");
	memset(password, 0, sizeof(password));
	snprintf(line, sizeof(line), "%s:%s:%s", name, cn_role_name(role), hash);
	if ((rc = edit(cn_cfg.users_file, name, line, &found)) != 0)
		return rc;
	printf("user %s (%s) %s in %s\n", name, cn_role_name(role),
	       found ? "changed" : "added", cn_cfg.users_file);
	return 0;
}
