/*
 * NAME
 *	harvest - refuse a client network that probes many addresses
 * SYNOPSIS
 *	plugins = ( { name = "harvest";
 *	              threshold = 20;
 *	              window = "10m";
 *	              block = "1h";
 *	              prefix4 = 32;
 *	              prefix6 = 64;
 *	              prefix6_wide = 48;
 *	              threshold6_wide = 80;
 *	              action = "tempfail";
 *	              notify = true;
 *	              postmaster = "postmaster@example.com";
 *	              mode = "enforce"; } );
 * DESCRIPTION
 *	A directory harvest attack tries address after address. With the
 *	catch-all every local address is accepted, so the MTA's own
 *	"unknown user" limits never fire; this plugin counts instead, at
 *	RCPT, the distinct unknown local recipients per client network:
 *	the client address cut to prefix4 or prefix6 bits. Only the class
 *	the core gave a recipient decides: a recipient in a local domain
 *	that the recipient directory does not know counts, whether or not
 *	the MTA refused it already; a known local address, an external
 *	one (also one the MTA refused, e.g. "Relay access denied") and an
 *	unparsable one never count. One store entry per network,
 *	"net:NETWORK", holds the count within "window". The increment
 *	that makes it threshold + 1 (one only, also with many connections
 *	and MX hosts: the store's increment is atomic) turns the same
 *	entry into the block: status "blocked", expiry the end of "block".
 *	Later increments neither move that expiry nor notify. While the
 *	entry lives every recipient from that network is refused (450
 *	4.7.1 for action "tempfail", 550 5.7.1 for "reject"). Removing the
 *	entry (loopguardctl remove) lets the network in at once.
 *	An IPv6 client is counted twice: in its network at prefix6 and in
 *	the wider one at prefix6_wide (a /48, one site's allocation, which
 *	holds 65,536 /64 networks), where threshold6_wide (by default 4 x
 *	threshold) distinct unknown recipients make the block of the whole
 *	wide network ("net:2001:db8:1::/48"). Either block refuses the
 *	client. prefix6_wide = 0, or one not shorter than prefix6, counts
 *	the one network only. See harvest_net.c.
 *
 *	Distinctness comes from one hidden entry per network and
 *	recipient, "seen:HASH", living "window". The recipient is taken
 *	without its address extension (recipient_delimiter), as the
 *	recipient directory takes it: box+1@, box+2@ ... probe one name
 *	and count once.
 *
 *	When a block starts, "postmaster" (by default postmaster@ the
 *	first of local_domains; it must be in a local domain) gets one
 *	notice, unless notify = false. No notice ever goes to a domain
 *	taken from a recipient or a sender.
 *
 *	Authenticated senders and trusted clients are never counted or
 *	refused. mode = "report" logs what would be done and refuses
 *	nothing; the entries are kept, a would-be block with the status
 *	"would block".
 * DIAGNOSTICS
 *	A decision line per refused recipient. A store that is down lets
 *	mail pass; that is logged once per message.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <loopguard/plugin.h>

#include "harvest.h"

/* Per message: a store failure is logged once. */
struct harvest_msg {
	int store_down_logged;
};

/* Per connection: the network's block as last read from the store. It
 * is read again when older than HARVEST_BLOCK_RECHECK seconds, so a
 * client sending many recipients costs one store read a second, not one
 * per recipient, and a block made or lifted elsewhere (another MX host,
 * loopguardctl remove) counts within that time. */
#define HARVEST_BLOCK_RECHECK 1
struct harvest_conn {
	int block_read[HARVEST_LEVELS];	/* blocked_count below is known */
	time_t read_at[HARVEST_LEVELS];
	long long blocked_count[HARVEST_LEVELS]; /* > threshold: blocked */
};

static const char *const harvest_actions[] = { "tempfail", "reject", NULL };
static const char *const harvest_modes[] = { "enforce", "report", NULL };

