/* Starting the capture input, and starting it again (-restart, and always
 * for -upstream): when the command ends or fails, the interface fails or
 * the upstream drops or sends garbage, the input is started again after a
 * backoff of 1 s doubling to 30 s, reset once it has run for a minute.
 * Clients stay connected and see a gap; if the new stream's header differs
 * from the one they got, they are closed with the reason. */
#ifndef PCAP_BROKER_RESTART_H
#define PCAP_BROKER_RESTART_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "pcap_format.h"

#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 30000
#define RESTART_HEALTHY_MS 60000
#define UPSTREAM_CONNECT_MS 10000

struct restart {
	struct watch timer;    /* one-shot: the next attempt, or a connect's deadline */
	uint64_t delay_ms;     /* the last backoff delay; 0: none yet */
	uint64_t started_ms;   /* when the input last started; 0: used up */
	uint64_t lost_ms;      /* when the input was lost; 0 while it runs */
	unsigned attempts;     /* starts since the input was lost */
	uint64_t gaps;         /* gaps the clients have seen */
	int had_header;        /* header below is what clients got */
	struct pcap_file_header header;
};

struct hub;

/* The delay before the next start: 1 s, doubling to 30 s; back to 1 s when
 * the input had run a minute since it last started (started_ms). */
uint64_t restart_next_delay(struct restart *r, uint64_t now);

/* -restart or -upstream. */
int restart_enabled(const struct hub *h);
/* The one-shot timer, at start-up. 0 or -errno. */
int restart_setup(struct hub *h);

/* Starts the input the options name: the command, -i or -upstream (the
 * watches' handlers already set). 0 (an upstream may still be connecting),
 * or -errno with a message in err. */
int input_start(struct hub *h, char *err, size_t len);

/* The input ended or failed (why): with restarts on, stops what is left of
 * it, logs one line and schedules the next start; returns 1. Returns 0 when
 * restarts are off or the hub is stopping: the caller ends the input. */
int restart_input_lost(struct hub *h, const char *why);
/* The same, unconditionally (restarts on): a start or connect failed. */
void restart_failed(struct hub *h, const char *why);
/* The upstream's connect completed. */
void restart_connected(struct hub *h);
/* After reading: once the new stream's header is known, logs the gap and
 * closes the clients that cannot take a different header. */
void restart_check_stream(struct hub *h);

#endif
