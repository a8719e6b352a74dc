/*
 * NAME
 *	postfix_read.c - ask postconf for the settings loopguard depends on
 * SYNOPSIS
 *	n = lg_postfix_warn(cfg);
 * DESCRIPTION
 *	Where postconf exists (LOOPGUARD_POSTCONF, else the usual sbin
 *	and bin folders when Postfix has a main.cf), runs "postconf -x NAME..." for the expanded
 *	values and "postconf -F" for master.cf, parses both, and logs
 *	what lg_postfix_check() finds. postconf is run directly (fork and
 *	exec, no shell) with a deadline of a few seconds, and its output is
 *	read up to a bound; a postconf that hangs is killed.
 *
 *	Called by "loopguard -n" (the lines go to stderr) and at start
 *	(to the log). Nothing here stops loopguard: Postfix may live on
 *	another host, or be set up after loopguard.
 * DIAGNOSTICS
 *	"postfix: cannot read Postfix's settings with PATH: REASON" when
 *	postconf fails; otherwise the lines of lg_postfix_check().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "postfix_check.h"

#define POSTCONF_TIMEOUT_MS 5000
#define POSTCONF_OUTPUT_MAX (256 * 1024)

static const struct {
	const char *name;
	size_t offset;
} params[] = {
#define P(n) { #n, offsetof(struct lg_postfix_conf, n) }
	P(mydestination), P(virtual_mailbox_domains), P(virtual_alias_domains),
	P(relay_domains), P(local_recipient_maps),
	P(smtpd_reject_unlisted_recipient), P(smtpd_milters),
	P(non_smtpd_milters), P(milter_default_action), P(queue_directory),
#undef P
};
#define N_PARAMS (sizeof(params) / sizeof(params[0]))

/* next_line - cut the line at p; returns the one after, or NULL */
static char *next_line(char *p)
{
	char *nl = strchr(p, '\n');

	if (!nl)
		return NULL;
	*nl = 0;
	if (nl > p && nl[-1] == '\r')
		nl[-1] = 0;
	return nl + 1;
}

/* split - "name = value" (or "name =") into its two halves */
static int split(char *line, char **name_r, char **value_r)
{
	char *eq = strstr(line, " =");

	if (!eq || (eq[2] && eq[2] != ' '))
		return -1;
	*eq = 0;
	*name_r = line;
	*value_r = eq[2] ? eq + 3 : eq + 2;
	return 0;
}

/* lg_postfix_parse_values - see postfix_check.h */
void lg_postfix_parse_values(char *text, struct lg_postfix_conf *pf)
{
	char *line, *next, *name, *value;
	size_t i;

	for (line = text; line && *line; line = next) {
		next = next_line(line);
		if (split(line, &name, &value) != 0)
			continue;
		for (i = 0; i < N_PARAMS; i++)
			if (strcmp(name, params[i].name) == 0)
				*(const char **) ((char *) pf +
						  params[i].offset) = value;
	}
}

/* lg_postfix_parse_master - see postfix_check.h */
void lg_postfix_parse_master(char *text, struct lg_postfix_conf *pf)
{
	char *line, *next, *name, *value, *field;
	char chroot_of[256] = "";
	int chrooted = 0, bit;

	for (line = text; line && *line; line = next) {
		next = next_line(line);
		if (split(line, &name, &value) != 0 ||
		    !(field = strrchr(name, '/')))
			continue;
		*field++ = 0;
		if (strcmp(field, "chroot") == 0) {
			snprintf(chroot_of, sizeof(chroot_of), "%s", name);
			/* "-" is the default, "n" since Postfix 3.0 */
			chrooted = value[0] == 'y';
			continue;
		}
		if (strcmp(field, "command") != 0 ||
		    strcmp(name, chroot_of) != 0)
			continue;
		bit = chrooted ? LG_PF_CHROOTED : LG_PF_UNCHROOTED;
		value += strspn(value, " \t");
		if (strncmp(value, "smtpd", 5) == 0 && strchr(" \t", value[5]))
			pf->smtpd_chroot |= bit;
		if (strncmp(value, "cleanup", 7) == 0 &&
		    strchr(" \t", value[7]))
			pf->cleanup_chroot |= bit;
	}
}

/* elapsed_ms - since start */
static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
		(now.tv_nsec - start->tv_nsec) / 1000000;
}

/* child - in the forked process: the pipes as stdout and stderr */
static void child(const char *const argv[], int out, int err)
{
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(err, 2) < 0)
		_exit(126);
	execv(argv[0], (char *const *) argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* collect - read both pipes until they close or the deadline passes;
 * 0, or -1 on timeout */
static int collect(int fds[2], int timeout_ms, char *out, size_t outsize,
		   char *err, size_t errsize)
{
	char *bufs[2] = { out, err }, scratch[4096];
	size_t sizes[2] = { outsize, errsize }, lens[2] = { 0, 0 };
	struct timespec start;
	int open_fds = 2;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (open_fds) {
		struct pollfd p[2] = { { fds[0], POLLIN, 0 },
				       { fds[1], POLLIN, 0 } };
		long left = timeout_ms - elapsed_ms(&start);
		int i;

		if (left <= 0)
			return -1;
		if (poll(p, 2, (int) left) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i] < 0 || !p[i].revents)
				continue;
			n = read(fds[i], scratch, sizeof(scratch));
			if (n <= 0) {
				close(fds[i]);
				fds[i] = -1;
				open_fds--;
				continue;
			}
			/* beyond the bound, read on and drop */
			if (lens[i] + 1 < sizes[i]) {
				size_t room = sizes[i] - 1 - lens[i];
				size_t take = (size_t) n < room ? (size_t) n : room;

				memcpy(bufs[i] + lens[i], scratch, take);
				lens[i] += take;
				bufs[i][lens[i]] = 0;
			}
		}
	}
	return 0;
}

