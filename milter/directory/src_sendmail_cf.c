/*
 * NAME
 *	src_sendmail_cf.c - the parts of a sendmail.cf that decide who
 *	exists (src_sendmail_map.c reads Sendmail's map listings and
 *	class files)
 * SYNOPSIS
 *	#include "src_sendmail.h"
 * DESCRIPTION
 *	See src_sendmail.h. Each reader works on a buffer of a bounded
 *	length and copies what it keeps, so a .cf of any content gives a
 *	result or an error, never a read past its end.
 *
 *	The .cf is read as Sendmail's readcf() reads it: a line starting
 *	with a blank or a tab continues the one before; a line starting
 *	with "#" is a comment; the first byte of a line is its command.
 *	Only C, F, K, O and D lines are looked at; an unknown or odd line
 *	is left to Sendmail, which says so itself at its start.
 *
 *	What cannot be followed is an error rather than a guess, so the
 *	source fails its load instead of missing a local domain: a class
 *	file read from a program ("Fw|/bin/prog"), a class file format
 *	other than "%s" or "%[...]", more than LG_SM_FILES_MAX alias or
 *	class files, a "Kvirtuser" line without a type, a NUL byte.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Directory library. */
#include "dir_read.h"
#include "src_sendmail.h"

/* dup_n - a NUL-terminated copy of N bytes, or NULL */
static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* lg_sm_class_add - see src_sendmail.h: folded, one trailing dot cut;
 * a word with a macro, a NUL or too long is not a host name: skipped */
int lg_sm_class_add(struct lg_sm_class *c, const char *word, size_t len)
{
	char **grown, *w;

	if (len > 1 && word[len - 1] == '.')
		len--;
	if (len == 0 || len > LG_SM_WORD_MAX || memchr(word, '$', len) ||
	    memchr(word, 0, len))
		return 0;
	if (c->n_words >= LG_SM_WORDS_MAX)
		return -1;
	if ((c->n_words & (c->n_words - 1)) == 0) {	/* 0, 1, 2, 4, ... */
		grown = realloc(c->words,
				(c->n_words ? 2 * c->n_words : 1) *
				sizeof(*grown));
		if (!grown)
			return -1;
		c->words = grown;
	}
	if (!(w = dup_n(word, len)))
		return -1;
	lg_dir_fold_n(w, len);
	c->words[c->n_words++] = w;
	return 0;
}

/* class_free - the words and files of a class */
static void class_free(struct lg_sm_class *c)
{
	size_t i;

	for (i = 0; i < c->n_words; i++)
		free(c->words[i]);
	free(c->words);
	for (i = 0; i < c->n_files; i++)
		free(c->files[i].path);
	memset(c, 0, sizeof(*c));
}

/* lg_sm_cf_free - everything lg_sm_cf_parse kept */
void lg_sm_cf_free(struct lg_sm_cf *cf)
{
	size_t i;

	if (!cf)
		return;
	for (i = 0; i < cf->n_aliases; i++) {
		free(cf->aliases[i].type);
		free(cf->aliases[i].path);
	}
	free(cf->vu_type);
	free(cf->vu_path);
	free(cf->dj);
	class_free(&cf->w);
	class_free(&cf->virthost);
	memset(cf, 0, sizeof(*cf));
}

/* class_of - the class a C or F line names at P ("w" or "{name}"),
 * the bytes after the name in *rest; NULL when not one we read */
static struct lg_sm_class *class_of(struct lg_sm_cf *cf, const char *p,
				    const char *end, const char **rest)
{
	const char *close;
	size_t n;

	if (p >= end)
		return NULL;
	if (*p != '{') {
		*rest = p + 1;
		return *p == 'w' ? &cf->w : NULL;
	}
	if (!(close = memchr(p, '}', (size_t) (end - p))))
		return NULL;
	*rest = close + 1;
	n = (size_t) (close - p - 1);
	if (n == 1 && p[1] == 'w')
		return &cf->w;
	if (n == 8 && strncmp(p + 1, "VirtHost", 8) == 0)
		return &cf->virthost;
	return NULL;
}

/* line_c - "Cw word word", "C{VirtHost}word" */
static int line_c(struct lg_sm_cf *cf, const char *p, const char *end,
		  char *err, size_t errsize)
{
	struct lg_sm_class *c = class_of(cf, p, end, &p);
	const char *e;

	while (c && (p = skip_blanks(p, end)) < end) {
		e = word_end(p, end);
		if (lg_sm_class_add(c, p, (size_t) (e - p)) != 0) {
			snprintf(err, errsize,
				 "class has more than %d words, or no memory",
				 LG_SM_WORDS_MAX);
			return -1;
		}
		p = e;
	}
	return 0;
}

