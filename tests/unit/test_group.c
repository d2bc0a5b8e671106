/* Consumer groups: bucket assignment on join and leave (minimal movement,
 * balance, weights), no members, unplaceable records, fragments, the
 * placement cache, fairness over a capture with many flows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bucket_memo.h"
#include "group.h"
#include "log.h"
#include "packets.h"
#include "unit.h"

static struct group g;
static uint16_t before[GROUP_BUCKETS];
static uint64_t at = 1; /* the ring position of each rebalance: grows */

#define OWNER(b) (g.epochs[g.epoch].owner[b])

static int join(uint64_t who, uint32_t weight)
{
	return group_join(&g, who, weight, at++);
}

static void leave(int slot)
{
	group_leave(&g, slot, at++);
}

/* Whether member slot gets record id (placed now). */
static int wants(int slot, uint64_t id, const struct pcap_record_header *h, const uint8_t *data)
{
	return group_owner_at(&g, group_place(&g, h, data), id) == slot;
}

/* Every bucket owned by a live member, counts agree with owner[]. */
static void check_invariants(void)
{
	uint32_t count[GROUP_MAX_MEMBERS] = { 0 }, total = 0;

	for (int b = 0; b < GROUP_BUCKETS; b++) {
		if (g.members == 0) {
			CHECK(OWNER(b) == GROUP_NOBODY);
			continue;
		}
		CHECK(OWNER(b) < g.cap && g.m[OWNER(b)].id);
		count[OWNER(b)]++;
	}
	for (uint32_t i = 0; i < g.cap; i++) {
		if (g.m[i].id)
			CHECK(count[i] == g.m[i].buckets);
		total += g.m[i].id ? g.m[i].buckets : 0;
	}
	CHECK(total == (g.members ? GROUP_BUCKETS : 0));
}

/* Buckets that changed owner since the snapshot in before[]. */
static uint32_t changed(void)
{
	uint32_t n = 0;

	for (int b = 0; b < GROUP_BUCKETS; b++)
		n += OWNER(b) != before[b];
	return n;
}

static void snapshot(void)
{
	memcpy(before, &OWNER(0), sizeof(before));
}

/* Max and min buckets over live members. */
static void spread(uint32_t *min, uint32_t *max)
{
	*min = UINT32_MAX;
	*max = 0;
	for (uint32_t i = 0; i < g.cap; i++) {
		if (!g.m[i].id)
			continue;
		*min = g.m[i].buckets < *min ? g.m[i].buckets : *min;
		*max = g.m[i].buckets > *max ? g.m[i].buckets : *max;
	}
}

static void test_join_leave_minimal(void)
{
	int slot[8];
	uint32_t min, max, taken = GROUP_BUCKETS;

	CHECK(group_init(&g, "t", FLOW_5TUPLE) == 0);
	CHECK(group_owner(&g, 7) == -1 && group_owner(&g, GROUP_UNPLACED) == -1);
	slot[0] = join(100, 1);
	CHECK(slot[0] >= 0 && g.m[slot[0]].buckets == GROUP_BUCKETS);
	check_invariants();
	for (int i = 1; i < 8; i++) {
		snapshot();
		slot[i] = join((uint64_t)(100 + i), 1);
		check_invariants();
		/* Only buckets the newcomer took moved, and it took a fair share. */
		CHECK(changed() == g.m[slot[i]].buckets);
		taken += g.m[slot[i]].buckets;
		for (int b = 0; b < GROUP_BUCKETS; b++)
			CHECK(OWNER(b) == before[b] || OWNER(b) == slot[i]);
		spread(&min, &max);
		CHECK(max - min <= 1);
	}
	CHECK(g.n.moved == taken && g.n.rebalances == 8 && g.m[slot[7]].buckets == GROUP_BUCKETS / 8);
	/* Leaves: only the leaver's buckets move, spread evenly. */
	for (int i = 2; i < 8; i += 2) {
		snapshot();
		uint32_t had = g.m[slot[i]].buckets;
		leave(slot[i]);
		check_invariants();
		CHECK(changed() == had);
		for (int b = 0; b < GROUP_BUCKETS; b++)
			CHECK(OWNER(b) == before[b] || before[b] == slot[i]);
		spread(&min, &max);
		CHECK(max - min <= 1);
	}
	leave(slot[2]); /* twice: nothing */
	check_invariants();
	group_free(&g);
}

