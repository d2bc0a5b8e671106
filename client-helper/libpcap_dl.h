/* libpcap, loaded when a connection needs it (-f, -version). Linking it
 * would cost every helper about 1.5 MiB of resident memory (it drags in
 * dbus, systemd, gcrypt and more), while most connections only relay. */
#ifndef PCAP_BROKER_LIBPCAP_DL_H
#define PCAP_BROKER_LIBPCAP_DL_H

#include <stdio.h>

/* libpcap's pcap.h has its own struct pcap_file_header; ours (the wire
 * format, include/pcap_format.h) is the one we use, so rename libpcap's. */
#define pcap_file_header libpcap_file_header
#include <pcap/pcap.h>
#undef pcap_file_header

struct libpcap {
	pcap_t *(*fopen_offline)(FILE *, char *);
	int (*compile)(pcap_t *, struct bpf_program *, const char *, int, bpf_u_int32);
	int (*offline_filter)(const struct bpf_program *, const struct pcap_pkthdr *, const u_char *);
	void (*freecode)(struct bpf_program *);
	void (*close)(pcap_t *);
	char *(*geterr)(pcap_t *);
	const char *(*lib_version)(void);
};

/* The loaded library, or NULL with the reason in err. */
const struct libpcap *libpcap_load(char *err, size_t len);

/* For -version: libpcap's version, or why it could not be loaded. */
const char *libpcap_version(void);

#endif
