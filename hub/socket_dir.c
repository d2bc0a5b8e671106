/* Where the hub's Unix socket is made: see socket_dir.h. Running as root in
 * a directory another user can write, a chown or chmod by path could be sent
 * through a symlink swapped in after bind() to any file; here nothing is
 * done by a path anyone else can reach. */
#include "socket_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

#define STAGED "s" /* the socket's name in the private directory */

/* Another user may replace entries: they own it, or it is group or world
 * writable without the sticky bit (which limits renames to their owners). */
static int shared(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return 1;
	return (st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX);
}

int socket_dir_open(struct socket_dir *d, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;

	d->base = slash ? slash + 1 : path;
	if (!*d->base)
		return -EISDIR;
	if (!slash)
		strcpy(dir, ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	d->fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	int rc = fstat(d->fd, &st) < 0 ? -errno : shared(&st) ? SOCKET_DIR_SHARED : 0;
	if (rc == 0)
		return 0;
	close(d->fd);
	d->fd = -1;
	return rc;
}

/* A new 0700 directory in d, its name random: only we (and root) can
 * enter it, so what is in it stays what we put there. Its fd, or -errno. */
static int make_private(const struct socket_dir *d, char *name, size_t len)
{
	for (int tries = 0; tries < 100; tries++) {
		unsigned r;
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (unsigned)(now_ms() * 2654435761u) ^ (unsigned)getpid() ^ (unsigned)tries;
		snprintf(name, len, ".pcap-broker.%08x", r);
		if (mkdirat(d->fd, name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return -errno;
		}
		int fd = openat(d->fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int rc = -errno;
			unlinkat(d->fd, name, AT_REMOVEDIR);
			return rc;
		}
		return fd;
	}
	return -EEXIST;
}

/* bind() takes a path, not a directory fd: bind relative to dir as the
 * working directory, then return to ours. Owner-only until finish(). */
static int bind_in(int fd, int dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = STAGED };
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), rc;

	if (cwd < 0)
		return -errno;
	mode_t old = umask(0177);
	rc = fchdir(dir) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (fchdir(cwd) < 0 && rc == 0)
		rc = -errno;
	close(cwd);
	return rc;
}

/* Permissions first, listen next, and only then visible at its path. */
static int finish(const struct socket_dir *d, int fd, int dir, mode_t mode, gid_t gid)
{
	if (gid != (gid_t)-1 && fchownat(dir, STAGED, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (fchmodat(dir, STAGED, mode, 0) < 0 || listen(fd, SOMAXCONN) < 0)
		return -errno;
	if (linkat(dir, STAGED, d->fd, d->base, 0) < 0)
		return errno == EEXIST ? -EADDRINUSE : -errno;
	return 0;
}

int socket_dir_publish(const struct socket_dir *d, int fd, mode_t mode, gid_t gid)
{
	char name[32];
	int dir = make_private(d, name, sizeof(name));

	if (dir < 0)
		return dir;
	int rc = bind_in(fd, dir);
	if (rc == 0)
		rc = finish(d, fd, dir, mode, gid);
	unlinkat(dir, STAGED, 0);
	unlinkat(d->fd, name, AT_REMOVEDIR);
	close(dir);
	return rc;
}
