#include "upstream.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "restart.h"
#include "sockaddr.h"
#include "util.h"

/* A dead upstream that sends no FIN (a cable, a crashed host) is noticed
 * after KEEPIDLE + KEEPCNT * KEEPINTVL seconds of silence. */
#define UPSTREAM_KEEPIDLE 10
#define UPSTREAM_KEEPINTVL 5
#define UPSTREAM_KEEPCNT 3

int upstream_check(const char *spec)
{
	return sockaddr_check("pcap-broker: -upstream", spec, UPSTREAM_ADDR_FLAGS);
}

static int resolve(struct upstream *u, const char *spec, char *err, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	char host[256], port[8];
	uint16_t num;

	sockaddr_parse(spec, host, sizeof(host), &num, UPSTREAM_ADDR_FLAGS); /* checked at start-up */
	snprintf(port, sizeof(port), "%u", num);
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, len, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	u->naddr = u->next = 0;
	for (const struct addrinfo *ai = res; ai && u->naddr < UPSTREAM_MAX_ADDRS; ai = ai->ai_next) {
		memcpy(&u->addr[u->naddr], ai->ai_addr, ai->ai_addrlen);
		u->addrlen[u->naddr++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return 0;
}

static void on_connect(struct hub *h, struct watch *w, uint32_t events);

/* Starts a connect to the next address; a refusal moves on to the one after.
 * e: why the previous address failed. */
static int connect_next(struct hub *h, int e, char *err, size_t len)
{
	struct upstream *u = &h->up;

	while (u->next < u->naddr) {
		const struct sockaddr_storage *sa = &u->addr[u->next];
		socklen_t salen = u->addrlen[u->next++];
		int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, (const struct sockaddr *)sa, salen) == 0 || errno == EINPROGRESS) {
			h->input.fd = fd;
			h->input.fn = on_connect;
			u->connecting = 1;
			if (watch_add(h->epfd, &h->input, EPOLLOUT) == 0)
				return 0;
			h->input.fd = -1;
			u->connecting = 0;
		}
		e = errno;
		close(fd);
	}
	snprintf(err, len, "cannot connect to %s: %s", h->opt.upstream, strerror(e));
	return -e;
}

int upstream_connect(struct hub *h, char *err, size_t len)
{
	int rc = resolve(&h->up, h->opt.upstream, err, len);

	return rc < 0 ? rc : connect_next(h, ENOENT, err, len);
}

static void keepalive(int fd)
{
	int on = 1, idle = UPSTREAM_KEEPIDLE, intvl = UPSTREAM_KEEPINTVL, cnt = UPSTREAM_KEEPCNT;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static void on_connect(struct hub *h, struct watch *w, uint32_t events)
{
	int e = 0;
	socklen_t elen = sizeof(e);
	char err[300], peer[80];

	(void)events;
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		e = errno;
	if (e == 0 && watch_mod(h->epfd, w, EPOLLIN) < 0)
		e = errno;
	if (e) {
		watch_del(h->epfd, w);
		close(w->fd);
		w->fd = -1;
		h->up.connecting = 0;
		if (connect_next(h, e, err, sizeof(err)) < 0)
			restart_failed(h, err);
		return;
	}
	h->up.connecting = 0;
	w->fn = h->up.on_data;
	keepalive(w->fd);
	sockaddr_name(&h->up.addr[h->up.next - 1], peer, sizeof(peer));
	/* Later connects show in the gap's line, once the stream is valid. */
	if (h->restart.attempts == 0)
		log_info("upstream connected", "upstream=%s addr=%s", h->opt.upstream, peer);
	else
		log_debug("upstream connected", "upstream=%s addr=%s", h->opt.upstream, peer);
	restart_connected(h);
}
