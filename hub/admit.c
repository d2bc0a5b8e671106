/* Accepting connections: the allow-list, the client limit, and running out
 * of file descriptors without spinning on a level-triggered listener. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdlimit.h"
#include "hub.h"
#include "log.h"
#include "tick.h"
#include "unix_socket.h"
#include "view_group.h"
#include "view_hello.h"

/* Accepts per readiness event: the listener is level-triggered, so the rest
 * wait for the next turn of the loop and clients get served in between. */
#define ACCEPT_BATCH 64

/* Closes a connection before it has seen a byte: a reset, so that a flood
 * of refused peers leaves no TIME_WAIT state behind. */
static void refuse(struct hub *h, int fd, enum refuse_reason why, const char *addr)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
	refuse_note(&h->refused, why, addr, h->nclients);
}

/* accept4 failed with err: 1 to go on accepting, 0 to stop for now. */
static int accept_failed(struct hub *h, struct listener *l, int err)
{
	switch (err) {
	case EINTR:
	case ECONNABORTED:
		return 1;
	case EAGAIN:
		return 0;
	case EMFILE:
	case ENFILE:
		if (fdlimit_refuse_one(l->w.fd) == 0) {
			refuse_note(&h->refused, REFUSE_FDS, NULL, h->nclients);
			return 1;
		}
		break;
	default: /* ENOBUFS, ENOMEM, ... */
		log_warn("accept failed", "listener=%s errno=%d", l->name, err);
		break;
	}
	tick_pause_listeners(h);
	return 0;
}

void hub_on_listener(struct hub *h, struct watch *w, uint32_t events)
{
	struct listener *l = (struct listener *)w;

	(void)events;
	for (int i = 0; i < ACCEPT_BATCH && !h->listeners_paused; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char addr[96];
		int fd = accept4(l->w.fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (!accept_failed(h, l, errno))
				return;
			continue;
		}
		struct view *v = l->view;
		sockaddr_name(&ss, addr, sizeof(addr));
		if (ss.ss_family == AF_UNIX)
			unix_peer_name(fd, addr, sizeof(addr)); /* its SO_PEERCRED identity */
		if (ss.ss_family == AF_UNIX && view_hello_pick(h, &ss, sl, addr, &v) < 0)
			close(fd);
		else if (!l->is_unix && !acl_allows(&h->opt.allow, &ss))
			refuse(h, fd, REFUSE_ALLOW, addr);
		else if (h->nclients >= h->opt.max_clients)
			refuse(h, fd, REFUSE_FULL, addr);
		else
			hub_add_client(h, fd, addr, &ss, v, view_group_weight(&ss, sl), l);
	}
}
