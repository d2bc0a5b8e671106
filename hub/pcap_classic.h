/* Decoder state for classic pcap input (either byte order, µs or ns). */
#ifndef PCAP_BROKER_PCAP_CLASSIC_H
#define PCAP_BROKER_PCAP_CLASSIC_H

#include <stdint.h>

struct pcap_classic_state {
	int swapped;           /* input is the other byte order */
	int header_done;
	uint32_t caplen_limit; /* from the input's snaplen */
	uint64_t units;        /* timestamp fraction units per second */
};

#endif