/* harvest_format_duration - seconds as "90s", "10m", "1h" or "7d" */
static void harvest_format_duration(long long s, char *buf, size_t size)
{
	if (s > 0 && s % 86400 == 0)
		snprintf(buf, size, "%lldd", s / 86400);
	else if (s > 0 && s % 3600 == 0)
		snprintf(buf, size, "%lldh", s / 3600);
	else if (s > 0 && s % 60 == 0)
		snprintf(buf, size, "%lldm", s / 60);
	else
		snprintf(buf, size, "%llds", s);
}

/* harvest_local_domain - DOMAIN is one of the core's local_domains */
static int harvest_local_domain(const struct lg_host *h,
				struct lg_section *cfg, const char *domain)
{
	const char *d;
	size_t i;

	for (i = 0; (d = h->cfg_local_domain(cfg, i)) != NULL; i++)
		if (strcasecmp(d, domain) == 0)
			return 1;
	return 0;
}

/* harvest_init_postmaster - the notices' address: given, or
 * postmaster@ the first local domain; always in a local domain */
static int harvest_init_postmaster(struct harvest *hv,
				   struct lg_section *cfg)
{
	const struct lg_host *h = hv->host;
	const unsigned char *p;
	const char *addr, *at, *first;

	if (h->struct_size < offsetof(struct lg_host, cfg_local_domain) +
	    sizeof(void *)) {
		h->cfg_error(cfg, NULL, "needs plugin ABI 1.2");
		return -1;
	}
	if (h->cfg_string(cfg, "postmaster", NULL, &addr) != 0)
		return -1;
	first = h->cfg_local_domain(cfg, 0);
	if (!addr) {
		if (!first) {	/* nothing local: nothing to count or tell */
			h->log(NULL, LG_LOG_WARN,
			       "plugin harvest: local_domains is empty, so no recipient is an unknown local one: nothing is counted, blocked or told");
			hv->notify = 0;
			return 0;
		}
		snprintf(hv->postmaster, sizeof(hv->postmaster),
			 "postmaster@%s", first);
		return 0;
	}
	at = strrchr(addr, '@');
	for (p = (const unsigned char *) addr; *p; p++)
		if (*p <= ' ' || *p >= 127 || strchr("<>()[],;:\\\"", *p))
			break;
	if (*p || !at || at == addr || !at[1] || strchr(addr, '@') != at ||
	    strlen(addr) > HARVEST_ADDR_MAX) {
		h->cfg_error(cfg, "postmaster",
			     "postmaster \"%.300s\" is not an address like \"postmaster@%s\"",
			     addr, first ? first : "example.com");
		return -1;
	}
	if (!harvest_local_domain(h, cfg, at + 1)) {
		h->cfg_error(cfg, "postmaster",
			     "postmaster \"%s\" is not in a local domain (local_domains): notices go only to a local address",
			     addr);
		return -1;
	}
	snprintf(hv->postmaster, sizeof(hv->postmaster), "%s", addr);
	return 0;
}

/* harvest_fini - free the instance */
static void harvest_fini(void *instance)
{
	free(instance);
}

/* harvest_init - parse and check the settings */
static int harvest_init(const struct lg_host *h, struct lg_section *cfg,
			void **instance_r)
{
	struct harvest *hv = calloc(1, sizeof(*hv));
	int action, mode;

	if (!hv)
		return -1;
	*instance_r = hv;
	hv->host = h;
	if (h->cfg_int(cfg, "threshold", 20, 1, 1000000, &hv->threshold) != 0 ||
	    h->cfg_duration(cfg, "window", "10m", 1, &hv->window) != 0 ||
	    h->cfg_duration(cfg, "block", "1h", 1, &hv->block) != 0 ||
	    h->cfg_int(cfg, "prefix4", 32, 8, 32, &hv->prefix4) != 0 ||
	    h->cfg_int(cfg, "prefix6", 64, 16, 128, &hv->prefix6) != 0 ||
	    h->cfg_int(cfg, "prefix6_wide", 48, 0, 128,
		       &hv->prefix6_wide) != 0 ||
	    h->cfg_int(cfg, "threshold6_wide", hv->threshold * 4 > 1000000 ?
		       1000000 : hv->threshold * 4, 1, 1000000,
		       &hv->threshold6_wide) != 0 ||
	    h->cfg_enum(cfg, "action", harvest_actions, HARVEST_TEMPFAIL,
			&action) != 0 ||
	    h->cfg_enum(cfg, "mode", harvest_modes, 0, &mode) != 0 ||
	    h->cfg_bool(cfg, "notify", 1, &hv->notify) != 0 ||
	    harvest_init_postmaster(hv, cfg) != 0)
		return -1;
	if (hv->prefix6_wide > 0 && hv->prefix6_wide < 16) {
		h->cfg_error(cfg, "prefix6_wide",
			     "prefix6_wide must be 0 (off) or between 16 and 128, not %lld",
			     hv->prefix6_wide);
		return -1;
	}
	hv->action = (enum harvest_action) action;
	hv->report_only = mode == 1;
	harvest_format_duration(hv->window, hv->window_text,
				sizeof(hv->window_text));
	harvest_format_duration(hv->block, hv->block_text,
				sizeof(hv->block_text));
	return 0;
}

