#include "client.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "pcap_format.h"
#include "tcp_acked.h"
#include "util.h"
#include "view.h"
#include "view_send.h"

/* Bytes of saved tails all clients hold (CLIENT_TAILS_MAX). */
static uint64_t tails_held;

/* Enough slots per sendmsg to send a whole backlog of several MiB at once. */
#define CLIENT_IOV_MAX 64
/* Reads of client input per event: 1 MiB, then others get their turn. */
#define CLIENT_DRAIN_READS 16

struct client *client_new(int fd, const char *addr, const struct ring *r)
{
	static uint64_t next_id = 1;
	struct client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->w.fd = fd;
	c->id = next_id++;
	strncpy(c->addr, addr, sizeof(c->addr) - 1);
	c->since_ms = c->progress_ms = now_ms();
	/* Start at the next record boundary: the one the capture appends next. */
	c->pos = ring_tail_pos(r);
	const struct slot *s = ring_slot(r, c->pos.seq);
	c->first_rec = s->first_rec + s->nrec;
	client_mark(c, c->pos, c->first_rec, PCAP_FILE_HEADER_LEN);
	return c;
}

void client_start_at(struct client *c, struct ring_pos pos, uint64_t rec)
{
	c->pos = pos;
	c->first_rec = rec;
	c->nmarks = 0;
	client_mark(c, pos, rec, PCAP_FILE_HEADER_LEN);
}

void client_mark(struct client *c, struct ring_pos at, uint64_t rec, uint64_t out)
{
	c->marks[c->nmarks++ % CLIENT_MARKS] = (struct client_mark){ .at = at, .rec = rec, .out = out };
}

void client_mark_slot(struct client *c, const struct ring *r, uint64_t out)
{
	const struct client_mark *m = &c->marks[(c->nmarks - 1) % CLIENT_MARKS];

	if (!c->rest && (c->nmarks == 0 || m->at.seq != c->pos.seq))
		client_mark(c, (struct ring_pos){ .seq = c->pos.seq }, ring_slot(r, c->pos.seq)->first_rec, out);
}

/* c jumped to the start of slot seq + 1: its next record, after any saved
 * tail. */
static void mark_jump(struct client *c, const struct ring *r)
{
	uint64_t tail = c->rest ? c->rest_len - c->rest_off : 0;

	client_mark(c, c->pos, ring_slot(r, c->pos.seq)->first_rec, c->bytes + tail);
}

uint64_t client_packets(const struct client *c, const struct ring *r)
{
	if (!c->view->shape.plain)
		return c->records;
	const struct slot *s = ring_slot(r, c->pos.seq);
	uint64_t at = s->first_rec + ring_records_before(r, c->pos.seq, c->pos.off, NULL);

	return at - c->first_rec - c->dropped - (c->rest ? 1 : 0);
}

uint64_t client_backlog(const struct client *c, const struct ring *r)
{
	uint64_t b = c->rest ? c->rest_len - c->rest_off : 0;

	for (uint64_t seq = c->pos.seq; seq <= r->head; seq++)
		b += ring_slot(r, seq)->len - (seq == c->pos.seq ? c->pos.off : 0);
	return b;
}

void client_log_gone(const struct client *c, const struct ring *r, const char *why)
{
	log_info("client disconnected", "id=%llu addr=%s packets=%llu bytes=%llu dropped=%llu seconds=%llu reason=%s",
		 (unsigned long long)c->id, c->addr,
		 (unsigned long long)client_packets(c, r),
		 (unsigned long long)c->bytes, (unsigned long long)c->dropped,
		 (unsigned long long)(now_ms() - c->since_ms) / 1000, why);
}

static void drop_tail(struct client *c)
{
	tails_held -= c->rest_len;
	free(c->rest);
	c->rest = NULL;
}

void client_free(struct client *c)
{
	if (c->rest)
		drop_tail(c);
	free(c);
}

int client_save_tail(struct client *c, const uint8_t *a, uint32_t alen,
		     const uint8_t *b, uint32_t blen)
{
	uint32_t n = alen + blen;

	if (tails_held + n > CLIENT_TAILS_MAX || !(c->rest = malloc(n)))
		return -ENOBUFS;
	if (alen)
		memcpy(c->rest, a, alen);
	if (blen)
		memcpy(c->rest + alen, b, blen);
	c->rest_len = n;
	c->rest_off = 0;
	tails_held += n;
	return 0;
}

int client_idle(const struct client *c, const struct ring *r)
{
	struct ring_pos tail = ring_tail_pos(r);

	return !c->rest && c->pos.seq == tail.seq && c->pos.off == tail.off;
}

int client_pending(const struct client *c, const struct ring *r)
{
	return c->header_sent < PCAP_FILE_HEADER_LEN || !client_idle(c, r);
}

int client_gather_prefix(const struct client *c, const uint8_t *header, struct iovec *iov,
			 size_t *total)
{
	int n = 0;

	*total = 0;
	if (c->header_sent < PCAP_FILE_HEADER_LEN) {
		iov[n].iov_base = (void *)(header + c->header_sent);
		iov[n].iov_len = PCAP_FILE_HEADER_LEN - c->header_sent;
		*total += iov[n++].iov_len;
	}
	if (c->rest) {
		iov[n].iov_base = c->rest + c->rest_off;
		iov[n].iov_len = c->rest_len - c->rest_off;
		*total += iov[n++].iov_len;
	}
	return n;
}

