/* The shared record buffer: a ring of fixed-size slots, each holding whole
 * pcap records (host order) back to back. A record never spans two slots, so
 * every slot start is a record boundary: a client that falls behind jumps to
 * one and only ever loses whole records. Clients keep a cursor into the ring;
 * the data itself is stored once. */
#ifndef PCAP_BROKER_RING_H
#define PCAP_BROKER_RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Big enough for the largest record, small enough to recycle often. */
#define RING_SLOT_SIZE (1u << 20)
#define RING_MIN_SLOTS 4u

struct slot {
	uint64_t seq;       /* which slot of the stream this is */
	uint32_t len;       /* bytes of whole records */
	uint32_t nrec;      /* records in it */
	uint64_t first_rec; /* stream index of its first record */
	uint64_t born_ms;   /* when its first record arrived (monotonic ms) */
};

struct ring_pos {
	uint64_t seq; /* slot */
	uint32_t off; /* byte offset in it */
};

/* Called before the oldest slot is overwritten, with its sequence number. */
typedef void (*ring_recycle_fn)(void *ctx, uint64_t seq);

struct ring {
	uint8_t *data;
	struct slot *slots;
	uint32_t nslots;
	uint64_t head; /* slot being filled */
	uint64_t records, bytes; /* totals appended */
	ring_recycle_fn on_recycle;
	void *ctx;
	int file_fd;  /* file-backed (ring_file.c): the file; else -1 */
	/* file-backed: called as a slot is first opened (its first pass) */
	void (*on_first_fill)(const struct ring *r, uint64_t seq);
};

/* size is rounded down to whole slots, at least RING_MIN_SLOTS. 0 or -ENOMEM. */
int ring_init(struct ring *r, uint64_t size, ring_recycle_fn fn, void *ctx);
void ring_free(struct ring *r);

/* The slots ring_init makes of size bytes (at least RING_MIN_SLOTS). */
uint64_t ring_slots_for(uint64_t size);
/* Sets r up over data, nslots * RING_SLOT_SIZE bytes mapped by the caller
 * (ring_free unmaps it). 0 or -ENOMEM. */
int ring_attach(struct ring *r, void *data, uint64_t nslots, ring_recycle_fn fn, void *ctx);
/* ring_init with the data in a file (ring_file.c): MAP_SHARED over path,
 * created 0600 if missing, locked against a second hub, and preallocated
 * so a full disk fails here, not as a SIGBUS later. 0 or -errno. */
int ring_init_file(struct ring *r, uint64_t size, const char *path, ring_recycle_fn fn, void *ctx);

struct slot *ring_slot(const struct ring *r, uint64_t seq);
uint8_t *ring_slot_data(const struct ring *r, uint64_t seq);

/* Room for one record of n bytes (n <= RING_SLOT_SIZE), then commit it. */
uint8_t *ring_reserve(struct ring *r, uint32_t n);
void ring_commit(struct ring *r, uint32_t n);

/* The position a new reader starts at: the next record to be appended. */
struct ring_pos ring_tail_pos(const struct ring *r);
/* The oldest slot still held. */
uint64_t ring_oldest(const struct ring *r);

/* iovecs for the bytes from pos to the newest; returns how many, and the byte
 * total in *bytes. */
int ring_iov(const struct ring *r, struct ring_pos pos, struct iovec *iov, int max, size_t *bytes);
/* Moves pos forward by n bytes (n never beyond the newest). */
void ring_advance(const struct ring *r, struct ring_pos *pos, size_t n);

/* Age in ms of the oldest record held, or -1 when the ring holds none. */
int64_t ring_oldest_age_ms(const struct ring *r, uint64_t now);

/* Records wholly before off in slot seq, and the end of the record that
 * contains off (== off when off is a boundary). */
uint32_t ring_records_before(const struct ring *r, uint64_t seq, uint32_t off, uint32_t *rec_end);

#endif
