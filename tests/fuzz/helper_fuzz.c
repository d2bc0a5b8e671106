/* libFuzzer target for the helper's record parser and filter path
 * (client-helper/filter.c): a hostile hub stream, read from a pipe in
 * pieces, through a BPF filter and a snaplen clamp.
 *
 * Input: byte 0 picks the filter expression (low 3 bits) and the clamp
 * (bits 3-4); byte 1 the piece sizes (0: 64 KiB, else 1 to byte 1); the rest
 * is what the "hub" sends. The output is checked against the records the
 * input holds: the header once with the clamped snaplen, then records in
 * order, each clamped, all of them without a filter, a subsequence with
 * one; an error only for a stream that is bad or a filter libpcap refuses,
 * and with nothing output for the filter. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "log.h"
#include "pcap_format.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (2 * (PCAP_RECORD_HEADER_LEN + PCAP_MAX_CAPLEN))

static const char *const exprs[8] = {
	NULL, NULL, "tcp", "udp port 53", "ip[9] = 6 or len > 100",
	"ether[0] & 1 = 0", "not ip6", "greater 64",
};
static const uint32_t clamps[4] = { 0, 1, 60, 65535 };

struct run {
	const char *expr;
	uint32_t clamp;
	uint8_t out[MAX_INPUT];
	size_t out_len;
	int failed; /* filter_fill said EBADMSG */
	uint32_t piece_max;
	uint32_t x;       /* xorshift state for the piece sizes */
};

static struct run run;

static void check(int ok)
{
	if (!ok)
		abort();
}

static size_t next_piece(struct run *r)
{
	if (!r->piece_max)
		return 65536;
	r->x ^= r->x << 13;
	r->x ^= r->x >> 17;
	r->x ^= r->x << 5;
	return 1 + r->x % r->piece_max;
}

/* Takes all the filter has for now: 0 (more to read), 1 (end or failed). */
static int drain(struct run *r, struct filter *f, int fd)
{
	const uint8_t *p;
	ssize_t n;

	while ((n = filter_fill(f, fd, &p)) > 0) {
		check(r->out_len + (size_t)n <= sizeof(r->out));
		memcpy(r->out + r->out_len, p, (size_t)n);
		r->out_len += (size_t)n;
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	check(n == 0 || errno == EBADMSG);
	r->failed = n < 0;
	return 1;
}

/* Writes the stream into a pipe piece by piece, the filter reading it. */
static void feed(struct run *r, struct filter *f, const uint8_t *p, size_t n)
{
	int fds[2];
	int done = 0;

	check(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
	while (n > 0 && !done) {
		size_t k = next_piece(r);
		if (k > n)
			k = n;
		check(write(fds[1], p, k) == (ssize_t)k); /* the pipe is empty */
		p += k;
		n -= k;
		done = drain(r, f, fds[0]);
	}
	close(fds[1]);
	if (!done)
		check(drain(r, f, fds[0]) == 1);
	close(fds[0]);
}

/* The output's next record must be the input's record at in, clamped. */
static int same_record(const struct run *r, const uint8_t *in, size_t out_at)
{
	struct pcap_record_header want, got;

	memcpy(&want, in, sizeof(want));
	if (r->clamp && want.caplen > r->clamp)
		want.caplen = r->clamp;
	if (r->out_len - out_at < sizeof(got))
		return 0;
	memcpy(&got, r->out + out_at, sizeof(got));
	return !memcmp(&want, &got, sizeof(want)) && r->out_len - out_at - sizeof(got) >= got.caplen &&
	       !memcmp(in + sizeof(want), r->out + out_at + sizeof(got), got.caplen);
}

/* Walks the input's records and matches the output's against them. */
static void check_records(const struct run *r, const struct filter *f, const uint8_t *in,
			  size_t n, uint32_t limit)
{
	struct pcap_record_header h;
	size_t at = PCAP_FILE_HEADER_LEN, out_at = PCAP_FILE_HEADER_LEN;
	uint64_t records = 0, passed, rejected;
	long len;

	while ((len = pcap_record_next(in + at, n - at, limit, &h)) > 0) {
		if (out_at < r->out_len && same_record(r, in + at, out_at))
			out_at += PCAP_RECORD_HEADER_LEN + (h.caplen < r->clamp || !r->clamp ? h.caplen : r->clamp);
		else
			check(r->expr != NULL); /* without a filter every record passes */
		at += (size_t)len;
		records++;
	}
	check(out_at == r->out_len);         /* nothing but those records */
	check(r->failed == (len < 0));       /* an error exactly for a bad record */
	filter_counts(f, &passed, &rejected);
	if (!r->failed)
		check(passed + rejected == records);
}

/* The header check, then the records. */
static void check_output(const struct run *r, const struct filter *f, const uint8_t *in, size_t n)
{
	struct pcap_file_header h;

	if (n < sizeof(h)) {
		check(r->out_len == 0 && !r->failed);
		return;
	}
	memcpy(&h, in, sizeof(h));
	if (h.magic != PCAP_MAGIC_MICRO && h.magic != PCAP_MAGIC_NANO) {
		check(r->out_len == 0 && r->failed && filter_status(f) == EXIT_DATAERR);
		return;
	}
	if (r->failed && r->expr && r->out_len == 0) {
		/* libpcap took neither the header nor the filter: nothing sent */
		check(!strncmp(filter_error(f), "libpcap does not take", 21) ||
		      !strncmp(filter_error(f), "bad filter", 10) ||
		      !strncmp(filter_error(f), "cannot filter", 13));
		return;
	}
	uint32_t limit = pcap_caplen_limit(h.snaplen);
	if (r->clamp && (h.snaplen == 0 || h.snaplen > r->clamp))
		h.snaplen = r->clamp;
	check(r->out_len >= sizeof(h) && !memcmp(r->out, &h, sizeof(h)));
	check_records(r, f, in, n, limit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;

	if (size < 2 || size - 2 > MAX_INPUT)
		return 0;
	if (!once++)
		log_setup("helper_fuzz", LOG_ERROR, 0);
	run.expr = exprs[data[0] & 7];
	run.clamp = clamps[(data[0] >> 3) & 3];
	run.piece_max = data[1];
	run.x = 0x9e3779b9u ^ data[1];
	run.out_len = 0;
	run.failed = 0;
	struct filter *f = filter_new(run.expr, run.clamp);
	check(f != NULL);
	feed(&run, f, data + 2, size - 2);
	check_output(&run, f, data + 2, size - 2);
	filter_free(f);
	return 0;
}
