/* hostile: misbehaving and many PCAP-over-IP clients for the hardening tests.
 * Connects to 127.0.0.1:PORT and, by mode:
 *
 *   churn N        N connections one after another; by turn: close at once,
 *                  close after the header, close after 64 KiB, reset after
 *                  a few bytes (mid-record). Prints "churned N".
 *   reset N        N connections, each reset (SO_LINGER 0) after reading a
 *                  different number of bytes, mid-record.
 *   junk BYTES     sends BYTES of junk while reading the stream, then shuts
 *                  its write side and reads to the end. Prints what it got.
 *   halfclose      shuts its write side at once, then copies the stream to
 *                  stdout until the hub closes it.
 *   many N FILE    N concurrent connections, each read to the end and
 *                  compared with FILE. Prints "identical=I different=D".
 *   hold N         N connections that never read, held until stdin closes;
 *                  prints "held N" once they are all open.
 * Exits 1 on a failure to connect or a difference, 2 on a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIMEOUT_MS 60000

static int port;

static int connect_hub(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("hostile: connect");
		exit(1);
	}
	return fd;
}

static void reset_close(int fd)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
}

/* Reads n bytes (or to EOF when n is 0). Exits 2 on a timeout. */
static size_t read_some(int fd, size_t n, int out)
{
	static char buf[1 << 16];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (n == 0 || got < n) {
		if (poll(&p, 1, TIMEOUT_MS) == 0) {
			fprintf(stderr, "hostile: timed out reading\n");
			exit(2);
		}
		size_t want = n && n - got < sizeof(buf) ? n - got : sizeof(buf);
		ssize_t k = read(fd, buf, want);
		if (k <= 0)
			break;
		if (out >= 0 && write(out, buf, (size_t)k) != k)
			exit(1);
		got += (size_t)k;
	}
	return got;
}

static int churn(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = connect_hub();
		switch (i % 4) {
		case 0:
			close(fd);
			break;
		case 1:
			read_some(fd, 24, -1);
			close(fd);
			break;
		case 2:
			read_some(fd, 64 << 10, -1);
			close(fd);
			break;
		default:
			read_some(fd, 24 + 16 + 5, -1);
			reset_close(fd);
		}
	}
	printf("churned %ld\n", n);
	return 0;
}

static int reset(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = connect_hub();
		/* 24 header bytes, then a prime stride: never a record boundary for long */
		read_some(fd, 24 + 17 + (size_t)i * 7919, -1);
		reset_close(fd);
	}
	printf("reset %ld\n", n);
	return 0;
}

static int junk(long bytes)
{
	static char buf[1 << 16], in[1 << 16];
	int fd = connect_hub();
	long sent = 0, got = 0;

	memset(buf, 'J', sizeof(buf));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (sent < bytes) {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
		if (poll(&p, 1, TIMEOUT_MS) == 0) {
			fprintf(stderr, "hostile: timed out sending junk (%ld sent)\n", sent);
			return 2;
		}
		ssize_t k = read(fd, in, sizeof(in));
		if (k > 0)
			got += k;
		size_t want = bytes - sent < (long)sizeof(buf) ? (size_t)(bytes - sent) : sizeof(buf);
		k = send(fd, buf, want, MSG_NOSIGNAL);
		if (k > 0)
			sent += k;
		else if (k < 0 && errno != EAGAIN) {
			perror("hostile: send");
			return 1;
		}
	}
	shutdown(fd, SHUT_WR);
	fcntl(fd, F_SETFL, 0);
	got += (long)read_some(fd, 0, -1);
	printf("junk sent=%ld received=%ld\n", sent, got);
	close(fd);
	return 0;
}

static int halfclose(void)
{
	int fd = connect_hub();

	shutdown(fd, SHUT_WR);
	read_some(fd, 0, STDOUT_FILENO);
	close(fd);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	char *p;

	if (fd < 0 || fstat(fd, &st) < 0 || !(p = malloc((size_t)st.st_size + 1))) {
		perror(path);
		exit(1);
	}
	*len = (size_t)st.st_size;
	if (read(fd, p, *len) != (ssize_t)*len)
		exit(1);
	close(fd);
	return p;
}

/* Every connection must receive exactly the file: compared as it arrives. */
static int many(long n, const char *path)
{
	static char buf[1 << 16];
	size_t len, *off = calloc((size_t)n, sizeof(size_t));
	char *want = slurp(path, &len);
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	long open_fds = n, identical = 0, different = 0;

	for (long i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = connect_hub(), .events = POLLIN };
	while (open_fds > 0) {
		if (poll(p, (nfds_t)n, TIMEOUT_MS) == 0) {
			fprintf(stderr, "hostile: timed out with %ld clients unfinished\n", open_fds);
			return 2;
		}
		for (long i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t k = read(p[i].fd, buf, sizeof(buf));
			if (k > 0 && off[i] + (size_t)k <= len && !memcmp(want + off[i], buf, (size_t)k)) {
				off[i] += (size_t)k;
				continue;
			}
			if (k == 0 && off[i] == len)
				identical++;
			else
				different++;
			close(p[i].fd);
			p[i].fd = -1;
			open_fds--;
		}
	}
	printf("identical=%ld different=%ld\n", identical, different);
	free(want);
	free(off);
	free(p);
	return different ? 1 : 0;
}

static int hold(long n)
{
	char c;

	for (long i = 0; i < n; i++)
		connect_hub();
	printf("held %ld\n", n);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "-port")) {
		port = atoi(argv[2]);
		const char *mode = argv[3];
		long n = argc > 4 ? atol(argv[4]) : 0;
		if (!strcmp(mode, "churn") && argc == 5)
			return churn(n);
		if (!strcmp(mode, "reset") && argc == 5)
			return reset(n);
		if (!strcmp(mode, "junk") && argc == 5)
			return junk(n);
		if (!strcmp(mode, "hold") && argc == 5)
			return hold(n);
		if (!strcmp(mode, "halfclose") && argc == 4)
			return halfclose();
		if (!strcmp(mode, "many") && argc == 6)
			return many(n, argv[5]);
	}
	fprintf(stderr, "usage: hostile -port PORT churn N | reset N | junk BYTES | halfclose | many N FILE | hold N\n");
	return 64;
}
