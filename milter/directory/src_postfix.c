/*
 * NAME
 *	src_postfix.c - "postfix", "postfix:/DIR", "postfix:TYPE:NAME":
 *	who exists, as Postfix itself would decide it
 * SYNOPSIS
 *	recipients = [ "postfix" ];		$MAIL_CONFIG or /etc/postfix
 *	recipients = [ "postfix:/etc/postfix-out" ];	another instance
 *	recipients = [ "postfix:lmdb:/etc/postfix/virtual" ];	one table
 * DESCRIPTION
 *	An instance (the first two forms) is read with postconf (see
 *	src_postfix_conf.c for the parameters and the address classes)
 *	and its tables are loaded (src_postfix_table.c); the generation
 *	is read again when main.cf or one of the table files changes.
 *
 *	Lookup, in Postfix's order: the domain's class first (a domain in
 *	no class: no); relay domains with no relay_recipient_maps: yes.
 *	Then each table of the class and virtual_alias_maps, each with
 *	the keys: the address; the address without its extension; for
 *	the local class, the local part, then without its extension; then
 *	"@domain". unix:passwd.byname is asked with the local part only,
 *	regexp and other pattern tables with the address only. The
 *	extension is the one loopguard's recipient_delimiter cut (a
 *	different one in Postfix is warned about at load). Keys are
 *	folded to lower case, as Postfix folds them.
 *
 *	A single table (postfix:TYPE:NAME) serves every local domain,
 *	with the keys of the local class.
 *
 *	Tables that cannot be listed are asked per key with postmap -q
 *	behind a cache (the directory group's cache_size, cache_ttl and
 *	negative_ttl); a failed query is never cached.
 *
 *	lg_dir_postfix_unused() is the self-check for a Postfix whose
 *	recipient tables loopguard does not read.
 * DIAGNOSTICS
 *	FAIL when postmap -q or getpwnam fails, or a domain table cannot
 *	be asked; the reason names the table. A load fails when postconf
 *	fails or a table cannot be listed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Utility library. */
#include "clock.h"
#include "log.h"
#include "postconf.h"

/* Directory library. */
#include "dir_impl.h"
#include "dir_kinds.h"
#include "dir_read.h"
#include "src_postfix.h"

#define PATH_LEN	4096

/* Where Postfix's programs usually are. */
static const char *const prog_dirs[] = {
	"/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin",
	NULL
};

/* find_prog - NAME beside NEAR (a program path), else in prog_dirs;
 * malloc'd, or NULL */
static char *find_prog(const char *name, const char *near)
{
	char path[PATH_LEN];
	const char *slash = near ? strrchr(near, '/') : NULL;
	size_t i;

	if (slash) {
		snprintf(path, sizeof(path), "%.*s/%s", (int) (slash - near),
			 near, name);
		if (access(path, X_OK) == 0)
			return strdup(path);
	}
	for (i = 0; prog_dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", prog_dirs[i], name);
		if (access(path, X_OK) == 0)
			return strdup(path);
	}
	return NULL;
}

/* postfix_close - the settings */
static void postfix_close(void *conf)
{
	struct pf_conf *c = conf;

	if (!c)
		return;
	free(c->arg);
	free(c->dir);
	free(c->table);
	free(c->postconf);
	free(c->postmap);
	free(c->postalias);
	free(c->main_cf);
	free(c->delimiter);
	lg_dir_cache_free(&c->cache);
	free(c);
}