static void test_weights(void)
{
	CHECK(group_init(&g, "w", FLOW_2TUPLE) == 0);
	int a = join(1, 1), b = join(2, 2), c = join(3, 1);
	check_invariants();
	CHECK(g.m[a].buckets == 1024 && g.m[b].buckets == 2048 && g.m[c].buckets == 1024);
	snapshot();
	leave(b);
	check_invariants();
	CHECK(g.m[a].buckets == 2048 && g.m[c].buckets == 2048 && changed() == 2048);
	int d = join(4, 6); /* 6 of 8: 3072 buckets */
	check_invariants();
	CHECK(g.m[d].buckets == 3072 && g.m[a].buckets == 512 && g.m[c].buckets == 512);
	CHECK(join(5, 5000) >= 0); /* clamped to GROUP_WEIGHT_MAX */
	check_invariants();
	group_free(&g);
}

/* Random churn: invariants hold and every change is minimal. */
static void test_churn(void)
{
	int live[64], nlive = 0;
	uint32_t min, max;

	CHECK(group_init(&g, "churn", FLOW_5TUPLE) == 0);
	srand(5);
	for (int step = 0; step < 2000; step++) {
		snapshot();
		if (nlive == 0 || (nlive < 64 && rand() % 2)) {
			live[nlive] = join((uint64_t)step + 1, 1);
			CHECK(live[nlive] >= 0);
			CHECK(changed() == g.m[live[nlive]].buckets);
			nlive++;
		} else {
			int i = rand() % nlive;
			uint32_t had = g.m[live[i]].buckets;
			leave(live[i]);
			CHECK(changed() == had);
			live[i] = live[--nlive];
		}
		check_invariants();
		spread(&min, &max);
		if (nlive)
			CHECK(max - min <= 1);
	}
	group_free(&g);
}

static uint8_t pkt[2048];

static uint32_t frame(const struct pkt_flow *f, uint32_t payload)
{
	uint32_t n = pkt_ether(pkt, pkt_ethertype(f), f->sport & 1);

	return n + pkt_ip(pkt + n, f, payload);
}

static struct pcap_record_header rec(uint32_t caplen, uint32_t ts)
{
	return (struct pcap_record_header){ .ts_sec = ts, .caplen = caplen, .len = caplen };
}

static void test_no_members_and_unplaced(void)
{
	const struct pkt_flow f = { 4, "10.0.0.1", "10.0.0.2", 6, 1000, 80 };
	uint32_t n = frame(&f, 10);
	struct pcap_record_header h = rec(n, 1);

	CHECK(group_init(&g, "u", FLOW_5TUPLE) == 0);
	/* No members: nobody wants anything, nothing is held. */
	CHECK(group_owner(&g, group_place(&g, &h, pkt)) == -1);
	int a = join(1, 1), b = join(2, 1), c = join(3, 1);
	uint64_t id = at; /* records after the joins */
	CHECK(wants(a, id, &h, pkt) + wants(b, id, &h, pkt) +
	      wants(c, id, &h, pkt) == 1);
	/* ARP: unplaced, counted, to the eldest member. */
	uint32_t an = pkt_ether(pkt, 0x0806, 0) + 28;
	struct pcap_record_header ah = rec(an, 1);
	uint64_t before_unplaced = g.n.unplaced;
	CHECK(group_place(&g, &ah, pkt) == GROUP_UNPLACED);
	CHECK(g.n.unplaced == before_unplaced + 1);
	CHECK(wants(a, id + 1, &ah, pkt) && !wants(b, id + 1, &ah, pkt) &&
	      !wants(c, id + 1, &ah, pkt));
	/* A truncated IPv4 header too. */
	n = pkt_ether(pkt, 0x0800, 0) + 10;
	h = rec(n, 1);
	before_unplaced = g.n.unplaced;
	CHECK(group_place(&g, &h, pkt) == GROUP_UNPLACED && g.n.unplaced == before_unplaced + 1);
	leave(a); /* the next eldest takes them */
	CHECK(group_owner(&g, GROUP_UNPLACED) == b);
	leave(b);
	leave(c);
	CHECK(group_owner(&g, GROUP_UNPLACED) == -1);
	check_invariants();
	group_free(&g);
}

