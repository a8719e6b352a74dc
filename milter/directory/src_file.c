/*
 * NAME
 *	src_file.c - "file:PATH" (or a bare path): one address a line
 * DESCRIPTION
 *	The format of recipients.h: "user@domain", "@domain" for a whole
 *	domain, "#" comments. Loaded whole into a hash set, and again
 *	when the file's stamp moves; a line that is not an address makes
 *	the load fail with PATH:LINE, so the entries in use stay.
 *	A lookup tries "@domain", the address, then the address without
 *	its extension.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Directory library. */
#include "recipients.h"
#include "dir_kinds.h"
#include "dir_stamp.h"

struct file_conf {
	char   *path;
	const char *files[2];
	int     case_sensitive_local;
	char   *delimiter;
};

struct file_gen {
	struct lg_recipients *set;
	struct lg_dir_stamp stamp;
};

/* file_open - remember the path */
static void *file_open(const char *arg, const struct lg_dir_env *env,
		       char *err, size_t errsize)
{
	struct file_conf *c = calloc(1, sizeof(*c));

	(void) err;
	(void) errsize;
	if (!c || !(c->path = strdup(arg)) ||
	    !(c->delimiter = strdup(env->delimiter ? env->delimiter : ""))) {
		if (c)
			free(c->path);
		free(c);
		return NULL;
	}
	c->files[0] = c->path;
	c->case_sensitive_local = env->case_sensitive_local;
	return c;
}

/* file_free_gen - the set and the generation */
static void file_free_gen(void *gen)
{
	struct file_gen *g = gen;

	if (!g)
		return;
	lg_recipients_free(&g->set);
	free(g);
}

/* file_load - the whole file into a new set */
static void *file_load(void *conf, char *err, size_t errsize)
{
	struct file_conf *c = conf;
	struct file_gen *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	lg_dir_stamp_take(&g->stamp, c->path);
	if (!(g->set = lg_recipients_new(c->case_sensitive_local,
					 c->delimiter)) ||
	    lg_recipients_load(g->set, c->path, err, errsize) != 0) {
		file_free_gen(g);
		return NULL;
	}
	return g;
}

/* file_changed - the stamp moved */
static int file_changed(void *conf, const void *gen)
{
	const struct file_gen *g = gen;

	return lg_dir_stamp_moved(&g->stamp, ((struct file_conf *) conf)->path);
}

/* file_lookup - "@domain", the address, its base */
static enum lg_dir_answer file_lookup(void *conf, void *gen,
				      const struct lg_dir_key *k, char *err,
				      size_t errsize)
{
	const struct file_gen *g = gen;

	(void) conf;
	(void) err;
	(void) errsize;
	return lg_recipients_has_key(g->set, "", k->domain) ||
		lg_recipients_has_key(g->set, k->local, k->domain) ||
		(*k->ext && lg_recipients_has_key(g->set, k->base, k->domain)) ?
		LG_DIR_YES : LG_DIR_NO;
}

/* file_count - the entries loaded */
static size_t file_count(const void *gen)
{
	return lg_recipients_count(((const struct file_gen *) gen)->set);
}

/* file_each - every entry of the set */
static int file_each(const void *gen, lg_dir_entry_fn fn, void *arg)
{
	return lg_recipients_each(((const struct file_gen *) gen)->set, fn, arg);
}

/* domain_hit - lg_dir_entry_fn: stop at the first entry of a domain */
static int domain_hit(void *arg, const char *local, const char *domain)
{
	(void) local;
	return strcmp(domain, (const char *) arg) == 0;
}

/* file_serves - the file has an entry in DOMAIN */
static int file_serves(void *conf, const void *gen, const char *domain)
{
	(void) conf;
	return file_each(gen, domain_hit, (void *) domain) > 0;
}

/* file_files - the one file */
static const char *const *file_files(void *conf)
{
	return ((struct file_conf *) conf)->files;
}

/* file_close - the settings */
static void file_close(void *conf)
{
	struct file_conf *c = conf;

	if (!c)
		return;
	free(c->path);
	free(c->delimiter);
	free(c);
}

const struct lg_dir_source_ops lg_dir_src_file = {
	.kind = "file",
	.arg_optional = 0,
	.open = file_open,
	.load = file_load,
	.changed = file_changed,
	.lookup = file_lookup,
	.count = file_count,
	.each = file_each,
	.serves = file_serves,
	.files = file_files,
	.free_gen = file_free_gen,
	.close = file_close,
};
