/* linkconv: the rules of tcprewrite 4.5 --dlt=enet, record by record
 * (tests/linkconv.bats compares whole real captures with tcprewrite). */
#include <stdint.h>
#include <string.h>

#include "linkconv.h"
#include "pcap_format.h"
#include "unit.h"

static uint8_t buf[PCAP_MAX_CAPLEN];

/* An IPv4 header (20 bytes, ihl 5) and the start of an IPv6 one. */
static const uint8_t ip4[20] = { 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1 };
static const uint8_t ip6[4] = { 0x60, 0, 0, 0 };

static const uint8_t mac[8] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };

/* An SLL header: packet type 0, hatype, halen 6, address, protocol. */
static void sll(uint16_t hatype, uint16_t proto)
{
	memset(buf, 0, 64);
	buf[2] = (uint8_t)(hatype >> 8), buf[3] = (uint8_t)hatype;
	buf[5] = 6;
	memcpy(buf + 6, mac, 8);
	buf[14] = (uint8_t)(proto >> 8), buf[15] = (uint8_t)proto;
}

/* An SLL2 header: protocol, reserved, ifindex 7, hatype, type 4, halen 6, address. */
static void sll2(uint16_t hatype, uint16_t proto)
{
	memset(buf, 0, 64);
	buf[0] = (uint8_t)(proto >> 8), buf[1] = (uint8_t)proto;
	buf[7] = 7;
	buf[8] = (uint8_t)(hatype >> 8), buf[9] = (uint8_t)hatype;
	buf[10] = 4, buf[11] = 6;
	memcpy(buf + 12, mac, 8);
}

/* Converts buf; checks the header: zero destination, src, type; returns strip. */
static uint32_t conv(uint32_t lt, uint32_t caplen, const uint8_t *src, uint16_t type)
{
	static const uint8_t zero[6];
	uint8_t eth[LINKCONV_ETHER_LEN];
	uint32_t strip = 999;

	CHECK(linkconv_to_ether(lt, buf, caplen, eth, &strip) == 0);
	CHECK(memcmp(eth, zero, 6) == 0);
	CHECK(memcmp(eth + 6, src ? src : zero, 6) == 0);
	CHECK(eth[12] == type >> 8 && eth[13] == (type & 0xff));
	return strip;
}

static int refused(uint32_t lt, uint32_t caplen)
{
	uint8_t eth[LINKCONV_ETHER_LEN];
	uint32_t strip = 999;

	return linkconv_to_ether(lt, buf, caplen, eth, &strip) == -1 && strip == 999;
}

/* Converts buf and checks the whole Ethernet header. */
static void conv_eth(uint32_t lt, uint32_t caplen, const uint8_t want[LINKCONV_ETHER_LEN])
{
	uint8_t eth[LINKCONV_ETHER_LEN];
	uint32_t strip;

	CHECK(linkconv_to_ether(lt, buf, caplen, eth, &strip) == 0);
	CHECK(memcmp(eth, want, LINKCONV_ETHER_LEN) == 0);
}

