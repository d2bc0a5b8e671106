#include "flowhash.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* Link types (https://www.tcpdump.org/linktypes.html). */
enum {
	LT_NULL = 0, LT_ETHER = 1, LT_RAW_OLD = 12, LT_RAW_OLD2 = 14, LT_RAW = 101,
	LT_LOOP = 108, LT_SLL = 113, LT_IPV4 = 228, LT_IPV6 = 229, LT_SLL2 = 276,
};
enum {
	ET_IP4 = 0x0800, ET_IP6 = 0x86dd, ET_VLAN = 0x8100, ET_QINQ = 0x88a8,
	ET_QINQ_OLD = 0x9100, ET_TEB = 0x6558, ET_ERSPAN2 = 0x88be, ET_ERSPAN3 = 0x22eb,
};
enum {
	IP_HOPOPT = 0, IP_IPIP = 4, IP_TCP = 6, IP_UDP = 17, IP_IPV6 = 41, IP_ROUTING = 43,
	IP_FRAGMENT = 44, IP_GRE = 47, IP_AH = 51, IP_DSTOPTS = 60, IP_SCTP = 132,
	IP_MOBILITY = 135, IP_HIP = 139, IP_SHIM6 = 140,
};
#define PORT_VXLAN 4789
#define PORT_GENEVE 6081

#define MAX_TAGS 4    /* VLAN tags in a row */
#define MAX_EXT 8     /* IPv6 extension headers, AH included */
#define MAX_DEPTH 3   /* tunnels inside tunnels */

