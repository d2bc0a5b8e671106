/* Pacing of native capture (-i) after a pause: the kernel's ring may hold
 * far more than -buffer. The hub moves it in bounded batches; when a client
 * that is reading is about to be overrun, the next batch waits (the kernel
 * ring holds it) until that client has taken its data, for at most
 * PACE_WAIT_MS at a time and PACE_BUDGET_MS a second in all: a slow client
 * costs the capture at most a tenth of the hub's intake, a stalled one
 * nothing. */
#ifndef PCAP_BROKER_PACE_H
#define PCAP_BROKER_PACE_H

#include <stdint.h>

#define PACE_WAIT_MS 20
#define PACE_BUDGET_MS 100
/* A client that sent nothing for this long is not "reading". */
#define PACE_READING_MS 200

struct pace {
	int holding;          /* the native fd is out of the loop */
	uint64_t until;       /* when holding: give up waiting */
	uint64_t window_ms;   /* start of the current second */
	uint64_t held_ms;     /* held in it */
	uint64_t holds;       /* times held, for the exit line */
};

struct hub;

/* After a native batch that filled its budget: hold the next one if a
 * reading client is about to be overrun. */
void pace_after_batch(struct hub *h);
/* Each turn: end the hold once no such client waits, or the time is up. */
void pace_check(struct hub *h);
/* The epoll timeout while holding (ms), or -1. */
int pace_timeout(const struct hub *h);

#endif
