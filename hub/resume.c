/* resume=: where a consumer's previous connection stopped, kept per view and
 * IP for the view's window, in a table of bounded size.
 *
 * At disconnect the hub knows what it sent (c->bytes). What the consumer's
 * TCP acknowledged is that minus what the socket still holds unacknowledged
 * (SIOCOUTQ), or, through a helper, what the helper reports for its own TCP
 * client ("acked=N\n" on its Unix socket before it closes, client.c). From
 * the newest client mark at or before that byte count, the walk goes record
 * by record, as the client's view shapes them, to the first record not
 * wholly acknowledged: the next connection starts there. */
#include "rewind.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub.h"
#include "log.h"
#include "ring_find.h"
#include "tcp_acked.h"
#include "util.h"
#include "view_send.h"

/* At most this many kept points (about 100 bytes each); when full, the
 * oldest goes first. */
#define RESUME_TABLE_MAX 4096

struct resume_entry {
	const struct view *v;   /* NULL: free */
	char ip[64];
	uint64_t rec;           /* the record the next connection starts at */
	uint64_t gone_ms;
};

static struct resume_entry table[RESUME_TABLE_MAX];

static int expired(const struct resume_entry *e, uint64_t now)
{
	return !e->v || now - e->gone_ms > e->v->set.resume_ms;
}

static struct resume_entry *lookup(const struct view *v, const char *ip)
{
	for (int i = 0; i < RESUME_TABLE_MAX; i++)
		if (table[i].v == v && !strcmp(table[i].ip, ip))
			return &table[i];
	return NULL;
}

/* An entry for (v, ip): its own, a free or expired one, or the oldest. */
static struct resume_entry *slot_for(const struct view *v, const char *ip, uint64_t now)
{
	struct resume_entry *e = lookup(v, ip), *oldest = &table[0];

	for (int i = 0; !e && i < RESUME_TABLE_MAX; i++) {
		if (expired(&table[i], now))
			e = &table[i];
		else if (table[i].gone_ms < oldest->gone_ms)
			oldest = &table[i];
	}
	return e ? e : oldest;
}

/* Output bytes (file header included) the consumer took (tcp_acked.h). */
static uint64_t acked_bytes(const struct client *c, int *reset, uint32_t *unread)
{
	*reset = 0;
	*unread = 0;
	if (c->peer_acked_set)
		return c->peer_acked < c->bytes ? c->peer_acked : c->bytes;
	return tcp_acked(c->w.fd, c->bytes, c->peer_max_wnd, reset, unread);
}

static int held(const struct ring *r, struct ring_pos p)
{
	return p.seq >= ring_oldest(r) && p.seq <= r->head && ring_slot(r, p.seq)->seq == p.seq;
}

/* The newest mark at or before acked still in the ring; else the oldest
 * held (records before it are gone anyway); NULL when none is held. */
static const struct client_mark *pick_mark(const struct client *c, const struct ring *r, uint64_t acked)
{
	const struct client_mark *found = NULL;
	uint32_t n = c->nmarks < CLIENT_MARKS ? c->nmarks : CLIENT_MARKS;

	for (uint32_t i = 1; i <= n; i++) {
		const struct client_mark *m = &c->marks[(c->nmarks - i) % CLIENT_MARKS];
		if (!held(r, m->at))
			break;
		found = m;
		if (m->out <= acked)
			break;
	}
	return found;
}

/* The bytes the record at p becomes for c, and the record after it. */
static uint32_t record_out(struct client *c, const struct ring *r, struct ring_pos p, struct ring_pos *next)
{
	if (!c->view->shape.plain)
		return view_record_out(c, r, p, next);
	struct pcap_record_header h;
	memcpy(&h, ring_slot_data(r, p.seq) + p.off, sizeof(h));
	*next = (struct ring_pos){ p.seq, p.off + PCAP_RECORD_HEADER_LEN + h.caplen };
	while (next->seq < r->head && next->off >= ring_slot(r, next->seq)->len)
		*next = (struct ring_pos){ .seq = next->seq + 1 };
	return PCAP_RECORD_HEADER_LEN + h.caplen;
}

