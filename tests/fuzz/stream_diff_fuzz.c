/* Differential libFuzzer target for the stream reader: the same input fed
 * whole and in pieces of 1 to 9 bytes must give the same header, the same
 * records byte for byte and the same error (or none). A decoder that keeps
 * state across reads, or looks at bytes it has not got yet, differs.
 *
 * Input: the first byte picks the output settings (as stream_fuzz) and
 * seeds the piece sizes; the rest is the capture stream. The seeds of
 * stream_fuzz (tests/fuzz/corpus/stream) serve here too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT STREAM_BUF_SIZE /* output is never larger than input */

static struct fuzz_stream whole, pieces;
static uint8_t out_whole[MAX_INPUT], out_pieces[MAX_INPUT];

/* 1 to 9 bytes, from a xorshift generator the input's first byte seeds. */
static size_t small_piece(size_t i, void *ctx)
{
	uint32_t *x = ctx;

	(void)i;
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return 1 + *x % 9;
}

static void same(int same_bytes)
{
	if (!same_bytes)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > MAX_INPUT)
		return 0;
	if (!whole.ring.data) {
		fuzz_stream_setup(&whole);
		fuzz_stream_setup(&pieces);
	}
	uint32_t seed = 0x9e3779b9u ^ data[0];

	fuzz_stream_start(&whole, data[0]);
	fuzz_stream_start(&pieces, data[0]);
	int rc_whole = fuzz_stream_feed(&whole, data + 1, size - 1, NULL, NULL);
	int rc_pieces = fuzz_stream_feed(&pieces, data + 1, size - 1, small_piece, &seed);
	size_t n_whole = fuzz_stream_output(&whole, out_whole, sizeof(out_whole));
	size_t n_pieces = fuzz_stream_output(&pieces, out_pieces, sizeof(out_pieces));

	same(rc_whole == rc_pieces);
	same(!strcmp(whole.s.error, pieces.s.error));
	same(whole.s.header_ready == pieces.s.header_ready);
	same(!memcmp(&whole.s.header, &pieces.s.header, sizeof(whole.s.header)));
	same(n_whole == n_pieces && !memcmp(out_whole, out_pieces, n_whole));
	return 0;
}
