/* The hub: one epoll loop tying capture, ring, listeners and clients. */
#ifndef PCAP_BROKER_HUB_H
#define PCAP_BROKER_HUB_H

#include <stdint.h>
#include <sys/socket.h>

#include "capture.h"
#include "client.h"
#include "event.h"
#include "listener.h"
#include "native.h"
#include "options.h"
#include "pace.h"
#include "refuse.h"
#include "restart.h"
#include "ring.h"
#include "stream.h"
#include "upstream.h"
#include "view.h"

#define MAX_LISTENERS 32

struct hub {
	struct options opt;
	int epfd;
	struct ring ring;
	struct stream stream;
	struct capture cap;       /* pid 0 in stdin mode */
	struct native native;     /* -i: libpcap instead of a command */
	struct pace pace;         /* -i: batches wait for a client about to lose */
	int native_backlog;       /* the last native batch filled its budget */
	struct watch input;       /* the stream's fd */
	struct watch signals;     /* signalfd */
	struct watch stats_timer; /* -stats-interval */
	struct listener listeners[MAX_LISTENERS];
	int nlisteners;
	struct client *clients;   /* doubly linked */
	unsigned nclients;
	struct client *closed;    /* closed this turn, freed at its end */
	uint64_t drops;           /* records dropped by clients that left */
	int input_done;           /* EOF, bad input or stop: no more reading */
	uint64_t drain_deadline;  /* when input_done: give up on slow clients */
	int bad_input;            /* the stream was malformed */
	int stopped;              /* by a signal */
	int failed_before_stop;   /* the capture had already failed: the stop keeps it */
	int failed;               /* an exit status that overrides the rest */
	int input_is_file;        /* stdin is a regular file: epoll cannot watch it */
	int appended;             /* the ring grew since the last flush */
	struct watch tick;        /* periodic housekeeping timerfd */
	struct view views[MAX_VIEWS]; /* [0] is "default": the stream unchanged */
	int nviews;
	struct refusals refused;  /* connections refused, by reason */
	int listeners_paused;     /* out of fds: not accepting until the next tick */
	int lossless;             /* some view is lossless (lossless.c) */
	int input_paused;         /* not reading: a lossless client is a buffer behind */
	uint64_t input_pauses;    /* times that happened */
	struct restart restart;   /* -restart and -upstream: starting the input again */
	struct upstream up;       /* -upstream */
};

/* Start-up: exits the process with a status on failure. */
void hub_setup(struct hub *h);
/* Runs until the capture ends or a signal; returns the exit status. */
int hub_run(struct hub *h);

/* Clients. */
/* v: the client's view; NULL: the default. */
/* weight: its share in the view's group, if any (0: the default, 1). */
/* l: the listener it came through, for metrics. */
void hub_add_client(struct hub *h, int fd, const char *addr,
		    const struct sockaddr_storage *peer, struct view *v, uint32_t weight,
		    const struct listener *l);
void hub_close_client(struct hub *h, struct client *c, const char *why);
void hub_flush_clients(struct hub *h);
void hub_free_closed(struct hub *h);
int hub_clients_idle(const struct hub *h);
void hub_slot_recycled(void *ctx, uint64_t seq);
void hub_on_listener(struct hub *h, struct watch *w, uint32_t events);

#endif
