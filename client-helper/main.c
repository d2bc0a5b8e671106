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

#include "filter.h"
#include "hello.h"
#include "log.h"
#include "pcap_format.h"
#include "push.h"
#include "relay.h"
#include "sockaddr.h"
#include "util.h"
#include "libpcap_dl.h"
#include "version.h"

#define DEFAULT_SOCKET "/run/pcap-broker/hub.sock"

static const char usage[] =
	"Usage: pcap-broker-helper [flags] [FILTER...]\n"
	"Relays the pcap stream of a pcap-broker hub to one client. The client\n"
	"connection is stdin/stdout (inetd, systemd Accept=yes with StandardInput=socket,\n"
	"socat EXEC:), or fd 3 with LISTEN_FDS=1, or with -connect a collector that\n"
	"listens for the stream (push mode). What the client sends is discarded.\n"
	"\n"
	"Flags (one or two dashes):\n"
	"  -socket PATH  the hub's Unix socket [PCAP_BROKER_SOCKET]\n"
	"                (default " DEFAULT_SOCKET ")\n"
	"  -f FILTER     pass only the records this BPF expression (pcap-filter(7))\n"
	"                matches, compiled for the stream's link type and snaplen;\n"
	"                or give it as the last arguments, as for tcpdump\n"
	"  -snaplen N    cut records to N bytes (original length kept); the header\n"
	"                announces N where the stream's snaplen is larger\n"
	"  -view NAME    ask the hub for its view NAME (pcap-broker -view) instead of\n"
	"                the stream unchanged [PCAP_BROKER_VIEW]; -f and -snaplen\n"
	"                then apply to the view's stream\n"
	"  -weight N     in a view with group= (docs/groups.md): take N shares of\n"
	"                the flows where other members take 1 (1 to 1000)\n"
	"                [PCAP_BROKER_WEIGHT] (default 1)\n"
	"  -connect HOST:PORT  push mode: connect to a listening collector and send\n"
	"                it the stream ([v6]:port for IPv6 addresses; port 1 to 65535)\n"
	"  -debug        debug logging\n"
	"  -json         log JSON lines instead of text\n"
	"  -version      print the version and exit\n"
	"  -help         print this help and exit\n"
	"\n"
	"Exit status: 0 the hub ended the stream or the client went away;\n"
	"  64 bad usage, LISTEN_FDS=1 without a connection on fd 3, or a filter\n"
	"  that does not compile (nothing was sent);\n"
	"  65 the hub's stream is not valid pcap;\n"
	"  66 cannot connect to the hub socket (hub not running,\n"
	"  wrong path or no permission); 69 cannot connect to the -connect\n"
	"  collector, or libpcap (needed by -f) cannot be loaded;\n"
	"  71 system error.\n";

struct opts {
	const char *socket;
	const char *filter;  /* -f */
	const char *connect; /* -connect */
	const char *view;    /* -view */
	uint32_t weight;     /* -weight; 0: none asked */
	uint32_t snaplen;    /* -snaplen; 0: none */
	int debug, json;
};

/* The filter given as arguments, tcpdump style: the words joined by spaces. */
static char *joined_filter;