static void test_supported(void)
{
	static const uint32_t yes[] = { 113, 276, 101, 12, 14, 0, 108 };
	static const uint32_t no[] = { 1, 105, 127, 228, 229, 274 };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(linkconv_supported(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!linkconv_supported(no[i]));
	sll(1, 0x0800);
	memcpy(buf + 16, ip4, sizeof(ip4));
	CHECK(refused(1, 60));
}

static void test_snaplen(void)
{
	CHECK(linkconv_snaplen(113, 65535) == 65535);   /* tcprewrite's */
	CHECK(linkconv_snaplen(113, 1500) == 65535);
	CHECK(linkconv_snaplen(113, 65537) == 65535);
	CHECK(linkconv_snaplen(113, 262144) == 262142); /* never truncated by readers */
	CHECK(linkconv_snaplen(276, 262144) == 262138);
	CHECK(linkconv_snaplen(101, 65521) == 65535);
	CHECK(linkconv_snaplen(101, 65522) == 65536);
	CHECK(linkconv_snaplen(101, 262144) == 262144); /* capped: longer records refused */
	CHECK(linkconv_snaplen(0, 0) == 262144);         /* 0: any length */
	CHECK(linkconv_snaplen(108, 70000) == 70010);
}

static void test_sll(void)
{
	sll(1, 0x0800); /* Ethernet device: the source MAC is kept */
	memcpy(buf + 16, ip4, sizeof(ip4));
	CHECK(conv(113, 16 + 28, mac, 0x0800) == 16);
	sll(772, 0x86dd); /* loopback */
	memcpy(buf + 16, ip6, sizeof(ip6));
	CHECK(conv(113, 16 + 40, mac, 0x86dd) == 16);
	CHECK(refused(113, 16 + 39)); /* IPv6 header cut short */
	sll(0xfffe, 0x0800); /* tun (ARPHRD_NONE): no MAC; tcprewrite refuses these */
	memcpy(buf + 16, ip4, sizeof(ip4));
	CHECK(conv(113, 16 + 20, NULL, 0x0800) == 16);
	sll(1, 0x0806); /* ARP has an Ethernet II type: converted, as tcprewrite does */
	CHECK(conv(113, 16 + 28, mac, 0x0806) == 16);
	CHECK(conv(113, 16 + 5, mac, 0x0806) == 16);
	CHECK(refused(113, 16 + 4)); /* 18 bytes of Ethernet: tcprewrite refuses */
	CHECK(refused(113, 15));
	sll(1, 0x0004); /* 802.2 LLC: Linux's number, no Ethernet II type */
	CHECK(refused(113, 60));
	sll(1, 0x05ff);
	CHECK(refused(113, 60));
	sll(1, 0x0600);
	CHECK(conv(113, 60, mac, 0x0600) == 16);
}

static void test_sll_ipv4_header(void)
{
	sll(1, 0x0800);
	memcpy(buf + 16, ip4, sizeof(ip4));
	CHECK(refused(113, 16 + 19));
	buf[16] = 0x46; /* 24-byte header with options */
	CHECK(refused(113, 16 + 23));
	CHECK(conv(113, 16 + 24, mac, 0x0800) == 16);
	buf[16] = 0x4f;
	CHECK(refused(113, 16 + 59));
	CHECK(conv(113, 16 + 60, mac, 0x0800) == 16);
}

static void test_sll_vlan(void)
{
	sll(1, 0x8100); /* libpcap puts the VLAN tag back after the cooked header */
	buf[16] = 0x00, buf[17] = 0x2a, buf[18] = 0x08, buf[19] = 0x00;
	CHECK(conv(113, 16 + 24, mac, 0x8100) == 16);
	buf[18] = 0x00, buf[19] = 0x04; /* inner type with no Ethernet II form */
	CHECK(refused(113, 16 + 24));
	sll(1, 0x88a8); /* QinQ: the second tag must be there too */
	buf[18] = 0x81, buf[19] = 0x00;
	buf[22] = 0x86, buf[23] = 0xdd;
	CHECK(refused(113, 16 + 7));
	CHECK(conv(113, 16 + 8, mac, 0x88a8) == 16);
}

static void test_sll2(void)
{
	sll2(1, 0x0800);
	memcpy(buf + 20, ip4, sizeof(ip4));
	CHECK(conv(276, 20 + 20, mac, 0x0800) == 20);
	CHECK(refused(276, 20 + 19));
	CHECK(refused(276, 19));
	sll2(772, 0x0806);
	CHECK(conv(276, 20 + 28, mac, 0x0806) == 20);
	sll2(0xfffe, 0x86dd);
	memcpy(buf + 20, ip6, sizeof(ip6));
	CHECK(conv(276, 20 + 40, NULL, 0x86dd) == 20);
	sll2(1, 0x0001); /* 802.3 frames without LLC */
	CHECK(refused(276, 60));
}

static void test_raw(void)
{
	static const uint32_t raw[] = { 101, 12, 14 };

	for (size_t i = 0; i < 3; i++) {
		memset(buf, 0, 64);
		memcpy(buf, ip4, sizeof(ip4));
		CHECK(conv(raw[i], 20, NULL, 0x0800) == 0);
		CHECK(refused(raw[i], 19));
		buf[0] = 0x60;
		CHECK(refused(raw[i], 39));
		CHECK(conv(raw[i], 40, NULL, 0x86dd) == 0);
		buf[0] = 0x50;
		CHECK(refused(raw[i], 40));
		buf[0] = 0x00;
		CHECK(refused(raw[i], 40));
	}
	memcpy(buf, ip4, sizeof(ip4));
	CHECK(conv(101, PCAP_MAX_CAPLEN - 14, NULL, 0x0800) == 0);
	CHECK(refused(101, PCAP_MAX_CAPLEN - 13)); /* libpcap readers reject it */
}

static void put_af(uint32_t af, int swap)
{
	uint32_t v = swap ? __builtin_bswap32(af) : af;

	memset(buf, 0, 64);
	memcpy(buf, &v, 4);
	memcpy(buf + 4, ip4, sizeof(ip4));
}

static void test_null_loop(void)
{
	static const uint32_t v6[] = { 10, 24, 28, 30 };
	static const uint32_t other[] = { 0, 1, 3, 6, 11, 17, 23, 31, 0x0800 };

	for (uint32_t lt = 0; lt <= 108; lt += 108) {
		for (int swap = 0; swap <= 1; swap++) {
			put_af(2, swap);
			CHECK(conv(lt, 24, NULL, 0x0800) == 4);
			CHECK(refused(lt, 23));
			for (size_t i = 0; i < 4; i++) {
				put_af(v6[i], swap);
				CHECK(conv(lt, 44, NULL, 0x86dd) == 4);
				CHECK(refused(lt, 43));
			}
			for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
				put_af(other[i], swap);
				CHECK(refused(lt, 44));
			}
		}
		CHECK(refused(lt, 3));
	}
}

