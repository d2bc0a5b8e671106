/* Flow-sharded consumer groups (issue 13): the clients of a view with
 * group= share its stream, each getting the records of whole flows only.
 *
 * Every record is placed in one of GROUP_BUCKETS buckets by its flow hash
 * (flowhash.h); each bucket belongs to one member. Membership changes move
 * as few buckets as they can: a joining member takes buckets only from
 * others (those most above their share), a leaving member's buckets go to
 * those most below theirs, and nobody else's move. Shares follow the
 * members' weights. Records no hash can place (not IP, cut short) go to the
 * member that has been in the group longest, and are counted. A group with
 * no members holds nothing back: it keeps no records for anyone.
 *
 * Records are named by an id that grows with the stream (from their ring
 * position). A rebalance takes effect at an id, the ring's tail when the
 * member joins or leaves: records before it keep their owners. So a member
 * that lags behind still gets the records it was due before a join, and the
 * newcomer, which starts at the tail, gets its buckets from there on: no
 * record lost or given twice. The last GROUP_EPOCHS assignments are kept.
 *
 * In 5tuple mode fragments are placed through a small table of datagrams:
 * a datagram's first fragment seen decides for all its fragments. See
 * docs/groups.md for the rule and why. */
#ifndef PCAP_BROKER_GROUP_H
#define PCAP_BROKER_GROUP_H

#include <stdint.h>

#include "flowhash.h"
#include "pcap_format.h"

#define GROUP_BUCKETS 4096
#define GROUP_UNPLACED GROUP_BUCKETS  /* the "bucket" of a record no hash places */
#define GROUP_NOBODY 0xffffu          /* owner of a bucket when nobody is there */
#define GROUP_MAX_MEMBERS 4096
#define GROUP_WEIGHT_MAX 1000
#define GROUP_FRAG_SLOTS 4096         /* datagrams remembered */
#define GROUP_FRAG_TTL 30             /* seconds of capture time a datagram is remembered */
#define GROUP_EPOCHS 16               /* bucket assignments remembered */

struct group_member {
	uint64_t id;       /* the client's id, for logs; 0: slot free */
	uint64_t since;    /* join order */
	uint32_t weight;
	uint32_t buckets;  /* how many it owns */
	uint32_t moving;   /* scratch for a rebalance */
};

struct group_frag {
	uint64_t key;      /* flow_key.frag_key */
	uint32_t hash;     /* the hash all its fragments follow */
	uint32_t ts;       /* capture time it was set, seconds */
};

/* One bucket assignment, in force from record id from on. */
struct group_epoch {
	uint64_t from;
	int eldest;                     /* slot that gets unplaced records, -1: none */
	uint16_t owner[GROUP_BUCKETS];  /* member slot, or GROUP_NOBODY */
};

struct group_counters {
	uint64_t placed;     /* records placed (group_place calls) */
	uint64_t unplaced;   /* of those, records no hash could place */
	uint64_t fragments;  /* of those, IP fragments */
	uint64_t rebalances; /* joins and leaves */
	uint64_t moved;      /* buckets that changed owner, over all rebalances */
};

struct group {
	char name[32];                  /* the view's, for logs */
	enum flow_mode mode;
	uint32_t linktype;
	struct group_epoch *epochs;     /* GROUP_EPOCHS, a ring */
	uint32_t epoch;                 /* the newest: the current assignment */
	uint32_t nepochs;               /* kept */
	struct group_member *m;         /* slots; id 0 is free */
	uint32_t cap;                   /* slots allocated */
	uint32_t members;               /* slots in use */
	uint64_t joins;                 /* for since */
	struct group_counters n;
	struct group_frag *frags;       /* GROUP_FRAG_SLOTS, 5tuple only */
};

/* 0 or -ENOMEM. name is the view's, mode how it hashes. */
int group_init(struct group *g, const char *name, enum flow_mode mode);
void group_free(struct group *g);

/* The capture's link type, once its header is known. */
void group_set_linktype(struct group *g, uint32_t linktype);

/* A member joins, effective from record id at (the ring's tail): its slot
 * (>= 0), or -ENOSPC / -ENOMEM. who names it in logs. weight 1..
 * GROUP_WEIGHT_MAX (0 counts as 1). Logs the rebalance. */
int group_join(struct group *g, uint64_t who, uint32_t weight, uint64_t at);
/* Member slot leaves, effective from record id at; logs the rebalance. */
void group_leave(struct group *g, int slot, uint64_t at);

/* The bucket of a record (GROUP_UNPLACED if no hash places it). Call it
 * once per record, in stream order (bucket_memo.h remembers the answer for
 * every member): in 5tuple mode the fragment table learns from it. */
uint32_t group_place(struct group *g, const struct pcap_record_header *h, const uint8_t *data);

/* The member slot that gets a bucket's records now (_at: the records from
 * id at on, under the assignment then in force), or -1 if nobody. */
int group_owner(const struct group *g, uint32_t bucket);
int group_owner_at(const struct group *g, uint32_t bucket, uint64_t at);

#endif
