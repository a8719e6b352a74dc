/*
 * NAME
 *	miltergen - load generator that speaks the milter protocol directly
 * SYNOPSIS
 *	miltergen -s SOCKET [-c CONNS] [-m MSGS] [-z BYTES] [-r V,U,E]
 *		[-d DOMAIN] [-f SENDER] [-u N] [-t SECONDS] [-j]
 * DESCRIPTION
 *	Plays the MTA against the milter at SOCKET (unix:/path or
 *	inet:PORT@HOST) with CONNS parallel connections (one thread each),
 *	each sending MSGS messages with a body of BYTES bytes (default 1,
 *	100, 5120). See mg_session.c for the conversation.
 *
 *	-r gives the recipients of each message as three numbers, valid,
 *	unknown and external, each a count or a ratio (0.25 or 1/4: every
 *	fourth message gets one); default 1,1/4,1/4. Valid recipients are
 *	alice, bob, carol and postmaster, unknown ones nosuch1..nosuchN
 *	(-u N, default 8), both @DOMAIN (-d, default example.com); external
 *	ones are userN@external.bench.test. A message that would get no
 *	recipient gets one valid. -f sets the sender (default
 *	sender@example.org), -t the seconds to wait for a reply (30).
 *
 *	Prints one line: messages, elapsed seconds, messages per second,
 *	latency (MAIL to final end-of-message reply) p50 and p99 in ms and
 *	the failures: broken conversations (protocol errors, timeouts),
 *	tempfail and reject replies. With -j a JSON line follows.
 * DIAGNOSTICS
 *	Exit 0 when every message got its final reply without failure, 2
 *	when failures were counted (the first is printed on stderr), 1 when
 *	the socket cannot be reached, 64 on bad options (with the usage).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mg.h"

#define EX_USAGE_	64

static const char usage_text[] =
	"usage: miltergen -s SOCKET [-c CONNS] [-m MSGS] [-z BYTES] "
	"[-r VALID,UNKNOWN,EXTERNAL]\n"
	"                 [-d DOMAIN] [-f SENDER] [-u N] [-t SECONDS] [-j]\n"
	"  -s unix:/path or inet:PORT@HOST   the milter\n"
	"  -c parallel connections (1)       -m messages per connection (100)\n"
	"  -z body bytes (5120)              -r recipients per message, counts\n"
	"  -d local domain (example.com)        or ratios (1,1/4,1/4)\n"
	"  -f sender (sender@example.org)    -u unknown names nosuch1..N (8)\n"
	"  -t reply timeout, seconds (30)    -j also print a JSON line\n";

struct thread_arg {
	struct mg_worker w;
	struct mg_conn conn;
	pthread_barrier_t *start;
	pthread_t tid;
};

/* usage - print the usage and exit 64 */
static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "miltergen: %s\n", why);
	fputs(usage_text, stderr);
	exit(EX_USAGE_);
}

/* number - parse an unsigned decimal in [lo, hi] or die with usage */
static unsigned long number(const char *opt, const char *s, unsigned long lo,
			    unsigned long hi)
{
	char *end, why[128];
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < lo || v > hi) {
		snprintf(why, sizeof(why), "%s: want a number from %lu to %lu",
			 opt, lo, hi);
		usage(why);
	}
	return v;
}

/* ratio - parse "2", "0.25" or "1/4"; -1 when malformed */
static double ratio(const char *s, const char **end_r)
{
	char *end;
	double a, b;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	a = strtod(s, &end);
	if (*end == '/') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return -1;
		b = strtod(s, &end);
		if (b <= 0)
			return -1;
		a /= b;
	}
	*end_r = end;
	return a >= 0 && a <= 100 ? a : -1;
}

/* parse_mix - "V,U,E" into three ratios, or die with usage */
static void parse_mix(const char *s, double mix[3])
{
	const char *end;
	int i;

	for (i = 0; i < 3; i++) {
		mix[i] = ratio(s, &end);
		if (mix[i] < 0 || *end != (i < 2 ? ',' : '\0'))
			usage("-r: want VALID,UNKNOWN,EXTERNAL, each a count "
			      "or ratio from 0 to 100 (e.g. 1,1/4,0.25)");
		s = end + 1;
	}
}

