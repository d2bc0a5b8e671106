/* pcapverify: checks that stdin is one valid classic pcap stream, as a
 * client must receive it, and that pcapgen's sequence numbers only grow.
 *
 *   pcapverify [-contiguous] [-count N]
 * Prints "records=N bytes=B first=S last=S gaps=G" and exits 1 on any fault:
 * bad header, torn or oversized record, reordering, a duplicate, a gap when
 * -contiguous, or a count other than N.
 *
 *   pcapverify -seqs
 * Prints each record's sequence number, one a line, for a stream a killed
 * consumer saved or a relay resumed (duplicates and repeats are listed, not
 * faults): a torn last record is left out (and said on stderr), any other
 * fault still fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_format.h"

static int fault(const char *what, uint64_t rec)
{
	fprintf(stderr, "pcapverify: %s (record %llu)\n", what, (unsigned long long)rec);
	return 1;
}

int main(int argc, char **argv)
{
	int contiguous = 0, seqs = 0;
	long long want = -1;
	struct pcap_file_header fh;
	struct pcap_record_header rh;
	static uint8_t data[PCAP_MAX_CAPLEN];
	uint64_t n = 0, bytes = 0, gaps = 0, first = 0, last = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-contiguous"))
			contiguous = 1;
		else if (!strcmp(argv[i], "-seqs"))
			seqs = 1;
		else if (!strcmp(argv[i], "-count") && i + 1 < argc)
			want = atoll(argv[++i]);
		else
			return fault("usage: pcapverify [-contiguous] [-count N] | -seqs", 0);
	}
	if (fread(&fh, sizeof(fh), 1, stdin) != 1)
		return fault("no pcap header", 0);
	if (fh.magic != PCAP_MAGIC_MICRO && fh.magic != PCAP_MAGIC_NANO)
		return fault("bad magic (not host-order pcap)", 0);
	uint32_t limit = pcap_caplen_limit(fh.snaplen);
	size_t got;
	while ((got = fread(&rh, 1, sizeof(rh), stdin)) == sizeof(rh)) {
		if (rh.caplen > limit || rh.caplen > rh.len)
			return fault("bad caplen", n);
		if (fread(data, 1, rh.caplen, stdin) != rh.caplen) {
			if (seqs && feof(stdin))
				return fault("torn last record left out", n), 0;
			return fault("torn record at end of stream", n);
		}
		uint64_t seq = 0;
		if (rh.caplen >= 50)
			for (int i = 0; i < 8; i++)
				seq = seq << 8 | data[42 + i];
		if (seqs)
			printf("%llu\n", (unsigned long long)seq);
		if (n == 0)
			first = seq;
		else if (seq <= last && !seqs)
			return fault("reordered or duplicated record", n);
		else if (seq != last + 1)
			gaps++;
		last = seq;
		n++;
		bytes += sizeof(rh) + rh.caplen;
	}
	if (!feof(stdin))
		return fault("read error", n);
	if (got != 0)
		return fault(seqs ? "torn last record left out" : "torn record header at end of stream", n),
		       !seqs;
	if (seqs)
		return 0;
	printf("records=%llu bytes=%llu first=%llu last=%llu gaps=%llu\n",
	       (unsigned long long)n, (unsigned long long)bytes, (unsigned long long)first,
	       (unsigned long long)last, (unsigned long long)gaps);
	if (contiguous && gaps)
		return fault("gap in sequence numbers", n);
	if (want >= 0 && (long long)n != want)
		return fault("wrong record count", n);
	return 0;
}
