/* Flow hashing for consumer groups (issue 13): parses one captured record
 * down to its transport header and gives a symmetric hash of its flow, the
 * same for both directions. Pure: no I/O, no state.
 *
 * Link types: Ethernet (802.1Q, 802.1ad/QinQ tags, up to 4), LINUX_SLL,
 * LINUX_SLL2, RAW (and LINKTYPE_IPV4/IPV6), NULL and LOOP. Network: IPv4
 * (options, AH) and IPv6 (hop-by-hop, routing, destination options,
 * fragment, AH, mobility, HIP, shim6 headers). Transport ports: TCP, UDP,
 * SCTP. Tunnels are hashed by their innermost flow: GRE (IP, transparent
 * Ethernet, ERSPAN I/II/III), VXLAN (UDP 4789), Geneve (UDP 6081), IP in IP,
 * up to 3 levels; a tunnel whose inner headers do not parse is hashed by its
 * outer flow. See docs/groups.md. */
#ifndef PCAP_BROKER_FLOWHASH_H
#define PCAP_BROKER_FLOWHASH_H

#include <stdint.h>

enum flow_mode {
	FLOW_5TUPLE, /* addresses, protocol, ports (TCP/UDP/SCTP) */
	FLOW_2TUPLE, /* the address pair only */
};

enum flow_frag {
	FLOW_WHOLE,      /* not a fragment (or an atomic one) */
	FLOW_FRAG_FIRST, /* offset 0, more to come: it has the ports */
	FLOW_FRAG_LATER, /* offset > 0: no transport header */
};

struct flow_key {
	uint8_t family;     /* 4 or 6 */
	uint8_t proto;      /* transport protocol, after extension headers */
	uint8_t has_ports;  /* sport and dport are valid */
	uint8_t frag;       /* enum flow_frag, of the outermost fragmented layer */
	uint8_t depth;      /* tunnel layers removed */
	uint16_t sport, dport;
	uint8_t src[16], dst[16]; /* IPv4: the first 4 bytes, the rest 0 */
	uint64_t frag_key;  /* when frag: names the datagram (addresses, protocol, ID) */
};

/* The flow of one record of a capture of link type linktype, p[0..n) being
 * its captured bytes. 0, -EPROTONOSUPPORT for a record that is not IP (or a
 * link type it does not know), -EBADMSG for headers cut short or
 * malformed. */
int flow_parse(uint32_t linktype, const uint8_t *p, uint32_t n, struct flow_key *k);

/* Nonzero for the link types flow_parse() knows. */
int flow_linktype_known(uint32_t linktype);

/* The symmetric hash of a parsed flow. FLOW_5TUPLE uses the ports when the
 * key has them, else addresses and protocol; FLOW_2TUPLE the addresses. */
uint32_t flow_hash(const struct flow_key *k, enum flow_mode mode);

/* "5tuple" / "2tuple": 0 or -EINVAL. */
int flow_mode_parse(const char *s, enum flow_mode *mode);
const char *flow_mode_name(enum flow_mode mode);

#endif
