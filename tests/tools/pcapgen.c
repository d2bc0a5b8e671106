/* pcapgen: writes a synthetic capture for tests and benchmarks.
 * Ethernet/IPv4/UDP frames in an IMIX-like mix (64/576/1500 bytes, 7:4:1),
 * each with its sequence number (8 bytes, big-endian) at PCAPGEN_SEQ_OFF.
 *
 *   pcapgen [-c COUNT] [-start SEQ] [-nano] [-swap] [-snaplen N] [-size N] [-rate PPS]
 *           [-stamp] [-dns-every N] > file.pcap
 * -start numbers the packets from SEQ (default 0): restarted captures in tests
 * then write ranges that cannot be mistaken for each other.
 * -rate paces the output (flushed per packet) for live-stream tests.
 * -stamp puts the CLOCK_MONOTONIC time (ns, host order) at which each record
 * is written at PCAPGEN_STAMP_OFF, for latency measurements.
 * -dns-every N sends every Nth packet (seq 0, N, 2N...) to UDP port 53
 * instead of 4242, for filter tests. */
#include <byteswap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcap_format.h"

#define PCAPGEN_SEQ_OFF 42
#define PCAPGEN_STAMP_OFF 50

static int swap;

static uint32_t out32(uint32_t v)
{
	return swap ? bswap_32(v) : v;
}

static uint16_t out16(uint16_t v)
{
	return swap ? bswap_16(v) : v;
}

static void frame(uint8_t *p, uint32_t len, uint64_t seq)
{
	static const uint8_t eth_ip_udp[PCAPGEN_SEQ_OFF] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, /* ethernet */
		0x45, 0, 0, 0, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0,             /* ipv4 udp */
		127, 0, 0, 1, 127, 0, 0, 2,
		0x30, 0x39, 0x10, 0x92, 0, 0, 0, 0,                         /* udp 12345->4242 */
	};
	uint16_t iplen = (uint16_t)(len - 14), udplen = (uint16_t)(len - 34);

	memcpy(p, eth_ip_udp, sizeof(eth_ip_udp));
	p[16] = (uint8_t)(iplen >> 8);
	p[17] = (uint8_t)iplen;
	p[38] = (uint8_t)(udplen >> 8);
	p[39] = (uint8_t)udplen;
	for (int i = 0; i < 8; i++)
		p[PCAPGEN_SEQ_OFF + i] = (uint8_t)(seq >> (56 - 8 * i));
	for (uint32_t i = PCAPGEN_SEQ_OFF + 8; i < len; i++)
		p[i] = (uint8_t)(seq + i);
}

/* Keeps the average at rate packets/s: sleeps (after a flush) only when
 * ahead of schedule, so high rates go out in batches. */
static int pace(uint64_t sent, uint64_t rate)
{
	static struct timespec t0;
	struct timespec now, due;

	if (!t0.tv_sec)
		clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t ns = sent * 1000000000ull / rate + (uint64_t)t0.tv_nsec;
	due.tv_sec = t0.tv_sec + (time_t)(ns / 1000000000ull);
	due.tv_nsec = (long)(ns % 1000000000ull);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < due.tv_sec || (now.tv_sec == due.tv_sec && now.tv_nsec < due.tv_nsec)) {
		if (fflush(stdout))
			return -1;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint32_t imix[12] = { 64, 64, 576, 64, 1500, 64, 576, 64, 64, 576, 64, 576 };
	uint64_t count = 1000, start = 0;
	uint32_t snaplen = 262144, fixed = 0;
	int nano = 0, stamp = 0;
	uint64_t rate = 0, dns_every = 0;
	static uint8_t buf[PCAP_RECORD_HEADER_LEN + PCAP_MAX_CAPLEN];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-start") && i + 1 < argc)
			start = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-nano"))
			nano = 1;
		else if (!strcmp(argv[i], "-swap"))
			swap = 1;
		else if (!strcmp(argv[i], "-snaplen") && i + 1 < argc)
			snaplen = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-rate") && i + 1 < argc)
			rate = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-stamp"))
			stamp = 1;
		else if (!strcmp(argv[i], "-size") && i + 1 < argc)
			fixed = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-dns-every") && i + 1 < argc)
			dns_every = strtoull(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: pcapgen [-c COUNT] [-start SEQ] [-nano] [-swap] [-snaplen N] [-size N] [-rate PPS] [-stamp] [-dns-every N]\n");
			return 64;
		}
	}
	if (fixed && (fixed < PCAPGEN_SEQ_OFF + 8 || fixed > PCAP_MAX_CAPLEN)) {
		fprintf(stderr, "pcapgen: -size must be %d..%u\n", PCAPGEN_SEQ_OFF + 8, PCAP_MAX_CAPLEN);
		return 64;
	}
	struct pcap_file_header fh;
	pcap_header_init(&fh, 1, snaplen, nano);
	fh.magic = out32(fh.magic);
	fh.version_major = out16(fh.version_major);
	fh.version_minor = out16(fh.version_minor);
	fh.snaplen = out32(fh.snaplen);
	fh.linktype = out32(fh.linktype);
	fwrite(&fh, sizeof(fh), 1, stdout);

	for (uint64_t i = 0; i < count; i++) {
		uint64_t seq = start + i;
		uint32_t len = fixed ? fixed : imix[seq % 12];
		uint32_t cap = len < snaplen ? len : snaplen;
		uint64_t usec = 1700000000ull * 1000000 + seq * 100;
		struct pcap_record_header rh = {
			.ts_sec = out32((uint32_t)(usec / 1000000)),
			.ts_frac = out32(nano ? (uint32_t)(usec % 1000000) * 1000 + (uint32_t)(seq % 1000)
					      : (uint32_t)(usec % 1000000)),
			.caplen = out32(cap),
			.len = out32(len),
		};
		memcpy(buf, &rh, sizeof(rh));
		frame(buf + sizeof(rh), len, seq);
		if (dns_every && seq % dns_every == 0) { /* udp dst port 53 */
			buf[sizeof(rh) + 36] = 0;
			buf[sizeof(rh) + 37] = 53;
		}
		if (stamp && cap >= PCAPGEN_STAMP_OFF + 8) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
			memcpy(buf + sizeof(rh) + PCAPGEN_STAMP_OFF, &ns, 8);
		}
		if (fwrite(buf, sizeof(rh) + cap, 1, stdout) != 1)
			return 1;
		if (rate && pace(i + 1, rate))
			return 1;
		/* A stamp means "written now": never let it wait in stdio. */
		if (stamp && fflush(stdout))
			return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
