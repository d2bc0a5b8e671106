/* flowgen: writes an Ethernet capture of many concurrent flows, both
 * directions, for the consumer group tests: TCP and UDP over IPv4 and IPv6,
 * some VLAN-tagged (802.1Q, or QinQ), some UDP flows whose datagrams are
 * fragmented (IPv4 and IPv6, fragments in order), ICMP, and a little ARP.
 * Every record has its own timestamp (base + its index, in microseconds),
 * so a record is named by its time; -map writes "TIME FLOW" per record
 * (TIME as tcpdump -tt prints it, FLOW a number, "arp" for ARP).
 *
 *   flowgen [-flows N] [-seed S] [-map FILE] [-snaplen N] > capture.pcap */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_format.h"
#include "../unit/packets.h"

#define WINDOW 2000          /* flows open at once */
#define BASE_SEC 1700000000u
#define FRAG_PAYLOAD 2400    /* a fragmented datagram's UDP payload */

struct flow {
	int id;
	int family, vlan, frag, arp;
	char a[48], b[48];
	uint8_t proto;
	uint16_t pa, pb;
	int left;            /* packets (or datagrams) still to send */
};

static FILE *map;
static uint64_t nrec;
static uint16_t ipid = 1;
static uint8_t pkt[8192];

static void put_record(const uint8_t *p, uint32_t len, const char *flow)
{
	uint64_t usec = nrec++;
	struct pcap_record_header h = {
		.ts_sec = BASE_SEC + (uint32_t)(usec / 1000000), .ts_frac = (uint32_t)(usec % 1000000),
		.caplen = len, .len = len,
	};

	fwrite(&h, sizeof(h), 1, stdout);
	fwrite(p, len, 1, stdout);
	if (map)
		fprintf(map, "%u.%06u %s\n", h.ts_sec, h.ts_frac, flow);
}

static void new_flow(struct flow *f, int id)
{
	int kind = rand() % 100;

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->family = kind % 3 == 0 ? 6 : 4;
	f->vlan = kind % 5 == 0 ? 1 : kind % 17 == 0 ? 2 : 0;
	f->arp = kind == 99;
	f->proto = kind < 55 ? 6 : kind < 95 ? 17 : 1;
	f->frag = f->proto == 17 && kind % 4 == 0;
	if (f->family == 4) {
		snprintf(f->a, sizeof(f->a), "10.%d.%d.%d", rand() % 4, rand() % 256, 1 + rand() % 254);
		snprintf(f->b, sizeof(f->b), "172.16.%d.%d", rand() % 8, 1 + rand() % 254);
	} else {
		snprintf(f->a, sizeof(f->a), "2001:db8:%x::%x", rand() % 16, 1 + rand() % 65000);
		snprintf(f->b, sizeof(f->b), "2001:db8:ff::%x", 1 + rand() % 200);
	}
	f->pa = (uint16_t)(1024 + rand() % 60000);
	f->pb = f->proto == 1 ? 0 : (uint16_t[]){ 80, 443, 53, 22, 8080, 123 }[rand() % 6];
	/* Mostly short flows, some long ones. */
	f->left = rand() % 10 == 0 ? 20 + rand() % 80 : 1 + rand() % 12;
}

static struct pkt_flow dir(const struct flow *f, int back)
{
	struct pkt_flow p = { f->family, f->a, f->b, f->proto, f->pa, f->pb };

	return back ? pkt_reverse(p) : p;
}

static uint32_t link(const struct flow *f)
{
	return pkt_ether(pkt, f->family == 4 ? 0x0800 : 0x86dd, f->vlan);
}

/* One UDP datagram cut in two IP fragments, first fragment first. */
static void fragmented(const struct flow *f, const struct pkt_flow *p, const char *name)
{
	static uint8_t dgram[FRAG_PAYLOAD + 20];
	uint32_t n = pkt_l4(dgram, p, FRAG_PAYLOAD), cut = 1456, l = link(f);
	uint16_t id = ipid++;

	for (uint32_t i = 8; i < n; i++)
		dgram[i] = (uint8_t)i;
	for (int part = 0; part < 2; part++) {
		uint32_t off = part ? cut : 0, len = part ? n - cut : cut;
		if (f->family == 4) {
			pkt_ip4_hdr(pkt + l, p, 17, id, (uint16_t)((part ? 0 : 0x2000) | off / 8), len);
			memcpy(pkt + l + 20, dgram + off, len);
			put_record(pkt, l + 20 + len, name);
			continue;
		}
		uint8_t *fh = pkt + l + 40;
		pkt_ip6_hdr(pkt + l, p, 44, 8 + len);
		memset(fh, 0, 8);
		fh[0] = 17;
		pkt_put16(fh + 2, (uint16_t)(off | (part ? 0 : 1)));
		pkt_put16(fh + 6, id);
		memcpy(fh + 8, dgram + off, len);
		put_record(pkt, l + 48 + len, name);
	}
}

static void arp(void)
{
	uint32_t n = pkt_ether(pkt, 0x0806, 0);

	memset(pkt + n, 0x11, 28);
	put_record(pkt, n + 28, "arp");
}

static void emit(struct flow *f)
{
	char name[16];
	struct pkt_flow p = dir(f, rand() % 2);

	if (f->arp) {
		arp();
		return;
	}
	snprintf(name, sizeof(name), "%d", f->id);
	if (f->frag && rand() % 2) {
		fragmented(f, &p, name);
		return;
	}
	uint32_t l = link(f);
	put_record(pkt, l + pkt_ip(pkt + l, &p, (uint32_t)(rand() % 300)), name);
}

int main(int argc, char **argv)
{
	int nflows = 12000, seed = 1;
	uint32_t snaplen = 262144;
	static struct flow win[WINDOW];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-flows") && i + 1 < argc)
			nflows = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-seed") && i + 1 < argc)
			seed = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-snaplen") && i + 1 < argc)
			snaplen = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-map") && i + 1 < argc && !map) {
			if (!(map = fopen(argv[++i], "w"))) {
				perror("flowgen: -map");
				return 1;
			}
		} else {
			fprintf(stderr, "usage: flowgen [-flows N] [-seed S] [-map FILE] [-snaplen N]\n");
			return 64;
		}
	}
	srand((unsigned)seed);
	struct pcap_file_header fh;
	pcap_header_init(&fh, 1, snaplen, 0);
	fwrite(&fh, sizeof(fh), 1, stdout);
	int next = 0, open = 0;
	for (; open < WINDOW && next < nflows; open++)
		new_flow(&win[open], next++);
	while (open > 0) {
		int i = rand() % open;
		emit(&win[i]);
		if (--win[i].left > 0)
			continue;
		if (next < nflows)
			new_flow(&win[i], next++);
		else
			win[i] = win[--open];
	}
	if (map && fclose(map))
		return 1;
	return fflush(stdout) ? 1 : 0;
}
