/* Link-type conversion to Ethernet: the rules of tcprewrite --dlt=enet from
 * Debian's tcpreplay 4.5.1 (plugins dlt_linuxsll, dlt_linuxsll2, dlt_raw,
 * dlt_null, dlt_loop into dlt_en10mb; tcpedit_packet's checks), see
 * docs/linktype.md for the rules and the deliberate differences. */
#include "linkconv.h"

#include <stddef.h>
#include <string.h>

#include "pcap_format.h"

#define ETHERTYPE_MIN 0x0600 /* below: an 802.3 length, no Ethernet II type */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define IPV4_MIN_HEADER 20
#define IPV6_HEADER 40
#define VLAN_TAG 4
/* tcprewrite finds no L2 length in an Ethernet frame of 18 bytes or less. */
#define ETHER_MIN_FRAME 19
#define TCPREWRITE_SNAPLEN 65535u

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_type(uint8_t eth[LINKCONV_ETHER_LEN], uint16_t type)
{
	eth[12] = (uint8_t)(type >> 8);
	eth[13] = (uint8_t)type;
}

/* What a header function returns besides -1: the MACs tcprewrite will not
 * touch again for multicast IP addresses (see multicast_macs). */
#define KEEP_SRC 1
#define KEEP_DST 2

/* Linux cooked headers: the source address is the frame's source MAC when
 * the device is Ethernet or loopback; the destination is unknown (zeros).
 * tcprewrite writes the new MACs over the first 12 bytes of the old header
 * and remembers which of them changed: those keep their value. Other
 * devices (tun, WireGuard, PPP...) have no MAC: tcprewrite refuses their
 * records; we convert them as the raw IP they carry (docs/linktype.md). */
static int from_cooked(const uint8_t *d, size_t hatype, size_t addr, size_t proto,
		       uint8_t eth[LINKCONV_ETHER_LEN])
{
	uint16_t t = be16(d + hatype);
	int keep = 0;

	memset(eth, 0, LINKCONV_ETHER_LEN);
	if (t == ARPHRD_ETHER || t == ARPHRD_LOOPBACK) {
		memcpy(eth + 6, d + addr, 6);
		keep |= memcmp(d + 6, eth + 6, 6) ? KEEP_SRC : 0;
		keep |= memcmp(d, eth, 6) ? KEEP_DST : 0;
	}
	put_type(eth, be16(d + proto));
	return keep;
}

/* SLL: packet type, hatype, halen, address[8], protocol. */
static int from_sll(const uint8_t *d, uint8_t eth[LINKCONV_ETHER_LEN])
{
	return from_cooked(d, 2, 6, 14, eth);
}

/* SLL2: protocol, reserved, ifindex, hatype, packet type, halen, address[8]. */
static int from_sll2(const uint8_t *d, uint8_t eth[LINKCONV_ETHER_LEN])
{
	return from_cooked(d, 8, 12, 0, eth);
}

/* Raw IP: the version nibble names the type; no addresses (zeros), none
 * kept. */
static int from_raw(const uint8_t *d, uint8_t eth[LINKCONV_ETHER_LEN])
{
	memset(eth, 0, LINKCONV_ETHER_LEN);
	if (d[0] >> 4 == 4)
		put_type(eth, ETHERTYPE_IPV4);
	else if (d[0] >> 4 == 6)
		put_type(eth, ETHERTYPE_IPV6);
	else
		return -1;
	return 0;
}

/* NULL and LOOP: a 4-byte address family, in either byte order (NULL is
 * the writer's host order, LOOP network order; tcprewrite takes both for
 * both). AF_INET6 differs per OS: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD,
 * 30 macOS. No addresses (zeros), none kept. */
static int af_is(uint32_t af, uint32_t want)
{
	return af == want || __builtin_bswap32(af) == want;
}

static int from_null(const uint8_t *d, uint8_t eth[LINKCONV_ETHER_LEN])
{
	uint32_t af;

	memcpy(&af, d, sizeof(af));
	memset(eth, 0, LINKCONV_ETHER_LEN);
	if (af_is(af, 2))
		put_type(eth, ETHERTYPE_IPV4);
	else if (af_is(af, 10) || af_is(af, 24) || af_is(af, 28) || af_is(af, 30))
		put_type(eth, ETHERTYPE_IPV6);
	else
		return -1;
	return 0;
}

struct link {
	uint32_t linktype;
	uint32_t strip;   /* link header bytes replaced by the Ethernet header */
	uint32_t min;     /* the least caplen tcprewrite decodes */
	/* Fills eth; returns its KEEP_ flags, or -1: no Ethernet II type. */
	int (*header)(const uint8_t *d, uint8_t eth[LINKCONV_ETHER_LEN]);
};

