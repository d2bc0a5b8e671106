/* Link-type conversion to Ethernet (a view's linktype=ether, issue 11).
 *
 * Pure functions, no I/O: what `tcprewrite --dlt=enet` (tcpreplay 4.5, the
 * release that fixed its non-Ethernet encoder, upstream bug #792) writes,
 * byte for byte, for LINUX_SLL, LINUX_SLL2, RAW, NULL and LOOP records.
 * The rules and every deliberate difference are in docs/linktype.md.
 *
 * A converted record is the 14-byte Ethernet header linkconv_to_ether()
 * fills, then the record's data from byte *strip on, so the caller sends
 *   caplen' = caplen - strip + 14
 *   len'    = len - strip + 14      (as tcprewrite adds the same difference)
 * and the payload straight from the ring. The stream's file header becomes
 * linktype 1 (EN10MB) with snaplen linkconv_snaplen(). */
#ifndef PCAP_BROKER_LINKCONV_H
#define PCAP_BROKER_LINKCONV_H

#include <stdint.h>

#define LINKCONV_ETHER_LEN 14
#define LINKCONV_EN10MB 1u /* LINKTYPE_ETHERNET */

/* 1 if records of this LINKTYPE can become EN10MB: LINUX_SLL (113),
 * LINUX_SLL2 (276), RAW (101, and 12 and 14, which libpcap reads as raw IP),
 * NULL (0) and LOOP (108). */
int linkconv_supported(uint32_t linktype);

/* The snaplen of the converted stream's header: 65535, as tcprewrite
 * writes, unless a converted record can be longer than that; then the
 * longest converted record (at most 262144), so that no libpcap reader
 * truncates it. linktype must be supported. */
uint32_t linkconv_snaplen(uint32_t linktype, uint32_t snaplen);

/* For one record (data, caplen bytes captured): fills eth with the Ethernet
 * header to send instead of the first *strip bytes of data. 0, or -1 if this
 * record cannot be converted (the caller counts it as unconvertible and
 * skips it): too short for its link header or for the IP header its type
 * names, a protocol with no Ethernet II type (SLL protocols below 0x0600,
 * RAW that is neither IPv4 nor IPv6, NULL/LOOP of another family), or a
 * result longer than 262144 bytes. */
int linkconv_to_ether(uint32_t linktype, const uint8_t *data, uint32_t caplen,
		      uint8_t eth[LINKCONV_ETHER_LEN], uint32_t *strip);

#endif
