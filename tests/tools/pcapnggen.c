/* pcapnggen: rewrites a classic pcap (host order, e.g. from pcapgen) on stdin
 * as pcapng on stdout, in the shapes real writers produce and some they
 * rarely do, for tests and fuzz seeds.
 *
 *   pcapnggen [-swap] [-ifaces N] [-sections N] [-block epb|pb|spb]
 *             [-tsresol V] [-tsoffset S] [-junk] [-linktype2 L] [-snaplen N]
 * -ifaces spreads packets round-robin over N interfaces of one link type
 * (-linktype2 gives the second another); -sections starts a new section
 * (SHB + its interfaces) for each part of the packets; -tsresol is the raw
 * if_tsresol byte (6 = µs, 9 = ns, 0x94 = 2^-20 s); -tsoffset moves S
 * seconds into if_tsoffset so the absolute times stay the same; -junk adds
 * options and blocks a reader must skip (comments, NRB, ISB, custom, unknown). */
#include <byteswap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_format.h"

static int swap, junk, nifaces = 1, nsections = 1;
static uint8_t tsresol = 6;
static int64_t tsoffset;
static uint32_t linktype2 = (uint32_t)-1, idb_snaplen = (uint32_t)-1;
static const char *block = "epb";
static uint8_t blk[PCAP_MAX_CAPLEN + 4096];
static size_t blen;

static void put(const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(blk + blen, p, n);
	blen += n;
}

static void put32(uint32_t v)
{
	v = swap ? bswap_32(v) : v;
	put(&v, 4);
}

static void put16(uint16_t v)
{
	v = swap ? bswap_16(v) : v;
	put(&v, 2);
}

static void pad(void)
{
	static const uint8_t z[4];
	put(z, (4 - blen % 4) % 4);
}

static void opt(uint16_t code, const void *v, uint16_t len)
{
	put16(code);
	put16(len);
	put(v, len);
	pad();
}

static void begin(uint32_t type)
{
	blen = 0;
	put32(type);
	put32(0); /* length, patched in end() */
}

static void end(void)
{
	uint32_t len = (uint32_t)blen + 4;
	put32(len);
	uint32_t v = swap ? bswap_32(len) : len;
	memcpy(blk + 4, &v, 4);
	fwrite(blk, blen, 1, stdout);
}

static void section(uint32_t linktype, uint32_t snaplen)
{
	begin(0x0a0d0d0a);
	put32(0x1a2b3c4d);
	put16(1);
	put16(0);
	put32(0xffffffff);
	put32(0xffffffff); /* section length unknown */
	if (junk) {
		opt(4, "pcapnggen", 9); /* shb_userappl */
		opt(0, NULL, 0);
	}
	end();
	for (int i = 0; i < nifaces; i++) {
		begin(1);
		put16((uint16_t)(i == 1 && linktype2 != (uint32_t)-1 ? linktype2 : linktype));
		put16(0);
		put32(idb_snaplen != (uint32_t)-1 ? idb_snaplen : snaplen);
		if (junk)
			opt(2, "eth-test", 8); /* if_name */
		if (tsresol != 6)
			opt(9, &tsresol, 1);
		if (tsoffset) {
			uint64_t o = (uint64_t)tsoffset;
			o = swap ? bswap_64(o) : o;
			opt(14, &o, 8);
		}
		if (junk || tsresol != 6 || tsoffset)
			opt(0, NULL, 0);
		end();
	}
}

static void junk_blocks(void)
{
	begin(4); /* NRB: one IPv4 record, then the end record */
	put16(1);
	put16(14);
	put("\x7f\x00\x00\x01localhost", 14); /* the name ends in its NUL */
	pad();
	put32(0);
	end();
	begin(0x00000bad); /* custom block: PEN, then data */
	put32(32473);
	put("custom", 6);
	pad();
	end();
	begin(0x12345678); /* a type nobody knows */
	put32(7);
	end();
}

