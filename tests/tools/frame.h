/* The synthetic frames of pcapgen and livegen: Ethernet/IPv4/UDP, each with
 * its sequence number (8 bytes, big-endian) at FRAME_SEQ_OFF, in an
 * IMIX-like mix (64/576/1500 bytes, 7:4:1) unless a size is fixed. */
#ifndef PCAP_BROKER_TOOLS_FRAME_H
#define PCAP_BROKER_TOOLS_FRAME_H

#include <stdint.h>
#include <string.h>

#define FRAME_SEQ_OFF 42
#define FRAME_STAMP_OFF 50
#define FRAME_MIN (FRAME_SEQ_OFF + 8)

static inline uint32_t frame_imix_len(uint64_t seq)
{
	static const uint32_t imix[12] = { 64, 64, 576, 64, 1500, 64, 576, 64, 64, 576, 64, 576 };

	return imix[seq % 12];
}

static inline void frame(uint8_t *p, uint32_t len, uint64_t seq)
{
	static const uint8_t eth_ip_udp[FRAME_SEQ_OFF] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, /* ethernet */
		0x45, 0, 0, 0, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0,             /* ipv4 udp */
		127, 0, 0, 1, 127, 0, 0, 2,
		0x30, 0x39, 0x10, 0x92, 0, 0, 0, 0,                         /* udp 12345->4242 */
	};
	uint16_t iplen = (uint16_t)(len - 14), udplen = (uint16_t)(len - 34);

	memcpy(p, eth_ip_udp, sizeof(eth_ip_udp));
	p[16] = (uint8_t)(iplen >> 8);
	p[17] = (uint8_t)iplen;
	p[38] = (uint8_t)(udplen >> 8);
	p[39] = (uint8_t)udplen;
	for (int i = 0; i < 8; i++)
		p[FRAME_SEQ_OFF + i] = (uint8_t)(seq >> (56 - 8 * i));
	for (uint32_t i = FRAME_SEQ_OFF + 8; i < len; i++)
		p[i] = (uint8_t)(seq + i);
}

#endif
