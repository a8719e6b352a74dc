/*
 * NAME
 *	postfix_check.c - judge Postfix's settings against loopguard's
 * SYNOPSIS
 *	n = lg_postfix_check(&pf, &side, warn, arg);
 * DESCRIPTION
 *	Pure checks, no I/O (see postfix_check.h):
 *
 *	- a domain Postfix delivers locally while accepting unknown users
 *	  (mydestination with local_recipient_maps empty; with
 *	  smtpd_reject_unlisted_recipient = no, mydestination and the
 *	  virtual mailbox and alias domains)
 *	  must be in local_domains, or its mail to unknown users bounces
 *	  to whatever sender the client gave: backscatter;
 *	- a local domain for which Postfix still rejects unknown users
 *	  leaves the catch-all inactive there;
 *	- a local domain Postfix does not accept at all is a typo;
 *	- smtpd_milters and non_smtpd_milters must name loopguard's
 *	  socket, as Postfix writes it: inet:HOST:PORT for
 *	  loopguard's inet:PORT@HOST, and unix:PATH read from inside
 *	  queue_directory (the chroot, and every daemon's working folder);
 *	- milter_default_action must be tempfail.
 * DIAGNOSTICS
 *	Each line starts with "postfix: " and names the setting.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* MTA checks. */
#include "postfix_check.h"

#define ITEM_MAX 512

struct out {
	lg_postfix_warn_fn fn;
	void *arg;
	int n;
};

/* say - format one warning */
static void say(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct out *o, const char *fmt, ...)
{
	char line[2048] = "postfix: ";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + 9, sizeof(line) - 9, fmt, ap);
	va_end(ap);
	o->fn(o->arg, line);
	o->n++;
}

/* next_item - the next word of a Postfix list (commas and blanks
 * separate; "{ ... }" is one item, its first word returned) */
static const char *next_item(const char *p, char *buf, size_t size)
{
	size_t n = 0;
	int braced;

	while (*p && strchr(" \t\r\n,", *p))
		p++;
	if (!*p)
		return NULL;
	braced = *p == '{';
	if (braced)
		for (p++; *p && strchr(" \t\r\n", *p); p++)
			;
	while (*p && !strchr(" \t\r\n,}", *p)) {
		if (n + 1 < size)
			buf[n++] = *p;
		p++;
	}
	buf[n] = 0;
	if (braced) {
		while (*p && *p != '}')
			p++;
		if (*p)
			p++;
	}
	return p;
}

/* is_table - "type:name" or "/file": a lookup table, not a domain */
static int is_table(const char *item)
{
	return item[0] == '/' || strchr(item, ':') != NULL;
}

/* in_list - domain is a plain item of the Postfix list */
static int in_list(const char *list, const char *domain)
{
	char item[ITEM_MAX];
	const char *p = list;

	while (list && (p = next_item(p, item, sizeof(item))) != NULL)
		if (strcasecmp(item, domain) == 0)
			return 1;
	return 0;
}

/* has_table - the list holds a lookup table (its domains are unknown) */
static int has_table(const char *list)
{
	char item[ITEM_MAX];
	const char *p = list;

	while (list && (p = next_item(p, item, sizeof(item))) != NULL)
		if (is_table(item))
			return 1;
	return 0;
}

/* is_local - domain is in loopguard's local_domains */
static int is_local(const struct lg_postfix_side *lg, const char *domain)
{
	size_t i;

	for (i = 0; i < lg->n_local_domains; i++)
		if (strcasecmp(lg->local_domains[i], domain) == 0)
			return 1;
	return 0;
}

/* blank - NULL, or only blanks */
static int blank(const char *v)
{
	return !v || v[strspn(v, " \t\r\n")] == 0;
}

/* uncovered - each domain of list that accepts unknown users (why) but
 * is not in local_domains */
static void uncovered(struct out *o, const struct lg_postfix_side *lg,
		      const char *param, const char *list, const char *why,
		      const char *fix)
{
	char item[ITEM_MAX];
	const char *p = list;

	while (list && (p = next_item(p, item, sizeof(item))) != NULL) {
		if (is_table(item)) {
			say(o, "%s has the lookup table %s and accepts unknown users (%s): make sure each of its domains is in local_domains",
			    param, item, why);
			continue;
		}
		if (!is_local(lg, item))
			say(o, "%s domain %s accepts unknown users (%s) but is not in local_domains: mail to unknown addresses there will bounce (backscatter); add it to local_domains or %s",
			    param, item, why, fix);
	}
}