/* The memo: a bucket per ring record while its slot holds it. */
static void test_memo(void)
{
	struct bucket_memo m;
	struct ring_pos p = { .seq = 0, .off = 0 };

	CHECK(bucket_memo_init(&m, 4) == 0);
	CHECK(bucket_memo_get(&m, p) == -1);
	CHECK(bucket_memo_put(&m, p, 0) == 0 && bucket_memo_get(&m, p) == 0);
	for (uint32_t off = 16; off < RING_SLOT_SIZE; off += 16 * 97) {
		p.off = off;
		CHECK(bucket_memo_put(&m, p, GROUP_UNPLACED - off % 7) == 0);
	}
	p.off = 16 * 97 * 3 + 16;
	CHECK(bucket_memo_get(&m, p) == (int)(GROUP_UNPLACED - p.off % 7));
	p.off = RING_SLOT_SIZE; /* the end of a full slot: still an entry */
	CHECK(bucket_memo_put(&m, p, 5) == 0 && bucket_memo_get(&m, p) == 5);
	p.off = 32;
	CHECK(bucket_memo_get(&m, p) == -1);
	/* Slot 0 recycled as sequence 4: its old entries are gone. */
	p = (struct ring_pos){ .seq = 4, .off = 16 };
	CHECK(bucket_memo_get(&m, p) == -1);
	CHECK(bucket_memo_put(&m, p, 9) == 0 && bucket_memo_get(&m, p) == 9);
	p.seq = 0;
	CHECK(bucket_memo_get(&m, p) == -1);
	p = (struct ring_pos){ .seq = 4, .off = 0 };
	CHECK(bucket_memo_get(&m, p) == -1);
	bucket_memo_free(&m);
}

/* Fragments in 5tuple: a datagram's fragments go with its flow when the
 * first fragment comes first, and stay together when it does not. */
static uint32_t frag(const struct pkt_flow *f, uint16_t id, uint16_t off_flags)
{
	uint32_t n = pkt_ether(pkt, 0x0800, 0);

	if (off_flags & 0x1fff) {
		memset(pkt + n + 20, 0xcd, 64);
		pkt_ip4_hdr(pkt + n, f, f->proto, id, off_flags, 64);
		return n + 20 + 64;
	}
	uint32_t l4 = pkt_l4(pkt + n + 20, f, 56);
	pkt_ip4_hdr(pkt + n, f, f->proto, id, off_flags, l4);
	return n + 20 + l4;
}

static void test_fragments(void)
{
	const struct pkt_flow f = { 4, "10.9.0.1", "10.9.0.2", 17, 4444, 2049 };

	CHECK(group_init(&g, "f", FLOW_5TUPLE) == 0);
	uint32_t n = frame(&f, 10);
	struct pcap_record_header h = rec(n, 100);
	uint32_t flow_bucket = group_place(&g, &h, pkt);
	/* 200 datagrams in order: first, middle, last fragment. */
	for (uint16_t dg = 0; dg < 200; dg++) {
		uint16_t offs[3] = { 0x2000, 0x2000 | 8, 16 };
		for (int i = 0; i < 3; i++) {
			h = rec(frag(&f, dg, offs[i]), 100);
			CHECK(group_place(&g, &h, pkt) == flow_bucket);
		}
	}
	/* Out of order (last first): all fragments of each datagram together. */
	for (uint16_t dg = 1000; dg < 1200; dg++) {
		uint16_t offs[3] = { 16, 0x2000, 0x2000 | 8 };
		uint32_t first = 0;
		for (int i = 0; i < 3; i++) {
			h = rec(frag(&f, dg, offs[i]), 100);
			uint32_t b = group_place(&g, &h, pkt);
			if (i == 0)
				first = b;
			CHECK(b == first);
		}
	}
	CHECK(g.n.fragments == 1200);
	/* An ID reused after the table's time: the new datagram decides anew. */
	h = rec(frag(&f, 5, 16), 100 + GROUP_FRAG_TTL + 5); /* a later fragment, alone */
	struct flow_key k;
	CHECK(flow_parse(1, pkt, h.caplen, &k) == 0);
	CHECK(group_place(&g, &h, pkt) == flow_hash(&k, FLOW_5TUPLE) >> 20);
	group_free(&g);

	/* 2tuple: no table needed, fragments and flows share the address pair. */
	CHECK(group_init(&g, "f2", FLOW_2TUPLE) == 0 && g.frags == NULL);
	h = rec(frame(&f, 10), 1);
	uint32_t b2 = group_place(&g, &h, pkt);
	h = rec(frag(&f, 9, 16), 1);
	CHECK(group_place(&g, &h, pkt) == b2);
	group_free(&g);
}

/* A capture with many flows of uneven sizes, both directions: each member
 * of 4 (and of 8) gets within 10% of an even share of the records, and
 * every flow goes whole to one member. */
