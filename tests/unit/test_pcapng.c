/* The pcapng decoder: timestamps per interface, byte order per section,
 * block framing, and the output settings (-snaplen, -precision). */
#include <byteswap.h>
#include <errno.h>
#include <string.h>

#include "pcap_format.h"
#include "ring.h"
#include "stream.h"
#include "unit.h"

struct ng {
	uint8_t b[8192];
	size_t n, start;
	int swap;
};

static void raw(struct ng *g, const void *p, size_t n)
{
	memcpy(g->b + g->n, p, n);
	g->n += n;
}

static void u16(struct ng *g, uint16_t v)
{
	v = g->swap ? bswap_16(v) : v;
	raw(g, &v, 2);
}

static void u32(struct ng *g, uint32_t v)
{
	v = g->swap ? bswap_32(v) : v;
	raw(g, &v, 4);
}

static void u64(struct ng *g, uint64_t v)
{
	v = g->swap ? bswap_64(v) : v;
	raw(g, &v, 8);
}

static void begin(struct ng *g, uint32_t type)
{
	g->start = g->n;
	u32(g, type);
	u32(g, 0);
}

static void end(struct ng *g)
{
	uint32_t len = (uint32_t)(g->n - g->start + 4);
	u32(g, len);
	len = g->swap ? bswap_32(len) : len;
	memcpy(g->b + g->start + 4, &len, 4);
}

static void shb(struct ng *g, int swap)
{
	g->swap = swap;
	begin(g, 0x0a0d0d0a);
	u32(g, 0x1a2b3c4d);
	u16(g, 1);
	u16(g, 0);
	u64(g, (uint64_t)-1);
	end(g);
}

/* tsresol 6 writes no option; offset 0 none. */
static void idb(struct ng *g, uint16_t linktype, uint32_t snaplen, uint8_t tsresol, int64_t offset)
{
	begin(g, 1);
	u16(g, linktype);
	u16(g, 0);
	u32(g, snaplen);
	u16(g, 2); /* if_name, 5 bytes: padded */
	u16(g, 5);
	raw(g, "eth0\0\0\0\0", 8);
	if (tsresol != 6) {
		u16(g, 9);
		u16(g, 1);
		raw(g, (uint8_t[4]){ tsresol }, 4);
	}
	if (offset) {
		u16(g, 14);
		u16(g, 8);
		u64(g, (uint64_t)offset);
	}
	u32(g, 0); /* opt_endofopt */
	end(g);
}

static void epb(struct ng *g, uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t len)
{
	begin(g, 6);
	u32(g, iface);
	u32(g, (uint32_t)(ts >> 32));
	u32(g, (uint32_t)ts);
	u32(g, caplen);
	u32(g, len);
	for (uint32_t i = 0; i < (caplen + 3) / 4 * 4; i++)
		raw(g, (uint8_t[1]){ (uint8_t)(i < caplen ? i : 0) }, 1);
	u16(g, 1); /* opt_comment */
	u16(g, 3);
	raw(g, "hi!\0", 4);
	u32(g, 0);
	end(g);
}

static void spb(struct ng *g, uint32_t len, uint32_t stored)
{
	begin(g, 3);
	u32(g, len);
	for (uint32_t i = 0; i < (stored + 3) / 4 * 4; i++)
		raw(g, (uint8_t[1]){ (uint8_t)i }, 1);
	end(g);
}

static struct stream s;
static struct ring r;

static void fresh(enum stream_precision prec, uint32_t clamp)
{
	stream_free(&s);
	ring_free(&r);
	CHECK(stream_init(&s) == 0 && ring_init(&r, 4 << 20, NULL, NULL) == 0);
	s.precision = prec;
	s.snaplen_clamp = clamp;
}

static int feed(const struct ng *g)
{
	ssize_t n = stream_feed(&s, g->b, g->n, &r);
	return n < 0 ? (int)n : 0;
}

/* Record i of the ring (all in slot 0 in these tests). */
static struct pcap_record_header rec(uint32_t i, const uint8_t **data)
{
	struct pcap_record_header h;
	uint32_t off = 0;
	const uint8_t *p = ring_slot_data(&r, 0);

