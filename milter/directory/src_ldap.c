/*
 * NAME
 *	src_ldap.c - "ldap:FILE": recipients that an LDAP server knows,
 *	asked per recipient
 * DESCRIPTION
 *	FILE holds the settings (src_ldap_conf.c reads it, with ldap_table
 *	(5)'s names). Each lookup searches search_base with query_filter
 *	expanded for, in turn, the full address (extension kept), the
 *	address without its extension (when it has one), and "@domain"
 *	(a catch-all entry); the first search that finds an entry (one
 *	that carries result_attribute, when that is set) says "yes". A
 *	domain outside the source's `domain` list is "no" with no search.
 *	Every value put in a filter is escaped (RFC 4515).
 *
 *	A few connections (POOL) are kept open, each used by one thread
 *	at a time and made again after any failure; a connection that was
 *	idle and finds the server gone is made again once at once (a
 *	restarted server is not an outage). Connecting, binding and every
 *	search share one deadline of `timeout` per lookup, waiting for a
 *	free connection included; searches ask for few entries and no
 *	values unless result_attribute is set.
 *
 *	Answers are cached (lg_dir_cache: "yes" for cache_ttl, "no" for
 *	negative_ttl); a failure is never cached.
 *
 *	FAIL: the server cannot be reached or does not answer in time, the
 *	bind is refused, search_base does not exist, or any other LDAP
 *	error. The directory then answers on_error for the recipient.
 *	FILE is read when the config is; a change takes effect at reload.
 * DIAGNOSTICS
 *	A FILE that holds bind_pw and that others may read is warned
 *	about; one that others may write is warned about by the
 *	directory's checks, as every source file.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

/* Utility library. */
#include "clock.h"
#include "log.h"

/* Directory library. */
#include "dir_cache.h"
#include "dir_kinds.h"
#include "dir_read.h"
#include "src_ldap.h"

#define POOL		4	/* connections kept open */
#define SIZE_LIMIT	4	/* entries a search may return */
#define FILTER_SMALL	1024
#define KEY_MAX		1100

struct slot {
	pthread_mutex_t lock;
	LDAP   *ld;
};

struct ldap_src {
	struct lg_ldap_conf c;
	const char *files[2];
	struct lg_dir_cache *cache;
	struct slot pool[POOL];
	unsigned next;			/* round robin, atomic */
	int     down;			/* the last search failed, atomic */
};

static int ldap_gen;			/* the one, static, generation */

/* ldap_close - the connections, the cache, the settings */
static void ldap_close(void *conf)
{
	struct ldap_src *s = conf;
	int i;

	if (!s)
		return;
	for (i = 0; i < POOL; i++) {
		if (s->pool[i].ld)
			ldap_unbind_ext_s(s->pool[i].ld, NULL, NULL);
		pthread_mutex_destroy(&s->pool[i].lock);
	}
	lg_dir_cache_free(&s->cache);
	lg_ldap_conf_clear(&s->c);
	free(s);
}

/* ldap_open - read and check FILE; no connection yet */
static void *ldap_open(const char *arg, const struct lg_dir_env *env,
		       char *err, size_t errsize)
{
	struct ldap_src *s = calloc(1, sizeof(*s));
	size_t len = 0;
	mode_t mode = 0;
	int i;
	char *text;

	if (!s) {
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		return NULL;
	}
	for (i = 0; i < POOL; i++)
		pthread_mutex_init(&s->pool[i].lock, NULL);
	lg_ldap_conf_init(&s->c, env);
	if (!(text = lg_dir_read_file(arg, LG_LDAP_FILE_MAX, &len, &mode, err,
				       errsize)) ||
	    lg_ldap_conf_parse(&s->c, arg, text, len, err, errsize) != 0) {
		free(text);
		ldap_close(s);
		return NULL;
	}
	free(text);
	if (s->c.bind_pw && (mode & S_IROTH))
		lg_log(LG_LOG_WARN,
		       "recipients: %s holds bind_pw and anyone may read it (chmod o-r)",
		       arg);
	if (s->c.cache_size > 0 &&
	    !(s->cache = lg_dir_cache_new(s->c.cache_size, s->c.cache_ttl_s,
					  s->c.negative_ttl_s))) {
		snprintf(err, errsize, "%s", strerror(ENOMEM));
		ldap_close(s);
		return NULL;
	}
	s->files[0] = s->c.path;
	return s;
}

/* ldap_load - nothing to load: the one static generation */
static void *ldap_load(void *conf, char *err, size_t errsize)
{
	(void) conf;
	(void) err;
	(void) errsize;
	return &ldap_gen;
}

/* mono_ms - a monotonic clock in ms */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* left - the time left before DEADLINE (ms, monotonic) as a timeval;
 * 0, or -1 when none is left */
