/* pcapng input (draft-ietf-opsawg-pcapng): sections in either byte order,
 * interfaces that share one link type, and their packets (EPB, SPB, the old
 * PB), converted to classic records. Every other well-formed block is
 * skipped. What one classic stream cannot carry is an error, never guessed:
 * interfaces with different link types, or (without -snaplen) a later
 * interface with a larger snaplen than the header already sent.
 *
 * The output header is fixed by the first packet (or the end of input): its
 * link type is the interfaces', its snaplen the largest of theirs, and its
 * default precision nanoseconds if any of them is finer than microseconds,
 * else microseconds. */
#include "pcapng.h"

#include <byteswap.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "byteorder.h"
#include "decoder.h"
#include "log.h"
#include "stream.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_PB 2u  /* obsolete Packet Block */
#define BT_SPB 3u
#define BT_EPB 6u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
#define OPT_END 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
#define BLOCK_MIN 12u
#define BLOCK_MAX STREAM_BUF_SIZE

/* What a packet block says, whichever kind it is. */
struct packet {
	uint32_t iface;
	uint64_t ts;      /* in its interface's units */
	uint32_t caplen, len;
	const uint8_t *data;
	int has_ts;
};

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

static int shb(struct stream *s, const uint8_t *body, uint32_t blen, uint64_t off)
{
	struct pcapng_state *g = &s->st.ng;

	if (blen < 16)
		return stream_fail(s, off, "pcapng section header block too short (%u bytes)", blen);
	uint16_t major = rd16(body + 4, g->swapped), minor = rd16(body + 6, g->swapped);
	if (major != 1)
		return stream_fail(s, off, "unsupported pcapng version %u.%u", major, minor);
	g->nifaces = 0; /* interface ids restart in every section */
	return 0;
}

/* 10^-n or 2^-n seconds, as units per second. */
static int tsresol_units(uint8_t v, uint64_t *units)
{
	uint8_t n = v & 0x7f;

	if (v & 0x80) {
		if (n > 63)
			return -EINVAL;
		*units = 1ull << n;
		return 0;
	}
	if (n > 19)
		return -EINVAL;
	for (*units = 1; n > 0; n--)
		*units *= 10;
	return 0;
}

static int idb_options(struct stream *s, struct pcapng_iface *ifc, const uint8_t *p,
		       uint32_t left, uint64_t off)
{
	const struct pcapng_state *g = &s->st.ng;

	while (left >= 4) {
		uint16_t code = rd16(p, g->swapped), olen = rd16(p + 2, g->swapped);
		if (code == OPT_END)
			break;
		if (4 + pad4(olen) > left)
			return stream_fail(s, off, "interface description option %u overruns its block", code);
		if (code == OPT_IF_TSRESOL && (olen != 1 || tsresol_units(p[4], &ifc->units) < 0))
			return stream_fail(s, off, "unsupported if_tsresol");
		if (code == OPT_IF_TSOFFSET) {
			if (olen != 8)
				return stream_fail(s, off, "bad if_tsoffset length %u", olen);
			ifc->tsoffset = (int64_t)rd64(p + 4, g->swapped);
		}
		p += 4 + pad4(olen);
		left -= 4 + pad4(olen);
	}
	return 0;
}

/* A new interface must fit the stream the header describes. */
static int idb_fits(struct stream *s, uint32_t linktype, const struct pcapng_iface *ifc,
		    uint64_t off)
{
	struct pcapng_state *g = &s->st.ng;

	if (!g->have_link) {
		g->have_link = 1;
		g->linktype = linktype;
	} else if (linktype != g->linktype) {
		return stream_fail(s, off, "pcapng interface %u has link type %u but the stream has %u: "
				   "one pcap stream cannot carry both", g->nifaces, linktype, g->linktype);
	}
	if (!s->header_ready) {
		if (ifc->caplen_limit > g->snaplen)
			g->snaplen = ifc->caplen_limit;
		g->nano |= ifc->units > 1000000u;
		return 0;
	}
	if (ifc->caplen_limit > g->snaplen && !s->snaplen_clamp)
		return stream_fail(s, off, "pcapng interface %u snaplen %u exceeds the stream's %u "
				   "(set -snaplen)", g->nifaces, ifc->caplen_limit, g->snaplen);
	uint64_t out_units = s->header.magic == PCAP_MAGIC_NANO ? 1000000000u : 1000000u;
	if (ifc->units > out_units && s->precision == PRECISION_KEEP && !g->warned_precision) {
		g->warned_precision = 1;
		log_warn("a later pcapng interface is finer than the stream's timestamp precision; "
			 "its timestamps are truncated (set -precision)", NULL);
	}
	return 0;
}