static char *join_args(int n, char **words)
{
	size_t len = 1;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	char *s = calloc(1, len);
	for (int i = 0; s && i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return joined_filter = s;
}

enum { OPT_SOCKET = 256, OPT_DEBUG, OPT_JSON, OPT_VERSION, OPT_HELP, OPT_FILTER, OPT_SNAPLEN,
       OPT_CONNECT, OPT_VIEW, OPT_WEIGHT };

/* -weight N / PCAP_BROKER_WEIGHT: 0, or -1 (said on stderr). */
static int weight_arg(struct opts *o, const char *s)
{
	uint64_t v;

	if (parse_uint(s, 1, 1000, &v) < 0) {
		fprintf(stderr, "pcap-broker-helper: -weight takes 1 to 1000, not '%s'\n", s);
		return -1;
	}
	o->weight = (uint32_t)v;
	return 0;
}

static int parse(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "debug", optional_argument, NULL, OPT_DEBUG },
		{ "json", optional_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "h", no_argument, NULL, OPT_HELP },
		{ "f", required_argument, NULL, OPT_FILTER },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "weight", required_argument, NULL, OPT_WEIGHT },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("PCAP_BROKER_SOCKET"), *view = getenv("PCAP_BROKER_VIEW");
	const char *weight = getenv("PCAP_BROKER_WEIGHT");
	uint64_t v;
	int id;

	o->socket = env && *env ? env : DEFAULT_SOCKET;
	o->view = view && *view ? view : NULL;
	if (weight && *weight && weight_arg(o, weight) < 0)
		return EXIT_USAGE;
	while ((id = getopt_long_only(argc, argv, "", longopts, NULL)) != -1) {
		if (id == OPT_SOCKET) {
			o->socket = optarg;
		} else if (id == OPT_VIEW) {
			o->view = *optarg ? optarg : NULL;
		} else if (id == OPT_WEIGHT) {
			if (weight_arg(o, optarg) < 0)
				return EXIT_USAGE;
		} else if (id == OPT_FILTER || id == OPT_CONNECT) {
			*(id == OPT_FILTER ? &o->filter : &o->connect) = optarg;
		} else if (id == OPT_SNAPLEN && parse_uint(optarg, 1, PCAP_MAX_CAPLEN, &v) == 0) {
			o->snaplen = (uint32_t)v;
		} else if ((id == OPT_DEBUG && parse_bool(optarg, &o->debug) == 0) ||
			   (id == OPT_JSON && parse_bool(optarg, &o->json) == 0)) {
			continue;
		} else if (id == OPT_HELP) {
			fputs(usage, stdout);
			return 0;
		} else if (id == OPT_VERSION) {
			version_print("pcap-broker-helper", libpcap_version());
			return 0;
		} else {
			if (id == OPT_SNAPLEN)
				fprintf(stderr, "pcap-broker-helper: -snaplen takes 1 to %u, not '%s'\n",
					PCAP_MAX_CAPLEN, optarg);
			fputs("Try 'pcap-broker-helper -help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (o->weight && !o->view) {
		fputs("pcap-broker-helper: -weight needs -view (a view with group=)\n", stderr);
		return EXIT_USAGE;
	}
	if (o->view && !hello_name_ok(o->view)) {
		fprintf(stderr, "pcap-broker-helper: invalid view name '%s' ([A-Za-z0-9_], 1 to 31)\n", o->view);
		return EXIT_USAGE;
	}
	if (o->connect && push_check(o->connect) < 0)
		return EXIT_USAGE;
	if (optind < argc && o->filter) {
		fprintf(stderr, "pcap-broker-helper: unexpected argument '%s' after -f (try -help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (optind < argc && !(o->filter = join_args(argc - optind, argv + optind)))
		return EXIT_OSERR;
	return -1;
}

/* fd 3 is a connection: a socket with a peer (not a listener, not a file). */
static int connected_socket(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	return getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 ? -errno : 0;
}

/* systemd's LISTEN_FDS=1, honoured as sd_listen_fds(3) does: only with
 * LISTEN_PID ours, so variables leaked from a parent are ignored. Then fd 3
 * must be the connection; this runs before the helper opens any fd, so fd 3
 * cannot be one of ours. 3, -1 (none passed), -EINVAL (a count other than 1)
 * or -errno (fd 3 is not a connected socket). */
static int passed_connection(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	uint64_t v;
	int rc = -1;

	if (fds && pid && parse_uint(pid, 1, INT32_MAX, &v) == 0 && (pid_t)v == getpid()) {
		rc = parse_uint(fds, 1, 1, &v) < 0 ? -EINVAL : connected_socket(3);
		if (rc == 0)
			rc = 3;
	}
	if (rc == -EINVAL)
		log_error("LISTEN_FDS must pass exactly one connection", "LISTEN_FDS=%s", fds);
	else if (rc < -1)
		log_error("LISTEN_FDS=1 but fd 3 is not a connected socket", "error=\"%s\"",
			  strerror(-rc));
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}

/* view: asked for by the address bound before connect (hello.h). */
static int connect_hub(const char *path, const char *view, uint32_t weight, const char *peer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (view && (rc = hello_bind(fd, view, weight, peer)) < 0) {
		close(fd);
		return rc;
	}
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

/* The client: a collector we connect to (-connect), the connection systemd
 * passed (conn, from passed_connection), or stdin/stdout. 0, or the exit
 * status. */
static int open_client(const struct opts *o, int conn, struct relay *r)
{
	if (o->connect && (conn = push_connect(o->connect)) < 0) {
		log_error("cannot connect to the collector", "collector=%s error=\"%s\"", o->connect,
			  conn == -EINVAL ? "not HOST:PORT" : strerror(-conn));
		return conn == -EINVAL ? EXIT_USAGE : EXIT_UNAVAIL;
	}
	if (conn >= 0) { /* one fd both ways: a second one to watch its input */
		r->out = conn;
		r->in = fcntl(conn, F_DUPFD_CLOEXEC, 3);
		if (r->in < 0)
			r->in = conn;
	}
	return 0;
}

/* How the relay went, as the exit status; logs it. */
static int report(const struct relay *r, const char *addr, uint64_t start)
{
	uint64_t passed, rejected;

	if (r->filter && filter_status(r->filter)) {
		log_error(filter_error(r->filter), "client=%s bytes=%llu", addr,
			  (unsigned long long)r->bytes);
		return filter_status(r->filter);
	}
	log_info("relay ended", "client=%s bytes=%llu seconds=%llu reason=\"%s\"", addr,
		 (unsigned long long)r->bytes, (unsigned long long)(now_ms() - start) / 1000, r->why);
	if (r->filter) {
		filter_counts(r->filter, &passed, &rejected);
		log_info("filter totals", "client=%s passed=%llu rejected=%llu", addr,
			 (unsigned long long)passed, (unsigned long long)rejected);
	}
	return 0;
}

/* Connects both sides and relays. The exit status. */
static int serve(const struct opts *o, struct relay *r)
{
	char addr[96], peer[80] = "-";
	int rc, conn = o->connect ? -1 : passed_connection();

	if (conn < -1)
		return EXIT_USAGE;
	if (o->view) /* the TCP client's address, for the hub's log (and later resume) */
		hello_peer(o->connect ? -1 : conn >= 0 ? conn : STDOUT_FILENO, peer, sizeof(peer));
	if (o->view && o->connect)
		snprintf(peer, sizeof(peer), "%s", o->connect);
	r->hub = connect_hub(o->socket, o->view, o->weight, peer);
	if (r->hub < 0) {
		log_error("cannot connect to the hub: is pcap-broker running with this -socket?",
			  "path=%s error=\"%s\"", o->socket, strerror(-r->hub));
		return r->hub == -ENAMETOOLONG ? EXIT_USAGE : EXIT_NOINPUT;
	}
	if ((rc = open_client(o, conn, r)) != 0)
		return rc;
	if ((o->filter || o->snaplen) && !(r->filter = filter_new(o->filter, o->snaplen))) {
		log_error("out of memory", "client=%s", "-");
		return EXIT_OSERR;
	}
	prepare_client(r, addr, sizeof(addr));
	log_debug("relaying", "client=%s hub=%s", addr, o->socket);
	uint64_t start = now_ms();
	if ((rc = relay_run(r)) < 0) {
		log_error("relay failed", "client=%s error=\"%s\"", addr, strerror(-rc));
		return EXIT_OSERR;
	}
	rc = report(r, addr, start);
	/* End our side cleanly: reading first, so no reset destroys the tail. */
	if (is_socket(r->out))
		shutdown(r->out, SHUT_WR);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct relay r = { .in = STDIN_FILENO, .out = STDOUT_FILENO, .why = "?" };
	int rc = parse(&o, argc, argv);

	if (rc < 0) {
		log_setup("pcap-broker-helper", o.debug ? LOG_DEBUG : LOG_INFO, o.json);
		signal(SIGPIPE, SIG_IGN);
		rc = serve(&o, &r);
	}
	filter_free(r.filter);
	free(joined_filter);
	return rc;
}
