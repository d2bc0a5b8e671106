/* How much of what we sent a TCP peer has really taken, for resume= (the
 * hub, hub/resume.c) and the helper's report of its own client
 * (client-helper/relay.c). Shared so both count the same way.
 *
 * SIOCOUTQ gives the bytes sent but not acknowledged. What the peer's kernel
 * acknowledged but its program never read is lost when the program dies:
 * its kernel then resets the connection (it closes with unread data), and
 * how much it held is not told. At most one receive window: the largest
 * window the peer offered. So on a reset we step back by that too, and the
 * consumer gets what it had already read again (duplicates)
 * instead of never. */
#ifndef PCAP_BROKER_TCP_ACKED_H
#define PCAP_BROKER_TCP_ACKED_H

#include <stdint.h>

/* Notes the peer's advertised window into *max_wnd (the largest seen).
 * Cheap (one getsockopt); call it as data is sent. */
void tcp_note_window(int fd, uint32_t *max_wnd);

/* Of sent bytes written to fd, those the peer's program surely took: sent
 * minus SIOCOUTQ, and on a reset (*reset set) minus one window (*unread).
 * Not a TCP socket: sent minus what is queued. */
uint64_t tcp_acked(int fd, uint64_t sent, uint32_t max_wnd, int *reset, uint32_t *unread);

#endif