/* Gathers header remainder, saved record tail and ring bytes. */
static int gather(const struct client *c, const struct ring *r, const uint8_t *header,
		  struct iovec *iov, size_t *total)
{
	size_t rb;
	int n = client_gather_prefix(c, header, iov, total);

	n += ring_iov(r, c->pos, iov + n, CLIENT_IOV_MAX - n, &rb);
	*total += rb;
	return n;
}

size_t client_consume_prefix(struct client *c, size_t n)
{
	c->bytes += n;
	c->view->n.bytes += n;
	if (c->header_sent < PCAP_FILE_HEADER_LEN) {
		size_t k = PCAP_FILE_HEADER_LEN - c->header_sent;
		k = n < k ? n : k;
		c->header_sent += (uint32_t)k;
		n -= k;
	}
	if (c->rest && n > 0) {
		size_t k = c->rest_len - c->rest_off;
		k = n < k ? n : k;
		c->rest_off += (uint32_t)k;
		n -= k;
		if (c->rest_off == c->rest_len) {
			drop_tail(c);
			if (!c->view->shape.plain) { /* a view counts records as they end */
				c->records++;
				c->view->n.records++;
			}
		}
	}
	return n;
}

ssize_t client_send(struct client *c, struct iovec *iov, int n)
{
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };

	for (;;) {
		ssize_t k = sendmsg(c->w.fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k >= 0) {
			c->progress_ms = now_ms();
			if (c->view->set.resume_ms && c->peer_ip[0] && !c->helper)
				tcp_note_window(c->w.fd, &c->peer_max_wnd);
			return k;
		}
		switch (io_classify(errno)) {
		case IO_RETRY:
			continue;
		case IO_WAIT:
			c->blocked = 1;
			return 0;
		case IO_CLOSE:
			return -errno;
		}
	}
}

int client_flush(struct client *c, const struct ring *r, const uint8_t *header)
{
	struct iovec iov[CLIENT_IOV_MAX];
	size_t total;

	if (!header || c->blocked)
		return 0;
	if (!c->view->shape.plain)
		return view_flush(c, r, header);
	for (;;) {
		int n = gather(c, r, header, iov, &total);
		if (total == 0)
			return 0;
		ssize_t k = client_send(c, iov, n);
		if (k <= 0)
			return (int)k;
		ring_advance(r, &c->pos, client_consume_prefix(c, (size_t)k));
		client_mark_slot(c, r, c->bytes - c->pos.off);
		if ((size_t)k < total) {
			c->blocked = 1;
			return 0;
		}
	}
}

int64_t client_slot_recycled(struct client *c, const struct ring *r, uint64_t seq)
{
	if (c->pos.seq != seq)
		return 0;
	if (!c->view->shape.plain) {
		int64_t lost = view_slot_recycled(c, r, seq);
		if (lost >= 0)
			mark_jump(c, r);
		return lost;
	}
	uint32_t end;
	uint32_t whole = ring_records_before(r, seq, c->pos.off, &end);
	if (end > c->pos.off) {
		/* Mid-record: keep its tail so the client never gets half a record.
		 * A saved tail is always sent before any ring byte, so there is at
		 * most one. */
		if (client_save_tail(c, ring_slot_data(r, seq) + c->pos.off, end - c->pos.off, NULL, 0) < 0)
			return -ENOBUFS;
		whole++;
	}
	uint32_t lost = ring_slot(r, seq)->nrec - whole;
	c->dropped += lost;
	c->pos = (struct ring_pos){ .seq = seq + 1, .off = 0 };
	mark_jump(c, r);
	return lost;
}

/* A helper says, before it closes, how much of the stream its own client
 * acknowledged: "acked=N\n" (client-helper/relay.c). Nothing else a client
 * sends is ever looked at. */
static void note_helper_status(struct client *c, char *buf, size_t n)
{
	buf[n] = '\0';
	const char *p = strstr(buf, "acked=");
	char *end;

	if (!p)
		return;
	unsigned long long v = strtoull(p + 6, &end, 10);
	if (end != p + 6 && *end == '\n') {
		c->peer_acked = v;
		c->peer_acked_set = 1;
	}
}

int client_drain_input(struct client *c)
{
	/* One buffer for all clients: what they send is never looked at. */
	static char junk[64 << 10];

	/* Bounded work per event: a flooding client cannot starve the loop. */
	for (int i = 0; i < CLIENT_DRAIN_READS; i++) {
		ssize_t n = read(c->w.fd, junk, sizeof(junk) - 1);
		if (n > 0 && c->helper)
			note_helper_status(c, junk, (size_t)n);
		if (n > 0)
			continue;
		if (n == 0)
			return 0; /* half-closed: it may still read */
		switch (io_classify(errno)) {
		case IO_RETRY:
			continue;
		case IO_WAIT:
			return 0;
		case IO_CLOSE:
			return -errno;
		}
	}
	return 1;
}