/* line_f - "Fw/path", "Fw-o /path", "F{w}/path %[^#]" */
static int line_f(struct lg_sm_cf *cf, const char *p, const char *end,
		  char *err, size_t errsize)
{
	struct lg_sm_class *c = class_of(cf, p, end, &p);
	struct lg_sm_class_file *f;
	const char *e, *fmt;
	int optional = 0;

	if (!c)
		return 0;
	p = skip_blanks(p, end);
	if (end - p >= 2 && p[0] == '-' && p[1] == 'o') {
		optional = 1;
		p = skip_blanks(p + 2, end);
	}
	if (p < end && *p == '|') {
		snprintf(err, errsize,
			 "a class file read from a program (%.*s) cannot be followed",
			 (int) (word_end(p, end) - p > 80 ? 80 :
				word_end(p, end) - p), p);
		return -1;
	}
	e = word_end(p, end);
	if (e == p || e - p > LG_SM_PATH_MAX || memchr(p, '$', (size_t) (e - p))) {
		snprintf(err, errsize, "a class file line without a plain path");
		return -1;
	}
	if (c->n_files >= LG_SM_FILES_MAX) {
		snprintf(err, errsize, "more than %d files for one class",
			 LG_SM_FILES_MAX);
		return -1;
	}
	f = &c->files[c->n_files];
	memset(f, 0, sizeof(*f));
	fmt = skip_blanks(e, end);
	if (fmt < end) {
		if (end - fmt >= 2 && fmt[0] == '%' && fmt[1] == 's')
			f->first_word = 1;
		else if (!(end - fmt >= 2 && fmt[0] == '%' && fmt[1] == '[')) {
			snprintf(err, errsize,
				 "class file format \"%.*s\" is not one read here (%%s or %%[...])",
				 (int) (end - fmt > 40 ? 40 : end - fmt), fmt);
			return -1;
		}
	}
	if (!(f->path = dup_n(p, (size_t) (e - p)))) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	f->optional = optional;
	c->n_files++;
	return 0;
}

/* line_k - "Kvirtuser TYPE [-flags...] PATH" */
static int line_k(struct lg_sm_cf *cf, const char *p, const char *end,
		  char *err, size_t errsize)
{
	const char *e = word_end(p, end);

	if (e - p != 8 || strncmp(p, "virtuser", 8) != 0)
		return 0;
	free(cf->vu_type);
	free(cf->vu_path);
	cf->vu_type = cf->vu_path = NULL;
	cf->vu_optional = cf->vu_nofold = cf->vu_nul = 0;
	cf->has_virtuser = 1;
	p = skip_blanks(e, end);
	e = word_end(p, end);
	if (e == p || e - p > 64) {
		snprintf(err, errsize, "Kvirtuser without a map type");
		return -1;
	}
	if (!(cf->vu_type = dup_n(p, (size_t) (e - p))))
		goto nomem;
	for (p = skip_blanks(e, end); p < end; p = skip_blanks(e, end)) {
		e = word_end(p, end);
		if (*p != '-') {
			if (e - p > LG_SM_PATH_MAX) {
				snprintf(err, errsize, "Kvirtuser: path too long");
				return -1;
			}
			if (!(cf->vu_path = dup_n(p, (size_t) (e - p))))
				goto nomem;
			break;
		}
		if (e - p == 2 && p[1] == 'o')
			cf->vu_optional = 1;
		else if (e - p == 2 && p[1] == 'f')
			cf->vu_nofold = 1;
		else if (e - p == 2 && p[1] == 'N')
			cf->vu_nul = 1;
	}
	return 0;
nomem:
	snprintf(err, errsize, "out of memory");
	return -1;
}

/* alias_entry - one entry of the AliasFile list: "path",
 * "type:path" or "type:-flags path" */
