/* libpcap's pcap.h has its own struct pcap_file_header; ours (the wire
 * format) is the one we use, so rename libpcap's out of the way. */
#define pcap_file_header libpcap_file_header
#include <pcap/pcap.h>
#undef pcap_file_header

#include "native.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pcap_format.h"

_Static_assert(NATIVE_ERR_LEN == PCAP_ERRBUF_SIZE, "error buffer size");

/* The kernel buffer (-B, default 32 MiB in options.c) is libpcap's mmapped
 * ring. Two ways to fill it, measured in docs/performance.md ("Live capture"):
 * - immediate mode (-immediate): TPACKET_V2, one fixed-size frame per packet,
 *   sized for the largest packet the interface can deliver: about 64 KiB on
 *   lo or with receive offloads, so 32 MiB holds only ~512 packets whatever
 *   their size (a -snaplen shrinks the frames, docs/operations.md); every
 *   packet wakes the hub at once.
 * - the default: TPACKET_V3, packets packed one after the other into blocks
 *   (libpcap's: 256 KiB each, so 128 in 32 MiB; its API cannot set the size),
 *   so the same memory holds hundreds of times more small packets; the kernel
 *   hands over a block when it is full or NATIVE_BLOCK_TIMEOUT_MS after its
 *   first packet, and one wakeup moves a whole block. Through a pause of the
 *   hub the buffer thus holds at least 128 ms of traffic, more with -B. */
#define NATIVE_BLOCK_TIMEOUT_MS 1
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

/* The bytes of the kernel ring libpcap obtained: its mappings of the
 * capture socket in /proc/self/maps (libpcap may settle for less than it
 * asked for when the kernel refuses, and rounds to whole frames). 0 if
 * unknown. */
static uint64_t ring_bytes(int fd)
{
	struct stat st;
	unsigned long long lo, hi, ino, total = 0;
	char line[512];
	FILE *f = fstat(fd, &st) == 0 ? fopen("/proc/self/maps", "re") : NULL;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu", &lo, &hi, &ino) == 3 &&
		    ino == (unsigned long long)st.st_ino && ino)
			total += hi - lo;
	fclose(f);
	return total;
}

/* Opens one interface into f: its settings, link type and filter. */
static int open_one(struct native_if *f, const struct native_conf *c, const char *iface,
		    uint32_t snaplen, char err[NATIVE_ERR_LEN])
{
	pcap_t *p = pcap_create(iface, err);

	if (!p)
		return -1;
	pcap_set_snaplen(p, (int)snaplen);
	pcap_set_promisc(p, 1);
	pcap_set_immediate_mode(p, c->immediate);
	pcap_set_timeout(p, NATIVE_BLOCK_TIMEOUT_MS);
	pcap_set_buffer_size(p, (int)c->kernel_buffer);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO); /* best effort */
	if (pcap_activate(p) < 0)
		return fail(p, err, iface);
	if (set_link(p, iface, c->dlt, err) < 0) {
		pcap_close(p);
		return -1;
	}
	if (c->filter) {
		struct bpf_program prog;
		if (pcap_compile(p, &prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
			return fail(p, err, "bad filter");
		int rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc < 0)
			return fail(p, err, "cannot set filter");
	}
	if (pcap_setnonblock(p, 1, err) < 0 || pcap_get_selectable_fd(p) < 0) {
		snprintf(err, NATIVE_ERR_LEN, "%s: cannot poll this capture", iface);
		pcap_close(p);
		return -1;
	}
	f->pcap = p;
	f->name = iface;
	f->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	f->ring_bytes = ring_bytes(pcap_get_selectable_fd(p));
	return 0;
}

/* Every interface must give the first one's link type: one pcap stream has
 * one. Fills h from the first. */