/* lg_postfix_run - see postfix_check.h */
int lg_postfix_run(const char *const argv[], int timeout_ms, char *out,
		   size_t outsize, char *err, size_t errsize)
{
	int po[2], pe[2], fds[2], status = 0, timed_out;
	pid_t pid;

	out[0] = err[0] = 0;
	if (pipe2(po, O_CLOEXEC) != 0)
		goto fail;
	if (pipe2(pe, O_CLOEXEC) != 0) {
		close(po[0]);
		close(po[1]);
		goto fail;
	}
	pid = fork();
	if (pid == 0)
		child(argv, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		goto fail;
	}
	fds[0] = po[0];
	fds[1] = pe[0];
	timed_out = collect(fds, timeout_ms, out, outsize, err, errsize) != 0;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		snprintf(err, errsize, "no answer within %d s",
			 timeout_ms / 1000);
		return -1;
	}
	next_line(err);		/* the first line is the reason */
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	snprintf(err, errsize, "killed by signal %d", WTERMSIG(status));
	return -1;
fail:
	snprintf(err, errsize, "%s", strerror(errno));
	return -1;
}

/* postfix_configured - a main.cf where Postfix will look for it */
static int postfix_configured(void)
{
	const char *dir = getenv("MAIL_CONFIG");
	char path[1024];

	snprintf(path, sizeof(path), "%s/main.cf",
		 dir && *dir ? dir : "/etc/postfix");
	return access(path, F_OK) == 0;
}

/* find_postconf - the program to run, or NULL: none named, or Postfix
 * installed but never set up (no main.cf) */
static const char *find_postconf(char *buf, size_t size)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/local/sbin",
					    "/usr/bin", "/usr/local/bin" };
	const char *env = getenv("LOOPGUARD_POSTCONF");
	size_t i;

	if (env)
		return *env ? env : NULL;
	if (!postfix_configured())
		return NULL;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, size, "%s/postconf", dirs[i]);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* log_warning - lg_postfix_check's lines go to the log (or stderr) */
static void log_warning(void *arg, const char *line)
{
	(void) arg;
	lg_log(LG_LOG_WARN, "%s", line);
}

/* catchall_loaded - is the catchall plugin configured? */
static int catchall_loaded(const struct lg_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_plugins; i++)
		if (strcmp(cfg->plugins[i].name, "catchall") == 0)
			return 1;
	return 0;
}

/* lg_postfix_warn - see postfix_check.h */
int lg_postfix_warn(const struct lg_config *cfg)
{
	const char *argv[N_PARAMS + 3];
	struct lg_postfix_conf pf;
	struct lg_postfix_side side;
	char path[256], err[512], *values, *master;
	int n = 0;
	size_t i;

	if (!(argv[0] = find_postconf(path, sizeof(path))))
		return 0;
	values = malloc(POSTCONF_OUTPUT_MAX);
	master = malloc(POSTCONF_OUTPUT_MAX);
	memset(&pf, 0, sizeof(pf));
	argv[1] = "-x";
	for (i = 0; i < N_PARAMS; i++)
		argv[i + 2] = params[i].name;
	argv[N_PARAMS + 2] = NULL;
	if (!values || !master) {
		lg_log(LG_LOG_WARN, "postfix: out of memory reading Postfix's settings");
		n = 1;
	} else if (lg_postfix_run(argv, POSTCONF_TIMEOUT_MS, values,
				  POSTCONF_OUTPUT_MAX, err, sizeof(err)) != 0) {
		lg_log(LG_LOG_WARN,
		       "postfix: cannot read Postfix's settings with %s: %s",
		       argv[0], err[0] ? err : "it failed");
		n = 1;
	} else {
		lg_postfix_parse_values(values, &pf);
		argv[1] = "-F";
		argv[2] = NULL;
		if (lg_postfix_run(argv, POSTCONF_TIMEOUT_MS, master,
				   POSTCONF_OUTPUT_MAX, err, sizeof(err)) == 0)
			lg_postfix_parse_master(master, &pf);
		side.local_domains = cfg->local_domains;
		side.n_local_domains = cfg->n_local_domains;
		side.socket = &cfg->socket_spec;
		side.catchall = catchall_loaded(cfg);
		n = lg_postfix_check(&pf, &side, log_warning, NULL);
	}
	free(values);
	free(master);
	return n;
}
