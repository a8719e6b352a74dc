/*
 * NAME
 *	src_aliases.c - "aliases:PATH": the names of an aliases(5) file
 * DESCRIPTION
 *	The text file, not its .db: "name: value, value", a line that
 *	starts with a blank continues the one before, "#" starts a
 *	comment line. Only the names matter here (every alias is a local
 *	part that exists, whatever it expands to). A name may be quoted
 *	("a b": ...). Loaded whole, again when the file's stamp moves. A
 *	line with no name or no ":" is skipped with a warning naming the
 *	line, as newaliases does; a file that cannot be read fails the
 *	load. The source serves every local domain.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include "log.h"

/* Directory library. */
#include "recipients.h"
#include "dir_kinds.h"
#include "dir_read.h"
#include "dir_stamp.h"

#define FILE_MAX	((size_t) 1 << 30)	/* 1 GB */
#define NAME_LEN	512
#define WARN_MAX	5			/* bad lines logged per load */

struct aliases_conf {
	char   *path;
	const char *files[2];
	int     case_sensitive_local;
};

struct aliases_gen {
	struct lg_recipients *set;
	struct lg_dir_stamp stamp;
};

/* aliases_open - remember the path */
static void *aliases_open(const char *arg, const struct lg_dir_env *env,
			  char *err, size_t errsize)
{
	struct aliases_conf *c = calloc(1, sizeof(*c));

	(void) err;
	(void) errsize;
	if (!c || !(c->path = strdup(arg))) {
		free(c);
		return NULL;
	}
	c->files[0] = c->path;
	c->case_sensitive_local = env->case_sensitive_local;
	return c;
}

/* aliases_free_gen - the set and the generation */
static void aliases_free_gen(void *gen)
{
	struct aliases_gen *g = gen;

	if (!g)
		return;
	lg_recipients_free(&g->set);
	free(g);
}

/* alias_name - the name at the start of LINE, folded into NAME; 0, or
 * -1 when the line has none */
static int alias_name(const char *line, const char *end, char *name,
		      size_t size)
{
	const char *p = line, *s, *e;

	if (*p == '"') {
		s = ++p;
		while (p < end && *p != '"')
			p++;
		if (p >= end)
			return -1;
		e = p++;
	} else {
		s = p;
		while (p < end && *p != ':' && *p != ' ' && *p != '\t')
			p++;
		e = p;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p != ':' || e == s || (size_t) (e - s) >= size)
		return -1;
	for (p = s; p < e; p++)
		if ((unsigned char) *p < ' ' || *p == 0x7f || *p == '@')
			return -1;
	memcpy(name, s, (size_t) (e - s));
	name[e - s] = 0;
	return 0;
}

/* lg_dir_aliases_read - every name of the aliases(5) file PATH into
 * SET (the sendmail source reads its AliasFile with it); 0, or -1 with
 * err when the file cannot be read */
int lg_dir_aliases_read(const char *path, struct lg_recipients *set,
			char *err, size_t errsize)
{
	char *text, *p, *nl, name[NAME_LEN];
	unsigned long lineno = 0, bad = 0;
	size_t len;

	if (!(text = lg_dir_read_file(path, FILE_MAX, &len, NULL, err,
				       errsize)))
		return -1;
	for (p = text; p < text + len; p = nl + 1) {
		lineno++;
		if (!(nl = memchr(p, '\n', (size_t) (text + len - p))))
			nl = text + len;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = ' ';
		if (p == nl || *p == '#' || *p == ' ' || *p == '\t')
			continue;	/* blank, comment, continuation */
		if (alias_name(p, nl, name, sizeof(name)) == 0 &&
		    lg_recipients_add_key(set, name, "") == 0)
			continue;
		if (++bad <= WARN_MAX)
			lg_log(LG_LOG_WARN,
			       "recipients: %s:%lu: not an alias (\"name: value\"); line skipped",
			       path, lineno);
	}
	free(text);
	if (bad > WARN_MAX)
		lg_log(LG_LOG_WARN, "recipients: %s: %lu lines skipped in all",
		       path, bad);
	return 0;
}

/* aliases_load - every name into a new set */
static void *aliases_load(void *conf, char *err, size_t errsize)
{
	struct aliases_conf *c = conf;
	struct aliases_gen *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	lg_dir_stamp_take(&g->stamp, c->path);
	if (!(g->set = lg_recipients_new(c->case_sensitive_local, "")) ||
	    lg_dir_aliases_read(c->path, g->set, err, errsize) != 0) {
		aliases_free_gen(g);
		return NULL;
	}
	return g;
}

/* aliases_changed - the stamp moved */
static int aliases_changed(void *conf, const void *gen)
{
	return lg_dir_stamp_moved(&((const struct aliases_gen *) gen)->stamp,
				  ((struct aliases_conf *) conf)->path);
}

/* aliases_lookup - the local part, then its base */
static enum lg_dir_answer aliases_lookup(void *conf, void *gen,
					 const struct lg_dir_key *k,
					 char *err, size_t errsize)
{
	const struct aliases_gen *g = gen;

	(void) conf;
	(void) err;
	(void) errsize;
	return lg_recipients_has_key(g->set, k->local, "") ||
		(*k->ext && lg_recipients_has_key(g->set, k->base, "")) ?
		LG_DIR_YES : LG_DIR_NO;
}

/* aliases_count - the names loaded */
static size_t aliases_count(const void *gen)
{
	return lg_recipients_count(((const struct aliases_gen *) gen)->set);
}

/* aliases_each - every name, as a bare local part */
static int aliases_each(const void *gen, lg_dir_entry_fn fn, void *arg)
{
	return lg_recipients_each(((const struct aliases_gen *) gen)->set,
				  fn, arg);
}

/* aliases_serves - every local domain */
static int aliases_serves(void *conf, const void *gen, const char *domain)
{
	(void) conf;
	(void) domain;
	return aliases_count(gen) > 0;
}

/* aliases_files - the one file */
static const char *const *aliases_files(void *conf)
{
	return ((struct aliases_conf *) conf)->files;
}

/* aliases_close - the settings */
static void aliases_close(void *conf)
{
	struct aliases_conf *c = conf;

	if (c)
		free(c->path);
	free(c);
}

const struct lg_dir_source_ops lg_dir_src_aliases = {
	.kind = "aliases",
	.arg_optional = 0,
	.open = aliases_open,
	.load = aliases_load,
	.changed = aliases_changed,
	.lookup = aliases_lookup,
	.count = aliases_count,
	.each = aliases_each,
	.serves = aliases_serves,
	.files = aliases_files,
	.free_gen = aliases_free_gen,
	.close = aliases_close,
};
