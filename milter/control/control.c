/*
 * NAME
 *	control.c - the control socket: bind, accept, serve each client
 * SYNOPSIS
 *	#include "control.h"
 *
 *	lg_control_open(cfg, err, sizeof(err));	(as root, at start)
 *	lg_control_start(&store, reload);	(after the store is open)
 *	lg_control_stop();			(on the way out)
 * DESCRIPTION
 *	lg_control_open() binds the unix socket named by cfg->control
 *	("unix:/path"), with mode cfg->control_mode and group
 *	cfg->control_group when one is set (for operators; the milter
 *	socket has a group of its own). A socket file nobody answers on is removed first;
 *	one that answers means another daemon owns it. With no control
 *	setting all three functions do nothing.
 *
 *	lg_control_start() starts one thread that accepts clients and
 *	gives each its own short-lived thread (at most MAX_CLIENTS at once;
 *	one more is told "ERR busy" and closed), so a client that stalls
 *	never holds up another: read one request line, answer it with
 *	lg_ctl_handle() (control_cmd.c), close. Every thread polls with a
 *	short timeout, so lg_control_stop() ends them promptly. A client
 *	gets IDLE_MS to send its request and IDLE_MS for each part of the
 *	reply it does not read, REPLY_MS for the whole reply; then it is
 *	dropped. A request that takes a body (state import) reads it line
 *	by line, IDLE_MS for each read and BODY_MS in all for the waits
 *	on the client (the store's time, bounded per call, does not count).
 *	The listening socket
 *	and every client socket are non-blocking, so nothing a client does
 *	can stall the thread for longer than that.
 *
 *	A watch request (control_watch.c) keeps its client's thread and
 *	slot for as long as the stream lasts, exempt from REPLY_MS: each
 *	batch is flushed at once, and the client is dropped when it hangs
 *	up or sends anything more (looked at every 250 ms), or when the
 *	bytes it was sent stay unread for WATCH_IDLE_MS (SIOCOUTQ: what
 *	the peer has not read yet). lg_control_stop() ends every stream
 *	with "OK stopping" within a tick.
 *
 *	lg_control_stop() joins the thread, closes the socket and removes
 *	the file, unless another process has put its own socket there.
 * DIAGNOSTICS
 *	lg_control_open() returns 0, or -1 with one line in err that starts
 *	"control unix:/path: ". Problems while serving are logged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "clock.h"
#include "log.h"
#include "parse.h"
#include "sockfile.h"

/* Control socket. */
#include "control.h"
#include "control_cmd.h"

#define TICK_MS		250		/* how often the thread looks at stop */
#define IDLE_MS		5000		/* a silent client is dropped */
#define REPLY_MS	60000		/* the longest a reply may take */
#define OUT_BUF		16384
#define CLIENT_NICE	10		/* a client thread's nice value */
#define MAX_CLIENTS	16		/* clients served at the same time */
#define BODY_MS		600000		/* the longest a body's sender may keep us waiting */
#define BODY_BUF	(LG_CTL_LINE_MAX + 2)	/* holds what came with the request */
#define WATCH_IDLE_MS	30000		/* a watch client that reads nothing this long is dropped */

static int listen_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *) 0)->sun_path)];
static char sock_text[160];
static dev_t sock_dev;
static ino_t sock_ino;
static time_t started;
static pthread_t thread;
static int thread_running;
static atomic_int stopping;
static lg_ctl_reload_fn reload_fn;	/* the program's, handed in */
static struct lg_store *served_store;	/* the program's, handed in */
/* One slot per client thread; only the accepting thread fills and
 * reaps them (and lg_control_stop, after that thread has ended), so
 * every client thread is joined, none outlives the socket. */
static struct client_slot {
	pthread_t thread;
	int fd;
	int used;
	atomic_int done;
} slots[MAX_CLIENTS];

/* One client being served. */
struct client {
	int fd;
	char out[OUT_BUF];
	size_t olen;
	int failed;
	long long deadline;	/* for the whole reply */
	int idle_ms;		/* the longest the client may read nothing */
	int queued;		/* watch: bytes it had not read at the last look */
	long long read_at;	/* watch: when it was last seen reading */
};

/* The body of a request (state import): what came after the request
 * line, then the socket. */
struct body {
	int fd;
	char buf[BODY_BUF];
	size_t off, len;
	long long wait_left;	/* ms the client may still keep us waiting */
};

/* fail - one "control unix:/x: ..." line in err */
static int fail(char *err, size_t errsize, const char *what, int errnum)
{
	snprintf(err, errsize, "control %s: %s%s%s", sock_text, what,
		 errnum ? ": " : "", errnum ? strerror(errnum) : "");
	return -1;
}

