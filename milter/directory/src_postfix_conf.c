/*
 * NAME
 *	src_postfix_conf.c - what Postfix's main.cf says about who exists:
 *	the address classes, their domains and their tables
 * SYNOPSIS
 *	#include "src_postfix.h"
 * DESCRIPTION
 *	lg_pf_read_main() runs "postconf [-c DIR] -hx" once for the
 *	parameters below, builds a new generation from them and loads
 *	every table it names (each once). The classes, as Postfix's
 *	ADDRESS_CLASS_README orders them:
 *
 *	local: mydestination -> local_recipient_maps. An empty
 *	local_recipient_maps (loopguard's README asks for it, so that
 *	unknown users reach the milter) means Postfix's default,
 *	"proxy:unix:passwd.byname $alias_maps" as "postconf -dh" gives
 *	it, with $alias_maps taken from main.cf; that is logged.
 *	virtual alias: virtual_alias_domains (by default the domain keys
 *	of virtual_alias_maps) -> virtual_alias_maps.
 *	virtual mailbox: virtual_mailbox_domains -> virtual_mailbox_maps.
 *	relay: relay_domains -> relay_recipient_maps; empty: every address
 *	there is accepted, as Postfix accepts it.
 *	virtual_alias_maps count in every class. A domain list may hold
 *	names, "/file" names (one per line) and tables (keys are domains);
 *	"!name" exclusions are not followed (logged). "proxy:" is dropped.
 *	Tables of alias_maps are read with postalias.
 *
 *	lg_pf_class() puts a domain in its class (the first of the order
 *	above that lists it), asking a domain table per recipient when it
 *	cannot be listed.
 *
 *	The lists and postconf's answer are cut by src_postfix_parse.c.
 * DIAGNOSTICS
 *	A postconf that fails, an answer of the wrong shape, or a table
 *	that cannot be loaded fails the load, naming the parameter or
 *	the table.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"
#include "postconf.h"

/* Directory library. */
#include "dir_read.h"
#include "src_postfix.h"

#define POSTCONF_OUT_MAX	((size_t) 1 << 20)
#define DOMAIN_FILE_MAX		((size_t) 1 << 20)

enum {
	P_MYDEST, P_VADOMAINS, P_VMDOMAINS, P_RELAYDOMAINS, P_LOCALMAPS,
	P_VAMAPS, P_VMMAPS, P_RELAYMAPS, P_DELIM, P_ALIASMAPS, P_N
};

static const char *const params[P_N] = {
	"mydestination", "virtual_alias_domains", "virtual_mailbox_domains",
	"relay_domains", "local_recipient_maps", "virtual_alias_maps",
	"virtual_mailbox_maps", "relay_recipient_maps", "recipient_delimiter",
	"alias_maps"
};

/* The domain list of each class, in lookup order. */
static const int class_domains[PF_NCLASS] = {
	P_MYDEST, P_VADOMAINS, P_VMDOMAINS, P_RELAYDOMAINS
};

/* run_postconf - "postconf [-c DIR] FLAGS NAME..." into values (out
 * holds them; the caller frees it); 0, or -1 with err */
static int run_postconf(struct pf_conf *c, const char *flags,
			const char *const *names, size_t n, char **values,
			char **out, char *err, size_t errsize)
{
	const char *argv[P_N + 8];
	char why[512];
	size_t len = 0, k = 0, i;
	int rc;

	argv[k++] = c->postconf;
	if (c->dir) {
		argv[k++] = "-c";
		argv[k++] = c->dir;
	}
	argv[k++] = flags;
	for (i = 0; i < n; i++)
		argv[k++] = names[i];
	argv[k] = NULL;
	why[0] = 0;
	*out = NULL;
	rc = lg_run_capture(argv, c->timeout_ms, POSTCONF_OUT_MAX, out, &len,
			    why, sizeof(why));
	if (rc != 0) {
		snprintf(err, errsize, "postconf%s%s %s: %s", c->dir ? " -c " : "",
			 c->dir ? c->dir : "", flags,
			 rc < 0 || why[0] ? why : "failed");
		return -1;
	}
	if (lg_pf_parse_postconf(*out, len, values, n) != 0) {
		snprintf(err, errsize,
			 "postconf%s%s %s: not one line per parameter",
			 c->dir ? " -c " : "", c->dir ? c->dir : "", flags);
		return -1;
	}
	return 0;
}