static int idb(struct stream *s, const uint8_t *body, uint32_t blen, uint64_t off)
{
	struct pcapng_state *g = &s->st.ng;
	struct pcapng_iface ifc = { .units = 1000000u };

	if (blen < 8)
		return stream_fail(s, off, "pcapng interface description block too short (%u bytes)", blen);
	if (g->nifaces == PCAPNG_MAX_IFACES)
		return stream_fail(s, off, "more than %u pcapng interfaces", PCAPNG_MAX_IFACES);
	uint32_t linktype = rd16(body, g->swapped);
	ifc.caplen_limit = pcap_caplen_limit(rd32(body + 4, g->swapped));
	int rc = idb_options(s, &ifc, body + 8, blen - 8, off);
	if (rc == 0)
		rc = idb_fits(s, linktype, &ifc, off);
	if (rc < 0)
		return rc;
	if (g->nifaces == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 4;
		void *p = realloc(g->ifaces, cap * sizeof(*g->ifaces));
		if (!p)
			return stream_fail(s, off, "out of memory for pcapng interfaces");
		g->ifaces = p;
		g->cap = cap;
	}
	g->ifaces[g->nifaces++] = ifc;
	return 0;
}

/* The record's time: ts units since the epoch, plus the interface's offset. */
static struct stream_ts packet_time(const struct pcapng_iface *ifc, const struct packet *pk)
{
	struct stream_ts t = { .units = ifc->units };

	if (!pk->has_ts) /* a Simple Packet Block carries none */
		return t;
	__int128 sec = (__int128)(pk->ts / ifc->units) + ifc->tsoffset;
	t.frac = pk->ts % ifc->units;
	/* Far out of range either way: stream_emit says so. */
	t.sec = sec < INT64_MIN / 2 ? INT64_MIN / 2 : sec > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)sec;
	return t;
}

static int packet(struct stream *s, struct ring *r, const struct packet *pk, uint64_t off)
{
	struct pcapng_state *g = &s->st.ng;

	if (g->nifaces == 0)
		return stream_fail(s, off, "pcapng packet block before any interface description block");
	if (pk->iface >= g->nifaces)
		return stream_fail(s, off, "pcapng packet for unknown interface %u (%u defined)",
				   pk->iface, g->nifaces);
	const struct pcapng_iface *ifc = &g->ifaces[pk->iface];
	if (pk->caplen > ifc->caplen_limit)
		return stream_fail(s, off, "record caplen %u exceeds snaplen %u", pk->caplen,
				   ifc->caplen_limit);
	if (!s->header_ready)
		stream_set_header(s, g->linktype, g->snaplen, g->nano);
	struct stream_ts ts = packet_time(ifc, pk);
	return stream_emit(s, r, &ts, pk->caplen, pk->len, pk->data, off);
}

/* EPB: iface(4) ts(8) caplen len; PB: iface(2) drops(2) ts(8) caplen len. */
static int epb_or_pb(struct stream *s, struct ring *r, uint32_t type, const uint8_t *body,
		     uint32_t blen, uint64_t off)
{
	const struct pcapng_state *g = &s->st.ng;
	struct packet pk = { .has_ts = 1, .data = body + 20 };

	if (blen < 20)
		return stream_fail(s, off, "pcapng packet block too short (%u bytes)", blen);
	pk.iface = type == BT_EPB ? rd32(body, g->swapped) : rd16(body, g->swapped);
	pk.ts = (uint64_t)rd32(body + 4, g->swapped) << 32 | rd32(body + 8, g->swapped);
	pk.caplen = rd32(body + 12, g->swapped);
	pk.len = rd32(body + 16, g->swapped);
	if (pk.caplen > PCAP_MAX_CAPLEN)
		return stream_fail(s, off, "absurd record caplen %u (limit %u)", pk.caplen,
				   PCAP_MAX_CAPLEN);
	if (20 + pad4(pk.caplen) > blen)
		return stream_fail(s, off, "pcapng packet block: caplen %u overruns the block",
				   pk.caplen);
	return packet(s, r, &pk, off);
}

