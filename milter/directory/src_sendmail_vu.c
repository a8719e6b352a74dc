/*
 * NAME
 *	src_sendmail_vu.c - the "sendmail" source's virtusertable: how it
 *	is read and asked
 * SYNOPSIS
 *	#include "src_sendmail_impl.h"
 * DESCRIPTION
 *	lg_sm_add_virtuser() reads the map "Kvirtuser" names: the
 *	database, listed with "makemap -u TYPE PATH", or its text source
 *	when that is newer, when there is no database or no makemap
 *	(src_sendmail.c says more). Keys whose value is "error:..." go
 *	to a set of their own: Sendmail rejects those addresses. Keys
 *	for domains in neither class w nor {VirtHost} are counted and
 *	logged once per load.
 *
 *	lg_sm_virtuser() asks the keys in Sendmail's order (cf/m4/proto.m4).
 * DIAGNOSTICS
 *	A map type that cannot be listed, a makemap that fails or a text
 *	that cannot be read fails the load, naming the map.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Utility library. */
#include "log.h"
#include "postconf.h"

/* Directory library. */
#include "dir_read.h"
#include "src_sendmail_impl.h"

/* vu_entry - lg_sm_map_fn: one virtusertable key */
static int vu_entry(void *arg, const char *key, const char *value)
{
	struct sm_gen *g = arg;
	const char *at = strrchr(key, '@');
	struct lg_recipients *set;
	char local[LOCAL_MAX];
	size_t n;

	if (!at || !at[1] || (size_t) (at - key) >= sizeof(local)) {
		g->vu_skipped++;	/* never asked for an address */
		return 0;
	}
	n = (size_t) (at - key);
	memcpy(local, key, n);
	local[n] = 0;
	if (!lg_recipients_has_key(g->w, "", at + 1) &&
	    !lg_recipients_has_key(g->vh, "", at + 1) && g->vu_outside++ == 0)
		snprintf(g->vu_outside_first, sizeof(g->vu_outside_first),
			 "%.290s", key);
	set = strncasecmp(value, "error:", 6) == 0 ? g->vu_err : g->vu;
	if (lg_recipients_add_key(set, local, at + 1) != 0 &&
	    !lg_recipients_has_key(set, g->vu_fold ? lg_dir_fold(local) : local,
				   at + 1))
		g->vu_skipped++;	/* too long to be an address */
	return 0;
}

/* vu_files - the database and the text source of the map */
static void vu_files(const struct lg_sm_cf *cf, char *db, char *text,
		     size_t size)
{
	const char *ext = strcmp(cf->vu_type, "cdb") == 0 ? ".cdb" :
		strcmp(cf->vu_type, "dbm") == 0 ? ".pag" : ".db";
	size_t n = strlen(cf->vu_path), e = strlen(ext);

	if (strcmp(cf->vu_type, "text") == 0) {
		snprintf(db, size, "%s", cf->vu_path);
		snprintf(text, size, "%s", cf->vu_path);
	} else if (n > e && strcmp(cf->vu_path + n - e, ext) == 0) {
		snprintf(db, size, "%s", cf->vu_path);
		snprintf(text, size, "%.*s", (int) (n - e), cf->vu_path);
	} else {
		snprintf(db, size, "%s%s", cf->vu_path, ext);
		snprintf(text, size, "%s", cf->vu_path);
	}
}

/* vu_makemap - the database listed by makemap -u; 0 or -1 */
static int vu_makemap(struct sm_conf *c, struct sm_gen *g,
		      const struct lg_sm_cf *cf, char *err, size_t errsize)
{
	const char *argv[10];
	char why[512], *out = NULL;
	size_t len = 0;
	int rc, n = 0;

	argv[n++] = c->makemap;
	argv[n++] = "-C";
	argv[n++] = c->cf;
	if (cf->vu_nul)
		argv[n++] = "-N";
	argv[n++] = "-u";
	argv[n++] = cf->vu_type;
	argv[n++] = cf->vu_path;
	argv[n] = NULL;
	why[0] = 0;
	rc = lg_run_capture(argv, c->timeout_ms, LIST_MAX, &out, &len, why,
			    sizeof(why));
	if (rc != 0) {
		free(out);
		if (rc > 0)
			snprintf(err, errsize,
				 "virtusertable: \"%s -u %s %s\" failed (exit %d): %s",
				 c->makemap, cf->vu_type, cf->vu_path, rc,
				 why[0] ? why : "no message");
		else
			snprintf(err, errsize,
				 "virtusertable: \"%s -u %s %s\": %s",
				 c->makemap, cf->vu_type, cf->vu_path, why);
		return -1;
	}
	rc = lg_sm_map_parse(out, len, vu_entry, g, why, sizeof(why));
	free(out);
	if (rc != 0) {
		snprintf(err, errsize, "virtusertable %s (makemap -u): %s",
			 cf->vu_path, why);
		return -1;
	}
	return 0;
}

/* vu_text - the text source, as makemap would read it; 0 or -1 */
static int vu_text(struct sm_gen *g, const char *path, char *err,
		   size_t errsize)
{
	char why[512], *text;
	size_t len;
	int rc;

	if (!(text = lg_dir_read_file(path, LIST_MAX, &len, NULL, why,
				       sizeof(why)))) {
		snprintf(err, errsize, "virtusertable %s", why);
		return -1;
	}
	rc = lg_sm_map_parse(text, len, vu_entry, g, why, sizeof(why));
	free(text);
	if (rc != 0) {
		snprintf(err, errsize, "virtusertable %s: %s", path, why);
		return -1;
	}
	return 0;
}

