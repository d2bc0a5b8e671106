/* systemd socket activation: the listening sockets passed in LISTEN_FDS. */
#ifndef PCAP_BROKER_ACTIVATION_H
#define PCAP_BROKER_ACTIVATION_H

struct hub;

/* Start-up: adds every passed listening stream socket to h->listeners,
 * Unix or TCP by its address family, and returns how many (0 without
 * LISTEN_FDS). Exits with a status when sockets were passed but none can
 * be served. The variables are unset so the capture command never sees them. */
int hub_passed_listeners(struct hub *h);

#endif
