/* The flow hasher: symmetry, every link type and encapsulation, extension
 * headers, fragments, bad input, spread over buckets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowhash.h"
#include "packets.h"
#include "unit.h"

enum { LT_NULL = 0, LT_ETHER = 1, LT_RAW = 101, LT_LOOP = 108, LT_SLL = 113, LT_SLL2 = 276 };

static const struct pkt_flow tcp4 = { 4, "192.0.2.1", "198.51.100.7", 6, 40000, 443 };
static const struct pkt_flow udp4 = { 4, "10.0.0.1", "10.0.0.2", 17, 5353, 53 };
static const struct pkt_flow tcp6 = { 6, "2001:db8::1", "2001:db8:1::2", 6, 51000, 22 };
static const struct pkt_flow sctp6 = { 6, "2001:db8::9", "2001:db8::3", 132, 2905, 2905 };
static const struct pkt_flow icmp4 = { 4, "192.0.2.1", "198.51.100.7", 1, 0, 0 };

static uint8_t buf[4096];

static uint32_t must_hash(uint32_t lt, const uint8_t *p, uint32_t n, enum flow_mode mode)
{
	struct flow_key k;

	CHECK(flow_parse(lt, p, n, &k) == 0);
	return flow_hash(&k, mode);
}

/* The hash of flow f as a bare IP packet: what every framing must equal. */
static uint32_t ref_hash(const struct pkt_flow *f, enum flow_mode mode)
{
	uint8_t p[256];
	uint32_t n = pkt_ip(p, f, 10);

	return must_hash(LT_RAW, p, n, mode);
}

static void test_symmetry(void)
{
	const struct pkt_flow *flows[] = { &tcp4, &udp4, &tcp6, &sctp6, &icmp4 };

	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		struct pkt_flow back = pkt_reverse(*flows[i]);
		for (int mode = FLOW_5TUPLE; mode <= FLOW_2TUPLE; mode++)
			CHECK(ref_hash(flows[i], mode) == ref_hash(&back, mode));
	}
	/* Same hosts, other ports: another flow in 5tuple, the same in 2tuple. */
	struct pkt_flow other = tcp4;
	other.sport++;
	CHECK(ref_hash(&other, FLOW_5TUPLE) != ref_hash(&tcp4, FLOW_5TUPLE));
	CHECK(ref_hash(&other, FLOW_2TUPLE) == ref_hash(&tcp4, FLOW_2TUPLE));
	/* 2tuple keeps ICMP with the TCP flows of the same hosts; 5tuple does not. */
	CHECK(ref_hash(&icmp4, FLOW_2TUPLE) == ref_hash(&tcp4, FLOW_2TUPLE));
	CHECK(ref_hash(&icmp4, FLOW_5TUPLE) != ref_hash(&tcp4, FLOW_5TUPLE));
	/* Same address both ways (loopback): the ports still order it. */
	struct pkt_flow lo = { 4, "127.0.0.1", "127.0.0.1", 6, 1234, 80 };
	struct pkt_flow lo_back = pkt_reverse(lo);
	CHECK(ref_hash(&lo, FLOW_5TUPLE) == ref_hash(&lo_back, FLOW_5TUPLE));
}

static void test_random_symmetry(void)
{
	char a[64], b[64];

	srand(7);
	for (int i = 0; i < 2000; i++) {
		int v6 = i & 1;
		if (v6) {
			snprintf(a, sizeof(a), "2001:db8::%x:%x", rand() & 0xffff, rand() & 0xffff);
			snprintf(b, sizeof(b), "2001:db8:%x::%x", rand() & 0xffff, rand() & 0xffff);
		} else {
			snprintf(a, sizeof(a), "10.%d.%d.%d", rand() & 255, rand() & 255, rand() & 255);
			snprintf(b, sizeof(b), "10.%d.%d.%d", rand() & 255, rand() & 255, rand() & 255);
		}
		struct pkt_flow f = { v6 ? 6 : 4, a, b, (uint8_t)(i % 3 ? 6 : 17),
				      (uint16_t)rand(), (uint16_t)rand() };
		struct pkt_flow r = pkt_reverse(f);
		CHECK(ref_hash(&f, FLOW_5TUPLE) == ref_hash(&r, FLOW_5TUPLE));
		CHECK(ref_hash(&f, FLOW_2TUPLE) == ref_hash(&r, FLOW_2TUPLE));
	}
}

