/*
 * NAME
 *	harvest.h - the inside of the harvest plugin, shared by harvest.c
 *	and harvest_net.c
 * DESCRIPTION
 *	The instance (its settings) and the networks a client is counted
 *	in: its network at prefix4 or prefix6, and for IPv6 also the wider
 *	network at prefix6_wide.
 */
#ifndef HARVEST_H
#define HARVEST_H

#include <netinet/in.h>
#include <stddef.h>

#include <loopguard/plugin.h>

/* "ffff:...:ffff/128" with room to spare */
#define HARVEST_NET_MAX (INET6_ADDRSTRLEN + 8)
/* the notice's address, as SMTP allows it */
#define HARVEST_ADDR_MAX 254
/* levels a client is counted at: its network, the wide IPv6 network */
#define HARVEST_LEVELS 2

enum harvest_action { HARVEST_TEMPFAIL, HARVEST_REJECT };

struct harvest {
	const struct lg_host *host;
	long long threshold;
	long long threshold6_wide;	/* distinct unknowns per wide net */
	long long window;		/* seconds */
	long long block;		/* seconds */
	char window_text[32];
	char block_text[32];
	long long prefix4;
	long long prefix6;
	long long prefix6_wide;		/* 0, or >= prefix6: not counted */
	enum harvest_action action;
	int report_only;
	int notify;			/* tell the postmaster once per block */
	char postmaster[HARVEST_ADDR_MAX + 1];	/* in a local domain */
};

/* One network a client is counted in. */
struct harvest_level {
	int index;			/* 0: the network; 1: the wide one */
	long long threshold;
	char net[HARVEST_NET_MAX];	/* "2001:db8:1::/48" */
	char key[HARVEST_NET_MAX + 8];	/* "net:" net */
};

/* harvest_levels - the networks CLIENT is counted in (0 for no IP
 * address: a unix socket) */
int harvest_levels(const struct harvest *hv, const char *client,
		   struct harvest_level lv[HARVEST_LEVELS]);
/* harvest_seen_key - "seen:" and a hash of network and recipient */
void harvest_seen_key(const char *net, const char *rcpt, char *buf,
		      size_t size);

#endif
