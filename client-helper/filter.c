/* The hub's stream, record by record: it arrives as host-order classic pcap
 * in whole records (include/pcap_format.h). Records are parsed in one
 * buffer, and those that pass are moved, clamped, to its front, which then
 * is the output. A record never passes partly.
 *
 * The filter is compiled when the hub's header arrives, because only that
 * names the link type and snaplen, and before anything is output: a bad
 * filter ends the helper with the client having received nothing. */

#include "filter.h"
#include "libpcap_dl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcap_format.h"
#include "util.h"

/* The largest record and a good many small ones per read(2). */
#define FILTER_BUF_SIZE (1u << 20)
_Static_assert(FILTER_BUF_SIZE >= 2 * (PCAP_RECORD_HEADER_LEN + PCAP_MAX_CAPLEN), "buffer");

struct filter {
	const char *expr;   /* NULL: every record passes */
	uint32_t snaplen;   /* clamp; 0: none */
	uint8_t *buf;
	size_t have;        /* bytes in buf */
	size_t next;        /* where the unparsed rest starts */
	uint32_t limit;     /* caplen limit from the hub's snaplen */
	int header_done, compiled;
	struct bpf_program prog;
	const struct libpcap *pcap; /* loaded when there is a filter to compile */
	uint64_t passed, rejected;
	int status;
	char error[PCAP_ERRBUF_SIZE + 100];
};

struct filter *filter_new(const char *expr, uint32_t snaplen)
{
	struct filter *f = calloc(1, sizeof(*f));

	if (!f || !(f->buf = malloc(FILTER_BUF_SIZE))) {
		free(f);
		return NULL;
	}
	f->expr = expr;
	f->snaplen = snaplen;
	return f;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	if (f->compiled)
		f->pcap->freecode(&f->prog);
	free(f->buf);
	free(f);
}

static int fail(struct filter *f, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct filter *f, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
	f->status = status;
	return -EBADMSG;
}

/* libpcap reads the header itself, from memory: it maps the LINKTYPE to
 * its DLT and takes the snaplen, exactly as it would for a file. */
static int compile(struct filter *f, const struct pcap_file_header *h)
{
	char err[PCAP_ERRBUF_SIZE];

	if (!(f->pcap = libpcap_load(err, sizeof(err))))
		return fail(f, EXIT_UNAVAIL, "cannot filter: %s", err);
	FILE *in = fmemopen((void *)h, sizeof(*h), "r");
	pcap_t *p = in ? f->pcap->fopen_offline(in, err) : NULL;

	if (!p) {
		if (in)
			fclose(in);
		else
			snprintf(err, sizeof(err), "%s", strerror(errno));
		return fail(f, EXIT_DATAERR, "libpcap does not take the hub's header: %s", err);
	}
	int rc = f->pcap->compile(p, &f->prog, f->expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		fail(f, EXIT_USAGE, "bad filter '%s': %s", f->expr, f->pcap->geterr(p));
	f->pcap->close(p);
	f->compiled = rc == 0;
	return rc < 0 ? -EBADMSG : 0;
}

/* The header, once whole: output at the front, with the clamped snaplen. */
static int take_header(struct filter *f, size_t *w)
{
	struct pcap_file_header h;

	if (f->have < sizeof(h))
		return 0;
	memcpy(&h, f->buf, sizeof(h));
	if (h.magic != PCAP_MAGIC_MICRO && h.magic != PCAP_MAGIC_NANO)
		return fail(f, EXIT_DATAERR, "the hub's stream is not host-order pcap (magic 0x%08x)",
			    h.magic);
	if (f->expr && compile(f, &h) < 0)
		return -EBADMSG;
	f->limit = pcap_caplen_limit(h.snaplen);
	if (f->snaplen && (h.snaplen == 0 || h.snaplen > f->snaplen))
		h.snaplen = f->snaplen;
	memcpy(f->buf, &h, sizeof(h));
	*w = f->next = sizeof(h);
	f->header_done = 1;
	return 0;
}

static int passes(const struct filter *f, const struct pcap_record_header *h, const uint8_t *data)
{
	struct pcap_pkthdr ph = { .caplen = h->caplen, .len = h->len };

	return !f->compiled || f->pcap->offline_filter(&f->prog, &ph, data) != 0;
}

/* Moves the whole records that pass, clamped, to w (w <= where they were). */
static int take_records(struct filter *f, size_t *w)
{
	struct pcap_record_header h;
	long n;

	while ((n = pcap_record_next(f->buf + f->next, f->have - f->next, f->limit, &h)) > 0) {
		const uint8_t *data = f->buf + f->next + sizeof(h);
		if (passes(f, &h, data)) {
			if (f->snaplen && h.caplen > f->snaplen)
				h.caplen = f->snaplen;
			memcpy(f->buf + *w, &h, sizeof(h));
			memmove(f->buf + *w + sizeof(h), data, h.caplen);
			*w += sizeof(h) + h.caplen;
			f->passed++;
		} else {
			f->rejected++;
		}
		f->next += (size_t)n;
	}
	if (n < 0)
		return fail(f, EXIT_DATAERR, "the hub sent a record of caplen %u, beyond its snaplen",
			    h.caplen);
	return 0;
}

/* Drops what was output or parsed; the unparsed rest moves to the front. */
static void compact(struct filter *f)
{
	memmove(f->buf, f->buf + f->next, f->have - f->next);
	f->have -= f->next;
	f->next = 0;
}

ssize_t filter_fill(struct filter *f, int hub, const uint8_t **out)
{
	if (f->status) { /* failed after the records before the bad one went out */
		errno = EBADMSG;
		return -1;
	}
	for (;;) {
		size_t w = 0;
		compact(f);
		ssize_t n = read(hub, f->buf + f->have, FILTER_BUF_SIZE - f->have);
		if (n <= 0)
			return n;
		f->have += (size_t)n;
		int rc = f->header_done ? 0 : take_header(f, &w);
		if (rc == 0 && f->header_done)
			rc = take_records(f, &w);
		if (rc < 0 && w == 0) {
			errno = EBADMSG;
			return -1;
		}
		if (w > 0) {
			*out = f->buf;
			return (ssize_t)w;
		}
	}
}

int filter_status(const struct filter *f)
{
	return f->status;
}

const char *filter_error(const struct filter *f)
{
	return f->error;
}

void filter_counts(const struct filter *f, uint64_t *passed, uint64_t *rejected)
{
	*passed = f->passed;
	*rejected = f->rejected;
}
