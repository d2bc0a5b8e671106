#include "lossless.h"

#include <sys/epoll.h>

#include "hub.h"
#include "log.h"
#include "util.h"

/* Slots one read of the capture can open: a 1 MiB read (stream.c) spans at
 * most two, plus one for good measure. A client within this many slots of
 * the oldest could lose records to the next read. */
#define LOSSLESS_MARGIN 3

static int behind(const struct hub *h, const struct client *c)
{
	const struct ring *r = &h->ring;

	return c->view->set.lossless && c->pos.seq + r->nslots <= r->head + LOSSLESS_MARGIN;
}

static int any_behind(const struct hub *h)
{
	for (const struct client *c = h->clients; c; c = c->next)
		if (behind(h, c))
			return 1;
	return 0;
}

void lossless_pace(struct hub *h)
{
	if (!h->lossless || h->input_done)
		return;
	int stop = any_behind(h);
	if (stop == h->input_paused)
		return;
	h->input_paused = stop;
	struct watch *w = h->opt.interface ? &h->native.w : &h->input;
	/* -i: pace.c may hold the fd out too; whichever lets go last adds it. */
	int held = h->opt.interface && h->pace.holding;
	if (!h->input_is_file && w->fd >= 0 && !held) {
		if (stop)
			watch_del(h->epfd, w);
		else
			watch_add(h->epfd, w, EPOLLIN);
	}
	if (stop)
		h->input_pauses++;
	log_debug(stop ? "capture paused: a lossless client is a buffer behind" : "capture resumed",
		  "pauses=%llu", (unsigned long long)h->input_pauses);
}

int lossless_draining(const struct hub *h)
{
	uint64_t now = now_ms(), limit = h->opt.stall_ms ? h->opt.stall_ms : h->opt.drain_ms;

	for (const struct client *c = h->clients; c; c = c->next)
		if (c->view->set.lossless && client_pending(c, &h->ring) &&
		    now - c->progress_ms < limit)
			return 1;
	return 0;
}
