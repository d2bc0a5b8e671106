/* Native capture (-i IFACE): libpcap straight into the ring, no tcpdump. */
#ifndef PCAP_BROKER_NATIVE_H
#define PCAP_BROKER_NATIVE_H

#include "event.h"
#include "ring.h"
#include "stream.h"

#define NATIVE_MAX_IFACES 16

struct native;
struct pcap_pkthdr;
struct native_if {
	struct pcap *pcap;
	const char *name;
	int nano;                 /* its timestamps are in ns */
	uint64_t ring_bytes;      /* the kernel ring obtained, 0 if unknown */
	uint64_t drops;           /* its kernel drops when it was closed */
	struct native *owner;
	struct pcap_pkthdr *ph;   /* merge: its next packet, or NULL */
	const unsigned char *data;
};

struct native {
	struct watch w;   /* an epoll set of the interfaces' fds; -1 when closed */
	struct native_if ifs[NATIVE_MAX_IFACES];
	int n;            /* interfaces opened (closed ones keep their counts) */
	int live;         /* native_open was called, native_close not yet */
	struct stream *stream; /* its output settings apply here too */
	struct ring *ring;     /* during native_read */
	uint32_t turn_records, turn_bytes; /* appended in this native_read */
};

struct native_conf {
	const char *const *ifaces; /* one or more: merged in timestamp order */
	int nifaces;
	const char *filter;      /* BPF, or NULL */
	int dlt;                 /* -y, or -1: the default, LINUX_SLL2 for "any" */
	uint64_t kernel_buffer;  /* bytes asked of the kernel per interface (-B) */
	int immediate;           /* TPACKET_V2, a wakeup per packet; else V3 blocks */
};

#define NATIVE_ERR_LEN 256 /* PCAP_ERRBUF_SIZE */

/* Opens c's interfaces with the full snaplen (or -snaplen's), the link type
 * and filter, and fills the stream's header; interfaces whose link types
 * differ are an error. 0, or -1 with a message in err. */
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

/* The kernel's counters of packets it dropped (buffer full, interface):
 * the total, one interface's, and "name:N,name:N" of every interface (their
 * number is returned; buf may be cut short). */
uint64_t native_drops(const struct native *n);
uint64_t native_iface_drops(const struct native *n, int i);
int native_drops_list(const struct native *n, char *buf, size_t len);

/* Closes the capture; the drop counters keep their last values. */
void native_close(struct native *n);

#endif
