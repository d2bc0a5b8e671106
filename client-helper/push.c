#include "push.h"

#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sockaddr.h"
#include "util.h"

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
	char host[256];
	const char *port;
	int fd = -ECONNREFUSED;
	uint64_t n;

	if (sockaddr_split(spec, host, sizeof(host), &port) < 0 || !host[0] ||
	    parse_uint(port, 1, 65535, &n) < 0)
		return -EINVAL;
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
