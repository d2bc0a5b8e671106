#include "hello.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockaddr.h"

int hello_name_ok(const char *view)
{
	size_t n = strlen(view);

	if (n == 0 || n > 31)
		return 0;
	for (; *view; view++)
		if (!isalnum((unsigned char)*view) && *view != '_')
			return 0;
	return 1;
}

int hello_bind(int fd, const char *view, unsigned weight, const char *peer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char w[24] = "";

	if (weight) /* before the peer, which may be cut */
		snprintf(w, sizeof(w), "weight=%u ", weight);
	/* sun_path[0] stays '\0': the abstract namespace, no file. */
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "pcap-broker-helper pid=%d view=%s %speer=%s",
			 (int)getpid(), view, w, peer);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(sa.sun_path) - 1)
		n = (int)sizeof(sa.sun_path) - 2; /* a long peer is cut, the view never */
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	return bind(fd, (struct sockaddr *)&sa, len) < 0 ? -errno : 0;
}

void hello_peer(int fd, char *buf, unsigned len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 || ss.ss_family == AF_UNIX) {
		snprintf(buf, len, "-");
		return;
	}
	sockaddr_name(&ss, buf, len);
}
