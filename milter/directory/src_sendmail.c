/*
 * NAME
 *	src_sendmail.c - "sendmail" and "sendmail:CF": who exists for
 *	Sendmail, read from its own configuration
 * DESCRIPTION
 *	The .cf (/etc/mail/sendmail.cf, or the one the spec names) says
 *	where everything else is (src_sendmail_cf.c reads it;
 *	src_sendmail_vu.c reads and asks the virtusertable):
 *
 *	- class w: the "Cw" words, the "Fw" files (local-host-names, a
 *	  missing one is an error unless "-o"), the literal $j and this
 *	  host's name, which Sendmail adds itself; class {VirtHost}
 *	  likewise (VIRTUSER_DOMAIN, VIRTUSER_DOMAIN_FILE);
 *	- the virtusertable ("Kvirtuser TYPE [flags] PATH"): the database
 *	  Sendmail reads, listed with "makemap -u TYPE PATH" (the makemap
 *	  in $LOOPGUARD_MAKEMAP, else in the usual sbin and libexec
 *	  folders), or the text source beside it when that is newer than
 *	  the database, when there is no database, or when there is no
 *	  makemap; the load log says which was read and why;
 *	- the AliasFile list: each text file read as aliases(5) says (the
 *	  parser of src_aliases.c);
 *	- the accounts: getpwnam_r, live (lg_dir_passwd_lookup).
 *
 *	A lookup follows Sendmail's rules (cf/m4/proto.m4 8.17). Only a
 *	domain in class w or {VirtHost} is Sendmail's own; there the
 *	virtusertable is asked for local+detail@domain, then, when the
 *	local part has a "+detail", user++@domain (detail not empty),
 *	user+*@domain, user@domain, ++@domain (detail not empty),
 *	+*@domain, and last @domain. The first key found decides: a value
 *	"error:..." means the address does not exist (Sendmail rejects
 *	it), any other value that it does. With no key found, a class w
 *	domain is delivered locally: the address exists when the local
 *	part is an alias (local+detail, user+*, user, as Sendmail's
 *	ruleset 5 tries them) or user is an account. A {VirtHost} domain
 *	not in class w has only its virtusertable. The "+" is Sendmail's
 *	own delimiter, whatever recipient_delimiter says.
 *
 *	The source serves the domains of class w and {VirtHost}. Entries
 *	of the virtusertable for other domains are never used by Sendmail
 *	and are logged at the load.
 *
 *	Live: the stamps of the .cf, the alias files, the class files and
 *	the virtusertable (database and text) are compared about once a
 *	second; the directory reloads when one moved.
 *
 *	FAIL: a file that cannot be read (the .cf, an alias file, a class
 *	file without -o, the virtusertable when not -o), a map type that
 *	cannot be listed (ldap, nis, ...), a makemap that fails, times
 *	out or writes more than LIST_MAX bytes: the load fails with the
 *	reason, so the directory keeps the previous generation (at start,
 *	a config error). An account lookup that fails is FAIL for that
 *	recipient.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Utility library. */
#include "log.h"
#include "postconf.h"

/* Directory library. */
#include "recipients.h"
#include "dir_kinds.h"
#include "dir_read.h"
#include "dir_stamp.h"
#include "src_sendmail.h"
#include "src_sendmail_impl.h"

#define DEFAULT_CF	"/etc/mail/sendmail.cf"
#define CLASS_FILE_MAX	((size_t) 16 << 20)	/* a class file: 16 MB */

/* makemap_path - $LOOPGUARD_MAKEMAP (empty: none), else the first
 * runnable makemap of the usual folders, else NULL */
static const char *makemap_path(void)
{
	static const char *const dirs[] = {
		"/usr/sbin/makemap", "/usr/bin/makemap",
		"/usr/libexec/sendmail/makemap", "/usr/local/sbin/makemap",
		"/usr/lib/sendmail/makemap", NULL
	};
	const char *env = getenv("LOOPGUARD_MAKEMAP");
	size_t i;

	if (env)
		return *env ? env : NULL;
	for (i = 0; dirs[i]; i++)
		if (access(dirs[i], X_OK) == 0)
			return dirs[i];
	return NULL;
}

