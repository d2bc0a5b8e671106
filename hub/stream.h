/* The capture stream: reads the command's stdout, recognises its format
 * (classic pcap or pcapng) and hands the buffered bytes to that format's
 * decoder (hub/decoder.h), which appends whole records, converted to host
 * byte order and the chosen precision and snaplen, to the ring. Nothing
 * reaches the ring until it is known to be a complete, valid record. */
#ifndef PCAP_BROKER_STREAM_H
#define PCAP_BROKER_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "output.h"
#include "pcap_format.h"
#include "pcap_classic.h"
#include "pcapng.h"
#include "ring.h"


/* Room for the largest record plus plenty of small ones per read(2); also
 * the largest pcapng block accepted. */
#define STREAM_BUF_SIZE (1u << 20)

struct decoder;

struct stream {
	uint8_t *buf;
	size_t have;       /* bytes in buf not yet decoded */
	uint64_t offset;   /* stream offset of buf[0] */
	int header_ready;  /* header below is valid */
	struct pcap_file_header header; /* what clients get, host order */
	char error[256];   /* the one-line reason for -EBADMSG */

	/* Output settings: set after stream_init, before the first byte. */
	uint32_t snaplen_clamp;          /* 0: keep the input's */
	enum stream_precision precision;

	const struct decoder *dec;       /* NULL until the magic is known */
	union {
		struct pcap_classic_state classic;
		struct pcapng_state ng;
	} st;
};

/* A record's timestamp: sec + frac/units seconds. */
struct stream_ts {
	int64_t sec;
	uint64_t frac;
	uint64_t units; /* frac units per second, e.g. 1000000 */
};

int stream_init(struct stream *s);
void stream_free(struct stream *s);
/* Back to the state stream_init leaves, keeping the buffer: for the fuzzers,
 * which would otherwise spend their time allocating and filling 1 MiB. */
void stream_reset(struct stream *s);

/* One read(2) from fd, then decode. Returns bytes read (>0), 0 at EOF,
 * -EAGAIN, -EBADMSG with s->error set, or another -errno. */
ssize_t stream_read(struct stream *s, int fd, struct ring *r);

/* Copies up to n bytes of p into the buffer and decodes. Returns bytes taken
 * (the buffer may be full), or -EBADMSG. For tests and the fuzzer. */
ssize_t stream_feed(struct stream *s, const uint8_t *p, size_t n, struct ring *r);

/* Decodes what is buffered; the same results as stream_read minus the read. */
int stream_decode(struct stream *s, struct ring *r);

/* A new stream follows on the same settings (a restarted capture): forgets
 * the format, the header and any partial unit of the old one. */
void stream_restart(struct stream *s);

/* At end of input: -EBADMSG (s->error set) if the stream ended badly. */
int stream_finish(struct stream *s);

/* For decoders. */
int stream_fail(struct stream *s, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fixes the output header; snaplen is the input's (clamped by -snaplen). */
void stream_set_header(struct stream *s, uint32_t linktype, uint32_t snaplen, int nano);
/* Appends one record (caplen bytes at data) in the output format; at is
 * its stream offset for errors. 0 or -EBADMSG. */
int stream_emit(struct stream *s, struct ring *r, const struct stream_ts *ts,
		uint32_t caplen, uint32_t len, const uint8_t *data, uint64_t at);

#endif