/* postfix_open - which instance or table, and Postfix's programs */
static void *postfix_open(const char *arg, const struct lg_dir_env *env,
			  char *err, size_t errsize)
{
	struct pf_conf *c = calloc(1, sizeof(*c));
	const char *pc = lg_postconf_path(), *mc;
	enum pf_kind kind;
	char *file = NULL;
	int pattern;

	if (!c)
		return NULL;
	c->timeout_ms = env->timeout_ms > 0 ? env->timeout_ms : 5000;
	if (!(c->delimiter = strdup(env->delimiter ? env->delimiter : "")) ||
	    (arg && !(c->arg = strdup(arg))))
		goto nomem;
	if (arg && arg[0] == '/') {
		if (!(c->dir = strdup(arg)))
			goto nomem;
	} else if (arg) {
		if (lg_pf_table_kind(strncmp(arg, "proxy:", 6) == 0 ? arg + 6 :
				     arg, &kind, &pattern, &file) != 0) {
			snprintf(err, errsize,
				 "not a config directory (/DIR) nor a table (TYPE:NAME)");
			goto fail;
		}
		free(file);
		if (!(c->table = strdup(strncmp(arg, "proxy:", 6) == 0 ?
					arg + 6 : arg)))
			goto nomem;
	}
	mc = c->dir ? c->dir : getenv("MAIL_CONFIG");
	if (!mc || !*mc)
		mc = "/etc/postfix";
	if (!(c->main_cf = malloc(strlen(mc) + sizeof("/main.cf"))))
		goto nomem;
	sprintf(c->main_cf, "%s/main.cf", mc);
	if (!c->table && access(c->main_cf, R_OK) != 0) {
		snprintf(err, errsize, "%s: %s", c->main_cf, strerror(errno));
		goto fail;
	}
	if (pc)
		c->postconf = strdup(pc);
	else if (!getenv("LOOPGUARD_POSTCONF"))
		c->postconf = find_prog("postconf", NULL);
	if (!c->postconf) {
		snprintf(err, errsize, "postconf is not found%s",
			 getenv("LOOPGUARD_POSTCONF") ?
			 " (LOOPGUARD_POSTCONF is empty)" : "");
		goto fail;
	}
	if (!(c->postmap = find_prog("postmap", c->postconf)) ||
	    !(c->postalias = find_prog("postalias", c->postconf))) {
		snprintf(err, errsize, "%s is not found",
			 c->postmap ? "postalias" : "postmap");
		goto fail;
	}
	c->files[0] = c->table ? NULL : c->main_cf;
	if (!(c->cache = lg_dir_cache_new(env->cache_max, env->cache_ttl_s,
					  env->negative_ttl_s)))
		goto nomem;
	return c;
nomem:
	snprintf(err, errsize, "%s", strerror(ENOMEM));
fail:
	postfix_close(c);
	return NULL;
}

/* postfix_load - a new generation: main.cf and its tables, or the
 * one table */
static void *postfix_load(void *conf, char *err, size_t errsize)
{
	struct pf_conf *c = conf;

	return c->table ? lg_pf_read_single(c, err, errsize) :
		lg_pf_read_main(c, err, errsize);
}

/* postfix_changed - main.cf or a table file moved */
static int postfix_changed(void *conf, const void *gen)
{
	const struct pf_gen *g = gen;
	size_t i;

	(void) conf;
	if (g->main_cf && lg_dir_stamp_moved(&g->main_stamp, g->main_cf))
		return 1;
	for (i = 0; i < g->ntab; i++)
		if (g->tab[i].file &&
		    lg_dir_stamp_moved(&g->tab[i].stamp, g->tab[i].file))
			return 1;
	return 0;
}

/* lg_pf_ask - postmap -q KEY behind the cache */
enum lg_dir_answer lg_pf_ask(struct pf_conf *c, const struct pf_table *t,
			     const char *key, char *err, size_t errsize)
{
	char ck[PF_KEY_MAX + PF_SPEC_MAX + 2];
	time_t now = lg_now();
	enum lg_dir_answer a;
	int hit;

	snprintf(ck, sizeof(ck), "%s\001%s", t->spec, key);
	if ((hit = lg_dir_cache_get(c->cache, ck, now)) != LG_DIR_CACHE_MISS)
		return (enum lg_dir_answer) hit;
	if ((a = lg_pf_query(c, t, key, err, errsize)) != LG_DIR_FAIL)
		lg_dir_cache_put(c->cache, ck, a, now);
	return a;
}

/* The keys of one recipient, folded, in Postfix's order. */
struct keys {
	char    addr[2 * PF_KEY_MAX + 2];	/* local@domain */
	char    base_addr[2 * PF_KEY_MAX + 2];	/* base@domain, or "" */
	char    local[PF_KEY_MAX + 1];
	char    base[PF_KEY_MAX + 1];		/* "" when no extension */
	char    at_domain[PF_KEY_MAX + 2];	/* @domain */
	const char *domain;
};

/* lower - S folded into OUT; -1 when it does not fit */
static int lower(char *out, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		return -1;
	memcpy(out, s, n + 1);
	lg_dir_fold_n(out, n);
	return 0;
}

