#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "output.h"
#include "upstream.h"
#define pcap_file_header libpcap_file_header /* ours is in view.h */
#include <pcap/pcap.h>
#undef pcap_file_header
#include "util.h"
#include "version.h"
#include "view_options.h"

#ifndef VERSION
#define VERSION "0.0.0-unknown"
#endif

#define DEFAULT_LISTEN "localhost:4242"
#define DEFAULT_BUFFER (64ull << 20)
#define DEFAULT_DRAIN_MS 3000
#define DEFAULT_MAX_CLIENTS 1024
#define DEFAULT_STALL "5m"
#define DEFAULT_STALL_MS (5 * 60 * 1000)
#define DEFAULT_SOCKET_MODE 0660
#define DEFAULT_KERNEL_BUFFER (32ull << 20)

static const char usage[] =
	"Usage: pcap-broker [flags]\n"
	"Runs a capture command once and serves its pcap stream to any number of\n"
	"PCAP-over-IP clients (tshark -i TCP@host:port, nc host port | tcpdump -r -).\n"
	"\n"
	"Flags (one or two dashes; every flag also as -flag=value):\n"
	"  -cmd STRING      capture command, run with /bin/sh -c; its stdout must be pcap\n"
	"                   or pcapng [PCAP_COMMAND]. Without it, and with stdin not a terminal,\n"
	"                   the stream is read from stdin.\n"
	"  -i IFACE         capture IFACE natively with libpcap (full snaplen) instead of\n"
	"                   running a command [PCAP_BROKER_INTERFACE]; several (repeat\n"
	"                   -i or comma-separate, same link type) merge into one stream\n"
	"                   in timestamp order\n"
	"  -f FILTER        BPF filter for -i [PCAP_BROKER_FILTER]\n"
	"  -y TYPE          data link type for -i, as tcpdump -y: a name such as\n"
	"                   LINUX_SLL2, LINUX_SLL or EN10MB, or a number; also -linktype\n"
	"                   [PCAP_BROKER_LINKTYPE] (default: the interface's; for -i any\n"
	"                   LINUX_SLL2, as tcpdump 4.99 writes)\n"
	"  -B SIZE          kernel buffer of -i, as tcpdump -B (but a size, e.g. 64M);\n"
	"                   also -buffer-kernel [PCAP_BROKER_KERNEL_BUFFER] (default 32M,\n"
	"                   1M to 1G); the size obtained is logged\n"
	"  -immediate       -i in immediate mode: each packet handed over at once\n"
	"                   (lowest latency, fewer packets/s) [PCAP_BROKER_IMMEDIATE]\n"
	"                   (default off: packets come in blocks of at most 1 ms)\n"
	"  -listen ADDR     TCP address host:port, [v6]:port or :port (port 1 to 65535,\n"
	"                   or 0: the kernel picks one); may repeat or be\n"
	"                   comma-separated; 'none' disables TCP [LISTEN_ADDRESS]\n"
	"                   (default " DEFAULT_LISTEN ")\n"
	"  -socket PATH     also publish the stream on this Unix socket [PCAP_BROKER_SOCKET];\n"
	"                   a stale file is replaced, a path a live hub serves refused\n"
	"  -socket-mode OCTAL  its permissions [PCAP_BROKER_SOCKET_MODE] (default 0660)\n"
	"  -socket-group NAME  its group, name or number [PCAP_BROKER_SOCKET_GROUP]\n"
	"  -metrics ADDR    serve Prometheus metrics and health checks over HTTP on ADDR:\n"
	"                   host:port (e.g. localhost:4241), [v6]:port, :port, or a Unix\n"
	"                   socket path (anything with a '/') [PCAP_BROKER_METRICS]\n"
	"                   (default off). GET /metrics, /clients (peer addresses!),\n"
	"                   /livez, /readyz; -allow applies to it too\n"
	"  -buffer SIZE     how far a client may fall behind before it loses whole\n"
	"                   records, e.g. 64M [PCAP_BROKER_BUFFER] (default 64M, min 4M)\n"
	"  -buffer-file PATH  keep the buffer in this file (mmap) instead of memory:\n"
	"                   a big -buffer then costs page cache, not RAM; the file is\n"
	"                   created 0600 and preallocated at start-up\n"
	"                   [PCAP_BROKER_BUFFER_FILE]\n"
	"  -restart         restart the capture command (or -i) when it ends or fails,\n"
	"                   after 1s doubling to 30s; clients stay connected and see a\n"
	"                   gap [PCAP_BROKER_RESTART] (default: exit with the capture)\n"
	"  -upstream HOST:PORT  read another broker's PCAP-over-IP stream as the\n"
	"                   capture, reconnecting as -restart does [PCAP_BROKER_UPSTREAM]\n"
	"  -drain DURATION  after the capture ends, how long to keep sending what was\n"
	"                   read to clients still behind (the others end at once),\n"
	"                   e.g. 3s [PCAP_BROKER_DRAIN] (default 3s)\n"
	"  -max-clients N   refuse connections past N clients [PCAP_BROKER_MAX_CLIENTS]\n"
	"                   (default 1024)\n"
	"  -allow CIDR,...  only these TCP peers may connect, e.g. 10.0.0.0/8,::1\n"
	"                   [PCAP_BROKER_ALLOW] (default: any peer that reaches -listen)\n"
	"  -stall-timeout DURATION  disconnect a client that has taken no data for this\n"
	"                   long while data was waiting for it; 0 never\n"
	"                   [PCAP_BROKER_STALL_TIMEOUT] (default " DEFAULT_STALL ")\n"
	"  -stats-interval DURATION  log capture totals this often, e.g. 1m, and a\n"
	"                   client that keeps losing records at most this often\n"
	"                   [PCAP_BROKER_STATS_INTERVAL] (default off, and 10s for\n"
	"                   drop lines; SIGUSR1 logs every client and the totals)\n"
	"  -snaplen N       cut every record to N bytes (original length kept) and\n"
	"                   announce N in the header, e.g. 65535 for Arkime and Zeek\n"
	"                   [PCAP_BROKER_SNAPLEN] (default: the capture's)\n"
	"  -precision P     micro or nano: output timestamp precision\n"
	"                   [PCAP_BROKER_PRECISION] (default: the capture's)\n"
	"  -view 'NAME: key=value; ...'  a view: the stream as one kind of consumer\n"
	"                   needs it, for the clients of its own listeners, sockets and\n"
	"                   helpers; may repeat [PCAP_BROKER_VIEW_<NAME>='key=value; ...'].\n"
	"                   Keys: filter=BPF, snaplen=N, precision=micro|nano,\n"
	"                   linktype=ether, listen=ADDR[,ADDR], socket=PATH,\n"
	"                   rewind=DURATION (new clients start that far back),\n"
	"                   resume=DURATION (a consumer back from the same IP within\n"
	"                   it continues where it stopped), lossless (pause the\n"
	"                   capture rather than skip its clients ahead).\n"
	"                   -view 'tulip: linktype=ether; listen=:4243'\n"
	"                   -view 'arkime: snaplen=65535; precision=micro; listen=:4244'\n"
	"                   -view 'dns: filter=udp port 53; socket=/run/pcap-broker/dns.sock'\n"
	"                   -view 'arkime: resume=10m; lossless; listen=:4244'\n"
	"                   (docs/rewind-resume.md)\n"
	"                   Clients of no view get the stream unchanged (docs/views.md)\n"
	"                   group=5tuple|2tuple: the view's clients share its stream,\n"
	"                   each whole flows only (docs/groups.md):\n"
	"                   -view 'zeek: group=5tuple; listen=:4245'\n"
	"  -n               no reverse DNS lookups of clients\n"
	"  -debug           debug logging\n"
	"  -json            log JSON lines instead of text\n"
	"  -version         print the version and exit\n"
	"  -help            print this help and exit\n"
	"\n"
	"Exit status: 0 capture ended normally or stopped by SIGTERM/SIGINT (a failure\n"
	"  recorded before the stop keeps its status);\n"
	"  the capture command's own status when it fails (128+N if killed by signal N);\n"
	"  64 bad usage or a bad view (a filter that does not compile, a link type\n"
	"  that cannot become Ethernet, when known before the capture starts); 65 the stream is not valid pcap or pcapng (empty, truncated,\n"
	"  bad magic, bad record or block, not one link type); 69 cannot listen, or a\n"
	"  live hub already serves the -socket path, or other users may write to its\n"
	"  directory; 71 system error at start-up;\n"
	"  73 the -buffer-file cannot be created, preallocated (disk full) or mapped;\n"
	"  74 the native capture (-i) failed.\n"
	"\n"
	"With sockets passed by systemd (LISTEN_FDS), the hub serves those and binds\n"
	"no -listen address or -socket path of its own. A passed socket named\n"
	"'metrics' (FileDescriptorName=metrics) serves the metrics instead of -metrics\n"
	"and does not count as a stream socket.\n";

