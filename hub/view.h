/* Views: named sets of per-connection settings (DESIGN.md §2, issue 11).
 *
 * Every client belongs to exactly one view. views[0] of the hub is the
 * default view, "default", with no settings: its clients get the stream
 * exactly as the capture gave it (the fast path, whole ring spans per
 * sendmsg). Other views are defined by the user:
 *
 *   -view 'NAME: key=value; key=value'        (flag, may repeat)
 *   PCAP_BROKER_VIEW_<NAME>='key=value; ...'  (environment; the flag wins)
 *
 * Settings are separated by ';' (BPF never uses it); a value runs to the
 * next ';' and is trimmed. NAME is [A-Za-z0-9_]{1,31}.
 *
 * Keys of issue 11: filter=BPF, snaplen=N, precision=micro|nano,
 * linktype=ether, listen=ADDR[,ADDR] (TCP listeners of its own, may
 * repeat), socket=PATH (a Unix socket of its own).
 * Keys of issue 12: rewind=DURATION, resume=DURATION, lossless[=yes|no].
 * Later issues add their keys here (group=, weight=...).
 *
 * Attachment: a listener serves one view. A socket systemd passes with
 * FileDescriptorName=NAME serves view NAME ("metrics" is reserved for the
 * metrics endpoint; other names serve the default view). A helper asks for a
 * view by binding its Unix socket, before connect(), to the abstract address
 * "\0pcap-broker-helper pid=N view=NAME peer=ADDR weight=N" (view_hello.c
 * parses it from accept()'s peer address: no in-band protocol, no delay,
 * plain socat clients unaffected).
 *
 * Records are stored once, in the ring. A view only chooses which records a
 * client gets and how their 16-byte record header (and, for linktype=ether,
 * the link header) looks; payload bytes are sent straight from the ring,
 * batched into one sendmsg. */
#ifndef PCAP_BROKER_VIEW_H
#define PCAP_BROKER_VIEW_H

#include <stdint.h>

#include "pcap_format.h"

#define VIEW_NAME_MAX 32
#define MAX_VIEWS 16
#define VIEW_MAX_LISTEN 8

enum view_linktype { VIEW_LINK_KEEP, VIEW_LINK_ETHER };

/* What the user asked for: parsed and validated at start-up. */
struct view_settings {
	char name[VIEW_NAME_MAX];
	const char *filter;             /* BPF text, NULL: none */
	uint32_t snaplen;               /* 0: keep the capture's */
	int precision;                  /* enum stream_precision */
	int linktype;                   /* enum view_linktype */
	const char *listen[VIEW_MAX_LISTEN]; /* TCP listeners of its own */
	int nlisten;
	const char *socket_path;        /* a Unix socket of its own, or NULL */
	int group;                      /* group=: 0 none, else 1 + enum flow_mode (view_group.h) */
	/* Issue 12 (rewind.c, resume.c, lossless.c; docs/rewind-resume.md). */
	uint64_t rewind_ms;             /* rewind=: new clients start this far back; 0: live */
	uint64_t resume_ms;             /* resume=: reconnect window; 0: off */
	int lossless;                   /* lossless: never skip its clients ahead */
};

/* Counters, for stats, STATUS=, SIGUSR1 and metrics. Totals over the
 * view's life, clients that left included. */
struct view_counters {
	uint64_t clients;       /* connected now */
	uint64_t accepted;      /* connections ever served */
	uint64_t records;       /* records delivered (whole) */
	uint64_t bytes;         /* bytes delivered, file headers included */
	uint64_t dropped;       /* records lost by clients that fell behind */
	uint64_t filtered;      /* records a client skipped: filter said no */
	uint64_t unconvertible; /* records a client skipped: no Ethernet form */
	uint64_t rewound;       /* clients started in the past (rewind=) */
	uint64_t resumed;       /* clients that continued a previous connection */
};

struct bpf_program;
struct view_group;

/* How a view turns a stored record into what its clients get, fixed at the
 * first header (views.c) and applied per record (view_send.c). */
struct view_shape {
	uint32_t in_linktype;   /* the stream's */
	uint32_t clamp;         /* cut caplen to this; 0: keep */
	uint32_t ts_mul, ts_div; /* timestamp fraction scaling: 1, 1 to keep */
	int convert;            /* link header to Ethernet (linkconv) */
	int same;               /* records unchanged (a filter at most) */
	int plain;              /* no filter, records unchanged: the fast path */
};

struct view {
	struct view_settings set;
	struct view_counters n;
	/* Runtime state, set once the capture's header is known. */
	int ready;                       /* header below is valid */
	int failed;                      /* cannot serve this capture (error set) */
	char error[256];
	struct pcap_file_header header;  /* what its clients get, host order */
	struct bpf_program *prog;        /* compiled filter, or NULL */
	struct view_group *group;        /* group=: its members and buckets, or NULL */
	struct view_shape shape;
	uint64_t gone_records;           /* records delivered to clients that left */
};

struct hub;

/* Start-up: copies the parsed views into the hub and checks what can be
 * checked without the capture (a filter that compiles for no common link
 * type). Exits 64 with a line naming the view. */
void views_setup(struct hub *h);
/* Once the stream's header is known: each view's header, filter and shape.
 * at_startup (the -i link type is known before the capture): a failure
 * exits 64; later, the failed view's clients are closed and the rest go on.
 * Does nothing before the header or after the first successful call. */
void views_start(struct hub *h, int at_startup);
/* A restarted capture's new stream has another header: forgets what
 * views_start fixed, so that its next call prepares every view again from
 * the new header (restart.c). */
void views_restart(struct hub *h);
/* The view of that name (case-insensitive), or NULL. */
struct view *views_find(struct hub *h, const char *name);
/* n.records of every view made exact (default-view clients count their
 * records only when asked: their send path stays as lean as before views).
 * The tick and SIGUSR1 call it; call it before reading n for an exact value.
 * Every other counter is exact at all times. */
void views_refresh(struct hub *h);

#endif
