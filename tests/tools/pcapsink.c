/* pcapsink: a fast PCAP-over-IP client for benchmarks. Opens N connections
 * to HOST:PORT, reads each with large reads and checks what arrives in place:
 * one valid pcap header, whole records, pcapgen sequence numbers that only
 * grow, no gap. With -latency it also compares each record's pcapgen -stamp
 * time with the time it was received; with -latency-ts, each record's own
 * timestamp (the kernel's, in a live capture) with CLOCK_REALTIME at receipt.
 *
 *   pcapsink [-n N] [-count C] [-latency|-latency-ts] [-ready FILE] [-timeout S] HOST:PORT
 *   ... | pcapsink [-count C] -        (one stream from a pipe on stdin)
 * A connection ends at EOF or, with -count, once record C-1 has arrived.
 * -ready creates FILE once every connection is up; -timeout gives up on
 * connections still open after S seconds (their missing records count as lost).
 * Prints one line: conns, bytes, records, lost (records missing, summed over
 * connections), bad (connections with an invalid stream), the aggregate and
 * the slowest connection's MB/s and k packets/s (each from its first byte to
 * its end), with -latency p50/p99/max in microseconds, t0/t1 (first byte,
 * last end; CLOCK_MONOTONIC ns), and how long it waited for a CPU.
 * Exits 1 if a stream was invalid or lost records. */
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pcap_format.h"
#include "util.h"

#define READ_SIZE (1u << 20)
#define SEQ_OFF 42   /* pcapgen: sequence number, big-endian */
#define STAMP_OFF 50 /* pcapgen -stamp: CLOCK_MONOTONIC ns, host order */
#define PREFIX (PCAP_RECORD_HEADER_LEN + STAMP_OFF + 8)

struct conn {
	int fd;
	int bad;              /* the stream broke a rule: stop checking it */
	uint32_t hdr_have;    /* bytes of the file header seen */
	uint8_t pre[PREFIX];  /* the start of the current record */
	uint32_t pre_have;
	uint32_t skip;        /* rest of the current record's data */
	uint32_t limit;       /* caplen limit from the header */
	int nano;             /* the header's timestamps are in ns */
	uint64_t bytes, records, lost, last_seq;
	uint64_t t_first, t_last; /* ns: first byte, EOF */
};

static int latency;    /* 1: pcapgen's stamp, 2: the record's timestamp */
static uint64_t read_rt; /* -latency-ts: CLOCK_REALTIME of the last read */
static long long want = -1;
static uint64_t *lat;
static size_t nlat, caplat;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bad(struct conn *c, const char *why)
{
	if (!c->bad)
		fprintf(stderr, "pcapsink: fd %d: %s after %llu records\n", c->fd, why,
			(unsigned long long)c->records);
	c->bad = 1;
}

static void add_latency(uint64_t ns)
{
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 65536;
		lat = realloc(lat, caplat * sizeof(*lat));
		if (!lat) {
			perror("pcapsink");
			exit(1);
		}
	}
	lat[nlat++] = ns;
}

/* A record's prefix is complete: check and count it. */
static void record(struct conn *c, const uint8_t *p, uint64_t now)
{
	struct pcap_record_header h;
	uint64_t seq = 0;

	memcpy(&h, p, sizeof(h));
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | p[PCAP_RECORD_HEADER_LEN + SEQ_OFF + i];
	if (c->records > 0 && seq <= c->last_seq)
		bad(c, "reordered or duplicated record");
	if (c->records > 0 && seq > c->last_seq + 1)
		c->lost += seq - c->last_seq - 1;
	c->last_seq = seq;
	c->records++;
	if (latency == 1) {
		uint64_t stamp;
		memcpy(&stamp, p + PCAP_RECORD_HEADER_LEN + STAMP_OFF, 8);
		add_latency(now > stamp ? now - stamp : 0);
	} else if (latency == 2) {
		uint64_t ts = (uint64_t)h.ts_sec * 1000000000ull +
			      (uint64_t)h.ts_frac * (c->nano ? 1 : 1000);
		add_latency(read_rt > ts ? read_rt - ts : 0);
	}
}

