/* pcapsave: a careful PCAP-over-IP consumer for resume tests. Connects to
 * HOST:PORT and appends the stream to FILE, taking bytes out of its socket
 * only once they are written (recv MSG_PEEK, write, then recv MSG_TRUNC to
 * drop them). Killed at any moment, it has lost nothing its kernel did not
 * still hold unread, which is what a hub with resume= sends again.
 *
 *   pcapsave HOST:PORT FILE */
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockaddr.h"

static int dial(const char *spec)
{
	char host[256], port[8];
	uint16_t n;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;

	if (sockaddr_parse(spec, host, sizeof(host), &n, SOCKADDR_HOST_REQUIRED) < 0)
		return -1;
	snprintf(port, sizeof(port), "%u", n);
	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int main(int argc, char **argv)
{
	static char buf[64 << 10];

	if (argc != 3) {
		fputs("usage: pcapsave HOST:PORT FILE\n", stderr);
		return 2;
	}
	int fd = dial(argv[1]);
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || out < 0) {
		perror("pcapsave");
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK);
		if (n <= 0)
			return n < 0;
		if (write(out, buf, (size_t)n) != n)
			return 1;
		if (recv(fd, buf, (size_t)n, MSG_TRUNC) != n)
			return 1;
	}
}