enum opt_id {
	OPT_CMD = 256, OPT_IFACE, OPT_FILTER, OPT_LISTEN, OPT_SOCKET, OPT_BUFFER, OPT_DRAIN,
	OPT_STATS, OPT_SOCKET_MODE, OPT_SOCKET_GROUP, OPT_MAX_CLIENTS, OPT_ALLOW, OPT_STALL,
	OPT_SNAPLEN, OPT_PRECISION, OPT_LINKTYPE, OPT_KBUFFER, OPT_IMMEDIATE, OPT_VIEW,
	OPT_BUFFER_FILE, OPT_RESTART, OPT_UPSTREAM, OPT_METRICS,
	OPT_N, OPT_DEBUG, OPT_JSON, OPT_VERSION, OPT_HELP,
};

static const struct option longopts[] = {
	{ "cmd", required_argument, NULL, OPT_CMD },
	{ "i", required_argument, NULL, OPT_IFACE },
	{ "f", required_argument, NULL, OPT_FILTER },
	{ "y", required_argument, NULL, OPT_LINKTYPE },
	{ "linktype", required_argument, NULL, OPT_LINKTYPE },
	{ "B", required_argument, NULL, OPT_KBUFFER },
	{ "buffer-kernel", required_argument, NULL, OPT_KBUFFER },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
	{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
	{ "buffer", required_argument, NULL, OPT_BUFFER },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "buffer-file", required_argument, NULL, OPT_BUFFER_FILE },
	{ "upstream", required_argument, NULL, OPT_UPSTREAM },
	{ "restart", optional_argument, NULL, OPT_RESTART },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "stall-timeout", required_argument, NULL, OPT_STALL },
	{ "stats-interval", required_argument, NULL, OPT_STATS },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "precision", required_argument, NULL, OPT_PRECISION },
	{ "view", required_argument, NULL, OPT_VIEW },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	/* Booleans take an optional "=true/false", as Go's flag package does. */
	{ "n", optional_argument, NULL, OPT_N },
	{ "debug", optional_argument, NULL, OPT_DEBUG },
	{ "json", optional_argument, NULL, OPT_JSON },
	{ "immediate", optional_argument, NULL, OPT_IMMEDIATE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "h", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *flag, const char *value)
{
	fprintf(stderr, "pcap-broker: invalid value '%s' for %s (try -help)\n", value, flag);
	return EXIT_USAGE;
}

