/*
 * NAME
 *	autoreply - tell a local sender that an address does not exist
 * SYNOPSIS
 *	plugins = ( { name = "autoreply";
 *	              from = "postmaster@%d";
 *	              subject = "Address not found: %{subject}";
 *	              template = "/etc/loopguard/autoreply.txt";
 *	              trust = [ "auth", "networks", "dkim" ];
 *	              interval = "1d"; max_per_day = 20; } );
 * DESCRIPTION
 *	A message with unknown local recipients gets one reply to its
 *	envelope sender, listing them (with "did you mean" suggestions),
 *	only when every rule holds:
 *	- the sender is not null and is in a local domain;
 *	- it is proven: {auth_authen} set ("auth"), client in
 *	  trusted_networks ("networks"), or a verified DKIM signature of
 *	  the sender's domain ("dkim"); trust picks which proofs count;
 *	- the message is not automatic, bulk or list mail (RFC 3834), not
 *	  from a role or noreply-like address, and does not carry the
 *	  loop header;
 *	- no reply went to the same (sender, address) pair within
 *	  interval, and the sender had fewer than max_per_day replies in
 *	  the last day (both kept in the store; a store that does not
 *	  answer means no reply).
 *	The reply is queued in the core's outbox; the message itself is
 *	never changed or delayed. DKIM is only asked for when it would
 *	decide: a local sender not proven otherwise, and an unknown
 *	recipient.
 *
 *	from may use %d for the sender's domain. subject and the
 *	template file may use %{sender}, %{recipients}, %{subject},
 *	%{date}, %{suggestions}; "%%" is a "%".
 * DIAGNOSTICS
 *	"FILE:LINE: plugin autoreply: ..." for settings; a decision line
 *	"action=autoreply" per reply, debug lines for skipped messages.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <loopguard/plugin.h>

#include "autoreply.h"

#define TRUST_AUTH	1
#define TRUST_NETWORKS	2
#define TRUST_DKIM	4
#define MAX_WRONG	20
#define TEMPLATE_MAX	65536

static const char default_template[] =
	"Hello,\n"
	"\n"
	"your message\n"
	"\n"
	"    Subject: %{subject}\n"
	"    Date:    %{date}\n"
	"\n"
	"was not delivered to these addresses, because they do not exist\n"
	"here:\n"
	"\n"
	"    %{recipients}\n"
	"\n"
	"%{suggestions}"
	"Please check the address and send the message again.\n"
	"\n"
	"This reply was generated automatically; it is sent at most\n"
	"once a day for each address.\n";

struct autoreply {
	const struct lg_host *host;
	char *from;
	char *subject;
	char *tmpl;
	unsigned trust;
	long long interval;
	long long max_per_day;
};

/* Per message: did we ask for DKIM. */
struct ar_msg {
	int dkim_asked;
};

/* autoreply_fini - free the instance */
static void autoreply_fini(void *instance)
{
	struct autoreply *ar = instance;

	if (!ar)
		return;
	free(ar->from);
	free(ar->subject);
	free(ar->tmpl);
	free(ar);
}

/* read_template - the whole file, checked; NULL after cfg_error */
static char *read_template(const struct lg_host *h, struct lg_section *cfg,
			   const char *path)
{
	char *text = malloc(TEMPLATE_MAX + 1), bad[64];
	size_t n = 0;
	FILE *fp;

	if (!text)
		return NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		h->cfg_error(cfg, "template", "cannot read \"%s\": %s", path,
			     strerror(errno));
		free(text);
		return NULL;
	}
	n = fread(text, 1, TEMPLATE_MAX + 1, fp);
	fclose(fp);
	if (n > TEMPLATE_MAX) {
		h->cfg_error(cfg, "template", "\"%s\" is larger than %d bytes",
			     path, TEMPLATE_MAX);
		free(text);
		return NULL;
	}
	text[n] = 0;
	if (strlen(text) != n || ar_template_check(text, bad, sizeof(bad))) {
		h->cfg_error(cfg, "template", "\"%s\": %s%s", path,
			     strlen(text) != n ? "has a NUL byte" :
			     "unknown variable ", strlen(text) != n ? "" : bad);
		free(text);
		return NULL;
	}
	return text;
}

