/* Building captured packets for the flow hash and group tests. Each builder
 * writes at p and returns the bytes written. */
#ifndef UNIT_PACKETS_H
#define UNIT_PACKETS_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

/* One direction of a flow: family 4 or 6, addresses as text. */
struct pkt_flow {
	int family;
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
};

static inline struct pkt_flow pkt_reverse(struct pkt_flow f)
{
	return (struct pkt_flow){ f.family, f.dst, f.src, f.proto, f.dport, f.sport };
}

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t pkt_l4(uint8_t *p, const struct pkt_flow *f, uint32_t payload)
{
	memset(p, 0, 20 + payload);
	pkt_put16(p, f->sport);
	pkt_put16(p + 2, f->dport);
	if (f->proto == 17)
		pkt_put16(p + 4, (uint16_t)(8 + payload));
	if (f->proto == 6) {
		p[12] = 0x50; /* 20-byte header */
		p[13] = 0x10; /* ACK */
	}
	return (f->proto == 6 ? 20 : f->proto == 17 ? 8 : f->proto == 132 ? 12 : 8) + payload;
}

/* An IPv4 header: frag is the flags+offset field (0x2000 more fragments). */
static inline uint32_t pkt_ip4_hdr(uint8_t *p, const struct pkt_flow *f, uint8_t proto,
				   uint16_t id, uint16_t frag, uint32_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	pkt_put16(p + 2, (uint16_t)(20 + payload));
	pkt_put16(p + 4, id);
	pkt_put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, f->src, p + 12);
	inet_pton(AF_INET, f->dst, p + 16);
	return 20;
}

static inline uint32_t pkt_ip6_hdr(uint8_t *p, const struct pkt_flow *f, uint8_t nh, uint32_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	pkt_put16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, f->src, p + 8);
	inet_pton(AF_INET6, f->dst, p + 24);
	return 40;
}

/* A whole unfragmented IP packet of flow f with payload bytes of data. */
static inline uint32_t pkt_ip(uint8_t *p, const struct pkt_flow *f, uint32_t payload)
{
	uint32_t hl = f->family == 4 ? 20 : 40;
	uint32_t l4 = pkt_l4(p + hl, f, payload);

	if (f->family == 4)
		pkt_ip4_hdr(p, f, f->proto, 1, 0, l4);
	else
		pkt_ip6_hdr(p, f, f->proto, l4);
	return hl + l4;
}

/* An Ethernet header with ntags VLAN tags (the outer one 802.1ad). */
static inline uint32_t pkt_ether(uint8_t *p, uint16_t type, int ntags)
{
	uint32_t n = 12;

	memset(p, 0, 12);
	p[0] = 2;
	p[6] = 2;
	p[11] = 1;
	for (int i = 0; i < ntags; i++, n += 4) {
		pkt_put16(p + n, i == 0 && ntags > 1 ? 0x88a8 : 0x8100);
		pkt_put16(p + n + 2, (uint16_t)(100 + i));
	}
	pkt_put16(p + n, type);
	return n + 2;
}

static inline uint16_t pkt_ethertype(const struct pkt_flow *f)
{
	return f->family == 4 ? 0x0800 : 0x86dd;
}

#endif
