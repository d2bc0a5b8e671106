/* Decoder state for pcapng input: the current section's byte order and
 * interfaces, and what the output stream was fixed to. */
#ifndef PCAP_BROKER_PCAPNG_H
#define PCAP_BROKER_PCAPNG_H

#include <stdint.h>

#define PCAPNG_MAX_IFACES 4096

struct pcapng_iface {
	uint32_t caplen_limit; /* from its snaplen */
	uint64_t units;        /* if_tsresol: timestamp units per second */
	int64_t tsoffset;      /* if_tsoffset: seconds added to every timestamp */
};

struct pcapng_state {
	int swapped;               /* this section is the other byte order */
	struct pcapng_iface *ifaces; /* of the current section */
	uint32_t nifaces, cap;
	int have_link;             /* an interface was seen: the fields below hold */
	uint32_t linktype;         /* the one link type the stream carries */
	uint32_t snaplen;          /* the largest interface snaplen */
	int nano;                  /* some interface is finer than µs */
	int warned_precision;
};

#endif
