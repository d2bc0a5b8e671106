/* HTTP metrics and health endpoints (-metrics ADDR, docs/metrics.md).
 *
 * libmicrohttpd runs inside the hub's one epoll loop: no thread of its own.
 * Its epoll fd is a watch in the loop, MHD_run() is called when it is
 * readable and from every tick (for its timeouts), and it only ever answers
 * from figures the loop already keeps. It serves GET /metrics (Prometheus
 * text 0.0.4, or OpenMetrics when Accept asks), /clients (JSON), /livez and
 * /readyz. Slow or hostile HTTP clients are bounded by a connection limit,
 * an idle timeout and a deadline for each request's headers. */
#ifndef PCAP_BROKER_METRICS_H
#define PCAP_BROKER_METRICS_H

#include <stddef.h>

struct hub;
struct tbuf;

/* The conventional port: outside Prometheus' exporter range 9100-9999
 * (allocated in full), next to the PCAP-over-IP 4242. */
#define METRICS_DEFAULT_PORT 4241

/* Start-up, before metrics_setup: a socket systemd passed with
 * FileDescriptorName=metrics. It replaces -metrics. 0 or -errno. */
int metrics_adopt(int fd);

/* Start-up: serves the adopted sockets, else h->opt.metrics (a Unix socket
 * path when it contains '/', else a TCP host:port). Exits with a status when
 * it cannot. Nothing without either. */
void metrics_setup(struct hub *h);

/* From the periodic tick: timeouts and request deadlines. */
void metrics_tick(struct hub *h);

/* At exit: closes every HTTP connection and listening socket. */
void metrics_stop(void);

/* The responses' bodies (metrics_text.c, metrics_clients.c); started is
 * the process's start time, Unix seconds. */
void metrics_exposition(struct hub *h, struct tbuf *b, int openmetrics, double started);
void metrics_clients_json(const struct hub *h, struct tbuf *b);

#endif
