/* Classic pcap input: a 24-byte file header, then records, in either byte
 * order, with microsecond or nanosecond timestamps. */
#include "pcap_classic.h"

#include <string.h>

#include "byteorder.h"
#include "decoder.h"
#include "stream.h"

static int decode_header(struct stream *s, const uint8_t *p, size_t n)
{
	struct pcap_classic_state *c = &s->st.classic;
	uint32_t magic;

	if (n < PCAP_FILE_HEADER_LEN)
		return 0;
	memcpy(&magic, p, 4);
	c->swapped = magic != PCAP_MAGIC_MICRO && magic != PCAP_MAGIC_NANO;
	magic = rd32(p, c->swapped);
	uint16_t major = rd16(p + 4, c->swapped), minor = rd16(p + 6, c->swapped);
	if (major != 2)
		return stream_fail(s, 4, "unsupported pcap version %u.%u", major, minor);
	uint32_t snaplen = rd32(p + 16, c->swapped);
	c->caplen_limit = pcap_caplen_limit(snaplen);
	c->units = magic == PCAP_MAGIC_NANO ? 1000000000u : 1000000u;
	c->header_done = 1;
	stream_set_header(s, rd32(p + 20, c->swapped), snaplen, magic == PCAP_MAGIC_NANO);
	return PCAP_FILE_HEADER_LEN;
}

static int decode_record(struct stream *s, const uint8_t *p, size_t n, uint64_t off,
			 struct ring *r)
{
	const struct pcap_classic_state *c = &s->st.classic;

	if (n < PCAP_RECORD_HEADER_LEN)
		return 0;
	uint32_t caplen = rd32(p + 8, c->swapped);
	if (caplen > PCAP_MAX_CAPLEN)
		return stream_fail(s, off, "absurd record caplen %u (limit %u)", caplen,
				   PCAP_MAX_CAPLEN);
	if (caplen > c->caplen_limit)
		return stream_fail(s, off, "record caplen %u exceeds snaplen %u", caplen,
				   c->caplen_limit);
	if (n - PCAP_RECORD_HEADER_LEN < caplen)
		return 0;
	struct stream_ts ts = {
		.sec = rd32(p, c->swapped),
		.frac = rd32(p + 4, c->swapped),
		.units = c->units,
	};
	uint32_t len = rd32(p + 12, c->swapped);
	int rc = stream_emit(s, r, &ts, caplen, len, p + PCAP_RECORD_HEADER_LEN, off);
	return rc < 0 ? rc : (int)(PCAP_RECORD_HEADER_LEN + caplen);
}

static int classic_decode(struct stream *s, const uint8_t *p, size_t n, uint64_t off,
			  struct ring *r)
{
	if (!s->st.classic.header_done)
		return decode_header(s, p, n);
	return decode_record(s, p, n, off, r);
}

static int classic_finish(struct stream *s, size_t n, uint64_t off)
{
	if (!s->st.classic.header_done)
		return stream_fail(s, 0, "truncated pcap header: %zu of %u bytes", n,
				   PCAP_FILE_HEADER_LEN);
	if (n > 0)
		return stream_fail(s, off, "truncated record: stream ended %zu bytes into it", n);
	return 0;
}

const struct decoder pcap_classic_decoder = {
	.name = "pcap",
	.decode = classic_decode,
	.finish = classic_finish,
	.release = NULL,
};