/* harvest_conn_state - this connection's state, made on first use
 * (NULL when out of memory: then nothing is remembered) */
static struct harvest_conn *harvest_conn_state(const struct harvest *hv,
					       struct lg_ctx *ctx)
{
	const struct lg_host *h = hv->host;
	void **slot = h->conn_slot(ctx);

	if (slot && !*slot && (*slot = h->conn_alloc(ctx,
				sizeof(struct harvest_conn))) != NULL)
		memset(*slot, 0, sizeof(struct harvest_conn));
	return slot ? *slot : NULL;
}

/* harvest_block_count - a network's count as stored (0: none), read
 * from the store at most once per HARVEST_BLOCK_RECHECK per connection;
 * -1 when the store could not say */
static long long harvest_block_count(const struct harvest *hv,
				     struct lg_ctx *ctx,
				     const struct harvest_level *lv)
{
	const char *key = lv->key;
	int i = lv->index;
	const struct lg_host *h = hv->host;
	struct harvest_conn *c = harvest_conn_state(hv, ctx);
	time_t now = h->now();
	struct lg_store_value val;
	int rc;

	if (c && c->block_read[i] &&
	    now - c->read_at[i] < HARVEST_BLOCK_RECHECK && now >= c->read_at[i])
		return c->blocked_count[i];
	rc = h->store_get(ctx, key, &val);
	if (rc < 0)
		return -1;
	if (c) {
		c->block_read[i] = 1;
		c->read_at[i] = now;
		c->blocked_count[i] = rc == 1 ? val.count : 0;
	}
	return rc == 1 ? val.count : 0;
}

/* harvest_store_down - log a store failure, once per message */
static void harvest_store_down(const struct harvest *hv, struct lg_ctx *ctx)
{
	const struct lg_host *h = hv->host;
	void **slot = h->msg_slot(ctx);
	struct harvest_msg *m = slot ? *slot : NULL;

	if (m && m->store_down_logged)
		return;
	if (slot && !m && (m = h->msg_alloc(ctx, sizeof(*m))) != NULL)
		*slot = m;
	if (m)
		m->store_down_logged = 1;
	h->log(ctx, LG_LOG_WARN,
	       "store unavailable: unknown recipients are not counted, mail passes");
}

/* harvest_refuse - refuse this recipient (or say so in report mode) */
static enum lg_verdict harvest_refuse(const struct harvest *hv,
				      struct lg_ctx *ctx, const char *to,
				      const char *net, long long count,
				      int starts)
{
	const struct lg_host *h = hv->host;
	const char *action = harvest_actions[hv->action];
	char reason[256];

	if (starts)
		snprintf(reason, sizeof(reason),
			 "network %s blocked for %s: %lld distinct unknown recipients within %s",
			 net, hv->block_text, count, hv->window_text);
	else
		snprintf(reason, sizeof(reason),
			 "network %s is blocked: %lld distinct unknown recipients",
			 net, count);
	if (hv->report_only) {
		h->decision(ctx, "report", to, "would %s: %s", action, reason);
		return LG_CONTINUE;
	}
	h->decision(ctx, action, to, "%s", reason);
	if (hv->action == HARVEST_REJECT) {
		h->set_reply(ctx, "550", "5.7.1",
			     "Too many unknown recipients from your network");
		return LG_REJECT;
	}
	h->set_reply(ctx, "450", "4.7.1",
		     "Too many unknown recipients from your network, try again later");
	return LG_TEMPFAIL;
}

