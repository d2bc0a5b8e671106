#include "view_ether.h"

#include "linkconv.h"

int view_ether_header(const struct pcap_file_header *in, struct pcap_file_header *out)
{
	if (!linkconv_supported(in->linktype))
		return -1;
	out->linktype = LINKCONV_EN10MB;
	out->snaplen = linkconv_snaplen(in->linktype, in->snaplen);
	return 0;
}

int view_ether_record(uint32_t linktype, const uint8_t *data, uint32_t caplen,
		      uint8_t eth[14], uint32_t *strip)
{
	return linkconv_to_ether(linktype, data, caplen, eth, strip);
}
