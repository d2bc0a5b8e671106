/* Refused connections: counted by reason and logged, but never more than a
 * few lines a second; the rest are summed up by refuse_flush(). */
#ifndef PCAP_BROKER_REFUSE_H
#define PCAP_BROKER_REFUSE_H

#include <stdint.h>

enum refuse_reason {
	REFUSE_ALLOW,    /* not in -allow */
	REFUSE_FULL,     /* -max-clients reached */
	REFUSE_FDS,      /* out of file descriptors or memory */
	REFUSE_NREASONS,
};

/* Individual log lines per second; past them, refusals are only counted. */
#define REFUSE_LINES_PER_SEC 5

struct refusals {
	uint64_t total[REFUSE_NREASONS];
	uint64_t quiet[REFUSE_NREASONS];  /* refused without a line of their own */
	uint64_t window_ms;               /* start of the current second */
	unsigned lines;                   /* lines logged in it */
};

/* Counts one refusal; logs it unless this second's lines are used up.
 * addr may be NULL when the peer is unknown. */
void refuse_note(struct refusals *r, enum refuse_reason why, const char *addr, unsigned clients);

/* "not-allowed", "max-clients", "out-of-fds": for logs and metrics. */
const char *refuse_reason_name(enum refuse_reason why);

/* Logs one summary line per reason for the refusals not logged yet. */
void refuse_flush(struct refusals *r);

#endif