/* Timestamp in if_tsresol units, shifted by -tsoffset. */
static uint64_t ts_units(const struct pcap_record_header *h, int nano)
{
	unsigned __int128 units = 1, in = nano ? 1000000000u : 1000000u;
	if (tsresol & 0x80)
		units = (unsigned __int128)1 << (tsresol & 0x7f);
	else
		for (int i = 0; i < tsresol; i++)
			units *= 10;
	return (uint64_t)(((__int128)h->ts_sec - tsoffset) * units + h->ts_frac * units / in);
}

static void packet(const struct pcap_record_header *h, const uint8_t *data, uint32_t iface, int nano)
{
	uint64_t t = ts_units(h, nano);

	if (!strcmp(block, "spb")) {
		begin(3);
		put32(h->len);
	} else {
		begin(!strcmp(block, "pb") ? 2 : 6);
		if (!strcmp(block, "pb")) {
			put16((uint16_t)iface);
			put16(0);
		} else {
			put32(iface);
		}
		put32((uint32_t)(t >> 32));
		put32((uint32_t)t);
		put32(h->caplen);
		put32(h->len);
	}
	put(data, h->caplen);
	pad();
	if (junk && strcmp(block, "spb")) {
		opt(1, "a comment", 9); /* opt_comment */
		opt(0, NULL, 0);
	}
	end();
}

static int usage(void)
{
	fprintf(stderr, "usage: pcapnggen [-swap] [-ifaces N] [-sections N] [-block epb|pb|spb] "
			"[-tsresol V] [-tsoffset S] [-junk] [-linktype2 L] [-snaplen N] < in.pcap\n");
	return 64;
}

static int parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-swap"))
			swap = 1;
		else if (!strcmp(a, "-junk"))
			junk = 1;
		else if (!v)
			return -1;
		else if (!strcmp(a, "-ifaces"))
			nifaces = atoi(v);
		else if (!strcmp(a, "-sections"))
			nsections = atoi(v);
		else if (!strcmp(a, "-block"))
			block = v;
		else if (!strcmp(a, "-tsresol"))
			tsresol = (uint8_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "-tsoffset"))
			tsoffset = strtoll(v, NULL, 10);
		else if (!strcmp(a, "-linktype2"))
			linktype2 = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "-snaplen"))
			idb_snaplen = (uint32_t)strtoul(v, NULL, 0);
		else
			return -1;
		i += strcmp(a, "-swap") && strcmp(a, "-junk");
	}
	return nifaces >= 1 && nsections >= 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct pcap_file_header fh;
	struct pcap_record_header h;
	static uint8_t data[PCAP_MAX_CAPLEN];

	if (parse(argc, argv) < 0)
		return usage();
	if (fread(&fh, sizeof(fh), 1, stdin) != 1 ||
	    (fh.magic != PCAP_MAGIC_MICRO && fh.magic != PCAP_MAGIC_NANO))
		return fprintf(stderr, "pcapnggen: stdin is not host-order pcap\n"), 65;
	/* Read all records first: sections split them evenly. */
	size_t n = 0, cap = 0;
	struct { struct pcap_record_header h; uint8_t *d; } *recs = NULL;
	while (fread(&h, sizeof(h), 1, stdin) == 1 && h.caplen <= PCAP_MAX_CAPLEN &&
	       fread(data, 1, h.caplen, stdin) == h.caplen) {
		if (n == cap && !(recs = realloc(recs, (cap = cap * 2 + 64) * sizeof(*recs))))
			return 71;
		recs[n].h = h;
		recs[n].d = malloc(h.caplen ? h.caplen : 1);
		memcpy(recs[n++].d, data, h.caplen);
	}
	int nano = fh.magic == PCAP_MAGIC_NANO;
	size_t per = n / (size_t)nsections + 1;
	for (size_t i = 0; i < n || i == 0; i++) {
		if (i % per == 0)
			section(fh.linktype, fh.snaplen);
		if (i == n)
			break;
		packet(&recs[i].h, recs[i].d, (uint32_t)(i % (size_t)nifaces), nano);
		if (junk && i % 7 == 3)
			junk_blocks();
	}
	for (size_t i = 0; i < n; i++)
		free(recs[i].d);
	free(recs);
	return fflush(stdout) ? 1 : 0;
}