/* An IPv6 header at buf + off: from ff00::9 to ff02::1:ff25:6a50. */
static void ip6_multicast(size_t off)
{
	memset(buf + off, 0, 40);
	buf[off] = 0x60;
	buf[off + 8] = 0xff, buf[off + 23] = 9;
	buf[off + 24] = 0xff, buf[off + 25] = 0x02;
	buf[off + 36] = 0xff, buf[off + 37] = 0x25, buf[off + 38] = 0x6a, buf[off + 39] = 0x50;
}

/* Multicast IP addresses get multicast MACs where tcprewrite 4.5.1 did not
 * keep the MAC it wrote: IPv6 33:33 + last 4 bytes; IPv4 only 01:00:5e. */
static void test_multicast(void)
{
	static const uint8_t raw4[] = { 1, 0, 0x5e, 0, 0, 0, 1, 0, 0x5e, 0, 0, 0, 8, 0 };
	static const uint8_t raw6[] = { 0x33, 0x33, 0xff, 0x25, 0x6a, 0x50, 0x33, 0x33, 0, 0, 0, 9, 0x86, 0xdd };
	static const uint8_t sll6[] = { 0, 0, 0, 0, 0, 0, 0x33, 0x33, 0, 0, 0, 9, 0x86, 0xdd };
	static const uint8_t sll2_kept[] = { 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x86, 0xdd };

	memset(buf, 0, 64);
	memcpy(buf, ip4, sizeof(ip4));
	buf[12] = 239, buf[16] = 224, buf[19] = 251; /* 239.0.0.1 > 224.0.0.251 */
	conv_eth(101, 20, raw4);
	ip6_multicast(0);
	conv_eth(101, 40, raw6);
	sll(0xfffe, 0x86dd); /* tun: as raw IP */
	ip6_multicast(16);
	conv_eth(113, 56, raw6);
	/* SLL keeps the destination (it overwrote packet type and hatype) but
	 * not the source (the same bytes as the address it copies). */
	sll(1, 0x86dd);
	memset(buf + 6, 0, 8);
	ip6_multicast(16);
	conv_eth(113, 56, sll6);
	/* SLL2 keeps the source unless ifindex, hatype, packet type and halen
	 * happen to spell the MAC. */
	sll2(1, 0x86dd);
	ip6_multicast(20);
	conv_eth(276, 60, sll2_kept);
	memcpy(buf + 12, buf + 6, 6); /* the MAC reads 00:07:00:01:04:06 */
	conv_eth(276, 60, sll6);
}

int main(void)
{
	test_supported();
	test_snaplen();
	test_sll();
	test_sll_ipv4_header();
	test_sll_vlan();
	test_sll2();
	test_raw();
	test_null_loop();
	test_multicast();
	return UNIT_DONE("linkconv");
}
