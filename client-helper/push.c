#include "push.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int connect_one(const struct addrinfo *ai)
{
	struct timeval tv = { .tv_sec = PUSH_CONNECT_TIMEOUT_S };
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

	if (fd < 0)
		return -errno;
	/* On Linux SO_SNDTIMEO bounds a blocking connect(2) too. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		int e = errno == EINPROGRESS ? ETIMEDOUT : errno;
		close(fd);
		return -e;
	}
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

int push_connect(const char *spec)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	char host[256], port[8];
	uint16_t num;
	int fd = -ECONNREFUSED;

	if (sockaddr_parse(spec, host, sizeof(host), &num, PUSH_ADDR_FLAGS) < 0)
		return -EINVAL;
	snprintf(port, sizeof(port), "%u", num);
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_FAIL || rc == EAI_NODATA)
		return -ENXIO;
	if (rc != 0)
		return rc == EAI_SYSTEM ? -errno : -EAGAIN;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
		if ((fd = connect_one(ai)) >= 0)
			break;
	freeaddrinfo(res);
	return fd;
}

int push_check(const char *spec)
{
	return sockaddr_check("pcap-broker-helper: -connect", spec, PUSH_ADDR_FLAGS);
}
