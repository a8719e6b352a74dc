/*
 * NAME
 *	postfix_check.h - does Postfix's setup fit loopguard's?
 * SYNOPSIS
 *	struct lg_postfix_conf pf;
 *	char *text = ...;	(postconf -x output, kept while pf is used)
 *	lg_postfix_parse_values(text, &pf);
 *	lg_postfix_parse_master(master_text, &pf);
 *	n = lg_postfix_check(&pf, &side, warn, arg);
 *
 *	n = lg_postfix_warn(cfg);	(run postconf, log each warning)
 * DESCRIPTION
 *	lg_postfix_check() is a pure function over the Postfix settings
 *	that matter to loopguard and loopguard's own (local domains,
 *	socket, whether the catch-all is loaded). It calls warn() with one
 *	line per problem, each starting with "postfix: ", and returns
 *	their number. A setting Postfix did not report (NULL) is not
 *	judged.
 *
 *	lg_postfix_warn() runs postconf (postfix_read.c) when it exists
 *	and logs the lines at warning level.
 * ENVIRONMENT
 *	LOOPGUARD_POSTCONF: the postconf program to run (empty: do not
 *	check). MAIL_CONFIG is passed on to it, as Postfix's commands
 *	expect.
 */
#ifndef LG_POSTFIX_CHECK_H
#define LG_POSTFIX_CHECK_H

#include <stddef.h>

/* Utility library. */
#include "parse.h"

/* Config library. */
#include "settings.h"

/* Chroot of the services that talk to milters: bit set per kind seen. */
#define LG_PF_UNCHROOTED	1
#define LG_PF_CHROOTED		2

struct lg_postfix_conf {
	const char *mydestination;		/* expanded (postconf -x) */
	const char *virtual_mailbox_domains;
	const char *virtual_alias_domains;
	const char *relay_domains;
	const char *local_recipient_maps;
	const char *smtpd_reject_unlisted_recipient;
	const char *smtpd_milters;
	const char *non_smtpd_milters;
	const char *milter_default_action;
	const char *queue_directory;
	int smtpd_chroot;	/* LG_PF_* bits; 0: master.cf unknown */
	int cleanup_chroot;
};

/* What loopguard itself is set up for. */
struct lg_postfix_side {
	char *const *local_domains;
	size_t n_local_domains;
	const struct lg_socket_spec *socket;
	int catchall;		/* the catchall plugin is loaded */
};

typedef void (*lg_postfix_warn_fn)(void *arg, const char *line);

/* lg_postfix_check - one line per problem; returns their number */
int lg_postfix_check(const struct lg_postfix_conf *pf,
		     const struct lg_postfix_side *lg,
		     lg_postfix_warn_fn warn, void *arg);

/* lg_postfix_parse_values - "name = value" lines, parsed in place */
void lg_postfix_parse_values(char *text, struct lg_postfix_conf *pf);

/* lg_postfix_parse_master - "postconf -F" lines: the chroot of the
 * smtpd and cleanup services, parsed in place */
void lg_postfix_parse_master(char *text, struct lg_postfix_conf *pf);

/* lg_postfix_warn - where postconf exists, check and log; returns the
 * number of warnings (postfix_read.c) */
int lg_postfix_warn(const struct lg_config *cfg);

#endif
