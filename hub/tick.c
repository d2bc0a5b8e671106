#include "tick.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "metrics.h"
#include "stats.h"
#include "util.h"

uint64_t tick_period_ms(uint64_t stall_ms)
{
	uint64_t ms = 1000;

	if (stall_ms && stall_ms / 4 < ms)
		ms = stall_ms / 4 > 10 ? stall_ms / 4 : 10;
	return ms;
}

/* Data is waiting for the client: the header or ring bytes it has not had. */
static int has_pending(const struct hub *h, const struct client *c)
{
	if (!h->stream.header_ready)
		return 0;
	return client_pending(c, &h->ring);
}

/* A client with nothing pending is never stalled, so its clock restarts at
 * every tick; one that had data pending and took none for stall_ms goes.
 * A reset drops what the kernel still holds for it. */
static void sweep_stalled(struct hub *h, uint64_t now)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	struct client *next;

	for (struct client *c = h->clients; c; c = next) {
		next = c->next;
		if (!has_pending(h, c))
			c->progress_ms = now;
		else if (now - c->progress_ms >= h->opt.stall_ms) {
			setsockopt(c->w.fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
			hub_close_client(h, c, "stalled");
		}
	}
}

static void resume_listeners(struct hub *h)
{
	h->listeners_paused = 0;
	if (h->input_done)
		return; /* draining: end_input took them out for good */
	for (int i = 0; i < h->nlisteners; i++)
		watch_add(h->epfd, &h->listeners[i].w, EPOLLIN);
	log_info("accepting clients again", NULL);
}

void tick_pause_listeners(struct hub *h)
{
	if (h->listeners_paused)
		return;
	h->listeners_paused = 1;
	for (int i = 0; i < h->nlisteners; i++)
		watch_del(h->epfd, &h->listeners[i].w);
	log_warn("cannot accept clients for now; pausing the listeners",
		 "clients=%u seconds=%.1f", h->nclients, tick_period_ms(h->opt.stall_ms) / 1000.0);
}

static void on_tick(struct hub *h, struct watch *w, uint32_t events)
{
	uint64_t expirations;

	(void)events;
	if (read(w->fd, &expirations, sizeof(expirations)) < 0)
		return; /* EAGAIN: nothing expired after all */
	refuse_flush(&h->refused);
	views_refresh(h);
	capture_log_tick(&h->cap);
	stats_drop_warnings(h, now_ms());
	if (h->listeners_paused)
		resume_listeners(h);
	if (h->opt.stall_ms)
		sweep_stalled(h, now_ms());
	metrics_tick(h);
}

int tick_start(struct hub *h)
{
	return timer_add(h->epfd, &h->tick, tick_period_ms(h->opt.stall_ms), on_tick);
}
