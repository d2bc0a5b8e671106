/* One connected consumer: its cursor into the ring and its counters. */
#ifndef PCAP_BROKER_CLIENT_H
#define PCAP_BROKER_CLIENT_H

#include <stdint.h>

#include <sys/types.h>
#include <sys/uio.h>

#include "event.h"
#include "pcap_format.h"
#include "ring.h"

/* Saved record tails (below) of all clients together stay under this; a
 * client that would need more is cut ("fell behind mid-record"). With it,
 * hub memory is -buffer plus this plus a few MiB, whatever clients do. */
#define CLIENT_TAILS_MAX (16u << 20)
/* The most link-layer bytes a view puts in front of a record's body. */
#define CLIENT_LINK_HEAD 14

/* A view client's record being sent (view_send.c): its rewritten head (record
 * header, then any Ethernet header) and its body, straight from the ring at
 * the client's pos + body_off. */
struct client_record {
	uint8_t head[PCAP_RECORD_HEADER_LEN + CLIENT_LINK_HEAD];
	uint32_t head_len;
	uint32_t body_off;
	uint32_t len;           /* head_len + body bytes; 0: none in flight */
	uint32_t sent;
};

/* A record boundary the client reached, and its output byte count there
 * (file header included): resume.c walks from one to the last record the
 * peer acknowledged. Taken at its start, at every slot it enters and at
 * every jump ahead: a few per MiB sent. */
#define CLIENT_MARKS 16
struct client_mark {
	struct ring_pos at;
	uint64_t rec;  /* stream index of the record at it */
	uint64_t out;  /* bytes sent before it */
};

struct client {
	struct watch w;
	struct client *prev, *next;
	uint64_t id;
	struct view *view;       /* never NULL once added: the hub's views[0] by default */
	const struct listener *listener; /* where it connected, for metrics */
	char addr[80];          /* "ip:port" or "unix" */
	uint64_t since_ms;      /* connect time, monotonic */
	uint64_t progress_ms;   /* last time a write made progress */
	uint32_t header_sent;   /* bytes of the file header already sent */
	struct ring_pos pos;    /* next ring byte to send */
	uint8_t *rest;          /* tail of a record saved from an overwritten slot */
	uint32_t rest_len, rest_off;
	struct client_record cur; /* view clients: the record pos points at, part sent */
	uint64_t records;       /* view clients: records delivered whole */
	int member;             /* its slot in its view's group, if the view has one */
	uint64_t first_rec;     /* stream index of the first record it was due */
	uint64_t dropped;       /* records it lost by falling behind */
	uint64_t dropped_logged; /* dropped as of its last drop warning */
	uint64_t dropped_log_ms; /* when that warning was logged */
	uint64_t bytes;         /* bytes sent, header included */
	int blocked;            /* the socket is full: wait for EPOLLOUT */
	struct client_mark marks[CLIENT_MARKS]; /* newest at (nmarks - 1) % CLIENT_MARKS */
	uint32_t nmarks;        /* taken so far */
	char peer_ip[64];       /* resume key: the consumer's IP ("" : none) */
	int helper;             /* a helper's connection (hello with peer=) */
	int peer_acked_set;     /* the helper reported its client's acknowledged bytes */
	uint64_t peer_acked;
	uint32_t peer_max_wnd;  /* resume: the largest window the TCP peer offered */
};

struct hub;
struct listener;

struct client *client_new(int fd, const char *addr, const struct ring *r);
/* The disconnect line with its totals. */
void client_log_gone(const struct client *c, const struct ring *r, const char *why);
void client_free(struct client *c);

/* Sends what it can without blocking. 0, or -errno if the client must go. */
int client_flush(struct client *c, const struct ring *r, const uint8_t *header);
/* Nothing left to send. */
int client_idle(const struct client *c, const struct ring *r);
/* It still has to get the file header or ring bytes (once the header exists). */
int client_pending(const struct client *c, const struct ring *r);

/* Slot seq is about to be overwritten: move off it, keeping whole records.
 * Returns the records it lost, or -ENOBUFS if the tail of its record in
 * flight cannot be kept (over CLIENT_TAILS_MAX) and it must be closed. */
int64_t client_slot_recycled(struct client *c, const struct ring *r, uint64_t seq);

/* For the send paths (client.c, view_send.c). */
/* Keeps a record's unsent tail, a then b, to send before anything else.
 * 0, or -ENOBUFS over CLIENT_TAILS_MAX. */
int client_save_tail(struct client *c, const uint8_t *a, uint32_t alen,
		     const uint8_t *b, uint32_t blen);
/* iovecs for the file header's and a saved tail's unsent bytes. */
int client_gather_prefix(const struct client *c, const uint8_t *header, struct iovec *iov,
			 size_t *total);
/* Accounts n sent bytes against them; returns the bytes left over. */
size_t client_consume_prefix(struct client *c, size_t n);
/* One sendmsg: bytes sent, 0 when the socket is full (c->blocked set), or
 * -errno when the client must go. */
ssize_t client_send(struct client *c, struct iovec *iov, int n);

/* A new client starts at pos (a record boundary), record rec, instead of
 * live (rewind.c, resume.c). Before anything is sent. */
void client_start_at(struct client *c, struct ring_pos pos, uint64_t rec);
/* Notes a record boundary (see struct client_mark). */
void client_mark(struct client *c, struct ring_pos at, uint64_t rec, uint64_t out);
/* c->pos entered a new slot whose start it passed at out bytes: marks it. */
void client_mark_slot(struct client *c, const struct ring *r, uint64_t out);

/* Records delivered so far, whole ones only. */
uint64_t client_packets(const struct client *c, const struct ring *r);
/* Bytes it still has to receive. */
uint64_t client_backlog(const struct client *c, const struct ring *r);

/* Reads and discards what the client sent, up to a budget. 0 when all is
 * read, 1 when the budget ran out first, -errno when the client is gone. */
int client_drain_input(struct client *c);

#endif