/* check_domains - backscatter, inactive catch-all, unknown domains */
static void check_domains(struct out *o, const struct lg_postfix_conf *pf,
			  const struct lg_postfix_side *lg)
{
	int lrm_off = pf->local_recipient_maps &&
		blank(pf->local_recipient_maps);
	int unlisted_ok = pf->smtpd_reject_unlisted_recipient &&
		strcasecmp(pf->smtpd_reject_unlisted_recipient, "no") == 0;
	const char *lists[] = { pf->mydestination, pf->virtual_mailbox_domains,
				pf->virtual_alias_domains, pf->relay_domains };
	size_t i, k;

	/* smtpd_reject_unlisted_recipient = no switches off every class */
	if (lrm_off || unlisted_ok)
		uncovered(o, lg, "mydestination", pf->mydestination,
			  lrm_off ? "local_recipient_maps is empty" :
			  "smtpd_reject_unlisted_recipient = no",
			  lrm_off ? "restore local_recipient_maps" :
			  "set smtpd_reject_unlisted_recipient = yes");
	if (unlisted_ok) {
		uncovered(o, lg, "virtual_mailbox_domains",
			  pf->virtual_mailbox_domains,
			  "smtpd_reject_unlisted_recipient = no",
			  "set smtpd_reject_unlisted_recipient = yes");
		uncovered(o, lg, "virtual_alias_domains",
			  pf->virtual_alias_domains,
			  "smtpd_reject_unlisted_recipient = no",
			  "set smtpd_reject_unlisted_recipient = yes");
	}
	for (i = 0; i < lg->n_local_domains; i++) {
		const char *d = lg->local_domains[i];
		int known = 0, unknown_lists = 0;

		if (lg->catchall && pf->local_recipient_maps && !lrm_off &&
		    !unlisted_ok && in_list(pf->mydestination, d))
			say(o, "catch-all inactive for %s: Postfix rejects unknown users itself (local_recipient_maps is not empty)",
			    d);
		if (lg->catchall && pf->smtpd_reject_unlisted_recipient &&
		    !unlisted_ok && (in_list(pf->virtual_mailbox_domains, d) ||
				     in_list(pf->virtual_alias_domains, d)))
			say(o, "catch-all inactive for %s: Postfix rejects unknown users itself (smtpd_reject_unlisted_recipient = yes)",
			    d);
		for (k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
			known |= in_list(lists[k], d);
			unknown_lists |= !lists[k] || has_table(lists[k]);
		}
		if (!known && !unknown_lists)
			say(o, "local_domains lists %s, but Postfix does not accept mail for it (not in mydestination, virtual_mailbox_domains, virtual_alias_domains or relay_domains)",
			    d);
	}
}

/* normalise - collapse "//" and "/./", drop a trailing "/" */
static void normalise(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		if (*in == '/' && n && out[n - 1] == '/')
			continue;
		if (*in == '.' && n && out[n - 1] == '/' &&
		    (in[1] == '/' || !in[1]))
			continue;
		out[n++] = *in;
	}
	while (n > 1 && out[n - 1] == '/')
		n--;
	out[n] = 0;
}

/* unix_path - where Postfix connects for "unix:PATH": daemons work in
 * queue_directory, and a chrooted one sees it as "/" */
static void unix_path(const char *path, const char *qdir, int chrooted,
		      char *out, size_t size)
{
	char joined[1024];

	if (path[0] != '/' || chrooted)
		snprintf(joined, sizeof(joined), "%s/%s", qdir, path);
	else
		snprintf(joined, sizeof(joined), "%s", path);
	normalise(joined, out, size);
}

/* same_host - Postfix's HOST reaches loopguard's listening host */
static int same_host(const char *pf_host, const char *lg_host)
{
	char h[ITEM_MAX];
	size_t n = strlen(pf_host);

	if (n >= 2 && pf_host[0] == '[' && pf_host[n - 1] == ']') {
		pf_host++;
		n -= 2;
	}
	if (n >= sizeof(h))
		return 0;
	memcpy(h, pf_host, n);
	h[n] = 0;
	if (!lg_host[0] || strcmp(lg_host, "0.0.0.0") == 0 ||
	    strcmp(lg_host, "::") == 0 || strcasecmp(h, lg_host) == 0)
		return 1;
	return strcasecmp(h, "localhost") == 0 &&
		(strcmp(lg_host, "127.0.0.1") == 0 ||
		 strcmp(lg_host, "::1") == 0);
}

