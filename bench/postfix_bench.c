/*
 * NAME
 *	postfix_bench - load time, memory and lookup rate of a recipient
 *	source with a large table
 * SYNOPSIS
 *	bench/postfix_bench [-r runs] [-q lookups] [-n entries] SPEC
 * DESCRIPTION
 *	SPEC is a recipient source as "recipients" takes it, e.g.
 *	postfix:lmdb:/tmp/t/vmbox or /tmp/t/flat (a flat file). Each run
 *	builds a directory with that one source, loads it (timed), and
 *	then asks lg_dir_lookup() for -q addresses, half of them present
 *	(uN@bench.test, N < entries), half not (timed). Prints one line a
 *	run and the medians: load seconds, RSS growth in MB (VmRSS after
 *	the load minus before), the peak (VmHWM), and lookups a second.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Directory library. */
#include "directory.h"

/* now_s - monotonic seconds */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* status_kb - a "VmXXX:" line of /proc/self/status, in kB */
static long status_kb(const char *name)
{
	char line[256];
	long kb = -1;
	FILE *fp = fopen("/proc/self/status", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (strncmp(line, name, strlen(name)) == 0)
			kb = atol(line + strlen(name));
	if (fp)
		fclose(fp);
	return kb;
}

/* cmp - for qsort of doubles */
static int cmp(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* median - of n doubles (sorted in place) */
static double median(double *v, int n)
{
	qsort(v, (size_t) n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static char *domains[] = { "bench.test" };
	double load[32], rss[32], rate[32];
	long entries = 1000000, lookups = 1000000, i, yes;
	int runs = 3, r, c;
	char err[1024], local[64];

	while ((c = getopt(argc, argv, "r:q:n:")) != -1)
		switch (c) {
		case 'r':
			runs = atoi(optarg);
			break;
		case 'q':
			lookups = atol(optarg);
			break;
		case 'n':
			entries = atol(optarg);
			break;
		default:
			goto usage;
		}
	if (optind != argc - 1 || runs < 1 || runs > 32 || lookups < 2)
		goto usage;
	for (r = 0; r < runs; r++) {
		struct lg_dir_env env = { 0 };
		struct lg_dir *d;
		long before = status_kb("VmRSS:");
		double t0;

		env.delimiter = "+";
		env.local_domains = domains;
		env.n_local_domains = 1;
		env.timeout_ms = 60000;
		env.cache_max = 10000;
		env.cache_ttl_s = 600;
		env.negative_ttl_s = 60;
		if (!(d = lg_dir_new(&env, 50)) ||
		    lg_dir_add(d, argv[optind], err, sizeof(err)) != 0) {
			fprintf(stderr, "postfix_bench: %s\n", err);
			return 1;
		}
		t0 = now_s();
		if (lg_dir_load(d, NULL, 0, err, sizeof(err)) != 0) {
			fprintf(stderr, "postfix_bench: %s\n", err);
			return 1;
		}
		load[r] = now_s() - t0;
		rss[r] = (double) (status_kb("VmRSS:") - before) / 1024.0;
		t0 = now_s();
		for (i = yes = 0; i < lookups; i++) {
			snprintf(local, sizeof(local), "u%ld",
				 i % 2 ? (i * 7919) % entries : entries + i);
			yes += lg_dir_lookup(d, local, "bench.test", NULL, 0) ==
				LG_DIR_YES;
		}
		rate[r] = (double) lookups / (now_s() - t0);
		printf("run %d: %zu entries, load %.3f s, RSS +%.1f MB, %.0f lookups/s (%ld found)\n",
		       r + 1, lg_dir_count(d), load[r], rss[r], rate[r], yes);
		if (yes != lookups / 2) {
			fprintf(stderr, "postfix_bench: %ld of %ld found, want half\n",
				yes, lookups);
			return 1;
		}
		lg_dir_free(&d);
	}
	printf("median: load %.3f s, RSS +%.1f MB (peak %.1f MB), %.0f lookups/s\n",
	       median(load, runs), median(rss, runs),
	       (double) status_kb("VmHWM:") / 1024.0, median(rate, runs));
	return 0;
usage:
	fprintf(stderr, "usage: postfix_bench [-r runs] [-q lookups] [-n entries] SPEC\n");
	return 2;
}
