/* lossless views: their clients are never skipped ahead. Instead the hub
 * stops reading the capture while one of them is a whole buffer behind,
 * and the capture's own buffering takes the pressure (a file replay slows
 * down; tcpdump's kernel buffer fills and the kernel counts the drops). A
 * lossless client that takes nothing for -stall-timeout is cut off as any
 * other (tick.c), so a dead consumer cannot stop the capture for ever. */
#ifndef PCAP_BROKER_LOSSLESS_H
#define PCAP_BROKER_LOSSLESS_H

struct hub;

/* After each turn of the loop: stops or restarts reading the capture. */
void lossless_pace(struct hub *h);
/* A lossless client still has data to take and is not stalled: the drain
 * at the end of the capture waits for it past -drain. */
int lossless_draining(const struct hub *h);

#endif
