/* Accepting, serving and closing clients. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arrival.h"
#include "hub.h"
#include "log.h"
#include "resolve.h"
#include "rewind.h"
#include "unix_socket.h"
#include "util.h"
#include "view_group.h"

#define CLIENT_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

/* A Unix socket's default send buffer (about 200 KiB) wakes a helper for
 * every 200 KiB, and at full rate it falls behind and loses records; with
 * 1 MiB it keeps up (make bench, row 4). The kernel caps it at
 * net.core.wmem_max; TCP sockets autotune up to net.ipv4.tcp_wmem anyway. */
#define UNIX_CLIENT_SNDBUF (1 << 20)

/* The file header c's view sends, once the capture's is known. */
static const uint8_t *header_of(const struct hub *h, const struct client *c)
{
	return h->stream.header_ready && c->view->ready ? (const uint8_t *)&c->view->header : NULL;
}

void hub_close_client(struct hub *h, struct client *c, const char *why)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		h->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nclients--;
	h->drops += c->dropped;
	view_group_leave(h, c);
	c->view->n.clients--;
	if (c->view->shape.plain)
		c->view->gone_records += client_packets(c, &h->ring);
	watch_del(h->epfd, &c->w);
	/* Read what it sent and end our side first: closing with unread input
	 * would send a reset and could destroy data still in flight to it. */
	client_drain_input(c);
	resume_note_gone(h, c);
	shutdown(c->w.fd, SHUT_WR);
	close(c->w.fd);
	client_log_gone(c, &h->ring, why);
	/* Freed after this turn of the loop: an event already fetched for it
	 * may still come, and finds fd -1. */
	c->w.fd = -1;
	c->next = h->closed;
	h->closed = c;
}

void hub_free_closed(struct hub *h)
{
	while (h->closed) {
		struct client *c = h->closed;
		h->closed = c->next;
		client_free(c);
	}
}

static void on_client(struct hub *h, struct watch *w, uint32_t events)
{
	struct client *c = (struct client *)w;
	int rc = 0;

	if (w->fd < 0)
		return; /* closed earlier in this turn */
	if (events & (EPOLLERR | EPOLLHUP)) {
		hub_close_client(h, c, "closed");
		return;
	}
	if ((events & EPOLLIN) && (rc = client_drain_input(c)) > 0) {
		/* More input than one turn's budget: come back after the others. */
		rc = watch_mod(h->epfd, &c->w, CLIENT_EVENTS);
	}
	if (rc == 0 && (events & EPOLLOUT)) {
		c->blocked = 0;
		rc = client_flush(c, &h->ring, header_of(h, c));
	}
	if (rc < 0)
		hub_close_client(h, c, "closed");
}

void hub_add_client(struct hub *h, int fd, const char *addr, const struct sockaddr_storage *peer,
		    struct view *v, uint32_t weight, const struct listener *l)
{
	struct client *c = client_new(fd, addr, &h->ring);
	int one = 1;

	views_start(h, 0);
	if (!v)
		v = &h->views[0];
	if (c && v->failed) {
		log_warn("client refused: its view cannot serve this capture", "addr=%s view=%s error=\"%s\"",
			 addr, v->set.name, v->error);
		free(c);
		close(fd);
		return;
	}
	if (!c) {
		log_warn("client refused: out of memory", "addr=%s", addr);
		close(fd);
		return;
	}
	c->w.fn = on_client;
	c->view = v;
	c->member = -1;
	c->listener = l;
	if (peer && peer->ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	else if (peer)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ UNIX_CLIENT_SNDBUF }, sizeof(int));
	if (watch_add(h->epfd, &c->w, CLIENT_EVENTS) < 0) {
		log_warn("client refused: epoll", "addr=%s errno=%d", addr, errno);
		close(fd);
		free(c);
		return;
	}
	c->next = h->clients;
	if (c->next)
		c->next->prev = c;
	h->clients = c;
	h->nclients++;
	v->n.clients++;
	v->n.accepted++;
	log_connect(c->id, addr, peer, !h->opt.no_dns && peer && peer->ss_family != AF_UNIX);
	if (v != &h->views[0])
		log_info("client view", "id=%llu view=%s", (unsigned long long)c->id, v->set.name);
	rewind_place(h, c, peer);
	if (view_group_join(h, c, weight) < 0) {
		hub_close_client(h, c, "its group is full");
		return;
	}
	/* The header goes out now if the capture has started. */
	if (client_flush(c, &h->ring, header_of(h, c)) < 0)
		hub_close_client(h, c, "closed");
}

void hub_flush_clients(struct hub *h)
{
	struct client *next;

	arrival_note(&h->ring, now_ms()); /* new records: called once they arrive */
	views_start(h, 0);
	for (struct client *c = h->clients; c; c = next) {
		next = c->next;
		if (!c->blocked && client_flush(c, &h->ring, header_of(h, c)) < 0)
			hub_close_client(h, c, "closed");
	}
}

int hub_clients_idle(const struct hub *h)
{
	for (const struct client *c = h->clients; c; c = c->next)
		if (client_pending(c, &h->ring))
			return 0;
	return 1;
}

/* The ring is about to overwrite slot seq: clients still on it fall behind. */
void hub_slot_recycled(void *ctx, uint64_t seq)
{
	struct hub *h = ctx;
	struct client *next;

	for (struct client *c = h->clients; c; c = next) {
		next = c->next;
		int64_t lost = client_slot_recycled(c, &h->ring, seq);
		if (lost < 0)
			hub_close_client(h, c, "fell behind mid-record, saved tails over their bound");
		else
			c->view->n.dropped += (uint64_t)lost;
	}
}
