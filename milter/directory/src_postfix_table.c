/*
 * NAME
 *	src_postfix_table.c - one Postfix lookup table: how it is read,
 *	listed whole, or asked per recipient
 * SYNOPSIS
 *	#include "src_postfix.h"
 * DESCRIPTION
 *	lg_pf_table_kind() tells from TYPE:NAME how a table is read:
 *	indexed files (hash, btree, dbm, sdbm), texthash and inline are
 *	listed whole with "postmap -s" ("postalias -s" for alias tables);
 *	lmdb is read from NAME.lmdb with liblmdb (src_postfix_lmdb.c),
 *	and listed like hash when loopguard was built without it; cdb,
 *	which Postfix cannot list, is read from NAME.cdb directly;
 *	static: answers yes for everything; unix:passwd.byname asks
 *	getpwnam_r(); everything else (regexp, pcre, cidr, fail, ldap,
 *	mysql, pgsql, sqlite, tcp, socketmap, ...) is asked per recipient
 *	with "postmap -q", pattern tables with the whole address only.
 *
 *	lg_pf_table_load() fills a table's set. The listing must come
 *	whole within the deadline (env timeout, one more second per
 *	100000 lines expected from the file's size) and the byte bound;
 *	a table that is missing, unreadable or whose listing fails fails
 *	the load.
 *
 *	lg_pf_parse_listing() reads "key<TAB>value" lines; a key with a
 *	control byte or longer than an address may be is skipped and
 *	counted. lg_pf_parse_cdb() walks the records of a cdb file, every
 *	length checked against the file. Both skip the "@" and YP_*
 *	bookkeeping keys of alias tables; the lmdb reader's keys go
 *	through lg_pf_parse_listing().
 *
 *	lg_pf_query() runs "postmap -c DIR -q KEY TYPE:NAME" (no shell:
 *	the key is one argv element, at most PF_KEY_MAX bytes): exit 0 is
 *	found, 1 with nothing on standard error not found (Postfix's fatal
 *	errors exit 1 too, with a message), anything else or no answer in
 *	time fails.
 * DIAGNOSTICS
 *	Errors name the table.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Utility library. */
#include "log.h"
#include "postconf.h"

/* Directory library. */
#include "dir_kinds.h"
#include "dir_read.h"
#include "src_postfix.h"

#define CDB_HEAD	2048
#define LINES_PER_S	100000		/* extra second of deadline per */
#define WARN_MAX	5

/* Types listed by postmap -s, with the suffix of their file. */
static const struct {
	const char *type;
	const char *suffix;
} listed[] = {
	{ "hash", ".db" }, { "btree", ".db" }, { "lmdb", ".lmdb" },
	{ "dbm", ".pag" }, { "sdbm", ".pag" }, { "texthash", "" },
	{ "inline", NULL },
	{ NULL, NULL }
};

/* Types whose keys are patterns: only the whole address is asked. */
static const char *const patterns[] = {
	"regexp", "pcre", "cidr", "tcp", "socketmap", "randmap", "pipemap",
	"unionmap", "fail", NULL
};

/* lg_pf_table_kind - how SPEC is read, and the file to watch (*file_r,
 * malloc'd, or NULL); 0, or -1 when SPEC is not TYPE:NAME */
int lg_pf_table_kind(const char *spec, enum pf_kind *kind_r,
		     int *pattern_r, char **file_r)
{
	const char *colon = strchr(spec, ':'), *name;
	size_t tlen, i;

	*file_r = NULL;
	*pattern_r = 0;
	if (!colon || colon == spec || !colon[1] ||
	    strlen(spec) >= PF_SPEC_MAX)
		return -1;
	tlen = (size_t) (colon - spec);
	name = colon + 1;
	if (tlen == 6 && strncmp(spec, "static", 6) == 0) {
		*kind_r = PF_STATIC;
		return 0;
	}
	if (strcmp(spec, "unix:passwd.byname") == 0) {
		*kind_r = PF_PASSWD;
		return 0;
	}
	if (tlen == 3 && strncmp(spec, "cdb", 3) == 0) {
		*kind_r = PF_CDB;
		if (!(*file_r = malloc(strlen(name) + 5)))
			return -1;
		sprintf(*file_r, "%s.cdb", name);
		return 0;
	}
	for (i = 0; listed[i].type; i++)
		if (strlen(listed[i].type) == tlen &&
		    strncmp(spec, listed[i].type, tlen) == 0) {
			*kind_r = PF_LIST;
			if (listed[i].suffix) {
				if (!(*file_r = malloc(strlen(name) +
						       strlen(listed[i].suffix) + 1)))
					return -1;
				sprintf(*file_r, "%s%s", name, listed[i].suffix);
			}
			return 0;
		}
	*kind_r = PF_QUERY;
	for (i = 0; patterns[i]; i++)
		if (strlen(patterns[i]) == tlen &&
		    strncmp(spec, patterns[i], tlen) == 0)
			*pattern_r = 1;
	/* a file-based pattern table: watch it (answers are cached) */
	if (*pattern_r && name[0] == '/' && !(*file_r = strdup(name)))
		return -1;
	return 0;
}

