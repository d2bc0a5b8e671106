/* livegen: sends pcapgen's frames (tests/tools/frame.h: a sequence number
 * in every frame, IMIX or a fixed size) out of a network interface, for the
 * live-capture bench (bench/live) and tests. Raw AF_PACKET, batches of
 * sendmmsg, no qdisc: one process, one sequence, in order.
 *
 *   livegen -i IFACE [-size N] [-pps N] [-seconds S | -count C]
 * -pps 0 (the default) sends as fast as it can. It stops after S seconds
 * (default 1) or C frames, then prints one line: sent, seconds, pps, and
 * how often the kernel pushed back (ENOBUFS: the frame was sent again). */
#include <errno.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define BATCH 64
#define MAX_FRAME 1514

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_iface(const char *name)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	sll.sll_ifindex = (int)if_nametoindex(name);
	if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

/* How many frames are due by now at pps (all of them at 0); sleeps until
 * the next one when none is. */
static uint64_t due(uint64_t t0, uint64_t sent, uint64_t pps, uint64_t limit)
{
	if (!pps)
		return limit;
	uint64_t n = (now_ns() - t0) * pps / 1000000000ull + 1;
	if (n > sent)
		return n < limit ? n : limit;
	uint64_t at = t0 + sent * 1000000000ull / pps;
	struct timespec ts = { .tv_sec = (time_t)(at / 1000000000ull), .tv_nsec = (long)(at % 1000000000ull) };
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	return sent + 1;
}

static uint8_t frames[BATCH][MAX_FRAME];
static struct iovec iov[BATCH];
static struct mmsghdr msgs[BATCH];

/* Builds and sends frames seq..seq+n-1; returns how many went out, or -1. */
static int send_batch(int fd, uint64_t seq, int n, uint32_t size, uint64_t *pushback)
{
	for (int i = 0; i < n; i++) {
		uint32_t len = size ? size : frame_imix_len(seq + (uint64_t)i);
		if (len > MAX_FRAME)
			len = MAX_FRAME;
		frame(frames[i], len, seq + (uint64_t)i);
		iov[i] = (struct iovec){ .iov_base = frames[i], .iov_len = len };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	int k = sendmmsg(fd, msgs, (unsigned)n, 0);
	if (k < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)) {
		(*pushback)++;
		return 0;
	}
	return k;
}

int main(int argc, char **argv)
{
	const char *iface = NULL;
	uint64_t pps = 0, count = UINT64_MAX, pushback = 0, sent = 0;
	double seconds = 1;
	uint32_t size = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-i"))
			iface = argv[i + 1];
		else if (!strcmp(argv[i], "-size"))
			size = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-pps"))
			pps = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "-count"))
			count = strtoull(argv[i + 1], NULL, 10);
		else
			iface = NULL, i = argc;
	}
	if (!iface || argc % 2 == 0 || (size && (size < FRAME_MIN || size > MAX_FRAME))) {
		fprintf(stderr, "usage: livegen -i IFACE [-size %d..%d] [-pps N] [-seconds S | -count C]\n",
			FRAME_MIN, MAX_FRAME);
		return 64;
	}
	int fd = open_iface(iface);
	if (fd < 0) {
		fprintf(stderr, "livegen: %s: %s\n", iface, strerror(errno));
		return 1;
	}
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9);
	while (sent < count && (count != UINT64_MAX || now_ns() < end)) {
		uint64_t n = due(t0, sent, pps, count) - sent;
		int k = send_batch(fd, sent, n > BATCH ? BATCH : (int)n, size, &pushback);
		if (k < 0) {
			perror("livegen: sendmmsg");
			return 1;
		}
		sent += (uint64_t)k;
	}
	double s = (double)(now_ns() - t0) / 1e9;
	printf("sent=%llu seconds=%.3f pps=%.0f pushback=%llu\n", (unsigned long long)sent, s,
	       (double)sent / s, (unsigned long long)pushback);
	return 0;
}
