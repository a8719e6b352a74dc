/*
 * NAME
 *	src_postfix.h - the "postfix" source's inside, shared by
 *	src_postfix_conf.c (postconf and the address classes),
 *	src_postfix_parse.c (lists and postconf's answer cut up),
 *	src_postfix_table.c (loading and listing tables),
 *	src_postfix_lmdb.c (lmdb tables read with liblmdb) and
 *	src_postfix.c (the source's operations, per-recipient queries)
 * SYNOPSIS
 *	#include "src_postfix.h"
 * DESCRIPTION
 *	A generation holds the tables that one reading of main.cf named,
 *	each once (a table named by two parameters is loaded once), and
 *	for each address class the domains it covers and the tables that
 *	say who exists there.
 */
#ifndef LG_SRC_POSTFIX_H
#define LG_SRC_POSTFIX_H

#include <stddef.h>
#include <sys/types.h>

/* Directory library. */
#include "dir_cache.h"
#include "dir_source.h"
#include "dir_stamp.h"
#include "recipients.h"

#define PF_KEY_MAX	512		/* longest key given to postmap -q */
#define PF_SPEC_MAX	1024		/* longest TYPE:NAME */
#define PF_OUT_MAX	((size_t) 1 << 30)	/* bound of one listing */

/* How a table is read. */
enum pf_kind {
	PF_LIST,		/* listed whole with postmap -s / postalias -s;
				 * lmdb read with liblmdb */
	PF_CDB,			/* cdb: read directly (no sequence operation) */
	PF_QUERY,		/* asked per recipient with postmap -q */
	PF_STATIC,		/* static:X, every key exists */
	PF_PASSWD		/* unix:passwd.byname, getpwnam_r */
};

struct pf_table {
	char   *spec;			/* TYPE:NAME, proxy: stripped */
	enum pf_kind kind;
	int     alias;			/* from alias_maps: postalias */
	int     pattern;		/* regexp, pcre, ...: the address only */
	char   *file;			/* whose stamp is watched, or NULL */
	struct lg_dir_stamp stamp;
	struct lg_recipients *set;	/* PF_LIST, PF_CDB */
};

/* The address classes of ADDRESS_CLASS_README. */
enum pf_class { PF_LOCAL, PF_VALIAS, PF_VMAILBOX, PF_RELAY, PF_NCLASS };

struct pf_list {
	size_t *at;			/* indexes into pf_gen.tab */
	size_t  n;
};

struct pf_gen {
	struct pf_table *tab;
	size_t  ntab;
	struct lg_recipients *domains[PF_NCLASS];	/* "@domain" keys */
	struct pf_list dtabs[PF_NCLASS];	/* tables of domain names */
	struct pf_list rtabs[PF_NCLASS];	/* who exists in the class */
	struct pf_list valias;			/* counted in every class */
	int     relay_all;		/* relay_recipient_maps empty */
	int     single;			/* postfix:TYPE:NAME */
	char   *main_cf;		/* DIR/main.cf, or NULL */
	struct lg_dir_stamp main_stamp;
	size_t  count;
};

struct pf_conf {
	char   *arg;			/* as given */
	char   *dir;			/* config directory, or NULL */
	char   *table;			/* postfix:TYPE:NAME, or NULL */
	char   *postconf;
	char   *postmap;
	char   *postalias;
	const char *files[2];		/* main.cf, for the stats */
	char   *main_cf;
	char   *delimiter;		/* loopguard's */
	int     timeout_ms;
	struct lg_dir_cache *cache;
};

/* src_postfix_parse.c, src_postfix_conf.c */
int lg_pf_split(const char *value, int (*fn)(void *arg, const char *tok),
		void *arg);
int lg_pf_parse_postconf(char *out, size_t len, char **values, size_t n);
struct pf_gen *lg_pf_read_main(struct pf_conf *c, char *err,
			       size_t errsize);
struct pf_gen *lg_pf_read_single(struct pf_conf *c, char *err,
				 size_t errsize);
int     lg_pf_class(struct pf_conf *c, const struct pf_gen *g,
		    const char *domain, enum pf_class *cls_r, char *err,
		    size_t errsize);

/* src_postfix.c */
enum lg_dir_answer lg_pf_ask(struct pf_conf *c, const struct pf_table *t,
			     const char *key, char *err, size_t errsize);

/* src_postfix_table.c */
int     lg_pf_table_kind(const char *spec, enum pf_kind *kind_r,
			 int *pattern_r, char **file_r);
int     lg_pf_table_load(struct pf_conf *c, struct pf_table *t, char *err,
			 size_t errsize);
int     lg_pf_parse_listing(struct lg_recipients *set, const char *out,
			    size_t len, int alias, unsigned long *bad_r);
int     lg_pf_parse_cdb(struct lg_recipients *set, const unsigned char *buf,
			size_t len, int alias, char *err, size_t errsize);
enum lg_dir_answer lg_pf_query(struct pf_conf *c, const struct pf_table *t,
			       const char *key, char *err, size_t errsize);
void    lg_pf_gen_free(struct pf_gen *g);
ssize_t lg_pf_gen_table(struct pf_gen *g, const char *spec, int alias);

/* src_postfix_lmdb.c */
int     lg_pf_lmdb_load(struct pf_table *t, int timeout_ms, char *err,
			size_t errsize);

#endif
