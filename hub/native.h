/* Native capture (-i IFACE): libpcap straight into the ring, no tcpdump. */
#ifndef PCAP_BROKER_NATIVE_H
#define PCAP_BROKER_NATIVE_H

#include "event.h"
#include "ring.h"
#include "stream.h"

struct native {
	struct watch w;   /* pcap's selectable fd */
	struct pcap *pcap;
	struct stream *stream; /* its output settings apply here too */
	struct ring *ring;     /* during native_read */
	uint32_t turn_records, turn_bytes; /* appended in this native_read */
};

#define NATIVE_ERR_LEN 256 /* PCAP_ERRBUF_SIZE */

/* Opens iface in immediate mode with the full snaplen, with data link type
 * dlt (-1: the default, LINUX_SLL2 for "any"), applies filter (may be NULL)
 * and fills the stream's header. 0, or -1 with a message in err. */
int native_open(struct native *n, const char *iface, const char *filter, int dlt,
		struct stream *s, char err[NATIVE_ERR_LEN]);

/* Appends what the kernel has to the ring, up to about 1 MiB per call.
 * Records appended, or -1 with a message in err when the capture failed
 * (interface gone, ...). */
int native_read(struct native *n, struct ring *r, char err[NATIVE_ERR_LEN]);
/* The last native_read stopped at its budget: the kernel may hold more. */
int native_backlog(const struct native *n);

/* The kernel's counters: packets it dropped (buffer full, interface). */
void native_drops(const struct native *n, uint64_t *dropped, uint64_t *if_dropped);

void native_close(struct native *n);

#endif
