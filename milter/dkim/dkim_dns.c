/*
 * NAME
 *	dkim_dns.c - DKIM key lookups, all of one message under one
 *	deadline
 * SYNOPSIS
 *	#include "dkim_impl.h"
 *
 *	lg_dkim_dns_use(lib, NULL);		once per library handle
 *	lg_dkim_dns_begin(&budget);
 *	dkim_eom(...);				the library's lookups
 *	lg_dkim_dns_end();
 * DESCRIPTION
 *	libopendkim's own resolver blocks in res_nquery for as long as
 *	the system resolver's timeouts and retries say, whatever the
 *	library's timeout, shares one resolver state between threads,
 *	and has no idea of a message: a message with many signatures
 *	held a milter thread for the sum of all its lookups. The query
 *	functions installed here replace it. A query goes over UDP (with
 *	EDNS0, 1232 bytes) to every nameserver of resolv.conf (at most
 *	three, 127.0.0.1 when none; read when the library handle is
 *	made, so a reload rereads it) and is sent again every two
 *	seconds; the first reply from one of them (address and port)
 *	that matches its id and question is taken. A datagram longer than
 *	the library's buffer is dropped, not read cut short.
 *
 *	A thread charges its lookups to the budget it named with
 *	lg_dkim_dns_begin: the first lookup starts the budget's clock,
 *	and no lookup runs past LG_DKIM_DEADLINE seconds from then (nor
 *	past LG_DKIM_LOOKUP_TIMEOUT of its own). After the deadline a
 *	lookup fails at once. A thread with no budget makes no lookup.
 *	A failed or late lookup is a key failure to the library: that
 *	signature does not pass, nothing else happens. A truncated reply
 *	is not retried over TCP: the key then fails too.
 * DIAGNOSTICS
 *	None here: the library reports "'NAME' query timed out" or
 *	"query failed", and the budget records whether the deadline cut
 *	a lookup short.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <dkim.h>

/* DKIM library. */
#include "dkim_impl.h"

#define NS_MAX		3		/* nameservers, as the C library */
#define QUERY_MAX	(12 + 256 + 4 + 11)	/* header, name, OPT */
#define RESEND_MS	2000
#define EDNS_SIZE	1232

/* The nameservers, read once per library handle. */
struct ns_list {
	int n;
	struct sockaddr_storage addr[NS_MAX];
	socklen_t len[NS_MAX];
};

/* One query in flight. */
struct query {
	const struct ns_list *ns;
	int fd[2];			/* IPv4, IPv6; -1 if unused */
	unsigned char pkt[QUERY_MAX];
	size_t pkt_len, q_end;		/* q_end: end of the question */
	unsigned char *ans;
	size_t ans_size;
};

static __thread struct lg_dkim_budget *current;

/* ms_until - milliseconds from now to T, 0 if past */
static long long ms_until(const struct timespec *t)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (t->tv_sec - now.tv_sec) * 1000LL +
		(t->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* add_ns - one "nameserver" address */
static void add_ns(struct ns_list *ns, const char *text)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *) &ns->addr[ns->n];
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &ns->addr[ns->n];

	if (ns->n >= NS_MAX)
		return;
	memset(&ns->addr[ns->n], 0, sizeof(ns->addr[ns->n]));
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(53);
		ns->len[ns->n++] = sizeof(*v4);
	} else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(53);
		ns->len[ns->n++] = sizeof(*v6);
	}
}

/* read_resolv - the nameservers of PATH; 127.0.0.1 when none */
static struct ns_list *read_resolv(const char *path)
{
	struct ns_list *ns = calloc(1, sizeof(*ns));
	char line[512], addr[64];
	FILE *fp;

	if (!ns)
		return NULL;
	if ((fp = fopen(path, "re")) != NULL) {
		while (fgets(line, sizeof(line), fp))
			if (sscanf(line, " nameserver %63[0-9A-Fa-f.:]",
				   addr) == 1)
				add_ns(ns, addr);
		fclose(fp);
	}
	if (ns->n == 0)
		add_ns(ns, "127.0.0.1");
	return ns;
}

/* put16 - a 16-bit number in network order */
static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char) (v >> 8);
	p[1] = (unsigned char) v;
}

