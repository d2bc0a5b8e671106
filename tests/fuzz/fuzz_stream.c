#include "fuzz_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "log.h"

/* Enough slots that one input (at most STREAM_BUF_SIZE, a little more once
 * converted) never recycles the slot it started in. */
#define FUZZ_RING_SIZE (8u * RING_SLOT_SIZE)

void fuzz_stream_setup(struct fuzz_stream *f)
{
	log_setup("fuzz", LOG_ERROR, 0); /* warnings would drown libFuzzer's lines */
	if (ring_init(&f->ring, FUZZ_RING_SIZE, NULL, NULL) < 0 || stream_init(&f->s) < 0)
		abort();
}

void fuzz_stream_start(struct fuzz_stream *f, uint8_t mode)
{
	stream_reset(&f->s);
	f->s.precision = (enum stream_precision)(mode % 3);
	f->s.snaplen_clamp = (mode & 0x04) ? 100 : (mode & 0x08) ? 65535 : 0;
	f->start = ring_tail_pos(&f->ring);
}

int fuzz_stream_feed(struct fuzz_stream *f, const uint8_t *p, size_t n, fuzz_piece_fn piece,
		     void *ctx)
{
	for (size_t i = 0; n > 0; i++) {
		size_t want = piece ? piece(i, ctx) : 0;
		ssize_t took = stream_feed(&f->s, p, want && want < n ? want : n, &f->ring);
		if (took < 0) {
			if (took != -EBADMSG || !f->s.error[0])
				abort();
			return (int)took;
		}
		p += took;
		n -= (size_t)took;
	}
	int rc = stream_finish(&f->s);
	if (rc < 0 && (rc != -EBADMSG || !f->s.error[0]))
		abort();
	return rc;
}

size_t fuzz_stream_output(const struct fuzz_stream *f, uint8_t *out, size_t max)
{
	struct iovec iov[16];
	size_t total, at = 0;
	int n = ring_iov(&f->ring, f->start, iov, 16, &total);

	if (total > max)
		abort();
	for (int i = 0; i < n; i++) {
		memcpy(out + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	if (at != total)
		abort();
	return at;
}
