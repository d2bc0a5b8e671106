/* Socket addresses as text, for logs and flags (the hub and the helper). */
#ifndef PCAP_BROKER_SOCKADDR_H
#define PCAP_BROKER_SOCKADDR_H

#include <stddef.h>
#include <stdint.h>

/* "a.b.c.d:port", "[v6]:port" or "unix" for a connected or bound socket. */
void sockaddr_name(const void *sa, char *buf, unsigned len);

/* sockaddr_parse flags. */
#define SOCKADDR_PORT_ZERO 1u     /* port 0 (kernel-chosen) is allowed */
#define SOCKADDR_HOST_REQUIRED 2u /* ":port" (every address) is refused */

/* The one parser of every address flag: "host:port", "[v6]:port" or ":port"
 * (host "" then: all addresses). The port is decimal digits only, 1..65535,
 * or 0 with SOCKADDR_PORT_ZERO; an empty, signed, spaced or out-of-range
 * port is refused, as is a host with brackets, a colon outside brackets,
 * spaces or control characters, or longer than hostlen - 1. 0 or -EINVAL. */
int sockaddr_parse(const char *spec, char *host, size_t hostlen, uint16_t *port, unsigned flags);

/* What sockaddr_parse takes, for a usage message: "host:port, [v6]:port or
 * :port, port 1 to 65535" and the like. */
const char *sockaddr_expected(unsigned flags);

/* Checks a flag's address at start-up: 0, or -EINVAL after one line on
 * stderr naming who ("prog: -flag") and the value. */
int sockaddr_check(const char *who, const char *spec, unsigned flags);

#endif
