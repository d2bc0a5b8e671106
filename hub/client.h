/* One connected consumer: its cursor into the ring and its counters. */
#ifndef PCAP_BROKER_CLIENT_H
#define PCAP_BROKER_CLIENT_H

#include <stdint.h>

#include "event.h"
#include "ring.h"

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
	uint64_t first_rec;     /* stream index of the first record it was due */
	uint64_t dropped;       /* records it lost by falling behind */
	uint64_t bytes;         /* bytes sent, header included */
	int blocked;            /* the socket is full: wait for EPOLLOUT */
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
 * -ENOMEM if it cannot be kept whole and must be closed. */
int client_slot_recycled(struct client *c, const struct ring *r, uint64_t seq);

/* Records delivered so far, whole ones only. */
uint64_t client_packets(const struct client *c, const struct ring *r);
/* Bytes it still has to receive. */
uint64_t client_backlog(const struct client *c, const struct ring *r);

/* Reads and discards what the client sent, up to a budget. 0 when all is
 * read, 1 when the budget ran out first, -errno when the client is gone. */
int client_drain_input(struct client *c);

#endif