/* make_body - printable 78-character lines with CRLF */
static char *make_body(size_t size)
{
	static const char pat[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char *b = malloc(size ? size : 1);
	size_t i, col = 0;

	if (!b)
		return NULL;
	for (i = 0; i < size; i++) {
		if (col == 78) {
			b[i] = '\r';
			col++;
		} else if (col == 79) {
			b[i] = '\n';
			col = 0;
		} else {
			b[i] = pat[(i + col) % (sizeof(pat) - 1)];
			col++;
		}
	}
	if (size >= 2) {
		b[size - 2] = '\r';
		b[size - 1] = '\n';
	}
	return b;
}

/* free_all - release the workers (connections, latencies) and the body */
static void free_all(struct thread_arg *a, unsigned n, char *body)
{
	unsigned i;

	for (i = 0; a && i < n; i++) {
		mg_conn_close(&a[i].conn);
		free(a[i].w.st.lat_ms);
	}
	free(a);
	free(body);
}

/* worker_main - wait for the start, then run */
static void *worker_main(void *p)
{
	struct thread_arg *a = p;

	pthread_barrier_wait(a->start);
	mg_worker_run(&a->w, &a->conn);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* percentile - nearest rank of sorted v */
static double percentile(const double *v, size_t n, double p)
{
	size_t r;

	if (n == 0)
		return 0;
	r = (size_t) (p * (double) n + 0.999999);
	return v[r ? r - 1 : 0];
}

/* seconds_since - monotonic seconds since t0 */
static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) (t.tv_sec - t0->tv_sec) +
		(double) (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* json_string - print s as a JSON string */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char) *s < 32)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* report - sum the workers, print the line(s); return the exit code */
