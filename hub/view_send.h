/* Sending to the clients of a view that changes records (view.h): filter,
 * snaplen, precision, link type. The default view's clients never come
 * here (client.c sends them whole ring spans). */
#ifndef PCAP_BROKER_VIEW_SEND_H
#define PCAP_BROKER_VIEW_SEND_H

#include <stdint.h>

#include "client.h"
#include "ring.h"

/* As client_flush: sends what it can without blocking, records the view
 * wants batched into one sendmsg per turn (header and link header from a
 * scratch area, bodies straight from the ring). 0, or -errno. */
int view_flush(struct client *c, const struct ring *r, const uint8_t *header);

/* As client_slot_recycled, for a view client (its pos is always at a
 * record boundary): records lost, or -ENOBUFS. */
/* The bytes the record at `at` becomes for c (0: it skips it), and the
 * record after it in *next. For resume.c's walk. */
uint32_t view_record_out(struct client *c, const struct ring *r, struct ring_pos at,
			 struct ring_pos *next);

int64_t view_slot_recycled(struct client *c, const struct ring *r, uint64_t seq);

#endif