static int left(long long deadline, struct timeval *tv)
{
	long long ms = deadline - mono_ms();

	if (ms <= 0)
		return -1;
	tv->tv_sec = (time_t) (ms / 1000);
	tv->tv_usec = (suseconds_t) (ms % 1000) * 1000;
	return 0;
}

/* take_slot - a free connection slot, waiting until DEADLINE */
static struct slot *take_slot(struct ldap_src *s, long long deadline)
{
	unsigned first = __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED);
	struct timespec until;
	long long ms;
	int i;

	for (i = 0; i < POOL; i++) {
		struct slot *sl = &s->pool[(first + (unsigned) i) % POOL];

		if (pthread_mutex_trylock(&sl->lock) == 0)
			return sl;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	if ((ms = deadline - mono_ms()) <= 0)
		return NULL;
	until.tv_sec += (time_t) (ms / 1000);
	until.tv_nsec += (long) (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_mutex_timedlock(&s->pool[first % POOL].lock, &until) != 0)
		return NULL;
	return &s->pool[first % POOL];
}

/* drop - forget the slot's connection */
static void drop(struct slot *sl)
{
	if (sl->ld)
		ldap_unbind_ext_s(sl->ld, NULL, NULL);
	sl->ld = NULL;
}

/* set_timeouts - the time left, for the next network wait */
static int set_timeouts(LDAP *ld, long long deadline)
{
	struct timeval tv;

	if (left(deadline, &tv))
		return -1;
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	return 0;
}

