/* libFuzzer target for the address parser (common/sockaddr.c) every
 * address flag shares.
 *
 * Byte 0 picks the flags; the rest is the address. What it takes must have
 * a port of decimal digits only, in range for the flags, and a host without
 * brackets, spaces or a colon outside an IPv6 literal; printed back as
 * text it must parse to the same host and port. */
#include <errno.h>
#include <stdio.h>

#include "fuzz_text.h"
#include "sockaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The digits after the last colon, as a number (at most 65536); -1 if
 * anything else. */
static long port_text(const char *spec)
{
	const char *colon = strrchr(spec, ':');
	long v = 0;

	if (!colon || !colon[1])
		return -1;
	for (const char *p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > 65536)
			v = 65536;
	}
	return v;
}

static void check_host(const char *host, unsigned flags)
{
	fuzz_check(host[0] || !(flags & SOCKADDR_HOST_REQUIRED));
	for (const char *p = host; *p; p++)
		fuzz_check((unsigned char)*p > ' ' && *p != 0x7f && *p != '[' && *p != ']');
}

static void check_round_trip(const char *host, uint16_t port, unsigned flags)
{
	char text[300], again[256];
	uint16_t port2;

	snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	fuzz_check(sockaddr_parse(text, again, sizeof(again), &port2, flags) == 0);
	fuzz_check(!strcmp(again, host) && port2 == port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[256];
	uint16_t port;

	if (size < 1)
		return 0;
	unsigned flags = data[0] & 3u;
	const char *spec = fuzz_text(data + 1, size - 1);
	if (!spec)
		return 0;
	int rc = sockaddr_parse(spec, host, sizeof(host), &port, flags);
	fuzz_check(rc == 0 || rc == -EINVAL);
	if (rc < 0)
		return 0;
	fuzz_check(port_text(spec) == port);
	fuzz_check(port > 0 || (flags & SOCKADDR_PORT_ZERO));
	check_host(host, flags);
	check_round_trip(host, port, flags);
	return 0;
}