/* sm_open - the .cf to read */
static void *sm_open(const char *arg, const struct lg_dir_env *env,
		     char *err, size_t errsize)
{
	struct sm_conf *c = calloc(1, sizeof(*c));
	const char *mm = makemap_path();

	if (arg && arg[0] != '/') {
		snprintf(err, errsize,
			 "sendmail takes the absolute path of a .cf (sendmail:/etc/mail/sendmail.cf)");
		free(c);
		return NULL;
	}
	if (!c || !(c->cf = strdup(arg ? arg : DEFAULT_CF)) ||
	    (mm && !(c->makemap = strdup(mm)))) {
		if (c)
			free(c->cf);
		free(c);
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return NULL;
	}
	c->inputs[0] = strdup(c->cf);	/* NULL: an empty list */
	c->case_sensitive_local = env->case_sensitive_local;
	c->timeout_ms = env->timeout_ms > 0 ? env->timeout_ms : 5000;
	return c;
}

/* sm_free_gen - the sets and the stamps */
static void sm_free_gen(void *gen)
{
	struct sm_gen *g = gen;
	size_t i;

	if (!g)
		return;
	lg_recipients_free(&g->w);
	lg_recipients_free(&g->vh);
	lg_recipients_free(&g->vu);
	lg_recipients_free(&g->vu_err);
	lg_recipients_free(&g->local);
	for (i = 0; i < g->n_stamps; i++)
		free(g->stamps[i].path);
	free(g);
}

/* lg_sm_stamp - remember PATH as an input of G; 0 or -1 */
int lg_sm_stamp(struct sm_gen *g, const char *path)
{
	if (g->n_stamps >= STAMPS_MAX)
		return 0;	/* cannot happen: the cf reader's bounds */
	if (!(g->stamps[g->n_stamps].path = strdup(path)))
		return -1;
	lg_dir_stamp_take(&g->stamps[g->n_stamps].st, path);
	g->n_stamps++;
	return 0;
}

/* add_class - the words and files of CLASS into SET */
static int add_class(struct sm_gen *g, struct lg_sm_class *class,
		     struct lg_recipients *set, const char *what,
		     char *err, size_t errsize)
{
	char why[512], *text;
	size_t i, len;

	for (i = 0; i < class->n_files; i++) {
		struct lg_sm_class_file *f = &class->files[i];

		if (lg_sm_stamp(g, f->path) != 0)
			goto nomem;
		if (!(text = lg_dir_read_file(f->path, CLASS_FILE_MAX, &len,
					      NULL, why, sizeof(why)))) {
			if (errno == ENOENT && f->optional)
				continue;
			snprintf(err, errsize, "%s %s", what, why);
			return -1;
		}
		if (lg_sm_class_words(text, len, f->first_word, class, why,
				      sizeof(why)) != 0) {
			free(text);
			snprintf(err, errsize, "%s %s: %s", what, f->path, why);
			return -1;
		}
		free(text);
	}
	for (i = 0; i < class->n_words; i++)
		if (lg_recipients_add_key(set, "", class->words[i]) != 0 &&
		    !lg_recipients_has_key(set, "", class->words[i]))
			goto nomem;
	return 0;
nomem:
	snprintf(err, errsize, "%s", strerror(ENOMEM));
	return -1;
}