/* load_trust - the proofs that count */
static int load_trust(const struct lg_host *h, struct lg_section *cfg,
		      unsigned *trust_r)
{
	size_t n, i;
	const char *w;

	if (h->cfg_strings(cfg, "trust", &n) != 0)
		return -1;
	if (n == 0) {
		*trust_r = TRUST_AUTH | TRUST_NETWORKS | TRUST_DKIM;
		return 0;
	}
	*trust_r = 0;
	for (i = 0; i < n; i++) {
		w = h->cfg_strings_at(cfg, "trust", i);
		if (w && strcmp(w, "auth") == 0)
			*trust_r |= TRUST_AUTH;
		else if (w && strcmp(w, "networks") == 0)
			*trust_r |= TRUST_NETWORKS;
		else if (w && strcmp(w, "dkim") == 0)
			*trust_r |= TRUST_DKIM;
		else {
			h->cfg_error(cfg, "trust",
				     "trust: \"%s\" is not \"auth\", \"networks\" or \"dkim\"",
				     w ? w : "");
			return -1;
		}
	}
	return 0;
}

/* autoreply_init - settings */
static int autoreply_init(const struct lg_host *h, struct lg_section *cfg,
			  void **instance_r)
{
	struct autoreply *ar = calloc(1, sizeof(*ar));
	const char *from, *subject, *tmpl;
	char bad[64];

	if (!ar)
		return -1;
	*instance_r = ar;
	ar->host = h;
	if (h->struct_size < offsetof(struct lg_host, hostname) +
	    sizeof(h->hostname)) {
		h->cfg_error(cfg, NULL, "needs plugin ABI 1.1 (generated mail)");
		return -1;
	}
	if (h->cfg_string(cfg, "from", "postmaster@%d", &from) != 0 ||
	    h->cfg_string(cfg, "subject", "Address not found: %{subject}",
			  &subject) != 0 ||
	    h->cfg_string(cfg, "template", NULL, &tmpl) != 0 ||
	    load_trust(h, cfg, &ar->trust) != 0 ||
	    h->cfg_duration(cfg, "interval", "1d", 60, &ar->interval) != 0 ||
	    h->cfg_int(cfg, "max_per_day", 20, 1, 100000,
		       &ar->max_per_day) != 0)
		return -1;
	if (!strchr(from, '@') || strpbrk(from, " \t\r\n<>\"") ||
	    strlen(from) > 200) {
		h->cfg_error(cfg, "from", "\"%s\" is not an address", from);
		return -1;
	}
	if (ar_template_check(subject, bad, sizeof(bad)) != 0) {
		h->cfg_error(cfg, "subject", "unknown variable %s", bad);
		return -1;
	}
	ar->from = strdup(from);
	ar->subject = strdup(subject);
	ar->tmpl = tmpl ? read_template(h, cfg, tmpl) : strdup(default_template);
	return ar->from && ar->subject && ar->tmpl ? 0 : -1;
}

/* sender_domain - the part after the last "@", or NULL */
static const char *sender_domain(const char *sender)
{
	const char *at = strrchr(sender, '@');

	return at && at[1] ? at + 1 : NULL;
}

/* proven - which proof holds, without DKIM; 1 or 0 */
static int proven_early(const struct autoreply *ar, struct lg_ctx *ctx)
{
	const struct lg_host *h = ar->host;

	return ((ar->trust & TRUST_AUTH) && h->auth_user(ctx)) ||
		((ar->trust & TRUST_NETWORKS) && h->client_trusted(ctx));
}