static int ip_any(const uint8_t *p, uint32_t n, struct flow_key *k, int depth);

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static uint64_t word(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* One step of a multiply-xorshift hash, and its finish (MurmurHash3's fmix64). */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/* The datagram a fragment belongs to: direction matters, it is not a flow. */
static uint64_t datagram_key(const struct flow_key *k, uint8_t proto, uint32_t id)
{
	uint64_t h = mix(0x6a09e667f3bcc908ull, word(k->src));

	h = mix(h, word(k->src + 8));
	h = mix(h, word(k->dst));
	h = mix(h, word(k->dst + 8));
	return finish(mix(h, (uint64_t)id << 16 | (uint64_t)proto << 8 | k->family));
}

/* A tunnel's payload: replaces k by the inner flow if that parses, else
 * keeps the outer one. A fragmented outer layer keeps its fragment fields:
 * its later fragments are placed by them. */
static int inner(int (*parse)(const uint8_t *, uint32_t, struct flow_key *, int),
		 const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	struct flow_key in;

	if (depth >= MAX_DEPTH)
		return 0;
	memset(&in, 0, sizeof(in));
	if (parse(p, n, &in, depth + 1) < 0)
		return 0;
	in.depth = (uint8_t)(depth + 1 > in.depth ? depth + 1 : in.depth);
	if (k->frag != FLOW_WHOLE) {
		in.frag = k->frag;
		in.frag_key = k->frag_key;
	}
	*k = in;
	return 0;
}

static int by_ethertype(uint16_t type, const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	for (int tags = 0; type == ET_VLAN || type == ET_QINQ || type == ET_QINQ_OLD; tags++) {
		if (tags == MAX_TAGS)
			return -EPROTONOSUPPORT;
		if (n < 4)
			return -EBADMSG;
		type = be16(p + 2);
		p += 4;
		n -= 4;
	}
	if (type == ET_IP4 || type == ET_IP6)
		return ip_any(p, n, k, depth);
	return -EPROTONOSUPPORT;
}

static int ether(const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	if (n < 14)
		return -EBADMSG;
	return by_ethertype(be16(p + 12), p + 14, n - 14, k, depth);
}

/* GRE (RFC 2784/2890) and the ERSPAN headers it may carry. */
static int gre(const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	if (n < 4)
		return 0;
	uint16_t flags = be16(p), type = be16(p + 2);
	uint32_t hl = 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);

	if ((flags & 0x4007) || n < hl) /* routing present, or not version 0 */
		return 0;
	p += hl;
	n -= hl;
	if (type == ET_ERSPAN2 && (flags & 0x1000)) { /* type II: 8-byte header */
		if (n < 8)
			return 0;
		return inner(ether, p + 8, n - 8, k, depth);
	}
	if (type == ET_ERSPAN3) { /* 12 bytes, then 8 more when O is set */
		uint32_t eh = n >= 12 && (p[11] & 1) ? 20 : 12;
		return n < eh ? 0 : inner(ether, p + eh, n - eh, k, depth);
	}
	if (type == ET_TEB || type == ET_ERSPAN2) /* ERSPAN I: no header */
		return inner(ether, p, n, k, depth);
	if (type == ET_IP4 || type == ET_IP6)
		return inner(ip_any, p, n, k, depth);
	return 0;
}

/* VXLAN and Geneve carry Ethernet over UDP; the outer UDP flow stands when
 * the payload does not look like them. */
static int udp_tunnel(const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	if (n < 16)
		return 0;
	if (k->dport == PORT_VXLAN && (p[8] & 0x08))
		return inner(ether, p + 16, n - 16, k, depth);
	if (k->dport == PORT_GENEVE && (p[8] >> 6) == 0 && be16(p + 10) == ET_TEB) {
		uint32_t hl = 8 + 8 + (uint32_t)(p[8] & 0x3f) * 4;
		return n < hl ? 0 : inner(ether, p + hl, n - hl, k, depth);
	}
	return 0;
}

static int transport(uint8_t proto, const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	k->proto = proto;
	switch (proto) {
	case IP_TCP:
	case IP_UDP:
	case IP_SCTP:
		if (n < 4)
			return -EBADMSG;
		k->sport = be16(p);
		k->dport = be16(p + 2);
		k->has_ports = 1;
		return proto == IP_UDP ? udp_tunnel(p, n, k, depth) : 0;
	case IP_GRE:
		return gre(p, n, k, depth);
	case IP_IPIP:
	case IP_IPV6:
		return inner(ip_any, p, n, k, depth);
	}
	return 0; /* other IP: addresses and protocol */
}

/* Length of the IPv6 extension header whose length byte is len, or 0 if
 * nh is not one. */
static uint32_t ext_len(uint8_t nh, uint8_t len)
{
	switch (nh) {
	case IP_HOPOPT:
	case IP_ROUTING:
	case IP_DSTOPTS:
	case IP_MOBILITY:
	case IP_HIP:
	case IP_SHIM6:
		return ((uint32_t)len + 1) * 8;
	case IP_AH:
		return ((uint32_t)len + 2) * 4;
	case IP_FRAGMENT:
		return 8;
	}
	return 0;
}

static void ip6_fragment(const uint8_t *p, struct flow_key *k)
{
	uint16_t off = be16(p + 2);

	if (off & 0xfff8)
		k->frag = FLOW_FRAG_LATER;
	else if (off & 1)
		k->frag = FLOW_FRAG_FIRST;
	if (k->frag != FLOW_WHOLE)
		k->frag_key = datagram_key(k, p[0], be32(p + 4));
}

/* The extension header chain up to the transport header (AH included, so
 * IPv4 uses it too from its protocol field). */
static int ip_chain(uint8_t nh, const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	for (int i = 0; i <= MAX_EXT; i++) {
		uint32_t len = ext_len(nh, n >= 2 ? p[1] : 0);
		if (!len || (k->family == 4 && nh != IP_AH))
			return transport(nh, p, n, k, depth);
		if (n < len || n < 8)
			return -EBADMSG;
		if (nh == IP_FRAGMENT)
			ip6_fragment(p, k);
		k->proto = p[0];
		if (k->frag == FLOW_FRAG_LATER)
			return 0;
		nh = p[0];
		p += len;
		n -= len;
	}
	return -EBADMSG;
}

static int ip4(const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	if (n < 20 || (p[0] & 15) < 5 || n < (uint32_t)(p[0] & 15) * 4)
		return -EBADMSG;
	uint32_t hl = (uint32_t)(p[0] & 15) * 4, total = be16(p + 2);
	uint16_t fo = be16(p + 6);

	if (total >= hl && total < n)
		n = total; /* link padding is not payload */
	k->family = 4;
	memcpy(k->src, p + 12, 4);
	memcpy(k->dst, p + 16, 4);
	k->proto = p[9];
	if (fo & 0x1fff)
		k->frag = FLOW_FRAG_LATER;
	else if (fo & 0x2000)
		k->frag = FLOW_FRAG_FIRST;
	if (k->frag != FLOW_WHOLE)
		k->frag_key = datagram_key(k, p[9], be16(p + 4));
	return k->frag == FLOW_FRAG_LATER ? 0 : ip_chain(p[9], p + hl, n - hl, k, depth);
}

static int ip6(const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	uint32_t plen;

	if (n < 40)
		return -EBADMSG;
	plen = be16(p + 4);
	if (plen && plen + 40 < n)
		n = plen + 40;
	k->family = 6;
	memcpy(k->src, p + 8, 16);
	memcpy(k->dst, p + 24, 16);
	return ip_chain(p[6], p + 40, n - 40, k, depth);
}

static int ip_any(const uint8_t *p, uint32_t n, struct flow_key *k, int depth)
{
	if (n < 1)
		return -EBADMSG;
	if (p[0] >> 4 == 4)
		return ip4(p, n, k, depth);
	if (p[0] >> 4 == 6)
		return ip6(p, n, k, depth);
	return -EPROTONOSUPPORT;
}

/* NULL and LOOP: an address family; BSD systems disagree on AF_INET6. */
static int by_family(uint32_t af, const uint8_t *p, uint32_t n, struct flow_key *k)
{
	switch (af) {
	case 2:
	case 10:
	case 24:
	case 28:
	case 30:
		return ip_any(p, n, k, 0);
	}
	return -EPROTONOSUPPORT;
}

int flow_parse(uint32_t linktype, const uint8_t *p, uint32_t n, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	switch (linktype) {
	case LT_ETHER:
		return ether(p, n, k, 0);
	case LT_SLL:
		return n < 16 ? -EBADMSG : by_ethertype(be16(p + 14), p + 16, n - 16, k, 0);
	case LT_SLL2:
		return n < 20 ? -EBADMSG : by_ethertype(be16(p), p + 20, n - 20, k, 0);
	case LT_RAW:
	case LT_RAW_OLD:
	case LT_RAW_OLD2:
	case LT_IPV4:
	case LT_IPV6:
		return ip_any(p, n, k, 0);
	case LT_LOOP:
		return n < 4 ? -EBADMSG : by_family(be32(p), p + 4, n - 4, k);
	case LT_NULL: {
		/* The capturing host's byte order: a family fits in 16 bits. */
		if (n < 4)
			return -EBADMSG;
		uint32_t af = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		return by_family(af > 0xffff ? be32(p) : af, p + 4, n - 4, k);
	}
	}
	return -EPROTONOSUPPORT;
}

int flow_linktype_known(uint32_t linktype)
{
	static const uint32_t known[] = { LT_NULL, LT_ETHER, LT_RAW_OLD, LT_RAW_OLD2, LT_RAW,
					  LT_LOOP, LT_SLL, LT_IPV4, LT_IPV6, LT_SLL2 };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i] == linktype)
			return 1;
	return 0;
}

