/* The classic pcap decoder: conversions to host order and exact errors. */
#include <byteswap.h>
#include <errno.h>
#include <string.h>

#include "pcap_format.h"
#include "ring.h"
#include "stream.h"
#include "unit.h"

/* Puts bytes into the stream's buffer as a read(2) would. */
static int feed(struct stream *s, struct ring *r, const void *p, size_t n)
{
	memcpy(s->buf + s->have, p, n);
	s->have += n;
	return stream_decode(s, r);
}

static void put32(uint8_t *p, uint32_t v, int swap)
{
	v = swap ? bswap_32(v) : v;
	memcpy(p, &v, 4);
}

static size_t header(uint8_t *p, uint32_t magic, uint32_t snaplen, int swap)
{
	memset(p, 0, PCAP_FILE_HEADER_LEN);
	put32(p, magic, swap);
	uint16_t major = swap ? bswap_16(2) : 2, minor = swap ? bswap_16(4) : 4;
	memcpy(p + 4, &major, 2);
	memcpy(p + 6, &minor, 2);
	put32(p + 16, snaplen, swap);
	put32(p + 20, 1, swap);
	return PCAP_FILE_HEADER_LEN;
}

static size_t record(uint8_t *p, uint32_t caplen, int swap)
{
	put32(p, 1700000000, swap);
	put32(p + 4, 123456789, swap);
	put32(p + 8, caplen, swap);
	put32(p + 12, caplen, swap);
	memset(p + 16, 0xab, caplen);
	return 16 + caplen;
}

static void test_swapped_nano_is_converted(void)
{
	struct stream s;
	struct ring r;
	uint8_t in[256];
	size_t n = header(in, PCAP_MAGIC_NANO, 65535, 1);

	n += record(in + n, 60, 1);
	CHECK(stream_init(&s) == 0 && ring_init(&r, 4 << 20, NULL, NULL) == 0);
	/* One byte at a time: records must only appear once complete. */
	for (size_t i = 0; i < n; i++) {
		CHECK(feed(&s, &r, in + i, 1) == 0);
		CHECK(r.records == (i + 1 == n));
	}
	CHECK(s.header_ready && s.header.magic == PCAP_MAGIC_NANO);
	CHECK(s.header.snaplen == 65535 && s.header.linktype == 1);
	struct pcap_record_header h;
	memcpy(&h, ring_slot_data(&r, 0), sizeof(h));
	CHECK(h.ts_sec == 1700000000 && h.ts_frac == 123456789 && h.caplen == 60);
	CHECK(stream_finish(&s) == 0);
	stream_free(&s);
	ring_free(&r);
}

static void test_errors_name_the_offset(void)
{
	struct stream s;
	struct ring r;
	uint8_t in[512];
	size_t n = header(in, PCAP_MAGIC_MICRO, 100, 0);

	n += record(in + n, 50, 0);
	size_t bad_at = n;
	n += record(in + n, 101, 0);
	CHECK(stream_init(&s) == 0 && ring_init(&r, 4 << 20, NULL, NULL) == 0);
	CHECK(feed(&s, &r, in, n) == -EBADMSG);
	CHECK(r.records == 1); /* the good record before the fault is kept */
	char want[100];
	snprintf(want, sizeof(want), "record caplen 101 exceeds snaplen 100 at byte offset %zu", bad_at);
	CHECK(strcmp(s.error, want) == 0);
	stream_free(&s);
	ring_free(&r);
}

static void test_truncation_at_eof(void)
{
	struct stream s;
	struct ring r;
	uint8_t in[256];
	size_t n = header(in, PCAP_MAGIC_MICRO, 0, 0);

	n += record(in + n, 40, 0);
	CHECK(stream_init(&s) == 0 && ring_init(&r, 4 << 20, NULL, NULL) == 0);
	CHECK(stream_finish(&s) == -EBADMSG);
	CHECK(strstr(s.error, "empty capture stream") != NULL);
	CHECK(feed(&s, &r, in, 10) == 0);
	CHECK(stream_finish(&s) == -EBADMSG);
	CHECK(strstr(s.error, "truncated pcap header: 10 of 24 bytes") != NULL);
	CHECK(feed(&s, &r, in + 10, n - 10 - 5) == 0);
	CHECK(stream_finish(&s) == -EBADMSG);
	CHECK(strcmp(s.error, "truncated record: stream ended 51 bytes into it at byte offset 24") == 0);
	stream_free(&s);
	ring_free(&r);
}

static void test_bad_magic(void)
{
	struct stream s;
	struct ring r;

	CHECK(stream_init(&s) == 0 && ring_init(&r, 4 << 20, NULL, NULL) == 0);
	CHECK(feed(&s, &r, "GET / HTTP/1.1\r\n\r\n", 18) == -EBADMSG);
	CHECK(strstr(s.error, "bad magic 0x20544547 at byte offset 0") != NULL);
	stream_free(&s);
	ring_free(&r);
}

int main(void)
{
	test_swapped_nano_is_converted();
	test_errors_name_the_offset();
	test_truncation_at_eof();
	test_bad_magic();
	return UNIT_DONE("stream");
}