/* names_socket - one Postfix milter address reaches loopguard */
static int names_socket(const char *item, const struct lg_postfix_conf *pf,
			const struct lg_socket_spec *sock, int chroot)
{
	const char *qdir = pf->queue_directory ? pf->queue_directory :
		"/var/spool/postfix";
	char want[1024], got[1024];
	const char *colon;
	int bit;

	if (sock->kind == LG_SOCK_UNIX) {
		if (strncmp(item, "unix:", 5) != 0)
			return 0;
		normalise(sock->path, want, sizeof(want));
		if (!chroot)	/* master.cf unknown: either reading will do */
			chroot = LG_PF_CHROOTED | LG_PF_UNCHROOTED;
		for (bit = LG_PF_UNCHROOTED; bit <= LG_PF_CHROOTED; bit <<= 1) {
			if (!(chroot & bit))
				continue;
			unix_path(item + 5, qdir, bit == LG_PF_CHROOTED, got,
				  sizeof(got));
			if (strcmp(got, want) != 0)
				return 0;
		}
		return 1;
	}
	if (strncmp(item, "inet:", 5) != 0 ||
	    !(colon = strrchr(item + 5, ':')) ||
	    (unsigned) strtoul(colon + 1, NULL, 10) != sock->port)
		return 0;
	snprintf(got, sizeof(got), "%.*s", (int) (colon - item - 5), item + 5);
	return same_host(got, sock->host);
}

/* suggest - loopguard's socket the way main.cf should name it */
static void suggest(const struct lg_postfix_conf *pf,
		    const struct lg_socket_spec *sock, char *buf, size_t size)
{
	const char *qdir = pf->queue_directory ? pf->queue_directory :
		"/var/spool/postfix";
	char q[1024], p[1024];
	size_t n;

	if (sock->kind != LG_SOCK_UNIX) {
		const char *h = sock->host[0] ? sock->host :
			sock->kind == LG_SOCK_INET6 ? "::1" : "127.0.0.1";

		snprintf(buf, size, strchr(h, ':') ? "inet:[%s]:%u" :
			 "inet:%s:%u", h, sock->port);
		return;
	}
	normalise(qdir, q, sizeof(q));
	normalise(sock->path, p, sizeof(p));
	n = strlen(q);
	if (strncmp(p, q, n) == 0 && p[n] == '/')
		snprintf(buf, size, "unix:%s", p + n + 1);
	else
		snprintf(buf, size, "unix:%s", p);
}

/* check_milters - one of smtpd_milters, non_smtpd_milters */
static void check_milters(struct out *o, const struct lg_postfix_conf *pf,
			  const struct lg_postfix_side *lg, const char *param,
			  const char *value, int chroot, const char *lost)
{
	char item[ITEM_MAX], want[1100], q[1024], p[1024];
	const char *s = value;
	size_t n;

	if (!value || !lg->socket)
		return;
	while ((s = next_item(s, item, sizeof(item))) != NULL)
		if (names_socket(item, pf, lg->socket, chroot))
			return;
	suggest(pf, lg->socket, want, sizeof(want));
	if (blank(value))
		say(o, "%s is empty: %s; set %s = %s", param, lost, param, want);
	else
		say(o, "%s = %s does not name loopguard's socket: %s; set %s = %s",
		    param, value + strspn(value, " \t"), lost, param, want);
	if (lg->socket->kind != LG_SOCK_UNIX || !(chroot & LG_PF_CHROOTED))
		return;
	normalise(pf->queue_directory ? pf->queue_directory :
		  "/var/spool/postfix", q, sizeof(q));
	normalise(lg->socket->path, p, sizeof(p));
	n = strlen(q);
	if (strncmp(p, q, n) != 0 || p[n] != '/')
		say(o, "loopguard's socket %s is outside queue_directory %s, which a chrooted Postfix (%s) cannot reach; put it under %s/",
		    p, q, param, q);
}

/* lg_postfix_check - see postfix_check.h */
int lg_postfix_check(const struct lg_postfix_conf *pf,
		     const struct lg_postfix_side *lg,
		     lg_postfix_warn_fn warn, void *arg)
{
	struct out o = { warn, arg, 0 };

	check_domains(&o, pf, lg);
	check_milters(&o, pf, lg, "smtpd_milters", pf->smtpd_milters,
		      pf->smtpd_chroot,
		      "mail received over SMTP is not seen by loopguard");
	check_milters(&o, pf, lg, "non_smtpd_milters", pf->non_smtpd_milters,
		      pf->cleanup_chroot,
		      "mail submitted with sendmail(1) is not seen by loopguard");
	if (pf->milter_default_action &&
	    strcmp(pf->milter_default_action, "tempfail") != 0)
		say(&o, "milter_default_action = %s: while loopguard is down, mail is not kept for a retry; set milter_default_action = tempfail",
		    pf->milter_default_action);
	return o.n;
}