static uint32_t take_header(struct conn *c, const uint8_t *p, uint32_t n)
{
	uint32_t k = PCAP_FILE_HEADER_LEN - c->hdr_have;

	k = n < k ? n : k;
	memcpy(c->pre + c->hdr_have, p, k);
	c->hdr_have += k;
	if (c->hdr_have == PCAP_FILE_HEADER_LEN) {
		struct pcap_file_header h;
		memcpy(&h, c->pre, sizeof(h));
		if (h.magic != PCAP_MAGIC_MICRO && h.magic != PCAP_MAGIC_NANO)
			bad(c, "bad pcap header");
		c->nano = h.magic == PCAP_MAGIC_NANO;
		c->limit = pcap_caplen_limit(h.snaplen);
	}
	return k;
}

/* A record's first PREFIX bytes are at rec: check it, skip the rest. */
static void prefix_done(struct conn *c, const uint8_t *rec, uint64_t now)
{
	struct pcap_record_header h;

	memcpy(&h, rec, sizeof(h));
	if (h.caplen > c->limit || h.caplen > h.len || h.caplen < PREFIX - PCAP_RECORD_HEADER_LEN) {
		bad(c, "bad caplen or not a pcapgen record");
		return;
	}
	record(c, rec, now);
	c->pre_have = 0;
	c->skip = h.caplen - (PREFIX - PCAP_RECORD_HEADER_LEN);
}

/* Checks n received bytes in place; copies only a record's first bytes, and
 * only when they straddle two reads. */
static void consume(struct conn *c, const uint8_t *p, uint32_t n, uint64_t now)
{
	while (n > 0 && !c->bad) {
		uint32_t k;

		if (c->hdr_have < PCAP_FILE_HEADER_LEN) {
			k = take_header(c, p, n);
		} else if (c->skip) {
			k = n < c->skip ? n : c->skip;
			c->skip -= k;
		} else if (c->pre_have == 0 && n >= PREFIX) {
			k = PREFIX;
			prefix_done(c, p, now);
		} else {
			k = PREFIX - c->pre_have;
			k = n < k ? n : k;
			memcpy(c->pre + c->pre_have, p, k);
			c->pre_have += k;
			if (c->pre_have == PREFIX)
				prefix_done(c, c->pre, now);
		}
		p += k;
		n -= k;
	}
}

static int open_conn(const char *host, const char *port, double retry_s)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	uint64_t deadline = now_ns() + (uint64_t)(retry_s * 1e9);

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	for (;;) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			freeaddrinfo(ai);
			return fd;
		}
		if (fd >= 0)
			close(fd);
		if (now_ns() >= deadline) {
			freeaddrinfo(ai);
			return -1;
		}
		usleep(10000);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Prints the summary; 1 if any stream was invalid or lost records. */
static int report(struct conn *cs, int n)
{
	uint64_t bytes = 0, records = 0, lost = 0, t0 = UINT64_MAX, t1 = 0;
	double min_mbps = 1e300, min_kpps = 1e300;
	int nbad = 0;

	for (int i = 0; i < n; i++) {
		struct conn *c = &cs[i];
		uint64_t l = c->lost;
		if (want >= 0)
			l = (uint64_t)want > c->records ? (uint64_t)want - c->records : 0;
		bytes += c->bytes;
		records += c->records;
		lost += l;
		nbad += c->bad || c->pre_have || c->skip;
		if (!c->t_first) {
			min_mbps = min_kpps = 0;
			continue;
		}
		if (c->t_first < t0)
			t0 = c->t_first;
		if (c->t_last > t1)
			t1 = c->t_last;
		double s = c->t_last > c->t_first ? (double)(c->t_last - c->t_first) / 1e9 : 1e-9;
		if (c->bytes / s / 1e6 < min_mbps) {
			min_mbps = (double)c->bytes / s / 1e6;
			min_kpps = (double)c->records / s / 1e3;
		}
	}
	double s = t1 > t0 && t0 != UINT64_MAX ? (double)(t1 - t0) / 1e9 : 1e-9;
	printf("conns=%d bytes=%llu records=%llu lost=%llu bad=%d seconds=%.3f mbps=%.1f kpps=%.1f min_mbps=%.1f min_kpps=%.1f",
	       n, (unsigned long long)bytes, (unsigned long long)records, (unsigned long long)lost,
	       nbad, s, (double)bytes / s / 1e6, (double)records / s / 1e3, min_mbps, min_kpps);
	if (latency && nlat) {
		qsort(lat, nlat, sizeof(*lat), cmp_u64);
		printf(" p50_us=%.1f p99_us=%.1f max_us=%.1f", lat[nlat / 2] / 1e3,
		       lat[nlat * 99 / 100] / 1e3, lat[nlat - 1] / 1e3);
	}
	/* Time this process spent runnable but waiting for a CPU: on a shared
	 * machine, where latency outliers come from. */
	unsigned long long run_ns = 0, wait_ns = 0;
	FILE *f = fopen("/proc/self/schedstat", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &run_ns, &wait_ns) != 2)
			wait_ns = 0;
		fclose(f);
	}
	printf(" t0=%llu t1=%llu cpu_wait_ms=%.1f\n", (unsigned long long)t0, (unsigned long long)t1,
	       wait_ns / 1e6);
	return nbad || lost ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: pcapsink [-n N] [-count C] [-latency|-latency-ts] [-ready FILE] [-timeout S] [-retry S] HOST:PORT|-\n");
	return 64;
}