/* clear_stale - remove a dead socket file; refuse a live one */
static int clear_stale(char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc, saved;

	if (lstat(sock_path, &st) != 0)
		return errno == ENOENT ? 0 : fail(err, errsize, "lstat", errno);
	if (!S_ISSOCK(st.st_mode))
		return fail(err, errsize,
			    "the file exists and is not a socket; refusing to remove it", 0);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return fail(err, errsize, "socket", errno);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	rc = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
	saved = errno;
	close(fd);
	if (rc == 0)
		return fail(err, errsize, "another process is listening there", 0);
	if (saved != ECONNREFUSED)
		return fail(err, errsize, "cannot tell whether it is in use", saved);
	if (unlink(sock_path) != 0 && errno != ENOENT)
		return fail(err, errsize, "cannot remove the stale socket", errno);
	lg_log(LG_LOG_INFO, "control %s: removed a stale socket file", sock_text);
	return 0;
}

/* bind_socket - socket, bind (private until chmod), listen */
static int bind_socket(int mode, const char *group, char *err, size_t errsize)
{
	struct sockaddr_un sun;
	struct group *gr = NULL;
	struct stat st;
	mode_t old;
	int fd, rc, saved;

	if (group && (gr = getgrnam(group)) == NULL) {
		snprintf(err, errsize, "control %s: group %s: no such group",
			 sock_text, group);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errsize, "socket", errno);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *) &sun, sizeof(sun));
	saved = errno;
	umask(old);
	if (rc != 0) {
		close(fd);
		return fail(err, errsize, "bind", saved);
	}
	/* The folder may be the daemon user's: mode and group are set
	 * without following what may now be at the socket's name. */
	if (lg_sockfile_perms(sock_path, mode >= 0 ? mode : 0660, (uid_t) -1,
			      gr ? gr->gr_gid : (gid_t) -1, err,
			      errsize) != 0) {
		close(fd);
		return -1;
	}
	if (stat(sock_path, &st) != 0 || listen(fd, 16) != 0) {
		saved = errno;
		close(fd);
		unlink(sock_path);
		return fail(err, errsize, "listen", saved);
	}
	sock_dev = st.st_dev;
	sock_ino = st.st_ino;
	listen_fd = fd;
	return 0;
}

/* lg_control_open - bind the control socket (before dropping root) */
int lg_control_open(const struct lg_config *cfg, char *err, size_t errsize)
{
	struct lg_socket_spec spec;
	const char *why = "";

	started = lg_now();
	if (!cfg || !cfg->control || listen_fd >= 0)
		return 0;
	snprintf(sock_text, sizeof(sock_text), "%s", cfg->control);
	if (lg_parse_socket_spec(cfg->control, &spec, &why) != 0)
		return fail(err, errsize, why, 0);
	if (spec.kind != LG_SOCK_UNIX)
		return fail(err, errsize, "must be a unix socket (unix:/path)", 0);
	if (strlen(spec.path) >= sizeof(sock_path))
		return fail(err, errsize, "the path is too long", 0);
	memcpy(sock_path, spec.path, strlen(spec.path) + 1);
	if (clear_stale(err, errsize) != 0 ||
	    bind_socket(cfg->control_mode, cfg->control_group, err,
				errsize) != 0)
		return -1;
	lg_log(LG_LOG_DEBUG, "control %s: listening", sock_text);
	return 0;
}

