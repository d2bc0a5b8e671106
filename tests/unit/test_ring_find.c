/* Finding places in the ring for rewind= and resume= (hub/ring_find.c): by
 * record index, including records the ring no longer holds or has not had
 * yet, and by arrival time, to a slot. */
#include <errno.h>
#include <string.h>

#include "arrival.h"
#include "pcap_format.h"
#include "ring.h"
#include "ring_find.h"
#include "unit.h"

/* 1000-byte records: 1016 bytes each, 1032 to a 1 MiB slot. */
#define PER_SLOT (RING_SLOT_SIZE / 1016)

static void append(struct ring *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct pcap_record_header h = { .caplen = 1000, .len = 1000 };
		uint8_t *p = ring_reserve(r, PCAP_RECORD_HEADER_LEN + 1000);
		memcpy(p, &h, sizeof(h));
		ring_commit(r, PCAP_RECORD_HEADER_LEN + 1000);
	}
}

static void test_find_record(void)
{
	struct ring r;
	struct ring_pos p;

	CHECK(ring_init(&r, 4 << 20, NULL, NULL) == 0);
	CHECK(ring_find_record(&r, 0, &p) == -EAGAIN); /* empty */
	append(&r, PER_SLOT * 2 + 10);
	CHECK(ring_find_record(&r, 5, &p) == 0 && p.seq == 0 && p.off == 5 * 1016);
	CHECK(ring_find_record(&r, PER_SLOT + 1, &p) == 0 && p.seq == 1 && p.off == 1016);
	CHECK(ring_record_at(&r, p) == PER_SLOT + 1);
	/* Not arrived yet: the tail. */
	CHECK(ring_find_record(&r, PER_SLOT * 2 + 10, &p) == -EAGAIN && p.seq == 2 && p.off == 10 * 1016);
	CHECK(ring_bytes_from(&r, (struct ring_pos){ .seq = 1 }) == (uint64_t)(PER_SLOT + 10) * 1016);
	/* Slots 0 and 1 recycled: record 5 is gone, the oldest held is slot 2's first. */
	append(&r, PER_SLOT * 3);
	CHECK(ring_oldest(&r) == 2);
	CHECK(ring_find_record(&r, 5, &p) == -ERANGE && p.seq == 2 && p.off == 0);
	CHECK(ring_first_full(&r) == 2);
	ring_free(&r);
}

static void test_find_arrival(void)
{
	struct ring r;

	CHECK(ring_init(&r, 8 << 20, NULL, NULL) == 0);
	append(&r, PER_SLOT * 3 + 1); /* slots 0..3 */
	/* Arrival times as if a slot filled every second. */
	for (uint64_t s = 0; s <= 3; s++)
		ring_slot(&r, s)->born_ms = 1000 * (s + 1);
	struct ring_pos p = ring_find_arrival(&r, 2500);
	CHECK(p.seq == 2 && p.off == 0); /* never more than asked: slot 2 (3000) */
	p = ring_find_arrival(&r, 2000);
	CHECK(p.seq == 1 && p.off == 0);
	p = ring_find_arrival(&r, 0);
	CHECK(p.seq == 0); /* more than it holds: all it holds */
	p = ring_find_arrival(&r, 9000);
	CHECK(p.seq == 3 && p.off == 1016); /* nothing that recent: live */
	ring_free(&r);
}

/* Within one slot: marks every 100 ms of where the ring's end was. */
static void test_arrival_marks(void)
{
	struct ring r;

	CHECK(ring_init(&r, 8 << 20, NULL, NULL) == 0);
	for (uint64_t ms = 1000; ms <= 2000; ms += 50) { /* 10 records every 50 ms */
		append(&r, 10);
		arrival_note(&r, ms); /* taken at 1000, 1100, ... 2000 */
	}
	ring_slot(&r, 0)->born_ms = 1000;
	/* By slot alone: nothing since 1500 (the only slot began at 1000). */
	struct ring_pos p = ring_find_arrival(&r, 1500);
	CHECK(p.seq == 0 && p.off == ring_slot(&r, 0)->len);
	/* The mark at 1500 was taken after 11 batches: records after it came later. */
	CHECK(arrival_refine(&r, 1500, &p) == 1500);
	CHECK(p.seq == 0 && p.off == 110 * 1016);
	/* One newer than every mark: the tail stays. */
	p = ring_find_arrival(&r, 2001);
	CHECK(arrival_refine(&r, 2001, &p) == 0);
	ring_free(&r);
}

int main(void)
{
	test_find_record();
	test_find_arrival();
	test_arrival_marks();
	return UNIT_DONE("ring_find");
}
