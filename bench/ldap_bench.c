/*
 * NAME
 *	ldap_bench - lookups per second of an ldap: recipient source
 *	through lg_dir_lookup
 * SYNOPSIS
 *	ldap_bench -f FILE [-m hit|miss|nocache] [-n lookups] [-t threads]
 *		   [-u users]
 * DESCRIPTION
 *	Builds a directory of one source, "ldap:FILE", and times N lookups
 *	(default 20000) spread over THREADS threads (default 4):
 *
 *	hit	the addresses user0..user(USERS-1)@example.com (default 50)
 *		over and over, after one pass to fill the cache: cached
 *		answers;
 *	miss	every lookup a new address (userK+xTyI@example.com: the
 *		extension makes each one new), so the cache never holds
 *		the first answer: one search (no such address), then
 *		userK@example.com, from the cache after its first time;
 *	nocache	the same addresses as hit, with the cache off (FILE
 *		should say cache_size = 0): one search per lookup.
 *
 *	Prints "MODE lookups/s us/lookup yes no fail" on one line. Every
 *	answer is counted; a FAIL is reported (the run still prints).
 *
 *	A benchmark, not a test: it never fails on timing.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "directory.h"

static struct lg_dir *dir;
static const char *mode = "hit";
static long lookups = 20000, users = 50;
static int threads = 4;
static long counts[3];			/* yes, no, fail; atomic */

/* seconds - a monotonic clock reading */
static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* one - one lookup, number I of thread T */
static void one(long t, long i)
{
	char local[64];
	enum lg_dir_answer a;

	if (strcmp(mode, "miss") == 0)
		snprintf(local, sizeof(local), "user%ld+x%ldy%ld", i % users,
			 t, i);
	else
		snprintf(local, sizeof(local), "user%ld", i % users);
	a = lg_dir_lookup(dir, local, "example.com", NULL, 0);
	__atomic_add_fetch(&counts[a == LG_DIR_YES ? 0 : a == LG_DIR_NO ? 1 :
			   2], 1, __ATOMIC_RELAXED);
}

/* worker - this thread's share of the lookups */
static void *worker(void *arg)
{
	long t = (long) arg, i, n = lookups / threads;

	for (i = 0; i < n; i++)
		one(t, t * n + i);
	return NULL;
}

int main(int argc, char **argv)
{
	struct lg_dir_env env = { 0, "+", NULL, 0, 5000, 100000, 600, 60 };
	char *domains[] = { "example.com" }, spec[1100], err[600];
	const char *file = NULL;
	pthread_t th[64];
	double t0, dt;
	long i;
	int c;

	while ((c = getopt(argc, argv, "f:m:n:t:u:")) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 'm': mode = optarg; break;
		case 'n': lookups = atol(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'u': users = atol(optarg); break;
		default: file = NULL; optind = argc; break;
		}
	}
	if (!file || threads < 1 || threads > 64 || lookups < threads ||
	    users < 1) {
		fprintf(stderr, "usage: ldap_bench -f FILE [-m hit|miss|nocache] [-n lookups] [-t threads 1-64] [-u users]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lg_log_open("ldap_bench", LG_LOG_STDERR);
	env.local_domains = domains;
	env.n_local_domains = 1;
	snprintf(spec, sizeof(spec), "ldap:%s", file);
	if (!(dir = lg_dir_new(&env, 50)) ||
	    lg_dir_add(dir, spec, err, sizeof(err)) != 0 ||
	    lg_dir_load(dir, NULL, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "ldap_bench: %s\n", err);
		return 1;
	}
	if (strcmp(mode, "hit") == 0)
		for (i = 0; i < users; i++)
			one(0, i);		/* fill the cache */
	memset(counts, 0, sizeof(counts));
	t0 = seconds();
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, worker, (void *) i);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	dt = seconds() - t0;
	lookups = lookups / threads * threads;
	printf("%s %.0f %.2f %ld %ld %ld\n", mode, (double) lookups / dt,
	       dt * 1e6 / (double) lookups, counts[0], counts[1], counts[2]);
	lg_dir_free(&dir);
	return counts[2] ? 1 : 0;
}
