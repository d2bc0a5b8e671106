/* libFuzzer target for the stream reader (pcap and pcapng decoders).
 *
 * The first input byte picks the output settings and how the rest is cut
 * into reads; the rest is the capture stream. After every input the ring
 * must hold only whole records that fit the header the stream announced.
 * The stream and ring live across inputs (fuzz_stream.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "fuzz_stream.h"
#include "pcap_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT STREAM_BUF_SIZE /* output is never larger than input */

static struct fuzz_stream fs;
static uint8_t out[MAX_INPUT];

/* Walks what this input appended and checks every record. */
static void check_output(const struct stream *s, const uint8_t *p, size_t len)
{
	uint32_t limit = pcap_caplen_limit(s->header.snaplen);
	size_t off = 0;

	while (off < len) {
		struct pcap_record_header h;
		if (!s->header_ready || len - off < sizeof(h))
			abort();
		memcpy(&h, p + off, sizeof(h));
		if (h.caplen > limit || len - off - sizeof(h) < h.caplen)
			abort();
		if (s->header.magic == PCAP_MAGIC_NANO ? h.ts_frac >= 1000000000u
						     : h.ts_frac >= 1000000u) {
			/* only a classic input's own out-of-range fraction passes raw */
			if (s->dec != &pcap_classic_decoder)
				abort();
		}
		off += sizeof(h) + h.caplen;
	}
}

static size_t fixed_piece(size_t i, void *ctx)
{
	(void)i;
	return *(const size_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > MAX_INPUT)
		return 0;
	if (!fs.ring.data)
		fuzz_stream_setup(&fs);
	uint8_t mode = data[0];
	size_t chunk = (size_t)(mode >> 4) * 7; /* small reads, or 0: one */

	fuzz_stream_start(&fs, mode);
	fuzz_stream_feed(&fs, data + 1, size - 1, fixed_piece, &chunk);
	check_output(&fs.s, out, fuzz_stream_output(&fs, out, sizeof(out)));
	return 0;
}
