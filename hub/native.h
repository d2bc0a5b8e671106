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
	uint64_t ring_bytes;   /* the kernel ring obtained, 0 if unknown */
};

struct native_conf {
	const char *iface;
	const char *filter;      /* BPF, or NULL */
	int dlt;                 /* -y, or -1: the default, LINUX_SLL2 for "any" */
	uint64_t kernel_buffer;  /* bytes asked of the kernel (-B) */
	int immediate;           /* TPACKET_V2, a wakeup per packet; else V3 blocks */
};

#define NATIVE_ERR_LEN 256 /* PCAP_ERRBUF_SIZE */

/* Opens c->iface with the full snaplen (or -snaplen's), its link type and
 * filter, and fills the stream's header. 0, or -1 with a message in err. */
int native_open(struct native *n, const struct native_conf *c, struct stream *s,
		char err[NATIVE_ERR_LEN]);

/* Logs the kernel ring asked for and obtained (a warning when smaller). */
void native_log_ring(const struct native *n, const struct native_conf *c);

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
