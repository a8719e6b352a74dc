/*
 * NAME
 *	session_rcpt.c - what a recipient is: parsed, local or not, known
 *	or not, refused by the MTA already
 * DESCRIPTION
 *	The recipient directory is asked for each address of a local
 *	domain; when a source cannot answer, the address is never called
 *	unknown: the caller hears so through *dir_failed_r and answers
 *	on_error.
 *
 *	A plugin may say that a local part is a tag on another (a signed
 *	envelope sender, "prvs=...=alice"): the first loaded plugin with
 *	an untag member that says so, in config order, gives the base,
 *	and the directory is asked about BASE@domain instead; the record
 *	keeps the address as given and notes "BASE@domain" in untagged.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Utility library. */
#include "log.h"
#include "parse.h"

/* Session library. */
#include "session_impl.h"

/* lg_session_macro - a macro from the MTA, or NULL */
const char *lg_session_macro(struct lg_ctx *s, const char *name)
{
	const char *v = s->sink && s->sink->macro ?
		s->sink->macro(s->sink_arg, name) : NULL;

	return v && *v ? v : NULL;
}

/* raw_domain_is_local - RAW, which loopguard cannot parse, still ends
 * in "@DOMAIN" (">" and one trailing dot aside) of a local domain */
static int raw_domain_is_local(const struct lg_ctx *s, const char *raw)
{
	const char *at = strrchr(raw, '@'), *end;
	char domain[256];
	size_t n;

	if (!at)
		return 0;
	end = at + 1 + strcspn(at + 1, ">");
	n = (size_t) (end - at - 1);
	if (n > 1 && at[n] == '.')
		n--;
	if (n == 0 || n >= sizeof(domain))
		return 0;
	memcpy(domain, at + 1, n);
	domain[n] = 0;
	return lg_config_is_local_domain(s->cfg, domain);
}

/* The longest base local part a plugin may give (RFC 5321 allows 64). */
#define UNTAG_BASE_MAX 256

/* plugin_untag - PLUGIN's untag member, or NULL: an older descriptor
 * does not have it */
static int (*plugin_untag(const struct lg_plugin *d))(const void *,
						      const char *,
						      const char *, char *,
						      size_t)
{
	if (d->struct_size < offsetof(struct lg_plugin, untag) +
	    sizeof(d->untag))
		return NULL;
	return d->untag;
}

/* base_ok - what a plugin wrote is a local part: NUL-terminated within
 * SIZE, not empty, no '@', no control characters */
static int base_ok(const char *base, size_t size)
{
	const char *end = memchr(base, 0, size);
	const unsigned char *p;

	if (!end || end == base)
		return 0;
	for (p = (const unsigned char *) base; *p; p++)
		if (*p == '@' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* lg_session_untag - the first plugin that knows LOCAL as a tag */
int lg_session_untag(struct lg_ctx *s, const char *local, const char *domain,
		     char *base, size_t size)
{
	size_t i;

	for (i = 0; i < s->cfg->n_plugins && size > 0; i++) {
		const struct lg_loaded_plugin *lp = &s->cfg->plugins[i];
		int (*untag)(const void *, const char *, const char *, char *,
			     size_t) = plugin_untag(lp->desc);

		if (!untag)
			continue;
		memset(base, 0, size);
		if (untag(lp->instance, local, domain, base, size) != 1)
			continue;
		if (!base_ok(base, size)) {
			lg_log(LG_LOG_DEBUG,
			       "%s: plugin=%s gave a bad base for a tagged recipient: ignored",
			       lg_session_queue_id(s), lp->name);
			continue;
		}
		lg_log(LG_LOG_DEBUG, "%s: plugin=%s recipient %.200s@%.200s is a tag on %s@%.200s",
		       lg_session_queue_id(s), lp->name, local, domain, base,
		       domain);
		return 1;
	}
	return 0;
}

/* lookup - ask the directory about LOCAL@DOMAIN, or about its base
 * when a plugin knows LOCAL as a tag (noted in r->untagged) */
static enum lg_dir_answer lookup(struct lg_ctx *s, struct lg_rcpt_info *r,
				 char *why, size_t whysize)
{
	char base[UNTAG_BASE_MAX];
	const char *local = r->local;

	if (lg_session_untag(s, r->local, r->domain, base, sizeof(base))) {
		size_t n = strlen(base) + 1 + strlen(r->domain) + 1;
		char *u = lg_arena_alloc(&s->msg_arena, n);

		if (!u) {
			snprintf(why, whysize, "out of memory");
			return LG_DIR_FAIL;
		}
		snprintf(u, n, "%s@%s", base, r->domain);
		r->untagged = u;
		local = base;
	}
	return lg_dir_lookup(s->cfg->dir, local, r->domain, why, whysize);
}

/* lg_session_classify_rcpt - fill a recipient record from the raw address;
 * *bad_local_r is set for an unparsable one in a local domain */
struct lg_rcpt_info *lg_session_classify_rcpt(struct lg_ctx *s,
					      const char *raw, int *bad_local_r,
					      int *dir_failed_r)
{
	struct lg_rcpt_info *r = lg_arena_alloc(&s->msg_arena, sizeof(*r));
	const char *local = NULL, *domain = NULL, *mailer;
	enum lg_addr_status st;
	char buf[1024];

	if (!r)
		return NULL;
	r->raw = lg_arena_strdup(&s->msg_arena, raw);
	st = lg_parse_address(raw, 0, buf, sizeof(buf), &local, &domain);
	if (st == LG_ADDR_OK) {
		r->addr = lg_arena_strdup(&s->msg_arena, buf);
		r->local = lg_arena_strdup(&s->msg_arena, local);
		r->domain = lg_arena_strdup(&s->msg_arena, domain);
	} else {
		*bad_local_r = st == LG_ADDR_BAD && raw_domain_is_local(s, raw);
		if (*bad_local_r)
			lg_log(LG_LOG_WARN,
			       "%s: unparsable recipient \"%.200s\" in a local domain: refused (550 5.1.3)",
			       lg_session_queue_id(s), raw);
		else if (st != LG_ADDR_LOCAL_ONLY)
			lg_log(LG_LOG_WARN,
			       "%s: unparsable recipient \"%.200s\": treated as external",
			       lg_session_queue_id(s), raw);
		r->addr = lg_arena_strdup(&s->msg_arena,
					  st == LG_ADDR_LOCAL_ONLY ? buf : "");
		r->local = r->addr;
		r->domain = "";
	}
	if (!r->raw || !r->addr || !r->local || !r->domain)
		return NULL;
	r->rclass = LG_RCPT_EXTERNAL;
	if (*r->domain && lg_config_is_local_domain(s->cfg, r->domain)) {
		char why[300];

		switch (lookup(s, r, why, sizeof(why))) {
		case LG_DIR_YES:
			r->rclass = LG_RCPT_LOCAL;
			break;
		case LG_DIR_NO:
			r->rclass = LG_RCPT_UNKNOWN;
			break;
		default:
			/* never "unknown" because a source failed */
			r->rclass = LG_RCPT_LOCAL;
			*dir_failed_r = 1;
			lg_log(LG_LOG_INFO,
			       "%s: recipient %.200s: the recipient directory cannot answer (%s): %s",
			       lg_session_queue_id(s), r->addr, why,
			       s->cfg->on_error == LG_ACCEPT ?
			       "taken as existing (on_error accept)" :
			       "451 4.3.0 (on_error)");
			break;
		}
	}
	mailer = lg_session_macro(s, "{rcpt_mailer}");
	r->mta_rejected = mailer && strcmp(mailer, "error") == 0;
	return r;
}

