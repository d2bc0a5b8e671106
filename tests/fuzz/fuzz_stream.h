/* Shared by the stream fuzzers: a stream and a ring that live across
 * inputs (allocating and filling 1 MiB per input made the fuzzer crawl),
 * the output settings an input's first byte picks, and feeding in pieces. */
#ifndef FUZZ_STREAM_H
#define FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "ring.h"
#include "stream.h"

struct fuzz_stream {
	struct stream s;
	struct ring ring;
	struct ring_pos start; /* where this input's records begin */
};

/* Once per process: quiet logs, the ring and the stream's buffer. */
void fuzz_stream_setup(struct fuzz_stream *f);

/* A fresh stream for one input, with the output settings mode picks. */
void fuzz_stream_start(struct fuzz_stream *f, uint8_t mode);

/* The size of the i-th piece an input is fed in; 0: all that is left. */
typedef size_t (*fuzz_piece_fn)(size_t i, void *ctx);

/* Feeds p[0..n) in pieces, then finishes the stream. 0, or the first error
 * (-EBADMSG with f->s.error set: anything else aborts). */
int fuzz_stream_feed(struct fuzz_stream *f, const uint8_t *p, size_t n, fuzz_piece_fn piece,
		     void *ctx);

/* Copies the bytes this input appended to the ring into out (at most max;
 * more aborts). Returns how many. */
size_t fuzz_stream_output(const struct fuzz_stream *f, uint8_t *out, size_t max);

#endif
