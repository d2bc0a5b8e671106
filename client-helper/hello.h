/* -view NAME: the helper asks the hub for a view by the abstract address
 * it binds its socket to before connect() (hub/view.h, hub/view_hello.c). */
#ifndef PCAP_BROKER_HELPER_HELLO_H
#define PCAP_BROKER_HELPER_HELLO_H

/* A view name the hub can have: [A-Za-z0-9_]{1,31}. */
int hello_name_ok(const char *view);

/* Binds fd (an unbound AF_UNIX socket) to
 * "\0pcap-broker-helper pid=N view=VIEW [weight=W ]peer=PEER" (weight 0:
 * none). 0 or -errno. */
int hello_bind(int fd, const char *view, unsigned weight, const char *peer);

/* The address of the client on fd, "-" when it is not a socket. */
void hello_peer(int fd, char *buf, unsigned len);

#endif
