/* Socket addresses as text, for logs and flags (the hub and the helper). */
#ifndef PCAP_BROKER_SOCKADDR_H
#define PCAP_BROKER_SOCKADDR_H

#include <stddef.h>

/* "a.b.c.d:port", "[v6]:port" or "unix" for a connected or bound socket. */
void sockaddr_name(const void *sa, char *buf, unsigned len);

/* Splits "host:port", "[v6]:port" or ":port" (host "" then: all addresses).
 * 0, or -EINVAL (no port, or host longer than hlen - 1). */
int sockaddr_split(const char *spec, char *host, size_t hlen, const char **port);

#endif
