#include "stats.h"

#include <stdio.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "util.h"
#include "view_group.h"

void stats_totals(const struct hub *h, struct totals *t)
{
	t->clients = h->nclients;
	t->records = h->ring.records;
	t->bytes = h->ring.bytes;
	t->drops = h->drops;
	t->lossy_clients = 0;
	for (const struct client *c = h->clients; c; c = c->next) {
		t->drops += c->dropped;
		t->lossy_clients += c->dropped > 0;
	}
	t->kernel_drops = native_drops(&h->native);
	t->iface_drops[0] = '\0';
	if (h->native.n) {
		int k = snprintf(t->iface_drops, sizeof(t->iface_drops), " interface_drops=");
		native_drops_list(&h->native, t->iface_drops + k, sizeof(t->iface_drops) - (size_t)k);
	}
}

void stats_log_clients(const struct hub *h)
{
	uint64_t now = now_ms();

	/* A client that lost records stands out: a warning, not information. */
	for (const struct client *c = h->clients; c; c = c->next)
		log_event(c->dropped ? LOG_WARN : LOG_INFO, "client",
			 "id=%llu addr=%s seconds=%llu packets=%llu bytes=%llu dropped=%llu backlog=%llu",
			 (unsigned long long)c->id, c->addr,
			 (unsigned long long)(now - c->since_ms) / 1000,
			 (unsigned long long)client_packets(c, &h->ring),
			 (unsigned long long)c->bytes, (unsigned long long)c->dropped,
			 (unsigned long long)client_backlog(c, &h->ring));
	for (int i = 1; i < h->nviews; i++) {
		const struct view_counters *n = &h->views[i].n;
		log_info("view", "view=%s clients=%llu accepted=%llu records=%llu bytes=%llu dropped=%llu filtered=%llu unconvertible=%llu rewound=%llu resumed=%llu",
			 h->views[i].set.name, (unsigned long long)n->clients, (unsigned long long)n->accepted,
			 (unsigned long long)n->records, (unsigned long long)n->bytes,
			 (unsigned long long)n->dropped, (unsigned long long)n->filtered,
			 (unsigned long long)n->unconvertible, (unsigned long long)n->rewound,
			 (unsigned long long)n->resumed);
	}
	view_groups_report(h);
	stats_log_totals(h);
}

void stats_log_totals(const struct hub *h)
{
	struct totals t;

	stats_totals(h, &t);
	log_info("stats", "clients=%u records=%llu bytes=%llu drops=%llu kernel_drops=%llu lossy_clients=%u%s",
		 t.clients, (unsigned long long)t.records, (unsigned long long)t.bytes,
		 (unsigned long long)t.drops, (unsigned long long)t.kernel_drops, t.lossy_clients,
		 t.iface_drops);
}

static void drop_warning(struct client *c, uint64_t now)
{
	const char *msg = c->dropped_logged ? "client still losing records"
					    : "client is losing records: it reads slower than the capture";

	log_warn(msg, "id=%llu addr=%s dropped=%llu new=%llu", (unsigned long long)c->id, c->addr,
		 (unsigned long long)c->dropped, (unsigned long long)(c->dropped - c->dropped_logged));
	c->dropped_logged = c->dropped;
	c->dropped_log_ms = now;
}

void stats_drop_warnings(struct hub *h, uint64_t now)
{
	uint64_t every = h->opt.stats_interval_ms ? h->opt.stats_interval_ms : STATS_DROP_LOG_MS;

	for (struct client *c = h->clients; c; c = c->next) {
		if (c->dropped == c->dropped_logged)
			continue;
		if (!c->dropped_logged || now - c->dropped_log_ms >= every)
			drop_warning(c, now);
	}
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
