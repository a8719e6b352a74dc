/*
 * NAME
 *	recipients.h - the recipient directory: which local addresses exist
 * DESCRIPTION
 *	Files of one address per line ("user@domain"), "@domain" for a whole
 *	domain, "#" comments and blank lines. Lookups are O(1) (open
 *	addressing hash); the domain is case-insensitive, the local part is
 *	case-insensitive unless case_sensitive_local is set. With a
 *	delimiter such as "+", "user+tag@dom" exists when "user@dom" does.
 *	Read-only once loaded, so any number of threads may look up.
 *	Sources that list a table (aliases, Postfix, Sendmail) add its
 *	keys with lg_recipients_add_key and look them up in their own
 *	order with lg_recipients_has_key.
 */
#ifndef LG_RECIPIENTS_H
#define LG_RECIPIENTS_H

#include <stddef.h>

struct lg_recipients;

struct lg_recipients *lg_recipients_new(int case_sensitive_local,
					const char *delimiter);
void lg_recipients_free(struct lg_recipients **rcpts);

/* lg_recipients_load - add one file. 0, or -1 with "PATH: strerror" or
 * "PATH:LINE: what is wrong" in err. */
int lg_recipients_load(struct lg_recipients *rcpts, const char *path,
		       char *err, size_t errsize);

/* lg_recipients_add - add one line's worth ("user@dom" or "@dom"). */
int lg_recipients_add(struct lg_recipients *rcpts, const char *entry);

/* lg_recipients_exists - 1 if local@domain is a valid recipient. */
int lg_recipients_exists(const struct lg_recipients *rcpts,
			 const char *local, const char *domain);

/* lg_recipients_base - LOCAL without its address extension, cut as
 * lg_recipients_exists cuts it, into BUF: 1 if an extension was cut,
 * 0 if there is none (BUF holds LOCAL), -1 if what is kept does not
 * fit. LOCAL itself may be longer than BUF. */
int lg_recipients_base(const struct lg_recipients *rcpts, const char *local,
		       char *buf, size_t size);

/* lg_recipients_ext_at - where the address extension of LOCAL (LEN
 * bytes) starts, 0 for none: at the first byte of DELIMS that is not
 * the first byte; "postmaster", "mailer-daemon" never cut, nor
 * "owner-*" and "*-request" when "-" is a delimiter (as Postfix). */
size_t lg_recipients_ext_at(const char *delims, const char *local,
			    size_t len);

/* lg_recipients_add_key - a table's key: "" local = "@domain"
 * wildcard, "" domain = a bare local part. 0 or -1. */
int lg_recipients_add_key(struct lg_recipients *rcpts, const char *local,
			  const char *domain);

/* lg_recipients_has_key - this exact key, already folded. */
int lg_recipients_has_key(const struct lg_recipients *rcpts,
			  const char *local, const char *domain);

/* lg_recipients_each - every key (local or domain may be ""). */
int lg_recipients_each(const struct lg_recipients *rcpts,
		       int (*fn)(void *arg, const char *local,
				 const char *domain), void *arg);

/* Number of addresses and @domain wildcards loaded. */
size_t lg_recipients_count(const struct lg_recipients *rcpts);

/* lg_recipients_each_in_domain - call fn for each exact address of
 * DOMAIN (for "did you mean" suggestions); stops when fn returns !0. */
int lg_recipients_each_in_domain(const struct lg_recipients *rcpts,
				 const char *domain,
				 int (*fn)(void *arg, const char *local),
				 void *arg);

#endif