static int parse_bool_flag(const char *flag, const char *v, int *out)
{
	return parse_bool(v, out) < 0 ? bad(flag, v) : -1;
}

/* Splits a comma-separated list into o->listen (the string is kept). */
static int add_listen(struct options *o, char *spec)
{
	char host[256];
	uint16_t port;

	for (char *save, *a = strtok_r(spec, ", ", &save); a; a = strtok_r(NULL, ", ", &save)) {
		if (o->nlisten == MAX_LISTEN) {
			fprintf(stderr, "pcap-broker: at most %d listen addresses\n", MAX_LISTEN);
			return EXIT_USAGE;
		}
		if (strcmp(a, "none") && sockaddr_parse(a, host, sizeof(host), &port, LISTENER_ADDR_FLAGS) < 0) {
			fprintf(stderr, "pcap-broker: invalid listen address '%s' (want %s)\n", a,
				sockaddr_expected(LISTENER_ADDR_FLAGS));
			return EXIT_USAGE;
		}
		o->listen[o->nlisten++] = a;
	}
	return -1;
}

/* -i a,b or -i a -i b: a list of interfaces (the string is kept). */
static int add_ifaces(struct options *o, char *spec)
{
	for (char *save, *a = strtok_r(spec, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		if (o->nifaces == MAX_IFACES) {
			fprintf(stderr, "pcap-broker: at most %d interfaces\n", MAX_IFACES);
			return EXIT_USAGE;
		}
		o->ifaces[o->nifaces++] = a;
	}
	if (!o->nifaces)
		return bad("-i", spec);
	o->interface = o->ifaces[0];
	return -1;
}

static int set_buffer(struct options *o, const char *flag, const char *v)
{
	if (parse_size(v, &o->buffer) < 0 || o->buffer < (4ull << 20) || o->buffer > (1ull << 40))
		return bad(flag, v);
	return -1;
}

static int set_kernel_buffer(struct options *o, const char *flag, const char *v)
{
	if (parse_size(v, &o->kernel_buffer) < 0 || o->kernel_buffer < (1ull << 20) ||
	    o->kernel_buffer > (1ull << 30))
		return bad(flag, v);
	return -1;
}

static int set_duration(uint64_t *ms, const char *flag, const char *v)
{
	if (parse_duration_ms(v, ms) < 0)
		return bad(flag, v);
	return -1;
}

static int set_snaplen(struct options *o, const char *flag, const char *v)
{
	uint64_t n;

	if (parse_uint(v, 1, OUTPUT_SNAPLEN_MAX, &n) < 0)
		return bad(flag, v);
	o->snaplen = (uint32_t)n;
	return -1;
}

static int set_precision(struct options *o, const char *flag, const char *v)
{
	if (!strcmp(v, "micro"))
		o->precision = PRECISION_MICRO;
	else if (!strcmp(v, "nano"))
		o->precision = PRECISION_NANO;
	else
		return bad(flag, v);
	return -1;
}

/* -y: a data link type by name, as tcpdump -L lists them (any case, DLT_
 * prefix optional), or by number. Whether the interface offers it is known
 * only when it is opened. */
static int set_linktype(struct options *o, const char *flag, const char *v)
{
	uint64_t n;
	int dlt = pcap_datalink_name_to_val(strncasecmp(v, "DLT_", 4) ? v : v + 4);

	if (dlt < 0 && parse_uint(v, 0, 65535, &n) == 0)
		dlt = (int)n;
	if (dlt < 0)
		return bad(flag, v);
	o->linktype = dlt;
	return -1;
}

static int set_max_clients(struct options *o, const char *flag, const char *v)
{
	if (parse_uint(v, 1, 1u << 20, &o->max_clients) < 0)
		return bad(flag, v);
	return -1;
}

/* A flag replaces the variable's list; repeated flags add up. */
static int set_allow(struct options *o, const char *flag, const char *v, int *from_flags)
{
	if (from_flags && !*from_flags) {
		o->allow.n = 0;
		*from_flags = 1;
	}
	if (!*v) {
		fprintf(stderr, "pcap-broker: %s is empty: an empty allow-list is refused, never "
			"taken as 'any peer' (unset it to allow any peer)\n", flag);
		return EXIT_USAGE;
	}
	if (acl_parse(&o->allow, v) < 0)
		return bad(flag, v);
	return -1;
}

static int set_socket_mode(struct options *o, const char *flag, const char *v)
{
	char *end;
	unsigned long m = strtoul(v, &end, 8);

	if (!*v || *end || m > 0777)
		return bad(flag, v);
	o->socket_mode = (unsigned)m;
	return -1;
}

/* A variable set to "" counts as unset, as an EnvironmentFile or compose
 * file often leaves them. Not PCAP_BROKER_ALLOW: an access list must never
 * widen by accident, so "" there is an empty list, refused (from_env). */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int from_env(struct options *o)
{
	const char *v;
	int rc = -1;

	o->cmd = env("PCAP_COMMAND");
	o->socket_path = env("PCAP_BROKER_SOCKET");
	o->filter = env("PCAP_BROKER_FILTER");
	o->metrics = env("PCAP_BROKER_METRICS");
	if ((v = env("PCAP_BROKER_INTERFACE")))
		rc = add_ifaces(o, o->iface_env = strdup(v));
	if (rc < 0 && (v = env("LISTEN_ADDRESS")))
		rc = add_listen(o, o->listen_env = strdup(v));
	if (rc < 0 && (v = env("PCAP_BROKER_BUFFER")))
		rc = set_buffer(o, "PCAP_BROKER_BUFFER", v);
	o->buffer_file = env("PCAP_BROKER_BUFFER_FILE");
	o->upstream = env("PCAP_BROKER_UPSTREAM");
	if (rc < 0 && (v = env("PCAP_BROKER_RESTART")))
		rc = parse_bool_flag("PCAP_BROKER_RESTART", v, &o->restart);
	if (rc < 0 && (v = env("PCAP_BROKER_DRAIN")))
		rc = set_duration(&o->drain_ms, "PCAP_BROKER_DRAIN", v);
	if (rc < 0 && (v = env("PCAP_BROKER_STATS_INTERVAL")))
		rc = set_duration(&o->stats_interval_ms, "PCAP_BROKER_STATS_INTERVAL", v);
	if (rc < 0 && (v = env("PCAP_BROKER_MAX_CLIENTS")))
		rc = set_max_clients(o, "PCAP_BROKER_MAX_CLIENTS", v);
	if (rc < 0 && (v = getenv("PCAP_BROKER_ALLOW")))
		rc = set_allow(o, "PCAP_BROKER_ALLOW", v, NULL);
	if (rc < 0 && (v = env("PCAP_BROKER_STALL_TIMEOUT")))
		rc = set_duration(&o->stall_ms, "PCAP_BROKER_STALL_TIMEOUT", v);
	if (rc < 0 && (v = env("PCAP_BROKER_SOCKET_MODE")))
		rc = set_socket_mode(o, "PCAP_BROKER_SOCKET_MODE", v);
	if ((v = env("PCAP_BROKER_SOCKET_GROUP")))
		o->socket_group = v;
	if (rc < 0 && (v = env("PCAP_BROKER_SNAPLEN")))
		rc = set_snaplen(o, "PCAP_BROKER_SNAPLEN", v);
	if (rc < 0 && (v = env("PCAP_BROKER_PRECISION")))
		rc = set_precision(o, "PCAP_BROKER_PRECISION", v);
	if (rc < 0 && (v = env("PCAP_BROKER_LINKTYPE")))
		rc = set_linktype(o, "PCAP_BROKER_LINKTYPE", v);
	if (rc < 0 && (v = env("PCAP_BROKER_KERNEL_BUFFER")))
		rc = set_kernel_buffer(o, "PCAP_BROKER_KERNEL_BUFFER", v);
	if (rc < 0 && (v = env("PCAP_BROKER_IMMEDIATE")))
		rc = parse_bool_flag("PCAP_BROKER_IMMEDIATE", v, &o->immediate);
	if (rc < 0)
		rc = view_options_env(o);
	return rc;
}

static int apply(struct options *o, int id, char *arg, int *listen_from_flags,
		 int *allow_from_flags)
{
	switch (id) {
	case OPT_CMD:
		o->cmd = arg;
		return -1;
	case OPT_IFACE:
		if (o->nifaces && o->ifaces[0] == o->iface_env) /* the first -i replaces the env's */
			o->nifaces = 0;
		return add_ifaces(o, arg);
	case OPT_FILTER:
		o->filter = arg;
		return -1;
	case OPT_LISTEN:
		if (!*listen_from_flags) { /* the first -listen replaces the env's */
			o->nlisten = 0;
			*listen_from_flags = 1;
		}
		return add_listen(o, arg);
	case OPT_SOCKET:
		o->socket_path = arg;
		return -1;
	case OPT_METRICS:
		o->metrics = *arg ? arg : NULL;
		return -1;
	case OPT_SOCKET_MODE:
		return set_socket_mode(o, "-socket-mode", arg);
	case OPT_SOCKET_GROUP:
		o->socket_group = *arg ? arg : NULL;
		return -1;
	case OPT_BUFFER:
		return set_buffer(o, "-buffer", arg);
	case OPT_BUFFER_FILE:
		o->buffer_file = *arg ? arg : NULL;
		return -1;
	case OPT_UPSTREAM:
		o->upstream = arg;
		return -1;
	case OPT_RESTART:
		return parse_bool_flag("-restart", arg, &o->restart);
	case OPT_DRAIN:
		return set_duration(&o->drain_ms, "-drain", arg);
	case OPT_STATS:
		return set_duration(&o->stats_interval_ms, "-stats-interval", arg);
	case OPT_MAX_CLIENTS:
		return set_max_clients(o, "-max-clients", arg);
	case OPT_ALLOW:
		return set_allow(o, "-allow", arg, allow_from_flags);
	case OPT_STALL:
		return set_duration(&o->stall_ms, "-stall-timeout", arg);
	case OPT_SNAPLEN:
		return set_snaplen(o, "-snaplen", arg);
	case OPT_PRECISION:
		return set_precision(o, "-precision", arg);
	case OPT_LINKTYPE:
		return set_linktype(o, "-y", arg);
	case OPT_KBUFFER:
		return set_kernel_buffer(o, "-B", arg);
	case OPT_IMMEDIATE:
		return parse_bool_flag("-immediate", arg, &o->immediate);
	case OPT_VIEW:
		return view_options_flag(o, arg);
	case OPT_N:
		return parse_bool_flag("-n", arg, &o->no_dns);
	case OPT_DEBUG:
		return parse_bool_flag("-debug", arg, &o->debug);
	case OPT_JSON:
		return parse_bool_flag("-json", arg, &o->json);
	case OPT_VERSION:
		version_print("pcap-broker", pcap_lib_version());
		return 0;
	case OPT_HELP:
		fputs(usage, stdout);
		return 0;
	default:
		fputs("Try 'pcap-broker -help'.\n", stderr);
		return EXIT_USAGE;
	}
}

/* One capture input, and -restart only where it can start one again. */
static int check_inputs(const struct options *o)
{
	if (o->upstream && (o->cmd || o->interface)) {
		fputs("pcap-broker: give one of -upstream, -cmd or -i, not two\n", stderr);
		return EXIT_USAGE;
	}
	if (o->upstream && upstream_check(o->upstream) < 0)
		return EXIT_USAGE;
	if (o->restart && !o->cmd && !o->interface && !o->upstream) {
		fputs("pcap-broker: -restart needs -cmd or -i: a stream on stdin cannot be started again\n", stderr);
		return EXIT_USAGE;
	}
	if (!o->cmd && !o->interface && !o->upstream && isatty(STDIN_FILENO)) {
		fputs("pcap-broker: no capture: give -cmd (or PCAP_COMMAND) or pipe a pcap stream into stdin\n", stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int options_parse(struct options *o, int argc, char **argv)
{
	int id, rc, listen_from_flags = 0, allow_from_flags = 0;

	memset(o, 0, sizeof(*o));
	o->buffer = DEFAULT_BUFFER;
	o->drain_ms = DEFAULT_DRAIN_MS;
	o->max_clients = DEFAULT_MAX_CLIENTS;
	o->stall_ms = DEFAULT_STALL_MS;
	o->socket_mode = DEFAULT_SOCKET_MODE;
	o->linktype = -1;
	o->kernel_buffer = DEFAULT_KERNEL_BUFFER;
	strcpy(o->views[0].name, "default");
	o->nviews = 1;
	if ((rc = from_env(o)) >= 0)
		return rc;
	while ((id = getopt_long_only(argc, argv, "", longopts, NULL)) != -1)
		if ((rc = apply(o, id, optarg, &listen_from_flags, &allow_from_flags)) >= 0)
			return rc;
	if (optind < argc) {
		fprintf(stderr, "pcap-broker: unexpected argument '%s' (try -help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o->nlisten == 0)
		o->listen[o->nlisten++] = DEFAULT_LISTEN;
	if (o->nlisten == 1 && !strcmp(o->listen[0], "none"))
		o->nlisten = 0;
	if (o->filter && !o->interface) {
		fputs("pcap-broker: -f filters a native capture: give -i IFACE too\n", stderr);
		return EXIT_USAGE;
	}
	if (o->linktype >= 0 && !o->interface) {
		fputs("pcap-broker: -y sets the link type of a native capture: give -i IFACE too\n", stderr);
		return EXIT_USAGE;
	}
	if (o->interface && o->cmd) {
		fputs("pcap-broker: give either -i IFACE or -cmd, not both\n", stderr);
		return EXIT_USAGE;
	}
	return check_inputs(o);
}
