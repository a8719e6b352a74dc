/*
 * NAME
 *	store_redis_bench - incr throughput: memory store against Redis store
 * SYNOPSIS
 *	store_redis_bench [-s server] [-t threads] [-n ops] [-k keys] [-r runs]
 *		[-w timeout_ms]
 * DESCRIPTION
 *	Each run times THREADS threads (default 16) doing OPS incr calls
 *	each (default 20000) on KEYS hot keys (default 1000), with meta as
 *	a plugin gives it, first on a memory store, then on a Redis store.
 *	It prints ops/s per run, then the median of RUNS runs (default 3)
 *	and the ratio Redis/memory, the CPU time one incr costs (in this
 *	process, and in the redis-server when it started one: together what
 *	the op takes from an MX host that runs its own Redis), the latency of
 *	one incr round trip from a single thread (median, 99th percentile).
 *
 *	Without -s it starts its own redis-server on a unix socket in a
 *	fresh directory (no TCP port, no persistence) and stops it by PID
 *	at the end; with -s "unix:/path" or "HOST:PORT" it uses that
 *	server (keys under "bench:", left to expire in an hour).
 *
 *	The Redis store gets a command timeout of TIMEOUT_MS (default 5000,
 *	not the daemon's 200): a run in which it fell back to its local
 *	store even once measured the wrong thing, and is reported and
 *	left out of the median.
 *
 *	A benchmark, not a test: it never fails on timing.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"
#include "store_redis.h"
#include "store_open.h"

#define MAX_THREADS	256
#define MAX_RUNS	16
#define LAT_OPS		20000

struct job {
	struct lg_store *st;
	pthread_barrier_t *go;
	long id;
	long ops;
	long keys;
	long failed;
};

static time_t now0;
static pid_t redis_pid;

/* cpu_self - user+system seconds of this process */
static double cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* cpu_redis - user+system seconds of the redis-server we started (0) */
static double cpu_redis(void)
{
	unsigned long ut = 0, st = 0;
	char path[64];
	FILE *fp;

	if (redis_pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)redis_pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(fp, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		   "%lu %lu", &ut, &st) != 2)
		ut = st = 0;
	fclose(fp);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* seconds - a monotonic clock reading */
static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* worker - OPS incr calls on the shared keys */
static void *worker(void *arg)
{
	struct job *j = arg;
	struct lg_store_meta meta = { "sender@example.net", NULL,
				      "198.51.100.7", "counting", -1 };
	char key[64];
	long long c;
	long i;

	pthread_barrier_wait(j->go);
	for (i = 0; i < j->ops; i++) {
		snprintf(key, sizeof(key), "repeat:198.51.100.%ld:%08lx",
			 (i + j->id) % 256, (i * 7 + j->id) % j->keys);
		if (j->st->ops->incr(j->st->be, key, 1, 3600, now0, "repeat",
				     &meta, &c) != 0)
			j->failed++;
	}
	return NULL;
}

/* throughput - ops/s of THREADS workers on st; -1 if an op failed;
 * cpu_r gets the CPU microseconds per op: this process, redis-server */
static double throughput(struct lg_store *st, int threads, long ops,
			 long keys, double cpu_r[2])
{
	static struct job jobs[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	pthread_barrier_t go;
	double t0, t1, c0 = cpu_self(), r0 = cpu_redis();
	long failed = 0;
	int i;

	pthread_barrier_init(&go, NULL, (unsigned)threads + 1);
	for (i = 0; i < threads; i++) {
		jobs[i] = (struct job){ st, &go, i, ops, keys, 0 };
		pthread_create(&th[i], NULL, worker, &jobs[i]);
	}
	pthread_barrier_wait(&go);
	t0 = seconds();
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		failed += jobs[i].failed;
	}
	t1 = seconds();
	cpu_r[0] = (cpu_self() - c0) * 1e6 / ((double)threads * (double)ops);
	cpu_r[1] = (cpu_redis() - r0) * 1e6 / ((double)threads * (double)ops);
	pthread_barrier_destroy(&go);
	if (failed) {
		fprintf(stderr, "store_redis_bench: %ld ops failed\n", failed);
		return -1;
	}
	return (double)threads * (double)ops / (t1 - t0);
}

/* cmp_double - qsort order */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* latency - median and 99th percentile of one incr, in microseconds */
static void latency(struct lg_store *st, double *median_r, double *p99_r)
{
	static double lat[LAT_OPS];
	long long c;
	char key[32];
	double t0;
	int i;

	for (i = 0; i < LAT_OPS; i++) {
		snprintf(key, sizeof(key), "lat:%d", i % 100);
		t0 = seconds();
		st->ops->incr(st->be, key, 1, 3600, now0, "repeat", NULL, &c);
		lat[i] = (seconds() - t0) * 1e6;
	}
	qsort(lat, LAT_OPS, sizeof(lat[0]), cmp_double);
	*median_r = lat[LAT_OPS / 2];
	*p99_r = lat[LAT_OPS * 99 / 100];
}

/* spawn_redis - a private redis-server on DIR/redis.sock; its PID */
static pid_t spawn_redis(const char *dir, char *spec, size_t size)
{
	char sock[128], log[128];
	pid_t pid;
	int i, fd;

	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	snprintf(log, sizeof(log), "%s/redis.log", dir);
	snprintf(spec, size, "unix:%s", sock);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0",
		       "--unixsocket", sock, "--unixsocketperm", "700",
		       "--save", "", "--appendonly", "no", "--daemonize", "no",
		       "--dir", dir, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500 && access(sock, F_OK) != 0; i++)
		usleep(20000);
	usleep(100000);
	return pid;
}

