/* What the metrics endpoint answers: four read-only resources. */
#include "metrics_http.h"

#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "metrics.h"
#include "textbuf.h"

#define TYPE_TEXT "text/plain; charset=utf-8"
#define TYPE_PROM "text/plain; version=0.0.4; charset=utf-8"
#define TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define TYPE_JSON "application/json"

static enum MHD_Result send_body(struct MHD_Connection *conn, unsigned status, const char *type,
				 char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO; /* closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* A one-line text answer; line must outlive the response (a literal). */
static enum MHD_Result send_line(struct MHD_Connection *conn, unsigned status, const char *line)
{
	return send_body(conn, status, TYPE_TEXT, (char *)line, strlen(line), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result send_tbuf(struct MHD_Connection *conn, const char *type, struct tbuf *b)
{
	size_t len;
	char *body = tbuf_take(b, &len);

	if (!body)
		return send_line(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
	return send_body(conn, MHD_HTTP_OK, type, body, len, MHD_RESPMEM_MUST_FREE);
}

/* Why the hub is not ready, or NULL when it is. */
static const char *not_ready(const struct hub *h)
{
	if (h->input_done)
		return "not ready: the capture ended; draining clients before exit\n";
	if (h->nlisteners == 0)
		return "not ready: no listener for clients\n";
	if (h->listeners_paused)
		return "not ready: out of file descriptors; not accepting clients\n";
	if (!h->stream.header_ready)
		return "not ready: the capture has not started (no pcap header yet)\n";
	return NULL;
}

/* OpenMetrics only when the scraper names it (Prometheus does). */
static int wants_openmetrics(struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	return accept && strstr(accept, "application/openmetrics-text");
}

enum MHD_Result metrics_answer(struct hub *h, struct MHD_Connection *conn,
			       const char *url, const char *method, double started)
{
	struct tbuf b = { 0 };

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_line(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (!strcmp(url, "/metrics")) {
		int om = wants_openmetrics(conn);
		metrics_exposition(h, &b, om, started);
		return send_tbuf(conn, om ? TYPE_OPENMETRICS : TYPE_PROM, &b);
	}
	if (!strcmp(url, "/clients")) {
		metrics_clients_json(h, &b);
		return send_tbuf(conn, TYPE_JSON, &b);
	}
	if (!strcmp(url, "/livez"))
		return send_line(conn, MHD_HTTP_OK, "ok\n");
	if (!strcmp(url, "/readyz")) {
		const char *why = not_ready(h);
		return why ? send_line(conn, MHD_HTTP_SERVICE_UNAVAILABLE, why) : send_line(conn, MHD_HTTP_OK, "ok\n");
	}
	return send_line(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}
