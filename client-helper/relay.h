/* The helper's relay: the hub's stream to the client, nothing back. */
#ifndef PCAP_BROKER_HELPER_RELAY_H
#define PCAP_BROKER_HELPER_RELAY_H

#include <stdint.h>

struct filter;

struct relay {
	int hub;          /* connected to the hub's Unix socket, non-blocking */
	int in;           /* what the client sends: read and discarded */
	int out;          /* where the stream goes */
	int in_is_socket; /* EPOLLHUP on in means the client is gone, not EOF */
	struct filter *filter; /* NULL: the bytes go through untouched (splice) */
	uint64_t bytes;   /* relayed to the client */
	const char *why;  /* why it ended */
};

/* Relays until the hub ends its stream (then hands the client what is left)
 * or the client goes away. 0, or -errno if the loop itself failed. */
int relay_run(struct relay *r);

#endif