/* fell_back - the Redis store logged that it used its local store;
 * the lines are passed on to stderr */
static int fell_back(void)
{
	const char *log = lg_log_captured();
	int bad = strstr(log, "unreachable") != NULL;

	fputs(log, stderr);
	lg_log_capture_reset();
	return bad;
}

/* open_redis - the Redis store under test */
static int open_redis(const char *server, long long timeout_ms,
		      struct lg_store *st)
{
	struct lg_store_redis_opts ro = { .server = server,
					  .prefix = "bench:",
					  .timeout_ms = timeout_ms };
	struct lg_store_memory_opts mo = { NULL, 0, 0, 0 };
	char err[512];

	ro.pool_max = MAX_THREADS;
	if (lg_store_open("redis", &mo, &ro, now0, st, err, sizeof(err))) {
		fprintf(stderr, "store_redis_bench: %s\n", err);
		return -1;
	}
	return 0;
}

/* main - parse options, run, summarise */
int main(int argc, char **argv)
{
	struct lg_store_memory_opts mo = { NULL, 0, 0, 0 };
	double mem[MAX_RUNS], red[MAX_RUNS], mcpu[MAX_RUNS], rcpu[MAX_RUNS];
	double scpu[MAX_RUNS], cpu[2], med, p99, m, r;
	const char *server = NULL;
	char dir[64] = "", spec[160], err[256], cmd[128];
	struct lg_store st;
	long ops = 20000, keys = 1000;
	long long timeout_ms = 5000;
	int threads = 16, runs = 3, good = 0, bad, i, c;
	pid_t pid = 0;

	while ((c = getopt(argc, argv, "s:t:n:k:r:w:")) != -1) {
		if (c == 's')
			server = optarg;
		else if (c == 't')
			threads = atoi(optarg);
		else if (c == 'n')
			ops = atol(optarg);
		else if (c == 'k')
			keys = atol(optarg);
		else if (c == 'r')
			runs = atoi(optarg);
		else if (c == 'w')
			timeout_ms = atoll(optarg);
		else
			return 2;
	}
	if (threads < 1 || threads > MAX_THREADS || ops < 1 || keys < 1 ||
	    runs < 1 || runs > MAX_RUNS || timeout_ms < 1) {
		fprintf(stderr, "usage: store_redis_bench [-s server] "
			"[-t 1..256] [-n ops] [-k keys] [-r 1..16] "
			"[-w timeout_ms]\n");
		return 2;
	}
	lg_log_open("store_redis_bench", LG_LOG_MEMORY);
	lg_log_set_min_level(LG_LOG_WARN);
	now0 = time(NULL);
	if (server == NULL) {
		strcpy(dir, "/tmp/store_redis_bench.XXXXXX");
		if (mkdtemp(dir) == NULL || (pid = spawn_redis(dir, spec,
							sizeof(spec))) < 0) {
			perror("store_redis_bench: redis-server");
			return 1;
		}
		server = spec;
		redis_pid = pid;
	}
	printf("incr, %d threads x %ld ops on %ld keys; redis %s\n", threads,
	       ops, keys, server);
	for (i = 0; i < runs; i++) {
		if (lg_store_open("memory", &mo, NULL, now0, &st, err,
				  sizeof(err)) < 0)
			return 1;
		mem[good] = throughput(&st, threads, ops, keys, cpu);
		mcpu[good] = cpu[0];
		lg_store_close(&st, now0);
		if (open_redis(server, timeout_ms, &st) < 0)
			break;
		red[good] = throughput(&st, threads, ops, keys, cpu);
		rcpu[good] = cpu[0];
		scpu[good] = cpu[1];
		lg_store_close(&st, now0);
		if (mem[good] < 0 || red[good] < 0)
			break;
		bad = fell_back();
		printf("run %d: memory %.0f ops/s (%.2f us CPU/op), redis "
		       "%.0f ops/s (%.2f + %.2f us CPU/op)%s\n", i + 1,
		       mem[good], mcpu[good], red[good], rcpu[good],
		       scpu[good], bad ? " FELL BACK, left out" : "");
		good += !bad;
		fflush(stdout);
	}
	if (i == runs && good > 0 && open_redis(server, timeout_ms, &st) == 0) {
		latency(&st, &med, &p99);
		lg_store_close(&st, now0);
		qsort(mem, (size_t)good, sizeof(mem[0]), cmp_double);
		qsort(red, (size_t)good, sizeof(red[0]), cmp_double);
		qsort(mcpu, (size_t)good, sizeof(mcpu[0]), cmp_double);
		qsort(rcpu, (size_t)good, sizeof(rcpu[0]), cmp_double);
		qsort(scpu, (size_t)good, sizeof(scpu[0]), cmp_double);
		m = mem[good / 2];
		r = red[good / 2];
		printf("median of %d: memory %.0f ops/s, redis %.0f ops/s, "
		       "ratio %.4f\n", good, m, r, r / m);
		printf("CPU per incr: memory %.2f us; redis %.2f us here + "
		       "%.2f us in redis-server%s\n", mcpu[good / 2],
		       rcpu[good / 2], scpu[good / 2],
		       redis_pid > 0 ? "" : " (not measured: -s)");
		printf("one thread, one incr round trip: %.1f us median, "
		       "%.1f us p99%s\n", med, p99,
		       fell_back() ? " (FELL BACK)" : "");
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "store_redis_bench: %s left\n", dir);
	}
	return i == runs ? 0 : 1;
}