/* autoreply_envrcpt - ask for DKIM only when it would decide */
static enum lg_verdict autoreply_envrcpt(void *instance, struct lg_ctx *ctx,
					 const struct lg_rcpt_info *rcpt)
{
	struct autoreply *ar = instance;
	const struct lg_host *h = ar->host;
	const char *sender = h->sender(ctx), *domain = sender_domain(sender);
	void **slot = h->msg_slot(ctx);
	struct ar_msg *m;

	if (!(ar->trust & TRUST_DKIM) || rcpt->rclass != LG_RCPT_UNKNOWN ||
	    rcpt->mta_rejected || !domain || !h->is_local_domain(ctx, domain) ||
	    proven_early(ar, ctx) || !slot)
		return LG_CONTINUE;
	if (!*slot && (*slot = h->msg_alloc(ctx, sizeof(*m))) != NULL)
		memset(*slot, 0, sizeof(*m));
	m = *slot;
	if (m && !m->dkim_asked) {
		m->dkim_asked = 1;
		h->dkim_request(ctx);
	}
	return LG_CONTINUE;
}

/* automatic - why the message is automatic/bulk/list mail, or NULL */
static const char *automatic(const struct lg_host *h, struct lg_ctx *ctx)
{
	char v[128];
	size_t i, n = h->header_count(ctx);
	const char *name, *value;

	if (h->header_get(ctx, LG_LOOP_HEADER, 0))
		return "carries the loop header";
	if ((value = h->header_get(ctx, "Auto-Submitted", 0)) != NULL) {
		ar_one_line(value, v, sizeof(v));
		v[strcspn(v, " ;(")] = 0;
		if (strcasecmp(v, "no") != 0)
			return "Auto-Submitted";
	}
	if ((value = h->header_get(ctx, "Precedence", 0)) != NULL) {
		ar_one_line(value, v, sizeof(v));
		if (strcasecmp(v, "bulk") == 0 || strcasecmp(v, "junk") == 0 ||
		    strcasecmp(v, "list") == 0)
			return "Precedence";
	}
	for (i = 0; i < n; i++)
		if (h->header_at(ctx, i, &name, &value) == 0 &&
		    strncasecmp(name, "List-", 5) == 0)
			return "list mail";
	return NULL;
}

/* rfc_date - "Mon, 23 Nov 2026 21:40:00 +0000" */
static void rfc_date(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* suggestions - "did you mean" lines for the wrong addresses */
static void suggestions(const struct lg_host *h, struct lg_ctx *ctx,
			const struct lg_rcpt_info **wrong, size_t n,
			struct ar_buf *out)
{
	struct ar_suggest s;
	size_t i, k;

	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof(s));
		s.wrong = wrong[i]->local;
		s.limit = 2;
		h->recipients_in_domain(ctx, wrong[i]->domain,
					ar_suggest_consider, &s);
		if (s.n == 0)
			continue;
		ar_buf_adds(out, "Instead of ");
		ar_buf_adds(out, wrong[i]->addr);
		ar_buf_adds(out, ", did you mean ");
		for (k = 0; k < s.n; k++) {
			ar_buf_adds(out, k == 0 ? "" : k + 1 == s.n ? " or " : ", ");
			ar_buf_adds(out, s.best[k]);
			ar_buf_adds(out, "@");
			ar_buf_adds(out, wrong[i]->domain);
		}
		ar_buf_adds(out, "?\n");
	}
	if (out->len)
		ar_buf_adds(out, "\n");
	else
		ar_buf_add(out, "", 0);
}

/* msg_id - the first <...> of a Message-ID header, cleaned; "" if none */
static void msg_id(const char *value, char *out, size_t size)
{
	char line[998];
	const char *lt, *gt;

	out[0] = 0;
	ar_one_line(value, line, sizeof(line));
	if ((lt = strchr(line, '<')) && (gt = strchr(lt, '>')) &&
	    (size_t) (gt - lt + 2) <= size && !memchr(lt, ' ', (size_t) (gt - lt)))
		snprintf(out, size, "%.*s", (int) (gt - lt + 1), lt);
}

/* qid - the queue id's letters and digits, for a Message-ID */
static const char *qid(const char *id, char *buf, size_t size)
{
	size_t n = 0;

	for (; id && *id && n + 1 < size; id++)
		if ((*id >= '0' && *id <= '9') || (*id >= 'A' && *id <= 'Z') ||
		    (*id >= 'a' && *id <= 'z'))
			buf[n++] = *id;
	buf[n] = 0;
	return n ? buf : "x";
}