	for (;;) {
		memcpy(&h, p + off, sizeof(h));
		if (i-- == 0)
			break;
		off += (uint32_t)sizeof(h) + h.caplen;
	}
	if (data)
		*data = p + off + sizeof(h);
	return h;
}

static void test_binary_and_decimal_resolutions_with_offset(void)
{
	struct ng g = { 0 };

	shb(&g, 1); /* the other byte order */
	idb(&g, 1, 0, 0x94, 0);                 /* 2^-20 s */
	idb(&g, 1, 0, 3, 1000);                 /* ms, +1000 s */
	epb(&g, 0, (5ull << 20) + (1u << 19), 4, 4);   /* 5.5 s */
	epb(&g, 1, 1234, 4, 4);                         /* 1001.234 s */
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == 0 && stream_finish(&s) == 0);
	CHECK(s.header.magic == PCAP_MAGIC_NANO); /* 2^-20 is finer than µs */
	CHECK(s.header.snaplen == PCAP_MAX_CAPLEN && s.header.linktype == 1);
	struct pcap_record_header h = rec(0, NULL);
	CHECK(h.ts_sec == 5 && h.ts_frac == 500000000u);
	h = rec(1, NULL);
	CHECK(h.ts_sec == 1001 && h.ts_frac == 234000000u);

	fresh(PRECISION_MICRO, 0);
	CHECK(feed(&g) == 0);
	CHECK(s.header.magic == PCAP_MAGIC_MICRO);
	CHECK(rec(0, NULL).ts_frac == 500000u && rec(1, NULL).ts_frac == 234000u);
}

static void test_nanoseconds_truncate_to_micro(void)
{
	struct ng g = { 0 };

	shb(&g, 0);
	idb(&g, 1, 65535, 9, 0);
	epb(&g, 0, 1700000000123456789ull, 8, 8);
	fresh(PRECISION_MICRO, 0);
	CHECK(feed(&g) == 0);
	struct pcap_record_header h = rec(0, NULL);
	CHECK(h.ts_sec == 1700000000u && h.ts_frac == 123456u);
	CHECK(s.header.snaplen == 65535);
}

static void test_one_byte_at_a_time(void)
{
	struct ng g = { 0 };

	shb(&g, 1);
	idb(&g, 1, 0, 6, 0);
	epb(&g, 0, 7, 60, 60);
	fresh(PRECISION_KEEP, 0);
	for (size_t i = 0; i < g.n; i++) {
		CHECK(stream_feed(&s, g.b + i, 1, &r) == 1);
		CHECK(r.records == (i + 1 == g.n));
		CHECK(s.header_ready == (i + 1 == g.n)); /* fixed by the first packet */
	}
	const uint8_t *d;
	struct pcap_record_header h = rec(0, &d);
	CHECK(h.caplen == 60 && h.len == 60 && h.ts_sec == 0 && h.ts_frac == 7);
	CHECK(d[0] == 0 && d[59] == 59);
}

static void test_sections_restart_interfaces_and_byte_order(void)
{
	struct ng g = { 0 };

	shb(&g, 0);
	idb(&g, 1, 0, 6, 0);
	idb(&g, 1, 0, 6, 0);
	epb(&g, 1, 1, 4, 4);
	shb(&g, 1);
	idb(&g, 1, 0, 6, 0);
	epb(&g, 0, 2, 4, 4);
	size_t bad_at = g.n;
	epb(&g, 1, 3, 4, 4); /* interface 1 was the old section's */
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == -EBADMSG);
	CHECK(r.records == 2);
	char want[120];
	snprintf(want, sizeof(want), "pcapng packet for unknown interface 1 (1 defined) at byte offset %zu", bad_at);
	CHECK(strcmp(s.error, want) == 0);
}

