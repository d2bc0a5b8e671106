#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pcap_format.h"
#include "util.h"

uint64_t ring_slots_for(uint64_t size)
{
	uint64_t n = size / RING_SLOT_SIZE;

	return n < RING_MIN_SLOTS ? RING_MIN_SLOTS : n;
}

int ring_attach(struct ring *r, void *data, uint64_t nslots, ring_recycle_fn fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->slots = calloc(nslots, sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->data = data;
	r->nslots = (uint32_t)nslots;
	r->on_recycle = fn;
	r->ctx = ctx;
	r->file_fd = -1;
	return 0;
}

int ring_init(struct ring *r, uint64_t size, ring_recycle_fn fn, void *ctx)
{
	uint64_t n = ring_slots_for(size);

	memset(r, 0, sizeof(*r));
	if (n > UINT32_MAX)
		return -EINVAL;
	/* mmap, not malloc: pages are only touched (and counted in RSS) as the
	 * capture fills them, and go straight back to the system at exit. */
	void *p = mmap(NULL, n * RING_SLOT_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	int rc = ring_attach(r, p, n, fn, ctx);
	if (rc < 0)
		munmap(p, n * RING_SLOT_SIZE);
	return rc;
}

void ring_free(struct ring *r)
{
	if (r->data)
		munmap(r->data, (size_t)r->nslots * RING_SLOT_SIZE);
	if (r->file_fd >= 0)
		close(r->file_fd);
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

struct slot *ring_slot(const struct ring *r, uint64_t seq)
{
	return &r->slots[seq % r->nslots];
}

uint8_t *ring_slot_data(const struct ring *r, uint64_t seq)
{
	return r->data + (seq % r->nslots) * (size_t)RING_SLOT_SIZE;
}

uint64_t ring_oldest(const struct ring *r)
{
	return r->head >= r->nslots - 1 ? r->head - (r->nslots - 1) : 0;
}

int64_t ring_oldest_age_ms(const struct ring *r, uint64_t now)
{
	for (uint64_t seq = ring_oldest(r); seq <= r->head; seq++) {
		const struct slot *s = ring_slot(r, seq);
		if (s->nrec)
			return now > s->born_ms ? (int64_t)(now - s->born_ms) : 0;
	}
	return -1;
}

static void open_next_slot(struct ring *r)
{
	struct slot *cur = ring_slot(r, r->head);
	uint64_t first = cur->first_rec + cur->nrec;

	r->head++;
	if (r->head >= r->nslots && r->on_recycle)
		r->on_recycle(r->ctx, r->head - r->nslots);
	*ring_slot(r, r->head) = (struct slot){ .seq = r->head, .first_rec = first };
	if (r->on_first_fill && r->head < r->nslots)
		r->on_first_fill(r, r->head);
}

uint8_t *ring_reserve(struct ring *r, uint32_t n)
{
	struct slot *s = ring_slot(r, r->head);

	if (RING_SLOT_SIZE - s->len < n) {
		open_next_slot(r);
		s = ring_slot(r, r->head);
	}
	return ring_slot_data(r, r->head) + s->len;
}

void ring_commit(struct ring *r, uint32_t n)
{
	struct slot *s = ring_slot(r, r->head);

	if (s->nrec == 0)
		s->born_ms = now_ms(); /* once per slot, not per record */
	s->len += n;
	s->nrec++;
	r->records++;
	r->bytes += n;
}

struct ring_pos ring_tail_pos(const struct ring *r)
{
	return (struct ring_pos){ .seq = r->head, .off = ring_slot(r, r->head)->len };
}

int ring_iov(const struct ring *r, struct ring_pos pos, struct iovec *iov, int max, size_t *bytes)
{
	int n = 0;

	*bytes = 0;
	for (uint64_t seq = pos.seq; seq <= r->head && n < max; seq++) {
		uint32_t off = seq == pos.seq ? pos.off : 0;
		uint32_t len = ring_slot(r, seq)->len;
		if (len <= off)
			continue;
		iov[n].iov_base = ring_slot_data(r, seq) + off;
		iov[n].iov_len = len - off;
		*bytes += iov[n].iov_len;
		n++;
	}
	return n;
}

void ring_advance(const struct ring *r, struct ring_pos *pos, size_t n)
{
	while (n > 0) {
		uint32_t avail = ring_slot(r, pos->seq)->len - pos->off;
		if (n < avail) {
			pos->off += (uint32_t)n;
			return;
		}
		n -= avail;
		pos->off += avail;
		if (pos->seq == r->head)
			return;
		pos->seq++;
		pos->off = 0;
	}
	/* A finished slot that is not the newest: move to the next one, so
	 * the cursor never rests on a slot that may be recycled. */
	if (pos->seq < r->head && pos->off == ring_slot(r, pos->seq)->len) {
		pos->seq++;
		pos->off = 0;
	}
}

uint32_t ring_records_before(const struct ring *r, uint64_t seq, uint32_t off, uint32_t *rec_end)
{
	const uint8_t *d = ring_slot_data(r, seq);
	uint32_t at = 0, count = 0;

	while (at < off) {
		struct pcap_record_header h;
		memcpy(&h, d + at, sizeof(h));
		uint32_t end = at + PCAP_RECORD_HEADER_LEN + h.caplen;
		if (end > off)
			break;
		at = end;
		count++;
	}
	if (rec_end) {
		struct pcap_record_header h;
		memcpy(&h, d + at, sizeof(h));
		*rec_end = at < off ? at + PCAP_RECORD_HEADER_LEN + h.caplen : off;
	}
	return count;
}
