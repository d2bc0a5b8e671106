/* The one epoll loop: every fd it watches is embedded in a struct watch. */
#ifndef PCAP_BROKER_EVENT_H
#define PCAP_BROKER_EVENT_H

#include <stdint.h>

struct hub;
struct watch;
typedef void (*watch_fn)(struct hub *h, struct watch *w, uint32_t events);

struct watch {
	int fd;
	watch_fn fn;
};

int watch_add(int epfd, struct watch *w, uint32_t events);
void watch_del(int epfd, struct watch *w);
/* Re-arms an edge-triggered watch: reported again if still ready. */
int watch_mod(int epfd, struct watch *w, uint32_t events);

/* A periodic timerfd in the loop, every ms milliseconds, calling fn. 0 or -errno. */
int timer_add(int epfd, struct watch *w, uint64_t ms, watch_fn fn);

#endif