/* add_aliases - each file of the AliasFile list */
static int add_aliases(struct sm_gen *g, const struct lg_sm_cf *cf,
		       char *err, size_t errsize)
{
	static const char *const types[] = {
		"implicit", "hash", "btree", "dbm", "cdb", "text", NULL
	};
	char why[512];
	size_t i, t;

	for (i = 0; i < cf->n_aliases; i++) {
		const struct lg_sm_alias_file *a = &cf->aliases[i];

		for (t = 0; types[t] && strcmp(types[t], a->type) != 0; t++)
			;
		if (!types[t] || !a->path) {
			snprintf(err, errsize,
				 "AliasFile %s%s%s: only files (the text of hash, btree, dbm, cdb or text maps) can be read",
				 a->type, a->path ? ":" : "",
				 a->path ? a->path : "");
			return -1;
		}
		if (lg_sm_stamp(g, a->path) != 0) {
			snprintf(err, errsize, "%s", strerror(ENOMEM));
			return -1;
		}
		if (lg_dir_aliases_read(a->path, g->local, why,
					sizeof(why)) != 0) {
			snprintf(err, errsize, "AliasFile %s", why);
			return -1;
		}
	}
	return 0;
}

/* this_host - the host's own name: Sendmail puts it in class w */
static void this_host(struct lg_sm_class *w)
{
	char name[256];

	if (gethostname(name, sizeof(name) - 1) == 0) {
		name[sizeof(name) - 1] = 0;
		if (strchr(name, '.'))
			(void) lg_sm_class_add(w, name, strlen(name));
	}
}

/* keep_inputs - the files G was read from, for sm_files (a failed
 * load keeps the list of the generation in use) */
static void keep_inputs(struct sm_conf *c, const struct sm_gen *g)
{
	size_t i, n = 0;

	for (i = 0; c->inputs[i]; i++)
		free(c->inputs[i]);
	for (i = 0; i < g->n_stamps; i++)
		if ((c->inputs[n] = strdup(g->stamps[i].path)))
			n++;
	c->inputs[n] = NULL;
}

/* sm_load - read the .cf, then everything it names */
static void *sm_load(void *conf, char *err, size_t errsize)
{
	struct sm_conf *c = conf;
	struct sm_gen *g = calloc(1, sizeof(*g));
	struct lg_sm_cf cf;
	char why[512], *text = NULL;
	size_t len;

	memset(&cf, 0, sizeof(cf));
	if (!g || lg_sm_stamp(g, c->cf) != 0)
		goto nomem;
	if (!(text = lg_dir_read_file(c->cf, LG_SM_CF_MAX, &len, NULL, err,
				       errsize)))
		goto fail;
	if (lg_sm_cf_parse(text, len, &cf, why, sizeof(why)) != 0) {
		snprintf(err, errsize, "%s: %s", c->cf, why);
		goto fail;
	}
	free(text);
	text = NULL;
	if (cf.dj)
		(void) lg_sm_class_add(&cf.w, cf.dj, strlen(cf.dj));
	this_host(&cf.w);
	g->vu_fold = !cf.vu_nofold;
	if (!(g->w = lg_recipients_new(0, "")) ||
	    !(g->vh = lg_recipients_new(0, "")) ||
	    !(g->vu = lg_recipients_new(!g->vu_fold, "")) ||
	    !(g->vu_err = lg_recipients_new(!g->vu_fold, "")) ||
	    !(g->local = lg_recipients_new(c->case_sensitive_local, "")))
		goto nomem;
	if (add_class(g, &cf.w, g->w, "class w file", err, errsize) != 0 ||
	    add_class(g, &cf.virthost, g->vh, "class {VirtHost} file", err,
		      errsize) != 0 ||
	    add_aliases(g, &cf, err, errsize) != 0 ||
	    lg_sm_add_virtuser(c, g, &cf, err, errsize) != 0)
		goto fail;
	lg_log(LG_LOG_INFO,
	       "recipients: sendmail %s: %zu local domains (class w), %zu virtual (VirtHost), %zu alias names%s",
	       c->cf, lg_recipients_count(g->w), lg_recipients_count(g->vh),
	       lg_recipients_count(g->local),
	       cf.has_virtuser ? "" : ", no virtusertable");
	lg_sm_cf_free(&cf);
	keep_inputs(c, g);
	return g;
nomem:
	snprintf(err, errsize, "%s", strerror(ENOMEM));
fail:
	free(text);
	lg_sm_cf_free(&cf);
	sm_free_gen(g);
	return NULL;
}

