/* Per-connection view of the hub's stream: a BPF filter (-f) and a snaplen
 * clamp (-snaplen). Without them the relay splices bytes untouched; with
 * them it takes its data from filter_fill. */
#ifndef PCAP_BROKER_HELPER_FILTER_H
#define PCAP_BROKER_HELPER_FILTER_H

#include <stdint.h>
#include <sys/types.h>

struct filter;

/* expr: a BPF expression, or NULL; snaplen: 0 for no clamp. NULL if out of memory. */
struct filter *filter_new(const char *expr, uint32_t snaplen);
void filter_free(struct filter *f);

/* Reads from the hub until there is output: the header (once the filter
 * compiled against the stream's link type and snaplen), then the records
 * that pass, clamped. Sets *out to it and returns its length, valid until
 * the next call, which the caller makes only once all of it is sent.
 * Otherwise like read(2): 0 at the end of the stream, -1 with errno set;
 * errno EBADMSG means the filter failed (filter_status, filter_error); the
 * records that passed before a bad one are output first. */
ssize_t filter_fill(struct filter *f, int hub, const uint8_t **out);

/* After EBADMSG: the exit status (EXIT_USAGE for a bad filter) and why. */
int filter_status(const struct filter *f);
const char *filter_error(const struct filter *f);

/* Records the filter passed and rejected so far. */
void filter_counts(const struct filter *f, uint64_t *passed, uint64_t *rejected);

#endif