/* Every link type, every tag count: the same hash as the bare packet. */
static void test_link_types(void)
{
	const struct pkt_flow *flows[] = { &tcp4, &tcp6 };

	for (size_t i = 0; i < 2; i++) {
		const struct pkt_flow *f = flows[i];
		uint32_t want = ref_hash(f, FLOW_5TUPLE), n;
		int v4 = f->family == 4;

		for (int tags = 0; tags <= 3; tags++) {
			n = pkt_ether(buf, pkt_ethertype(f), tags);
			n += pkt_ip(buf + n, f, 10);
			CHECK(must_hash(LT_ETHER, buf, n, FLOW_5TUPLE) == want);
		}
		/* LINUX_SLL: protocol at 14 of 16 bytes; SLL2: at 0 of 20. */
		memset(buf, 0, 20);
		pkt_put16(buf + 14, pkt_ethertype(f));
		n = 16 + pkt_ip(buf + 16, f, 10);
		CHECK(must_hash(LT_SLL, buf, n, FLOW_5TUPLE) == want);
		memset(buf, 0, 20);
		pkt_put16(buf, pkt_ethertype(f));
		n = 20 + pkt_ip(buf + 20, f, 10);
		CHECK(must_hash(LT_SLL2, buf, n, FLOW_5TUPLE) == want);
		/* NULL: family in the capturing host's order, either one; LOOP: network order. */
		uint32_t af = v4 ? 2 : 24;
		uint8_t le[4] = { (uint8_t)af, 0, 0, 0 }, be[4] = { 0, 0, 0, (uint8_t)af };
		n = 4 + pkt_ip(buf + 4, f, 10);
		memcpy(buf, le, 4);
		CHECK(must_hash(LT_NULL, buf, n, FLOW_5TUPLE) == want);
		memcpy(buf, be, 4);
		CHECK(must_hash(LT_NULL, buf, n, FLOW_5TUPLE) == want);
		CHECK(must_hash(LT_LOOP, buf, n, FLOW_5TUPLE) == want);
		be[3] = v4 ? 2 : 10; /* Linux AF_INET6 */
		memcpy(buf, be, 4);
		CHECK(must_hash(LT_LOOP, buf, n, FLOW_5TUPLE) == want);
		CHECK(must_hash(228 + !v4, buf + 4, n - 4, FLOW_5TUPLE) == want); /* LINKTYPE_IPV4/6 */
	}
	CHECK(flow_linktype_known(LT_SLL2) && !flow_linktype_known(105));
}

/* IPv6 extension headers and IPv4 options/AH sit between IP and ports. */
static void test_extension_headers(void)
{
	uint32_t want6 = ref_hash(&tcp6, FLOW_5TUPLE), want4 = ref_hash(&tcp4, FLOW_5TUPLE);
	/* hop-by-hop (8), routing (24), destination options (16), AH (16), then TCP. */
	uint8_t *e = buf + 40;
	uint32_t n;

	memset(buf, 0, sizeof(buf));
	e[0] = 43, e[1] = 0;             /* hop-by-hop -> routing */
	e[8] = 60, e[9] = 2;             /* routing (24 bytes) -> dstopts */
	e[32] = 51, e[33] = 1;           /* dstopts (16) -> AH */
	e[48] = 6, e[49] = 2;            /* AH (16) -> TCP */
	n = 64 + pkt_l4(e + 64, &tcp6, 10);
	pkt_ip6_hdr(buf, &tcp6, 0, n);
	CHECK(must_hash(LT_RAW, buf, 40 + n, FLOW_5TUPLE) == want6);
	/* Cut inside the chain: bad, never a wrong flow. */
	struct flow_key k;
	for (uint32_t cut = 40; cut < 40 + 64 + 4; cut++)
		CHECK(flow_parse(LT_RAW, buf, cut, &k) == -EBADMSG);

	/* IPv4 with 8 bytes of options, and AH. */
	memset(buf, 0, sizeof(buf));
	n = pkt_l4(buf + 28 + 16, &tcp4, 10);
	pkt_ip4_hdr(buf, &tcp4, 51, 1, 0, 8 + 16 + n);
	buf[0] = 0x47;
	buf[28] = 6, buf[29] = 2;
	CHECK(must_hash(LT_RAW, buf, 28 + 16 + n, FLOW_5TUPLE) == want4);
}

