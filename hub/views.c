/* Views at start-up and at the first header: settings checked, each view's
 * output header, filter and record shape fixed (view.h). */
/* libpcap has its own struct pcap_file_header: ours is the wire format. */
#define pcap_file_header libpcap_file_header
#include <pcap/pcap.h>
#undef pcap_file_header
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hub.h"
#include "log.h"
#include "util.h"
#include "view_ether.h"
#include "view_group.h"

/* A filter that compiles for none of these has a syntax error: known
 * before the capture starts. */
static const int common_linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL, DLT_LOOP,
};

/* Compiles filter for linktype and snaplen into *prog; err gets libpcap's
 * reason. 0 or -1. */
static int compile(const char *filter, uint32_t linktype, uint32_t snaplen,
		   struct bpf_program *prog, char *err, size_t errlen)
{
	pcap_t *p = pcap_open_dead((int)linktype, snaplen ? (int)snaplen : 262144);
	int rc;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = pcap_compile(p, prog, filter, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		snprintf(err, errlen, "%s", pcap_geterr(p));
	pcap_close(p);
	return rc < 0 ? -1 : 0;
}

static void check_filter(const struct view_settings *s)
{
	struct bpf_program prog;
	char err[PCAP_ERRBUF_SIZE + 64] = "";

	for (size_t i = 0; i < sizeof(common_linktypes) / sizeof(common_linktypes[0]); i++) {
		if (compile(s->filter, (uint32_t)common_linktypes[i], 0, &prog, err, sizeof(err)) == 0) {
			pcap_freecode(&prog);
			return;
		}
	}
	fprintf(stderr, "pcap-broker: view '%s': filter does not compile: %s\n", s->name, err);
	exit(EXIT_USAGE);
}

void views_setup(struct hub *h)
{
	h->nviews = h->opt.nviews;
	for (int i = 0; i < h->nviews; i++) {
		h->views[i].set = h->opt.views[i];
		if (h->views[i].set.filter)
			check_filter(&h->views[i].set);
	}
	view_groups_setup(h);
}

struct view *views_find(struct hub *h, const char *name)
{
	for (int i = 0; i < h->nviews; i++)
		if (!strcasecmp(h->views[i].set.name, name))
			return &h->views[i];
	return NULL;
}

/* The header, and the shape records take from the stream's header in. */
static int view_prepare(struct view *v, const struct pcap_file_header *in)
{
	const struct view_settings *s = &v->set;
	struct view_shape *sh = &v->shape;
	int in_nano = in->magic == PCAP_MAGIC_NANO, out_nano = in_nano;

	v->header = *in;
	*sh = (struct view_shape){ .in_linktype = in->linktype, .ts_mul = 1, .ts_div = 1 };
	if (s->precision != PRECISION_KEEP)
		out_nano = s->precision == PRECISION_NANO;
	v->header.magic = out_nano ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO;
	if (in_nano && !out_nano)
		sh->ts_div = 1000;
	if (!in_nano && out_nano)
		sh->ts_mul = 1000;
	if (s->linktype == VIEW_LINK_ETHER && in->linktype != DLT_EN10MB) {
		if (view_ether_header(in, &v->header) < 0) {
			snprintf(v->error, sizeof(v->error),
				 "linktype=ether: link type %u cannot be converted to Ethernet", in->linktype);
			return -1;
		}
		sh->convert = 1;
	}
	if (s->snaplen) {
		v->header.snaplen = s->snaplen;
		sh->clamp = s->snaplen;
	}
	return 0;
}

static int view_compile(struct view *v, const struct pcap_file_header *in)
{
	char err[PCAP_ERRBUF_SIZE + 64];

	if (!v->set.filter)
		return 0;
	v->prog = calloc(1, sizeof(*v->prog));
	if (!v->prog || compile(v->set.filter, in->linktype, in->snaplen, v->prog, err, sizeof(err)) < 0) {
		snprintf(v->error, sizeof(v->error), "filter does not compile for link type %u: %.160s",
			 in->linktype, v->prog ? err : "out of memory");
		free(v->prog);
		v->prog = NULL;
		return -1;
	}
	return 0;
}

static void view_failed(struct hub *h, struct view *v, int at_startup)
{
	struct client *next;

	if (at_startup) {
		fprintf(stderr, "pcap-broker: view '%s': %s\n", v->set.name, v->error);
		exit(EXIT_USAGE);
	}
	v->failed = 1;
	log_error("view cannot serve this capture; closing its clients", "view=%s error=\"%s\"",
		  v->set.name, v->error);
	for (struct client *c = h->clients; c; c = next) {
		next = c->next;
		if (c->view == v)
			hub_close_client(h, c, "view failed");
	}
}

void views_start(struct hub *h, int at_startup)
{
	const struct pcap_file_header *in = &h->stream.header;

	if (!h->stream.header_ready || h->views[0].ready)
		return;
	for (int i = 0; i < h->nviews; i++) {
		struct view *v = &h->views[i];
		if (view_prepare(v, in) < 0 || view_compile(v, in) < 0) {
			view_failed(h, v, at_startup);
			continue;
		}
		v->shape.same = !v->shape.convert && !v->shape.clamp && v->shape.ts_mul == 1 &&
				v->shape.ts_div == 1;
		v->shape.plain = v->shape.same && !v->prog && !v->group;
		v->ready = 1;
		if (i > 0)
			log_info("view ready", "view=%s linktype=%u snaplen=%u precision=%s filter=\"%s\"",
				 v->set.name, v->header.linktype, v->header.snaplen,
				 v->header.magic == PCAP_MAGIC_NANO ? "nano" : "micro",
				 v->set.filter ? v->set.filter : "");
	}
	view_groups_start(h);
}

void views_restart(struct hub *h)
{
	for (int i = 0; i < h->nviews; i++) {
		struct view *v = &h->views[i];
		if (v->prog) {
			pcap_freecode(v->prog);
			free(v->prog);
			v->prog = NULL;
		}
		v->ready = v->failed = 0;
		v->error[0] = '\0';
	}
}

void views_refresh(struct hub *h)
{
	for (int i = 0; i < h->nviews; i++)
		if (h->views[i].shape.plain || i == 0)
			h->views[i].n.records = h->views[i].gone_records;
	for (const struct client *c = h->clients; c; c = c->next)
		if (c->view->shape.plain || c->view == &h->views[0])
			c->view->n.records += client_packets(c, &h->ring);
}
