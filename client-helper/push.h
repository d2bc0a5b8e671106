/* Push mode (-connect): the helper connects out to a collector that listens
 * for a PCAP-over-IP stream, and that connection is its client. */
#ifndef PCAP_BROKER_HELPER_PUSH_H
#define PCAP_BROKER_HELPER_PUSH_H

#include "sockaddr.h"

/* Connects to "host:port" or "[v6]:port", trying each address the name
 * resolves to, each for at most PUSH_CONNECT_TIMEOUT_S. Returns a blocking,
 * close-on-exec TCP socket, or -EINVAL (bad spec), -ENXIO (the name does
 * not resolve) or the last connect error. */
#define PUSH_CONNECT_TIMEOUT_S 10
int push_connect(const char *spec);

/* What -connect takes (sockaddr_parse): a host and a port 1..65535. */
#define PUSH_ADDR_FLAGS SOCKADDR_HOST_REQUIRED

/* 0 if spec is an address push_connect takes; else says why on stderr and
 * returns -EINVAL. For the flag check, before anything connects. */
int push_check(const char *spec);

#endif
