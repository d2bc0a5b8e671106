/* The group= view setting (issue 13, docs/groups.md): the glue between
 * views and group.c. A view with group=5tuple or group=2tuple makes its
 * clients members of one group; each gets the records of its buckets only,
 * decided in the view send path's one per-record decision (wanted()). */
#ifndef PCAP_BROKER_VIEW_GROUP_H
#define PCAP_BROKER_VIEW_GROUP_H

#include <stdint.h>
#include <sys/socket.h>

#include "bucket_memo.h"
#include "group.h"
#include "pcap_format.h"
#include "ring.h"

/* A view's group, and the buckets of the ring's records. */
struct view_group {
	struct group g;
	struct bucket_memo memo;
};

struct hub;
struct view;
struct view_settings;
struct client;

/* group=VALUE of a view: -1 when set, or EXIT_USAGE (said on stderr). */
int view_group_setting(struct view_settings *s, const char *value);

/* Start-up: a group for every view that asks for one. Exits on failure. */
void view_groups_setup(struct hub *h);
/* The capture's header is known: its link type, for the hasher. */
void view_groups_start(struct hub *h);
/* A line per group with its totals (SIGUSR1, and at exit). */
void view_groups_report(const struct hub *h);

/* The weight a helper asks for in its hello (weight=N), else 0. */
uint32_t view_group_weight(const struct sockaddr_storage *ss, socklen_t sl);
/* Client c (its view and ring position set) joins its view's group, if it
 * has one. 0, or -errno: refuse it. */
int view_group_join(struct hub *h, struct client *c, uint32_t weight);
/* Client c leaves its view's group, if it is in one. */
void view_group_leave(struct hub *h, struct client *c);

/* Whether member c gets the record at ring position at. */
int view_group_wants(struct view *v, const struct client *c, struct ring_pos at,
		     const struct pcap_record_header *rh, const uint8_t *data);

#endif
