/*
 * NAME
 *	ctl_watch.c - loopguardctl watch: follow the daemon's change events
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	return ctl_watch(path, "watch", json);
 * DESCRIPTION
 *	Sends the request and prints each line of the stream as it
 *	comes, flushed at once (for a pipe too): text is
 *	"TIME KIND ID PLUGIN" per event and "lost N events (reload
 *	everything)" when the daemon dropped some; JSON is one object a
 *	line ({"seq":..,"time":..,"kind":..,"id":..,"plugin":..},
 *	{"lost":N}, and {"tick":SEQ,"time":T} for the daemon's ticks,
 *	which text leaves out). The stream has no overall time limit:
 *	the daemon ticks every 5 s, so only TICK_TIMEOUT seconds of
 *	silence mean it is gone. "OK stopping" (the daemon stops) ends it.
 * DIAGNOSTICS
 *	Exit 0 when the daemon stopped; 1 when it cannot be reached, it
 *	refused (ERR, e.g. too many watchers), the stream broke or went
 *	silent.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define TICK_TIMEOUT	30	/* s without a line: the daemon is gone */

/* say - an error on stderr, made safe for a terminal */
static int say(const char *text)
{
	char *safe = ctl_display(text);

	fprintf(stderr, "loopguardctl: %s\n", safe ? safe : text);
	free(safe);
	return CTL_EX_FAIL;
}

/* print_json - one line of the stream as a JSON object */
static void print_json(char **f, size_t nf)
{
	if (strcmp(f[0], "event") == 0 && nf == 6) {
		printf("{\"seq\": %s, \"time\": %s, \"kind\": ", f[1], f[2]);
		ctl_json_string(stdout, f[3]);
		fputs(", \"id\": ", stdout);
		ctl_json_string(stdout, f[4]);
		fputs(", \"plugin\": ", stdout);
		if (strcmp(f[5], "-") == 0)
			fputs("null", stdout);
		else
			ctl_json_string(stdout, f[5]);
		puts("}");
	} else if (strcmp(f[0], "tick") == 0 && nf == 3)
		printf("{\"tick\": %s, \"time\": %s}\n", f[1], f[2]);
	else if (strcmp(f[0], "lost") == 0 && nf == 2)
		printf("{\"lost\": %s}\n", f[1]);
	else if (strcmp(f[0], "watching") == 0 && nf == 2)
		printf("{\"watching\": %s}\n", f[1]);
}

/* print_text - one line of the stream for a person */
static void print_text(char **f, size_t nf)
{
	char when[64], *id, *plugin;

	if (strcmp(f[0], "event") == 0 && nf == 6) {
		ctl_time((time_t) strtoll(f[2], NULL, 10), when, sizeof(when));
		id = ctl_display(f[4]);
		plugin = ctl_display(f[5]);
		printf("%s  %-15s  %s  %s\n", when, f[3], id ? id : "",
		       plugin ? plugin : "");
		free(id);
		free(plugin);
	} else if (strcmp(f[0], "lost") == 0 && nf == 2)
		printf("lost %s events (reload everything)\n", f[1]);
}

/* well_formed - the numbers of a stream line are numbers */
static int well_formed(char **f, size_t nf)
{
	if (strcmp(f[0], "event") == 0)
		return nf == 6 && ctl_is_number(f[1]) && ctl_is_number(f[2]);
	if (strcmp(f[0], "tick") == 0)
		return nf == 3 && ctl_is_number(f[1]) && ctl_is_number(f[2]);
	if (strcmp(f[0], "lost") == 0 || strcmp(f[0], "watching") == 0)
		return nf == 2 && ctl_is_number(f[1]);
	return 0;
}

/* ctl_watch - follow the stream until the daemon ends it */
int ctl_watch(const char *path, const char *request, int json)
{
	char err[1024], *line = NULL, *f[7];
	size_t cap = 0, nf;
	ssize_t n;
	FILE *fp;
	int fd, rc = CTL_EX_FAIL;

	if ((fd = ctl_dial(path, TICK_TIMEOUT, err, sizeof(err))) < 0)
		return say(err);
	if (ctl_send_all(fd, request, strlen(request)) != 0 ||
	    ctl_send_all(fd, "\n", 1) != 0 || (fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		close(fd);
		return say(err);
	}
	for (;;) {
		errno = 0;
		if ((n = getline(&line, &cap, fp)) <= 0 || line[n - 1] != '\n') {
			if (ferror(fp) && (errno == EAGAIN || errno == EWOULDBLOCK))
				snprintf(err, sizeof(err), "%s: nothing from the daemon for %d s",
					 path, TICK_TIMEOUT);
			else
				snprintf(err, sizeof(err), "%s: the stream ended early",
					 path);
			say(err);
			break;
		}
		line[--n] = 0;
		if (strncmp(line, "ERR", 3) == 0) {
			say(line[3] ? line + 4 : "error");
			break;
		}
		if (strncmp(line, "OK", 2) == 0) {
			if (!json)
				printf("loopguard stopped\n");
			rc = 0;
			break;
		}
		nf = ctl_split(line, f, 7);
		if (!well_formed(f, nf))
			continue;	/* a kind of line from a newer daemon */
		if (nf == 6) {
			ctl_unescape(f[4]);
			ctl_unescape(f[5]);
		}
		if (json)
			print_json(f, nf);
		else
			print_text(f, nf);
		if (fflush(stdout) != 0)
			break;
	}
	free(line);
	fclose(fp);
	fflush(stdout);
	return rc;
}