/* compose - the whole reply */
static int compose(struct autoreply *ar, struct lg_ctx *ctx,
		   const char *sender, const char *domain,
		   const struct lg_rcpt_info **wrong, size_t n,
		   struct ar_buf *msg)
{
	const struct lg_host *h = ar->host;
	struct ar_buf rcpts = { 0 }, sugg = { 0 }, subj = { 0 }, body = { 0 };
	struct ar_buf refs = { 0 };
	char from[256], date[64], odate[256], osubj[512], id[300], orig[300];
	char line[998], qbuf[64];
	static unsigned serial;	/* only makes ids unique; races are harmless */
	const char *p;
	struct ar_vars v;
	size_t i;

	for (i = 0; i < n; i++) {
		ar_buf_adds(&rcpts, i ? ", " : "");
		ar_buf_adds(&rcpts, wrong[i]->addr);
	}
	suggestions(h, ctx, wrong, n, &sugg);
	ar_one_line(h->header_get(ctx, "Subject", 0), osubj, sizeof(osubj));
	rfc_date(h->now(), date, sizeof(date));
	ar_one_line(h->header_get(ctx, "Date", 0), odate, sizeof(odate));
	v.sender = sender;
	v.recipients = rcpts.text ? rcpts.text : "";
	v.subject = osubj;
	v.date = odate[0] ? odate : date;
	v.suggestions = sugg.text ? sugg.text : "";
	ar_expand(&subj, ar->subject, &v);
	ar_expand(&body, ar->tmpl, &v);
	/* from: %d is the sender's domain */
	snprintf(from, sizeof(from), "%s", ar->from);
	if ((p = strstr(ar->from, "%d")) != NULL)
		snprintf(from, sizeof(from), "%.*s%s%s", (int) (p - ar->from),
			 ar->from, domain, p + 2);
	snprintf(id, sizeof(id), "<%lld.%s.%u.autoreply@%s>",
		 (long long) h->now(), qid(h->queue_id(ctx), qbuf, sizeof(qbuf)),
		 ++serial, h->hostname());
	ar_header(msg, "From", from, 0);
	ar_header(msg, "To", sender, 0);
	ar_header(msg, "Subject", subj.text ? subj.text : "", 1);
	ar_header(msg, "Date", date, 0);
	ar_header(msg, "Message-ID", id, 0);
	msg_id(h->header_get(ctx, "Message-ID", 0), orig, sizeof(orig));
	if (orig[0]) {
		ar_header(msg, "In-Reply-To", orig, 0);
		ar_one_line(h->header_get(ctx, "References", 0), line,
			    sizeof(line) - sizeof(orig) - 2);
		ar_buf_adds(&refs, line);
		ar_buf_adds(&refs, line[0] ? " " : "");
		ar_buf_adds(&refs, orig);
		ar_header(msg, "References", refs.text, 0);
	}
	ar_header(msg, "Auto-Submitted", "auto-replied", 0);
	ar_header(msg, LG_LOOP_HEADER, h->hostname(), 0);
	ar_header(msg, "MIME-Version", "1.0", 0);
	ar_header(msg, "Content-Type", "text/plain; charset=UTF-8", 0);
	ar_header(msg, "Content-Transfer-Encoding", "8bit", 0);
	ar_buf_add(msg, "\n", 1);
	ar_body(msg, body.text);
	ar_buf_free(&rcpts);
	ar_buf_free(&sugg);
	ar_buf_free(&subj);
	ar_buf_free(&body);
	ar_buf_free(&refs);
	return msg->nomem ? -1 : 0;
}

/* skip - why no reply, at debug level; LG_CONTINUE */
static enum lg_verdict skip(const struct lg_host *h, struct lg_ctx *ctx,
			    const char *why)
{
	h->log(ctx, LG_LOG_DEBUG, "no reply: %s", why);
	return LG_CONTINUE;
}

