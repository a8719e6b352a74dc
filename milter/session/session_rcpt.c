/*
 * NAME
 *	session_rcpt.c - what a recipient is: parsed, local or not, known
 *	or not, refused by the MTA already
 * DESCRIPTION
 *	The recipient directory is asked for each address of a local
 *	domain; when a source cannot answer, the address is never called
 *	unknown: the caller hears so through *dir_failed_r and answers
 *	on_error.
 */
#include "config.h"

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

		switch (lg_dir_lookup(s->cfg->dir, r->local, r->domain, why,
				      sizeof(why))) {
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

