#include "group.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define BUCKET_BITS 12
_Static_assert(GROUP_BUCKETS == 1 << BUCKET_BITS, "buckets: a power of two");
_Static_assert((GROUP_FRAG_SLOTS & (GROUP_FRAG_SLOTS - 1)) == 0, "frag slots: a power of two");

int group_init(struct group *g, const char *name, enum flow_mode mode)
{
	memset(g, 0, sizeof(*g));
	strncpy(g->name, name, sizeof(g->name) - 1);
	g->mode = mode;
	g->linktype = 1;
	g->epochs = calloc(GROUP_EPOCHS, sizeof(*g->epochs));
	if (mode == FLOW_5TUPLE)
		g->frags = calloc(GROUP_FRAG_SLOTS, sizeof(*g->frags));
	if (!g->epochs || (mode == FLOW_5TUPLE && !g->frags)) {
		group_free(g);
		return -ENOMEM;
	}
	g->nepochs = 1;
	g->epochs[0].eldest = -1;
	for (int b = 0; b < GROUP_BUCKETS; b++)
		g->epochs[0].owner[b] = GROUP_NOBODY;
	return 0;
}

void group_free(struct group *g)
{
	free(g->m);
	free(g->frags);
	free(g->epochs);
	g->m = NULL;
	g->frags = NULL;
	g->epochs = NULL;
}

void group_set_linktype(struct group *g, uint32_t linktype)
{
	g->linktype = linktype;
}

static struct group_epoch *current(const struct group *g)
{
	return &g->epochs[g->epoch];
}

/* The assignment a rebalance at record id at changes: a copy of the
 * current one from at on (the current one itself if it starts there). */
static struct group_epoch *begin_epoch(struct group *g, uint64_t at)
{
	struct group_epoch *cur = current(g);

	if (at <= cur->from)
		return cur;
	g->epoch = (g->epoch + 1) % GROUP_EPOCHS;
	if (g->nepochs < GROUP_EPOCHS)
		g->nepochs++;
	memcpy(current(g), cur, sizeof(*cur));
	current(g)->from = at;
	return current(g);
}

/* The assignment for record id at: the newest that starts at or before it
 * (the oldest kept, for records older than all). */
static const struct group_epoch *epoch_at(const struct group *g, uint64_t at)
{
	uint32_t i = g->epoch;

	for (uint32_t k = 1; k < g->nepochs && g->epochs[i].from > at; k++)
		i = (i + GROUP_EPOCHS - 1) % GROUP_EPOCHS;
	return &g->epochs[i];
}

static uint64_t total_weight(const struct group *g)
{
	uint64_t w = 0;

	for (uint32_t i = 0; i < g->cap; i++)
		if (g->m[i].id)
			w += g->m[i].weight;
	return w;
}

/* How far above its share a member is, in units of 1/W bucket. */
static int64_t surplus(const struct group *g, uint32_t i, uint64_t w)
{
	return (int64_t)g->m[i].buckets * (int64_t)w - (int64_t)GROUP_BUCKETS * g->m[i].weight;
}

/* The member (other than skip) most above its share (dir 1) or most below
 * it (dir -1); -1 if there is none. */
static int extreme(const struct group *g, int skip, uint64_t w, int dir)
{
	int best = -1;
	int64_t best_s = 0;

	for (uint32_t i = 0; i < g->cap; i++) {
		if (!g->m[i].id || (int)i == skip)
			continue;
		int64_t s = surplus(g, i, w) * dir;
		if (best < 0 || s > best_s) {
			best = (int)i;
			best_s = s;
		}
	}
	return best;
}

static int new_slot(struct group *g)
{
	for (uint32_t i = 0; i < g->cap; i++)
		if (!g->m[i].id)
			return (int)i;
	if (g->cap >= GROUP_MAX_MEMBERS)
		return -ENOSPC;
	uint32_t cap = g->cap ? g->cap * 2 : 8;
	struct group_member *m = realloc(g->m, cap * sizeof(*m));
	if (!m)
		return -ENOMEM;
	memset(m + g->cap, 0, (cap - g->cap) * sizeof(*m));
	g->m = m;
	g->cap = cap;
	return new_slot(g);
}

static void eldest_update(struct group *g, struct group_epoch *e)
{
	e->eldest = -1;
	for (uint32_t i = 0; i < g->cap; i++)
		if (g->m[i].id && (e->eldest < 0 || g->m[i].since < g->m[e->eldest].since))
			e->eldest = (int)i;
}

static void log_rebalance(struct group *g, const char *event, const struct group_member *who,
			  uint32_t moved)
{
	g->n.rebalances++;
	g->n.moved += moved;
	log_info("group rebalanced", "view=%s event=%s member=%llu weight=%u buckets=%u members=%u moved=%u",
		 g->name, event, (unsigned long long)who->id, who->weight, who->buckets,
		 g->members, moved);
}