/* What lg_pf_split calls back with while a generation is built. */
struct build {
	struct pf_conf *c;
	struct pf_gen *g;
	struct pf_list *list;		/* tables go here */
	struct lg_recipients *domains;	/* names go here (domain lists) */
	const char *param;
	const char *aliases;		/* alias_maps, for the alias flag */
	int     is_alias;		/* a token of alias_maps */
	int     found;
	const char *want;
	char    err[512];
};

/* list_add - one index onto a list */
static int list_add(struct pf_list *l, size_t at)
{
	size_t *grown, i;

	for (i = 0; i < l->n; i++)
		if (l->at[i] == at)
			return 0;
	if (!(grown = realloc(l->at, (l->n + 1) * sizeof(*grown))))
		return -1;
	l->at = grown;
	l->at[l->n++] = at;
	return 0;
}

/* same_table - lg_pf_split callback: is TOK the table b->want */
static int same_table(void *arg, const char *tok)
{
	struct build *b = arg;

	if (strncmp(tok, "proxy:", 6) == 0)
		tok += 6;
	if (strcmp(tok, b->want) == 0)
		b->found = 1;
	return b->found;
}

/* add_table - lg_pf_split callback for a list of tables */
static int add_table(void *arg, const char *tok)
{
	struct build *b = arg;
	struct build probe;
	ssize_t at;
	int alias = b->is_alias;

	if (!strchr(tok, ':') || tok[0] == '/') {
		snprintf(b->err, sizeof(b->err), "%s: \"%.200s\" is not a table",
			 b->param, tok);
		return -1;
	}
	if (!alias && b->aliases) {
		memset(&probe, 0, sizeof(probe));
		probe.want = strncmp(tok, "proxy:", 6) == 0 ? tok + 6 : tok;
		lg_pf_split(b->aliases, same_table, &probe);
		alias = probe.found;
	}
	if ((at = lg_pf_gen_table(b->g, tok, alias)) < 0 ||
	    list_add(b->list, (size_t) at) != 0) {
		snprintf(b->err, sizeof(b->err), "%s: \"%.200s\": %s", b->param,
			 tok, at < 0 ? "not TYPE:NAME" : strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* add_name - one domain name into b->domains */
static int add_name(struct build *b, const char *tok)
{
	char name[PF_KEY_MAX];
	size_t n = strlen(tok);

	if (n && tok[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, tok, n);
	name[n] = 0;
	lg_dir_fold_n(name, n);
	if (lg_recipients_add_key(b->domains, "", name) != 0)
		lg_log(LG_LOG_WARN,
		       "recipients: postfix: %s: \"%.200s\" is not a domain name; skipped",
		       b->param, tok);
	return 0;
}

/* name_in_file - lg_pf_split callback for the names of a /file */
static int name_in_file(void *arg, const char *tok)
{
	if (tok[0] == '#')
		return 0;
	return add_name(arg, tok);
}

/* add_file - the names of a "/file" in a domain list */
static int add_file(struct build *b, const char *path)
{
	char *text, *line, *save = NULL, why[400];
	size_t len;

	if (!(text = lg_dir_read_file(path, DOMAIN_FILE_MAX, &len, NULL, why,
				      sizeof(why)))) {
		snprintf(b->err, sizeof(b->err), "%s: %s", b->param, why);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (line[strspn(line, " \t")] != '#' &&
		    lg_pf_split(line, name_in_file, b) != 0)
			break;
	free(text);
	return 0;
}

/* add_domain - lg_pf_split callback for a domain list */
static int add_domain(void *arg, const char *tok)
{
	struct build *b = arg;

	if (tok[0] == '!') {
		lg_log(LG_LOG_WARN,
		       "recipients: postfix: %s: the exclusion \"%.200s\" is not followed",
		       b->param, tok);
		return 0;
	}
	if (tok[0] == '/')
		return add_file(b, tok);
	if (strchr(tok, ':'))
		return add_table(b, tok);
	return add_name(b, tok);
}

/* default_local_maps - Postfix's default local_recipient_maps, with
 * main.cf's alias_maps; malloc'd, or NULL with err */
static char *default_local_maps(struct pf_conf *c, const char *aliases,
				char *err, size_t errsize)
{
	static const char *const name[] = { "local_recipient_maps" };
	char *out = NULL, *value, *res, *p;
	const char *refs[] = { "${alias_maps}", "$(alias_maps)", "$alias_maps",
			       NULL };
	size_t i, n;

	if (run_postconf(c, "-dh", name, 1, &value, &out, err, errsize) != 0) {
		free(out);
		return NULL;
	}
	if (!(res = malloc(strlen(value) + strlen(aliases) + 1))) {
		free(out);
		return NULL;
	}
	strcpy(res, value);
	free(out);
	for (i = 0; refs[i]; i++)
		if ((p = strstr(res, refs[i]))) {
			n = strlen(refs[i]);
			memmove(p + strlen(aliases), p + n, strlen(p + n) + 1);
			memcpy(p, aliases, strlen(aliases));
			break;
		}
	if (strchr(res, '$')) {
		snprintf(err, errsize,
			 "local_recipient_maps is empty and Postfix's default \"%.200s\" is not understood",
			 res);
		free(res);
		return NULL;
	}
	return res;
}

/* split_into - one parameter's items into the generation */
static int split_into(struct build *b, const char *param, const char *value,
		      int (*fn)(void *arg, const char *tok),
		      struct pf_list *list, struct lg_recipients *domains,
		      char *err, size_t errsize)
{
	int rc;

	b->param = param;
	b->list = list;
	b->domains = domains;
	b->err[0] = 0;
	if ((rc = lg_pf_split(value, fn, b)) != 0) {
		if (b->err[0])
			snprintf(err, errsize, "%s", b->err);
		else
			snprintf(err, errsize,
				 "%s: braces that do not close, or an item too long",
				 param);
		return -1;
	}
	return 0;
}

/* load_tables - every table of G; 0, or -1 with err */
static int load_tables(struct pf_conf *c, struct pf_gen *g, char *err,
		       size_t errsize)
{
	size_t i, n;

	g->count = 0;
	for (i = 0; i < g->ntab; i++) {
		if (lg_pf_table_load(c, &g->tab[i], err, errsize) != 0)
			return -1;
		if (g->tab[i].set &&
		    (n = lg_recipients_count(g->tab[i].set)) > 0)
			g->count += n;
	}
	return 0;
}

/* lg_pf_read_main - a generation from main.cf; NULL with err */
struct pf_gen *lg_pf_read_main(struct pf_conf *c, char *err, size_t errsize)
{
	struct pf_gen *g = calloc(1, sizeof(*g));
	struct build b;
	char *v[P_N], *out = NULL, *local = NULL;
	int i;

	if (!g) {
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	b.c = c;
	b.g = g;
	if (c->main_cf) {
		g->main_cf = strdup(c->main_cf);
		lg_dir_stamp_take(&g->main_stamp, c->main_cf);
	}
	if (run_postconf(c, "-hx", params, P_N, v, &out, err, errsize) != 0)
		goto fail;
	b.aliases = v[P_ALIASMAPS];
	if (!*v[P_LOCALMAPS]) {
		err[0] = 0;
		if (!(local = default_local_maps(c, v[P_ALIASMAPS], err,
						 errsize))) {
			if (!err[0])
				snprintf(err, errsize, "%s", strerror(ENOMEM));
			goto fail;
		}
		lg_log(LG_LOG_INFO,
		       "recipients: postfix: local_recipient_maps is empty (so unknown local users reach loopguard); using Postfix's default: %s",
		       local);
	}
	for (i = 0; i < PF_NCLASS; i++) {
		if (!(g->domains[i] = lg_recipients_new(0, ""))) {
			snprintf(err, errsize, "%s", strerror(ENOMEM));
			goto fail;
		}
		if (split_into(&b, params[class_domains[i]],
			       v[class_domains[i]], add_domain, &g->dtabs[i],
			       g->domains[i], err, errsize) != 0)
			goto fail;
	}
	b.is_alias = 0;
	if (split_into(&b, params[P_LOCALMAPS], local ? local : v[P_LOCALMAPS],
		       add_table, &g->rtabs[PF_LOCAL], NULL, err, errsize) ||
	    split_into(&b, params[P_VAMAPS], v[P_VAMAPS], add_table,
		       &g->valias, NULL, err, errsize) ||
	    split_into(&b, params[P_VMMAPS], v[P_VMMAPS], add_table,
		       &g->rtabs[PF_VMAILBOX], NULL, err, errsize) ||
	    split_into(&b, params[P_RELAYMAPS], v[P_RELAYMAPS], add_table,
		       &g->rtabs[PF_RELAY], NULL, err, errsize))
		goto fail;
	g->relay_all = g->rtabs[PF_RELAY].n == 0;
	if (strcmp(v[P_DELIM], c->delimiter) != 0)
		lg_log(LG_LOG_WARN,
		       "recipients: postfix: Postfix's recipient_delimiter is \"%s\" but loopguard's is \"%s\"; extensions are cut as loopguard cuts them",
		       v[P_DELIM], c->delimiter);
	if (load_tables(c, g, err, errsize) != 0)
		goto fail;
	free(local);
	free(out);
	return g;
fail:
	free(local);
	free(out);
	lg_pf_gen_free(g);
	return NULL;
}

/* lg_pf_read_single - a generation of the one table postfix:TYPE:NAME */
struct pf_gen *lg_pf_read_single(struct pf_conf *c, char *err,
				 size_t errsize)
{
	struct pf_gen *g = calloc(1, sizeof(*g));
	ssize_t at;

	if (!g)
		return NULL;
	g->single = 1;
	if ((at = lg_pf_gen_table(g, c->table, 0)) < 0 ||
	    list_add(&g->rtabs[PF_LOCAL], (size_t) at) != 0) {
		snprintf(err, errsize, "%s: not TYPE:NAME", c->table);
		lg_pf_gen_free(g);
		return NULL;
	}
	if (load_tables(c, g, err, errsize) != 0) {
		lg_pf_gen_free(g);
		return NULL;
	}
	return g;
}

/* in_domain_table - is DOMAIN a key of table T; YES, NO or FAIL */
static enum lg_dir_answer in_domain_table(struct pf_conf *c,
					  const struct pf_table *t,
					  const char *domain, char *err,
					  size_t errsize)
{
	switch (t->kind) {
	case PF_STATIC:
		return LG_DIR_YES;
	case PF_PASSWD:
		return LG_DIR_NO;
	case PF_LIST:
	case PF_CDB:
		return lg_recipients_has_key(t->set, domain, "") ?
			LG_DIR_YES : LG_DIR_NO;
	default:
		return lg_pf_ask(c, t, domain, err, errsize);
	}
}

/* lg_pf_class - the class of DOMAIN (lower case): 0 with *cls_r, 1
 * when it is in none, -1 when a domain table failed (err) */
int lg_pf_class(struct pf_conf *c, const struct pf_gen *g,
		const char *domain, enum pf_class *cls_r, char *err,
		size_t errsize)
{
	size_t i, j;
	int failed = 0;

	for (i = 0; i < PF_NCLASS; i++) {
		if (lg_recipients_has_key(g->domains[i], "", domain)) {
			*cls_r = (enum pf_class) i;
			return 0;
		}
		for (j = 0; j < g->dtabs[i].n; j++)
			switch (in_domain_table(c, &g->tab[g->dtabs[i].at[j]],
						domain, err, errsize)) {
			case LG_DIR_YES:
				if (failed)
					return -1; /* an earlier class failed */
				*cls_r = (enum pf_class) i;
				return 0;
			case LG_DIR_FAIL:
				failed = 1;
				break;
			default:
				break;
			}
	}
	return failed ? -1 : 1;
}
