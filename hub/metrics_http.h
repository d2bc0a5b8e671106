/* The answers of the metrics endpoint (metrics_http.c), for metrics.c. */
#ifndef PCAP_BROKER_METRICS_HTTP_H
#define PCAP_BROKER_METRICS_HTTP_H

#include <microhttpd.h>

struct hub;

/* Queues the response to one request: GET or HEAD of /metrics, /clients,
 * /livez or /readyz; 405 for any other method, 404 for any other path.
 * Never reads a request body. started: the process's start, Unix seconds. */
enum MHD_Result metrics_answer(struct hub *h, struct MHD_Connection *conn,
			       const char *url, const char *method, double started);

#endif
