/* GET /metrics: the hub's figures in the Prometheus text format 0.0.4, or
 * OpenMetrics 1.0 (counter families named without _total, info type, # EOF).
 * Names follow Prometheus' naming practices; labels are bounded (views,
 * listeners, refusal reasons), never a peer address. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hub.h"
#include "view_group.h"
#include "metrics.h"
#include "textbuf.h"
#include "util.h"

#ifndef VERSION
#define VERSION "0.0.0-unknown"
#endif

/* libpcap's own declaration; pcap.h itself clashes with pcap_format.h. */
const char *pcap_lib_version(void);

enum mtype { GAUGE, COUNTER, INFO };

struct expo {
	struct tbuf *b;
	int om; /* OpenMetrics */
};

static const char *sample_suffix[] = { [GAUGE] = "", [COUNTER] = "_total", [INFO] = "_info" };

static void family(const struct expo *e, const char *name, enum mtype t, const char *help)
{
	const char *sfx = e->om ? "" : sample_suffix[t];
	const char *type = t == COUNTER ? "counter" : (t == INFO && e->om) ? "info" : "gauge";

	tbuf_printf(e->b, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, sfx, help, name, sfx, type);
}

/* name{k1="v1",k2="v2"} value; keys NULL-terminated pairs, may be none. */
static void sample(const struct expo *e, const char *name, enum mtype t,
		   const char *const *labels, const char *value)
{
	tbuf_printf(e->b, "%s%s", name, sample_suffix[t]);
	for (int i = 0; labels && labels[i]; i += 2) {
		tbuf_printf(e->b, "%s%s=", i ? "," : "{", labels[i]);
		tbuf_quoted(e->b, labels[i + 1]);
	}
	tbuf_printf(e->b, "%s %s\n", labels && labels[0] ? "}" : "", value);
}

static void one(const struct expo *e, const char *name, enum mtype t, const char *help, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	family(e, name, t, help);
	sample(e, name, t, NULL, num);
}

static void labelled(const struct expo *e, const char *name, enum mtype t,
		     const char *const *labels, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	sample(e, name, t, labels, num);
}

static const char *view_name(const struct hub *h, int i)
{
	return h->views[i].set.name[0] ? h->views[i].set.name : "default";
}

static void capture(const struct expo *e, const struct hub *h)
{
	one(e, "pcap_broker_capture_records", COUNTER, "Records read from the capture.", h->ring.records);
	one(e, "pcap_broker_capture_bytes", COUNTER,
	    "Bytes of records (record headers included) read from the capture.", h->ring.bytes);
	if (h->opt.upstream)
		one(e, "pcap_broker_upstream_reconnects", COUNTER,
		    "Times the upstream stream resumed after it dropped or failed (-upstream).", h->restart.gaps);
	else if (h->opt.restart)
		one(e, "pcap_broker_capture_restarts", COUNTER,
		    "Times the capture resumed after it ended or failed (-restart).", h->restart.gaps);
	if (!h->native.n)
		return; /* the kernel's counters exist for -i only */
	family(e, "pcap_broker_capture_kernel_dropped_packets", COUNTER,
	       "Packets the kernel or the interface dropped before the hub read them, per -i interface (libpcap ps_drop + ps_ifdrop).");
	for (int i = 0; i < h->native.n; i++)
		labelled(e, "pcap_broker_capture_kernel_dropped_packets", COUNTER,
			 (const char *const[]){ "interface", h->native.ifs[i].name, NULL },
			 native_iface_drops(&h->native, i));
}

/* The per-view counters (struct view_counters) and their totals. */
static const struct {
	const char *name, *help;
	size_t off;
	int total; /* also summed over views, under a name of its own */
} delivery[] = {
	{ "delivered_records", "Records delivered whole to clients.", offsetof(struct view_counters, records), 1 },
	{ "delivered_bytes", "Bytes delivered to clients, pcap file headers included.",
	  offsetof(struct view_counters, bytes), 1 },
	{ "dropped_records", "Records clients lost by falling behind their backlog.",
	  offsetof(struct view_counters, dropped), 1 },
	{ "filtered_records", "Records the view's filter kept from its clients.",
	  offsetof(struct view_counters, filtered), 0 },
	{ "unconvertible_records", "Records with no Ethernet form that linktype=ether kept from its clients.",
	  offsetof(struct view_counters, unconvertible), 0 },
	{ "accepted_connections", "Clients the view has served since the start.",
	  offsetof(struct view_counters, accepted), 0 },
	{ "rewound_clients", "Clients that started in the past (rewind=).", offsetof(struct view_counters, rewound), 0 },
	{ "resumed_clients", "Clients that continued a previous connection (resume=).",
	  offsetof(struct view_counters, resumed), 0 },
};

static uint64_t field(const struct view_counters *n, size_t off)
{
	return *(const uint64_t *)((const char *)n + off);
}

static void deliveries(const struct expo *e, const struct hub *h)
{
	char name[64], help[160];

	for (size_t d = 0; d < sizeof(delivery) / sizeof(delivery[0]); d++) {
		uint64_t total = 0;
		snprintf(name, sizeof(name), "pcap_broker_view_%s", delivery[d].name);
		snprintf(help, sizeof(help), "%s By view.", delivery[d].help);
		family(e, name, COUNTER, help);
		for (int i = 0; i < h->nviews; i++) {
			const char *labels[] = { "view", view_name(h, i), NULL };
			labelled(e, name, COUNTER, labels, field(&h->views[i].n, delivery[d].off));
			total += field(&h->views[i].n, delivery[d].off);
		}
		if (!delivery[d].total)
			continue;
		snprintf(name, sizeof(name), "pcap_broker_%s", delivery[d].name);
		snprintf(help, sizeof(help), "%s All views.", delivery[d].help);
		one(e, name, COUNTER, help, total);
	}
}