/* connect_slot - a new connection, started and bound; 0, or -1 */
static int connect_slot(struct ldap_src *s, struct slot *sl,
			long long deadline, char *err, size_t errsize)
{
	const struct lg_ldap_conf *c = &s->c;
	int version = LDAP_VERSION3, rc;
	struct berval cred;

	if ((rc = ldap_initialize(&sl->ld, c->uris)) != LDAP_SUCCESS) {
		snprintf(err, errsize, "%s: %s", c->uris, ldap_err2string(rc));
		sl->ld = NULL;
		return -1;
	}
	ldap_set_option(sl->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	ldap_set_option(sl->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(sl->ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
	if (set_timeouts(sl->ld, deadline)) {
		snprintf(err, errsize, "%s: no time left to connect", c->uris);
		goto fail;
	}
	if (c->start_tls &&
	    (rc = ldap_start_tls_s(sl->ld, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(err, errsize, "%s: StartTLS: %s", c->uris,
			 ldap_err2string(rc));
		goto fail;
	}
	if (c->bind) {
		cred.bv_val = c->bind_pw ? c->bind_pw : "";
		cred.bv_len = strlen(cred.bv_val);
		rc = ldap_sasl_bind_s(sl->ld, c->bind_dn ? c->bind_dn : "",
				      LDAP_SASL_SIMPLE, &cred, NULL, NULL,
				      NULL);
		if (rc != LDAP_SUCCESS) {
			snprintf(err, errsize, "%s: bind as \"%.100s\": %s",
				 c->uris, c->bind_dn ? c->bind_dn : "",
				 ldap_err2string(rc));
			goto fail;
		}
	}
	return 0;
fail:
	drop(sl);
	return -1;
}

/* has_entry - does RES hold an entry (with the result attribute) */
static int has_entry(const struct lg_ldap_conf *c, LDAP *ld,
		     LDAPMessage *res)
{
	LDAPMessage *e;
	struct berval **v;
	int found;

	for (e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
		if (!c->result_attribute)
			return 1;
		v = ldap_get_values_len(ld, e, c->result_attribute);
		found = v && ldap_count_values_len(v) > 0;
		ldap_value_free_len(v);
		if (found)
			return 1;
	}
	return 0;
}

/* search - one search for FILTER on the slot's connection */
static enum lg_dir_answer search(struct ldap_src *s, struct slot *sl,
				 const char *filter, long long deadline,
				 char *err, size_t errsize)
{
	static const int scopes[] = {
		[LG_LDAP_SCOPE_BASE] = LDAP_SCOPE_BASE,
		[LG_LDAP_SCOPE_ONE] = LDAP_SCOPE_ONELEVEL,
		[LG_LDAP_SCOPE_SUB] = LDAP_SCOPE_SUBTREE,
	};
	const struct lg_ldap_conf *c = &s->c;
	char *attrs[2] = { c->result_attribute ? c->result_attribute :
			   (char *) LDAP_NO_ATTRS, NULL };
	LDAPMessage *res = NULL;
	struct timeval tv;
	int rc, tries, found;

	for (tries = 0; tries < 2; tries++) {
		int reused = sl->ld != NULL;

		if (!reused && connect_slot(s, sl, deadline, err, errsize))
			return LG_DIR_FAIL;
		if (set_timeouts(sl->ld, deadline) || left(deadline, &tv)) {
			snprintf(err, errsize, "%s: timed out", c->uris);
			return LG_DIR_FAIL;
		}
		rc = ldap_search_ext_s(sl->ld, c->search_base,
				       scopes[c->scope], filter, attrs, 0,
				       NULL, NULL, &tv, SIZE_LIMIT, &res);
		if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED) {
			found = has_entry(c, sl->ld, res);
			ldap_msgfree(res);
			return found ? LG_DIR_YES : LG_DIR_NO;
		}
		ldap_msgfree(res);
		res = NULL;
		drop(sl);
		if (!(reused && rc == LDAP_SERVER_DOWN))
			break;		/* an idle connection gone: once more */
	}
	snprintf(err, errsize, "%s: search %.200s under \"%.100s\": %s",
		 c->uris, filter, c->search_base, ldap_err2string(rc));
	return LG_DIR_FAIL;
}

/* ask - the answer for one query key (cache, then the server) */
static enum lg_dir_answer ask(struct ldap_src *s, struct slot **slp,
			      const char *key, long long deadline,
			      char *err, size_t errsize)
{
	char small[FILTER_SMALL], *filter = small;
	enum lg_dir_answer a;
	long need;
	int hit;

	if (s->cache &&
	    (hit = lg_dir_cache_get(s->cache, key, lg_now())) !=
	    LG_DIR_CACHE_MISS) {
		if (__atomic_load_n(&s->down, __ATOMIC_RELAXED))
			snprintf(err, errsize, "%s", LG_DIR_REMEMBERED);
		return (enum lg_dir_answer) hit;
	}
	if ((need = lg_ldap_filter(small, sizeof(small), s->c.query_filter,
				   key)) < 0)
		return LG_DIR_NO;		/* no query for this key */
	if ((size_t) need >= sizeof(small)) {
		if (!(filter = malloc((size_t) need + 1))) {
			snprintf(err, errsize, "%s", strerror(ENOMEM));
			return LG_DIR_FAIL;
		}
		lg_ldap_filter(filter, (size_t) need + 1, s->c.query_filter,
			       key);
	}
	if (!*slp && !(*slp = take_slot(s, deadline))) {
		snprintf(err, errsize,
			 "%s: no connection free within the timeout",
			 s->c.uris);
		a = LG_DIR_FAIL;
	} else {
		a = search(s, *slp, filter, deadline, err, errsize);
		if (a != LG_DIR_FAIL && errsize)
			err[0] = 0;	/* the server answered: not remembered */
	}
	if (filter != small)
		free(filter);
	__atomic_store_n(&s->down, a == LG_DIR_FAIL, __ATOMIC_RELAXED);
	if (a != LG_DIR_FAIL && s->cache)
		lg_dir_cache_put(s->cache, key, a, lg_now());
	return a;
}

/* ldap_lookup - the address, the address without extension, @domain */
static enum lg_dir_answer ldap_lookup(void *conf, void *gen,
				      const struct lg_dir_key *k,
				      char *err, size_t errsize)
{
	struct ldap_src *s = conf;
	long long deadline = mono_ms() + s->c.timeout_ms;
	struct slot *sl = NULL;
	enum lg_dir_answer a;
	char key[KEY_MAX];

	(void) gen;
	if (!lg_ldap_serves(&s->c, k->domain))
		return LG_DIR_NO;
	a = ask(s, &sl, k->address, deadline, err, errsize);
	if (a == LG_DIR_NO && *k->ext) {
		snprintf(key, sizeof(key), "%s@%s", k->base, k->domain);
		a = ask(s, &sl, key, deadline, err, errsize);
	}
	if (a == LG_DIR_NO) {
		snprintf(key, sizeof(key), "@%s", k->domain);
		a = ask(s, &sl, key, deadline, err, errsize);
	}
	if (sl)
		pthread_mutex_unlock(&sl->lock);
	return a;
}

/* ldap_count - asked per recipient: not countable */
static size_t ldap_count(const void *gen)
{
	(void) gen;
	return (size_t) -1;
}

/* ldap_serves - the domain list, when there is one */
static int ldap_serves(void *conf, const void *gen, const char *domain)
{
	const struct ldap_src *s = conf;

	(void) gen;
	if (s->c.n_domains == 0)
		return -1;
	return lg_ldap_serves(&s->c, domain);
}

/* ldap_files - FILE */
static const char *const *ldap_files(void *conf)
{
	return ((struct ldap_src *) conf)->files;
}

const struct lg_dir_source_ops lg_dir_src_ldap = {
	.kind = "ldap",
	.open = ldap_open,
	.load = ldap_load,
	.lookup = ldap_lookup,
	.count = ldap_count,
	.serves = ldap_serves,
	.files = ldap_files,
	.close = ldap_close,
};
