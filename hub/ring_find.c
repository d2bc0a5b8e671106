#include "ring_find.h"

#include <errno.h>
#include <string.h>

#include "pcap_format.h"

int64_t ring_first_full(const struct ring *r)
{
	for (uint64_t seq = ring_oldest(r); seq <= r->head; seq++)
		if (ring_slot(r, seq)->nrec)
			return (int64_t)seq;
	return -1;
}

int ring_find_record(const struct ring *r, uint64_t rec, struct ring_pos *pos)
{
	int64_t first = ring_first_full(r);

	*pos = ring_tail_pos(r);
	if (first < 0 || rec >= r->records)
		return -EAGAIN;
	const struct slot *s = ring_slot(r, (uint64_t)first);
	if (rec < s->first_rec) {
		*pos = (struct ring_pos){ .seq = (uint64_t)first };
		return -ERANGE;
	}
	for (uint64_t seq = (uint64_t)first; seq <= r->head; seq++) {
		s = ring_slot(r, seq);
		if (rec >= s->first_rec + s->nrec)
			continue;
		const uint8_t *d = ring_slot_data(r, seq);
		uint32_t off = 0;
		for (uint64_t i = s->first_rec; i < rec; i++) {
			struct pcap_record_header h;
			memcpy(&h, d + off, sizeof(h));
			off += PCAP_RECORD_HEADER_LEN + h.caplen;
		}
		*pos = (struct ring_pos){ .seq = seq, .off = off };
		return 0;
	}
	return -EAGAIN;
}

struct ring_pos ring_find_arrival(const struct ring *r, uint64_t since_ms)
{
	for (uint64_t seq = ring_oldest(r); seq <= r->head; seq++) {
		const struct slot *s = ring_slot(r, seq);
		if (s->nrec && s->born_ms >= since_ms)
			return (struct ring_pos){ .seq = seq };
	}
	return ring_tail_pos(r);
}

uint64_t ring_record_at(const struct ring *r, struct ring_pos pos)
{
	return ring_slot(r, pos.seq)->first_rec + ring_records_before(r, pos.seq, pos.off, NULL);
}

uint64_t ring_bytes_from(const struct ring *r, struct ring_pos pos)
{
	uint64_t n = 0;

	for (uint64_t seq = pos.seq; seq <= r->head; seq++)
		n += ring_slot(r, seq)->len - (seq == pos.seq ? pos.off : 0);
	return n;
}
