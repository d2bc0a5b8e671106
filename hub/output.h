/* Output settings the user picks (options.c) and the stream applies
 * (stream.c). Free of pcap headers: options.c also includes libpcap's. */
#ifndef PCAP_BROKER_OUTPUT_H
#define PCAP_BROKER_OUTPUT_H

/* Output timestamp precision (-precision). */
enum stream_precision { PRECISION_KEEP, PRECISION_MICRO, PRECISION_NANO };

/* The largest -snaplen: PCAP_MAX_CAPLEN, checked in stream.c. */
#define OUTPUT_SNAPLEN_MAX 262144u

#endif