static int view_index(const struct hub *h, const struct client *c)
{
	return c->view ? (int)(c->view - h->views) : 0;
}

static int listener_index(const struct hub *h, const struct client *c)
{
	for (int i = 0; i < h->nlisteners; i++)
		if (c->listener == &h->listeners[i])
			return i;
	return -1;
}

/* Every listener with its own view (0 clients included), and any other
 * view its clients asked for (a helper on the Unix socket may). */
static void clients(const struct expo *e, const struct hub *h)
{
	static unsigned count[MAX_LISTENERS][MAX_VIEWS];
	char num[24];

	memset(count, 0, sizeof(count));
	for (const struct client *c = h->clients; c; c = c->next) {
		int l = listener_index(h, c), v = view_index(h, c);
		if (l >= 0 && v >= 0 && v < MAX_VIEWS)
			count[l][v]++;
	}
	family(e, "pcap_broker_clients", GAUGE, "Clients connected, by view and listener.");
	for (int l = 0; l < h->nlisteners; l++) {
		const struct view *own = h->listeners[l].view;
		int home = own ? (int)(own - h->views) : 0;
		for (int v = 0; v < h->nviews; v++) {
			if (v != home && !count[l][v])
				continue;
			const char *labels[] = { "view", view_name(h, v), "listener", h->listeners[l].name, NULL };
			snprintf(num, sizeof(num), "%u", count[l][v]);
			sample(e, "pcap_broker_clients", GAUGE, labels, num);
		}
	}
}

/* The consumer groups (group=): one series per view that has one. */
static const struct {
	const char *name, *help;
	enum mtype type;
} group_family[] = {
	{ "pcap_broker_group_members", "Members of the view's consumer group now.", GAUGE },
	{ "pcap_broker_group_rebalances", "Rebalances of the view's consumer group: joins and leaves.", COUNTER },
	{ "pcap_broker_group_moved_buckets", "Flow buckets that changed owner, over all rebalances.", COUNTER },
	{ "pcap_broker_group_unplaced_records", "Records no flow hash could place (given to the eldest member).",
	  COUNTER },
};

static uint64_t group_figure(const struct group *g, size_t f)
{
	const uint64_t v[] = { g->members, g->n.rebalances, g->n.moved, g->n.unplaced };

	return v[f];
}

static void groups(const struct expo *e, const struct hub *h)
{
	int any = 0;

	for (int i = 0; i < h->nviews; i++)
		any |= h->views[i].group != NULL;
	if (!any)
		return;
	for (size_t f = 0; f < sizeof(group_family) / sizeof(group_family[0]); f++) {
		family(e, group_family[f].name, group_family[f].type, group_family[f].help);
		for (int i = 0; i < h->nviews; i++) {
			if (!h->views[i].group)
				continue;
			const char *labels[] = { "view", view_name(h, i), NULL };
			labelled(e, group_family[f].name, group_family[f].type, labels,
				 group_figure(&h->views[i].group->g, f));
		}
	}
}

static void refused(const struct expo *e, const struct hub *h)
{
	family(e, "pcap_broker_refused_connections", COUNTER, "Connections refused, by reason.");
	for (int i = 0; i < REFUSE_NREASONS; i++) {
		const char *labels[] = { "reason", refuse_reason_name((enum refuse_reason)i), NULL };
		labelled(e, "pcap_broker_refused_connections", COUNTER, labels, h->refused.total[i]);
	}
}

static void ring(const struct expo *e, const struct hub *h)
{
	char num[32];

	one(e, "pcap_broker_ring_capacity_bytes", GAUGE,
	    "Size of the shared record ring: how far a client may fall behind.",
	    (uint64_t)h->ring.nslots * RING_SLOT_SIZE);
	int64_t age = ring_oldest_age_ms(&h->ring, now_ms());
	if (age < 0)
		return; /* no record yet: no age to report */
	family(e, "pcap_broker_ring_oldest_record_age_seconds", GAUGE,
	       "Age of the oldest record the ring still holds: the window a lagging client can still get.");
	snprintf(num, sizeof(num), "%.3f", (double)age / 1000.0);
	sample(e, "pcap_broker_ring_oldest_record_age_seconds", GAUGE, NULL, num);
}

static void process(const struct expo *e, double started)
{
	char num[32];

	family(e, "process_start_time_seconds", GAUGE, "Start time of the process since the Unix epoch, in seconds.");
	snprintf(num, sizeof(num), "%.3f", started);
	sample(e, "process_start_time_seconds", GAUGE, NULL, num);
	const char *labels[] = { "version", VERSION, "libpcap_version", pcap_lib_version(), NULL };
	family(e, "pcap_broker_build", INFO, "The hub's version and the libpcap it runs with.");
	sample(e, "pcap_broker_build", INFO, labels, "1");
}

void metrics_exposition(struct hub *h, struct tbuf *b, int openmetrics, double started)
{
	const struct expo e = { .b = b, .om = openmetrics };

	views_refresh(h); /* n.records exact */
	process(&e, started);
	capture(&e, h);
	deliveries(&e, h);
	clients(&e, h);
	groups(&e, h);
	refused(&e, h);
	ring(&e, h);
	if (openmetrics)
		tbuf_printf(b, "# EOF\n");
}