static int same_link(struct native *n, struct pcap_file_header *h, char err[NATIVE_ERR_LEN])
{
	for (int i = 0; i < n->n; i++) {
		struct pcap_file_header hi;
		if (header_from_libpcap(n->ifs[i].pcap, &hi) < 0) {
			snprintf(err, NATIVE_ERR_LEN, "%s: cannot describe this capture", n->ifs[i].name);
			return -1;
		}
		if (i == 0) {
			*h = hi;
		} else if (hi.linktype != h->linktype) {
			int a = pcap_datalink(n->ifs[0].pcap), b = pcap_datalink(n->ifs[i].pcap);
			snprintf(err, NATIVE_ERR_LEN, "interfaces %s (%s) and %s (%s) have different link "
				 "types: one pcap stream cannot carry both (-y may set one for all)",
				 n->ifs[0].name, pcap_datalink_val_to_name(a) ? pcap_datalink_val_to_name(a) : "?",
				 n->ifs[i].name, pcap_datalink_val_to_name(b) ? pcap_datalink_val_to_name(b) : "?");
			return -1;
		}
	}
	return 0;
}

/* One fd for the event loop: an epoll set of every interface's fd. */
static int poll_set(struct native *n, char err[NATIVE_ERR_LEN])
{
	n->w.fd = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; n->w.fd >= 0 && i < n->n; i++) {
		struct epoll_event ev = { .events = EPOLLIN };
		if (epoll_ctl(n->w.fd, EPOLL_CTL_ADD, pcap_get_selectable_fd(n->ifs[i].pcap), &ev) < 0) {
			snprintf(err, NATIVE_ERR_LEN, "%s: cannot poll this capture", n->ifs[i].name);
			return -1;
		}
	}
	if (n->w.fd < 0)
		snprintf(err, NATIVE_ERR_LEN, "epoll_create1 failed");
	return n->w.fd < 0 ? -1 : 0;
}

int native_open(struct native *n, const struct native_conf *c, struct stream *s,
		char err[NATIVE_ERR_LEN])
{
	struct pcap_file_header h = { 0 };

	n->w.fd = -1;
	n->n = 0;
	n->live = 1;
	memset(n->ifs, 0, sizeof(n->ifs));
	for (int i = 0; i < c->nifaces; i++) {
		if (open_one(&n->ifs[i], c, c->ifaces[i], kernel_snaplen(s->snaplen_clamp), err) < 0) {
			native_close(n);
			return -1;
		}
		n->ifs[i].owner = n;
		n->n++;
	}
	if (same_link(n, &h, err) < 0 || poll_set(n, err) < 0) {
		native_close(n);
		return -1;
	}
	/* -snaplen and -precision apply as to any other input. */
	stream_set_header(s, h.linktype, h.snaplen, h.magic == PCAP_MAGIC_NANO);
	n->stream = s;
	return 0;
}

void native_log_ring(const struct native *n, const struct native_conf *c)
{
	for (int i = 0; i < n->n; i++) {
		unsigned long long want = c->kernel_buffer, got = n->ifs[i].ring_bytes;
		if (got && got < want)
			log_warn("kernel buffer smaller than asked: the kernel refused the rest",
				 "interface=%s requested=%llu obtained=%llu", n->ifs[i].name, want, got);
		else
			log_info("kernel buffer", "interface=%s requested=%llu obtained=%llu",
				 n->ifs[i].name, want, got);
	}
}

static void emit(struct native_if *f, const struct pcap_pkthdr *ph, const u_char *data)
{
	struct native *n = f->owner;
	uint32_t caplen = ph->caplen < PCAP_MAX_CAPLEN ? ph->caplen : PCAP_MAX_CAPLEN;
	struct stream_ts ts = {
		.sec = ph->ts.tv_sec,
		.frac = (uint64_t)ph->ts.tv_usec, /* nanoseconds at nano precision */
		.units = f->nano ? 1000000000u : 1000000u,
	};

	/* Only a timestamp beyond 2106 can fail; such a packet is dropped. */
	if (stream_emit(n->stream, n->ring, &ts, caplen, ph->len, data, 0) == 0) {
		n->turn_records++;
		n->turn_bytes += PCAP_RECORD_HEADER_LEN + caplen;
	}
}

static void append(u_char *user, const struct pcap_pkthdr *ph, const u_char *data)
{
	struct native_if *f = (struct native_if *)user;

	emit(f, ph, data);
	if (f->owner->turn_bytes >= NATIVE_TURN_BYTES)
		pcap_breakloop(f->pcap); /* the rest waits for the next turn */
}

