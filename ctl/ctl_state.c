/*
 * NAME
 *	ctl_state.c - loopguardctl state export FILE, state import FILE
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	code = ctl_state(path, "export", "/root/lg.state", force, json);
 * DESCRIPTION
 *	export asks the daemon for "state export" and writes what it
 *	streams into FILE: a new file of mode 0600, written under a
 *	temporary name in the same folder, synced, then linked to FILE
 *	(refused when FILE exists) or, with --force, renamed over it. Every
 *	line is checked with the parser import uses before it is kept, so
 *	a file export wrote always imports. Nothing is left behind on a
 *	failure.
 *
 *	import checks the whole FILE first (the format line, each line's
 *	fields and sizes, at most LG_STATE_LINE_MAX bytes a line) and
 *	sends nothing when one line is bad: the error names FILE and the
 *	line. Then it sends "state import", every line of FILE and ".",
 *	and reports the daemon's answer. Entries already expired are
 *	counted and skipped (by the daemon as well).
 * DIAGNOSTICS
 *	"loopguardctl: FILE:LINE: what is wrong"; "FILE exists (use
 *	--force to replace it)"; the daemon's ERR text. Exit 0, or 1.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "state_line.h"

/* One export or import in progress. */
struct job {
	const char *file;
	FILE *fp;
	size_t lineno, entries, expired;
	int fd;
	time_t now;
	char line[LG_STATE_LINE_MAX + 2];
	struct lg_state_line parsed;
};

/* say - one "loopguardctl: ..." line on stderr, made safe */
static int say(const char *text)
{
	char *safe = ctl_display(text);

	fprintf(stderr, "loopguardctl: %s\n", safe ? safe : text);
	free(safe);
	return CTL_EX_FAIL;
}

/* check_line - the header (line 1) or one entry line: 0, or -1 and
 * "FILE:LINE: why" in err */
static int check_line(struct job *jb, const char *line, size_t len,
		      char *err, size_t errsize)
{
	char why[512];
	int rc;

	jb->lineno++;
	if (jb->lineno == 1)
		rc = lg_state_header(line, len, why, sizeof(why));
	else
		rc = lg_state_parse(line, len, jb->now, &jb->parsed, why,
				    sizeof(why));
	if (rc < 0) {
		snprintf(err, errsize, "%s:%zu: %s", jb->file, jb->lineno, why);
		return -1;
	}
	if (rc == 1 && jb->parsed.expired)
		jb->expired++;
	else if (rc == 1)
		jb->entries++;
	return 0;
}

/* export_line - ctl_line_fn: check a line of the export, write it */
static int export_line(void *arg, const char *line, char *err,
		       size_t errsize)
{
	struct job *jb = arg;
	size_t len = strlen(line);

	if (check_line(jb, line, len, err, errsize) != 0)
		return -1;
	if (fwrite(line, 1, len, jb->fp) != len || putc('\n', jb->fp) == EOF) {
		snprintf(err, errsize, "%s: %s", jb->file, strerror(errno));
		return -1;
	}
	return 0;
}

/* temp_file - a new 0600 file beside FILE; its name in tmp */
static FILE *temp_file(const char *file, char *tmp, size_t size)
{
	char copy[PATH_MAX];
	FILE *fp;
	int fd;

	if (snprintf(copy, sizeof(copy), "%s", file) >= (int) sizeof(copy) ||
	    snprintf(tmp, size, "%s/.loopguard-state.XXXXXX",
		     dirname(copy)) >= (int) size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = mkstemp(tmp)) < 0)
		return NULL;
	if (fchmod(fd, 0600) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		return NULL;
	}
	return fp;
}

/* finish_file - sync the temporary file and give it FILE's name */
static int finish_file(struct job *jb, const char *tmp, int force,
		       char *err, size_t errsize)
{
	int rc = fflush(jb->fp) == 0 && fsync(fileno(jb->fp)) == 0 ? 0 : -1;

	if (fclose(jb->fp) != 0)
		rc = -1;
	jb->fp = NULL;
	if (rc == 0 && force)
		rc = rename(tmp, jb->file);
	else if (rc == 0 && (rc = link(tmp, jb->file)) == 0)
		unlink(tmp);
	if (rc != 0) {
		snprintf(err, errsize, "%s: %s%s", jb->file, strerror(errno),
			 errno == EEXIST ? " (use --force to replace it)" : "");
		unlink(tmp);
	}
	return rc;
}

/* do_export - the daemon's entries into FILE */
static int do_export(const char *path, struct job *jb, int force, int json)
{
	char tmp[PATH_MAX], err[1024] = "", *final = NULL;
	struct stat st;

	if (!force && lstat(jb->file, &st) == 0) {
		snprintf(err, sizeof(err), "%s exists (use --force to replace "
			 "it)", jb->file);
		return say(err);
	}
	if ((jb->fp = temp_file(jb->file, tmp, sizeof(tmp))) == NULL) {
		snprintf(err, sizeof(err), "%s: cannot create a file beside "
			 "it: %s", jb->file, strerror(errno));
		return say(err);
	}
	if (ctl_stream(path, "state export", NULL, NULL, export_line, jb,
		       &final, err, sizeof(err)) != 0 ||
	    strncmp(final, "ERR", 3) == 0 || jb->lineno == 0) {
		if (final && strncmp(final, "ERR", 3) == 0)
			snprintf(err, sizeof(err), "%s", final[3] ?
				 final + 4 : "error");
		else if (*err == 0)
			snprintf(err, sizeof(err), "the daemon sent no state");
		fclose(jb->fp);
		unlink(tmp);
		free(final);
		return say(err);
	}
	free(final);
	if (finish_file(jb, tmp, force, err, sizeof(err)) != 0)
		return say(err);
	if (json)
		printf("{\"ok\": true, \"exported\": %zu, \"file\": ",
		       jb->entries);
	if (json) {
		ctl_json_string(stdout, jb->file);
		puts("}");
	} else {
		printf("exported %zu entries to %s\n", jb->entries, jb->file);
	}
	return 0;
}

