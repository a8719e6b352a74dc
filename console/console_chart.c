/*
 * NAME
 *	console_chart.c - decisions per plugin and action, sampled
 * SYNOPSIS
 *	#include "console.h"
 *
 *	cn_chart_start();		(after the settings are read)
 *	cn_chart_svg(&buf);		(from any thread)
 *	cn_chart_json(&buf);
 *	cn_chart_stop();
 * DESCRIPTION
 *	A sampler thread asks the daemon for "stats" once a minute and
 *	adds what its "action PLUGIN ACTION COUNT" counters grew by to
 *	the chart (console_chart_data.c). The chart's samples are kept in
 *	the state_file setting: read at start, written every 10 minutes
 *	and at stop, each time to a new file that is synced and renamed
 *	over the old one, so a crash leaves the old file or the new one.
 *
 *	LOOPGUARD_CONSOLE_SAMPLE_SECONDS (1..3600, for tests) replaces
 *	the minute between samples.
 * DIAGNOSTICS
 *	A state file that cannot be read or is not right is a warning;
 *	the chart starts empty and the file is replaced at the next
 *	write. A stats request that fails is skipped (the daemon may be
 *	down); its counters count from 0 when it comes back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "console.h"
#include "console_chart.h"

#define SAMPLE_SECONDS	60
#define SAVE_SECONDS	600
#define SAMPLE_ENV	"LOOPGUARD_CONSOLE_SAMPLE_SECONDS"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static struct cn_chart chart;		/* under lock */
static int stopping;			/* under lock */
static int running;
static pthread_t sampler;
static struct cn_chart_counter counters[CN_CHART_COUNTERS];	/* sampler's */
static int failing;			/* sampler's: the last stats failed */
static int save_failing;		/* the last write failed (said once) */

/* sample_seconds - the interval, from the environment for tests */
static unsigned sample_seconds(void)
{
	const char *s = getenv(SAMPLE_ENV);
	char *end;
	long v;

	if (s == NULL || *s == 0)
		return SAMPLE_SECONDS;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 3600) {
		cn_log(CN_LOG_WARN, "%s=%.32s is not 1..3600; sampling every %d s",
		       SAMPLE_ENV, s, SAMPLE_SECONDS);
		return SAMPLE_SECONDS;
	}
	return (unsigned) v;
}

/* read_file - a state file's bytes, at most CN_CHART_FILE_MAX + 1 */
static char *read_file(const char *path, size_t *len_r, int *errno_r)
{
	struct stat st;
	char *text;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
		*errno_r = errno;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*errno_r = EINVAL;
		close(fd);
		return NULL;
	}
	if ((text = malloc(CN_CHART_FILE_MAX + 1)) == NULL) {
		*errno_r = ENOMEM;
		close(fd);
		return NULL;
	}
	while (len <= CN_CHART_FILE_MAX &&
	       (n = read(fd, text + len, CN_CHART_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*errno_r = errno;
			free(text);
			close(fd);
			return NULL;
		}
		len += (size_t) n;
	}
	close(fd);
	*len_r = len;
	return text;
}

/* load - the state file into the chart, or an empty chart */
static void load(const char *path)
{
	char err[256], *text;
	size_t len;
	int errnum = 0;

	if ((text = read_file(path, &len, &errnum)) == NULL) {
		if (errnum == ENOENT)
			cn_log(CN_LOG_INFO, "state_file %s: none yet; the chart starts empty",
			       path);
		else
			cn_log(CN_LOG_WARN, "state_file %s: %s; the chart starts empty",
			       path, errnum == EINVAL ? "not a regular file" :
			       strerror(errnum));
		return;
	}
	pthread_mutex_lock(&lock);
	if (cn_chart_parse(&chart, text, len, time(NULL), err, sizeof(err)) != 0)
		cn_log(CN_LOG_WARN, "state_file %s: %s; the chart starts empty",
		       path, err);
	pthread_mutex_unlock(&lock);
	free(text);
}

/* write_all - n bytes to fd: 0, or -1 with errno */
static int write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t) k;
	}
	return 0;
}

/* sync_dir - make the rename last: fsync the folder of path */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void) fsync(fd);
		close(fd);
	}
}

