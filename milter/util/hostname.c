/*
 * NAME
 *	hostname.c - the host name of generated mail (see hostname.h)
 * DESCRIPTION
 *	postconf runs through lg_run_program() (postconf.h). Its first
 *	line counts only when it exits 0 within the deadline with a DNS
 *	name; otherwise the next source is tried.
 * DIAGNOSTICS
 *	None: a source that fails is skipped.
 */
#include "config.h"

/* System library. */
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Utility library. */
/* Utility library. */
#include "hostname.h"
#include "postconf.h"


/* lg_hostname_valid - a DNS name, letters digits and hyphens */
int lg_hostname_valid(const char *name)
{
	size_t len = 0, label = 0;
	const char *p;

	if (!name || !*name || strlen(name) > 253)
		return 0;
	for (p = name; *p; p++, len++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
		if ((label == 0 && *p == '-') || ++label > 63)
			return 0;
	}
	return label > 0 && p[-1] != '-';
}

/* from_postconf - Postfix's myhostname; 0, or -1 */
static int from_postconf(const char *path, char *out, size_t size)
{
	const char *argv[] = { path, "-h", "myhostname", NULL };
	char line[512], err[256];

	if (!path || lg_postconf_run(argv, line, sizeof(line), err,
				     sizeof(err)) != 0)
		return -1;
	line[strcspn(line, "\r\n")] = 0;
	if (!lg_hostname_valid(line) || strlen(line) >= size)
		return -1;
	memcpy(out, line, strlen(line) + 1);
	return 0;
}

/* from_resolver - the canonical name of NAME, when it has a dot */
static int from_resolver(const char *name, char *out, size_t size)
{
	struct addrinfo hints, *res = NULL;
	int rc = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return -1;
	if (res && res->ai_canonname && strchr(res->ai_canonname, '.') &&
	    lg_hostname_valid(res->ai_canonname) &&
	    strlen(res->ai_canonname) < size) {
		memcpy(out, res->ai_canonname, strlen(res->ai_canonname) + 1);
		rc = 0;
	}
	freeaddrinfo(res);
	return rc;
}

/* lg_hostname_find - postconf, then the resolver, then the kernel */
const char *lg_hostname_find(const char *postconf, char *out, size_t size)
{
	char kernel[256];

	if (from_postconf(postconf, out, size) == 0)
		return "postconf myhostname";
	if (gethostname(kernel, sizeof(kernel) - 1) == 0) {
		kernel[sizeof(kernel) - 1] = 0;
		if (lg_hostname_valid(kernel) &&
		    from_resolver(kernel, out, size) == 0)
			return "canonical name";
		if (lg_hostname_valid(kernel) && strlen(kernel) < size) {
			memcpy(out, kernel, strlen(kernel) + 1);
			return "gethostname";
		}
	}
	snprintf(out, size, "localhost");
	return "fallback";
}

/* The interned names: a list that only grows. */
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static struct interned {
	struct interned *next;
	char name[];
} *interned;

/* lg_hostname_intern - one lasting copy per distinct name */
const char *lg_hostname_intern(const char *name)
{
	struct interned *e;
	const char *found = "localhost";

	pthread_mutex_lock(&intern_lock);
	for (e = interned; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			break;
	if (!e && (e = malloc(sizeof(*e) + strlen(name) + 1)) != NULL) {
		memcpy(e->name, name, strlen(name) + 1);
		e->next = interned;
		interned = e;
	}
	if (e)
		found = e->name;
	pthread_mutex_unlock(&intern_lock);
	return found;
}