/* Takes buckets for slot from the members most above their share, one at a
 * time, while that brings the two closer to their shares. */
static uint32_t take_buckets(struct group *g, struct group_epoch *e, int slot)
{
	uint64_t w = total_weight(g);
	uint32_t moved = 0;
	int d;

	for (uint32_t i = 0; i < g->cap; i++)
		g->m[i].moving = 0;
	while ((d = extreme(g, slot, w, 1)) >= 0 &&
	       surplus(g, (uint32_t)d, w) - surplus(g, (uint32_t)slot, w) > (int64_t)w) {
		g->m[d].buckets--;
		g->m[d].moving++;
		g->m[slot].buckets++;
		moved++;
	}
	for (int b = 0; b < GROUP_BUCKETS; b++) {
		uint16_t o = e->owner[b];
		if (o == GROUP_NOBODY) { /* the first member: nobody held them */
			g->m[slot].buckets++;
			moved++;
		} else if (g->m[o].moving) {
			g->m[o].moving--;
		} else {
			continue;
		}
		e->owner[b] = (uint16_t)slot;
	}
	return moved;
}

int group_join(struct group *g, uint64_t who, uint32_t weight, uint64_t at)
{
	int slot = new_slot(g);

	if (slot < 0)
		return slot;
	struct group_epoch *e = begin_epoch(g, at);
	g->m[slot] = (struct group_member){
		.id = who ? who : 1,
		.since = ++g->joins,
		.weight = weight == 0 ? 1 : weight > GROUP_WEIGHT_MAX ? GROUP_WEIGHT_MAX : weight,
	};
	g->members++;
	eldest_update(g, e);
	uint32_t moved = take_buckets(g, e, slot);
	log_rebalance(g, "join", &g->m[slot], moved);
	return slot;
}

void group_leave(struct group *g, int slot, uint64_t at)
{
	uint32_t moved = 0;

	if (slot < 0 || (uint32_t)slot >= g->cap || !g->m[slot].id)
		return;
	struct group_epoch *e = begin_epoch(g, at);
	struct group_member gone = g->m[slot];
	g->m[slot] = (struct group_member){ 0 };
	g->members--;
	uint64_t w = total_weight(g);
	for (int b = 0; b < GROUP_BUCKETS; b++) {
		if (e->owner[b] != slot)
			continue;
		int r = extreme(g, -1, w, -1);
		e->owner[b] = r < 0 ? GROUP_NOBODY : (uint16_t)r;
		if (r >= 0)
			g->m[r].buckets++;
		moved++;
	}
	eldest_update(g, e);
	gone.buckets = 0;
	log_rebalance(g, "leave", &gone, moved);
}

int group_owner_at(const struct group *g, uint32_t bucket, uint64_t at)
{
	const struct group_epoch *e = epoch_at(g, at);

	if (bucket == GROUP_UNPLACED)
		return e->eldest;
	return e->owner[bucket] == GROUP_NOBODY ? -1 : e->owner[bucket];
}

int group_owner(const struct group *g, uint32_t bucket)
{
	return group_owner_at(g, bucket, UINT64_MAX);
}

/* 5tuple fragments: the first fragment of a datagram seen decides where
 * all of them go. In order (the usual case) that is the first fragment,
 * hashed by its 5-tuple like the rest of its flow; a later fragment seen
 * first uses the 3-tuple (addresses, protocol), and the datagram follows. */
static uint32_t fragment_hash(struct group *g, const struct flow_key *k, uint32_t ts)
{
	struct group_frag *f = &g->frags[k->frag_key & (GROUP_FRAG_SLOTS - 1)];
	int32_t age = (int32_t)(ts - f->ts);

	if (f->key == k->frag_key && age >= -GROUP_FRAG_TTL && age <= GROUP_FRAG_TTL)
		return f->hash;
	*f = (struct group_frag){ .key = k->frag_key, .hash = flow_hash(k, g->mode), .ts = ts };
	return f->hash;
}

uint32_t group_place(struct group *g, const struct pcap_record_header *h, const uint8_t *data)
{
	struct flow_key k;
	uint32_t hash;

	g->n.placed++;
	if (flow_parse(g->linktype, data, h->caplen, &k) < 0) {
		g->n.unplaced++;
		return GROUP_UNPLACED;
	}
	if (k.frag != FLOW_WHOLE)
		g->n.fragments++;
	if (k.frag != FLOW_WHOLE && g->mode == FLOW_5TUPLE)
		hash = fragment_hash(g, &k, h->ts_sec);
	else
		hash = flow_hash(&k, g->mode);
	return hash >> (32 - BUCKET_BITS);
}
