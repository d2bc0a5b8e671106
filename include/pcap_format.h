/* The classic pcap file format: what every client receives.
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html */
#ifndef PCAP_BROKER_PCAP_FORMAT_H
#define PCAP_BROKER_PCAP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define PCAP_MAGIC_MICRO 0xa1b2c3d4u
#define PCAP_MAGIC_NANO 0xa1b23c4du
#define PCAPNG_MAGIC_SHB 0x0a0d0d0au

#define PCAP_FILE_HEADER_LEN 24
#define PCAP_RECORD_HEADER_LEN 16

/* libpcap's MAXIMUM_SNAPLEN: no sane capture has a record bigger than this. */
#define PCAP_MAX_CAPLEN 262144u

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t ts_sec;
	uint32_t ts_frac; /* microseconds or nanoseconds, per the magic */
	uint32_t caplen;
	uint32_t len;
};

_Static_assert(sizeof(struct pcap_file_header) == PCAP_FILE_HEADER_LEN, "pcap header");
_Static_assert(sizeof(struct pcap_record_header) == PCAP_RECORD_HEADER_LEN, "record header");

/* A host-order header for a stream with these properties. */
void pcap_header_init(struct pcap_file_header *h, uint32_t linktype, uint32_t snaplen, int nano);

/* The largest caplen a record may have under a header's snaplen: the snaplen
 * itself, or PCAP_MAX_CAPLEN when the header's snaplen is 0 or absurd. */
uint32_t pcap_caplen_limit(uint32_t snaplen);

/* The record at p (n bytes there) of a host-order stream, as the hub sends
 * it: copies its header to *h and returns its length (header + caplen), or
 * 0 while the record is not all there, or -EBADMSG if its caplen exceeds
 * limit (pcap_caplen_limit of the stream's snaplen). */
long pcap_record_next(const uint8_t *p, size_t n, uint32_t limit, struct pcap_record_header *h);

#endif
