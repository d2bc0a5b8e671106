/* The ring and a client's cursor: whole records only, drops counted exactly. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "view.h"
#include "pcap_format.h"
#include "ring.h"
#include "unit.h"

static struct client *watched;
static int recycled;
/* The default view's clients: records sent as stored, whole ring spans. */
static struct view plain = { .shape.plain = 1 };

static void on_recycle(void *ctx, uint64_t seq)
{
	(void)ctx;
	recycled++;
	if (watched)
		CHECK(client_slot_recycled(watched, ctx, seq) >= 0);
}

/* Appends one record of caplen bytes whose payload is its index. */
static void append(struct ring *r, uint32_t caplen, uint32_t index)
{
	struct pcap_record_header h = { .ts_sec = index, .caplen = caplen, .len = caplen };
	uint8_t *p = ring_reserve(r, PCAP_RECORD_HEADER_LEN + caplen);

	memcpy(p, &h, sizeof(h));
	memset(p + sizeof(h), (int)(index & 0xff), caplen);
	ring_commit(r, PCAP_RECORD_HEADER_LEN + caplen);
}

static void test_slots_hold_whole_records(void)
{
	struct ring r;

	CHECK(ring_init(&r, 4 << 20, on_recycle, &r) == 0);
	CHECK(r.nslots == 4);
	/* 1000-byte records: 1016 bytes each, 1032 fit in a 1 MiB slot. */
	for (uint32_t i = 0; i < 2000; i++)
		append(&r, 1000, i);
	CHECK(r.head == 1);
	CHECK(ring_slot(&r, 0)->nrec == RING_SLOT_SIZE / 1016);
	CHECK(ring_slot(&r, 1)->first_rec == RING_SLOT_SIZE / 1016);
	CHECK(r.records == 2000);

	uint32_t end;
	CHECK(ring_records_before(&r, 0, 1016 * 3, &end) == 3 && end == 1016 * 3);
	CHECK(ring_records_before(&r, 0, 1016 * 3 + 5, &end) == 3 && end == 1016 * 4);
	ring_free(&r);
}

static void test_iov_and_advance_cross_slots(void)
{
	struct ring r;
	struct iovec iov[8];
	size_t bytes;

	CHECK(ring_init(&r, 4 << 20, NULL, NULL) == 0);
	for (uint32_t i = 0; i < 1500; i++)
		append(&r, 1000, i);
	struct ring_pos pos = { 0, 0 };
	int n = ring_iov(&r, pos, iov, 8, &bytes);
	CHECK(n == 2);
	CHECK(bytes == 1500u * 1016);
	ring_advance(&r, &pos, ring_slot(&r, 0)->len);
	CHECK(pos.seq == 1 && pos.off == 0); /* never rests on a finished slot */
	ring_advance(&r, &pos, ring_slot(&r, 1)->len);
	CHECK(pos.seq == 1 && pos.off == ring_slot(&r, 1)->len); /* at the head */
	ring_free(&r);
}

/* A client that stops mid-record keeps that record's tail, loses the rest of
 * the recycled slot as whole records, and its counters add up. */
static void test_lagging_client_loses_whole_records(void)
{
	struct ring r;

	CHECK(ring_init(&r, 4 << 20, on_recycle, &r) == 0);
	struct client *c = client_new(-1, "test", &r);
	CHECK(c != NULL);
	c->view = &plain;
	watched = c;
	append(&r, 1000, 0);
	append(&r, 1000, 1);
	c->header_sent = PCAP_FILE_HEADER_LEN;
	ring_advance(&r, &c->pos, 1016 + 100); /* record 0 sent, 100 bytes into record 1 */
	uint32_t per_slot = RING_SLOT_SIZE / 1016;
	for (uint32_t i = 2; i < per_slot * 4 + 1; i++)
		append(&r, 1000, i);
	CHECK(recycled == 1);
	CHECK(c->pos.seq == 1 && c->pos.off == 0);
	CHECK(c->rest != NULL && c->rest_len == 1016 - 100);
	CHECK(c->dropped == per_slot - 2); /* records 2 .. per_slot-1 */
	/* Record 1 counts as delivered once its tail goes out. */
	CHECK(client_packets(c, &r) == 1);
	CHECK(client_consume_prefix(c, c->rest_len) == 0); /* its tail went out */
	CHECK(c->rest == NULL);
	CHECK(client_packets(c, &r) == 2);
	watched = NULL;
	client_free(c);
	ring_free(&r);
}

/* Saved tails of all clients together stay under CLIENT_TAILS_MAX. */
static void test_saved_tails_are_bounded(void)
{
	static uint8_t tail[PCAP_MAX_CAPLEN];
	struct client *c[CLIENT_TAILS_MAX / PCAP_MAX_CAPLEN + 1];
	unsigned n = sizeof(c) / sizeof(c[0]);

	for (unsigned i = 0; i < n; i++) {
		c[i] = calloc(1, sizeof(**c));
		c[i]->view = &plain;
		c[i]->header_sent = PCAP_FILE_HEADER_LEN;
		CHECK(client_save_tail(c[i], tail, 1000, tail, sizeof(tail) - 1000) == (i + 1 < n ? 0 : -ENOBUFS));
	}
	client_free(c[0]); /* its room is free again */
	CHECK(client_save_tail(c[n - 1], tail, sizeof(tail), NULL, 0) == 0);
	for (unsigned i = 1; i < n; i++)
		client_free(c[i]);
}

static void test_new_client_starts_at_next_record(void)
{
	struct ring r;

	CHECK(ring_init(&r, 4 << 20, NULL, NULL) == 0);
	for (uint32_t i = 0; i < 10; i++)
		append(&r, 64, i);
	struct client *c = client_new(-1, "test", &r);
	CHECK(c->first_rec == 10);
	CHECK(client_idle(c, &r));
	append(&r, 64, 10);
	CHECK(!client_idle(c, &r));
	free(c);
	ring_free(&r);
}

int main(void)
{
	test_slots_hold_whole_records();
	test_iov_and_advance_cross_slots();
	test_lagging_client_loses_whole_records();
	test_new_client_starts_at_next_record();
	test_saved_tails_are_bounded();
	return UNIT_DONE("ring");
}
