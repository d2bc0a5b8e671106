/* linktype=ether: the views' side of link-type conversion (linkconv.h, the
 * pure conversion, does the work). */
#ifndef PCAP_BROKER_VIEW_ETHER_H
#define PCAP_BROKER_VIEW_ETHER_H

#include <stdint.h>

#include "pcap_format.h"

/* out: the EN10MB header for a stream with header in. 0, or -1 when its
 * link type has no Ethernet form. */
int view_ether_header(const struct pcap_file_header *in, struct pcap_file_header *out);
/* One record: the 14-byte Ethernet header to send instead of its first
 * *strip bytes. 0, or -1 when it has no Ethernet form. */
int view_ether_record(uint32_t linktype, const uint8_t *data, uint32_t caplen,
		      uint8_t eth[14], uint32_t *strip);

#endif
