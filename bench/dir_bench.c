/*
 * NAME
 *	dir_bench - load and lookup figures of the recipient directory
 * SYNOPSIS
 *	bench/dir_bench [-n ENTRIES] [-r RUNS] [-d DIR] [SPEC]
 * DESCRIPTION
 *	Writes a file of ENTRIES addresses (user0000001@example.com ...)
 *	in DIR, then RUNS times: loads it through the directory (the
 *	"file:" source, or SPEC when given: a source that lists the same
 *	addresses, such as postfix:lmdb:/path), and looks up ENTRIES
 *	addresses, half of them there and half not, through lg_dir_lookup
 *	and, for the file, straight in the hash set (lg_recipients_exists)
 *	for comparison. Prints the median and the range of each figure
 *	and the resident memory after the load.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"

/* Directory library. */
#include "directory.h"
#include "recipients.h"

static char *domains[] = { "example.com" };

/* now_s - a monotonic clock in seconds */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* rss_mb - resident memory of this process */
static double rss_mb(void)
{
	FILE *fp = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (fp) {
		if (fscanf(fp, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(fp);
	}
	return rss * (double) sysconf(_SC_PAGESIZE) / 1048576.0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* report - "what: median (min-max) unit" */
static void report(const char *what, double *v, int n, const char *unit)
{
	qsort(v, (size_t) n, sizeof(*v), cmp);
	printf("%-44s %12.3f (%.3f-%.3f) %s\n", what, v[n / 2], v[0], v[n - 1],
	       unit);
}

int main(int argc, char **argv)
{
	long entries = 1000000, i;
	int runs = 3, r, opt, found;
	const char *dirpath = "/tmp", *spec = NULL;
	char path[512], file_spec[600], err[1024], local[64];
	double load[16], dir_rate[16], set_rate[16], rss = 0, t;
	FILE *fp;

	while ((opt = getopt(argc, argv, "n:r:d:")) != -1) {
		if (opt == 'n')
			entries = atol(optarg);
		else if (opt == 'r')
			runs = atoi(optarg);
		else if (opt == 'd')
			dirpath = optarg;
		else
			return 64;
	}
	if (optind < argc)
		spec = argv[optind];
	if (runs < 1 || runs > 16 || entries < 2)
		return 64;
	lg_log_open("dir_bench", LG_LOG_STDERR);
	snprintf(path, sizeof(path), "%s/dir_bench.%ld", dirpath, (long) getpid());
	if (!(fp = fopen(path, "w")))
		return 1;
	for (i = 0; i < entries; i++)
		fprintf(fp, "user%07ld@example.com\n", i);
	fclose(fp);
	snprintf(file_spec, sizeof(file_spec), "file:%s", path);
	for (r = 0; r < runs; r++) {
		struct lg_dir_env env = { 0, "+", domains, 1, 5000, 10000, 600, 60 };
		struct lg_dir *d = lg_dir_new(&env, 50);
		struct lg_recipients *set;

		if (!d || lg_dir_add(d, spec ? spec : file_spec, err,
				     sizeof(err)) != 0) {
			fprintf(stderr, "dir_bench: %s\n", err);
			return 1;
		}
		t = now_s();
		if (lg_dir_load(d, NULL, 0, err, sizeof(err)) != 0) {
			fprintf(stderr, "dir_bench: %s\n", err);
			return 1;
		}
		load[r] = now_s() - t;
		rss = rss_mb();
		found = 0;
		t = now_s();
		for (i = 0; i < entries; i++) {
			snprintf(local, sizeof(local), "user%07ld", i / 2 + (i & 1 ? entries : 0));
			found += lg_dir_lookup(d, local, "example.com", NULL, 0) ==
				LG_DIR_YES;
		}
		dir_rate[r] = entries / (now_s() - t) / 1e6;
		if (found != (entries + 1) / 2)
			fprintf(stderr, "dir_bench: %d found, want %ld\n", found,
				(entries + 1) / 2);
		lg_dir_free(&d);
		set = lg_recipients_new(0, "+");
		lg_recipients_load(set, path, err, sizeof(err));
		t = now_s();
		for (i = 0; i < entries; i++) {
			snprintf(local, sizeof(local), "user%07ld", i / 2 + (i & 1 ? entries : 0));
			found += lg_recipients_exists(set, local, "example.com");
		}
		set_rate[r] = entries / (now_s() - t) / 1e6;
		lg_recipients_free(&set);
	}
	unlink(path);
	printf("dir_bench: %ld entries, %d runs, source %s\n", entries, runs,
	       spec ? spec : "file");
	report("load", load, runs, "s");
	printf("%-44s %12.1f MB\n", "resident after the load", rss);
	report("lookups through lg_dir_lookup", dir_rate, runs, "M/s");
	report("lookups straight in the hash set", set_rate, runs, "M/s");
	return 0;
}
