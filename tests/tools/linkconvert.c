/* linkconvert IN OUT: converts a pcap file to Ethernet with hub/linkconv.c,
 * the way a view's linktype=ether does, so tests can compare it byte for
 * byte with tcprewrite's output. It reads and writes as tcprewrite does,
 * through libpcap: microsecond timestamps, a host-order header.
 * Prints "converted=N unconvertible=M" on stderr. Exits 1 on an error,
 * 2 if IN's link type cannot be converted. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "linkconv.h"

static u_char frame[262144 + LINKCONV_ETHER_LEN];

static int convert(pcap_t *in, pcap_dumper_t *out, uint32_t linktype, unsigned long n[2])
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		uint32_t strip;
		if (linkconv_to_ether(linktype, data, h->caplen, frame, &strip) < 0) {
			n[1]++;
			continue;
		}
		struct pcap_pkthdr oh = *h;
		oh.caplen = h->caplen - strip + LINKCONV_ETHER_LEN;
		oh.len = h->len - strip + LINKCONV_ETHER_LEN;
		memcpy(frame + LINKCONV_ETHER_LEN, data + strip, h->caplen - strip);
		pcap_dump((u_char *)out, &oh, frame);
		n[0]++;
	}
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	unsigned long n[2] = { 0, 0 };

	if (argc != 3) {
		fprintf(stderr, "usage: linkconvert IN OUT\n");
		return 1;
	}
	pcap_t *in = pcap_open_offline(argv[1], err);
	if (!in) {
		fprintf(stderr, "linkconvert: %s\n", err);
		return 1;
	}
	uint32_t linktype = (uint32_t)pcap_datalink(in);
	if (!linkconv_supported(linktype)) {
		fprintf(stderr, "linkconvert: link type %u cannot become Ethernet\n", linktype);
		return 2;
	}
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, (int)linkconv_snaplen(linktype, (uint32_t)pcap_snapshot(in)),
		PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *out = dead ? pcap_dump_open(dead, argv[2]) : NULL;
	if (!out) {
		fprintf(stderr, "linkconvert: %s: %s\n", argv[2], dead ? pcap_geterr(dead) : "no memory");
		return 1;
	}
	int rc = convert(in, out, linktype, n);
	if (rc < 0)
		fprintf(stderr, "linkconvert: %s: %s\n", argv[1], pcap_geterr(in));
	pcap_dump_close(out);
	pcap_close(dead);
	pcap_close(in);
	fprintf(stderr, "converted=%lu unconvertible=%lu\n", n[0], n[1]);
	return rc < 0 ? 1 : 0;
}
