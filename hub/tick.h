/* Housekeeping on a periodic timerfd in the event loop: stalled clients,
 * refusal summaries, listeners paused for lack of fds. No per-packet work. */
#ifndef PCAP_BROKER_TICK_H
#define PCAP_BROKER_TICK_H

#include <stdint.h>

struct hub;

/* Every second, or a quarter of -stall-timeout when that is shorter. */
uint64_t tick_period_ms(uint64_t stall_ms);

/* Creates the timerfd and adds it to the loop. 0 or -errno. */
int tick_start(struct hub *h);

/* Stops accepting until the next tick (out of fds or memory). */
void tick_pause_listeners(struct hub *h);

#endif
