/* The send path of a view client. From its cursor (always a record
 * boundary) it walks the ring, decides per record (wanted(), then the
 * shape: link conversion, snaplen, precision), and gathers one iovec list:
 * a record whose header is unchanged is sent from the ring as it is
 * (neighbours merged into one span), a changed one as its rewritten head
 * from a scratch area plus its body from the ring. One sendmsg sends the
 * batch; what it took is then accounted record by record, so a partial
 * send leaves the client inside one record (client->cur) and it resumes
 * exactly there: never half a record, never a duplicate, and records are
 * never copied per client (only a record's unsent tail, when its slot is
 * recycled under it, as for every client). */
#include "view_send.h"

#include <errno.h>
#include <limits.h>
/* libpcap has its own struct pcap_file_header: ours is the wire format. */
#define pcap_file_header libpcap_file_header
#include <pcap/pcap.h>
#undef pcap_file_header
#include <string.h>

#include "view.h"
#include "view_ether.h"
#include "view_group.h"

/* Records looked at, and bytes gathered, per sendmsg: enough to fill any
 * socket buffer, little enough that a full socket wastes little work. */
#define VIEW_SCAN_MAX 4096
#define VIEW_BATCH_BYTES (2u << 20)

enum verdict { SKIP_FILTERED, SKIP_UNCONVERTIBLE, SKIP_MEMBER, SEND };

/* One record looked at in a batch. */
struct entry {
	struct ring_pos at, next; /* its start, and the record after it */
	enum verdict verdict;
	int same;                 /* its head is the stored header: all from the ring */
	struct client_record rec; /* what it sends, when SEND (sent: done before);
				   * head not filled in when same */
};

/* The batch being gathered: shared by all clients, one at a time. */
static struct entry batch[VIEW_SCAN_MAX];
static struct iovec iov[IOV_MAX];

/* The one per-record decision of the records a client gets: its group's
 * (another member's flow: hashed once for all members, so it goes first),
 * then the filter. data is the stored record at ring position at, before
 * any shaping. */
static enum verdict wanted(struct view *v, struct client *c, struct ring_pos at,
			   const struct pcap_record_header *rh, const uint8_t *data)
{
	if (v->group && !view_group_wants(v, c, at, rh, data))
		return SKIP_MEMBER;
	if (v->prog) {
		struct pcap_pkthdr ph = { .caplen = rh->caplen, .len = rh->len };
		if (!pcap_offline_filter(v->prog, &ph, data))
			return SKIP_FILTERED;
	}
	return SEND;
}

/* The record as the view's clients get it: head and body. 0, or -1 when it
 * has no Ethernet form. */
static int shape(const struct view_shape *sh, const struct pcap_record_header *rh,
		 const uint8_t *data, struct client_record *out)
{
	struct pcap_record_header h = *rh;
	uint8_t eth[CLIENT_LINK_HEAD];
	uint32_t strip = 0, link = 0;

	if (sh->convert) {
		if (view_ether_record(sh->in_linktype, data, rh->caplen, eth, &strip) < 0 ||
		    strip > rh->caplen)
			return -1;
		link = CLIENT_LINK_HEAD;
		h.caplen = rh->caplen - strip + link;
		h.len = rh->len - strip + link;
	}
	if (sh->clamp && h.caplen > sh->clamp)
		h.caplen = sh->clamp;
	if (link > h.caplen)
		link = h.caplen;
	h.ts_frac = h.ts_frac / sh->ts_div * sh->ts_mul;
	memcpy(out->head, &h, sizeof(h));
	memcpy(out->head + sizeof(h), eth, link);
	out->head_len = PCAP_RECORD_HEADER_LEN + link;
	out->body_off = PCAP_RECORD_HEADER_LEN + strip;
	out->len = PCAP_RECORD_HEADER_LEN + h.caplen;
	out->sent = 0;
	return 0;
}

