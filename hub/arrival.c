#include "arrival.h"

struct mark {
	struct ring_pos at;
	uint64_t ms;
};

/* A ring of marks, oldest overwritten first; one hub per process. */
static struct mark marks[ARRIVAL_MARKS];
static uint64_t nmarks;

void arrival_note(const struct ring *r, uint64_t now)
{
	const struct mark *last = &marks[(nmarks - 1) % ARRIVAL_MARKS];

	if (nmarks && now - last->ms < ARRIVAL_EVERY_MS)
		return;
	marks[nmarks++ % ARRIVAL_MARKS] = (struct mark){ .at = ring_tail_pos(r), .ms = now };
}

static int before(struct ring_pos a, struct ring_pos b)
{
	return a.seq < b.seq || (a.seq == b.seq && a.off < b.off);
}

uint64_t arrival_refine(const struct ring *r, uint64_t since, struct ring_pos *p)
{
	uint64_t n = nmarks < ARRIVAL_MARKS ? nmarks : ARRIVAL_MARKS, ms = 0;

	/* Newest first: stop at the first too old, or no longer held. */
	for (uint64_t i = 1; i <= n; i++) {
		const struct mark *m = &marks[(nmarks - i) % ARRIVAL_MARKS];
		if (m->ms < since || m->at.seq < ring_oldest(r) || ring_slot(r, m->at.seq)->seq != m->at.seq)
			break;
		if (before(m->at, *p)) {
			*p = m->at;
			ms = m->ms;
		}
	}
	return ms;
}
