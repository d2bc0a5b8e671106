/* The small interface every input format's decoder implements. stream.c
 * owns the buffer, picks the decoder from the stream's magic and calls it on
 * the buffered bytes; the decoder consumes whole units (a file header, a
 * record, a pcapng block) and hands records to stream_emit(). */
#ifndef PCAP_BROKER_DECODER_H
#define PCAP_BROKER_DECODER_H

#include <stddef.h>
#include <stdint.h>

struct stream;
struct ring;

struct decoder {
	const char *name;
	/* Decodes one unit at p[0..n), which starts at stream offset off.
	 * Returns the bytes it consumed, 0 if the unit is not complete yet, or
	 * -EBADMSG from stream_fail(). */
	int (*decode)(struct stream *s, const uint8_t *p, size_t n, uint64_t off, struct ring *r);
	/* End of input with n bytes of an incomplete unit left at offset off
	 * (n may be 0). 0, or -EBADMSG from stream_fail(). */
	int (*finish)(struct stream *s, size_t n, uint64_t off);
	void (*release)(struct stream *s);
};

extern const struct decoder pcap_classic_decoder;
extern const struct decoder pcapng_decoder;

#endif
