/* libpcap's pcap.h has its own struct pcap_file_header; ours (the wire
 * format) is the one we use, so rename libpcap's out of the way. */
#define pcap_file_header libpcap_file_header
#include <pcap/pcap.h>
#undef pcap_file_header

#include "native.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_format.h"

_Static_assert(NATIVE_ERR_LEN == PCAP_ERRBUF_SIZE, "error buffer size");

/* A generous kernel buffer: bursts wait there, not on the floor. In
 * immediate mode libpcap uses TPACKET_V2, whose ring has one fixed-size frame
 * per packet, sized for the largest packet the interface can deliver: about
 * 64 KiB on lo or with receive offloads, so 32 MiB holds only ~512 packets,
 * whatever their size. A -snaplen shrinks the frames to match, and the same
 * 32 MiB then holds far more (docs/operations.md has the figures). */
#define NATIVE_KERNEL_BUFFER (32 << 20)
/* Bytes moved from the kernel ring per turn, as a -cmd capture reads at most
 * one 1 MiB pipe read: then clients get their turn. Without a bound, one
 * pcap_dispatch after a pause would drain the whole kernel ring into a
 * smaller -buffer and overwrite what clients had not been sent yet. */
#define NATIVE_TURN_BYTES (1u << 20)

/* Frames in the kernel ring are sized by the snaplen (see above), so a
 * -snaplen is passed on, with some slack: with a small snaplen the kernel
 * may cut a packet a few bytes short of it (58 bytes for -snaplen 60 on lo).
 * stream_emit() cuts records to -snaplen exactly. */
#define NATIVE_SNAPLEN_SLACK 64u

static uint32_t kernel_snaplen(uint32_t clamp)
{
	if (!clamp || clamp > PCAP_MAX_CAPLEN - NATIVE_SNAPLEN_SLACK)
		return PCAP_MAX_CAPLEN;
	return clamp + NATIVE_SNAPLEN_SLACK;
}

static int fail(pcap_t *p, char *err, const char *what)
{
	snprintf(err, NATIVE_ERR_LEN, "%s: %s", what, pcap_geterr(p));
	pcap_close(p);
	return -1;
}

/* libpcap knows the LINKTYPE for its DLT and the magic for its precision;
 * let it write a file header into memory rather than map them ourselves. */
