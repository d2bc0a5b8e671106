/* Listening sockets: TCP addresses and the Unix socket. */
#ifndef PCAP_BROKER_LISTENER_H
#define PCAP_BROKER_LISTENER_H

#include "event.h"
#include "sockaddr.h"

struct listener {
	struct watch w;
	int is_unix;
	struct view *view;       /* which view its clients get; NULL: the default */
	char name[96]; /* bound address, for logs */
};

/* Binds every address spec resolves to ("host:port", "[v6]:port", ":port").
 * Adds up to max listeners at *out; returns how many, or -errno. */
int listener_bind_tcp(const char *spec, struct listener *out, int max);


#endif
