#include "view_ether.h"

/* Until the linkconv branch is merged, a build without hub/linkconv.h
 * refuses linktype=ether at start-up (views.c) rather than pretend. */
#if __has_include("linkconv.h")
#include "linkconv.h"
#define HAVE_LINKCONV 1
#else
#define HAVE_LINKCONV 0
#endif

#define DLT_EN10MB 1

int view_ether_built(void)
{
	return HAVE_LINKCONV;
}

int view_ether_header(const struct pcap_file_header *in, struct pcap_file_header *out)
{
#if HAVE_LINKCONV
	if (!linkconv_supported(in->linktype))
		return -1;
	out->linktype = DLT_EN10MB;
	out->snaplen = linkconv_snaplen(in->linktype, in->snaplen);
	return 0;
#else
	(void)in;
	(void)out;
	return -1;
#endif
}

int view_ether_record(uint32_t linktype, const uint8_t *data, uint32_t caplen,
		      uint8_t eth[14], uint32_t *strip)
{
#if HAVE_LINKCONV
	return linkconv_to_ether(linktype, data, caplen, eth, strip) < 0 ? -1 : 0;
#else
	(void)linktype;
	(void)data;
	(void)caplen;
	(void)eth;
	(void)strip;
	return -1;
#endif
}
