/*
 * NAME
 *	store_backends.c - test fixtures for every state store backend
 * SYNOPSIS
 *	#include "store_backends.h"
 * DESCRIPTION
 *	The memory row opens an unlimited store without a snapshot, its
 *	clock at a fixed fake time. The redis row starts one redis-server
 *	(unix socket in a fresh directory, no TCP port, no persistence)
 *	for the whole run, empties it before each test and opens a store on
 *	it; its clock is near the real one, because Redis expires keys by
 *	that. Every server is a child process, stopped by its PID, that
 *	dies with the test (PR_SET_PDEATHSIG).
 * DIAGNOSTICS
 *	Helpers fail the running Check test when a call they need fails.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "store.h"
#include "store_memory.h"
#include "store_open.h"
#include "store_redis.h"
#include "store_backends.h"

#define MEMORY_T0	1000

struct fx_server fx_main_srv;
char fx_topdir[64];

/* capture_fn - keep a copy of the record for the wanted key */
static int capture_fn(void *arg, const struct lg_store_record *rec)
{
	struct fx_record *r = arg;

	if (strcmp(rec->key, r->key) != 0)
		return 0;
	r->found++;
	snprintf(r->plugin, sizeof(r->plugin), "%s", rec->plugin);
	snprintf(r->from, sizeof(r->from), "%s", rec->from);
	snprintf(r->to, sizeof(r->to), "%s", rec->to);
	snprintf(r->client, sizeof(r->client), "%s", rec->client);
	snprintf(r->status, sizeof(r->status), "%s", rec->status);
	r->count = rec->count;
	r->size = rec->size;
	r->created = rec->created;
	r->expires = rec->expires;
	return 0;
}

/* fx_fetch - the full record of key, via scan; returns how often seen */
int fx_fetch(struct lg_store *st, const char *key, time_t now,
	     struct fx_record *r)
{
	memset(r, 0, sizeof(*r));
	r->key = key;
	ck_assert_int_eq(st->ops->scan(st->be, key, now, capture_fn, r), 0);
	return r->found;
}

/* expect_str - a field equals its wanted value, unless that is NULL */
static void expect_str(const char *key, const char *field, const char *got,
		       const char *want)
{
	ck_assert_msg(want == NULL || strcmp(got, want) == 0,
		      "%s: %s is \"%.60s\", not \"%.60s\"", key, field, got,
		      want);
}

/* fx_crc32 - a slow, independent CRC-32, to forge a snapshot's sums */
uint32_t fx_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* fx_expect - key is listed once, with every wanted field */
void fx_expect(struct lg_store *st, time_t now, const struct fx_want *w)
{
	struct fx_record r;

	ck_assert_msg(fx_fetch(st, w->key, now, &r) == 1, "%s: listed %d "
		      "times", w->key, r.found);
	expect_str(w->key, "plugin", r.plugin, w->plugin);
	expect_str(w->key, "from", r.from, w->from);
	expect_str(w->key, "to", r.to, w->to);
	expect_str(w->key, "client", r.client, w->client);
	expect_str(w->key, "status", r.status, w->status);
	ck_assert_msg(r.count == w->count && r.size == w->size, "%s: count "
		      "%lld, size %lld", w->key, r.count, r.size);
	ck_assert_msg(r.created == w->created && r.expires == w->expires,
		      "%s: created %ld, expires %ld", w->key, (long)r.created,
		      (long)r.expires);
}

/* fx_live - a key's count, or -1 when it is not live */
long long fx_live(struct lg_store *st, const char *key, time_t now)
{
	struct lg_store_value v;

	return st->ops->get(st->be, key, now, &v) == 1 ? v.count : -1;
}

/* fx_incr - incr (ttl 60) and return the count; the call must succeed */
long long fx_incr(struct lg_store *st, const char *key, long long by,
		  time_t now)
{
	long long c = -99;

	ck_assert_int_eq(st->ops->incr(st->be, key, by, 60, now, "repeat",
				       NULL, &c), 0);
	return c;
}

/* fx_scan_stop - count records in n[0]; stop after n[1] when that is > 0 */
int fx_scan_stop(void *arg, const struct lg_store_record *rec)
{
	int *n = arg;

	(void)rec;
	n[0]++;
	return n[1] > 0 && n[0] >= n[1];
}

/* fx_scan_count - live entries under prefix */
int fx_scan_count(struct lg_store *st, const char *prefix, time_t now)
{
	int n[2] = { 0, 0 };

	ck_assert_int_eq(st->ops->scan(st->be, prefix, now, fx_scan_stop, n),
			 0);
	return n[0];
}

/* fx_entries - how many entries stats counts */
size_t fx_entries(struct lg_store *st)
{
	struct lg_store_stats s;

	st->ops->stats(st->be, &s);
	return s.entries;
}

