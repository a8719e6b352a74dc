/*
 * NAME
 *	harvest_net.c - the networks the harvest plugin counts a client in
 * SYNOPSIS
 *	#include "harvest.h"
 *
 *	n = harvest_levels(hv, "2001:db8:1:2::7", lv);
 * DESCRIPTION
 *	A client is counted in its network: its address cut to prefix4
 *	or prefix6 bits ("192.0.2.0/24", "2001:db8:1:2::/64"). An IPv6
 *	client is also counted in the wider network at prefix6_wide bits
 *	("2001:db8:1::/48", with threshold6_wide), when that is set and
 *	shorter than prefix6: one allocation holds 65,536 /64 networks,
 *	and each would otherwise be a counter of its own. An IPv4-mapped
 *	IPv6 address is an IPv4 client.
 *
 *	harvest_seen_key() names the hidden entry that makes a recipient
 *	count once per network: a 64-bit FNV-1a of network and recipient
 *	(ASCII case folded).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "harvest.h"

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

/* harvest_format - "NETWORK/PREFIX" of an address; 0 or -1 */
static int harvest_format(int family, const unsigned char *addr,
			  unsigned prefix, char *buf, size_t size)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	int n;

	memcpy(a, addr, family == AF_INET ? 4 : 16);
	harvest_mask(a, family == AF_INET ? 4 : 16, prefix);
	if (!inet_ntop(family, a, text, sizeof(text)))
		return -1;
	n = snprintf(buf, size, "%s/%u", text, prefix);
	return n > 0 && (size_t) n < size ? 0 : -1;
}

/* harvest_level - fill one level: network, its key, its threshold */
static int harvest_level(struct harvest_level *lv, int index, int family,
			 const unsigned char *a, unsigned prefix,
			 long long threshold)
{
	lv->index = index;
	lv->threshold = threshold;
	if (harvest_format(family, a, prefix, lv->net, sizeof(lv->net)) < 0)
		return -1;
	snprintf(lv->key, sizeof(lv->key), "net:%s", lv->net);
	return 0;
}

/* harvest_levels - the networks CLIENT is counted in: 1 or 2, or 0 if
 * it is no IP address */
int harvest_levels(const struct harvest *hv, const char *client,
		   struct harvest_level lv[HARVEST_LEVELS])
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	unsigned char a[16];
	int family = AF_INET;

	if (!client || inet_pton(AF_INET, client, a) != 1) {
		if (!client || inet_pton(AF_INET6, client, a) != 1)
			return 0;
		family = AF_INET6;
		/* ::ffff:192.0.2.1 is an IPv4 client */
		if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	}
	if (family == AF_INET)
		return harvest_level(&lv[0], 0, family, a,
				     (unsigned) hv->prefix4, hv->threshold) < 0 ?
			0 : 1;
	if (harvest_level(&lv[0], 0, family, a, (unsigned) hv->prefix6,
			  hv->threshold) < 0)
		return 0;
	if (hv->prefix6_wide == 0 || hv->prefix6_wide >= hv->prefix6)
		return 1;
	return harvest_level(&lv[1], 1, family, a,
			     (unsigned) hv->prefix6_wide,
			     hv->threshold6_wide) < 0 ? 1 : 2;
}

/* harvest_seen_key - "seen:" and a 64-bit FNV-1a of network and
 * recipient (ASCII case folded) in hex */
void harvest_seen_key(const char *net, const char *rcpt, char *buf,
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
