/* The open-file limit: raised to the hard limit at start-up, restored for
 * the capture command, and a reserve fd for when it runs out anyway. */
#ifndef PCAP_BROKER_FDLIMIT_H
#define PCAP_BROKER_FDLIMIT_H

#include <stdint.h>

/* File descriptors the hub needs besides its clients: stdio, epoll,
 * signalfd, timerfd, listeners, capture pipes, DNS lookup sockets. */
#define FD_OVERHEAD 96

/* Raises the soft RLIMIT_NOFILE to the hard limit and warns when even that
 * cannot serve max_clients. Returns the soft limit now in force. */
uint64_t fdlimit_raise(uint64_t max_clients);

/* In a child before exec: the soft limit the hub started with, so programs
 * that assume select()'s 1024 are not surprised. */
void fdlimit_restore(void);

/* Accepts one pending connection on listen_fd although the process is out
 * of fds, by spending the reserve fd, and closes it at once (a reset).
 * 0 when one was refused, -errno when there is no reserve or nothing
 * pending; then the caller pauses the listener. */
int fdlimit_refuse_one(int listen_fd);

#endif