/* fx_fill - set PREFIX0..PREFIXn-1 to their index, ttl growing by step */
void fx_fill(struct lg_store *st, const char *prefix, int n, long long ttl,
	     int ttl_step, time_t now)
{
	char key[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%d", prefix, i);
		ck_assert_int_eq(st->ops->set(st->be, key, i, ttl +
					      (long long)i * ttl_step, now,
					      "repeat", NULL), 0);
	}
}

/* step_call - make one step's call; its return value */
static long long step_call(struct lg_store *st, time_t start,
			   const struct fx_step *p, struct lg_store_value *v,
			   long long *count_r)
{
	time_t now = start + p->at;

	switch (p->op) {
	case 'i':
		return st->ops->incr(st->be, p->key, p->n, p->ttl, now,
				     p->plugin, p->meta, count_r);
	case 'a':
		return st->ops->add(st->be, p->key, p->ttl, now, p->plugin,
				    p->meta);
	case 's':
		return st->ops->set(st->be, p->key, p->n, p->ttl, now,
				    p->plugin, p->meta);
	case 'g':
		return st->ops->get(st->be, p->key, now, v);
	case 'd':
		return st->ops->del(st->be, p->key);
	case 't':
		st->ops->tick(st->be, now);
		break;
	case 'f':
		fx_fill(st, p->key, (int)p->n, p->ttl, 0, now);
		break;
	case 'n':
		*count_r = (long long)fx_entries(st);
		break;
	case 'c':
		*count_r = fx_scan_count(st, p->key, now);
		break;
	default:
		ck_abort_msg("step op '%c'", p->op);
	}
	return 0;
}

/* step_value - what a get answered is what the step wants */
static void step_value(const char *name, int i, time_t start,
		       const struct fx_step *p, const struct lg_store_value *v)
{
	ck_assert_msg(v->count == p->count, "%s step %d (g %s): count %lld, "
		      "not %lld", name, i, p->key, v->count, p->count);
	ck_assert_msg(p->expires == 0 || (v->created == start + p->created &&
					  v->expires == start + p->expires),
		      "%s step %d (g %s): created %+ld, expires %+ld", name, i,
		      p->key, (long)(v->created - start),
		      (long)(v->expires - start));
	ck_assert_msg(p->status == NULL || strcmp(v->status, p->status) == 0,
		      "%s step %d (g %s): status \"%s\"", name, i, p->key,
		      v->status);
}

/* fx_run - make each call in turn, up to op 0; check what it answers */
void fx_run(struct lg_store *st, time_t start, const char *name,
	    const struct fx_step *steps)
{
	const struct fx_step *p;
	struct lg_store_value v;
	long long rc, c;
	int i;

	for (p = steps, i = 0; p->op; p++, i++) {
		c = -99;
		rc = step_call(st, start, p, &v, &c);
		ck_assert_msg(rc == p->rc, "%s step %d (%c %s at +%d): "
			      "returned %lld, not %d", name, i, p->op, p->key,
			      p->at, rc, p->rc);
		if (p->op == 'g' && rc == 1)
			step_value(name, i, start, p, &v);
		else if (strchr("inc", p->op) && rc == 0)
			ck_assert_msg(c == p->count, "%s step %d (%c %s): "
				      "count %lld, not %lld", name, i, p->op,
				      p->key, c, p->count);
	}
}

/* fx_logged - how often needle appears in the captured log */
int fx_logged(const char *needle)
{
	const char *p = lg_log_captured();
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* memory_open - an unlimited memory store without a snapshot */
static void memory_open(struct lg_store *st, time_t *now_r)
{
	struct lg_store_memory_opts o = { NULL, 0, 0, 0 };
	char err[256] = "";

	*now_r = MEMORY_T0;
	ck_assert_msg(lg_store_open("memory", &o, NULL, *now_r, st, err,
				    sizeof(err)) == 0, "open: %s", err);
}

/* server_ping - 1 if a PING on the socket is answered */
static int server_ping(const char *sock, const char *password)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);
	redisReply *r = NULL;
	int ok = 0;

	if (c && !c->err) {
		if (password)
			freeReplyObject(redisCommand(c, "AUTH %s", password));
		r = redisCommand(c, "PING");
		ok = r && r->type == REDIS_REPLY_STATUS;
	}
	if (r)
		freeReplyObject(r);
	if (c)
		redisFree(c);
	return ok;
}

/* fx_server_start - a redis-server on TOPDIR/NAME.sock, with a password
 * unless NULL; 0, or -1 if it did not answer within 10 s */
