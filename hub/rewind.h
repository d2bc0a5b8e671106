/* Clients that start in the past: a view's rewind= (its new clients start
 * up to DURATION back, by arrival time at the hub) and resume= (a consumer
 * that comes back from the same address continues after the last record
 * its TCP peer acknowledged). docs/rewind-resume.md. */
#ifndef PCAP_BROKER_REWIND_H
#define PCAP_BROKER_REWIND_H

#include <sys/socket.h>

struct hub;
struct client;

/* A new client of a view with rewind= or resume=: its identity (the
 * consumer's IP, a helper's peer=), then where it starts: a kept resume
 * point, else the rewind, else live. Logs what it serves. */
void rewind_place(struct hub *h, struct client *c, const struct sockaddr_storage *peer);
/* Before c's socket closes: keeps its resume point (resume.c). */
void resume_note_gone(struct hub *h, struct client *c);
/* A kept resume point for c, placed: 1; none: 0 (resume.c). */
int resume_place(struct hub *h, struct client *c);

#endif
