/* -version for both programs: the program's version, then libpcap's. */
#ifndef PCAP_BROKER_VERSION_H
#define PCAP_BROKER_VERSION_H

#include <stdio.h>

#ifndef VERSION
#define VERSION "0.0.0-unknown"
#endif

/* libpcap_version: pcap_lib_version(), or why it is not at hand. */
static inline void version_print(const char *program, const char *libpcap_version)
{
	printf("%s %s\n%s\n", program, VERSION, libpcap_version);
}

#endif