/* lg_sm_add_virtuser - the virtusertable, from its database or its
 * text; 0, or -1 with err */
int lg_sm_add_virtuser(struct sm_conf *c, struct sm_gen *g,
		       const struct lg_sm_cf *cf, char *err, size_t errsize)
{
	static const char *const types[] = {
		"hash", "btree", "implicit", "dbm", "cdb", "text", NULL
	};
	char db[LG_SM_PATH_MAX + 8], text[LG_SM_PATH_MAX + 8];
	struct stat dst, tst;
	int have_db, have_text, rc;
	const char *how;
	size_t t;

	if (!cf->has_virtuser)
		return 0;
	for (t = 0; types[t] && strcmp(types[t], cf->vu_type) != 0; t++)
		;
	if (!types[t] || !cf->vu_path) {
		snprintf(err, errsize,
			 "Kvirtuser %s: a map of this type cannot be listed (only hash, btree, dbm, cdb and text files)",
			 cf->vu_type);
		return -1;
	}
	vu_files(cf, db, text, sizeof(db));
	if (lg_sm_stamp(g, db) != 0 || (strcmp(db, text) != 0 && lg_sm_stamp(g, text) != 0)) {
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return -1;
	}
	have_db = stat(db, &dst) == 0;
	have_text = stat(text, &tst) == 0 && S_ISREG(tst.st_mode);
	if (strcmp(cf->vu_type, "text") == 0) {
		have_db = 0;
		how = "a text map";
	} else if (have_db && have_text &&
		   (tst.st_mtim.tv_sec > dst.st_mtim.tv_sec ||
		    (tst.st_mtim.tv_sec == dst.st_mtim.tv_sec &&
		     tst.st_mtim.tv_nsec > dst.st_mtim.tv_nsec))) {
		have_db = 0;
		how = "the text is newer than the database";
	} else if (have_db && !c->makemap) {
		have_db = 0;
		how = "no makemap (set LOOPGUARD_MAKEMAP)";
	} else {
		how = "no database";
	}
	if (have_db) {
		rc = vu_makemap(c, g, cf, err, errsize);
		how = "makemap -u";
	} else if (have_text) {
		rc = vu_text(g, text, err, errsize);
	} else if (stat(db, &dst) == 0) {
		snprintf(err, errsize,
			 "virtusertable %s: no makemap to list it (set LOOPGUARD_MAKEMAP) and no text file %s",
			 db, text);
		return -1;
	} else if (cf->vu_optional) {
		lg_log(LG_LOG_INFO,
		       "recipients: sendmail %s: virtusertable %s: none (optional)",
		       c->cf, db);
		return 0;
	} else {
		snprintf(err, errsize, "virtusertable: neither %s nor %s exists",
			 db, text);
		return -1;
	}
	if (rc != 0)
		return -1;
	lg_log(LG_LOG_INFO,
	       "recipients: sendmail %s: virtusertable %s read (%s): %zu entries, %zu error: entries",
	       c->cf, have_db ? db : text, how,
	       lg_recipients_count(g->vu), lg_recipients_count(g->vu_err));
	if (g->vu_outside)
		lg_log(LG_LOG_WARN,
		       "recipients: sendmail %s: %lu virtusertable entr%s for domains in neither class w nor {VirtHost}, never used by Sendmail (first: %s)",
		       c->cf, g->vu_outside, g->vu_outside == 1 ? "y" : "ies",
		       g->vu_outside_first);
	return 0;
}

/* vu_ask - a virtusertable key: 1 exists, 0 error entry, -1 none */
static int vu_ask(const struct sm_gen *g, const char *local, size_t n,
		  const char *suffix, const char *domain)
{
	char k[LOCAL_MAX + 4];

	if (n + strlen(suffix) >= sizeof(k))
		return -1;
	memcpy(k, local, n);
	strcpy(k + n, suffix);
	if (g->vu_fold)
		lg_dir_fold(k);
	if (lg_recipients_has_key(g->vu, k, domain))
		return 1;
	if (lg_recipients_has_key(g->vu_err, k, domain))
		return 0;
	return -1;
}

/* lg_sm_virtuser - Sendmail's order of keys; 1, 0 (error entry) or -1 */
int lg_sm_virtuser(const struct sm_gen *g, const char *local,
		   const char *domain)
{
	const char *plus = local[0] ? strchr(local + 1, '+') : NULL;
	size_t ulen = plus ? (size_t) (plus - local) : 0;
	int detail = plus && plus[1] != 0, r;

	if ((r = vu_ask(g, local, strlen(local), "", domain)) >= 0)
		return r;
	if (plus) {
		if ((detail && (r = vu_ask(g, local, ulen, "++", domain)) >= 0) ||
		    (r = vu_ask(g, local, ulen, "+*", domain)) >= 0 ||
		    (r = vu_ask(g, local, ulen, "", domain)) >= 0 ||
		    (detail && (r = vu_ask(g, "", 0, "++", domain)) >= 0) ||
		    (r = vu_ask(g, "", 0, "+*", domain)) >= 0)
			return r;
	}
	return vu_ask(g, "", 0, "", domain);
}
