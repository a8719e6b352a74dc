/*
 * NAME
 *	console_ctl.c - the console's requests to the daemon
 * SYNOPSIS
 *	#include "console.h"
 *	#include "ctl.h"
 *
 *	if (cn_ctl(cn_who(rq), "list --limit 100", &reply, err, size) < 0)
 *		...
 *	ctl_reply_free(&reply);
 * DESCRIPTION
 *	One request over the daemon's control socket (the console's
 *	"control" setting, else loopguard.conf's), with loopguardctl's
 *	client (ctl/ctl_conn.c). A request made for a web user starts
 *	with "as NAME", so the daemon's log names who did it; a request
 *	of the console's own ("-" or NULL) goes as it is.
 *
 *	Reads (list, queue, stats) go to the daemon one at a time, and
 *	an answer is reused for the same read for a second unless the
 *	daemon reported a change meanwhile (console_readcache.c): however
 *	many browsers and scrapers ask, the console walks the store at
 *	most once at a time, so it cannot take the CPU from the mail.
 *	A read that waited READ_WAIT_S for its turn gives up ("busy").
 *	Any other request (an action) forgets the cached answers.
 * DIAGNOSTICS
 *	-1 with err: the socket's error, or "bad control setting".
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "console_impl.h"
#include "ctl.h"

#define READ_WAIT_S	10	/* a read waits this long for its turn */

static pthread_mutex_t read_turn = PTHREAD_MUTEX_INITIALIZER;

/* is_read - list, queue (without a subcommand) or stats */
static int is_read(const char *request)
{
	static const char *const reads[] = { "list", "queue", "stats" };
	size_t i, n;

	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		n = strlen(reads[i]);
		if (strncmp(request, reads[i], n) == 0 &&
		    (request[n] == '\0' || request[n] == ' ') &&
		    strncmp(request + n, " remove", 7) != 0 &&
		    strncmp(request + n, " retry", 6) != 0)
			return 1;
	}
	return 0;
}

/* read_once - a read: from the cache, or the daemon in turn */
static int read_once(const char *path, const char *key, const char *request,
		     struct ctl_reply *reply, char *err, size_t errsize)
{
	unsigned long long gen = cn_events_generation();
	struct timespec until;
	int rc;

	if (cn_readcache_get(key, gen, reply) == 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += READ_WAIT_S;
	if ((rc = pthread_mutex_timedlock(&read_turn, &until)) != 0) {
		snprintf(err, errsize, "the daemon is busy (%s)",
			 rc == ETIMEDOUT ? "other reads waited on" : "lock");
		return -1;
	}
	/* another reader may have asked the same meanwhile */
	if (cn_readcache_get(key, gen, reply) == 0)
		rc = 0;
	else if ((rc = ctl_request(path, request, reply, err, errsize)) == 0)
		cn_readcache_put(key, gen, reply);
	pthread_mutex_unlock(&read_turn);
	return rc;
}

/* cn_ctl - one request, one reply */
int cn_ctl(const char *who, const char *request, struct ctl_reply *reply,
	   char *err, size_t errsize)
{
	char line[8192] = "";
	const char *path;
	int rc;

	memset(reply, 0, sizeof(*reply));
	if (!cn_cfg.control || !(path = ctl_socket_path(cn_cfg.control))) {
		snprintf(err, errsize, "control \"%s\" is no unix socket",
			 cn_cfg.control ? cn_cfg.control : "");
		return -1;
	}
	if (who && strcmp(who, "-") != 0) {
		if (!cn_user_name_ok(who)) {
			snprintf(err, errsize, "bad user name");
			return -1;
		}
		if ((size_t) snprintf(line, sizeof(line), "as %s %s", who, request)
		    >= sizeof(line)) {
			snprintf(err, errsize, "request too long");
			return -1;
		}
	}
	if (is_read(request))
		return read_once(path, request, line[0] ? line : request,
				 reply, err, errsize);
	rc = ctl_request(path, line[0] ? line : request, reply, err, errsize);
	cn_readcache_clear();
	return rc;
}