/* sm_changed - one of the inputs moved */
static int sm_changed(void *conf, const void *gen)
{
	const struct sm_gen *g = gen;
	size_t i;

	(void) conf;
	for (i = 0; i < g->n_stamps; i++)
		if (lg_dir_stamp_moved(&g->stamps[i].st, g->stamps[i].path))
			return 1;
	return 0;
}

/* sm_lookup - virtusertable, then local delivery (see the top) */
static enum lg_dir_answer sm_lookup(void *conf, void *gen,
				    const struct lg_dir_key *k, char *err,
				    size_t errsize)
{
	const struct sm_gen *g = gen;
	const char *plus = k->local[0] ? strchr(k->local + 1, '+') : NULL;
	char user[LOCAL_MAX];
	int r;

	(void) conf;
	if (lg_recipients_has_key(g->vh, "", k->domain) ||
	    lg_recipients_has_key(g->w, "", k->domain)) {
		if ((r = lg_sm_virtuser(g, k->local, k->domain)) >= 0)
			return r ? LG_DIR_YES : LG_DIR_NO;
	}
	if (!lg_recipients_has_key(g->w, "", k->domain))
		return LG_DIR_NO;
	if (lg_recipients_has_key(g->local, k->local, ""))
		return LG_DIR_YES;
	if (plus) {
		if ((size_t) (plus - k->local) + 3 > sizeof(user))
			return LG_DIR_NO;
		memcpy(user, k->local, (size_t) (plus - k->local));
		strcpy(user + (plus - k->local), "+*");
		if (lg_recipients_has_key(g->local, user, ""))
			return LG_DIR_YES;
		user[plus - k->local] = 0;
		if (lg_recipients_has_key(g->local, user, ""))
			return LG_DIR_YES;
		return lg_dir_passwd_lookup(user, err, errsize);
	}
	return lg_dir_passwd_lookup(k->local, err, errsize);
}

/* sm_count - the virtusertable's keys and the alias names */
static size_t sm_count(const void *gen)
{
	const struct sm_gen *g = gen;

	return lg_recipients_count(g->vu) + lg_recipients_count(g->local);
}

/* sm_each - the virtusertable's keys, then the alias names */
static int sm_each(const void *gen, lg_dir_entry_fn fn, void *arg)
{
	const struct sm_gen *g = gen;
	int rc = lg_recipients_each(g->vu, fn, arg);

	return rc ? rc : lg_recipients_each(g->local, fn, arg);
}

/* sm_serves - the domains of class w and {VirtHost} */
static int sm_serves(void *conf, const void *gen, const char *domain)
{
	const struct sm_gen *g = gen;

	(void) conf;
	return lg_recipients_has_key(g->w, "", domain) ||
		lg_recipients_has_key(g->vh, "", domain);
}

/* sm_files - the inputs of the last load, the .cf before any */
static const char *const *sm_files(void *conf)
{
	return (const char *const *) ((struct sm_conf *) conf)->inputs;
}

/* sm_close - the settings and the input list */
static void sm_close(void *conf)
{
	struct sm_conf *c = conf;
	size_t i;

	if (!c)
		return;
	for (i = 0; c->inputs[i]; i++)
		free(c->inputs[i]);
	free(c->cf);
	free(c->makemap);
	free(c);
}

const struct lg_dir_source_ops lg_dir_src_sendmail = {
	.kind = "sendmail",
	.arg_optional = 1,
	.open = sm_open,
	.load = sm_load,
	.changed = sm_changed,
	.lookup = sm_lookup,
	.count = sm_count,
	.each = sm_each,
	.serves = sm_serves,
	.files = sm_files,
	.free_gen = sm_free_gen,
	.close = sm_close,
};