/* save - the chart to path.tmp, synced, renamed over path */
static void save(const char *path)
{
	char tmp[PATH_MAX], *text;
	size_t len;
	int fd, ok;

	pthread_mutex_lock(&lock);
	text = cn_chart_format(&chart, &len);
	pthread_mutex_unlock(&lock);
	if (text == NULL) {
		cn_log(CN_LOG_WARN, "state_file %s: out of memory; not written", path);
		return;
	}
	if ((size_t) snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		cn_log(CN_LOG_WARN, "state_file %s: name too long; not written", path);
		free(text);
		return;
	}
	/* a leftover of a crash, or a link someone put there: gone */
	(void) unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	ok = fd >= 0 && write_all(fd, text, len) == 0 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0)
		ok = 0;
	if (ok) {
		sync_dir(path);
		save_failing = 0;
	} else {
		if (!save_failing)
			cn_log(CN_LOG_WARN, "state_file %s: cannot write it: %s",
			       path, strerror(errno));
		save_failing = 1;
		if (fd >= 0)
			(void) unlink(tmp);
	}
	free(text);
}

/* stats_line - take an "action" or a "started" line of a stats reply */
static void stats_line(char *line, size_t *n, long long *started)
{
	char *f[5], *end;
	unsigned long long v;
	size_t k;

	k = ctl_split(line, f, 5);
	if (k == 2 && strcmp(f[0], "started") == 0) {
		*started = strtoll(f[1], &end, 10);
		if (*end)
			*started = 0;
		return;
	}
	if (k != 4 || strcmp(f[0], "action") != 0 || *n >= CN_CHART_COUNTERS ||
	    !ctl_is_number(f[3]))
		return;
	errno = 0;
	v = strtoull(f[3], &end, 10);
	if (errno)
		return;
	ctl_unescape(f[1]);
	ctl_unescape(f[2]);
	snprintf(counters[*n].plugin, sizeof(counters[*n].plugin), "%s", f[1]);
	snprintf(counters[*n].action, sizeof(counters[*n].action), "%s", f[2]);
	counters[*n].value = v;
	(*n)++;
}

/* take_sample - one stats request into the chart */
static void take_sample(void)
{
	struct ctl_reply reply;
	char err[256];
	const char *path;
	long long started = 0;
	size_t i, n = 0;

	if (cn_cfg.control == NULL ||
	    (path = ctl_socket_path(cn_cfg.control)) == NULL)
		return;
	if (ctl_request(path, "stats", &reply, err, sizeof(err)) != 0) {
		/* once, not every minute while the daemon is down */
		if (!failing)
			cn_log(CN_LOG_WARN, "chart: no samples: stats: %s", err);
		failing = 1;
		return;
	}
	if (failing)
		cn_log(CN_LOG_INFO, "chart: sampling again");
	failing = 0;
	if (strncmp(reply.final, "OK", 2) == 0)
		for (i = 0; i < reply.n; i++)
			stats_line(reply.lines[i], &n, &started);
	ctl_reply_free(&reply);
	pthread_mutex_lock(&lock);
	cn_chart_sample(&chart, time(NULL), started, counters, n);
	pthread_mutex_unlock(&lock);
}

/* run - sample, now and then save, until stopped */
static void *run(void *arg)
{
	unsigned every = sample_seconds();
	struct timespec next, last_save;
	int stop;

	(void) arg;
	clock_gettime(CLOCK_MONOTONIC, &last_save);
	for (;;) {
		take_sample();
		clock_gettime(CLOCK_MONOTONIC, &next);
		if (cn_cfg.state_file && next.tv_sec - last_save.tv_sec >= SAVE_SECONDS) {
			save(cn_cfg.state_file);
			last_save = next;
		}
		next.tv_sec += every;
		pthread_mutex_lock(&lock);
		while (!stopping &&
		       pthread_cond_timedwait(&wake, &lock, &next) != ETIMEDOUT)
			;
		stop = stopping;
		pthread_mutex_unlock(&lock);
		if (stop)
			return NULL;
	}
}

/* cn_chart_start - read the state file, start the sampler */
int cn_chart_start(void)
{
	pthread_condattr_t attr;
	int rc;

	if (cn_cfg.state_file)
		load(cn_cfg.state_file);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
	stopping = 0;
	if ((rc = pthread_create(&sampler, NULL, run, NULL)) != 0) {
		cn_log(CN_LOG_ERR, "chart: cannot start its thread: %s",
		       strerror(rc));
		return -1;
	}
	running = 1;
	return 0;
}

/* cn_chart_stop - end the sampler, write the state file */
void cn_chart_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(sampler, NULL);
	running = 0;
	if (cn_cfg.state_file)
		save(cn_cfg.state_file);
}

/* cn_chart_svg - the chart, for a page */
void cn_chart_svg(struct cn_buf *b)
{
	pthread_mutex_lock(&lock);
	cn_chart_draw_svg(&chart, time(NULL), b);
	pthread_mutex_unlock(&lock);
}

/* cn_chart_json - the chart, for /api/chart */
void cn_chart_json(struct cn_buf *b)
{
	pthread_mutex_lock(&lock);
	cn_chart_draw_json(&chart, time(NULL), b);
	pthread_mutex_unlock(&lock);
}