int fx_server_start(struct fx_server *s, const char *name,
		    const char *password)
{
	char log[200];
	int i, fd, status;

	snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", fx_topdir, name);
	snprintf(s->spec, sizeof(s->spec), "unix:%s", s->sock);
	snprintf(log, sizeof(log), "%s/%s.log", fx_topdir, name);
	unlink(s->sock);
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0",
		       "--unixsocket", s->sock, "--unixsocketperm", "700",
		       "--save", "", "--appendonly", "no", "--daemonize", "no",
		       "--dir", fx_topdir, password ? "--requirepass" : NULL,
		       password, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if (server_ping(s->sock, password))
			return 0;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

/* fx_server_stop - signal the server by PID and reap it */
void fx_server_stop(struct fx_server *s, int sig)
{
	if (s->pid > 0) {
		kill(s->pid, sig);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	unlink(s->sock);
}

/* fx_admin - a command, as the operator would type it; returns the
 * reply's integer, 0 for another reply, -1 for an error reply */
long long fx_admin(const char *sock, const char *fmt, ...)
{
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);
	redisReply *r;
	long long n = -1;
	va_list ap;

	ck_assert_msg(c && !c->err, "admin connect %s", sock);
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(r);
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	else if (r->type != REDIS_REPLY_ERROR)
		n = 0;
	freeReplyObject(r);
	redisFree(c);
	return n;
}

/* fx_redis_opts - options for a server, with a short backoff for tests */
struct lg_store_redis_opts fx_redis_opts(const struct fx_server *s)
{
	struct lg_store_redis_opts o = { .server = s->spec, .prefix = "lg:",
					 .timeout_ms = 500, .backoff_min = 1,
					 .backoff_max = 4 };

	return o;
}

/* fx_redis_open - open a Redis store, failing the test if it cannot */
void fx_redis_open(struct lg_store *st, const struct lg_store_redis_opts *o,
		   time_t now)
{
	struct lg_store_memory_opts mo = { NULL, 0, 10000, 0 };
	char err[512] = "";

	ck_assert_msg(lg_store_open("redis", &mo, o, now, st, err,
				    sizeof(err)) == 0, "open: %s", err);
}

/* fx_redis_missing - why redis-server cannot run here, or NULL */
const char *fx_redis_missing(void)
{
	if (system("command -v redis-server >/dev/null 2>&1") == 0)
		return NULL;
	return "redis-server is not installed (Debian package redis-server)";
}

/* fx_redis_up - a fresh directory and the main server in it */
int fx_redis_up(void)
{
	signal(SIGPIPE, SIG_IGN);
	strcpy(fx_topdir, "/tmp/check_redis.XXXXXX");
	if (mkdtemp(fx_topdir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	if (fx_server_start(&fx_main_srv, "main", NULL) != 0) {
		fprintf(stderr, "redis-server did not start (see %s/main.log)\n",
			fx_topdir);
		return -1;
	}
	return 0;
}

/* fx_remove_dir - a directory of ours under /tmp, and all in it */
void fx_remove_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* fx_file_read - a whole file, with room for 64 more bytes (a test may
 * grow it); *len_r its size */
unsigned char *fx_file_read(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 64);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len_r = (size_t)n;
	return buf;
}

/* fx_dir_setup - a fresh folder under /tmp named after tag, its
 * snapshot path, an empty log and a closed store, for each test */
void fx_dir_setup(struct fx_dir *d, const char *tag, struct lg_store *st)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/%s.XXXXXX", tag);
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->snap, sizeof(d->snap), "%s/state", d->dir);
	lg_log_capture_reset();
	memset(st, 0, sizeof(*st));
}

/* fx_dir_teardown - close the store if a test left it open, remove the
 * folder */
void fx_dir_teardown(struct fx_dir *d, struct lg_store *st, time_t now)
{
	if (st->ops)
		lg_store_close(st, now);
	fx_remove_dir(d->dir);
}

/* fx_redis_down - stop the main server; remove the directory unless a
 * test failed (its logs are there) */
void fx_redis_down(int failed)
{
	fx_server_stop(&fx_main_srv, SIGTERM);
	if (!failed)
		fx_remove_dir(fx_topdir);
}

/* redis_open_peer - a store on the main server, sharing a small pool */
static void redis_open_peer(struct lg_store *st)
{
	struct lg_store_redis_opts o = fx_redis_opts(&fx_main_srv);

	o.pool_max = 3;			/* threads wait for a connection */
	o.timeout_ms = 5000;		/* no fallback on a busy machine */
	fx_redis_open(st, &o, time(NULL));
}

/* redis_open - empty the main server and open a store on it */
static void redis_open(struct lg_store *st, time_t *now_r)
{
	ck_assert_int_eq(fx_admin(fx_main_srv.sock, "FLUSHALL"), 0);
	*now_r = time(NULL);
	redis_open_peer(st);
}

const struct fx_backend fx_backends[] = {
	{ "memory", NULL, NULL, NULL, memory_open, NULL, 20000, 64 },
	{ "redis", fx_redis_missing, fx_redis_up, fx_redis_down, redis_open,
	  redis_open_peer, 1500, 143 },
	{ NULL },
};
