/* Arrival marks: where the ring's tail was, and when, sampled as the hub
 * hands new records to its clients (at most every ARRIVAL_EVERY_MS). They
 * make rewind= accurate within a slot: at low rates a 1 MiB slot can take
 * minutes to fill, and the slot's own arrival time (born_ms) alone would
 * then place a client a whole slot off. Only rewind.c reads them. */
#ifndef PCAP_BROKER_ARRIVAL_H
#define PCAP_BROKER_ARRIVAL_H

#include <stdint.h>

#include "ring.h"

#define ARRIVAL_MARKS 4096   /* 7 minutes of marks at the finest */
#define ARRIVAL_EVERY_MS 100 /* the accuracy at low rates */

/* New records were appended: notes where the tail is now, now. */
void arrival_note(const struct ring *r, uint64_t now);
/* p is where a rewind to `since` would start by whole slots. Moves it back
 * to the earliest mark still held that is at or after `since` and before p:
 * every record after such a mark arrived after it. Returns that mark's
 * time, or 0 when p stays. */
uint64_t arrival_refine(const struct ring *r, uint64_t since, struct ring_pos *p);

#endif