static void fairness(int members, uint32_t nflows)
{
	char a[32], b[32];
	int s[16], *flow_owner = malloc(nflows * sizeof(int));
	uint64_t got[16] = { 0 }, total = 0, id;

	CHECK(group_init(&g, "fair", FLOW_5TUPLE) == 0);
	for (int i = 0; i < members; i++)
		s[i] = join((uint64_t)i + 1, 1);
	id = at;
	srand(9);
	for (uint32_t fl = 0; fl < nflows; fl++) {
		snprintf(a, sizeof(a), "10.%u.%u.%u", fl % 3, (fl >> 8) & 255, fl & 255);
		snprintf(b, sizeof(b), "192.168.%u.%u", fl % 5, fl % 11);
		struct pkt_flow f = { 4, a, b, fl % 4 ? 6 : 17, (uint16_t)(1024 + fl % 50000), fl % 2 ? 443 : 53 };
		struct pkt_flow r = pkt_reverse(f);
		int packets = 1 + rand() % 40;
		flow_owner[fl] = -1;
		for (int p = 0; p < packets; p++) {
			uint32_t n = frame(p % 2 ? &r : &f, 10);
			struct pcap_record_header h = rec(n, 1);
			int who = -1;
			for (int i = 0; i < members; i++)
				if (wants(s[i], id, &h, pkt)) {
					CHECK(who == -1);
					who = i;
				}
			id++;
			CHECK(who >= 0);
			CHECK(flow_owner[fl] == -1 || flow_owner[fl] == who);
			flow_owner[fl] = who;
			got[who]++;
			total++;
		}
	}
	printf("# %d members, %u flows, %llu records: shares", members, nflows, (unsigned long long)total);
	for (int i = 0; i < members; i++) {
		double share = (double)got[i] * members / (double)total;
		printf(" %.3f", share);
		CHECK(share > 0.9 && share < 1.1);
	}
	printf(" (1.000 = even)\n");
	free(flow_owner);
	group_free(&g);
}

static void test_fairness(void)
{
	fairness(4, 10000);
	fairness(8, 20000);
}

/* A rebalance takes effect at its position: records before it keep their
 * owners (a lagging member still gets them), records from it on follow the
 * new assignment; nothing is lost or given twice. */
static void test_epochs(void)
{
	const struct pkt_flow f = { 4, "10.0.0.1", "10.0.0.2", 6, 1000, 80 };
	char a[32];
	struct pcap_record_header h;
	int s[20];

	CHECK(group_init(&g, "e", FLOW_5TUPLE) == 0);
	s[0] = join(1, 1);
	s[1] = join(2, 1);
	uint64_t t_join = at;
	s[2] = join(3, 1);
	uint64_t t_leave = at;
	leave(s[0]);
	int moved_to_new = 0, kept = 0;
	for (int i = 0; i < 500; i++) {
		struct pkt_flow fl = f;
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 200, i % 200);
		fl.src = a;
		h = rec(frame(&fl, 10), 1);
		uint64_t old_id = t_join - 1, mid_id = t_leave - 1, new_id = at + 10;
		/* Before the join: s[0] or s[1], never the newcomer. */
		int o = group_owner_at(&g, group_place(&g, &h, pkt), old_id);
		CHECK(o == s[0] || o == s[1]);
		int m = group_owner_at(&g, group_place(&g, &h, pkt), mid_id);
		CHECK(m == o || m == s[2]); /* the join only moved flows to s[2] */
		moved_to_new += m == s[2];
		int n = group_owner_at(&g, group_place(&g, &h, pkt), new_id);
		CHECK(n == s[1] || n == s[2]);
		CHECK(m == s[0] || n == m); /* the leave only moved s[0]'s flows */
		kept += n == m;
	}
	printf("# epochs: %d of 500 flows moved to the newcomer, %d stayed through the leave\n", moved_to_new, kept);
	CHECK(moved_to_new > 100 && moved_to_new < 230 && kept > 270);
	/* More rebalances than kept epochs: old records fall back to the oldest kept. */
	for (int i = 3; i < 20; i++)
		s[i] = join((uint64_t)i + 1, 1);
	CHECK(g.nepochs == GROUP_EPOCHS);
	CHECK(group_owner_at(&g, 5, 0) >= 0);
	group_free(&g);
}

int main(void)
{
	log_setup("test_group", LOG_WARN, 0); /* rebalance lines: thousands */
	test_join_leave_minimal();
	test_weights();
	test_churn();
	test_no_members_and_unplaced();
	test_memo();
	test_fragments();
	test_fairness();
	test_epochs();
	return UNIT_DONE("group");
}
