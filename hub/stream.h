/* The capture stream: reads the command's stdout, validates it, and appends
 * whole records, converted to host byte order, to the ring. Nothing reaches
 * the ring until it is known to be a complete, valid record. */
#ifndef PCAP_BROKER_STREAM_H
#define PCAP_BROKER_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "pcap_format.h"
#include "ring.h"

struct stream {
	uint8_t *buf;
	size_t have;       /* bytes in buf not yet decoded */
	uint64_t offset;   /* stream offset of buf[0] */
	int header_ready;  /* header below is valid */
	int swapped;       /* input is the other byte order */
	uint32_t caplen_limit;
	struct pcap_file_header header; /* what clients get, host order */
	char error[256];   /* the one-line reason for -EBADMSG */
};

int stream_init(struct stream *s);
void stream_free(struct stream *s);

/* One read(2) from fd, then decode. Returns bytes read (>0), 0 at EOF,
 * -EAGAIN, -EBADMSG with s->error set, or another -errno. */
ssize_t stream_read(struct stream *s, int fd, struct ring *r);

/* Decodes what is buffered; the same results as stream_read minus the read. */
int stream_decode(struct stream *s, struct ring *r);

/* At end of input: -EBADMSG (s->error set) if the stream ended badly. */
int stream_finish(struct stream *s);

#endif
