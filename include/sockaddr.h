/* Socket addresses as text, for logs (the hub and the helper). */
#ifndef PCAP_BROKER_SOCKADDR_H
#define PCAP_BROKER_SOCKADDR_H

/* "a.b.c.d:port", "[v6]:port" or "unix" for a connected or bound socket. */
void sockaddr_name(const void *sa, char *buf, unsigned len);

#endif
