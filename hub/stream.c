/* Buffering and dispatch: reads the capture pipe into one buffer, picks the
 * decoder from the first four bytes, and writes records in the output format
 * (classic pcap, host order, chosen precision and snaplen) into the ring.
 *
 * Why our own decoders and not libpcap's reader: pcap_fopen_offline() reads
 * with blocking stdio, so it would stall the epoll loop on a slow pipe (or
 * need a thread and a copy), it hides the byte offset of a fault, and it
 * accepts some malformed input silently. An incremental decoder over the
 * non-blocking pipe decodes straight from the read buffer into the ring (one
 * copy per record), names the exact offset of every fault, and never
 * forwards a record before it is whole and checked. */
#include "stream.h"

#include <byteswap.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decoder.h"

_Static_assert(STREAM_BUF_SIZE >= PCAP_RECORD_HEADER_LEN + PCAP_MAX_CAPLEN, "buffer too small");
_Static_assert(OUTPUT_SNAPLEN_MAX == PCAP_MAX_CAPLEN, "-snaplen limit");
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

static void release_decoder(struct stream *s)
{
	if (s->dec && s->dec->release)
		s->dec->release(s);
	s->dec = NULL;
}

void stream_free(struct stream *s)
{
	release_decoder(s);
	free(s->buf);
	s->buf = NULL;
}

void stream_reset(struct stream *s)
{
	uint8_t *buf = s->buf;

	release_decoder(s);
	memset(s, 0, sizeof(*s));
	s->buf = buf;
}

int stream_fail(struct stream *s, uint64_t at, const char *fmt, ...)
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

void stream_set_header(struct stream *s, uint32_t linktype, uint32_t snaplen, int nano)
{
	if (s->precision != PRECISION_KEEP)
		nano = s->precision == PRECISION_NANO;
	if (s->snaplen_clamp)
		snaplen = s->snaplen_clamp;
	pcap_header_init(&s->header, linktype, snaplen, nano);
	s->header_ready = 1;
}

/* Converts ts to the output's units; frac stays raw when they match. */
static int out_ts(struct stream *s, const struct stream_ts *ts, uint64_t at,
		  uint32_t *sec, uint32_t *frac)
{
	uint64_t units = s->header.magic == PCAP_MAGIC_NANO ? 1000000000u : 1000000u;
	int64_t secs = ts->sec;
	uint64_t f = ts->frac;

	if (ts->units != units || f > UINT32_MAX) {
		unsigned __int128 scaled = (unsigned __int128)ts->frac * units / ts->units;
		secs += (int64_t)(scaled / units); /* a fraction of a second or more */
		f = (uint64_t)(scaled % units);
	}
	if (secs < 0 || secs > (int64_t)UINT32_MAX)
		return stream_fail(s, at, "timestamp %lld s out of range for pcap", (long long)secs);
	*sec = (uint32_t)secs;
	*frac = (uint32_t)f;
	return 0;
}

int stream_emit(struct stream *s, struct ring *r, const struct stream_ts *ts,
		uint32_t caplen, uint32_t len, const uint8_t *data, uint64_t at)
{
	struct pcap_record_header h = { .caplen = caplen, .len = len };
	int rc = out_ts(s, ts, at, &h.ts_sec, &h.ts_frac);

	if (rc < 0)
		return rc;
	if (s->snaplen_clamp && h.caplen > s->snaplen_clamp)
		h.caplen = s->snaplen_clamp; /* len keeps the original length */
	uint32_t total = PCAP_RECORD_HEADER_LEN + h.caplen;
	uint8_t *out = ring_reserve(r, total);
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), data, h.caplen);
	ring_commit(r, total);
	return 0;
}

/* Picks the decoder from the first four bytes. 0: need more. */
static int detect(struct stream *s)
{
	uint32_t magic;

	if (s->have < 4)
		return 0;
	memcpy(&magic, s->buf, 4);
	if (magic == PCAPNG_MAGIC_SHB)
		s->dec = &pcapng_decoder;
	else if (magic == PCAP_MAGIC_MICRO || magic == PCAP_MAGIC_NANO ||
		 bswap_32(magic) == PCAP_MAGIC_MICRO || bswap_32(magic) == PCAP_MAGIC_NANO)
		s->dec = &pcap_classic_decoder;
	else
		return stream_fail(s, 0, "not a pcap stream: bad magic 0x%08x", magic);
	return 1;
}

int stream_decode(struct stream *s, struct ring *r)
{
	size_t at = 0;
	int n = 0;

	if (!s->dec && (n = detect(s)) <= 0)
		return n;
	while (at < s->have && (n = s->dec->decode(s, s->buf + at, s->have - at, s->offset + at, r)) > 0)
		at += (size_t)n;
	/* Keep the undecoded tail (less than one unit) at the front. */
	memmove(s->buf, s->buf + at, s->have - at);
	s->have -= at;
	s->offset += at;
	if (n == 0 && s->have == STREAM_BUF_SIZE) /* decoders bound their units */
		return stream_fail(s, s->offset, "internal error: unit larger than the buffer");
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

ssize_t stream_feed(struct stream *s, const uint8_t *p, size_t n, struct ring *r)
{
	size_t room = STREAM_BUF_SIZE - s->have;

	if (n > room)
		n = room;
	memcpy(s->buf + s->have, p, n);
	s->have += n;
	int rc = stream_decode(s, r);
	return rc < 0 ? rc : (ssize_t)n;
}

int stream_finish(struct stream *s)
{
	if (!s->dec) {
		if (s->have == 0)
			return stream_fail(s, 0, "empty capture stream: no pcap header");
		return stream_fail(s, 0, "truncated pcap header: %zu of %u bytes", s->have,
				   PCAP_FILE_HEADER_LEN);
	}
	return s->dec->finish(s, s->have, s->offset);
}

void stream_restart(struct stream *s)
{
	if (s->dec && s->dec->release)
		s->dec->release(s);
	s->dec = NULL;
	s->have = 0;
	s->offset = 0;
	s->header_ready = 0;
	s->error[0] = '\0';
	memset(&s->st, 0, sizeof(s->st));
}
