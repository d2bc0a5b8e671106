#include "sockaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void sockaddr_name(const void *sa, char *buf, unsigned len)
{
	const struct sockaddr *s = sa;
	char ip[INET6_ADDRSTRLEN];

	if (s->sa_family == AF_INET) {
		const struct sockaddr_in *in = sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (s->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "unix");
	}
}

/* Decimal digits only, at most 65535. 0 or -EINVAL. */
static int parse_port(const char *s, uint16_t *port, unsigned flags)
{
	unsigned v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	if (v == 0 && !(flags & SOCKADDR_PORT_ZERO))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* host[0..len) into out: no brackets, spaces or control characters; a colon
 * only inside brackets (an IPv6 literal). 0 or -EINVAL. */
static int copy_host(const char *host, size_t len, int bracketed, char *out, size_t outlen)
{
	if (len >= outlen || (bracketed && len == 0))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];
		if (c <= ' ' || c == 0x7f || c == '[' || c == ']' || (c == ':' && !bracketed))
			return -EINVAL;
	}
	memcpy(out, host, len);
	out[len] = '\0';
	return 0;
}

int sockaddr_parse(const char *spec, char *host, size_t hostlen, uint16_t *port, unsigned flags)
{
	const char *colon, *start = spec;
	int bracketed = spec[0] == '[';
	size_t len;

	if (bracketed) {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		start = spec + 1;
		len = (size_t)(close - start);
		colon = close + 1;
	} else {
		if (!(colon = strrchr(spec, ':')))
			return -EINVAL;
		len = (size_t)(colon - spec);
	}
	if (copy_host(start, len, bracketed, host, hostlen) < 0 ||
	    parse_port(colon + 1, port, flags) < 0)
		return -EINVAL;
	return host[0] || !(flags & SOCKADDR_HOST_REQUIRED) ? 0 : -EINVAL;
}

const char *sockaddr_expected(unsigned flags)
{
	if (flags & SOCKADDR_HOST_REQUIRED)
		return flags & SOCKADDR_PORT_ZERO ? "host:port or [v6]:port, port 0 to 65535"
						  : "host:port or [v6]:port, port 1 to 65535";
	return flags & SOCKADDR_PORT_ZERO
		       ? "host:port, [v6]:port or :port, port 0 to 65535 (0: the kernel picks one)"
		       : "host:port, [v6]:port or :port, port 1 to 65535";
}

int sockaddr_check(const char *who, const char *spec, unsigned flags)
{
	char host[256];
	uint16_t port;

	if (sockaddr_parse(spec, host, sizeof(host), &port, flags) == 0)
		return 0;
	fprintf(stderr, "%s '%s' is not HOST:PORT (want %s)\n", who, spec, sockaddr_expected(flags));
	return -EINVAL;
}
