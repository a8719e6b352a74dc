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
 *	              action = "tempfail";
 *	              notify = true;
 *	              mode = "enforce"; } );
 * DESCRIPTION
 *	A directory harvest attack tries address after address. With the
 *	catch-all every local address is accepted, so the MTA's own
 *	"unknown user" limits never fire; this plugin counts instead, at
 *	RCPT, the distinct unknown recipients (and those the MTA already
 *	rejected) per client network: the client address cut to prefix4
 *	or prefix6 bits. One store entry per network, "net:NETWORK",
 *	holds the count within "window". When it passes "threshold" the
 *	same entry becomes the block: status "blocked", expiry the end of
 *	"block", and while it lives every recipient from that network is
 *	refused (450 4.7.1 for action "tempfail", 550 5.7.1 for "reject").
 *	Removing the entry (loopguardctl remove) lets the network in at
 *	once. Distinctness comes from one hidden entry per network and
 *	recipient, "seen:HASH", living "window".
 *
 *	When a block starts, the postmaster of the probed domain gets one
 *	notice, unless notify = false.
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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <loopguard/plugin.h>

/* "ffff:...:ffff/128" with room to spare */
#define HARVEST_NET_MAX (INET6_ADDRSTRLEN + 8)

enum harvest_action { HARVEST_TEMPFAIL, HARVEST_REJECT };

struct harvest {
	const struct lg_host *host;
	long long threshold;
	long long window;		/* seconds */
	long long block;		/* seconds */
	char window_text[32];
	char block_text[32];
	long long prefix4;
	long long prefix6;
	enum harvest_action action;
	int report_only;
	int notify;			/* tell the postmaster once per block */
};

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
	int block_read;		/* blocked_count below is known */
	time_t read_at;
	long long blocked_count;	/* > threshold: the network is blocked */
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

/* harvest_mask - keep the first prefix bits of len bytes */
static void harvest_mask(unsigned char *a, size_t len, unsigned prefix)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned bits = prefix > 8 * i ? prefix - 8 * (unsigned) i : 0;

		if (bits >= 8)
			continue;
		a[i] &= (unsigned char) (0xff << (8 - bits));
	}
}

/* harvest_network - "192.0.2.0/24" or "2001:db8::/64" for a client
 * address; 0, or -1 if it is no IP address */
static int harvest_network(const struct harvest *hv, const char *client,
			   char *buf, size_t size)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	int family = AF_INET, n;
	unsigned prefix;

	if (inet_pton(AF_INET, client, a) != 1) {
		if (inet_pton(AF_INET6, client, a) != 1)
			return -1;
		family = AF_INET6;
		/* ::ffff:192.0.2.1 is an IPv4 client */
		if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	}
	prefix = (unsigned) (family == AF_INET ? hv->prefix4 : hv->prefix6);
	harvest_mask(a, family == AF_INET ? 4 : 16, prefix);
	if (!inet_ntop(family, a, text, sizeof(text)))
		return -1;
	n = snprintf(buf, size, "%s/%u", text, prefix);
	return n > 0 && (size_t) n < size ? 0 : -1;
}

/* harvest_seen_key - "seen:" and a 64-bit FNV-1a of network and
 * recipient (ASCII case folded) in hex */
static void harvest_seen_key(const char *net, const char *rcpt, char *buf,
			     size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;

	for (p = (const unsigned char *) net; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h = (h ^ 0) * 0x100000001b3ULL;
	for (p = (const unsigned char *) rcpt; *p; p++) {
		unsigned char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char) (c - 'A' + 'a');
		h = (h ^ c) * 0x100000001b3ULL;
	}
	snprintf(buf, size, "seen:%016llx", (unsigned long long) h);
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
	    h->cfg_enum(cfg, "action", harvest_actions, HARVEST_TEMPFAIL,
			&action) != 0 ||
	    h->cfg_enum(cfg, "mode", harvest_modes, 0, &mode) != 0 ||
	    h->cfg_bool(cfg, "notify", 1, &hv->notify) != 0)
		return -1;
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

/* harvest_block_count - the network's count as stored (0: none), read
 * from the store at most once per HARVEST_BLOCK_RECHECK per connection;
 * -1 when the store could not say */
static long long harvest_block_count(const struct harvest *hv,
				     struct lg_ctx *ctx, const char *key)
{
	const struct lg_host *h = hv->host;
	struct harvest_conn *c = harvest_conn_state(hv, ctx);
	time_t now = h->now();
	struct lg_store_value val;
	int rc;