/* An IPv4 datagram of flow f cut in two: first (with ports) and later. */
static void fragments4(const struct pkt_flow *f, uint16_t id, uint8_t *first, uint32_t *n1,
		       uint8_t *later, uint32_t *n2)
{
	*n1 = 20 + pkt_l4(first + 20, f, 16);
	pkt_ip4_hdr(first, f, f->proto, id, 0x2000, *n1 - 20);
	*n2 = 20 + 24;
	memset(later + 20, 0xab, 24);
	pkt_ip4_hdr(later, f, f->proto, id, 3, 24); /* offset 24 bytes */
}

static void test_fragments(void)
{
	uint8_t first[256], later[256];
	uint32_t n1, n2;
	struct flow_key k1, k2, kw;

	fragments4(&udp4, 77, first, &n1, later, &n2);
	CHECK(flow_parse(LT_RAW, first, n1, &k1) == 0);
	CHECK(flow_parse(LT_RAW, later, n2, &k2) == 0);
	CHECK(k1.frag == FLOW_FRAG_FIRST && k1.has_ports && k1.sport == 5353);
	CHECK(k2.frag == FLOW_FRAG_LATER && !k2.has_ports && k2.proto == 17);
	CHECK(k1.frag_key == k2.frag_key);
	/* The first fragment hashes like its flow; a later one by addresses and protocol. */
	CHECK(flow_hash(&k1, FLOW_5TUPLE) == ref_hash(&udp4, FLOW_5TUPLE));
	CHECK(flow_parse(LT_RAW, later, n2, &kw) == 0 && flow_hash(&kw, FLOW_2TUPLE) == ref_hash(&udp4, FLOW_2TUPLE));
	/* Another datagram of the flow: another key. */
	fragments4(&udp4, 78, first, &n1, later, &n2);
	CHECK(flow_parse(LT_RAW, later, n2, &kw) == 0 && kw.frag_key != k2.frag_key);

	/* IPv6: a fragment header, first then later. */
	uint8_t *e = buf + 40;
	memset(buf, 0, sizeof(buf));
	e[0] = 17;
	e[3] = 1;                /* offset 0, M */
	e[7] = 9;                /* id 9 */
	struct pkt_flow u6 = tcp6;
	u6.proto = 17;
	uint32_t l4 = pkt_l4(e + 8, &u6, 16);
	pkt_ip6_hdr(buf, &u6, 44, 8 + l4);
	CHECK(flow_parse(LT_RAW, buf, 40 + 8 + l4, &k1) == 0);
	CHECK(k1.frag == FLOW_FRAG_FIRST && k1.has_ports && k1.proto == 17);
	CHECK(flow_hash(&k1, FLOW_5TUPLE) == ref_hash(&u6, FLOW_5TUPLE));
	e[2] = 0x01, e[3] = 0x00; /* offset 32 bytes, last */
	CHECK(flow_parse(LT_RAW, buf, 40 + 8 + 8, &k2) == 0);
	CHECK(k2.frag == FLOW_FRAG_LATER && !k2.has_ports && k2.proto == 17);
	CHECK(k1.frag_key == k2.frag_key);
}