/* limits - keep the pairs not answered within interval; -1: no reply */
static int limits(struct autoreply *ar, struct lg_ctx *ctx,
		  const char *sender, const struct lg_rcpt_info **wrong,
		  size_t *n)
{
	const struct lg_host *h = ar->host;
	struct lg_store_meta meta = { sender, NULL, NULL, "replied", -1 };
	struct lg_store_value day;
	char key[1200];
	size_t i, kept = 0;
	long long count;
	int rc;

	snprintf(key, sizeof(key), "day:%s", sender);
	rc = h->store_get(ctx, key, &day);
	if (rc < 0 || (rc == 1 && day.count >= ar->max_per_day))
		return -1;
	for (i = 0; i < *n; i++) {
		snprintf(key, sizeof(key), "pair:%s|%s", sender, wrong[i]->addr);
		meta.to = wrong[i]->addr;
		rc = h->store_add(ctx, key, ar->interval, &meta);
		if (rc < 0)
			return -1;
		if (rc == 1)
			wrong[kept++] = wrong[i];
	}
	*n = kept;
	if (kept == 0)
		return -1;
	snprintf(key, sizeof(key), "day:%s", sender);
	meta.to = NULL;
	meta.status = NULL;
	return h->store_incr(ctx, key, 1, 86400, &meta, &count) < 0 ? -1 : 0;
}

/* autoreply_eom - the rules, then the reply */
static enum lg_verdict autoreply_eom(void *instance, struct lg_ctx *ctx)
{
	struct autoreply *ar = instance;
	const struct lg_host *h = ar->host;
	const char *sender = h->sender(ctx), *domain = sender_domain(sender);
	const struct lg_rcpt_info *wrong[MAX_WRONG], *r;
	struct ar_buf msg = { 0 };
	char local[256];
	const char *why;
	size_t i, n = 0;

	for (i = 0; i < h->rcpt_count(ctx) && n < MAX_WRONG; i++)
		if ((r = h->rcpt_at(ctx, i)) && r->rclass == LG_RCPT_UNKNOWN &&
		    !r->mta_rejected && !r->refused && r->addr[0])
			wrong[n++] = r;
	if (n == 0)
		return LG_CONTINUE;
	if (!*sender || !domain)
		return skip(h, ctx, "null or unqualified sender");
	if (!h->is_local_domain(ctx, domain))
		return skip(h, ctx, "sender not in a local domain");
	/* a reply to a local address that does not exist would itself be
	 * redirected to the postmaster */
	if (!h->recipient_exists(ctx, sender))
		return skip(h, ctx, "sender does not exist here");
	snprintf(local, sizeof(local), "%.*s", (int) (domain - 1 - sender),
		 sender);
	if (ar_noreply_sender(local))
		return skip(h, ctx, "role or noreply sender");
	if ((why = automatic(h, ctx)) != NULL)
		return skip(h, ctx, why);
	if (!proven_early(ar, ctx) &&
	    !((ar->trust & TRUST_DKIM) && h->dkim_passed(ctx, domain)))
		return skip(h, ctx, "sender not proven local");
	if (limits(ar, ctx, sender, wrong, &n) != 0)
		return skip(h, ctx, "already replied, or over max_per_day");
	if (compose(ar, ctx, sender, domain, wrong, n, &msg) != 0 ||
	    h->send_mail(ctx, sender, msg.text) != 0) {
		h->log(ctx, LG_LOG_ERROR, "could not queue the reply to <%s>",
		       sender);
	} else {
		h->decision(ctx, "autoreply", sender,
			    "%zu unknown recipient%s, first <%s>", n,
			    n == 1 ? "" : "s", wrong[0]->addr);
	}
	ar_buf_free(&msg);
	return LG_CONTINUE;
}

/* autoreply_needs - the headers; the body only for a DKIM proof */
static void autoreply_needs(const void *instance, unsigned *uses_r,
			    unsigned *answers_r)
{
	const struct autoreply *ar = instance;

	*uses_r = LG_STEP_RCPT | LG_STEP_HEADERS | LG_STEP_EOM;
	if (!ar || (ar->trust & TRUST_DKIM))
		*uses_r |= LG_STEP_BODY;
	*answers_r = LG_STEP_EOM;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "autoreply",
	.version = PACKAGE_VERSION,
	.init = autoreply_init,
	.fini = autoreply_fini,
	.envrcpt = autoreply_envrcpt,
	.eom = autoreply_eom,
	.needs = autoreply_needs,
};