	if (c && c->block_read && now - c->read_at < HARVEST_BLOCK_RECHECK &&
	    now >= c->read_at)
		return c->blocked_count;
	rc = h->store_get(ctx, key, &val);
	if (rc < 0)
		return -1;
	if (c) {
		c->block_read = 1;
		c->read_at = now;
		c->blocked_count = rc == 1 ? val.count : 0;
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

/* harvest_notify - one notice to the postmaster when a block starts */
static void harvest_notify(const struct harvest *hv, struct lg_ctx *ctx,
			   const struct lg_rcpt_info *rcpt, const char *net,
			   long long count)
{
	const struct lg_host *h = hv->host;
	char subject[256], body[2048];

	if (!hv->notify || !*rcpt->domain || h->struct_size <
	    offsetof(struct lg_host, notify_postmaster) + sizeof(void *))
		return;
	snprintf(subject, sizeof(subject),
		 "loopguard: network %s blocked for probing addresses", net);
	snprintf(body, sizeof(body),
		 "The network %s tried %lld addresses that do not exist within %s\n"
		 "(the last one <%s>, sender <%s>). It looks like a directory\n"
		 "harvest attack, so further recipients from it are refused (%s)\n"
		 "for %s. \"loopguardctl list --plugin harvest\" shows the block and\n"
		 "\"loopguardctl remove ID\" lifts it.\n",
		 net, count, hv->window_text, rcpt->addr, h->sender(ctx),
		 hv->action == HARVEST_TEMPFAIL ? "450 4.7.1" : "550 5.7.1",
		 hv->block_text);
	if (h->notify_postmaster(ctx, rcpt->domain, subject, body) != 0)
		h->log(ctx, LG_LOG_WARN, "could not queue the postmaster notice");
}

/* harvest_envrcpt - refuse a blocked network, count distinct unknown
 * recipients, block past the threshold */
static enum lg_verdict harvest_envrcpt(void *instance, struct lg_ctx *ctx,
				       const struct lg_rcpt_info *rcpt)
{
	struct harvest *hv = instance;
	const struct lg_host *h = hv->host;
	const char *to = *rcpt->addr ? rcpt->addr : rcpt->raw;
	struct lg_store_meta seen_meta = { NULL, NULL, NULL, NULL, -1 };
	struct lg_store_meta meta = { NULL, NULL, NULL, "counting", -1 };
	char net[HARVEST_NET_MAX], key[HARVEST_NET_MAX + 8], seen[32];
	struct harvest_conn *c;
	long long count;
	int rc;

	if (h->sender_class(ctx) == LG_SENDER_AUTHENTICATED ||
	    h->auth_user(ctx) || h->client_trusted(ctx))
		return LG_CONTINUE;
	if (harvest_network(hv, h->client_addr(ctx), net, sizeof(net)) != 0)
		return LG_CONTINUE;	/* a unix socket: no network to count */
	snprintf(key, sizeof(key), "net:%s", net);

	count = harvest_block_count(hv, ctx, key);
	if (count < 0) {
		harvest_store_down(hv, ctx);
		return LG_CONTINUE;
	}
	if (count > hv->threshold)
		return harvest_refuse(hv, ctx, to, net, count, 0);
	if (rcpt->rclass != LG_RCPT_UNKNOWN && !rcpt->mta_rejected)
		return LG_CONTINUE;

	harvest_seen_key(net, to, seen, sizeof(seen));
	seen_meta.client = net;
	seen_meta.to = to;
	rc = h->store_add(ctx, seen, hv->window, &seen_meta);
	if (rc == 0)
		return LG_CONTINUE;	/* this address was counted already */
	meta.from = h->sender(ctx);
	meta.to = to;
	meta.client = net;
	if (rc < 0 ||
	    h->store_incr(ctx, key, 1, hv->window, &meta, &count) < 0) {
		harvest_store_down(hv, ctx);
		return LG_CONTINUE;
	}
	if ((c = harvest_conn_state(hv, ctx)) != NULL && c->block_read)
		c->blocked_count = count;
	if (count <= hv->threshold)
		return LG_CONTINUE;
	meta.status = hv->report_only ? "would block" : "blocked";
	if (h->store_set(ctx, key, count, hv->block, &meta) < 0)
		harvest_store_down(hv, ctx);
	else if (!hv->report_only)
		harvest_notify(hv, ctx, rcpt, net, count);
	return harvest_refuse(hv, ctx, to, net, count, 1);
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "harvest",
	.version = PACKAGE_VERSION,
	.init = harvest_init,
	.fini = harvest_fini,
	.envrcpt = harvest_envrcpt,
};
