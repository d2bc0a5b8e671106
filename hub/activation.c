#include "activation.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

/* "unix:/run/x.sock", "unix:@abstract" or the TCP address. */
static int name_passed(int fd, struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	l->is_unix = ss.ss_family == AF_UNIX;
	if (!l->is_unix) {
		sockaddr_name(&ss, l->name, sizeof(l->name));
		return 0;
	}
	const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
	size_t n = sl > offsetof(struct sockaddr_un, sun_path) ? sl - offsetof(struct sockaddr_un, sun_path) : 0;
	if (n > 0 && un->sun_path[0] == '\0')
		snprintf(l->name, sizeof(l->name), "unix:@%.*s", (int)n - 1, un->sun_path + 1);
	else
		snprintf(l->name, sizeof(l->name), "unix:%.*s", (int)strnlen(un->sun_path, n), un->sun_path);
	return 0;
}

static int take(struct hub *h, int fd, const char *fdname)
{
	struct listener *l = &h->listeners[h->nlisteners];

	if (h->nlisteners == MAX_LISTENERS)
		return -EMFILE;
	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
		return -ENOTSOCK;
	*l = (struct listener){ .w.fd = fd };
	if (name_passed(fd, l) < 0 || fd_set_nonblock(fd) < 0)
		return -errno;
	/* FileDescriptorName=NAME serves view NAME; other names the default. */
	l->view = views_find(h, fdname);
	if (l->view == &h->views[0])
		l->view = NULL;
	log_info("serving a socket passed by systemd", "fd=%d name=%s addr=%s view=%s", fd, fdname, l->name,
		 l->view ? l->view->set.name : "default");
	h->nlisteners++;
	return 0;
}

int hub_passed_listeners(struct hub *h)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names), used = 0, metrics = 0;

	if (n < 0) {
		log_error("invalid LISTEN_FDS from systemd", "error=\"%s\"", strerror(-n));
		exit(EXIT_UNAVAIL);
	}
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *fdname = names && names[i] ? names[i] : "unknown";
		if (!strcmp(fdname, "metrics") && sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0 &&
		    metrics_adopt(fd) == 0) {
			metrics++; /* not a stream socket: -listen and -socket still apply without one */
			continue;
		}
		if (take(h, fd, fdname) == 0) {
			used++;
			continue;
		}
		log_warn("ignoring a passed fd that is not a listening stream socket", "fd=%d name=%s", fd, fdname);
		close(fd);
	}
	if (names)
		for (int i = 0; i < n; i++)
			free(names[i]);
	free(names);
	if (n > 0 && used == 0 && metrics == 0) {
		log_error("systemd passed no listening stream socket", "fds=%d", n);
		exit(EXIT_UNAVAIL);
	}
	if (used && (h->opt.socket_path || h->opt.nlisten))
		log_info("socket activation: the passed sockets replace -listen and -socket", NULL);
	return used;
}
