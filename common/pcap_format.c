#include "pcap_format.h"

#include <errno.h>
#include <string.h>

void pcap_header_init(struct pcap_file_header *h, uint32_t linktype, uint32_t snaplen, int nano)
{
	memset(h, 0, sizeof(*h));
	h->magic = nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO;
	h->version_major = 2;
	h->version_minor = 4;
	h->snaplen = snaplen;
	h->linktype = linktype;
}

uint32_t pcap_caplen_limit(uint32_t snaplen)
{
	if (snaplen == 0 || snaplen > PCAP_MAX_CAPLEN)
		return PCAP_MAX_CAPLEN;
	return snaplen;
}

long pcap_record_next(const uint8_t *p, size_t n, uint32_t limit, struct pcap_record_header *h)
{
	if (n < PCAP_RECORD_HEADER_LEN)
		return 0;
	memcpy(h, p, sizeof(*h));
	if (h->caplen > limit)
		return -EBADMSG;
	if (n - PCAP_RECORD_HEADER_LEN < h->caplen)
		return 0;
	return (long)(PCAP_RECORD_HEADER_LEN + h->caplen);
}