/* Tunnels: hashed by the inner flow. */
static uint32_t gre_hdr(uint8_t *p, uint16_t flags, uint16_t type)
{
	uint32_t n = 4;

	memset(p, 0, 16);
	pkt_put16(p, flags);
	pkt_put16(p + 2, type);
	n += (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
	return n;
}

static const struct pkt_flow outer4 = { 4, "203.0.113.1", "203.0.113.2", 47, 0, 0 };

/* Wraps inner bytes in outer IPv4 (+ a header of hl bytes already at
 * buf + 20) and checks the hash is inner's. */
static void check_tunnel(uint32_t hl, uint8_t proto, const uint8_t *in, uint32_t in_n, uint32_t want)
{
	memcpy(buf + 20 + hl, in, in_n);
	pkt_ip4_hdr(buf, &outer4, proto, 5, 0, hl + in_n);
	CHECK(must_hash(LT_RAW, buf, 20 + hl + in_n, FLOW_5TUPLE) == want);
	/* Inner cut short: the outer flow, never an error. */
	struct flow_key k;
	CHECK(flow_parse(LT_RAW, buf, 20 + hl + 10, &k) == 0 && k.depth == 0);
}

static void test_tunnels(void)
{
	uint8_t in[512], eth[512];
	uint32_t n = pkt_ip(in, &tcp6, 20), want = ref_hash(&tcp6, FLOW_5TUPLE), hl;
	uint32_t en = pkt_ether(eth, 0x86dd, 1);

	memcpy(eth + en, in, n);
	en += n;
	check_tunnel(gre_hdr(buf + 20, 0, 0x86dd), 47, in, n, want);              /* GRE, IP */
	check_tunnel(gre_hdr(buf + 20, 0xa000, 0x86dd), 47, in, n, want);         /* checksum, key */
	check_tunnel(gre_hdr(buf + 20, 0x2000, 0x6558), 47, eth, en, want);       /* transparent Ethernet */
	check_tunnel(gre_hdr(buf + 20, 0, 0x88be), 47, eth, en, want);            /* ERSPAN I */
	hl = gre_hdr(buf + 20, 0x1000, 0x88be);
	memset(buf + 20 + hl, 0x10, 8);
	check_tunnel(hl + 8, 47, eth, en, want);                                  /* ERSPAN II */
	hl = gre_hdr(buf + 20, 0x1000, 0x22eb);
	memset(buf + 20 + hl, 0x20, 12);
	buf[20 + hl + 11] = 0;
	check_tunnel(hl + 12, 47, eth, en, want);                                 /* ERSPAN III */
	buf[20 + hl + 11] = 1;
	memset(buf + 20 + hl + 12, 0x30, 8);
	check_tunnel(hl + 20, 47, eth, en, want);                                 /* with platform subheader */
	check_tunnel(0, 41, in, n, want);                                         /* 6in4 */
	/* VXLAN and Geneve: UDP to 4789 / 6081. */
	struct pkt_flow vx = { 4, "203.0.113.1", "203.0.113.2", 17, 33333, 4789 };
	hl = pkt_l4(buf + 20, &vx, 0);
	memset(buf + 20 + hl, 0, 8);
	buf[20 + hl] = 0x08;
	check_tunnel(hl + 8, 17, eth, en, want);
	vx.dport = 6081;
	hl = pkt_l4(buf + 20, &vx, 0);
	memset(buf + 20 + hl, 0, 16);
	buf[20 + hl] = 2;                 /* 8 bytes of options */
	pkt_put16(buf + 20 + hl + 2, 0x6558);
	check_tunnel(hl + 16, 17, eth, en, want);
	/* Plain UDP to another port with the same bytes: the outer flow. */
	vx.dport = 4790;
	hl = pkt_l4(buf + 20, &vx, 0);
	buf[20 + hl] = 0x08;
	memcpy(buf + 20 + hl + 8, eth, en);
	pkt_ip4_hdr(buf, &vx, 17, 5, 0, hl + 8 + en);
	CHECK(must_hash(LT_RAW, buf, 20 + hl + 8 + en, FLOW_5TUPLE) == ref_hash(&vx, FLOW_5TUPLE));
}

/* Not IP, cut short, garbage: an error or a flow, never a crash or a read
 * past the end (the sanitizer pass checks that). */
static void test_bad_input(void)
{
	static const uint32_t lts[] = { LT_NULL, LT_ETHER, LT_RAW, LT_LOOP, LT_SLL, LT_SLL2, 228, 229 };
	struct flow_key k;
	uint32_t n;

	n = pkt_ether(buf, 0x0806, 0); /* ARP */
	memset(buf + n, 0, 28);
	CHECK(flow_parse(LT_ETHER, buf, n + 28, &k) == -EPROTONOSUPPORT);
	CHECK(flow_parse(105, buf, n + 28, &k) == -EPROTONOSUPPORT); /* 802.11 */
	n = pkt_ether(buf, 0x8100, 5); /* too many tags */
	CHECK(flow_parse(LT_ETHER, buf, n + 40, &k) == -EPROTONOSUPPORT);
	/* A good TCP/IPv4 frame cut at every length before its ports. */
	n = pkt_ether(buf, 0x0800, 1);
	uint32_t all = n + pkt_ip(buf + n, &tcp4, 10);
	for (uint32_t cut = 0; cut < n + 24; cut++)
		CHECK(flow_parse(LT_ETHER, buf, cut, &k) == -EBADMSG);
	CHECK(flow_parse(LT_ETHER, buf, all, &k) == 0);
	/* Random bytes, and random mutations of good packets, at every link type. */
	uint8_t *p = calloc(1, 300);
	srand(11);
	for (int i = 0; i < 200000; i++) {
		uint32_t len = (uint32_t)rand() % 300;
		if (i & 1) {
			n = pkt_ether(p, (i & 2) ? 0x86dd : 0x0800, i % 3);
			pkt_ip(p + n, (i & 2) ? &tcp6 : &tcp4, 200);
			p[rand() % 80] = (uint8_t)rand();
		} else {
			for (uint32_t j = 0; j < len; j++)
				p[j] = (uint8_t)rand();
		}
		uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
		memcpy(copy, p, len);
		int rc = flow_parse(lts[i % 8], copy, len, &k);
		CHECK(rc == 0 || rc == -EBADMSG || rc == -EPROTONOSUPPORT);
		free(copy);
	}
	free(p);
}

/* 100,000 flows over 4096 buckets: every bucket near the mean. */
static void test_spread(void)
{
	static uint32_t count[4096];
	char a[32], b[32];

	srand(3);
	for (int i = 0; i < 100000; i++) {
		snprintf(a, sizeof(a), "10.1.%d.%d", (i >> 8) & 255, i & 255);
		snprintf(b, sizeof(b), "10.2.0.%d", i % 7);
		struct pkt_flow f = { 4, a, b, 6, (uint16_t)(1024 + i % 60000), 80 };
		count[ref_hash(&f, FLOW_5TUPLE) >> 20]++;
	}
	uint32_t min = UINT32_MAX, max = 0;
	for (int i = 0; i < 4096; i++) {
		min = count[i] < min ? count[i] : min;
		max = count[i] > max ? count[i] : max;
	}
	printf("# 100000 flows over 4096 buckets: min %u max %u (mean 24.4)\n", min, max);
	CHECK(min >= 5 && max <= 50);
}

static void test_mode_names(void)
{
	enum flow_mode m;

	CHECK(flow_mode_parse("5tuple", &m) == 0 && m == FLOW_5TUPLE);
	CHECK(flow_mode_parse("2TUPLE", &m) == 0 && m == FLOW_2TUPLE);
	CHECK(flow_mode_parse("3tuple", &m) == -EINVAL);
	CHECK(!strcmp(flow_mode_name(FLOW_2TUPLE), "2tuple"));
}

int main(void)
{
	test_symmetry();
	test_random_symmetry();
	test_link_types();
	test_extension_headers();
	test_fragments();
	test_tunnels();
	test_bad_input();
	test_spread();
	test_mode_names();
	return UNIT_DONE("flowhash");
}
