/*
 * NAME
 *	postfix_read.c - ask postconf for the settings loopguard depends on
 * SYNOPSIS
 *	n = lg_postfix_warn(cfg);
 * DESCRIPTION
 *	Where postconf exists (lg_postconf_path()), runs "postconf -x
 *	NAME..." for the expanded values and "postconf -F" for master.cf
 *	(lg_run_program(): no shell, a deadline, bounded output), parses
 *	both, and logs what lg_postfix_check() finds.
 *
 *	Postfix is the default instance, or the one local_domains =
 *	"postfix:/DIR" names (postconf -c DIR).
 *
 *	Called by "loopguard -n" (the lines go to stderr) and at start
 *	(to the log). Nothing here stops loopguard: Postfix may live on
 *	another host, or be set up after loopguard.
 * DIAGNOSTICS
 *	"postfix: cannot read Postfix's settings with PATH: REASON" when
 *	postconf fails; otherwise the lines of lg_postfix_check().
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "log.h"
#include "postconf.h"

/* MTA checks. */
#include "postfix_check.h"

#define POSTCONF_OUTPUT_MAX (256 * 1024)

static const struct {
	const char *name;
	size_t offset;
} params[] = {
#define P(n) { #n, offsetof(struct lg_postfix_conf, n) }
	P(mydestination), P(virtual_mailbox_domains), P(virtual_alias_domains),
	P(relay_domains), P(local_recipient_maps),
	P(smtpd_reject_unlisted_recipient), P(smtpd_milters),
	P(non_smtpd_milters), P(milter_default_action), P(queue_directory),
#undef P
};
#define N_PARAMS (sizeof(params) / sizeof(params[0]))

/* next_line - cut the line at p; returns the one after, or NULL */
static char *next_line(char *p)
{
	char *nl = strchr(p, '\n');

	if (!nl)
		return NULL;
	*nl = 0;
	if (nl > p && nl[-1] == '\r')
		nl[-1] = 0;
	return nl + 1;
}

/* split - "name = value" (or "name =") into its two halves */
static int split(char *line, char **name_r, char **value_r)
{
	char *eq = strstr(line, " =");

	if (!eq || (eq[2] && eq[2] != ' '))
		return -1;
	*eq = 0;
	*name_r = line;
	*value_r = eq[2] ? eq + 3 : eq + 2;
	return 0;
}

/* lg_postfix_parse_values - see postfix_check.h */
void lg_postfix_parse_values(char *text, struct lg_postfix_conf *pf)
{
	char *line, *next, *name, *value;
	size_t i;

	for (line = text; line && *line; line = next) {
		next = next_line(line);
		if (split(line, &name, &value) != 0)
			continue;
		for (i = 0; i < N_PARAMS; i++)
			if (strcmp(name, params[i].name) == 0)
				*(const char **) ((char *) pf +
						  params[i].offset) = value;
	}
}

/* lg_postfix_parse_master - see postfix_check.h */
void lg_postfix_parse_master(char *text, struct lg_postfix_conf *pf)
{
	char *line, *next, *name, *value, *field;
	char chroot_of[256] = "";
	int chrooted = 0, bit;

	for (line = text; line && *line; line = next) {
		next = next_line(line);
		if (split(line, &name, &value) != 0 ||
		    !(field = strrchr(name, '/')))
			continue;
		*field++ = 0;
		if (strcmp(field, "chroot") == 0) {
			snprintf(chroot_of, sizeof(chroot_of), "%s", name);
			/* "-" is the default, "n" since Postfix 3.0 */
			chrooted = value[0] == 'y';
			continue;
		}
		if (strcmp(field, "command") != 0 ||
		    strcmp(name, chroot_of) != 0)
			continue;
		bit = chrooted ? LG_PF_CHROOTED : LG_PF_UNCHROOTED;
		value += strspn(value, " \t");
		if (strncmp(value, "smtpd", 5) == 0 && strchr(" \t", value[5]))
			pf->smtpd_chroot |= bit;
		if (strncmp(value, "cleanup", 7) == 0 &&
		    strchr(" \t", value[7]))
			pf->cleanup_chroot |= bit;
	}
}







/* log_warning - lg_postfix_check's lines go to the log (or stderr) */
static void log_warning(void *arg, const char *line)
{
	(void) arg;
	lg_log(LG_LOG_WARN, "%s", line);
}

/* catchall_loaded - is the catchall plugin configured? */
static int catchall_loaded(const struct lg_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_plugins; i++)
		if (strcmp(cfg->plugins[i].name, "catchall") == 0)
			return 1;
	return 0;
}

/* instance_of - the config folder of the Postfix instance that
 * local_domains = "postfix:/DIR" asked, when it is not the default
 * one: its settings are the ones to judge; else NULL */
static const char *instance_of(const struct lg_config *cfg)
{
	const char *env = getenv("MAIL_CONFIG");
	const char *dflt = env && *env ? env : "/etc/postfix";

	return cfg->local_domains_from &&
		strcmp(cfg->local_domains_from, dflt) != 0 ?
		cfg->local_domains_from : NULL;
}

/* lg_postfix_warn - see postfix_check.h */
int lg_postfix_warn(const struct lg_config *cfg)
{
	const char *argv[N_PARAMS + 5], *dir = instance_of(cfg);
	struct lg_postfix_conf pf;
	struct lg_postfix_side side;
	char err[512], *values, *master;
	int n = 0;
	size_t i, k = 1;

	/* that instance's postconf has just answered local_domains */
	if (!(argv[0] = dir ? lg_postconf_find() : lg_postconf_path()))
		return 0;
	if (dir) {
		argv[k++] = "-c";
		argv[k++] = dir;
	}
	values = malloc(POSTCONF_OUTPUT_MAX);
	master = malloc(POSTCONF_OUTPUT_MAX);
	memset(&pf, 0, sizeof(pf));
	argv[k] = "-x";
	for (i = 0; i < N_PARAMS; i++)
		argv[k + 1 + i] = params[i].name;
	argv[k + 1 + N_PARAMS] = NULL;
	if (!values || !master) {
		lg_log(LG_LOG_WARN, "postfix: out of memory reading Postfix's settings");
		n = 1;
	} else if (lg_postconf_run(argv, values,
				  POSTCONF_OUTPUT_MAX, err, sizeof(err)) != 0) {
		lg_log(LG_LOG_WARN,
		       "postfix: cannot read Postfix's settings with %s: %s",
		       argv[0], err[0] ? err : "it failed");
		n = 1;
	} else {
		lg_postfix_parse_values(values, &pf);
		argv[k] = "-F";
		argv[k + 1] = NULL;
		if (lg_postconf_run(argv, master,
				   POSTCONF_OUTPUT_MAX, err, sizeof(err)) == 0)
			lg_postfix_parse_master(master, &pf);
		side.local_domains = cfg->local_domains;
		side.n_local_domains = cfg->n_local_domains;
		side.socket = &cfg->socket_spec;
		side.catchall = catchall_loaded(cfg);
		n = lg_postfix_check(&pf, &side, log_warning, NULL);
	}
	free(values);
	free(master);
	return n;
}