static int header_from_libpcap(pcap_t *p, struct pcap_file_header *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	pcap_dumper_t *d = f ? pcap_dump_fopen(p, f) : NULL;

	if (!d) {
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	pcap_dump_close(d); /* flushes and closes f */
	int ok = len >= sizeof(*h);
	if (ok)
		memcpy(h, buf, sizeof(*h));
	free(buf);
	return ok ? 0 : -1;
}

/* The interface does not offer dlt: say what it offers. */
static void no_such_link(pcap_t *p, const char *iface, int dlt, char err[NATIVE_ERR_LEN])
{
	int *dlts = NULL, n = pcap_list_datalinks(p, &dlts);
	const char *name = pcap_datalink_val_to_name(dlt);
	int len = snprintf(err, NATIVE_ERR_LEN, "%s: link type %s (%d) not supported; it offers",
			   iface, name ? name : "?", dlt);

	for (int i = 0; i < n && len > 0 && len < NATIVE_ERR_LEN; i++) {
		name = pcap_datalink_val_to_name(dlts[i]);
		len += snprintf(err + len, NATIVE_ERR_LEN - len, "%s %s", i ? "," : ":",
				name ? name : "?");
	}
	if (n > 0)
		pcap_free_datalinks(dlts);
}

/* -y: the link type asked for, or -1 for the default: the interface's,
 * but LINUX_SLL2 for "any", as tcpdump 4.99 writes (docs/linktype.md). */
static int set_link(pcap_t *p, const char *iface, int dlt, char err[NATIVE_ERR_LEN])
{
	if (dlt < 0) {
#ifdef DLT_LINUX_SLL2
		if (!strcmp(iface, "any"))
			(void)pcap_set_datalink(p, DLT_LINUX_SLL2); /* best effort */
#endif
		return 0;
	}
	if (pcap_set_datalink(p, dlt) == 0)
		return 0;
	no_such_link(p, iface, dlt, err);
	return -1;
}

int native_open(struct native *n, const char *iface, const char *filter, int dlt,
		struct stream *s, char err[NATIVE_ERR_LEN])
{
	pcap_t *p = pcap_create(iface, err);

	if (!p)
		return -1;
	pcap_set_snaplen(p, (int)kernel_snaplen(s->snaplen_clamp));
	pcap_set_promisc(p, 1);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, NATIVE_KERNEL_BUFFER);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO); /* best effort */
	int rc = pcap_activate(p);
	if (rc < 0)
		return fail(p, err, iface);
	if (set_link(p, iface, dlt, err) < 0) {
		pcap_close(p);
		return -1;
	}
	if (filter) {
		struct bpf_program prog;
		if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
			return fail(p, err, "bad filter");
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc < 0)
			return fail(p, err, "cannot set filter");
	}
	if (pcap_setnonblock(p, 1, err) < 0) {
		pcap_close(p);
		return -1;
	}
	struct pcap_file_header h;
	n->w.fd = pcap_get_selectable_fd(p);
	if (n->w.fd < 0 || header_from_libpcap(p, &h) < 0) {
		snprintf(err, NATIVE_ERR_LEN, "%s: cannot poll or describe this capture", iface);
		pcap_close(p);
		return -1;
	}
	/* -snaplen and -precision apply as to any other input. */
	stream_set_header(s, h.linktype, h.snaplen, h.magic == PCAP_MAGIC_NANO);
	n->stream = s;
	n->pcap = p;
	return 0;
}

static void append(u_char *user, const struct pcap_pkthdr *ph, const u_char *data)
{
	struct native *n = (struct native *)user;
	uint32_t caplen = ph->caplen < PCAP_MAX_CAPLEN ? ph->caplen : PCAP_MAX_CAPLEN;
	int nano = pcap_get_tstamp_precision(n->pcap) == PCAP_TSTAMP_PRECISION_NANO;
	struct stream_ts ts = {
		.sec = ph->ts.tv_sec,
		.frac = (uint64_t)ph->ts.tv_usec, /* nanoseconds at nano precision */
		.units = nano ? 1000000000u : 1000000u,
	};

	/* Only a timestamp beyond 2106 can fail; such a packet is dropped. */
	if (stream_emit(n->stream, n->ring, &ts, caplen, ph->len, data, 0) == 0) {
		n->turn_records++;
		n->turn_bytes += PCAP_RECORD_HEADER_LEN + caplen;
	}
	if (n->turn_bytes >= NATIVE_TURN_BYTES)
		pcap_breakloop(n->pcap); /* the rest waits for the next turn */
}

int native_read(struct native *n, struct ring *r, char err[NATIVE_ERR_LEN])
{
	n->ring = r;
	n->turn_records = 0;
	n->turn_bytes = 0;
	/* The fd is level-triggered: what is left brings us back next turn. */
	int rc = pcap_dispatch(n->pcap, -1, append, (u_char *)n);

	if (rc == PCAP_ERROR) {
		snprintf(err, NATIVE_ERR_LEN, "%s", pcap_geterr(n->pcap));
		return -1;
	}
	return (int)n->turn_records;
}

int native_backlog(const struct native *n)
{
	return n->turn_bytes >= NATIVE_TURN_BYTES;
}

void native_drops(const struct native *n, uint64_t *dropped, uint64_t *if_dropped)
{
	struct pcap_stat ps;

	*dropped = *if_dropped = 0;
	if (n->pcap && pcap_stats(n->pcap, &ps) == 0) {
		*dropped = ps.ps_drop;
		*if_dropped = ps.ps_ifdrop;
	}
}

void native_close(struct native *n)
{
	if (n->pcap)
		pcap_close(n->pcap);
	n->pcap = NULL;
}
