/* -upstream HOST:PORT: another broker's PCAP-over-IP stream as the capture
 * input, connected without blocking the loop. The stream itself is read like
 * a command's (hub.c on_input); losing it is restart.c's business. */
#ifndef PCAP_BROKER_UPSTREAM_H
#define PCAP_BROKER_UPSTREAM_H

#include <sys/socket.h>

#include "sockaddr.h"

#include "event.h"

#define UPSTREAM_MAX_ADDRS 8

struct upstream {
	struct sockaddr_storage addr[UPSTREAM_MAX_ADDRS]; /* from the last lookup */
	socklen_t addrlen[UPSTREAM_MAX_ADDRS];
	int naddr, next;  /* next: the address to try after the current one */
	int connecting;   /* the input fd is a connect in progress */
	watch_fn on_data; /* the input's handler once connected */
};

struct hub;

/* What -upstream takes (sockaddr_parse): a host and a port 1..65535. */
#define UPSTREAM_ADDR_FLAGS SOCKADDR_HOST_REQUIRED

/* 0, or -EINVAL after saying on stderr what the address should be. */
int upstream_check(const char *spec);

/* Looks the name up (a numeric address never blocks) and starts connecting
 * to the first address; h->input is the socket from now on. 0 while the
 * connect is in progress, or -errno with a message in err. */
int upstream_connect(struct hub *h, char *err, size_t len);

#endif
