/*
 * NAME
 *	bounce_rcpt - cheap checks on a bounce at RCPT
 * SYNOPSIS
 *	#include "bounce_plugin.h"
 *
 *	bounce_rcpt_init(b, cfg);	(in init)
 *	v = bounce_rcpt(b, ctx, m, rcpt);	(each recipient)
 *	bounce_rcpt_fini(b);
 * DESCRIPTION
 *	Two checks that catch forged bounces before any data is sent,
 *	each for a local recipient (known or unknown) of a null-sender
 *	message, each refusing that one recipient (550 5.7.1) or "off":
 *	- max_bounce_rcpts (default 1): a delivery report and an RFC 3834
 *	  answer go to the one return path of one message, so a bounce
 *	  has one recipient here. The local recipients past the first
 *	  max_bounce_rcpts are refused (multi_rcpt_action); the ones
 *	  taken are judged at end of message as usual, so a bounce is
 *	  never lost whole.
 *	- never_send: addresses that send no mail can receive no bounce.
 *	  An entry with '@' is a whole address, any other a local part
 *	  (in every local domain); both compared case-insensitively with
 *	  the recipient, with its address extension removed, and with the
 *	  address a signed-sender tag stands for. never_send_action
 *	  (default "reject"). An absent or empty list means the default
 *	  list: noreply, no-reply, no_reply, donotreply, do-not-reply,
 *	  do_not_reply.
 *	In report mode a refusal is logged as "would reject" and the
 *	recipient is taken. Each refusal is a decision line and a counter
 *	("multi_rcpt", "never_send").
 * DIAGNOSTICS
 *	"FILE:LINE: plugin bounce: never_send: ..." for a bad entry.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "bounce_plugin.h"

static const char *const never_send_default[] = {
	"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
	"do_not_reply", NULL
};

static const char *const cheap_actions[] = { "reject", "off", NULL };

/* add_entry - a lower-case copy of ENTRY, checked; 0 or -1 */
static int add_entry(struct bounce *b, struct lg_section *cfg,
		     const char *entry)
{
	const struct lg_host *h = b->host;
	const char *at = strchr(entry, '@');
	size_t i, n = strlen(entry);
	char *copy;

	for (i = 0; i < n; i++)
		if ((unsigned char) entry[i] <= ' ' ||
		    (unsigned char) entry[i] >= 127)
			break;
	if (n == 0 || n > BOUNCE_ADDR_MAX || i < n || at == entry ||
	    (at && (strchr(at + 1, '@') || !at[1]))) {
		h->cfg_error(cfg, "never_send",
			     "never_send: \"%s\" is neither a local part nor an address",
			     entry);
		return -1;
	}
	if ((copy = strdup(entry)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (copy[i] >= 'A' && copy[i] <= 'Z')
			copy[i] = (char) (copy[i] - 'A' + 'a');
	b->never_send[b->n_never_send++] = copy;
	return 0;
}

/* bounce_rcpt_init - the settings of the cheap checks; 0 or -1 */
int bounce_rcpt_init(struct bounce *b, struct lg_section *cfg)
{
	const struct lg_host *h = b->host;
	int multi, never;
	size_t n = 0, i;

	if (h->cfg_int(cfg, "max_bounce_rcpts", 1, 1, 1000,
		       &b->max_bounce_rcpts) != 0 ||
	    h->cfg_enum(cfg, "multi_rcpt_action", cheap_actions, 0,
			&multi) != 0 ||
	    h->cfg_enum(cfg, "never_send_action", cheap_actions, 0,
			&never) != 0 ||
	    h->cfg_strings(cfg, "never_send", &n) != 0)
		return -1;
	b->multi_rcpt_reject = multi == 0;
	b->never_send_reject = never == 0;
	if (n > BOUNCE_NEVER_SEND_MAX) {
		h->cfg_error(cfg, "never_send",
			     "never_send: at most %d entries, not %zu",
			     BOUNCE_NEVER_SEND_MAX, n);
		return -1;
	}
	b->never_send = calloc(n ? n : sizeof(never_send_default) /
			       sizeof(never_send_default[0]), sizeof(char *));
	if (!b->never_send)
		return -1;
	for (i = 0; i < n; i++)
		if (add_entry(b, cfg, h->cfg_strings_at(cfg, "never_send", i))
		    != 0)
			return -1;
	for (i = 0; n == 0 && never_send_default[i]; i++)
		if (add_entry(b, cfg, never_send_default[i]) != 0)
			return -1;
	return 0;
}

/* bounce_rcpt_fini - free the never_send list */
void bounce_rcpt_fini(struct bounce *b)
{
	size_t i;

	for (i = 0; i < b->n_never_send; i++)
		free(b->never_send[i]);
	free(b->never_send);
	b->never_send = NULL;
	b->n_never_send = 0;
}

/* listed - the never_send entry ADDR ("local@domain") matches, or NULL */
static const char *listed(const struct bounce *b, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t i, local = at ? (size_t) (at - addr) : strlen(addr);

	for (i = 0; i < b->n_never_send; i++) {
		const char *e = b->never_send[i];

		if (strchr(e, '@') ? strcasecmp(e, addr) == 0 :
		    strlen(e) == local && strncasecmp(e, addr, local) == 0)
			return e;
	}
	return NULL;
}

/* never_sends - the never_send entry that names recipient R, or NULL */
static const char *never_sends(const struct bounce *b, struct lg_ctx *ctx,
			       const struct lg_rcpt_info *r)
{
	const struct lg_host *h = b->host;
	char base[BOUNCE_ADDR_MAX + 2];
	const char *e;

	if ((e = listed(b, r->addr)) != NULL)
		return e;
	if (r->untagged && (e = listed(b, r->untagged)) != NULL)
		return e;
	if (LG_HOST_HAS(h, base_address) &&
	    h->base_address(ctx, r->untagged ? r->untagged : r->addr, base,
			    sizeof(base)) == 1)
		return listed(b, base);
	return NULL;
}

/* refuse - refuse R (or say so, in report mode) */
static enum lg_verdict refuse(struct bounce *b, struct lg_ctx *ctx,
			      const struct lg_rcpt_info *r, const char *text,
			      const char *reason)
{
	const struct lg_host *h = b->host;

	if (b->report_only) {
		h->decision(ctx, "report", r->addr, "would reject: %s", reason);
		return LG_CONTINUE;
	}
	if (h->set_reply(ctx, "550", "5.7.1", text) != 0) {
		h->log(ctx, LG_LOG_ERROR, "bounce: cannot queue the reply; tempfail");
		return LG_TEMPFAIL;
	}
	h->decision(ctx, "reject", r->addr, "%s", reason);
	return LG_REJECT;
}

/* bounce_rcpt - the cheap checks for one recipient of a bounce */
enum lg_verdict bounce_rcpt(struct bounce *b, struct lg_ctx *ctx,
			    struct bounce_msg *m,
			    const struct lg_rcpt_info *r)
{
	const struct lg_host *h = b->host;
	char reason[BOUNCE_ADDR_MAX + 128];
	enum lg_verdict v;
	const char *e;

	if (b->never_send_reject && (e = never_sends(b, ctx, r)) != NULL) {
		bounce_count(h, ctx, "never_send");
		snprintf(reason, sizeof(reason),
			 "bounce to an address that sends no mail (never_send %s)",
			 e);
		v = refuse(b, ctx, r,
			   "Bounce not accepted: this address sends no mail",
			   reason);
		if (v != LG_CONTINUE)
			return v;
	}
	if (b->multi_rcpt_reject && m->rcpts >= b->max_bounce_rcpts) {
		bounce_count(h, ctx, "multi_rcpt");
		snprintf(reason, sizeof(reason),
			 "bounce to more than %lld local recipient%s (max_bounce_rcpts)",
			 b->max_bounce_rcpts,
			 b->max_bounce_rcpts == 1 ? "" : "s");
		v = refuse(b, ctx, r,
			   "Bounce not accepted: a bounce has a single recipient",
			   reason);
		if (v != LG_CONTINUE)
			return v;
	}
	m->rcpts++;
	return LG_CONTINUE;
}