/* harvest_printable - peer text for the notice: printable ASCII, other
 * bytes as "?", cut to fit */
static void harvest_printable(const char *text, char *buf, size_t size)
{
	size_t i;

	for (i = 0; text && text[i] && i + 1 < size; i++)
		buf[i] = (unsigned char) text[i] < ' ' ||
			(unsigned char) text[i] >= 127 ? '?' : text[i];
	buf[i] = 0;
}

/* harvest_notify - the one notice of a block, to the local postmaster
 * address of the settings (never one taken from the envelope) */
static void harvest_notify(const struct harvest *hv, struct lg_ctx *ctx,
			   const char *to, const char *net, long long count)
{
	const struct lg_host *h = hv->host;
	static unsigned serial;
	char last[256], sender[256], date[64], msg[4096];
	const char *host = h->hostname();
	time_t now = h->now();
	struct tm tm;
	int n;

	if (!hv->notify || !hv->postmaster[0])
		return;
	harvest_printable(to, last, sizeof(last));
	harvest_printable(h->sender(ctx), sender, sizeof(sender));
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = snprintf(msg, sizeof(msg),
		     "From: loopguard <MAILER-DAEMON@%s>\n"
		     "To: <%s>\n"
		     "Subject: loopguard: network %s blocked for probing addresses\n"
		     "Date: %s\n"
		     "Message-ID: <%lld.%d.%u.harvest@%s>\n"
		     "Auto-Submitted: auto-generated\n"
		     "%s: %s\n"
		     "MIME-Version: 1.0\n"
		     "Content-Type: text/plain; charset=us-ascii\n"
		     "\n"
		     "The network %s tried %lld addresses that do not exist within %s\n"
		     "(the last one <%s>, sender <%s>). It looks like a directory\n"
		     "harvest attack, so further recipients from it are refused (%s)\n"
		     "for %s. \"loopguardctl list --plugin harvest\" shows the block and\n"
		     "\"loopguardctl remove ID\" lifts it.\n",
		     host, hv->postmaster, net, date, (long long) now,
		     (int) getpid(),
		     __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED), host,
		     LG_LOOP_HEADER, host, net, count, hv->window_text, last,
		     sender,
		     hv->action == HARVEST_TEMPFAIL ? "450 4.7.1" : "550 5.7.1",
		     hv->block_text);
	if (n < 0 || (size_t) n >= sizeof(msg) ||
	    h->send_mail(ctx, hv->postmaster, msg) != 0)
		h->log(ctx, LG_LOG_WARN, "could not queue the postmaster notice");
}

/* harvest_base - TO without its address extension, as the recipient
 * directory cuts it (recipient_delimiter): box+1@, box+2@ ... probe
 * one name, so they count once, as box@ does */
static const char *harvest_base(const struct lg_host *h, struct lg_ctx *ctx,
				const char *to, char *buf, size_t size)
{
	if (h->struct_size >= offsetof(struct lg_host, base_address) +
	    sizeof(h->base_address) && h->base_address &&
	    h->base_address(ctx, to, buf, size) >= 0)
		return buf;
	return to;
}

/* Where one recipient left a network's count. */
struct harvest_tally {
	long long count;	/* the network's count after it (0: not counted) */
	int starts;		/* its increment started the block */
};

/* harvest_count - count an unknown recipient once in one network; the
 * increment that makes the count threshold + 1 (one only, also with
 * many connections and MX hosts) starts the block and tells the
 * postmaster. 0, or -1 when the store failed on the way (t holds what
 * was counted before) */
