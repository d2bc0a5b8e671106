/* Reading input fields that may be in the other byte order. */
#ifndef PCAP_BROKER_BYTEORDER_H
#define PCAP_BROKER_BYTEORDER_H

#include <byteswap.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p, int swapped)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swapped ? bswap_16(v) : v;
}

static inline uint32_t rd32(const uint8_t *p, int swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? bswap_32(v) : v;
}

static inline uint64_t rd64(const uint8_t *p, int swapped)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return swapped ? bswap_64(v) : v;
}

#endif
