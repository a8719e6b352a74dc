/*
 * NAME
 *	src_sendmail.h - what the "sendmail" source reads from a .cf,
 *	and the readers of its maps and class files
 * SYNOPSIS
 *	#include "src_sendmail.h"
 *
 *	struct lg_sm_cf cf;
 *	if (lg_sm_cf_parse(text, len, &cf, err, sizeof(err)) != 0) ...
 *	lg_sm_cf_free(&cf);
 * DESCRIPTION
 *	lg_sm_cf_parse() reads the parts of a sendmail.cf that decide
 *	which recipients exist: "O AliasFile=" (or the old "OA"), the
 *	virtuser map ("Kvirtuser TYPE [flags] PATH"), class w and class
 *	{VirtHost} ("Cw words", "C{w} words", "Fw[-o] PATH [format]",
 *	"F{VirtHost}..."), and the "Dj" macro when it is literal. A line
 *	that starts with a blank continues the one before; "#" starts a
 *	comment line. Everything else in the file is ignored. Class words
 *	are lower-cased without a trailing dot; words with a macro ("$")
 *	are skipped.
 *
 *	lg_sm_map_parse() reads a map listing, "key<blank>value" a line:
 *	the output of "makemap -u", or the text file makemap reads ("#"
 *	comment lines, blank lines). Each key and its value go to fn.
 *
 *	lg_sm_class_words() reads a class file the way Sendmail does:
 *	"#" comment lines, every blank-separated word of the others (with
 *	first_word, only the first word of a line: a "%s" format).
 *
 *	All three take a buffer and its length (not NUL-terminated), so
 *	they read no file themselves and stop at the bounds below.
 * DIAGNOSTICS
 *	-1 with "LINE N: what is wrong" in err.
 */
#ifndef LG_SRC_SENDMAIL_H
#define LG_SRC_SENDMAIL_H

#include <stddef.h>

#define LG_SM_CF_MAX	((size_t) 16 << 20)	/* a .cf: 16 MB */
#define LG_SM_FILES_MAX	16			/* alias files, class files */
#define LG_SM_WORDS_MAX	100000			/* words of a class */
#define LG_SM_WORD_MAX	255			/* a domain */
#define LG_SM_PATH_MAX	1024

/* A class file: "Fw-o /etc/mail/local-host-names %[^#]". */
struct lg_sm_class_file {
	char   *path;
	int     optional;		/* "-o": a missing file is empty */
	int     first_word;		/* a "%s" format */
};

/* One class: literal words and the files that add to it. */
struct lg_sm_class {
	char  **words;
	size_t  n_words;
	struct lg_sm_class_file files[LG_SM_FILES_MAX];
	size_t  n_files;
};

/* One alias database, "[type:][flags ]path". */
struct lg_sm_alias_file {
	char   *type;			/* "implicit" when none was given */
	char   *path;
};

struct lg_sm_cf {
	struct lg_sm_alias_file aliases[LG_SM_FILES_MAX];
	size_t  n_aliases;
	int     has_virtuser;
	char   *vu_type;		/* "hash", "btree", "text", ... */
	char   *vu_path;		/* as written; hash appends ".db" */
	int     vu_optional;		/* -o */
	int     vu_nofold;		/* -f: keys keep their case */
	int     vu_nul;			/* -N: keys end in a NUL byte */
	struct lg_sm_class w;		/* the local host names */
	struct lg_sm_class virthost;	/* {VirtHost}: virtual domains */
	char   *dj;			/* $j when literal, else NULL */
	unsigned long lines;
};

int lg_sm_cf_parse(const char *text, size_t len, struct lg_sm_cf *cf,
		   char *err, size_t errsize);
void lg_sm_cf_free(struct lg_sm_cf *cf);

/* lg_sm_class_add - one word into a class (folded, de-duplicated by
 * the caller's set); 0, or -1 past LG_SM_WORDS_MAX */
int lg_sm_class_add(struct lg_sm_class *c, const char *word, size_t len);

/* map entry callback: KEY and VALUE NUL-terminated; non-zero stops */
typedef int (*lg_sm_map_fn)(void *arg, const char *key, const char *value);

int lg_sm_map_parse(const char *text, size_t len, lg_sm_map_fn fn,
		    void *arg, char *err, size_t errsize);

int lg_sm_class_words(const char *text, size_t len, int first_word,
		      struct lg_sm_class *c, char *err, size_t errsize);

/* The scanners the readers share (a word ends at a blank or a line end). */

/* blank - a space or a tab */
static inline int blank(int c)
{
	return c == ' ' || c == '\t';
}

/* skip_blanks - past the blanks at P (P < END) */
static inline const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (blank(*p) || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* word_end - the end of the word at P */
static inline const char *word_end(const char *p, const char *end)
{
	while (p < end && !blank(*p) && *p != '\r' && *p != '\n')
		p++;
	return p;
}

#endif
