/* Command line and environment: flags win over variables. */
#ifndef PCAP_BROKER_OPTIONS_H
#define PCAP_BROKER_OPTIONS_H

#include <stdint.h>

#include "acl.h"
#include "view.h"

#define MAX_LISTEN 16
#define MAX_IFACES 16 /* NATIVE_MAX_IFACES */

struct options {
	const char *cmd;                 /* NULL: read the stream from stdin */
	const char *interface;           /* native capture instead of cmd: the first */
	const char *ifaces[MAX_IFACES];  /* every -i interface, merged into one stream */
	int nifaces;
	char *iface_env;                 /* PCAP_BROKER_INTERFACE's copy */
	const char *filter;              /* BPF for the native capture */
	int linktype;                    /* its data link type (DLT); -1: default */
	uint64_t kernel_buffer;          /* its kernel ring, bytes (-B) */
	int immediate;                   /* its immediate mode (TPACKET_V2) */
	const char *listen[MAX_LISTEN];  /* TCP addresses; none with "none" */
	int nlisten;
	char *listen_env;                /* LISTEN_ADDRESS's copy, kept reachable */
	const char *socket_path;         /* Unix socket to publish, or NULL */
	unsigned socket_mode;            /* its permissions, default 0660 */
	const char *socket_group;        /* its group, or NULL to keep ours */
	const char *metrics;             /* HTTP metrics address or socket path, or NULL */
	uint64_t buffer;                 /* bytes a client may fall behind */
	uint64_t stats_interval_ms;      /* 0: no periodic stats */
	uint64_t drain_ms;               /* how long to drain after the capture ends */
	uint64_t max_clients;            /* connections past it are refused */
	struct acl allow;                /* TCP peers allowed; empty: all */
	uint64_t stall_ms;               /* disconnect a client stuck this long; 0: never */
	uint32_t snaplen;                /* clamp every record to this; 0: keep */
	int precision;                   /* enum stream_precision */
	const char *buffer_file;         /* -buffer-file: the ring in this file */
	int restart;                     /* restart the capture when it ends */
	const char *upstream;            /* -upstream host:port: read another broker */
	struct view_settings views[MAX_VIEWS]; /* [0] is "default": no settings */
	int nviews;
	unsigned char view_from_flag[MAX_VIEWS]; /* a -view flag replaces the variable */
	int no_dns;
	int debug;
	int json;
};

/* Fills o from env and argv. Returns -1 to continue, or an exit status (0
 * after -help/-version, EXIT_USAGE on a bad flag). */
int options_parse(struct options *o, int argc, char **argv);

#endif
