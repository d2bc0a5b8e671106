#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static int bind_one(const struct addrinfo *ai, int dual_stack)
{
	int one = 1, zero = 0;
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof(int));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void name_bound(struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	getsockname(l->w.fd, (struct sockaddr *)&ss, &sl);
	sockaddr_name(&ss, l->name, sizeof(l->name));
}

int listener_bind_tcp(const char *spec, struct listener *out, int max)
{
	char host[256], port[8];
	uint16_t num;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res;
	int n = 0, err = 0;

	if (sockaddr_parse(spec, host, sizeof(host), &num, LISTENER_ADDR_FLAGS) < 0)
		return -EINVAL;
	snprintf(port, sizeof(port), "%u", num);
	/* ":port" is every address: one dual-stack IPv6 socket, as Go does. */
	int all = host[0] == '\0';
	if (all)
		hints.ai_family = AF_INET6;
	int rc = getaddrinfo(all ? NULL : host, port, &hints, &res);
	if (rc != 0 && all) {
		hints.ai_family = AF_INET; /* no IPv6 on this host */
		rc = getaddrinfo(NULL, port, &hints, &res);
	}
	if (rc != 0)
		return rc == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	for (struct addrinfo *ai = res; ai && n < max; ai = ai->ai_next) {
		int fd = bind_one(ai, all);
		if (fd < 0) {
			err = fd;
			continue;
		}
		out[n] = (struct listener){ .w.fd = fd };
		name_bound(&out[n]);
		n++;
	}
	freeaddrinfo(res);
	return n > 0 ? n : (err ? err : -EADDRNOTAVAIL);
}
