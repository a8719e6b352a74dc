/*
 * NAME
 *	batv - signed envelope senders (BATV) in the bounce plugin
 * SYNOPSIS
 *	plugins = ( { name = "bounce";
 *	    batv = ( {
 *	        keys = ( { id = 1; secret_file = "/etc/loopguard/batv.key"; },
 *	                 { id = 0; secret = "an old secret, still accepted"; } );
 *	        sign_key = 1;		# default: the first key listed
 *	        days = 7;		# 1 to 365
 *	        domains = [ "example.com" ];	# default: local_domains
 *	        exempt = [ "list@example.org", "@lists.example.net" ];
 *	    } ); } );
 * DESCRIPTION
 *	Opt-in: without the batv setting nothing here runs. With it:
 *
 *	Signing: a message from an authenticated or trusted client whose
 *	envelope sender is in a BATV domain (not null, not tagged
 *	already, not exempt), for at least one external recipient and
 *	none exempt, leaves with the sender "prvs=KDDDSSSSSS=local@domain"
 *	(batv_tag.c), queued at end of message with host->change_sender.
 *
 *	Untagging: the plugin's untag member tells the core that a
 *	syntactically valid tag on a local part of a BATV domain stands
 *	for its base, so the recipient is classified by the base. At end
 *	of every message (bounce or not), each tagged recipient whose
 *	base exists is replaced by the base (add_rcpt, del_rcpt), so the
 *	MTA delivers to the user.
 *
 *	Judging a null-sender message (bounce.c calls batv_judge before
 *	the ledger): any local recipient of a BATV domain with a tag
 *	that does not verify (unknown key id, wrong signature) or that
 *	has expired makes the message forged; when every local recipient
 *	carries a valid tag, it is genuine, whatever it returns. Anything
 *	else (an untagged recipient, one outside the BATV domains) is
 *	left to the ledger and DKIM as without BATV, so bounces of mail
 *	sent before BATV was turned on still pass when the ledger knows
 *	them, and nothing unproven does.
 *
 *	mode = "report" logs what would be signed and judged and does
 *	neither; tags are still removed from recipients, so that mail to
 *	an address signed earlier is delivered.
 * DIAGNOSTICS
 *	Config errors through cfg_error; one log line per signed sender.
 */
#include "config.h"

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* Application-specific. */
#include "batv.h"

struct batv_key {
	int set;
	size_t len;
	unsigned char secret[BATV_SECRET_MAX];
};

struct batv {
	struct batv_key keys[BATV_KEYS];
	int sign_key;
	long long days;
	int report_only;
	char **domains;
	size_t n_domains;
	char **exempt;
	size_t n_exempt;
};

/* batv_free - wipe the secrets and free */
void batv_free(struct batv **bp)
{
	struct batv *b = *bp;
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n_domains; i++)
		free(b->domains[i]);
	free(b->domains);
	for (i = 0; i < b->n_exempt; i++)
		free(b->exempt[i]);
	free(b->exempt);
	OPENSSL_cleanse(b->keys, sizeof(b->keys));
	free(b);
	*bp = NULL;
}

/* lower_dup - a lower-case copy */
static char *lower_dup(const char *s)
{
	char *d = strdup(s), *p;

	for (p = d; p && *p; p++)
		*p = (char) tolower((unsigned char) *p);
	return d;
}

