/* -version for both programs: the program's version, then libpcap's. */
#ifndef PCAP_BROKER_VERSION_H
#define PCAP_BROKER_VERSION_H

#include <stdio.h>

/* libpcap's own declaration (pcap/pcap.h), repeated so that a file that
 * cannot include pcap.h (its struct pcap_file_header clashes with
 * pcap_format.h's) can still print the version. */
const char *pcap_lib_version(void);

#ifndef VERSION
#define VERSION "0.0.0-unknown"
#endif

static inline void version_print(const char *program)
{
	printf("%s %s\n%s\n", program, VERSION, pcap_lib_version());
}

#endif