/* make_query - header, question NAME/TYPE/IN, an EDNS0 OPT record */
static int make_query(struct query *q, const char *name, int type)
{
	unsigned char *p = q->pkt;
	const char *label = name, *dot;
	size_t n, at = 12;
	unsigned short id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (unsigned short) (random() & 0xffff);
	memset(p, 0, 12);
	put16(p, id);
	p[2] = 0x01;				/* recursion desired */
	put16(p + 4, 1);			/* one question */
	put16(p + 10, 1);			/* one additional: OPT */
	while (*label) {
		dot = strchr(label, '.');
		n = dot ? (size_t) (dot - label) : strlen(label);
		if (n == 0 || n > 63 || at + 1 + n + 1 > 12 + 255)
			return -1;
		p[at++] = (unsigned char) n;
		memcpy(p + at, label, n);
		at += n;
		label += n + (dot ? 1 : 0);
	}
	if (at == 12)
		return -1;
	p[at++] = 0;
	put16(p + at, (unsigned) type);
	put16(p + at + 2, 1);			/* class IN */
	at += 4;
	q->q_end = at;
	p[at] = 0;				/* OPT: root name */
	put16(p + at + 1, 41);
	put16(p + at + 3, EDNS_SIZE);
	memset(p + at + 5, 0, 6);		/* TTL, no data */
	q->pkt_len = at + 11;
	return 0;
}