uint32_t flow_hash(const struct flow_key *k, enum flow_mode mode)
{
	int ports = mode == FLOW_5TUPLE && k->has_ports;
	uint16_t sp = ports ? k->sport : 0, dp = ports ? k->dport : 0;
	int c = memcmp(k->src, k->dst, 16);
	/* Both directions hash alike: the smaller endpoint goes first. */
	int swap = c > 0 || (c == 0 && sp > dp);
	const uint8_t *a = swap ? k->dst : k->src, *b = swap ? k->src : k->dst;
	uint16_t pa = swap ? dp : sp, pb = swap ? sp : dp;
	uint64_t tail = (uint64_t)pa << 32 | (uint64_t)pb << 16 | k->family;
	uint64_t h = mix(0xbb67ae8584caa73bull, word(a));

	if (mode == FLOW_5TUPLE)
		tail |= (uint64_t)k->proto << 8;
	h = mix(h, word(a + 8));
	h = mix(h, word(b));
	h = mix(h, word(b + 8));
	return (uint32_t)(finish(mix(h, tail)) >> 32);
}

int flow_mode_parse(const char *s, enum flow_mode *mode)
{
	if (!strcasecmp(s, "5tuple"))
		*mode = FLOW_5TUPLE;
	else if (!strcasecmp(s, "2tuple"))
		*mode = FLOW_2TUPLE;
	else
		return -EINVAL;
	return 0;
}

const char *flow_mode_name(enum flow_mode mode)
{
	return mode == FLOW_2TUPLE ? "2tuple" : "5tuple";
}