/* mono_ms - a monotonic clock in milliseconds, for client deadlines */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_fd - poll one fd until ready, stop, or the deadline: 1, 0, -1 */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int rc;

	while (!atomic_load(&stopping)) {
		if ((left = deadline - mono_ms()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, (int) (left < TICK_MS ? left : TICK_MS));
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

/* flush - send what is buffered; a client that reads nothing for
 * IDLE_MS, or is still reading after REPLY_MS, is given up */
static int flush(struct client *c)
{
	long long limit;
	size_t off = 0;
	ssize_t n;

	while (!c->failed && off < c->olen) {
		n = send(c->fd, c->out + off, c->olen - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t) n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		limit = mono_ms() + c->idle_ms;
		if (limit > c->deadline)
			limit = c->deadline;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_fd(c->fd, POLLOUT, limit) > 0)
			continue;
		c->failed = 1;
	}
	c->olen = 0;
	return c->failed ? -1 : 0;
}

/* stalled - a watch client whose socket still holds what it was sent
 * WATCH_IDLE_MS ago, unread: 1 (dropped) */
static int stalled(struct client *c)
{
	long long now = mono_ms();
	int queued;

	if (ioctl(c->fd, SIOCOUTQ, &queued) != 0)
		return 0;
	if (queued == 0 || queued < c->queued)
		c->read_at = now;
	c->queued = queued;
	if (now - c->read_at < WATCH_IDLE_MS)
		return 0;
	lg_log(LG_LOG_INFO, "control %s: a watch client read nothing for %d s; dropped",
	       sock_text, WATCH_IDLE_MS / 1000);
	c->failed = 1;
	return 1;
}

/* hung_up - a watch client that closed its end (it sends nothing after
 * its request, so anything readable is the end or junk): 1 */
static int hung_up(struct client *c)
{
	struct pollfd pfd = { c->fd, POLLIN | POLLRDHUP, 0 };

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	c->failed = 1;
	return 1;
}

/* watch_flush - lg_ctl_flush_fn: a watch's batch goes out now; the
 * stream is exempt from REPLY_MS, not from reading */
static int watch_flush(void *arg)
{
	struct client *c = arg;

	if (!c->read_at)
		c->read_at = mono_ms();
	c->deadline = LLONG_MAX / 2;
	c->idle_ms = WATCH_IDLE_MS;
	if (flush(c) != 0)
		return -1;
	return hung_up(c) || stalled(c) ? -1 : 0;
}

/* is_stopping - lg_ctl_stopping_fn */
static int is_stopping(void)
{
	return atomic_load(&stopping);
}

/* out_line - lg_ctl_out_fn: buffer one line and its newline */
static int out_line(void *arg, const char *line, size_t len)
{
	struct client *c = arg;
	size_t take;

	while (!c->failed) {
		take = len < OUT_BUF - c->olen ? len : OUT_BUF - c->olen;
		memcpy(c->out + c->olen, line, take);
		c->olen += take;
		line += take;
		len -= take;
		if (len == 0 && c->olen < OUT_BUF) {
			c->out[c->olen++] = '\n';
			return 0;
		}
		flush(c);
	}
	return -1;
}

/* read_request - up to the newline, EOF, or LG_CTL_LINE_MAX + 1 bytes;
 * returns the length, or -1 when the client is to be dropped */
static ssize_t read_request(int fd, char *buf, size_t size)
{
	long long deadline = mono_ms() + IDLE_MS;
	size_t len = 0;
	ssize_t n;
	int rc;

	while (len < size) {
		n = recv(fd, buf + len, size - len, 0);
		if (n > 0) {
			if (memchr(buf + len, '\n', (size_t) n))
				return (ssize_t) (len + (size_t) n);
			len += (size_t) n;
			continue;
		}
		if (n == 0)
			return len ? (ssize_t) len : -1;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if ((rc = wait_fd(fd, POLLIN, deadline)) <= 0) {
			if (rc == 0)
				lg_log(LG_LOG_INFO, "control %s: client sent no request within %d s; dropped",
				       sock_text, IDLE_MS / 1000);
			return -1;
		}
	}
	return (ssize_t) len;
}

/* body_fill - more bytes from the client: 0, or -1 (gone, too slow) */
static int body_fill(struct body *b)
{
	long long limit, start;
	ssize_t n;
	int rc;

	b->off = b->len = 0;
	for (;;) {
		n = recv(b->fd, b->buf, sizeof(b->buf), 0);
		if (n > 0) {
			b->len = (size_t) n;
			return 0;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN &&
			       errno != EWOULDBLOCK))
			return -1;
		if (errno == EINTR)
			continue;
		/* Only the time spent waiting for the client counts against
		 * BODY_MS: the store's own time (bounded per call) does not,
		 * so a big import into a distant Redis is not cut off. */
		start = mono_ms();
		limit = start + (b->wait_left < IDLE_MS ? b->wait_left : IDLE_MS);
		rc = wait_fd(b->fd, POLLIN, limit);
		b->wait_left -= mono_ms() - start;
		if (rc <= 0 || b->wait_left <= 0)
			return -1;
	}
}

/* body_line - lg_ctl_in_fn: the next line of the request body */
static int body_line(void *arg, char *line, size_t size, size_t *len_r)
{
	struct body *b = arg;
	size_t n = 0;
	int over = 0;
	char c;

	for (;;) {
		if (b->off == b->len && body_fill(b) != 0)
			return -1;
		c = b->buf[b->off++];
		if (c == '\n')
			break;
		if (n + 1 < size)
			line[n++] = c;
		else
			over = 1;
	}
	if (over)
		return -2;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = 0;
	*len_r = n;
	return n == 1 && line[0] == '.' ? 0 : 1;
}