/* make_keys - the keys of K; -1 when a part is too long */
static int make_keys(struct keys *ks, const struct lg_dir_key *k)
{
	if (lower(ks->local, sizeof(ks->local), k->local) != 0 ||
	    lower(ks->base, sizeof(ks->base), *k->ext ? k->base : "") != 0 ||
	    strlen(k->domain) > PF_KEY_MAX)
		return -1;
	ks->domain = k->domain;
	snprintf(ks->addr, sizeof(ks->addr), "%s@%s", ks->local, k->domain);
	if (ks->base[0])
		snprintf(ks->base_addr, sizeof(ks->base_addr), "%s@%s",
			 ks->base, k->domain);
	else
		ks->base_addr[0] = 0;
	snprintf(ks->at_domain, sizeof(ks->at_domain), "@%s", k->domain);
	return 0;
}

/* ask_table - does table T know the recipient (its keys in order) */
static enum lg_dir_answer ask_table(struct pf_conf *c,
				    const struct pf_table *t,
				    const struct keys *ks, int local,
				    char *err, size_t errsize)
{
	const char *q[5];
	enum lg_dir_answer a, res = LG_DIR_NO;
	size_t n = 0, i;

	switch (t->kind) {
	case PF_STATIC:
		return LG_DIR_YES;
	case PF_PASSWD:
		if (!local)
			return LG_DIR_NO;
		if ((a = lg_dir_passwd_lookup(ks->local, err, errsize)) !=
		    LG_DIR_NO || !ks->base[0])
			return a;
		return lg_dir_passwd_lookup(ks->base, err, errsize);
	case PF_LIST:
	case PF_CDB:
		if (lg_recipients_has_key(t->set, ks->local, ks->domain) ||
		    (ks->base[0] &&
		     lg_recipients_has_key(t->set, ks->base, ks->domain)) ||
		    (local && lg_recipients_has_key(t->set, ks->local, "")) ||
		    (local && ks->base[0] &&
		     lg_recipients_has_key(t->set, ks->base, "")) ||
		    lg_recipients_has_key(t->set, "", ks->domain))
			return LG_DIR_YES;
		return LG_DIR_NO;
	default:
		break;
	}
	q[n++] = ks->addr;
	if (!t->pattern) {
		if (ks->base[0])
			q[n++] = ks->base_addr;
		if (local) {
			q[n++] = ks->local;
			if (ks->base[0])
				q[n++] = ks->base;
		}
		q[n++] = ks->at_domain;
	}
	for (i = 0; i < n; i++) {
		if ((a = lg_pf_ask(c, t, q[i], err, errsize)) == LG_DIR_YES)
			return LG_DIR_YES;
		if (a == LG_DIR_FAIL) {
			res = LG_DIR_FAIL;
			break;	/* one deadline per table, not one per key */
		}
	}
	return res;
}

/* ask_list - each table of L; yes from one is yes */
static enum lg_dir_answer ask_list(struct pf_conf *c, const struct pf_gen *g,
				   const struct pf_list *l,
				   const struct keys *ks, int local,
				   enum lg_dir_answer res, char *err,
				   size_t errsize)
{
	enum lg_dir_answer a;
	char why[256];
	size_t i;

	for (i = 0; i < l->n && res != LG_DIR_YES; i++) {
		why[0] = 0;
		a = ask_table(c, &g->tab[l->at[i]], ks, local, why, sizeof(why));
		if (a == LG_DIR_YES)
			return LG_DIR_YES;
		if (a == LG_DIR_FAIL && res != LG_DIR_FAIL) {
			snprintf(err, errsize, "%s", why);
			res = LG_DIR_FAIL;
		}
	}
	return res;
}

