#include "view_group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "log.h"
#include "util.h"
#include "view_hello.h"

/* A ring position as a record id that grows with the stream (an offset is
 * at most RING_SLOT_SIZE, 2^20). */
static uint64_t pos_id(struct ring_pos p)
{
	_Static_assert(RING_SLOT_SIZE <= 1u << 20, "slot offsets fit in 21 bits");
	return p.seq << 21 | p.off;
}

int view_group_setting(struct view_settings *s, const char *value)
{
	enum flow_mode mode;

	if (flow_mode_parse(value, &mode) < 0) {
		fprintf(stderr, "pcap-broker: view '%s': bad group=%s (5tuple or 2tuple) (see -help)\n",
			s->name, value);
		return EXIT_USAGE;
	}
	s->group = 1 + (int)mode;
	return -1;
}

void view_groups_setup(struct hub *h)
{
	for (int i = 1; i < h->nviews; i++) {
		struct view *v = &h->views[i];
		if (!v->set.group)
			continue;
		v->group = calloc(1, sizeof(*v->group));
		if (!v->group || group_init(&v->group->g, v->set.name, (enum flow_mode)(v->set.group - 1)) < 0 ||
		    bucket_memo_init(&v->group->memo, h->ring.nslots) < 0) {
			fprintf(stderr, "pcap-broker: view '%s': out of memory for its group\n", v->set.name);
			exit(EXIT_OSERR);
		}
	}
}

void view_groups_start(struct hub *h)
{
	uint32_t lt = h->stream.header.linktype;

	for (int i = 1; i < h->nviews; i++) {
		struct view *v = &h->views[i];
		if (!v->group)
			continue;
		group_set_linktype(&v->group->g, lt);
		if (!flow_linktype_known(lt))
			log_warn("group cannot hash this link type: its eldest member gets every record",
				 "view=%s linktype=%u", v->set.name, lt);
		else
			log_info("group ready", "view=%s hash=%s linktype=%u buckets=%u members=%u", v->set.name,
				 flow_mode_name(v->group->g.mode), lt, GROUP_BUCKETS, v->group->g.members);
	}
}

void view_groups_report(const struct hub *h)
{
	for (int i = 1; i < h->nviews; i++) {
		const struct group *g = h->views[i].group ? &h->views[i].group->g : NULL;
		if (g)
			log_info("group totals", "view=%s records=%llu unplaced=%llu fragments=%llu rebalances=%llu moved=%llu members=%u",
				 g->name, (unsigned long long)g->n.placed, (unsigned long long)g->n.unplaced,
				 (unsigned long long)g->n.fragments, (unsigned long long)g->n.rebalances,
				 (unsigned long long)g->n.moved, g->members);
	}
}

uint32_t view_group_weight(const struct sockaddr_storage *ss, socklen_t sl)
{
	char w[16];
	uint64_t n;

	if (!view_hello_get(ss, sl, "weight", w, sizeof(w)) || parse_uint(w, 1, GROUP_WEIGHT_MAX, &n) < 0)
		return 0;
	return (uint32_t)n;
}

int view_group_join(struct hub *h, struct client *c, uint32_t weight)
{
	if (!c->view->group)
		return 0;
	int slot = group_join(&c->view->group->g, c->id, weight, pos_id(ring_tail_pos(&h->ring)));
	if (slot < 0)
		return slot;
	c->member = slot;
	return 0;
}

void view_group_leave(struct hub *h, struct client *c)
{
	if (c->view->group)
		group_leave(&c->view->group->g, c->member, pos_id(ring_tail_pos(&h->ring)));
}

int view_group_wants(struct view *v, const struct client *c, struct ring_pos at,
		     const struct pcap_record_header *rh, const uint8_t *data)
{
	struct view_group *vg = v->group;
	int b = bucket_memo_get(&vg->memo, at);

	if (b < 0) { /* the first member here: hashed once, in stream order */
		b = (int)group_place(&vg->g, rh, data);
		bucket_memo_put(&vg->memo, at, (uint32_t)b);
	}
	return group_owner_at(&vg->g, (uint32_t)b, pos_id(at)) == c->member;
}
