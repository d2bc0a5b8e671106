/* TCP allow-list: CIDRs, v4 and v6. A v4-mapped v6 peer (from a dual-stack
 * listener) is matched as the v4 address it carries. */
#ifndef PCAP_BROKER_ACL_H
#define PCAP_BROKER_ACL_H

#include <stdint.h>
#include <sys/socket.h>

#define ACL_MAX 64

struct cidr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network order, host bits cleared */
	unsigned prefix;
};

struct acl {
	struct cidr e[ACL_MAX];
	int n;             /* 0: everyone is allowed */
};

/* Appends "CIDR[,CIDR...]" ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32").
 * 0, -EINVAL on a malformed entry or none at all, -E2BIG past ACL_MAX. */
int acl_parse(struct acl *a, const char *list);

/* 1 when the peer may connect: the list is empty, the peer is not IP (a
 * Unix socket), or an entry contains it. */
int acl_allows(const struct acl *a, const struct sockaddr_storage *peer);

#endif