static int report(const struct mg_options *o, struct thread_arg *a,
		  double elapsed)
{
	struct mg_stats t;
	double *lat, p50, p99, pmax, rate;
	size_t n = 0, i;
	unsigned bad_worker = 0;
	const char *first = NULL;

	memset(&t, 0, sizeof(t));
	lat = malloc(sizeof(double) * ((size_t) o->conns * o->msgs + 1));
	if (!lat) {
		fprintf(stderr, "miltergen: out of memory\n");
		return 1;
	}
	for (i = 0; i < o->conns; i++) {
		const struct mg_stats *s = &a[i].w.st;

		t.done += s->done;
		t.accepted += s->accepted;
		t.discarded += s->discarded;
		t.rcpts += s->rcpts;
		t.proto_errors += s->proto_errors;
		t.tempfails += s->tempfails;
		t.rejects += s->rejects;
		t.reconnects += s->reconnects;
		t.act_addrcpt += s->act_addrcpt;
		t.act_delrcpt += s->act_delrcpt;
		t.act_addheader += s->act_addheader;
		t.act_chgheader += s->act_chgheader;
		t.act_quarantine += s->act_quarantine;
		t.act_other += s->act_other;
		memcpy(lat + n, s->lat_ms, s->nlat * sizeof(double));
		n += s->nlat;
		if (!first && s->first_error[0]) {
			first = s->first_error;
			bad_worker = (unsigned) i;
		}
	}
	qsort(lat, n, sizeof(double), cmp_double);
	p50 = percentile(lat, n, 0.50);
	p99 = percentile(lat, n, 0.99);
	pmax = n ? lat[n - 1] : 0;
	rate = elapsed > 0 ? (double) t.done / elapsed : 0;
	free(lat);

	printf("miltergen: %llu messages in %.3f s: %.0f msg/s, latency p50 "
	       "%.2f ms p99 %.2f ms, failures: %llu protocol, %llu tempfail, "
	       "%llu reject (%u connections, %zu-byte bodies, %s)\n",
	       (unsigned long long) t.done, elapsed, rate, p50, p99,
	       (unsigned long long) t.proto_errors,
	       (unsigned long long) t.tempfails,
	       (unsigned long long) t.rejects, o->conns, o->body_size,
	       o->socket);
	if (o->json) {
		printf("{\"socket\":");
		json_string(o->socket);
		printf(",\"connections\":%u,\"messages_per_connection\":%u,"
		       "\"body_bytes\":%zu,\"messages\":%llu,\"recipients\":"
		       "%llu,\"elapsed_s\":%.6f,\"msgs_per_s\":%.1f,"
		       "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
		       "\"failures\":{\"protocol\":%llu,\"tempfail\":%llu,"
		       "\"reject\":%llu},\"accepted\":%llu,\"discarded\":%llu,"
		       "\"reconnects\":%llu,\"actions\":{\"addrcpt\":%llu,"
		       "\"delrcpt\":%llu,\"addheader\":%llu,\"chgheader\":%llu,"
		       "\"quarantine\":%llu,\"other\":%llu}}\n",
		       o->conns, o->msgs, o->body_size,
		       (unsigned long long) t.done,
		       (unsigned long long) t.rcpts, elapsed, rate, p50, p99, pmax,
		       (unsigned long long) t.proto_errors,
		       (unsigned long long) t.tempfails,
		       (unsigned long long) t.rejects,
		       (unsigned long long) t.accepted,
		       (unsigned long long) t.discarded,
		       (unsigned long long) t.reconnects,
		       (unsigned long long) t.act_addrcpt,
		       (unsigned long long) t.act_delrcpt,
		       (unsigned long long) t.act_addheader,
		       (unsigned long long) t.act_chgheader,
		       (unsigned long long) t.act_quarantine,
		       (unsigned long long) t.act_other);
	}
	fflush(stdout);
	if (first)
		fprintf(stderr, "miltergen: first failure (connection %u): %s\n",
			bad_worker, first);
	if (t.proto_errors || t.tempfails || t.rejects ||
	    t.done < (uint64_t) o->conns * o->msgs)
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	struct mg_options o = { NULL, 1, 100, 5120, { 1, 0.25, 0.25 },
		"example.com", "sender@example.org", 8, 30, 0, 0 };
	struct thread_arg *a;
	pthread_barrier_t start;
	struct timespec t0;
	char err[300], *body;
	unsigned i;
	int ch, rc;

	while ((ch = getopt(argc, argv, "s:c:m:z:r:d:f:u:t:jh")) != -1) {
		switch (ch) {
		case 's': o.socket = optarg; break;
		case 'c': o.conns = (unsigned) number("-c", optarg, 1, 4096);
			break;
		case 'm': o.msgs = (unsigned) number("-m", optarg, 1,
						     100000000); break;
		case 'z': o.body_size = number("-z", optarg, 0, 1UL << 30);
			break;
		case 'r': parse_mix(optarg, o.mix); break;
		case 'd': o.domain = optarg; break;
		case 'f': o.sender = optarg; break;
		case 'u': o.unknown_names = (unsigned) number("-u", optarg, 1,
							      1000000); break;
		case 't': o.timeout = (int) number("-t", optarg, 1, 3600);
			break;
		case 'j': o.json = 1; break;
		case 'h': usage(NULL); break;
		default: usage(NULL);
		}
	}
	if (optind != argc)
		usage("unexpected argument");
	if (!o.socket)
		usage("-s SOCKET is required");
	if (!o.domain[0] || strlen(o.domain) > 200 || strlen(o.sender) > 200)
		usage("-d and -f want 1 to 200 characters");
	if ((double) o.conns * o.msgs > 5e8)
		usage("-c times -m is too large");

	/* A repeat detector must not see one run's messages again. */
	clock_gettime(CLOCK_REALTIME, &t0);
	o.run_id = (unsigned) t0.tv_nsec ^ (unsigned) t0.tv_sec * 2654435761u ^
		(unsigned) getpid() << 16;
	a = calloc(o.conns, sizeof(*a));
	body = make_body(o.body_size);
	if (!a || !body) {
		fprintf(stderr, "miltergen: out of memory\n");
		free_all(a, 0, body);
		return 1;
	}
	/* Connect first, so an unreachable milter is one clear error. */
	for (i = 0; i < o.conns; i++) {
		a[i].conn.fd = -1;
		a[i].w.st.lat_ms = malloc(sizeof(double) * o.msgs);
		if (!a[i].w.st.lat_ms) {
			fprintf(stderr, "miltergen: out of memory\n");
			free_all(a, i + 1, body);
			return 1;
		}
		if (mg_conn_open(&a[i].conn, o.socket, o.timeout, err,
				 sizeof(err)) != 0) {
			fprintf(stderr, "miltergen: cannot connect to %s\n", err);
			free_all(a, i + 1, body);
			return 1;
		}
		a[i].w.id = i;
		a[i].w.opt = &o;
		a[i].w.body = body;
	}
	pthread_barrier_init(&start, NULL, o.conns + 1);
	for (i = 0; i < o.conns; i++) {
		a[i].start = &start;
		rc = pthread_create(&a[i].tid, NULL, worker_main, &a[i]);
		if (rc != 0) {
			fprintf(stderr, "miltergen: thread %u: %s\n", i,
				strerror(rc));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_barrier_wait(&start);
	for (i = 0; i < o.conns; i++)
		pthread_join(a[i].tid, NULL);
	rc = report(&o, a, seconds_since(&t0));
	pthread_barrier_destroy(&start);
	free_all(a, o.conns, body);
	return rc;
}
