/*
 * NAME
 *	postfix_domains.h - the domains Postfix delivers for, asked from
 *	postconf for local_domains = "postfix"
 * SYNOPSIS
 *	#include "postfix_domains.h"
 *
 *	struct lg_domain_list d = { NULL, 0 };
 *
 *	rc = lg_postfix_domains_ask(dir, &d, warn, arg, err, sizeof(err));
 *	rc = lg_postfix_domains_parse(answer, len, &d, warn, arg, err,
 *				      sizeof(err));
 *	why = lg_domain_bad(name);
 *	lg_domain_list_free(&d);
 * DESCRIPTION
 *	lg_postfix_domains_ask() runs "postconf [-c DIR] -x mydestination
 *	virtual_alias_domains virtual_mailbox_domains" (DIR NULL: the
 *	default instance, $MAIL_CONFIG or /etc/postfix, as postconf itself
 *	picks it), with lg_postconf_find()'s program, a deadline of five
 *	seconds and at most 1 MiB of answer, and hands the answer to
 *	lg_postfix_domains_parse().
 *
 *	lg_postfix_domains_parse() is pure: it reads the "NAME = VALUE"
 *	lines (ANSWER is cut in place), splits each value as Postfix
 *	splits a list (commas and blanks; "{...}" is one item), and adds
 *	each item that is a domain to D in lower case, once, in Postfix's
 *	order. An item that is no domain is skipped and told to WARN
 *	(PARAM, ITEM, WHY): a lookup table or a /file (its domains are not
 *	read), a "$name" left unexpanded, a "!name" exclusion, or a name
 *	that lg_domain_bad() refuses. WARN may be NULL.
 *
 *	lg_domain_bad() is the check every local domain passes, listed or
 *	asked: NULL when NAME may be one, else why not.
 * DIAGNOSTICS
 *	0, or -1 with one line in err: postconf that cannot be run, fails
 *	(its first line of error output), gives no answer in time or too
 *	much; an answer that is not text, has a line that is not
 *	"NAME = VALUE" or lacks one of the three; more than
 *	LG_POSTFIX_DOMAINS_MAX domains. No domain at all is not an error
 *	here (d->n is 0): the caller names the setting.
 */
#ifndef LG_POSTFIX_DOMAINS_H
#define LG_POSTFIX_DOMAINS_H

#include <stddef.h>

#define LG_POSTFIX_DOMAINS_MAX	10000	/* more is refused, never cut */
#define LG_DOMAIN_MAX		255	/* longest domain name */

struct lg_domain_list {
	char  **names;			/* lower case, each once */
	size_t  n;
};

typedef void (*lg_domain_warn_fn)(void *arg, const char *param,
				  const char *item, const char *why);

int lg_postfix_domains_ask(const char *dir, struct lg_domain_list *d,
			   lg_domain_warn_fn warn, void *arg, char *err,
			   size_t errsize);
int lg_postfix_domains_parse(char *answer, size_t len,
			     struct lg_domain_list *d, lg_domain_warn_fn warn,
			     void *arg, char *err, size_t errsize);
const char *lg_domain_bad(const char *name);
void lg_domain_list_free(struct lg_domain_list *d);

#endif
