/*
 * NAME
 *	settings_domains.c - the local_domains key: listed, or asked from
 *	Postfix at every load
 * SYNOPSIS
 *	local_domains = [ "example.com", "example.net" ];
 *	local_domains = "postfix";		$MAIL_CONFIG or /etc/postfix
 *	local_domains = "postfix:/etc/postfix-out";	another instance
 *
 *	lg_config_log_local_domains(cfg);
 * DESCRIPTION
 *	A list is taken as written, each name checked by lg_domain_bad()
 *	and lower-cased. "postfix" asks that Postfix instance for the
 *	domains it delivers itself (postfix_domains.c: mydestination,
 *	virtual_alias_domains, virtual_mailbox_domains) while the key is
 *	read, so the recipient sources and the plugins, set up later in
 *	the same load, see the list. A start, "loopguard -n" and each
 *	reload ask again.
 *
 *	lg_config_log_local_domains() logs the domains taken from Postfix
 *	on one info line (the first LINE_DOMAINS, then "and N more");
 *	nothing for a list. The program calls it at start, on -n and
 *	after a reload, once the config's own log is in use.
 * DIAGNOSTICS
 *	"FILE:LINE: local_domains = "postfix": REASON" fails the load when
 *	postconf cannot be run, fails, or names no domain: never a start
 *	with no local domain. An item of Postfix's lists that is not a
 *	domain name (a table, "$name", ...) is a located warning, and
 *	skipped; past WARN_MAX of them, one line counts the rest.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

/* Utility library. */
#include "log.h"

/* Config library. */
#include "postfix_domains.h"
#include "settings.h"
#include "settings_impl.h"

#define WARN_MAX	20	/* skipped items told one by one */
#define LINE_DOMAINS	20	/* domains named on the info line */
#define DIR_MAX		4096	/* longest "postfix:/DIR" folder */

/* One asking of Postfix, for the warnings. */
struct asking {
	struct loader *ld;
	const config_setting_t *at;
	const char *value;		/* as written */
	size_t skipped;
};

/* warn_skipped - postfix_domains.c's callback: one located warning */
static void warn_skipped(void *arg, const char *param, const char *item,
			 const char *why)
{
	struct asking *a = arg;

	if (++a->skipped <= WARN_MAX)
		lg_loader_warn(a->ld, a->at,
			       "local_domains = \"%s\": %s: \"%s\" %s; skipped",
			       a->value, param, item, why);
}

/* folder_of - the config folder asked: DIR, or the default instance's */
static const char *folder_of(const char *dir)
{
	const char *env = getenv("MAIL_CONFIG");

	return dir ? dir : env && *env ? env : "/etc/postfix";
}

/* has_control - a control character in S (it would reach the log) */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < ' ' || *s == 0x7f)
			return 1;
	return 0;
}

/* from_postfix - local_domains = "postfix" or "postfix:/DIR" */
static int from_postfix(struct loader *ld, const config_setting_t *s)
{
	const char *v = config_setting_get_string(s), *dir = NULL;
	struct lg_domain_list d = { NULL, 0 };
	struct asking a = { ld, s, v, 0 };
	char why[768];

	if (strncmp(v, "postfix:", 8) == 0)
		dir = v + 8;
	else if (strcmp(v, "postfix") != 0)
		return lg_loader_fail(ld, s, "local_domains = \"%.200s\": a single string must be \"postfix\" or \"postfix:/DIR\" (a Postfix config folder); domains are listed as [ \"example.com\" ]",
				      v);
	if (dir && (dir[0] != '/' || strlen(dir) >= DIR_MAX ||
		    has_control(dir)))
		return lg_loader_fail(ld, s, "local_domains = \"%.200s\": the folder after \"postfix:\" must be an absolute path",
				      v);
	if (lg_postfix_domains_ask(dir, &d, warn_skipped, &a, why,
				   sizeof(why)) != 0) {
		lg_domain_list_free(&d);
		return lg_loader_fail(ld, s, "local_domains = \"%s\": %s", v,
				      why);
	}
	if (a.skipped > WARN_MAX)
		lg_loader_warn(ld, s, "local_domains = \"%s\": %zu more items of Postfix's lists skipped",
			       v, a.skipped - WARN_MAX);
	if (d.n == 0)
		return lg_loader_fail(ld, s, "local_domains = \"%s\": Postfix (%s) names no domain in mydestination, virtual_alias_domains or virtual_mailbox_domains",
				      v, folder_of(dir));
	if (!(ld->cfg->local_domains_from = strdup(folder_of(dir)))) {
		lg_domain_list_free(&d);
		return lg_loader_fail(ld, s, "out of memory");
	}
	ld->cfg->local_domains = d.names;
	ld->cfg->n_local_domains = d.n;
	return 0;
}

/* lg_key_local_domains - a list of domains, or "postfix[:/DIR]" */
int lg_key_local_domains(struct loader *ld, const config_setting_t *s)
{
	size_t i;
	char *p;

	if (!ld->recipients_at)
		ld->recipients_at = s;
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return from_postfix(ld, s);
	if (lg_get_strings(ld, s, &ld->cfg->local_domains,
			   &ld->cfg->n_local_domains) != 0)
		return -1;
	for (i = 0; i < ld->cfg->n_local_domains; i++) {
		p = ld->cfg->local_domains[i];
		if (lg_domain_bad(p))
			return lg_loader_fail(ld, s, "local_domains: bad domain \"%s\"", p);
		for (; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
	}
	return 0;
}

/* lg_config_log_local_domains - see settings.h */
void lg_config_log_local_domains(const struct lg_config *cfg)
{
	char line[1536];
	size_t i, len = 0, need;

	if (!cfg || !cfg->local_domains_from)
		return;
	line[0] = 0;
	for (i = 0; i < cfg->n_local_domains && i < LINE_DOMAINS; i++) {
		need = strlen(cfg->local_domains[i]) + 2;
		if (len + need + 32 > sizeof(line))
			break;	/* the rest is counted below */
		len += (size_t) snprintf(line + len, sizeof(line) - len, "%s%s",
					 i ? ", " : "", cfg->local_domains[i]);
	}
	if (i < cfg->n_local_domains)
		snprintf(line + len, sizeof(line) - len, " and %zu more",
			 cfg->n_local_domains - i);
	lg_log(LG_LOG_INFO, "local domains from Postfix (%.300s): %s",
	       cfg->local_domains_from, line);
}
