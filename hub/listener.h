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

/* What a TCP listen address may be (sockaddr_parse): port 0 asks the
 * kernel for one, which the log line "listening" then names. */
#define LISTENER_ADDR_FLAGS SOCKADDR_PORT_ZERO

/* Binds every address spec resolves to ("host:port", "[v6]:port", ":port").
 * Adds up to max listeners at *out; returns how many, -EINVAL for an
 * address sockaddr_parse refuses (say sockaddr_expected(LISTENER_ADDR_FLAGS)),
 * or another -errno. */
int listener_bind_tcp(const char *spec, struct listener *out, int max);


#endif