/* send_all - the query to every nameserver; sockets made on need */
static int send_all(struct query *q)
{
	int i, f, sent = 0;

	for (i = 0; i < q->ns->n; i++) {
		f = q->ns->addr[i].ss_family == AF_INET6;
		if (q->fd[f] < 0)
			q->fd[f] = socket(f ? AF_INET6 : AF_INET, SOCK_DGRAM |
					  SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (q->fd[f] >= 0 &&
		    sendto(q->fd[f], q->pkt, q->pkt_len, 0,
			   (const struct sockaddr *) &q->ns->addr[i],
			   q->ns->len[i]) == (ssize_t) q->pkt_len)
			sent++;
	}
	return sent;
}

/* from_ns - the datagram came from one of the nameservers */
static int from_ns(const struct ns_list *ns, const struct sockaddr_storage *a)
{
	const struct sockaddr_in *x4 = (const void *) a, *y4;
	const struct sockaddr_in6 *x6 = (const void *) a, *y6;
	int i;

	for (i = 0; i < ns->n; i++) {
		if (ns->addr[i].ss_family != a->ss_family)
			continue;
		y4 = (const void *) &ns->addr[i];
		y6 = (const void *) &ns->addr[i];
		if (a->ss_family == AF_INET && x4->sin_port == y4->sin_port &&
		    x4->sin_addr.s_addr == y4->sin_addr.s_addr)
			return 1;
		if (a->ss_family == AF_INET6 &&
		    x6->sin6_port == y6->sin6_port &&
		    memcmp(&x6->sin6_addr, &y6->sin6_addr, 16) == 0)
			return 1;
	}
	return 0;
}

/* lg_dkim_dns_is_answer - see dkim_impl.h */
int lg_dkim_dns_is_answer(const unsigned char *query, size_t q_end,
			  const unsigned char *ans, size_t n)
{
	size_t i;

	if (q_end < 12 || n < q_end || ans[0] != query[0] ||
	    ans[1] != query[1] || !(ans[2] & 0x80) || ans[4] != 0 ||
	    ans[5] != 1)
		return 0;
	for (i = 12; i < q_end; i++)
		if (ans[i] != query[i] &&
		    !(((ans[i] | 0x20) == (query[i] | 0x20)) &&
		      (ans[i] | 0x20) >= 'a' && (ans[i] | 0x20) <= 'z'))
			return 0;
	return 1;
}

/* is_answer - N bytes at ANS answer Q */
static int is_answer(const struct query *q, const unsigned char *ans,
		     size_t n)
{
	return lg_dkim_dns_is_answer(q->pkt, q->q_end, ans, n);
}

/* receive - one datagram from FD; its length if it answers Q, else 0
 * (a datagram longer than the buffer was cut: it answers nothing) */
static size_t receive(struct query *q, int fd)
{
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	ssize_t n;

	n = recvfrom(fd, q->ans, q->ans_size, MSG_TRUNC,
		     (struct sockaddr *) &from, &len);
	if (n <= 0 || (size_t) n > q->ans_size || !from_ns(q->ns, &from) ||
	    !is_answer(q, q->ans, (size_t) n))
		return 0;
	return (size_t) n;
}

/* q_start - the library's query start: charge the budget, send */
static int q_start(void *srv, int type, unsigned char *name,
		   unsigned char *buf, size_t buflen, void **qh)
{
	struct lg_dkim_budget *b = current;
	struct query *q;

	if (!srv || !b || !buf || buflen < 12)
		return DKIM_DNS_ERROR;
	if (b->deadline.tv_sec == 0) {
		clock_gettime(CLOCK_MONOTONIC, &b->deadline);
		b->deadline.tv_sec += LG_DKIM_DEADLINE;
	} else if (ms_until(&b->deadline) == 0) {
		b->expired = 1;
		return DKIM_DNS_ERROR;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return DKIM_DNS_ERROR;
	q->ns = srv;
	q->fd[0] = q->fd[1] = -1;
	q->ans = buf;
	q->ans_size = buflen;
	if (make_query(q, (const char *) name, type) != 0 ||
	    send_all(q) == 0) {
		if (q->fd[0] >= 0)
			close(q->fd[0]);
		if (q->fd[1] >= 0)
			close(q->fd[1]);
		free(q);
		return DKIM_DNS_ERROR;
	}
	b->lookups++;
	*qh = q;
	return DKIM_DNS_SUCCESS;
}

/* q_wait - the library's wait: a reply, or the earlier of its own
 * timeout and the budget's deadline */
static int q_wait(void *srv, void *qh, struct timeval *to, size_t *bytes,
		  int *error, int *dnssec)
{
	struct query *q = qh;
	struct timespec end;
	struct pollfd pfd[2];
	long long left, resend_at, wait;
	int i, n, by_deadline = 0;
	size_t got;

	(void) srv;
	if (dnssec)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	if (!q || !current)
		return DKIM_DNS_ERROR;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += to && to->tv_sec > 0 && to->tv_sec <
		LG_DKIM_LOOKUP_TIMEOUT ? to->tv_sec : LG_DKIM_LOOKUP_TIMEOUT;
	if (ms_until(&current->deadline) < ms_until(&end)) {
		end = current->deadline;
		by_deadline = 1;
	}
	resend_at = ms_until(&end) - RESEND_MS;
	for (;;) {
		if ((left = ms_until(&end)) == 0) {
			if (by_deadline)
				current->expired = 1;
			return DKIM_DNS_EXPIRED;
		}
		if (left <= resend_at) {
			(void) send_all(q);
			resend_at = left - RESEND_MS;
		}
		for (i = n = 0; i < 2; i++)
			if (q->fd[i] >= 0) {
				pfd[n].fd = q->fd[i];
				pfd[n++].events = POLLIN;
			}
		wait = resend_at > 0 ? left - resend_at : left;
		if (poll(pfd, (nfds_t) n, (int) wait) < 0 && errno != EINTR)
			return DKIM_DNS_ERROR;
		for (i = 0; i < n; i++)
			if ((pfd[i].revents & POLLIN) &&
			    (got = receive(q, pfd[i].fd)) > 0) {
				if (bytes)
					*bytes = got;
				if (error)
					*error = 0;
				return DKIM_DNS_SUCCESS;
			}
	}
}

/* q_cancel - the library is done with a query */
static int q_cancel(void *srv, void *qh)
{
	struct query *q = qh;

	(void) srv;
	if (!q)
		return 0;
	if (q->fd[0] >= 0)
		close(q->fd[0]);
	if (q->fd[1] >= 0)
		close(q->fd[1]);
	free(q);
	return 0;
}

/* ns_free - the library handle is closed */
static void ns_free(void *srv)
{
	free(srv);
}

/* lg_dkim_dns_use - see dkim_impl.h */
int lg_dkim_dns_use(void *lib, const char *resolv_conf)
{
	struct ns_list *ns = read_resolv(resolv_conf ? resolv_conf :
					 "/etc/resolv.conf");

	if (!ns)
		return -1;
	dkim_dns_set_init(lib, NULL);
	dkim_dns_set_close(lib, ns_free);
	dkim_dns_set_query_start(lib, q_start);
	dkim_dns_set_query_waitreply(lib, q_wait);
	dkim_dns_set_query_cancel(lib, q_cancel);
	(void) dkim_dns_set_query_service(lib, ns);
	return 0;
}

/* lg_dkim_dns_begin - charge this thread's lookups to BUDGET */
void lg_dkim_dns_begin(struct lg_dkim_budget *budget)
{
	current = budget;
}

/* lg_dkim_dns_end - no budget: no lookup */
void lg_dkim_dns_end(void)
{
	current = NULL;
}
