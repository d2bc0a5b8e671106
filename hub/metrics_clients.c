/* GET /clients: one JSON object per connected client. Peer addresses live
 * here, not in /metrics, to keep label cardinality bounded. */
#include "hub.h"
#include "metrics.h"
#include "textbuf.h"
#include "util.h"

static void one_client(const struct hub *h, const struct client *c, uint64_t now, struct tbuf *b)
{
	tbuf_printf(b, "{\"id\":%llu,\"view\":", (unsigned long long)c->id);
	tbuf_quoted(b, c->view->set.name[0] ? c->view->set.name : "default");
	tbuf_printf(b, ",\"listener\":");
	tbuf_quoted(b, c->listener ? c->listener->name : "");
	tbuf_printf(b, ",\"peer\":");
	tbuf_quoted(b, c->addr);
	tbuf_printf(b, ",\"connected_seconds\":%.3f,\"records\":%llu,\"bytes\":%llu,"
		    "\"dropped\":%llu,\"backlog_bytes\":%llu}",
		    (double)(now - c->since_ms) / 1000.0,
		    (unsigned long long)client_packets(c, &h->ring), (unsigned long long)c->bytes,
		    (unsigned long long)c->dropped, (unsigned long long)client_backlog(c, &h->ring));
}

void metrics_clients_json(const struct hub *h, struct tbuf *b)
{
	uint64_t now = now_ms();

	tbuf_printf(b, "[");
	for (const struct client *c = h->clients; c; c = c->next) {
		tbuf_printf(b, "%s\n", c == h->clients ? "" : ",");
		one_client(h, c, now, b);
	}
	tbuf_printf(b, "\n]\n");
}