/* postfix_lookup - the class, then its tables (see the top) */
static enum lg_dir_answer postfix_lookup(void *conf, void *gen,
					 const struct lg_dir_key *k,
					 char *err, size_t errsize)
{
	struct pf_conf *c = conf;
	const struct pf_gen *g = gen;
	enum pf_class cls = PF_LOCAL;
	enum lg_dir_answer a;
	struct keys ks;
	int rc;

	if (make_keys(&ks, k) != 0)
		return LG_DIR_NO;	/* longer than any key */
	if (!g->single) {
		if ((rc = lg_pf_class(c, g, k->domain, &cls, err, errsize)) < 0)
			return LG_DIR_FAIL;
		if (rc > 0)
			return LG_DIR_NO;
		if (cls == PF_RELAY && g->relay_all)
			return LG_DIR_YES;
	}
	a = cls == PF_VALIAS ? LG_DIR_NO :
		ask_list(c, g, &g->rtabs[cls], &ks, cls == PF_LOCAL, LG_DIR_NO,
			 err, errsize);
	if (a == LG_DIR_YES)
		return a;
	return ask_list(c, g, &g->valias, &ks, cls == PF_LOCAL, a, err,
			errsize);
}

/* postfix_count - the keys of the listed tables; (size_t) -1 when
 * every table is asked per recipient */
static size_t postfix_count(const void *gen)
{
	const struct pf_gen *g = gen;
	size_t i;

	for (i = 0; i < g->ntab; i++)
		if (g->tab[i].set)
			return g->count;
	return (size_t) -1;
}

/* postfix_each - the keys of every listed table */
static int postfix_each(const void *gen, lg_dir_entry_fn fn, void *arg)
{
	const struct pf_gen *g = gen;
	size_t i;
	int rc;

	for (i = 0; i < g->ntab; i++)
		if (g->tab[i].set &&
		    (rc = lg_recipients_each(g->tab[i].set, fn, arg)) != 0)
			return rc;
	return 0;
}

/* postfix_serves - a single table serves every local domain; an
 * instance the domains of its classes */
static int postfix_serves(void *conf, const void *gen, const char *domain)
{
	const struct pf_gen *g = gen;
	enum pf_class cls;
	char err[256];
	int rc;

	if (g->single)
		return postfix_count(gen) != 0;
	rc = lg_pf_class(conf, g, domain, &cls, err, sizeof(err));
	return rc < 0 ? -1 : rc == 0;
}

/* postfix_files - main.cf, or none for a single table */
static const char *const *postfix_files(void *conf)
{
	return ((struct pf_conf *) conf)->files;
}

/* postfix_free_gen - every table of the generation */
static void postfix_free_gen(void *gen)
{
	lg_pf_gen_free(gen);
}

const struct lg_dir_source_ops lg_dir_src_postfix = {
	.kind = "postfix",
	.arg_optional = 1,
	.open = postfix_open,
	.load = postfix_load,
	.changed = postfix_changed,
	.lookup = postfix_lookup,
	.count = postfix_count,
	.each = postfix_each,
	.serves = postfix_serves,
	.files = postfix_files,
	.free_gen = postfix_free_gen,
	.close = postfix_close,
};

/* lg_dir_postfix_unused - when Postfix is configured here, has
 * recipient tables, and no source reads them: one warning naming them */
void lg_dir_postfix_unused(struct lg_dir *d,
			   void (*fn)(void *arg, const char *finding),
			   void *arg)
{
	static const char *const names[] = {
		"virtual_mailbox_maps", "virtual_alias_maps",
		"relay_recipient_maps"
	};
	const char *argv[] = { lg_postconf_path(), "-hx", names[0], names[1],
			       names[2], NULL };
	char out[4096], why[256], text[1024], *v[3];
	size_t i, len = 0;

	for (i = 0; i < d->n; i++)
		if (d->src[i].ops == &lg_dir_src_postfix)
			return;
	if (!argv[0] || lg_postconf_run(argv, out, sizeof(out), why,
					sizeof(why)) != 0 ||
	    lg_pf_parse_postconf(out, strlen(out), v, 3) != 0)
		return;
	text[0] = 0;
	for (i = 0; i < 3; i++)
		if (*v[i] && len < sizeof(text))
			len += (size_t) snprintf(text + len, sizeof(text) - len,
						 "%s%s = %.200s", len ? "; " : "",
						 names[i], v[i]);
	if (!text[0])
		return;
	{
		char finding[1400];

		snprintf(finding, sizeof(finding),
			 "warning: recipients: Postfix says who exists in %s, but no \"postfix\" source is listed, so loopguard does not know those addresses (add \"postfix\" to recipients)",
			 text);
		fn(arg, finding);
	}
}
