#include "rewind.h"

#include <string.h>
#include <sys/un.h>

#include "arrival.h"
#include "hub.h"
#include "log.h"
#include "ring_find.h"
#include "sockaddr.h"
#include "util.h"
#include "view_hello.h"

/* "ip:port" or "[v6]:port" to the IP alone. */
static void strip_port(const char *addr, char *ip, size_t len)
{
	const char *colon = strrchr(addr, ':');
	size_t n = colon ? (size_t)(colon - addr) : strlen(addr);

	if (addr[0] == '[' && n >= 2 && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	if (n >= len)
		n = len - 1;
	memcpy(ip, addr, n);
	ip[n] = '\0';
}

/* The consumer behind c: a TCP peer's IP, or the peer= a helper names in
 * its hello (its own TCP client). A Unix client without one has none. */
static void identify(struct client *c, const struct sockaddr_storage *peer)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[96];

	if (!peer)
		return;
	if (peer->ss_family != AF_UNIX) {
		sockaddr_name(peer, addr, sizeof(addr));
		strip_port(addr, c->peer_ip, sizeof(c->peer_ip));
		return;
	}
	/* A Unix peer's bound name: the helper's hello (view_hello.c). */
	if (getpeername(c->w.fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    !view_hello_get(&ss, sl, "peer", addr, sizeof(addr)) || !strcmp(addr, "-"))
		return;
	c->helper = 1;
	strip_port(addr, c->peer_ip, sizeof(c->peer_ip));
}

static void start_rewound(struct hub *h, struct client *c)
{
	const struct ring *r = &h->ring;
	struct view *v = c->view;
	uint64_t now = now_ms();
	uint64_t since = now > v->set.rewind_ms ? now - v->set.rewind_ms : 0;
	struct ring_pos p = ring_find_arrival(r, since);
	struct ring_pos tail = ring_tail_pos(r);

	uint64_t at_ms = arrival_refine(r, since, &p);
	if (p.seq == tail.seq && p.off == tail.off) {
		log_info("client rewound", "id=%llu view=%s asked_s=%.1f served_s=0 records=0 bytes=0",
			 (unsigned long long)c->id, v->set.name, v->set.rewind_ms / 1000.0);
		return;
	}
	uint64_t rec = ring_record_at(r, p);
	if (!at_ms)
		at_ms = ring_slot(r, p.seq)->born_ms;
	double served = (double)(now - at_ms) / 1000.0;
	client_start_at(c, p, rec);
	v->n.rewound++;
	log_info("client rewound", "id=%llu view=%s asked_s=%.1f served_s=%.1f records=%llu bytes=%llu",
		 (unsigned long long)c->id, v->set.name, v->set.rewind_ms / 1000.0, served,
		 (unsigned long long)(r->records - rec), (unsigned long long)ring_bytes_from(r, p));
	/* The buffer has recycled slots and this is the oldest it holds. */
	if (ring_oldest(r) > 0 && (int64_t)p.seq == ring_first_full(r) && served * 1000 < v->set.rewind_ms)
		log_warn("rewind limited by the buffer: serving all it holds", "id=%llu view=%s asked_s=%.1f served_s=%.1f buffer=%llu",
			 (unsigned long long)c->id, v->set.name, v->set.rewind_ms / 1000.0, served,
			 (unsigned long long)h->opt.buffer);
}

void rewind_place(struct hub *h, struct client *c, const struct sockaddr_storage *peer)
{
	const struct view_settings *s = &c->view->set;

	if (!s->rewind_ms && !s->resume_ms)
		return;
	identify(c, peer);
	if (s->resume_ms && resume_place(h, c))
		return;
	if (s->rewind_ms)
		start_rewound(h, c);
}
