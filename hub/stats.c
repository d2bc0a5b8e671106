#include "stats.h"

#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "util.h"

void stats_totals(const struct hub *h, struct totals *t)
{
	uint64_t ifdrop;

	t->clients = h->nclients;
	t->records = h->ring.records;
	t->bytes = h->ring.bytes;
	t->drops = h->drops;
	for (const struct client *c = h->clients; c; c = c->next)
		t->drops += c->dropped;
	native_drops(&h->native, &t->kernel_drops, &ifdrop);
	t->kernel_drops += ifdrop;
}

void stats_log_clients(const struct hub *h)
{
	uint64_t now = now_ms();

	for (const struct client *c = h->clients; c; c = c->next)
		log_info("client", "id=%llu addr=%s seconds=%llu packets=%llu bytes=%llu dropped=%llu backlog=%llu",
			 (unsigned long long)c->id, c->addr,
			 (unsigned long long)(now - c->since_ms) / 1000,
			 (unsigned long long)client_packets(c, &h->ring),
			 (unsigned long long)c->bytes, (unsigned long long)c->dropped,
			 (unsigned long long)client_backlog(c, &h->ring));
	for (int i = 1; i < h->nviews; i++) {
		const struct view_counters *n = &h->views[i].n;
		log_info("view", "view=%s clients=%llu accepted=%llu records=%llu bytes=%llu dropped=%llu filtered=%llu unconvertible=%llu",
			 h->views[i].set.name, (unsigned long long)n->clients, (unsigned long long)n->accepted,
			 (unsigned long long)n->records, (unsigned long long)n->bytes,
			 (unsigned long long)n->dropped, (unsigned long long)n->filtered,
			 (unsigned long long)n->unconvertible);
	}
	stats_log_totals(h);
}

void stats_log_totals(const struct hub *h)
{
	struct totals t;

	stats_totals(h, &t);
	log_info("stats", "clients=%u records=%llu bytes=%llu drops=%llu kernel_drops=%llu",
		 t.clients, (unsigned long long)t.records, (unsigned long long)t.bytes,
		 (unsigned long long)t.drops, (unsigned long long)t.kernel_drops);
}

static void on_timer(struct hub *h, struct watch *w, uint32_t events)
{
	uint64_t expirations;

	(void)events;
	if (read(w->fd, &expirations, sizeof(expirations)) > 0)
		stats_log_totals(h);
}

int stats_start_timer(struct hub *h)
{
	if (!h->opt.stats_interval_ms)
		return 0;
	return timer_add(h->epfd, &h->stats_timer, h->opt.stats_interval_ms, on_timer);
}