/* serve - one client: one request, one reply (or the watch stream) */
static void serve(int fd)
{
	static const struct lg_ctl_stream stream = { watch_flush, is_stopping,
						     0 };
	struct client c;
	char buf[LG_CTL_LINE_MAX + 2];
	struct lg_ctl_env env;
	struct body body;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char who[64] = "client";
	ssize_t n;
	char *nl;

	if ((n = read_request(fd, buf, sizeof(buf))) < 0)
		return;
	body.fd = fd;
	body.off = body.len = 0;
	body.wait_left = BODY_MS;
	if ((nl = memchr(buf, '\n', (size_t) n)) != NULL) {
		body.len = (size_t) (n - (nl + 1 - buf));
		memcpy(body.buf, nl + 1, body.len);
		n = nl - buf;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		snprintf(who, sizeof(who), "uid %lu pid %ld",
			 (unsigned long) cred.uid, (long) cred.pid);
	memset(&env, 0, sizeof(env));
	env.store = served_store;
	env.now = lg_now();
	env.started = started;
	env.version = PACKAGE_VERSION;
	env.reload = reload_fn;
	env.who = who;
	c.fd = fd;
	c.olen = 0;
	c.failed = 0;
	c.deadline = mono_ms() + REPLY_MS;
	c.idle_ms = IDLE_MS;
	c.queued = 0;
	c.read_at = 0;
	lg_ctl_handle_stream(&env, &stream, buf, (size_t) n, body_line, &body,
			     out_line, &c);
	flush(&c);
	if (c.failed && !c.read_at && !atomic_load(&stopping))
		lg_log(LG_LOG_INFO, "control %s: %s stopped reading the reply; dropped",
		       sock_text, who);
}

/* client_main - one client's thread. It runs at a lower priority
 * (CLIENT_NICE) than the milter's threads: a listing walks the whole
 * store, and a console or script asking often must take CPU only
 * from what the mail leaves (Linux: the nice value of this thread). */
static void *client_main(void *arg)
{
	struct client_slot *slot = arg;

	(void) setpriority(PRIO_PROCESS, (id_t) gettid(), CLIENT_NICE);
	serve(slot->fd);
	close(slot->fd);
	atomic_store(&slot->done, 1);
	return NULL;
}

/* reap - join the client threads that have finished (all of them when
 * wait_all: lg_control_stop) */
static void reap(int wait_all)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (slots[i].used && (wait_all || atomic_load(&slots[i].done))) {
			pthread_join(slots[i].thread, NULL);
			slots[i].used = 0;
		}
}

/* hand_off - serve FD in a thread of its own, or say busy */
static void hand_off(int fd)
{
	static const char busy[] = "ERR busy: too many control clients, try again\n";
	struct client_slot *slot = NULL;
	int i, rc;

	reap(0);
	for (i = 0; i < MAX_CLIENTS && !slot; i++)
		if (!slots[i].used)
			slot = &slots[i];
	if (!slot) {
		(void) send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
		close(fd);
		return;
	}
	slot->fd = fd;
	atomic_store(&slot->done, 0);
	if ((rc = pthread_create(&slot->thread, NULL, client_main, slot)) != 0) {
		lg_log(LG_LOG_WARN, "control %s: cannot start a client thread: %s",
		       sock_text, strerror(rc));
		close(fd);
		return;
	}
	slot->used = 1;
}

/* control_main - accept and hand off until lg_control_stop() */
static void *control_main(void *arg)
{
	int fd;

	(void) arg;
	while (!atomic_load(&stopping)) {
		if (wait_fd(listen_fd, POLLIN, mono_ms() + TICK_MS) <= 0)
			continue;
		fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				lg_log(LG_LOG_WARN, "control %s: accept: %s",
				       sock_text, strerror(errno));
				poll(NULL, 0, TICK_MS);
			}
			continue;
		}
		hand_off(fd);
	}
	return NULL;
}

/* lg_control_start - the serving thread; no-op without a socket */
void lg_control_start(struct lg_store *store, lg_ctl_reload_fn reload)
{
	int rc;

	served_store = store;
	reload_fn = reload;
	if (listen_fd < 0 || thread_running)
		return;
	atomic_store(&stopping, 0);
	if ((rc = pthread_create(&thread, NULL, control_main, NULL)) != 0) {
		lg_log(LG_LOG_ERROR, "control %s: cannot start its thread: %s",
		       sock_text, strerror(rc));
		return;
	}
	thread_running = 1;
}

/* lg_control_stop - end the thread, close and remove the socket */
void lg_control_stop(void)
{
	struct stat st;

	if (thread_running) {
		atomic_store(&stopping, 1);
		/* wakes the thread's poll now rather than within TICK_MS */
		(void) shutdown(listen_fd, SHUT_RDWR);
		pthread_join(thread, NULL);
		thread_running = 0;
	}
	reap(1);	/* client threads see "stopping" within TICK_MS */
	if (listen_fd < 0)
		return;
	close(listen_fd);
	listen_fd = -1;
	if (lstat(sock_path, &st) == 0 && st.st_dev == sock_dev &&
	    st.st_ino == sock_ino && unlink(sock_path) != 0)
		lg_log(LG_LOG_WARN, "control %s: cannot remove %s: %s",
		       sock_text, sock_path, strerror(errno));
}