/* read_line - the next line of FILE into jb->line: its length, -1 at
 * the end, -2 for a line too long, -3 for a NUL byte */
static long read_line(struct job *jb)
{
	size_t n = 0;
	int c, bad = 0;

	while ((c = getc(jb->fp)) != EOF && c != '\n') {
		if (c == 0)
			bad = -3;
		else if (n > LG_STATE_LINE_MAX)
			bad = bad ? bad : -2;
		else
			jb->line[n++] = (char) c;
	}
	if (c == EOF && n == 0 && !bad)
		return -1;
	if (bad)
		return bad;
	if (n > 0 && jb->line[n - 1] == '\r')
		n--;
	jb->line[n] = 0;
	return n > LG_STATE_LINE_MAX ? -2 : (long) n;
}

/* check_file - every line of FILE: 0, or -1 with err */
static int check_file(struct job *jb, char *err, size_t errsize)
{
	long n;

	while ((n = read_line(jb)) != -1) {
		if (n < 0) {
			snprintf(err, errsize, "%s:%zu: %s", jb->file,
				 jb->lineno + 1, n == -2 ? "line too long" :
				 "NUL byte in the line");
			return -1;
		}
		if (check_line(jb, jb->line, (size_t) n, err, errsize) != 0)
			return -1;
	}
	if (ferror(jb->fp)) {
		snprintf(err, errsize, "%s: %s", jb->file, strerror(errno));
		return -1;
	}
	if (jb->lineno == 0) {
		snprintf(err, errsize, "%s: empty file", jb->file);
		return -1;
	}
	return 0;
}

/* send_body - ctl_body_fn: FILE's lines again, then "." */
static int send_body(void *arg, int fd, char *err, size_t errsize)
{
	struct job *jb = arg;
	long n;

	rewind(jb->fp);
	while ((n = read_line(jb)) >= 0) {
		jb->line[n] = '\n';
		if (ctl_send_all(fd, jb->line, (size_t) n + 1) != 0)
			return 0;	/* the reply may say why */
	}
	if (n != -1) {
		snprintf(err, errsize, "%s changed while it was sent", jb->file);
		return -1;
	}
	(void) ctl_send_all(fd, ".\n", 2);
	return 0;
}

/* no_lines - ctl_line_fn: import's reply has none */
static int no_lines(void *arg, const char *line, char *err, size_t errsize)
{
	(void) arg;
	snprintf(err, errsize, "unexpected line from the daemon: %.80s", line);
	return -1;
}

/* do_import - check FILE, then hand it to the daemon */
static int do_import(const char *path, struct job *jb, int json)
{
	char err[1024] = "", *final = NULL;
	struct stat st;
	int rc;

	if ((jb->fd = open(jb->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
	    fstat(jb->fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (jb->fp = fdopen(jb->fd, "r")) == NULL) {
		snprintf(err, sizeof(err), "%s: %s", jb->file, jb->fd < 0 ||
			 S_ISREG(st.st_mode) ? strerror(errno) :
			 "not a regular file");
		if (jb->fd >= 0)
			close(jb->fd);
		return say(err);
	}
	if (check_file(jb, err, sizeof(err)) != 0) {
		fclose(jb->fp);
		return say(err);
	}
	rc = ctl_stream(path, "state import", send_body, jb, no_lines, NULL,
			&final, err, sizeof(err));
	fclose(jb->fp);
	if (rc != 0 || strncmp(final, "ERR", 3) == 0) {
		if (final && strncmp(final, "ERR", 3) == 0)
			snprintf(err, sizeof(err), "%s", final[3] ? final + 4 :
				 "error");
		free(final);
		return say(err);
	}
	if (json) {
		printf("{\"ok\": true, \"imported\": %lld, \"expired\": %zu, "
		       "\"file\": ", strtoll(final + 3, NULL, 10),
		       jb->expired);
		ctl_json_string(stdout, jb->file);
		puts("}");
	} else {
		printf("%s from %s\n", final + 3, jb->file);
	}
	free(final);
	return 0;
}

/* ctl_state - state export|import FILE */
int ctl_state(const char *path, const char *sub, const char *file,
	      int force, int json)
{
	struct job *jb;
	int rc;

	if ((jb = calloc(1, sizeof(*jb))) == NULL)
		return say("out of memory");
	jb->file = file;
	jb->fd = -1;
	jb->now = time(NULL);
	rc = strcmp(sub, "export") == 0 ? do_export(path, jb, force, json) :
		do_import(path, jb, json);
	free(jb);
	return rc;
}
