#include "bucket_memo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ENTRIES (RING_SLOT_SIZE / 16 + 1)

int bucket_memo_init(struct bucket_memo *m, uint32_t nslots)
{
	m->nslots = nslots;
	m->seq = calloc(nslots, sizeof(*m->seq));
	m->b = calloc(nslots, sizeof(*m->b));
	if (!m->seq || !m->b) {
		bucket_memo_free(m);
		return -ENOMEM;
	}
	return 0;
}

void bucket_memo_free(struct bucket_memo *m)
{
	for (uint32_t i = 0; m->b && i < m->nslots; i++)
		free(m->b[i]);
	free(m->b);
	free(m->seq);
	m->b = NULL;
	m->seq = NULL;
}

int bucket_memo_get(const struct bucket_memo *m, struct ring_pos pos)
{
	uint32_t i = (uint32_t)(pos.seq % m->nslots);

	if (!m->b[i] || m->seq[i] != pos.seq)
		return -1;
	return (int)m->b[i][pos.off / 16] - 1;
}

int bucket_memo_put(struct bucket_memo *m, struct ring_pos pos, uint32_t bucket)
{
	uint32_t i = (uint32_t)(pos.seq % m->nslots);

	if (!m->b[i]) {
		if (!(m->b[i] = calloc(ENTRIES, sizeof(uint16_t))))
			return -ENOMEM;
		m->seq[i] = pos.seq;
	} else if (m->seq[i] != pos.seq) { /* the slot was recycled */
		memset(m->b[i], 0, ENTRIES * sizeof(uint16_t));
		m->seq[i] = pos.seq;
	}
	m->b[i][pos.off / 16] = (uint16_t)(bucket + 1);
	return 0;
}