static int at_tail(const struct ring *r, struct ring_pos p)
{
	return p.seq >= r->head && p.off >= ring_slot(r, p.seq)->len;
}

/* From m, the first record not wholly within acked output bytes. */
static uint64_t walk(struct client *c, const struct ring *r, const struct client_mark *m, uint64_t acked)
{
	struct ring_pos p = m->at, next;
	uint64_t rec = m->rec, out = m->out;

	while (!at_tail(r, p)) {
		uint32_t n = record_out(c, r, p, &next);
		if (out + n > acked)
			break;
		out += n;
		rec++;
		p = next;
	}
	return rec;
}

/* The stream index of the next record c would have got. */
static uint64_t sent_to(const struct client *c, const struct ring *r)
{
	return ring_slot(r, c->pos.seq)->first_rec + ring_records_before(r, c->pos.seq, c->pos.off, NULL);
}

void resume_note_gone(struct hub *h, struct client *c)
{
	const struct ring *r = &h->ring;
	uint64_t now = now_ms();

	if (!c->view->set.resume_ms || !c->peer_ip[0] || c->header_sent < PCAP_FILE_HEADER_LEN)
		return;
	int reset;
	uint32_t unread;
	uint64_t acked = acked_bytes(c, &reset, &unread);
	const struct client_mark *m = pick_mark(c, r, acked);
	uint64_t rec = m ? walk(c, r, m, acked) : r->records;
	struct resume_entry *e = slot_for(c->view, c->peer_ip, now);
	*e = (struct resume_entry){ .v = c->view, .rec = rec, .gone_ms = now };
	snprintf(e->ip, sizeof(e->ip), "%s", c->peer_ip);
	log_info("client resume point kept", "id=%llu view=%s ip=%s record=%llu records=%llu bytes=%llu reset=%d unread=%u max_window=%u via=%s window_s=%.0f",
		 (unsigned long long)c->id, c->view->set.name, c->peer_ip, (unsigned long long)rec,
		 (unsigned long long)(sent_to(c, r) > rec ? sent_to(c, r) - rec : 0), (unsigned long long)(c->bytes - acked), reset, unread, c->peer_max_wnd,
		 c->peer_acked_set ? "helper" : c->helper ? "helper-unreported" : "tcp",
		 c->view->set.resume_ms / 1000.0);
}

int resume_place(struct hub *h, struct client *c)
{
	const struct ring *r = &h->ring;
	uint64_t now = now_ms();
	struct resume_entry *e = lookup(c->view, c->peer_ip);
	struct ring_pos p;

	if (!e || expired(e, now))
		return 0;
	uint64_t rec = e->rec, away = now - e->gone_ms;
	e->v = NULL; /* one connection takes it; a second one from there starts afresh */
	int rc = ring_find_record(r, rec, &p);
	uint64_t start = rc == -ERANGE ? ring_slot(r, p.seq)->first_rec : rec < r->records ? rec : r->records;
	client_start_at(c, p, start);
	c->view->n.resumed++;
	double behind = at_tail(r, p) ? 0 : (double)(now - ring_slot(r, p.seq)->born_ms) / 1000.0;
	log_info("client resumed", "id=%llu view=%s ip=%s record=%llu records=%llu bytes=%llu seconds_behind=%.1f away_s=%.1f",
		 (unsigned long long)c->id, c->view->set.name, c->peer_ip, (unsigned long long)start,
		 (unsigned long long)(r->records - start), (unsigned long long)ring_bytes_from(r, p), behind,
		 away / 1000.0);
	if (rc == -ERANGE)
		log_warn("resume limited by the buffer: records it no longer holds are lost", "id=%llu view=%s lost=%llu buffer=%llu",
			 (unsigned long long)c->id, c->view->set.name, (unsigned long long)(start - rec),
			 (unsigned long long)h->opt.buffer);
	return 1;
}
