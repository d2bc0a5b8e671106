/* libFuzzer target for the stream reader (pcap and pcapng decoders).
 *
 * The first input byte picks the output settings and how the rest is cut
 * into reads; the rest is the capture stream. After every input the ring
 * must hold only whole records that fit the header the stream announced. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "log.h"
#include "pcap_format.h"
#include "ring.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ring ring;

/* Walks what this input appended and checks every record. */
static void check_ring(const struct stream *s, uint64_t first_seq, uint32_t first_off)
{
	uint32_t limit = pcap_caplen_limit(s->header.snaplen);

	for (uint64_t seq = first_seq; seq <= ring.head; seq++) {
		const struct slot *sl = ring_slot(&ring, seq);
		const uint8_t *p = ring_slot_data(&ring, seq);
		uint32_t off = seq == first_seq ? first_off : 0;
		while (off < sl->len) {
			struct pcap_record_header h;
			if (!s->header_ready || sl->len - off < sizeof(h))
				abort();
			memcpy(&h, p + off, sizeof(h));
			if (h.caplen > limit || sl->len - off - sizeof(h) < h.caplen)
				abort();
			if (s->header.magic == PCAP_MAGIC_NANO ? h.ts_frac >= 1000000000u
							     : h.ts_frac >= 1000000u) {
				/* only a classic input's own out-of-range fraction passes raw */
				if (s->dec != &pcap_classic_decoder)
					abort();
			}
			off += (uint32_t)sizeof(h) + h.caplen;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream s;

	if (size < 1)
		return 0;
	if (!ring.data) {
		log_setup("stream_fuzz", LOG_ERROR, 0); /* warnings would drown libFuzzer's lines */
		if (ring_init(&ring, 4u << 20, NULL, NULL) < 0)
			abort();
	}
	if (stream_init(&s) < 0)
		abort();
	uint8_t mode = data[0];
	s.precision = (enum stream_precision)(mode % 3);
	s.snaplen_clamp = (mode & 0x04) ? 100 : (mode & 0x08) ? 65535 : 0;
	size_t chunk = (mode >> 4) ? (size_t)(mode >> 4) * 7 : size; /* small reads or one */
	data++;
	size--;

	uint64_t seq = ring.head;
	uint32_t off = ring_slot(&ring, seq)->len;
	int rc = 0;
	while (size > 0 && rc >= 0) {
		ssize_t n = stream_feed(&s, data, size < chunk ? size : chunk, &ring);
		if (n < 0)
			rc = (int)n;
		else {
			data += n;
			size -= (size_t)n;
		}
	}
	if (rc >= 0)
		rc = stream_finish(&s);
	if (rc < 0 && !s.error[0])
		abort();
	check_ring(&s, seq, off);
	stream_free(&s);
	return 0;
}
