/*
 * NAME
 *	store_bench - memory per entry and snapshot speed of the memory store
 * SYNOPSIS
 *	store_bench [-n entries] [-r runs] [-d dir]
 * DESCRIPTION
 *	Each run opens an empty memory store, inserts ENTRIES (default
 *	1000000) entries with realistic values (key ~50 bytes, from/to ~25,
 *	client ~15, status 8), and reports the bytes per entry the store
 *	counts (stats) and the growth of the resident set (/proc/self/statm).
 *	It then times a snapshot save into DIR (default /tmp) and a load of
 *	that snapshot into a second store. After RUNS runs (default 3) it
 *	prints the median, minimum and maximum of each figure.
 *
 *	A benchmark, not a test: it never fails on timing.
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"

#define NOW	1700000000

enum { F_STATS, F_RSS, F_FILE, F_INSERT, F_SAVE, F_LOAD, F_COUNT };

static const char *const figure_names[F_COUNT] = {
	"bytes/entry (stats)", "bytes/entry (RSS)", "bytes/entry (file)",
	"insert s", "save s", "load s"
};

/* rss_bytes - resident set size of this process */
static double rss_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(fp);
	return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* seconds - a monotonic clock reading */
static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* fill - insert n entries with realistic values */
static int fill(struct lg_store *st, size_t n)
{
	static const char *const plugins[] = { "repeat", "harvest",
					       "bounce", "autoreply" };
	char key[96], from[64], to[64], client[32];
	struct lg_store_meta meta = { from, to, client, "counting", 0 };
	unsigned long long x = 88172645463325252ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		snprintf(client, sizeof(client), "198.51.%u.%u",
			 (unsigned)(x >> 8 & 0xff), (unsigned)(x & 0xff));
		snprintf(key, sizeof(key), "%s:%s:%016llx%08zx",
			 plugins[i % 4], client, x, i);
		snprintf(from, sizeof(from), "sender%07zu@example.net", i);
		snprintf(to, sizeof(to), "rcpt%07llu@customer.example",
			 x % 10000000);
		meta.size = (long long)(x % 200000);
		if (st->ops->set(st->be, key, (long long)(x % 50) + 1,
				 3600 + (long long)(x % 86400), NOW,
				 plugins[i % 4], &meta) < 0)
			return -1;
	}
	return 0;
}

/* run - one run; fig[] gets its figures */
static int run(size_t n, const char *dir, double fig[F_COUNT])
{
	struct lg_store_memory_opts opts = { NULL, 0, 0, 0 };
	struct lg_store st, st2;
	struct lg_store_stats stats;
	struct stat sb;
	char path[4096], err[256];
	double rss0, t0;

	snprintf(path, sizeof(path), "%s/store_bench.%ld.snap", dir,
		 (long)getpid());
	unlink(path);
	opts.snapshot = path;
	malloc_trim(0);
	rss0 = rss_bytes();
	if (lg_store_memory_open(&opts, NOW, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "store_bench: %s\n", err);
		return -1;
	}
	t0 = seconds();
	if (fill(&st, n) < 0) {
		fprintf(stderr, "store_bench: insert failed\n");
		return -1;
	}
	fig[F_INSERT] = seconds() - t0;
	st.ops->stats(st.be, &stats);
	fig[F_RSS] = (rss_bytes() - rss0) / (double)n;
	fig[F_STATS] = (double)stats.bytes / (double)stats.entries;
	t0 = seconds();
	if (lg_store_memory_save(&st, NOW + 1) < 0)
		return -1;
	fig[F_SAVE] = seconds() - t0;
	fig[F_FILE] = stat(path, &sb) == 0 ? (double)sb.st_size / (double)n : 0;
	t0 = seconds();
	if (lg_store_memory_open(&opts, NOW + 2, &st2, err, sizeof(err)) < 0)
		return -1;
	fig[F_LOAD] = seconds() - t0;
	st2.ops->stats(st2.be, &stats);
	if (stats.entries != n) {
		fprintf(stderr, "store_bench: loaded %zu of %zu entries\n",
			stats.entries, n);
		return -1;
	}
	lg_store_close(&st2, NOW + 3);
	lg_store_close(&st, NOW + 3);
	unlink(path);
	return 0;
}

/* cmp_double - qsort order */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* main - parse options, run, summarise */
int main(int argc, char **argv)
{
	double fig[16][F_COUNT], col[16];
	const char *dir = "/tmp";
	size_t n = 1000000;
	int runs = 3, r, f, c;

	while ((c = getopt(argc, argv, "n:r:d:")) != -1) {
		if (c == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (c == 'r')
			runs = atoi(optarg);
		else if (c == 'd')
			dir = optarg;
		else
			return 2;
	}
	if (n == 0 || runs < 1 || runs > 16) {
		fprintf(stderr, "usage: store_bench [-n entries] [-r 1..16] "
			"[-d dir]\n");
		return 2;
	}
	lg_log_open("store_bench", LG_LOG_STDERR);
	lg_log_set_min_level(LG_LOG_WARN);
	for (r = 0; r < runs; r++) {
		if (run(n, dir, fig[r]) < 0)
			return 1;
		printf("run %d:", r + 1);
		for (f = 0; f < F_COUNT; f++)
			printf("  %s %.3f", figure_names[f], fig[r][f]);
		printf("\n");
		fflush(stdout);
	}
	printf("%zu entries, %d runs: median (min .. max)\n", n, runs);
	for (f = 0; f < F_COUNT; f++) {
		for (r = 0; r < runs; r++)
			col[r] = fig[r][f];
		qsort(col, (size_t)runs, sizeof(col[0]), cmp_double);
		printf("  %-20s %9.3f (%.3f .. %.3f)\n", figure_names[f],
		       col[runs / 2], col[0], col[runs - 1]);
	}
	return 0;
}