static const struct link links[] = {
	{ 113, 16, 16, from_sll },  /* LINUX_SLL */
	{ 276, 20, 20, from_sll2 }, /* LINUX_SLL2 */
	{ 101, 0, IPV4_MIN_HEADER, from_raw }, /* RAW */
	{ 12, 0, IPV4_MIN_HEADER, from_raw },  /* DLT_RAW as most systems number it */
	{ 14, 0, IPV4_MIN_HEADER, from_raw },  /* DLT_RAW as OpenBSD numbers it */
	{ 0, 4, 4, from_null },     /* NULL */
	{ 108, 4, 4, from_null },   /* LOOP */
};

static const struct link *link_of(uint32_t linktype)
{
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (links[i].linktype == linktype)
			return &links[i];
	return NULL;
}

int linkconv_supported(uint32_t linktype)
{
	return link_of(linktype) != NULL;
}

uint32_t linkconv_snaplen(uint32_t linktype, uint32_t snaplen)
{
	const struct link *l = link_of(linktype);
	uint64_t longest = (uint64_t)pcap_caplen_limit(snaplen) + LINKCONV_ETHER_LEN;

	if (l)
		longest -= l->strip;
	if (longest <= TCPREWRITE_SNAPLEN)
		return TCPREWRITE_SNAPLEN;
	return longest < PCAP_MAX_CAPLEN ? (uint32_t)longest : PCAP_MAX_CAPLEN;
}

/* The type after any VLAN tags (as tcprewrite walks them), or 0 when a tag
 * is cut short. */
static uint16_t inner_type(uint16_t type, const uint8_t *l3, uint32_t n)
{
	uint32_t off = 0;

	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
		if (n - off < VLAN_TAG)
			return 0;
		type = be16(l3 + off + 2);
		off += VLAN_TAG;
	}
	return type;
}

/* tcprewrite's checks on the frame it made: an Ethernet II type (after any
 * VLAN tags), and the whole IPv4 (with options) or IPv6 fixed header. */
static int frame_ok(const uint8_t eth[LINKCONV_ETHER_LEN], const uint8_t *l3, uint32_t n)
{
	uint16_t type = be16(eth + 12);

	if (n + LINKCONV_ETHER_LEN < ETHER_MIN_FRAME || n > PCAP_MAX_CAPLEN - LINKCONV_ETHER_LEN)
		return 0;
	if (inner_type(type, l3, n) < ETHERTYPE_MIN)
		return 0;
	if (type == ETHERTYPE_IPV4)
		return n >= IPV4_MIN_HEADER && (uint32_t)(l3[0] & 0x0f) * 4 <= n;
	if (type == ETHERTYPE_IPV6)
		return n >= IPV6_HEADER;
	return 1;
}

/* tcprewrite 4.5.1 (dlt_en10mb_merge_layer3) gives a multicast IP address
 * a multicast MAC, source and destination, unless it kept the MAC: IPv6
 * 33:33 and the address's last 4 bytes; IPv4 01:00:5e in the first 3 bytes
 * only (its code sets byte 2 twice). tcpreplay 4.5.2 changed both. */
static void multicast4(const uint8_t *ip, uint8_t *mac)
{
	if ((ip[0] & 0xf0) == 0xe0)
		mac[0] = 0x01, mac[1] = 0x00, mac[2] = 0x5e;
}

static void multicast6(const uint8_t *ip, uint8_t *mac)
{
	if (ip[0] == 0xff) {
		mac[0] = mac[1] = 0x33;
		memcpy(mac + 2, ip + 12, 4);
	}
}

static void multicast_macs(uint8_t eth[LINKCONV_ETHER_LEN], const uint8_t *l3, int keep)
{
	uint16_t type = be16(eth + 12);

	if (type == ETHERTYPE_IPV4) {
		if (!(keep & KEEP_SRC))
			multicast4(l3 + 12, eth + 6);
		if (!(keep & KEEP_DST))
			multicast4(l3 + 16, eth);
	} else if (type == ETHERTYPE_IPV6) {
		if (!(keep & KEEP_SRC))
			multicast6(l3 + 8, eth + 6);
		if (!(keep & KEEP_DST))
			multicast6(l3 + 24, eth);
	}
}

int linkconv_to_ether(uint32_t linktype, const uint8_t *data, uint32_t caplen,
		      uint8_t eth[LINKCONV_ETHER_LEN], uint32_t *strip)
{
	const struct link *l = link_of(linktype);
	int keep;

	if (!l || caplen < l->min || (keep = l->header(data, eth)) < 0)
		return -1;
	if (!frame_ok(eth, data + l->strip, caplen - l->strip))
		return -1;
	multicast_macs(eth, data + l->strip, keep);
	*strip = l->strip;
	return 0;
}