int main(int argc, char **argv)
{
	int n = 1;
	double retry = 10, timeout = 600;
	char *addr = NULL, *ready = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-count") && i + 1 < argc)
			want = atoll(argv[++i]);
		else if (!strcmp(argv[i], "-retry") && i + 1 < argc)
			retry = atof(argv[++i]);
		else if (!strcmp(argv[i], "-timeout") && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "-ready") && i + 1 < argc)
			ready = argv[++i];
		else if (!strcmp(argv[i], "-latency"))
			latency = 1;
		else if (!strcmp(argv[i], "-latency-ts"))
			latency = 2;
		else if ((argv[i][0] != '-' || !strcmp(argv[i], "-")) && !addr)
			addr = argv[i];
		else
			return usage();
	}
	int from_stdin = addr && !strcmp(addr, "-");
	char *colon = addr ? strrchr(addr, ':') : NULL;
	if ((!colon && !from_stdin) || n < 1 || (from_stdin && n != 1))
		return usage();
	if (colon)
		*colon = '\0';

	struct conn *cs = calloc((size_t)n, sizeof(*cs));
	uint8_t *buf = malloc(READ_SIZE);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (!cs || !buf || ep < 0) {
		perror("pcapsink");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cs[i] };
		cs[i].fd = from_stdin ? 0 : open_conn(addr, colon + 1, retry);
		if (cs[i].fd < 0 || fd_set_nonblock(cs[i].fd) < 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) < 0) {
			fprintf(stderr, "pcapsink: cannot connect to %s:%s\n", addr, colon ? colon + 1 : "");
			return 1;
		}
	}
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f)
			fclose(f);
	}
	uint64_t deadline = now_ns() + (uint64_t)(timeout * 1e9);
	for (int open = n; open > 0 && now_ns() < deadline;) {
		struct epoll_event ev[64];
		int k = epoll_wait(ep, ev, 64, 100);
		if (k < 0 && errno != EINTR) {
			perror("pcapsink: epoll_wait");
			return 1;
		}
		for (int i = 0; i < k; i++) {
			struct conn *c = ev[i].data.ptr;
			ssize_t got = read(c->fd, buf, READ_SIZE);
			uint64_t now = now_ns();
			if (latency == 2) {
				struct timespec rt;
				clock_gettime(CLOCK_REALTIME, &rt);
				read_rt = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
			}
			if (got > 0) {
				if (!c->t_first)
					c->t_first = now;
				c->bytes += (uint64_t)got;
				consume(c, buf, (uint32_t)got, now);
			}
			int done = want > 0 && c->records && c->last_seq + 1 >= (uint64_t)want && !c->skip;
			if (done || got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
				c->t_last = now;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				open--;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			cs[i].t_last = now_ns();
	return report(cs, n);
}
