/* pcap-broker-helper: one client connection, inetd style. Connects to the
 * hub's Unix socket and relays its pcap stream to the client. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "relay.h"
#include "sockaddr.h"
#include "util.h"

#ifndef VERSION
#define VERSION "0.0.0-unknown"
#endif

#define DEFAULT_SOCKET "/run/pcap-broker/hub.sock"

static const char usage[] =
	"Usage: pcap-broker-helper [flags]\n"
	"Relays the pcap stream of a pcap-broker hub to one client. The client\n"
	"connection is stdin/stdout (inetd, systemd Accept=yes with StandardInput=socket,\n"
	"socat EXEC:), or fd 3 with LISTEN_FDS=1. What the client sends is discarded.\n"
	"\n"
	"Flags (one or two dashes):\n"
	"  -socket PATH  the hub's Unix socket [PCAP_BROKER_SOCKET]\n"
	"                (default " DEFAULT_SOCKET ")\n"
	"  -debug        debug logging\n"
	"  -json         log JSON lines instead of text\n"
	"  -version      print the version and exit\n"
	"  -help         print this help and exit\n"
	"\n"
	"Exit status: 0 the hub ended the stream or the client went away;\n"
	"  64 bad usage; 66 cannot connect to the hub socket (hub not running,\n"
	"  wrong path or no permission); 71 system error.\n";

struct opts {
	const char *socket;
	int debug, json;
};

enum { OPT_SOCKET = 256, OPT_DEBUG, OPT_JSON, OPT_VERSION, OPT_HELP };

static int parse(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "debug", optional_argument, NULL, OPT_DEBUG },
		{ "json", optional_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "h", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("PCAP_BROKER_SOCKET");
	int id;

	o->socket = env && *env ? env : DEFAULT_SOCKET;
	while ((id = getopt_long_only(argc, argv, "", longopts, NULL)) != -1) {
		if (id == OPT_SOCKET) {
			o->socket = optarg;
		} else if ((id == OPT_DEBUG && parse_bool(optarg, &o->debug) == 0) ||
			   (id == OPT_JSON && parse_bool(optarg, &o->json) == 0)) {
			continue;
		} else if (id == OPT_VERSION || id == OPT_HELP) {
			fputs(id == OPT_HELP ? usage : "pcap-broker-helper " VERSION "\n", stdout);
			return 0;
		} else {
			fputs("Try 'pcap-broker-helper -help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pcap-broker-helper: unexpected argument '%s' (try -help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

/* systemd's LISTEN_FDS=1 (for this process): the connection is fd 3. */
static int passed_connection(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	uint64_t v;

	if (!fds || (pid && (parse_uint(pid, 1, INT32_MAX, &v) < 0 || (pid_t)v != getpid())))
		return -1;
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	if (parse_uint(fds, 1, 1, &v) < 0)
		return -EINVAL;
	return 3;
}

static int connect_hub(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || fd_set_nonblock(fd) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Sockets go non-blocking (they are ours alone); a terminal or a pipe we
 * share with a shell keeps its flags. TCP gets TCP_NODELAY. */
static void prepare_client(struct relay *r, char *addr, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1;

	snprintf(addr, len, "-");
	r->in_is_socket = is_socket(r->in);
	if (r->in_is_socket)
		fd_set_nonblock(r->in);
	if (!is_socket(r->out))
		return;
	fd_set_nonblock(r->out);
	if (getpeername(r->out, (struct sockaddr *)&ss, &sl) == 0)
		sockaddr_name(&ss, addr, (unsigned)len);
	if (getsockname(r->out, (struct sockaddr *)&ss, &sl) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
		setsockopt(r->out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct relay r = { .in = STDIN_FILENO, .out = STDOUT_FILENO, .why = "?" };
	char addr[96];
	int rc = parse(&o, argc, argv);

	if (rc >= 0)
		return rc;
	log_setup("pcap-broker-helper", o.debug ? LOG_DEBUG : LOG_INFO, o.json);
	signal(SIGPIPE, SIG_IGN);
	int conn = passed_connection();
	if (conn == -EINVAL) {
		log_error("LISTEN_FDS must pass exactly one connection", "LISTEN_FDS=%s", getenv("LISTEN_FDS"));
		return EXIT_USAGE;
	}
	if (conn >= 0) { /* one fd both ways: a second one to watch its input */
		r.out = conn;
		r.in = fcntl(conn, F_DUPFD_CLOEXEC, 3);
		if (r.in < 0)
			r.in = conn;
	}
	r.hub = connect_hub(o.socket);
	if (r.hub < 0) {
		log_error("cannot connect to the hub: is pcap-broker running with this -socket?",
			  "path=%s error=\"%s\"", o.socket, strerror(-r.hub));
		return r.hub == -ENAMETOOLONG ? EXIT_USAGE : EXIT_NOINPUT;
	}
	prepare_client(&r, addr, sizeof(addr));
	log_debug("relaying", "client=%s hub=%s", addr, o.socket);
	uint64_t start = now_ms();
	if ((rc = relay_run(&r)) < 0) {
		log_error("relay failed", "client=%s error=\"%s\"", addr, strerror(-rc));
		return EXIT_OSERR;
	}
	log_info("relay ended", "client=%s bytes=%llu seconds=%llu reason=\"%s\"", addr,
		 (unsigned long long)r.bytes, (unsigned long long)(now_ms() - start) / 1000, r.why);
	/* End our side cleanly: reading first, so no reset destroys the tail. */
	if (is_socket(r.out))
		shutdown(r.out, SHUT_WR);
	return 0;
}
