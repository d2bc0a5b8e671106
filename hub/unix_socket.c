/* The hub's Unix socket: made in a private directory, opened to its mode and
 * group there, and only then linked into place (socket_dir.c), so no other
 * user can connect before, or redirect a chown or chmod to another file. */
#include "unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "socket_dir.h"
#include "util.h"

/* The files we created (-socket, each view's socket= and a -metrics path),
 * to remove at exit unless someone replaced them; named relative to their
 * directory, which stays open. */
#define OWNED_MAX (2 + MAX_VIEWS)
static struct owned {
	char base[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int dir;
	dev_t dev;
	ino_t ino;
} owned[OWNED_MAX];
static int nowned;
static pid_t owner;

static void remove_owned(void)
{
	struct stat st;

	if (getpid() != owner)
		return;
	for (int i = 0; i < nowned; i++) {
		const struct owned *o = &owned[i];
		if (fstatat(o->dir, o->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == o->dev && st.st_ino == o->ino)
			unlinkat(o->dir, o->base, 0);
	}
}

static void own(const struct socket_dir *d)
{
	struct stat st;

	if (nowned == OWNED_MAX || fstatat(d->fd, d->base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		close(d->fd);
		return;
	}
	struct owned *o = &owned[nowned++];
	snprintf(o->base, sizeof(o->base), "%s", d->base);
	o->dir = d->fd;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	owner = getpid();
	if (nowned == 1)
		atexit(remove_owned);
}

/* 0: no file; 1: a stale socket nobody serves; -EADDRINUSE: served. */
static int probe(const struct socket_dir *d, const struct sockaddr_un *sa)
{
	struct stat st;

	if (fstatat(d->fd, d->base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK; /* never remove what is not a socket */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN) /* EAGAIN: served, backlog full */
		return -EADDRINUSE;
	if (err == ECONNREFUSED)
		return 1;
	return err == ENOENT ? 0 : -err;
}

static int lookup_group(const char *name, gid_t *gid)
{
	uint64_t v;
	struct group *g;

	*gid = (gid_t)-1;
	if (!name)
		return 0;
	if (parse_uint(name, 0, (gid_t)-2, &v) == 0) {
		*gid = (gid_t)v;
		return 0;
	}
	if (!(g = getgrnam(name)))
		return -ESRCH;
	*gid = g->gr_gid;
	return 0;
}

/* Replaces a stale socket file; refuses a served one or a non-socket. */
static int clear_the_way(const struct socket_dir *d, const struct sockaddr_un *sa)
{
	int rc = probe(d, sa);

	if (rc == 1) {
		log_info("replacing a stale socket file", "path=%s", sa->sun_path);
		if (unlinkat(d->fd, d->base, 0) < 0 && errno != ENOENT)
			return -errno;
	}
	return rc < 0 ? rc : 0;
}

static int bind_in_dir(const struct socket_dir *d, const struct sockaddr_un *sa, mode_t mode,
		       const char *group)
{
	gid_t gid;
	int rc;

	if ((rc = lookup_group(group, &gid)) < 0 || (rc = clear_the_way(d, sa)) < 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((rc = socket_dir_publish(d, fd, mode, gid)) < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int unix_socket_bind(const char *path, mode_t mode, const char *group, struct listener *l)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct socket_dir d;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if ((rc = socket_dir_open(&d, path)) < 0)
		return rc;
	int fd = bind_in_dir(&d, &sa, mode, group);
	if (fd < 0) {
		close(d.fd);
		return fd;
	}
	own(&d);
	*l = (struct listener){ .w.fd = fd, .is_unix = 1 };
	snprintf(l->name, sizeof(l->name), "unix:%s", path);
	return 0;
}

void unix_peer_name(int fd, char *buf, size_t len)
{
	struct ucred cr;
	socklen_t sl = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &sl) == 0)
		snprintf(buf, len, "unix:pid=%d,uid=%u", (int)cr.pid, (unsigned)cr.uid);
}

void hub_bind_unix_socket(struct hub *h, const char *path)
{
	int rc;

	if (h->nlisteners == MAX_LISTENERS) {
		fprintf(stderr, "pcap-broker: too many listeners\n");
		exit(EXIT_USAGE);
	}
	rc = unix_socket_bind(path, h->opt.socket_mode, h->opt.socket_group,
			      &h->listeners[h->nlisteners]);
	if (rc == -ESRCH || rc == -ENAMETOOLONG) {
		fprintf(stderr, "pcap-broker: %s '%s' (try -help)\n",
			rc == -ESRCH ? "unknown -socket-group" : "-socket path too long",
			rc == -ESRCH ? h->opt.socket_group : path);
		exit(EXIT_USAGE);
	}
	if (rc == -EADDRINUSE) {
		log_error("another process already serves the socket: refusing to replace it", "path=%s", path);
		exit(EXIT_UNAVAIL);
	}
	if (rc == SOCKET_DIR_SHARED) {
		log_error("refusing a -socket directory that other users may write to (owned by another "
			  "user, or group or world writable without the sticky bit): they could swap the "
			  "socket file for a link (see docs/security.md)", "path=%s", path);
		exit(EXIT_UNAVAIL);
	}
	if (rc == -ENOTSOCK) {
		log_error("the -socket path exists and is not a socket: not replacing it", "path=%s", path);
		exit(EXIT_UNAVAIL);
	}
	if (rc < 0) {
		log_error("cannot create the socket", "path=%s error=\"%s\"", path, strerror(-rc));
		exit(EXIT_UNAVAIL);
	}
	h->nlisteners++;
}
