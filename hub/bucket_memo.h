/* Each ring record's group bucket, remembered while the record is in the
 * ring, so that a group hashes every record once however many members read
 * it and however far apart they are (issue 13: "hashed once, not once per
 * member"; the fragment table must also see each record once).
 *
 * One array per ring slot, allocated when first used: a 16-bit entry per 16
 * bytes of slot (a record is at least 16 bytes), so 1/8 of the ring's size
 * at most. An entry belongs to the slot's current sequence number; a
 * recycled slot's entries are cleared when first touched again. */
#ifndef PCAP_BROKER_BUCKET_MEMO_H
#define PCAP_BROKER_BUCKET_MEMO_H

#include <stdint.h>

#include "ring.h"

struct bucket_memo {
	uint32_t nslots;
	uint64_t *seq;    /* the slot sequence each array holds */
	uint16_t **b;     /* per slot: bucket + 1, 0 unknown */
};

/* 0 or -ENOMEM. nslots: the ring's. */
int bucket_memo_init(struct bucket_memo *m, uint32_t nslots);
void bucket_memo_free(struct bucket_memo *m);

/* The bucket remembered for the record at pos, or -1. */
int bucket_memo_get(const struct bucket_memo *m, struct ring_pos pos);
/* Remembers it: 0, or -ENOMEM (then it is simply not remembered). */
int bucket_memo_put(struct bucket_memo *m, struct ring_pos pos, uint32_t bucket);

#endif