static int alias_entry(struct lg_sm_cf *cf, const char *p, const char *end,
		       char *err, size_t errsize)
{
	struct lg_sm_alias_file *a;
	const char *colon, *e, *path = NULL, *pend = NULL;

	p = skip_blanks(p, end);
	while (end > p && (blank(end[-1]) || end[-1] == '\r' ||
			   end[-1] == '\n'))
		end--;
	if (p == end)
		return 0;
	if (cf->n_aliases >= LG_SM_FILES_MAX) {
		snprintf(err, errsize, "more than %d alias files",
			 LG_SM_FILES_MAX);
		return -1;
	}
	a = &cf->aliases[cf->n_aliases];
	colon = memchr(p, ':', (size_t) (end - p));
	if (*p == '/' || !colon) {
		a->type = strdup("implicit");
		path = p;
		pend = word_end(p, end);
	} else {
		a->type = dup_n(p, (size_t) (colon - p));
		for (p = skip_blanks(colon + 1, end); p < end;
		     p = skip_blanks(e, end)) {
			e = word_end(p, end);
			if (*p != '-') {
				path = p;
				pend = e;
			}
		}
	}
	if (!a->type) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	if (!path || pend - path > LG_SM_PATH_MAX) {
		/* a map without a path (nis, ldap, ...): the source says */
		a->path = NULL;
	} else if (!(a->path = dup_n(path, (size_t) (pend - path)))) {
		free(a->type);
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	cf->n_aliases++;
	return 0;
}

/* alias_list - "a,b,c" */
static int alias_list(struct lg_sm_cf *cf, const char *p, const char *end,
		      char *err, size_t errsize)
{
	const char *comma;

	for (;;) {
		comma = memchr(p, ',', (size_t) (end - p));
		if (alias_entry(cf, p, comma ? comma : end, err, errsize) != 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* line_o - "O AliasFile=list" or the old "OAlist" */
static int line_o(struct lg_sm_cf *cf, const char *p, const char *end,
		  char *err, size_t errsize)
{
	const char *e;

	if (p < end && *p == 'A')
		return alias_list(cf, p + 1, end, err, errsize);
	if (p >= end || !blank(*p))
		return 0;
	p = skip_blanks(p, end);
	for (e = p; e < end && *e != '=' && !blank(*e); e++)
		;
	if (e - p != 9 || strncasecmp(p, "AliasFile", 9) != 0)
		return 0;
	e = skip_blanks(e, end);
	if (e >= end || *e != '=')
		return 0;
	return alias_list(cf, e + 1, end, err, errsize);
}

/* line_d - "Dj name" when it has no macro */
static int line_d(struct lg_sm_cf *cf, const char *p, const char *end,
		  char *err, size_t errsize)
{
	struct lg_sm_class one;

	if (p >= end || *p != 'j')
		return 0;
	memset(&one, 0, sizeof(one));
	p = skip_blanks(p + 1, end);
	if (lg_sm_class_add(&one, p, (size_t) (word_end(p, end) - p)) != 0) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	free(cf->dj);
	cf->dj = one.n_words ? one.words[0] : NULL;
	free(one.words);
	return 0;
}

/* one_line - a logical line, continuations joined */
static int one_line(struct lg_sm_cf *cf, const char *p, const char *end,
		    char *err, size_t errsize)
{
	if (p >= end)
		return 0;
	switch (*p) {
	case 'C':
		return line_c(cf, p + 1, end, err, errsize);
	case 'F':
		return line_f(cf, p + 1, end, err, errsize);
	case 'K':
		return line_k(cf, p + 1, end, err, errsize);
	case 'O':
		return line_o(cf, p + 1, end, err, errsize);
	case 'D':
		return line_d(cf, p + 1, end, err, errsize);
	default:
		return 0;
	}
}

/* lg_sm_cf_parse - see src_sendmail.h */
int lg_sm_cf_parse(const char *text, size_t len, struct lg_sm_cf *cf,
		   char *err, size_t errsize)
{
	const char *p = text, *end = text + len, *nl, *start;
	char why[300];
	unsigned long lineno = 0, first;

	memset(cf, 0, sizeof(*cf));
	if (len > LG_SM_CF_MAX) {
		snprintf(err, errsize, "larger than %zu MB",
			 LG_SM_CF_MAX >> 20);
		return -1;
	}
	if ((nl = memchr(text, 0, len))) {
		for (p = text; p < nl; p++)
			lineno += *p == '\n';
		snprintf(err, errsize, "line %lu: a NUL byte: not a text file",
			 lineno + 1);
		return -1;
	}
	while (p < end) {
		/* a logical line: this one and those that start blank */
		start = p;
		first = ++lineno;
		for (;;) {
			nl = memchr(p, '\n', (size_t) (end - p));
			p = nl ? nl + 1 : end;
			if (p >= end || !blank(*p))
				break;
			lineno++;
		}
		if (*start == '#')
			continue;
		why[0] = 0;
		if (one_line(cf, start, nl && nl < end ? p - 1 : p, why,
			     sizeof(why)) != 0) {
			snprintf(err, errsize, "line %lu: %s", first, why);
			cf->lines = lineno;
			return -1;
		}
	}
	cf->lines = lineno;
	return 0;
}