static void test_simple_packet_blocks_use_interface_0_snaplen(void)
{
	struct ng g = { 0 };

	shb(&g, 0);
	idb(&g, 1, 40, 6, 0);
	spb(&g, 100, 40);
	spb(&g, 20, 20);
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == 0 && stream_finish(&s) == 0);
	struct pcap_record_header h = rec(0, NULL);
	CHECK(h.caplen == 40 && h.len == 100 && h.ts_sec == 0 && h.ts_frac == 0);
	h = rec(1, NULL);
	CHECK(h.caplen == 20 && h.len == 20);
}

static void test_snaplen_clamp_keeps_length(void)
{
	struct ng g = { 0 };

	shb(&g, 0);
	idb(&g, 1, 0, 6, 0);
	epb(&g, 0, 1, 100, 1000);
	fresh(PRECISION_KEEP, 60);
	CHECK(feed(&g) == 0);
	CHECK(s.header.snaplen == 60);
	struct pcap_record_header h = rec(0, NULL);
	CHECK(h.caplen == 60 && h.len == 1000);
}

static void test_header_from_all_interfaces_before_the_first_packet(void)
{
	struct ng g = { 0 };

	shb(&g, 0);
	idb(&g, 228, 1000, 6, 0);
	idb(&g, 228, 3000, 9, 0);
	begin(&g, 0x40000bad); /* custom block: skipped */
	u32(&g, 32473);
	end(&g);
	begin(&g, 5); /* interface statistics: skipped */
	u32(&g, 0);
	u64(&g, 0);
	end(&g);
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == 0 && !s.header_ready);
	CHECK(stream_finish(&s) == 0 && s.header_ready); /* no packets: still a stream */
	CHECK(s.header.linktype == 228 && s.header.snaplen == 3000);
	CHECK(s.header.magic == PCAP_MAGIC_NANO);
}

static void test_framing_errors(void)
{
	struct ng g = { 0 };

	shb(&g, 0);
	idb(&g, 1, 0, 6, 0);
	size_t at = g.n;
	u32(&g, 6);
	u32(&g, 14);
	u32(&g, 0);
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == -EBADMSG);
	char want[120];
	snprintf(want, sizeof(want), "pcapng block length 14 is not a multiple of 4 at byte offset %zu", at);
	CHECK(strcmp(s.error, want) == 0);

	g.n = at;
	begin(&g, 0x99);
	end(&g);
	g.b[g.n - 4] ^= 4; /* trailer 16 instead of 12 */
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == -EBADMSG);
	CHECK(strstr(s.error, "trailing length 8 does not match its length 12") ||
	      strstr(s.error, "trailing length 16 does not match its length 12"));

	g.n = at;
	epb(&g, 0, 1, 10, 10);
	g.n -= 3;
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == 0 && stream_finish(&s) == -EBADMSG);
	snprintf(want, sizeof(want), "truncated pcapng block: stream ended %zu bytes into it at byte offset %zu",
		 g.n - at, at);
	CHECK(strcmp(s.error, want) == 0);
}

static void test_link_type_mismatch(void)
{
	struct ng g = { 0 };

	shb(&g, 0);
	idb(&g, 1, 0, 6, 0);
	size_t at = g.n;
	idb(&g, 105, 0, 6, 0);
	fresh(PRECISION_KEEP, 0);
	CHECK(feed(&g) == -EBADMSG);
	char want[160];
	snprintf(want, sizeof(want), "pcapng interface 1 has link type 105 but the stream has 1: "
		 "one pcap stream cannot carry both at byte offset %zu", at);
	CHECK(strcmp(s.error, want) == 0);
}

int main(void)
{
	CHECK(stream_init(&s) == 0 && ring_init(&r, 4 << 20, NULL, NULL) == 0);
	test_binary_and_decimal_resolutions_with_offset();
	test_nanoseconds_truncate_to_micro();
	test_one_byte_at_a_time();
	test_sections_restart_interfaces_and_byte_order();
	test_simple_packet_blocks_use_interface_0_snaplen();
	test_snaplen_clamp_keeps_length();
	test_header_from_all_interfaces_before_the_first_packet();
	test_framing_errors();
	test_link_type_mismatch();
	stream_free(&s);
	ring_free(&r);
	return UNIT_DONE("pcapng");
}
