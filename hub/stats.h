/* Live statistics: SIGUSR1 dumps every client, -stats-interval logs totals. */
#ifndef PCAP_BROKER_STATS_H
#define PCAP_BROKER_STATS_H

#include <stdint.h>

struct hub;

struct totals {
	unsigned clients;
	uint64_t records, bytes;  /* captured */
	uint64_t drops;           /* records lost by slow clients, past and present */
	uint64_t kernel_drops;    /* native capture: dropped by the kernel */
	unsigned lossy_clients;   /* connected clients that have lost records */
};

void stats_totals(const struct hub *h, struct totals *t);
/* One line per client and one capture total. */
void stats_log_clients(const struct hub *h);
void stats_log_totals(const struct hub *h);
/* A warning when a client first loses records, then at most one line per
 * client per -stats-interval (default STATS_DROP_LOG_MS) with its running
 * count, while it keeps losing them. Called every tick. */
#define STATS_DROP_LOG_MS 10000
void stats_drop_warnings(struct hub *h, uint64_t now);
/* Starts the -stats-interval timer when asked for. 0 or -errno. */
int stats_start_timer(struct hub *h);

#endif
