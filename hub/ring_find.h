/* Finding places in the ring by record index and by arrival time, for
 * clients that start in the past (rewind.c, resume.c). Kept out of ring.c:
 * the hot path never needs them. */
#ifndef PCAP_BROKER_RING_FIND_H
#define PCAP_BROKER_RING_FIND_H

#include <stdint.h>

#include "ring.h"

/* The oldest slot that still holds records, or -1 when none does. */
int64_t ring_first_full(const struct ring *r);
/* Where record rec (a stream index) starts. 0; -ERANGE when the ring no
 * longer holds it (*pos is then the oldest record); -EAGAIN when it has not
 * arrived yet (*pos is the tail). */
int ring_find_record(const struct ring *r, uint64_t rec, struct ring_pos *pos);
/* The oldest slot whose first record arrived at or after since_ms; the tail
 * when none did. Whole slots: accurate to one slot. */
struct ring_pos ring_find_arrival(const struct ring *r, uint64_t since_ms);
/* Stream index of the record at pos (a record boundary). */
uint64_t ring_record_at(const struct ring *r, struct ring_pos pos);
/* Bytes held from pos to the newest. */
uint64_t ring_bytes_from(const struct ring *r, struct ring_pos pos);

#endif
