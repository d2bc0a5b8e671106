/* libFuzzer target for the flow hasher and a group's placement.
 *
 * The first input byte picks the link type (and the hash mode), the rest is
 * one captured record. flow_parse must accept or refuse it without reading
 * past it; a parsed flow must hash alike both ways; group_place (with its
 * fragment table) must give a bucket in range. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowhash.h"
#include "group.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t linktypes[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105 };

static struct group groups[2];

static void check_symmetric(const struct flow_key *k)
{
	struct flow_key r = *k;

	memcpy(r.src, k->dst, 16);
	memcpy(r.dst, k->src, 16);
	r.sport = k->dport;
	r.dport = k->sport;
	for (int m = FLOW_5TUPLE; m <= FLOW_2TUPLE; m++)
		if (flow_hash(k, m) != flow_hash(&r, m))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		log_setup("flowhash_fuzz", LOG_ERROR, 0);
		if (group_init(&groups[0], "f5", FLOW_5TUPLE) || group_init(&groups[1], "f2", FLOW_2TUPLE))
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	uint32_t lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	size_t n = size - 1;
	/* An exact copy: the sanitizer sees any read past the record. */
	uint8_t *rec = malloc(n ? n : 1);
	memcpy(rec, data + 1, n);
	struct flow_key k;
	int rc = flow_parse(lt, rec, (uint32_t)n, &k);
	if (rc != 0 && rc != -EBADMSG && rc != -EPROTONOSUPPORT)
		abort();
	if (rc == 0)
		check_symmetric(&k);
	struct group *g = &groups[data[0] >> 7];
	struct pcap_record_header h = { .ts_sec = data[0], .caplen = (uint32_t)n, .len = (uint32_t)n };
	group_set_linktype(g, lt);
	if (group_place(g, &h, rec) > GROUP_UNPLACED)
		abort();
	free(rec);
	return 0;
}