/* read_secret - a secret_file: a regular file no one else may read */
static int read_secret(const struct lg_host *h, struct lg_section *k,
		       const char *path, struct batv_key *key)
{
	unsigned char buf[BATV_SECRET_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		h->cfg_error(k, "secret_file", "cannot open %s: %s", path,
			     strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		h->cfg_error(k, "secret_file", "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		h->cfg_error(k, "secret_file",
			     "%s has mode %04o: others may read or change it (chmod 0600 or 0640)",
			     path, (unsigned) (st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		h->cfg_error(k, "secret_file",
			     "%s must be owned by root or by the daemon's user",
			     path);
		close(fd);
		return -1;
	}
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t) n;
	close(fd);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len > BATV_SECRET_MAX || len < BATV_SECRET_MIN) {
		h->cfg_error(k, "secret_file",
			     "the secret in %s must be %d to %d bytes long",
			     path, BATV_SECRET_MIN, BATV_SECRET_MAX);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	memcpy(key->secret, buf, len);
	key->len = len;
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/* config_key - one { id; secret or secret_file } group */
static int config_key(const struct lg_host *h, struct lg_section *k,
		      struct batv *b, int *id_r)
{
	const char *secret, *file;
	long long id;

	if (h->cfg_int(k, "id", -1, 0, BATV_KEYS - 1, &id) != 0 ||
	    h->cfg_string(k, "secret", NULL, &secret) != 0 ||
	    h->cfg_string(k, "secret_file", NULL, &file) != 0)
		return -1;
	if (id < 0) {
		h->cfg_error(k, NULL, "batv: every key needs an id (0 to 9)");
		return -1;
	}
	if (b->keys[id].set) {
		h->cfg_error(k, "id", "batv: key id %lld is listed twice", id);
		return -1;
	}
	if (!secret == !file) {
		h->cfg_error(k, NULL,
			     "batv: key %lld needs exactly one of secret and secret_file",
			     id);
		return -1;
	}
	if (file) {
		if (read_secret(h, k, file, &b->keys[id]) != 0)
			return -1;
	} else {
		if (strlen(secret) < BATV_SECRET_MIN ||
		    strlen(secret) > BATV_SECRET_MAX) {
			h->cfg_error(k, "secret",
				     "batv: the secret of key %lld must be %d to %d bytes long",
				     id, BATV_SECRET_MIN, BATV_SECRET_MAX);
			return -1;
		}
		b->keys[id].len = strlen(secret);
		memcpy(b->keys[id].secret, secret, b->keys[id].len);
	}
	b->keys[id].set = 1;
	*id_r = (int) id;
	return 0;
}

/* config_keys - the keys list and sign_key */
static int config_keys(const struct lg_host *h, struct lg_section *g,
		       struct batv *b)
{
	size_t i, n;
	int first = -1, id;
	long long sign;

	if (h->cfg_groups(g, "keys", &n) != 0)
		return -1;
	if (n == 0) {
		h->cfg_error(g, "keys", "batv: at least one key is needed");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct lg_section *k = h->cfg_group_at(g, "keys", i);

		if (!k) {
			h->cfg_error(g, "keys", "batv: out of memory");
			return -1;
		}
		if (config_key(h, k, b, &id) != 0)
			return -1;
		if (first < 0)
			first = id;
	}
	if (h->cfg_int(g, "sign_key", first, 0, BATV_KEYS - 1, &sign) != 0)
		return -1;
	if (!b->keys[sign].set) {
		h->cfg_error(g, "sign_key", "batv: sign_key %lld is not in keys",
			     sign);
		return -1;
	}
	b->sign_key = (int) sign;
	return 0;
}

/* push - append a lower-case copy of S to a list */
static int push(char ***list, size_t *n, const char *s)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	*list = grown;
	if ((grown[*n] = lower_dup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* config_lists - domains (default: local_domains) and exempt */
static int config_lists(const struct lg_host *h, struct lg_section *sec,
			struct lg_section *g, struct batv *b)
{
	const char *s;
	size_t i, n;

	if (h->cfg_strings(g, "domains", &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		s = h->cfg_strings_at(g, "domains", i);
		if (!s || !*s || strchr(s, '@') || strchr(s, ' ')) {
			h->cfg_error(g, "domains",
				     "batv: domains: \"%s\" is not a domain",
				     s ? s : "");
			return -1;
		}
		if (push(&b->domains, &b->n_domains, s) != 0)
			goto nomem;
	}
	for (i = 0; n == 0 && (s = h->cfg_local_domain(sec, i)) != NULL; i++)
		if (push(&b->domains, &b->n_domains, s) != 0)
			goto nomem;
	if (h->cfg_strings(g, "exempt", &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		s = h->cfg_strings_at(g, "exempt", i);
		if (!s || !strchr(s, '@') || strchr(s, '@') != strrchr(s, '@') ||
		    !strchr(s, '@')[1] || strchr(s, ' ')) {
			h->cfg_error(g, "exempt",
				     "batv: exempt: \"%s\" is neither local@domain nor @domain",
				     s ? s : "");
			return -1;
		}
		if (push(&b->exempt, &b->n_exempt, s) != 0)
			goto nomem;
	}
	return 0;
nomem:
	h->cfg_error(g, NULL, "batv: out of memory");
	return -1;
}

/* batv_config - the batv setting of the bounce section */
int batv_config(const struct lg_host *h, struct lg_section *sec,
		int report_only, struct batv **batv_r)
{
	struct lg_section *g;
	struct batv *b;
	size_t n;

	*batv_r = NULL;
	if (h->cfg_groups(sec, "batv", &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	if (n > 1) {
		h->cfg_error(sec, "batv", "batv holds one group: batv = ( { ... } );");
		return -1;
	}
	if (!LG_HOST_HAS(h, change_sender) || !LG_HOST_HAS(h, cfg_local_domain)) {
		h->cfg_error(sec, "batv",
			     "batv needs a daemon that can change the envelope sender (plugin ABI 1.4)");
		return -1;
	}
	if ((g = h->cfg_group_at(sec, "batv", 0)) == NULL ||
	    (b = calloc(1, sizeof(*b))) == NULL) {
		h->cfg_error(sec, "batv", "batv: out of memory");
		return -1;
	}
	*batv_r = b;
	b->report_only = report_only;
	if (config_keys(h, g, b) != 0 ||
	    h->cfg_int(g, "days", 7, 1, 365, &b->days) != 0 ||
	    config_lists(h, sec, g, b) != 0)
		return -1;
	return 0;
}

/* batv_domain - DOMAIN is a BATV domain */
static int batv_domain(const struct batv *b, const char *domain)
{
	size_t i;

	for (i = 0; i < b->n_domains; i++)
		if (strcasecmp(b->domains[i], domain) == 0)
			return 1;
	return 0;
}

/* batv_exempt - ADDR ("local@domain") is listed, or its @domain is */
static int batv_exempt(const struct batv *b, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t i;

	for (i = 0; i < b->n_exempt; i++)
		if (strcasecmp(b->exempt[i], b->exempt[i][0] == '@' && at ?
			       at : addr) == 0)
			return 1;
	return 0;
}

/* batv_untag - the plugin's untag member */
int batv_untag(const struct batv *b, const char *local, const char *domain,
	       char *base, size_t size)
{
	const char *rest;
	char sig[7];
	int key, ddd;

	if (!b || !local || !domain || !batv_domain(b, domain) ||
	    !batv_parse(local, &key, &ddd, sig, &rest) || strlen(rest) >= size)
		return 0;
	memcpy(base, rest, strlen(rest) + 1);
	return 1;
}

/* in_play - a recipient still there */
static int in_play(const struct lg_rcpt_info *r)
{
	return r && !r->mta_rejected && !r->refused && !r->deleted;
}

/* count - one more of a counter, when the host keeps them */
static void count(const struct lg_host *h, struct lg_ctx *ctx,
		  const char *name)
{
	if (LG_HOST_HAS(h, count))
		h->count(ctx, name);
}

/* should_sign - outgoing, and no recipient exempt */
static int should_sign(const struct batv *b, const struct lg_host *h,
		       struct lg_ctx *ctx)
{
	size_t i, n = h->rcpt_count(ctx);
	int external = 0;

	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		if (!in_play(r))
			continue;
		if (batv_exempt(b, r->addr))
			return 0;
		if (r->rclass == LG_RCPT_EXTERNAL)
			external = 1;
	}
	return external;
}

/* batv_sign - tag the envelope sender of outgoing mail */
int batv_sign(const struct batv *b, const struct lg_host *h,
	      struct lg_ctx *ctx)
{
	const char *from = h->sender(ctx), *at, *rest;
	char tag[BATV_TAG_LEN + 1], local[BATV_LOCAL_MAX + 1], sig[7];
	char signed_from[BATV_ADDR_MAX + BATV_PREFIX_LEN + BATV_TAG_LEN + 2];
	int key, ddd;

	if (!b || !from[0] || (at = strrchr(from, '@')) == NULL ||
	    at == from || !batv_domain(b, at + 1))
		return 0;
	if ((size_t) (at - from) + BATV_PREFIX_LEN + BATV_TAG_LEN + 1 >
	    BATV_LOCAL_MAX) {
		h->log(ctx, LG_LOG_INFO,
		       "bounce: <%s> not signed: the tagged local part would be too long",
		       from);
		return 0;
	}
	snprintf(local, sizeof(local), "%.*s", (int) (at - from), from);
	if (batv_parse(local, &key, &ddd, sig, &rest) ||
	    batv_exempt(b, from) || !should_sign(b, h, ctx))
		return 0;
	if (batv_make(b->keys[b->sign_key].secret, b->keys[b->sign_key].len,
		      b->sign_key, batv_day(h->now()) + b->days, from,
		      tag) != 0) {
		h->log(ctx, LG_LOG_ERROR, "bounce: cannot sign <%s>", from);
		return -1;
	}
	snprintf(signed_from, sizeof(signed_from), "%s%s=%s", BATV_PREFIX, tag,
		 from);
	if (b->report_only) {
		h->decision(ctx, "report", NULL,
			    "would sign the envelope sender <%s> as <%s>",
			    from, signed_from);
		return 0;
	}
	if (h->change_sender(ctx, signed_from) != 0)
		return -1;
	count(h, ctx, "batv.signed");
	h->log(ctx, LG_LOG_INFO, "bounce: envelope sender <%s> signed as <%s>",
	       from, signed_from);
	return 0;
}

/* batv_deliver - replace each tagged recipient by its existing base */
int batv_deliver(const struct batv *b, const struct lg_host *h,
		 struct lg_ctx *ctx)
{
	size_t i, n;

	if (!b)
		return 0;
	n = h->rcpt_count(ctx);
	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		if (!in_play(r) || !r->untagged || r->rclass != LG_RCPT_LOCAL)
			continue;
		if (h->add_rcpt(ctx, r->untagged) != 0 ||
		    h->del_rcpt(ctx, r->index) != 0)
			return -1;
		h->log(ctx, LG_LOG_DEBUG, "bounce: <%s> delivered to <%s>",
		       r->addr, r->untagged);
	}
	return 0;
}

/* check_tag - one tagged recipient: BATV_GENUINE or BATV_FORGED */
static enum batv_judgement check_tag(const struct batv *b, long today,
				     const struct lg_rcpt_info *r, int key,
				     int ddd, const char *sig,
				     const char *base, char *reason,
				     size_t size)
{
	char addr[BATV_ADDR_MAX + 1], tag[BATV_TAG_LEN + 1];
	int left;

	if (!b->keys[key].set) {
		snprintf(reason, size,
			 "forged bounce: the BATV tag of <%s> names key %d, which is not configured",
			 r->addr, key);
		return BATV_FORGED;
	}
	if ((size_t) snprintf(addr, sizeof(addr), "%s@%s", base, r->domain) >=
	    sizeof(addr) ||
	    batv_make(b->keys[key].secret, b->keys[key].len, key, ddd, addr,
		      tag) != 0 || !batv_sig_equal(tag + 4, sig)) {
		snprintf(reason, size,
			 "forged bounce: the BATV tag of <%s> does not verify",
			 r->addr);
		return BATV_FORGED;
	}
	left = batv_days_left(ddd, today);
	if (left > b->days) {
		snprintf(reason, size,
			 "expired BATV tag: <%s> expired %d day(s) ago",
			 r->addr, 1000 - left);
		return BATV_FORGED;
	}
	snprintf(reason, size, "bounce to a valid BATV tag <%s>", r->addr);
	return BATV_GENUINE;
}

/* batv_judge - a null-sender message judged by its recipients' tags */
enum batv_judgement batv_judge(const struct batv *b, const struct lg_host *h,
			       struct lg_ctx *ctx, char *reason, size_t size,
			       const char **to_r)
{
	size_t i, n, local = 0, valid = 0;
	long today;
	const char *base;
	char sig[7];
	int key, ddd;

	if (!b)
		return BATV_UNDECIDED;
	today = batv_day(h->now());
	n = h->rcpt_count(ctx);
	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		/* batv_deliver may have deleted a tagged one: still judged */
		if (!r || r->mta_rejected || r->refused ||
		    (r->deleted && !r->untagged) ||
		    r->rclass == LG_RCPT_EXTERNAL)
			continue;
		local++;
		if (!batv_domain(b, r->domain) ||
		    !batv_parse(r->local, &key, &ddd, sig, &base))
			continue;
		*to_r = r->addr;
		if (check_tag(b, today, r, key, ddd, sig, base, reason,
			      size) == BATV_FORGED) {
			count(h, ctx, "batv.refused");
			return BATV_FORGED;
		}
		valid++;
	}
	if (local == 0 || valid != local)
		return BATV_UNDECIDED;
	count(h, ctx, "batv.valid");
	return BATV_GENUINE;
}