static int failed(const struct native_if *f, char err[NATIVE_ERR_LEN])
{
	snprintf(err, NATIVE_ERR_LEN, "%s: %s", f->name, pcap_geterr(f->pcap));
	return -1;
}

/* The next packet of f into its head (none: f->ph NULL). 0 or -1. */
static int next(struct native_if *f, char err[NATIVE_ERR_LEN])
{
	int rc = pcap_next_ex(f->pcap, &f->ph, &f->data);

	if (rc == 0)
		f->ph = NULL;
	return rc < 0 ? failed(f, err) : 0;
}

static int earlier(const struct pcap_pkthdr *a, int anano, const struct pcap_pkthdr *b, int bnano)
{
	uint64_t x = (uint64_t)a->ts.tv_usec * (anano ? 1 : 1000);
	uint64_t y = (uint64_t)b->ts.tv_usec * (bnano ? 1 : 1000);

	return a->ts.tv_sec != b->ts.tv_sec ? a->ts.tv_sec < b->ts.tv_sec : x < y;
}

/* Several interfaces: what their kernel rings hold, merged in timestamp
 * order, up to the turn's budget. Each interface's next packet is its head;
 * the earliest head goes first. Nothing is held across turns: once the
 * budget is spent, only the heads already taken are emitted. */
static int merge(struct native *n, char err[NATIVE_ERR_LEN])
{
	for (int i = 0; i < n->n; i++)
		if (next(&n->ifs[i], err) < 0)
			return -1;
	for (;;) {
		struct native_if *min = NULL;
		for (int i = 0; i < n->n; i++) {
			struct native_if *f = &n->ifs[i];
			if (f->ph && (!min || earlier(f->ph, f->nano, min->ph, min->nano)))
				min = f;
		}
		if (!min)
			return 0;
		emit(min, min->ph, min->data);
		min->ph = NULL;
		if (n->turn_bytes < NATIVE_TURN_BYTES && next(min, err) < 0)
			return -1;
	}
}

int native_read(struct native *n, struct ring *r, char err[NATIVE_ERR_LEN])
{
	n->ring = r;
	n->turn_records = 0;
	n->turn_bytes = 0;
	/* The fds are level-triggered: what is left brings us back next turn. */
	if (n->n > 1)
		return merge(n, err) < 0 ? -1 : (int)n->turn_records;
	int rc = pcap_dispatch(n->ifs[0].pcap, -1, append, (u_char *)&n->ifs[0]);
	if (rc < 0 && rc != PCAP_ERROR_BREAK)
		return failed(&n->ifs[0], err);
	return (int)n->turn_records;
}

int native_backlog(const struct native *n)
{
	return n->turn_bytes >= NATIVE_TURN_BYTES;
}

uint64_t native_iface_drops(const struct native *n, int i)
{
	struct pcap_stat ps;

	if (i >= n->n || !n->ifs[i].pcap || pcap_stats(n->ifs[i].pcap, &ps) < 0)
		return i < n->n ? n->ifs[i].drops : 0;
	return (uint64_t)ps.ps_drop + ps.ps_ifdrop;
}

uint64_t native_drops(const struct native *n)
{
	uint64_t d = 0;

	for (int i = 0; i < n->n; i++)
		d += native_iface_drops(n, i);
	return d;
}

int native_drops_list(const struct native *n, char *buf, size_t len)
{
	int k = 0;

	buf[0] = '\0';
	for (int i = 0; i < n->n && k >= 0 && (size_t)k < len; i++)
		k += snprintf(buf + k, len - (size_t)k, "%s%s:%llu", i ? "," : "", n->ifs[i].name,
			      (unsigned long long)native_iface_drops(n, i));
	return n->n;
}

void native_close(struct native *n)
{
	if (!n->live) /* never opened (the hub runs a command), or closed */
		return;
	n->live = 0;
	for (int i = 0; i < n->n; i++) {
		struct native_if *f = &n->ifs[i];
		if (!f->pcap)
			continue;
		f->drops = native_iface_drops(n, i);
		pcap_close(f->pcap);
		f->pcap = NULL;
	}
	if (n->w.fd >= 0)
		close(n->w.fd);
	n->w.fd = -1;
}