static int harvest_count(const struct harvest *hv, struct lg_ctx *ctx,
			 const struct harvest_level *lv, const char *to,
			 const char *base, struct harvest_tally *t)
{
	const struct lg_host *h = hv->host;
	struct lg_store_meta seen_meta = { NULL, NULL, NULL, NULL, -1 };
	struct lg_store_meta meta = { NULL, NULL, NULL, "counting", -1 };
	struct harvest_conn *c;
	char seen[32];
	int rc;

	t->count = 0;
	t->starts = 0;
	harvest_seen_key(lv->net, base, seen, sizeof(seen));
	seen_meta.client = lv->net;
	seen_meta.to = to;
	rc = h->store_add(ctx, seen, hv->window, &seen_meta);
	if (rc == 0)
		return 0;	/* this address was counted already */
	meta.from = h->sender(ctx);
	meta.to = to;
	meta.client = lv->net;
	if (rc < 0 ||
	    h->store_incr(ctx, lv->key, 1, hv->window, &meta, &t->count) < 0) {
		t->count = 0;
		return -1;
	}
	if ((c = harvest_conn_state(hv, ctx)) != NULL &&
	    c->block_read[lv->index])
		c->blocked_count[lv->index] = t->count;
	if (t->count <= lv->threshold)
		return 0;
	meta.status = hv->report_only ? "would block" : "blocked";
	if (t->count > lv->threshold + 1)
		/* another connection (or MX host) made the block; its expiry
		 * stays, only the status our increment may have overwritten
		 * with "counting" is put back (an increment by 0 keeps it) */
		return h->store_incr(ctx, lv->key, 0, hv->window, &meta,
				     &t->count) < 0 ? -1 : 0;
	/* exactly threshold + 1: this increment alone starts the block */
	t->starts = 1;
	if (h->store_set(ctx, lv->key, t->count, hv->block, &meta) < 0)
		return -1;
	if (!hv->report_only)
		harvest_notify(hv, ctx, to, lv->net, t->count);
	return 0;
}

/* harvest_envrcpt - refuse a blocked network, count distinct unknown
 * recipients in each network of the client, block past the threshold */
static enum lg_verdict harvest_envrcpt(void *instance, struct lg_ctx *ctx,
				       const struct lg_rcpt_info *rcpt)
{
	struct harvest *hv = instance;
	const struct lg_host *h = hv->host;
	const char *to = *rcpt->addr ? rcpt->addr : rcpt->raw;
	struct harvest_level lv[HARVEST_LEVELS];
	struct harvest_tally t[HARVEST_LEVELS];
	const char *base;
	char buf[1024];
	long long count;
	int i, n;

	if (h->sender_class(ctx) == LG_SENDER_AUTHENTICATED ||
	    h->auth_user(ctx) || h->client_trusted(ctx))
		return LG_CONTINUE;
	if ((n = harvest_levels(hv, h->client_addr(ctx), lv)) == 0)
		return LG_CONTINUE;	/* a unix socket: no network to count */
	for (i = 0; i < n; i++) {
		count = harvest_block_count(hv, ctx, &lv[i]);
		if (count < 0) {
			harvest_store_down(hv, ctx);
			return LG_CONTINUE;
		}
		if (count > lv[i].threshold)
			return harvest_refuse(hv, ctx, to, lv[i].net, count, 0);
	}
	/* only an unknown address in a local domain counts; the MTA's own
	 * refusal changes nothing (it may be "Relay access denied") */
	if (rcpt->rclass != LG_RCPT_UNKNOWN)
		return LG_CONTINUE;
	base = harvest_base(h, ctx, to, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		if (harvest_count(hv, ctx, &lv[i], to, base, &t[i]) < 0)
			harvest_store_down(hv, ctx);
	for (i = 0; i < n; i++)
		if (t[i].count > lv[i].threshold)
			return harvest_refuse(hv, ctx, to, lv[i].net,
					      t[i].count, t[i].starts);
	return LG_CONTINUE;
}

/* harvest_needs - it counts and refuses at RCPT */
static void harvest_needs(const void *instance, unsigned *uses_r,
			  unsigned *answers_r)
{
	(void) instance;
	*uses_r = LG_STEP_RCPT;
	*answers_r = LG_STEP_RCPT;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "harvest",
	.version = PACKAGE_VERSION,
	.init = harvest_init,
	.fini = harvest_fini,
	.envrcpt = harvest_envrcpt,
	.needs = harvest_needs,
};
