/*
 * NAME
 *	store_redis_server.c - the parser of a Redis server address
 * SYNOPSIS
 *	See store_redis.h (lg_store_redis_server).
 * DESCRIPTION
 *	"unix:/absolute/path", "HOST:PORT" or "[IPv6]:PORT", as the
 *	server, sentinels settings and a sentinel's answer give it. Pure:
 *	no lookup, no I/O, so the config check and the Sentinel code can
 *	both call it on untrusted text.
 * DIAGNOSTICS
 *	-1 with the reason in err.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Store library. */
#include "store_redis.h"

/* server_fail - the reason a server setting is bad; returns -1 */
static int server_fail(char *err, size_t errsize, const char *why)
{
	if (err && errsize)
		snprintf(err, errsize, "%s", why);
	return -1;
}

/* host_ok - a host name or IPv4 address: letters, digits, "-", ".", "_" */
static int host_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '-' &&
		    p[i] != '.' && p[i] != '_')
			return 0;
	return 1;
}

/* lg_store_redis_server - "unix:/path", "HOST:PORT" or "[IPv6]:PORT" */
int lg_store_redis_server(const char *spec, struct lg_redis_server *srv,
			  char *err, size_t errsize)
{
	const char *colon, *host, *p;
	unsigned char a6[16];
	size_t hlen;
	long port = 0;

	memset(srv, 0, sizeof(*srv));
	if (spec == NULL || *spec == 0)
		return server_fail(err, errsize, "it is empty (use "
				   "\"unix:/path\" or \"HOST:PORT\")");
	if (strncmp(spec, "unix:", 5) == 0) {
		if (spec[5] != '/')
			return server_fail(err, errsize, "the socket path "
					   "must be absolute");
		if (strlen(spec + 5) >= sizeof(srv->path))
			return server_fail(err, errsize, "the socket path is "
					   "longer than 107 bytes");
		srv->is_unix = 1;
		strcpy(srv->path, spec + 5);
		return 0;
	}
	if ((colon = strrchr(spec, ':')) == NULL)
		return server_fail(err, errsize, "no port (use \"HOST:PORT\" "
				   "or \"unix:/path\")");
	for (p = colon + 1; *p; p++) {
		if (!isdigit((unsigned char)*p) || port > 65535)
			break;
		port = port * 10 + (*p - '0');
	}
	if (p == colon + 1 || *p || port < 1 || port > 65535)
		return server_fail(err, errsize, "the port must be a number "
				   "from 1 to 65535");
	host = spec;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
		if (hlen == 0 || hlen >= sizeof(srv->host))
			return server_fail(err, errsize, "bad IPv6 address");
		memcpy(srv->host, host, hlen);
		if (inet_pton(AF_INET6, srv->host, a6) != 1)
			return server_fail(err, errsize, "bad IPv6 address");
	} else if (memchr(host, ':', hlen)) {
		return server_fail(err, errsize, "an IPv6 address needs "
				   "brackets, e.g. \"[::1]:6379\"");
	} else if (!host_ok(host, hlen) || hlen >= sizeof(srv->host)) {
		return server_fail(err, errsize, "bad host name");
	} else {
		memcpy(srv->host, host, hlen);
	}
	srv->port = (int)port;
	return 0;
}