/* A cursor at the end of a slot that is not the newest moves to the next. */
static struct ring_pos settle(const struct ring *r, struct ring_pos p)
{
	while (p.seq < r->head && p.off >= ring_slot(r, p.seq)->len)
		p = (struct ring_pos){ .seq = p.seq + 1, .off = 0 };
	return p;
}

static int at_tail(const struct ring *r, struct ring_pos p)
{
	return p.seq == r->head && p.off >= ring_slot(r, p.seq)->len;
}

/* Adds bytes to the iovecs, merged with the last when they follow it. */
static void add_iov(int *n, size_t *total, const uint8_t *p, size_t len)
{
	if (len == 0)
		return;
	if (*n > 0 && (uint8_t *)iov[*n - 1].iov_base + iov[*n - 1].iov_len == p)
		iov[*n - 1].iov_len += len;
	else
		iov[(*n)++] = (struct iovec){ .iov_base = (void *)p, .iov_len = len };
	*total += len;
}

/* The unsent part of e's record: head from e->rec (or, unchanged, the ring)
 * and body from the ring. */
static void add_record(const struct ring *r, const struct entry *e, int *n, size_t *total)
{
	const struct client_record *rec = &e->rec;
	const uint8_t *stored = ring_slot_data(r, e->at.seq) + e->at.off;
	uint32_t sent = rec->sent;

	if (sent < rec->head_len) {
		add_iov(n, total, (e->same ? stored : rec->head) + sent, rec->head_len - sent);
		sent = rec->head_len;
	}
	add_iov(n, total, stored + rec->body_off + (sent - rec->head_len), rec->len - sent);
}

/* The record goes out as stored: its bytes can come from the ring. */
static int unchanged(const struct client_record *rec, const uint8_t *stored)
{
	return rec->head_len == PCAP_RECORD_HEADER_LEN && !memcmp(rec->head, stored, PCAP_RECORD_HEADER_LEN);
}

/* Looks at the record at e->at: verdict, shape, next. */
static void look(struct client *c, const struct ring *r, struct entry *e)
{
	struct view *v = c->view;
	const uint8_t *stored = ring_slot_data(r, e->at.seq) + e->at.off;
	struct pcap_record_header rh;

	memcpy(&rh, stored, sizeof(rh));
	e->next = settle(r, (struct ring_pos){ e->at.seq, e->at.off + PCAP_RECORD_HEADER_LEN + rh.caplen });
	e->verdict = wanted(v, c, e->at, &rh, stored + PCAP_RECORD_HEADER_LEN);
	if (e->verdict != SEND)
		return;
	if (v->shape.same) { /* only a filter or a group: the record as stored */
		e->same = 1;
		e->rec = (struct client_record){ .head_len = PCAP_RECORD_HEADER_LEN,
						 .body_off = PCAP_RECORD_HEADER_LEN,
						 .len = PCAP_RECORD_HEADER_LEN + rh.caplen };
	} else if (shape(&v->shape, &rh, stored + PCAP_RECORD_HEADER_LEN, &e->rec) < 0) {
		e->verdict = SKIP_UNCONVERTIBLE;
	} else {
		e->same = unchanged(&e->rec, stored);
	}
}

/* The batch from c's cursor: entries and iovecs after the n prefix ones. */
static int gather(struct client *c, const struct ring *r, int *n, size_t *total)
{
	struct ring_pos p = settle(r, c->pos);
	int ne = 0;

	while (ne < VIEW_SCAN_MAX && *n + 2 <= IOV_MAX && *total < VIEW_BATCH_BYTES && !at_tail(r, p)) {
		struct entry *e = &batch[ne++];
		e->at = p;
		if (ne == 1 && c->cur.len) { /* the record in flight */
			const uint8_t *stored = ring_slot_data(r, p.seq) + p.off;
			struct pcap_record_header rh;
			memcpy(&rh, stored, sizeof(rh));
			e->next = settle(r, (struct ring_pos){ p.seq, p.off + PCAP_RECORD_HEADER_LEN + rh.caplen });
			e->verdict = SEND;
			e->rec = c->cur;
			e->same = unchanged(&c->cur, stored);
		} else {
			look(c, r, e);
		}
		if (e->verdict == SEND)
			add_record(r, e, n, total);
		p = e->next;
	}
	return ne;
}

