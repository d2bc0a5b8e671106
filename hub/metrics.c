/* The metrics endpoint's sockets and libmicrohttpd daemons, in the hub's
 * epoll loop. One daemon per listening socket (a host name may resolve to
 * two addresses), each in external-epoll mode: no thread, and MHD_run()
 * only ever does what is ready, so packet flow never waits on HTTP. */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "metrics_http.h"
#include "unix_socket.h"
#include "util.h"

#define HTTP_MAX_SOCKETS 4
/* Concurrent HTTP connections; past it, new ones wait in the backlog. */
#define HTTP_CONNECTION_LIMIT 32
/* An idle connection (no byte either way) is closed after this. */
#define HTTP_IDLE_TIMEOUT_S 30
/* A request's headers must be complete this long after the connection
 * opened: a slowloris trickling a byte at a time cannot hold a slot. */
#define HTTP_REQUEST_DEADLINE_MS 5000
/* Per connection: request headers plus the response headers. A longer
 * request line or header gets 414/431 and the connection closed. */
#define HTTP_MEMORY_LIMIT (16u << 10)

struct http_socket {
	struct watch w; /* the daemon's epoll fd, in the hub's loop */
	struct MHD_Daemon *d;
	int fd;         /* the listening socket, owned by the daemon once started */
	char name[96];
};

/* A connection's deadline for its request headers; 0 while it is served. */
struct http_conn {
	struct http_conn *prev, *next;
	int fd;
	uint64_t deadline;
};

static struct {
	struct http_socket s[HTTP_MAX_SOCKETS];
	int n;
	struct http_conn *conns;
	struct hub *h;
	double started;
} m;

int metrics_adopt(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (m.n == HTTP_MAX_SOCKETS)
		return -EMFILE;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 || fd_set_nonblock(fd) < 0)
		return -errno;
	m.s[m.n].fd = fd;
	if (ss.ss_family == AF_UNIX)
		snprintf(m.s[m.n].name, sizeof(m.s[m.n].name), "unix (passed fd %d)", fd);
	else
		sockaddr_name(&ss, m.s[m.n].name, sizeof(m.s[m.n].name));
	m.n++;
	return 0;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_conn *c = *ctx;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *i = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!i || !(c = calloc(1, sizeof(*c))))
			return; /* untracked: the idle timeout still applies */
		c->fd = i->connect_fd;
		c->deadline = now_ms() + HTTP_REQUEST_DEADLINE_MS;
		c->next = m.conns;
		if (c->next)
			c->next->prev = c;
		m.conns = c;
		*ctx = c;
		return;
	}
	if (!c)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		m.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	*ctx = NULL;
}

static struct http_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

/* A keep-alive connection's next request gets a new deadline. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_ctx,
			 enum MHD_RequestTerminationCode code)
{
	struct http_conn *c = conn_of(conn);

	(void)cls;
	(void)req_ctx;
	(void)code;
	if (c)
		c->deadline = now_ms() + HTTP_IDLE_TIMEOUT_S * 1000;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_ctx)
{
	struct http_conn *c = conn_of(conn);

	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_ctx;
	if (c)
		c->deadline = 0; /* its headers are in: answered right now */
	return metrics_answer(m.h, conn, url, method, m.started);
}

/* -allow applies here as it does to the stream's TCP listeners. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage ss = { 0 };

	(void)cls;
	if (sa->sa_family == AF_UNIX || len > sizeof(ss))
		return MHD_YES;
	memcpy(&ss, sa, len);
	return acl_allows(&m.h->opt.allow, &ss) ? MHD_YES : MHD_NO;
}

static void on_ready(struct hub *h, struct watch *w, uint32_t events)
{
	(void)h;
	(void)events;
	MHD_run(((struct http_socket *)w)->d);
}

static int start_daemon(struct http_socket *s)
{
	s->d = MHD_start_daemon(MHD_USE_EPOLL, 0, accept_policy, NULL, on_request, NULL,
				MHD_OPTION_LISTEN_SOCKET, s->fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				MHD_OPTION_END);
	if (!s->d)
		return -EIO;
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!i)
		return -EIO;
	s->w.fd = i->epoll_fd;
	s->w.fn = on_ready;
	return watch_add(m.h->epfd, &s->w, EPOLLIN);
}

static int bind_unix(struct hub *h, const char *path)
{
	struct listener l;
	int rc = unix_socket_bind(path, h->opt.socket_mode, h->opt.socket_group, &l);

	if (rc < 0)
		return rc;
	m.s[m.n].fd = l.w.fd;
	snprintf(m.s[m.n].name, sizeof(m.s[m.n].name), "%s", l.name);
	m.n++;
	return 0;
}

static int bind_tcp(const char *spec)
{
	struct listener l[HTTP_MAX_SOCKETS];
	int n = listener_bind_tcp(spec, l, HTTP_MAX_SOCKETS);

	for (int i = 0; i < n; i++) {
		m.s[m.n].fd = l[i].w.fd;
		snprintf(m.s[m.n].name, sizeof(m.s[m.n].name), "%s", l[i].name);
		m.n++;
	}
	return n < 0 ? n : 0;
}

static void bind_own(struct hub *h)
{
	const char *spec = h->opt.metrics;
	int rc = strchr(spec, '/') ? bind_unix(h, spec) : bind_tcp(spec);

	if (rc == -EINVAL || rc == -ENAMETOOLONG || rc == -ESRCH) {
		fprintf(stderr, "pcap-broker: invalid -metrics address '%s' (want host:port, [v6]:port, :port or a socket path)\n",
			spec);
		exit(EXIT_USAGE);
	}
	if (rc < 0) {
		log_error("cannot serve metrics", "addr=%s error=\"%s\"", spec, strerror(-rc));
		exit(EXIT_UNAVAIL);
	}
}

void metrics_setup(struct hub *h)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	m.started = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	m.h = h;
	if (m.n == 0 && h->opt.metrics)
		bind_own(h);
	else if (m.n && h->opt.metrics)
		log_info("socket activation: the passed metrics socket replaces -metrics", NULL);
	for (int i = 0; i < m.n; i++) {
		int rc = start_daemon(&m.s[i]);
		if (rc < 0) {
			log_error("cannot start the metrics server", "addr=%s error=\"%s\"", m.s[i].name,
				  strerror(-rc));
			exit(EXIT_OSERR);
		}
		log_info("serving metrics", "addr=%s", m.s[i].name);
	}
}

/* Past its deadline: shut down under the daemon's feet; it sees the end of
 * the connection at its next read and closes it the usual way. */
static void cut_late(uint64_t now)
{
	for (struct http_conn *c = m.conns; c; c = c->next) {
		if (!c->deadline || now < c->deadline)
			continue;
		log_debug("metrics: closing an HTTP connection past its request deadline", "fd=%d", c->fd);
		shutdown(c->fd, SHUT_RDWR);
		c->deadline = 0;
	}
}

void metrics_tick(struct hub *h)
{
	(void)h;
	cut_late(now_ms());
	for (int i = 0; i < m.n; i++)
		if (m.s[i].d)
			MHD_run(m.s[i].d);
}

void metrics_stop(void)
{
	for (int i = 0; i < m.n; i++) {
		if (!m.s[i].d)
			continue;
		watch_del(m.h->epfd, &m.s[i].w);
		MHD_stop_daemon(m.s[i].d); /* closes its connections and socket */
		m.s[i].d = NULL;
	}
}
