/*
 * NAME
 *	bounce_plugin.h - the bounce plugin's private interface
 * SYNOPSIS
 *	#include "bounce_plugin.h"
 * DESCRIPTION
 *	What the files of the bounce plugin share: the instance and the
 *	per-message state, and one entry point per job.
 *	bounce.c: settings and hooks. bounce_judge.c: the ledger and the
 *	verdict on a bounce at end of message. bounce_reply.c: the ids an
 *	answer names (In-Reply-To, References) and the auto-reply
 *	markers. bounce_rcpt.c: the cheap checks at RCPT (max_bounce_rcpts,
 *	never_send). bounce_report.c: what bounced (the DSN fields of the
 *	decision line) and the plugin's counters.
 */
#ifndef BOUNCE_PLUGIN_H
#define BOUNCE_PLUGIN_H

#include <stddef.h>

#include <loopguard/plugin.h>

#include "bounce.h"

#define BOUNCE_REPLY_IDS	20	/* ids of one answer looked up */
#define BOUNCE_NEVER_SEND_MAX	100	/* never_send entries */
#define BOUNCE_ADDR_MAX		254	/* a never_send entry */
#define BOUNCE_DSN_TEXT_MAX	640	/* the DSN fields of a decision */
#define BOUNCE_STATUS_NAMES	32	/* statuses counted by name */

enum bounce_action {
	ACTION_REJECT = 0,
	ACTION_DISCARD,
	ACTION_TAG,
	ACTION_QUARANTINE
};

extern const char *const bounce_actions[];

struct bounce {
	const struct lg_host *host;
	enum bounce_action action;
	long long ledger_ttl;
	long long max_loops;
	int report_only;
	int replies;			/* answers to ledger ids pass */
	long long max_bounce_rcpts;
	int multi_rcpt_reject;		/* multi_rcpt_action = "reject" */
	int never_send_reject;		/* never_send_action = "reject" */
	char **never_send;		/* lower case */
	size_t n_never_send;
	struct batv *batv;		/* NULL: BATV off (batv.c) */
};

/* Per message. */
struct bounce_msg {
	int candidate;		/* null sender, local recipient */
	char *buf;		/* the captured body of a bounce */
	size_t len, cap;
	int full;		/* keep no more (the cap, or no memory) */
	long long rcpts;	/* local recipients of a bounce taken */
};

/* bounce_judge.c */
enum lg_verdict bounce_edit_failed(const struct lg_host *h,
				   struct lg_ctx *ctx, const char *what);
void bounce_record(struct bounce *b, struct lg_ctx *ctx);
int bounce_own_mail(const struct lg_host *h, struct lg_ctx *ctx);
int bounce_count_loops(const struct lg_host *h, struct lg_ctx *ctx);
enum lg_verdict bounce_act(struct bounce *b, struct lg_ctx *ctx,
			   enum bounce_action action, const char *to,
			   const char *reason);
enum lg_verdict bounce_judge(struct bounce *b, struct lg_ctx *ctx,
			     const struct bounce_original *o, const char *to);

/* bounce_reply.c */
size_t bounce_reply_ids(const char *in_reply_to, const char *references,
			char (*ids)[BOUNCE_ID_MAX + 1], size_t max);
size_t bounce_reply_ids_of(const struct lg_host *h, struct lg_ctx *ctx,
			   char (*ids)[BOUNCE_ID_MAX + 1], size_t max);
const char *bounce_reply_marker(const struct lg_host *h, struct lg_ctx *ctx,
				char *buf, size_t size);

/* bounce_rcpt.c */
int bounce_rcpt_init(struct bounce *b, struct lg_section *cfg);
void bounce_rcpt_fini(struct bounce *b);
enum lg_verdict bounce_rcpt(struct bounce *b, struct lg_ctx *ctx,
			    struct bounce_msg *m,
			    const struct lg_rcpt_info *r);

/* bounce_report.c */
int bounce_field_ok(const char *value);
int bounce_status_ok(const char *status);
void bounce_dsn_text(const struct bounce_original *o, char *buf,
		     size_t size);
void bounce_dsn_count(const struct lg_host *h, struct lg_ctx *ctx,
		      const struct bounce_original *o);
void bounce_count(const struct lg_host *h, struct lg_ctx *ctx,
		  const char *name);

#endif
