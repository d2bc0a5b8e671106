#include "stream.h"

#include <byteswap.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Room for the largest record plus plenty of small ones per read(2). */
#define STREAM_BUF_SIZE (1u << 20)
_Static_assert(STREAM_BUF_SIZE >= PCAP_RECORD_HEADER_LEN + PCAP_MAX_CAPLEN, "buffer too small");
_Static_assert(RING_SLOT_SIZE >= PCAP_RECORD_HEADER_LEN + PCAP_MAX_CAPLEN, "slot too small");

int stream_init(struct stream *s)
{
	memset(s, 0, sizeof(*s));
	s->buf = malloc(STREAM_BUF_SIZE);
	if (!s->buf)
		return -ENOMEM;
	/* Touch it all now: otherwise RSS creeps up, like a leak, as load makes
	 * single reads longer (up to the 1 MiB pipe) over days. Not zeros: the
	 * compiler would turn malloc+memset into calloc, which touches nothing. */
	memset(s->buf, 0xa5, STREAM_BUF_SIZE);
	return 0;
}

void stream_free(struct stream *s)
{
	free(s->buf);
	s->buf = NULL;
}

static int fail(struct stream *s, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct stream *s, uint64_t at, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(s->error, sizeof(s->error), "%s at byte offset %llu", what,
		 (unsigned long long)at);
	return -EBADMSG;
}

static uint32_t get32(const struct stream *s, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return s->swapped ? bswap_32(v) : v;
}

static uint16_t get16(const struct stream *s, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return s->swapped ? bswap_16(v) : v;
}

/* Returns bytes consumed (0: need more), or -EBADMSG. */
static int decode_header(struct stream *s)
{
	uint32_t magic;
	int nano;

	if (s->have < 4)
		return 0;
	memcpy(&magic, s->buf, 4);
	if (magic == PCAP_MAGIC_MICRO || magic == PCAP_MAGIC_NANO) {
		s->swapped = 0;
	} else if (bswap_32(magic) == PCAP_MAGIC_MICRO || bswap_32(magic) == PCAP_MAGIC_NANO) {
		s->swapped = 1;
		magic = bswap_32(magic);
	} else if (magic == PCAPNG_MAGIC_SHB) {
		return fail(s, 0, "pcapng input is not supported");
	} else {
		return fail(s, 0, "not a pcap stream: bad magic 0x%08x", magic);
	}
	nano = magic == PCAP_MAGIC_NANO;
	if (s->have < PCAP_FILE_HEADER_LEN)
		return 0;

	uint16_t major = get16(s, s->buf + 4), minor = get16(s, s->buf + 6);
	if (major != 2)
		return fail(s, 4, "unsupported pcap version %u.%u", major, minor);
	uint32_t snaplen = get32(s, s->buf + 16);
	uint32_t linktype = get32(s, s->buf + 20);
	pcap_header_init(&s->header, linktype, snaplen, nano);
	s->caplen_limit = pcap_caplen_limit(snaplen);
	s->header_ready = 1;
	return PCAP_FILE_HEADER_LEN;
}

/* Returns bytes consumed (0: need more), or -EBADMSG. */
static int decode_record(struct stream *s, size_t at, struct ring *r)
{
	struct pcap_record_header h;
	const uint8_t *p = s->buf + at;

	if (s->have - at < PCAP_RECORD_HEADER_LEN)
		return 0;
	h.ts_sec = get32(s, p);
	h.ts_frac = get32(s, p + 4);
	h.caplen = get32(s, p + 8);
	h.len = get32(s, p + 12);
	if (h.caplen > PCAP_MAX_CAPLEN)
		return fail(s, s->offset + at, "absurd record caplen %u (limit %u)",
			    h.caplen, PCAP_MAX_CAPLEN);
	if (h.caplen > s->caplen_limit)
		return fail(s, s->offset + at, "record caplen %u exceeds snaplen %u",
			    h.caplen, s->caplen_limit);
	uint32_t total = PCAP_RECORD_HEADER_LEN + h.caplen;
	if (s->have - at < total)
		return 0;

	uint8_t *out = ring_reserve(r, total);
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), p + sizeof(h), h.caplen);
	ring_commit(r, total);
	return (int)total;
}

int stream_decode(struct stream *s, struct ring *r)
{
	size_t at = 0;
	int n;

	if (!s->header_ready) {
		n = decode_header(s);
		if (n <= 0) {
			if (n < 0)
				return n;
			return 0;
		}
		at = (size_t)n;
	}
	while ((n = decode_record(s, at, r)) > 0)
		at += (size_t)n;
	/* Keep the undecoded tail (less than one record) at the front. */
	memmove(s->buf, s->buf + at, s->have - at);
	s->have -= at;
	s->offset += at;
	return n < 0 ? n : 0;
}

ssize_t stream_read(struct stream *s, int fd, struct ring *r)
{
	ssize_t n = read(fd, s->buf + s->have, STREAM_BUF_SIZE - s->have);

	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	s->have += (size_t)n;
	int rc = stream_decode(s, r);
	return rc < 0 ? rc : n;
}

int stream_finish(struct stream *s)
{
	if (!s->header_ready) {
		if (s->have == 0)
			return fail(s, 0, "empty capture stream: no pcap header");
		return fail(s, 0, "truncated pcap header: %zu of %u bytes", s->have,
			    PCAP_FILE_HEADER_LEN);
	}
	if (s->have > 0)
		return fail(s, s->offset, "truncated record: stream ended %zu bytes into it",
			    s->have);
	return 0;
}
