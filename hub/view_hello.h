/* A helper asks for a view by the address it binds before connect():
 * the abstract Unix name "\0pcap-broker-helper pid=N view=NAME peer=ADDR"
 * (view.h). No in-band protocol: plain socat clients are unaffected. */
#ifndef PCAP_BROKER_VIEW_HELLO_H
#define PCAP_BROKER_VIEW_HELLO_H

#include <stddef.h>
#include <sys/socket.h>

#define VIEW_HELLO_PREFIX "pcap-broker-helper "

/* The value of key (e.g. "view") in the hello name of a Unix peer address,
 * copied to out. 1 when found, 0 when the peer sent no hello or no such key. */
int view_hello_get(const struct sockaddr_storage *ss, socklen_t sl, const char *key,
		   char *out, size_t len);

struct hub;
struct view;
/* The view a Unix client asks for: *v is set when it names one. -ENOENT
 * (logged) when it names a view the hub does not have: refuse it. */
int view_hello_pick(struct hub *h, const struct sockaddr_storage *ss, socklen_t sl,
		    const char *addr, struct view **v);

#endif