/* add_key - one table key into SET; 0, or -1 when it is not a key */
static int add_key(struct lg_recipients *set, const char *key, size_t len,
		   int alias)
{
	char buf[PF_KEY_MAX + 1], *at;
	size_t i;

	if (alias && len > 0 && key[len - 1] == ':')
		len--;			/* postalias -s: "name:" */
	if (len == 0 || len > PF_KEY_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char) key[i] <= ' ' || key[i] == 0x7f)
			return -1;
	memcpy(buf, key, len);
	buf[len] = 0;
	if (alias && (strcmp(buf, "@") == 0 || strncmp(buf, "YP_", 3) == 0))
		return 0;		/* the bookkeeping of alias tables */
	if (!(at = strrchr(buf, '@')))
		return lg_recipients_add_key(set, buf, "");
	*at = 0;
	if (!at[1])
		return -1;
	return lg_recipients_add_key(set, buf, at + 1);
}

/* lg_pf_parse_listing - the "key<TAB>value" lines of OUT into SET;
 * the number of keys added, the lines skipped in *bad_r */
int lg_pf_parse_listing(struct lg_recipients *set, const char *out,
			size_t len, int alias, unsigned long *bad_r)
{
	const char *p = out, *end = out + len, *nl, *k;
	int added = 0;

	*bad_r = 0;
	for (; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t) (end - p))))
			nl = end;
		for (k = p; k < nl && *k != '\t' && *k != ' '; k++)
			;
		if (k == p && nl == p)
			continue;	/* blank line */
		if (add_key(set, p, (size_t) (k - p), alias) == 0)
			added++;
		else
			++*bad_r;
	}
	return added;
}

/* get32 - a little-endian 32-bit number */
static size_t get32(const unsigned char *p)
{
	return (size_t) p[0] | (size_t) p[1] << 8 | (size_t) p[2] << 16 |
		(size_t) p[3] << 24;
}

/* lg_pf_parse_cdb - every record of a cdb file into SET; the number
 * of keys added, or -1 with err when the file is not a whole cdb */
int lg_pf_parse_cdb(struct lg_recipients *set, const unsigned char *buf,
		    size_t len, int alias, char *err, size_t errsize)
{
	size_t end = len, pos = CDB_HEAD, i, klen, dlen;
	int added = 0;

	if (len < CDB_HEAD) {
		snprintf(err, errsize, "shorter than a cdb header");
		return -1;
	}
	for (i = 0; i < 256; i++) {
		size_t tpos = get32(buf + 8 * i), tlen = get32(buf + 8 * i + 4);

		if (tpos < CDB_HEAD || tpos > len || tlen > (len - tpos) / 8) {
			snprintf(err, errsize, "cdb hash table %zu out of the file",
				 i);
			return -1;
		}
		if (tpos < end)
			end = tpos;	/* the records end where tables start */
	}
	while (pos < end) {
		if (end - pos < 8) {
			snprintf(err, errsize, "cdb record cut at byte %zu", pos);
			return -1;
		}
		klen = get32(buf + pos);
		dlen = get32(buf + pos + 4);
		pos += 8;
		if (klen > end - pos || dlen > end - pos - klen) {
			snprintf(err, errsize, "cdb record past its end at byte %zu",
				 pos - 8);
			return -1;
		}
		if (klen > 0 && buf[pos + klen - 1] == 0)
			klen--;		/* a key written with its NUL */
		if (memchr(buf + pos, 0, klen) == NULL &&
		    add_key(set, (const char *) buf + pos, klen, alias) == 0)
			added++;
		pos += klen + dlen;
	}
	return added;
}

