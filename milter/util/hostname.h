/*
 * NAME
 *	hostname.h - the host name generated mail carries
 * SYNOPSIS
 *	#include "hostname.h"
 *
 *	if (!lg_hostname_valid(text)) ...
 *	how = lg_hostname_find(lg_postconf_path(), buf, sizeof(buf));
 *	name = lg_hostname_intern(buf);
 * DESCRIPTION
 *	The name is used in EHLO, in Message-ID and in the
 *	X-Loopguard-Loop header. Without a "hostname" setting it is
 *	found in this order: Postfix's myhostname ("postconf -h
 *	myhostname", when postconf exists; run without a shell and
 *	killed after five seconds), the canonical name of the kernel's
 *	host name (getaddrinfo with AI_CANONNAME), the kernel's host name
 *	itself, and last "localhost". Each answer must be a DNS name.
 *
 *	lg_hostname_intern() keeps one copy of each name for the life of
 *	the process, so a pointer handed to a plugin stays valid across
 *	reloads; it returns "localhost" when memory runs out.
 */
#ifndef LG_HOSTNAME_H
#define LG_HOSTNAME_H

#include <stddef.h>

/* lg_hostname_valid - 1 for a DNS name: labels of letters, digits and
 * inner hyphens, 1-63 bytes each, 253 in all, no trailing dot */
int lg_hostname_valid(const char *name);

/* lg_hostname_find - the default name into out; returns where it came
 * from ("postconf myhostname", "canonical name", "gethostname",
 * "fallback") */
const char *lg_hostname_find(const char *postconf, char *out, size_t size);

/* lg_hostname_intern - a copy that lives as long as the process */
const char *lg_hostname_intern(const char *name);

#endif