/* SPB: original length, then the packet cut to interface 0's snaplen. */
static int spb(struct stream *s, struct ring *r, const uint8_t *body, uint32_t blen,
	       uint64_t off)
{
	const struct pcapng_state *g = &s->st.ng;
	struct packet pk = { .iface = 0, .data = body + 4 };

	if (blen < 4)
		return stream_fail(s, off, "pcapng simple packet block too short (%u bytes)", blen);
	pk.len = rd32(body, g->swapped);
	pk.caplen = pk.len;
	if (g->nifaces > 0 && pk.caplen > g->ifaces[0].caplen_limit)
		pk.caplen = g->ifaces[0].caplen_limit;
	if (pk.caplen > blen - 4)
		return stream_fail(s, off, "pcapng simple packet block: %u bytes of packet overrun the block",
				   pk.caplen);
	return packet(s, r, &pk, off);
}

/* The SHB's byte-order magic sets the order its own length is read in. */
static int block_order(struct stream *s, const uint8_t *p, uint64_t off)
{
	uint32_t bom;

	memcpy(&bom, p + 8, 4);
	if (bom == BYTE_ORDER_MAGIC)
		s->st.ng.swapped = 0;
	else if (bswap_32(bom) == BYTE_ORDER_MAGIC)
		s->st.ng.swapped = 1;
	else
		return stream_fail(s, off, "pcapng section header: bad byte-order magic 0x%08x", bom);
	return 0;
}

static int block_length(struct stream *s, uint32_t len, uint64_t off)
{
	if (len % 4)
		return stream_fail(s, off, "pcapng block length %u is not a multiple of 4", len);
	if (len < BLOCK_MIN)
		return stream_fail(s, off, "pcapng block length %u is too small (minimum %u)", len,
				   BLOCK_MIN);
	if (len > BLOCK_MAX)
		return stream_fail(s, off, "pcapng block length %u is too large (limit %u)", len,
				   BLOCK_MAX);
	return 0;
}

static int block_body(struct stream *s, struct ring *r, uint32_t type, const uint8_t *body,
		      uint32_t blen, uint64_t off)
{
	switch (type) {
	case BT_SHB:
		return shb(s, body, blen, off);
	case BT_IDB:
		return idb(s, body, blen, off);
	case BT_EPB:
	case BT_PB:
		return epb_or_pb(s, r, type, body, blen, off);
	case BT_SPB:
		return spb(s, r, body, blen, off);
	default: /* statistics, name resolution, secrets, custom...: not ours */
		return 0;
	}
}

static int ng_decode(struct stream *s, const uint8_t *p, size_t n, uint64_t off, struct ring *r)
{
	struct pcapng_state *g = &s->st.ng;
	uint32_t type;
	int rc;

	if (n < BLOCK_MIN)
		return 0;
	memcpy(&type, p, 4); /* the SHB's type reads the same in either order */
	if (type == BT_SHB && (rc = block_order(s, p, off)) < 0)
		return rc;
	type = rd32(p, g->swapped);
	uint32_t len = rd32(p + 4, g->swapped);
	if ((rc = block_length(s, len, off)) < 0)
		return rc;
	if (n < len)
		return 0;
	uint32_t trailer = rd32(p + len - 4, g->swapped);
	if (trailer != len)
		return stream_fail(s, off, "pcapng block trailing length %u does not match its length %u",
				   trailer, len);
	rc = block_body(s, r, type, p + 8, len - BLOCK_MIN, off);
	return rc < 0 ? rc : (int)len;
}

static int ng_finish(struct stream *s, size_t n, uint64_t off)
{
	const struct pcapng_state *g = &s->st.ng;

	if (n > 0)
		return stream_fail(s, off, "truncated pcapng block: stream ended %zu bytes into it", n);
	if (!g->have_link)
		return stream_fail(s, off, "pcapng stream has no interface description block");
	if (!s->header_ready) /* interfaces but no packets: still a valid, empty stream */
		stream_set_header(s, g->linktype, g->snaplen, g->nano);
	return 0;
}

static void ng_release(struct stream *s)
{
	free(s->st.ng.ifaces);
	s->st.ng.ifaces = NULL;
}

const struct decoder pcapng_decoder = {
	.name = "pcapng",
	.decode = ng_decode,
	.finish = ng_finish,
	.release = ng_release,
};
