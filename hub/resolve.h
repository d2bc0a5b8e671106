/* The connect log line, with the client's reverse DNS name looked up on a
 * detached thread so a slow resolver never stalls packet flow. */
#ifndef PCAP_BROKER_RESOLVE_H
#define PCAP_BROKER_RESOLVE_H

#include <stdint.h>
#include <sys/socket.h>

void log_connect(uint64_t id, const char *addr, const struct sockaddr_storage *peer, int lookup);

#endif