/* load_cdb - a cdb table, read directly */
static int load_cdb(struct pf_table *t, char *err, size_t errsize)
{
	unsigned char *buf;
	size_t len;
	char why[256];

	if (!(buf = (unsigned char *) lg_dir_read_file(t->file, PF_OUT_MAX,
							&len, NULL, err,
							errsize)))
		return -1;
	if (lg_pf_parse_cdb(t->set, buf, len, t->alias, why, sizeof(why)) < 0) {
		snprintf(err, errsize, "%s: %s", t->file, why);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* deadline - the env timeout, and a second per LINES_PER_S lines a
 * file of this size may hold (about 32 bytes a line) */
static int deadline(const struct pf_conf *c, const struct pf_table *t)
{
	struct stat st;
	long long ms = c->timeout_ms;

	if (t->file && stat(t->file, &st) == 0)
		ms += (long long) st.st_size / 32 / LINES_PER_S * 1000;
	return ms > 600000 ? 600000 : (int) ms;
}

/* load_listing - postmap -s / postalias -s into the table's set */
static int load_listing(struct pf_conf *c, struct pf_table *t, char *err,
			size_t errsize)
{
	const char *argv[8];
	char why[512], *out = NULL;
	size_t len = 0, n = 0;
	unsigned long bad;
	int rc;

	argv[n++] = t->alias ? c->postalias : c->postmap;
	if (c->dir) {
		argv[n++] = "-c";
		argv[n++] = c->dir;
	}
	argv[n++] = "-s";
	argv[n++] = t->spec;
	argv[n] = NULL;
	why[0] = 0;
	rc = lg_run_capture(argv, deadline(c, t), PF_OUT_MAX, &out, &len, why,
			    sizeof(why));
	if (rc != 0) {
		snprintf(err, errsize, "%s: %s -s %s", t->spec,
			 t->alias ? "postalias" : "postmap",
			 rc < 0 ? why : why[0] ? why : "failed");
		free(out);
		return -1;
	}
	lg_pf_parse_listing(t->set, out, len, t->alias, &bad);
	free(out);
	if (bad)
		lg_log(LG_LOG_WARN,
		       "recipients: postfix table %s: %lu keys that are not addresses skipped",
		       t->spec, bad);
	return 0;
}

/* lg_pf_table_load - fill T's set when it has one; 0, or -1 with err */
int lg_pf_table_load(struct pf_conf *c, struct pf_table *t, char *err,
		     size_t errsize)
{
	struct stat st;
	int rc;

	if (t->file)
		lg_dir_stamp_take(&t->stamp, t->file);
	if (t->file && stat(t->file, &st) != 0) {
		snprintf(err, errsize, "%s: %s: %s", t->spec, t->file,
			 strerror(errno));
		return -1;
	}
	if (t->kind != PF_LIST && t->kind != PF_CDB)
		return 0;
	if (t->file)
		lg_dir_warn_writable("postfix table", t->file);
	if (!(t->set = lg_recipients_new(0, ""))) {
		snprintf(err, errsize, "%s: %s", t->spec, strerror(ENOMEM));
		return -1;
	}
	if (t->kind == PF_CDB)
		return load_cdb(t, err, errsize);
	if ((rc = lg_pf_lmdb_load(t, deadline(c, t), err, errsize)) <= 0)
		return rc;		/* lmdb: read directly */
	return load_listing(c, t, err, errsize);
}

/* lg_pf_query - postmap -q KEY: found, not found, or failed */
enum lg_dir_answer lg_pf_query(struct pf_conf *c, const struct pf_table *t,
			       const char *key, char *err, size_t errsize)
{
	const char *argv[8];
	char out[64], why[256];
	size_t n = 0;
	int rc;

	if (strlen(key) > PF_KEY_MAX)
		return LG_DIR_NO;	/* no address is that long */
	if (strcmp(key, "-") == 0)
		return LG_DIR_NO;	/* postmap -q - reads keys from stdin */
	argv[n++] = t->alias ? c->postalias : c->postmap;
	if (c->dir) {
		argv[n++] = "-c";
		argv[n++] = c->dir;
	}
	argv[n++] = "-q";
	argv[n++] = key;
	argv[n++] = t->spec;
	argv[n] = NULL;
	why[0] = 0;
	rc = lg_run_program(argv, c->timeout_ms, out, sizeof(out), why,
			    sizeof(why));
	if (rc == 0)
		return LG_DIR_YES;
	if (rc == 1 && !why[0])
		return LG_DIR_NO;	/* a fatal error exits 1 too, saying so */
	snprintf(err, errsize, "%s: postmap -q: %s", t->spec,
		 rc < 0 ? why : why[0] ? why : "failed");
	return LG_DIR_FAIL;
}

/* lg_pf_gen_table - the index of SPEC in G, added when new; -1 when
 * it is not a table or memory ran out */
ssize_t lg_pf_gen_table(struct pf_gen *g, const char *spec, int alias)
{
	struct pf_table *grown, *t;
	size_t i;

	if (strncmp(spec, "proxy:", 6) == 0)
		spec += 6;
	for (i = 0; i < g->ntab; i++)
		if (strcmp(g->tab[i].spec, spec) == 0 &&
		    g->tab[i].alias == alias)
			return (ssize_t) i;
	if (!(grown = realloc(g->tab, (g->ntab + 1) * sizeof(*grown))))
		return -1;
	g->tab = grown;
	t = &g->tab[g->ntab];
	memset(t, 0, sizeof(*t));
	if (lg_pf_table_kind(spec, &t->kind, &t->pattern, &t->file) != 0 ||
	    !(t->spec = strdup(spec))) {
		free(t->file);
		return -1;
	}
	t->alias = alias;
	return (ssize_t) g->ntab++;
}

/* lg_pf_gen_free - every table and list of G */
void lg_pf_gen_free(struct pf_gen *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->ntab; i++) {
		free(g->tab[i].spec);
		free(g->tab[i].file);
		lg_recipients_free(&g->tab[i].set);
	}
	free(g->tab);
	for (i = 0; i < PF_NCLASS; i++) {
		lg_recipients_free(&g->domains[i]);
		free(g->dtabs[i].at);
		free(g->rtabs[i].at);
	}
	free(g->valias.at);
	free(g->main_cf);
	free(g);
}