static void count_skip(struct view *v, enum verdict why)
{
	if (why == SKIP_FILTERED)
		v->n.filtered++;
	else if (why == SKIP_UNCONVERTIBLE)
		v->n.unconvertible++;
	/* SKIP_MEMBER: another member's record, not a loss. */
}

/* Accounts k sent bytes against the batch's ne entries. */
static void consume(struct client *c, const struct ring *r, int ne, size_t k)
{
	struct view *v = c->view;
	uint64_t out = c->bytes - k; /* output bytes before the entry */

	for (int i = 0; i < ne; i++) {
		struct entry *e = &batch[i];
		if (e->verdict != SEND) {
			count_skip(v, e->verdict);
			c->pos = e->next;
			client_mark_slot(c, r, out);
			continue;
		}
		size_t left = e->rec.len - e->rec.sent;
		if (k < left) { /* stops here, maybe inside it */
			c->pos = e->at;
			c->cur = e->rec;
			if (e->same) /* its head, for a saved tail */
				memcpy(c->cur.head, ring_slot_data(r, e->at.seq) + e->at.off, PCAP_RECORD_HEADER_LEN);
			c->cur.sent += (uint32_t)k;
			if (!c->cur.sent)
				c->cur.len = 0;
			return;
		}
		k -= left;
		out += left;
		c->pos = e->next;
		c->cur.len = 0;
		client_mark_slot(c, r, out);
		c->records++;
		v->n.records++;
	}
}

int view_flush(struct client *c, const struct ring *r, const uint8_t *header)
{
	for (;;) {
		size_t total;
		int n = client_gather_prefix(c, header, iov, &total);
		size_t prefix = total;
		int ne = gather(c, r, &n, &total);
		if (ne == 0 && total == 0)
			return 0;
		ssize_t k = total ? client_send(c, iov, n) : 0;
		if (k < 0)
			return (int)k;
		if (k == 0 && total)
			return 0; /* blocked */
		size_t body = client_consume_prefix(c, (size_t)k);
		if ((size_t)k >= prefix)
			consume(c, r, ne, body);
		if ((size_t)k < total) {
			c->blocked = 1;
			return 0;
		}
	}
}

uint32_t view_record_out(struct client *c, const struct ring *r, struct ring_pos at,
			 struct ring_pos *next)
{
	struct entry e = { .at = at };

	look(c, r, &e);
	*next = e.next;
	return e.verdict == SEND ? e.rec.len : 0;
}

int64_t view_slot_recycled(struct client *c, const struct ring *r, uint64_t seq)
{
	const struct slot *s = ring_slot(r, seq);
	uint32_t before = ring_records_before(r, seq, c->pos.off, NULL);
	uint32_t lost = s->nrec - before;

	if (c->cur.len) {
		const uint8_t *stored = ring_slot_data(r, seq) + c->pos.off;
		const struct client_record *rec = &c->cur;
		uint32_t head_sent = rec->sent < rec->head_len ? rec->sent : rec->head_len;
		uint32_t body_sent = rec->sent - head_sent;
		if (client_save_tail(c, rec->head + head_sent, rec->head_len - head_sent,
				     stored + rec->body_off + body_sent, rec->len - rec->head_len - body_sent) < 0)
			return -ENOBUFS;
		c->cur.len = 0;
		lost--;
	}
	c->dropped += lost;
	c->pos = (struct ring_pos){ .seq = seq + 1, .off = 0 };
	return lost;
}
