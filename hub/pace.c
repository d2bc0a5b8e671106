#include "pace.h"

#include <sys/epoll.h>

#include "hub.h"
#include "util.h"

/* It reads, but lags so far that the next batch or the one after would
 * recycle the slot it is in. */
static int about_to_lose(const struct hub *h, const struct client *c, uint64_t now)
{
	return c->blocked && now - c->progress_ms < PACE_READING_MS &&
	       c->pos.seq <= ring_oldest(&h->ring) + 1;
}

static int anyone_about_to_lose(const struct hub *h, uint64_t now)
{
	for (const struct client *c = h->clients; c; c = c->next)
		if (about_to_lose(h, c, now))
			return 1;
	return 0;
}

static void release(struct hub *h, uint64_t now)
{
	struct pace *p = &h->pace;

	p->held_ms += now - (p->until - PACE_WAIT_MS);
	p->holding = 0;
	/* Stopped while holding, or a lossless client holds it (lossless.c):
	 * the fd stays out. */
	if (!h->input_done && !h->input_paused)
		watch_add(h->epfd, &h->native.w, EPOLLIN);
}

void pace_after_batch(struct hub *h)
{
	struct pace *p = &h->pace;
	uint64_t now = now_ms();

	if (now - p->window_ms >= 1000) {
		p->window_ms = now;
		p->held_ms = 0;
	}
	if (p->holding || p->held_ms + PACE_WAIT_MS > PACE_BUDGET_MS || !anyone_about_to_lose(h, now))
		return;
	p->holding = 1;
	p->holds++;
	p->until = now + PACE_WAIT_MS;
	watch_del(h->epfd, &h->native.w);
}

void pace_check(struct hub *h)
{
	uint64_t now = now_ms();

	if (h->pace.holding && (now >= h->pace.until || !anyone_about_to_lose(h, now)))
		release(h, now);
}

int pace_timeout(const struct hub *h)
{
	if (!h->pace.holding)
		return -1;
	uint64_t now = now_ms();
	return now >= h->pace.until ? 0 : (int)(h->pace.until - now);
}
