/* -version for both programs: the program's version, then libpcap's. */
#ifndef PCAP_BROKER_VERSION_H
#define PCAP_BROKER_VERSION_H

#include <pcap/pcap.h>
#include <stdio.h>

#ifndef VERSION
#define VERSION "0.0.0-unknown"
#endif

static inline void version_print(const char *program)
{
	printf("%s %s\n%s\n", program, VERSION, pcap_lib_version());
}

#endif
