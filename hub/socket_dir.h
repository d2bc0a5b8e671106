/* Publishing a Unix socket file without ever following a path that another
 * user could have swapped: the directory is opened once and every later step
 * names files relative to it; permissions are set in a private directory
 * and the finished socket is linked into place. */
#ifndef PCAP_BROKER_SOCKET_DIR_H
#define PCAP_BROKER_SOCKET_DIR_H

#include <errno.h>
#include <sys/types.h>

/* socket_dir_open's answer for a directory that users other than us and
 * root may write to without the sticky bit (or that another user owns):
 * they could replace the socket file with a link to any file. */
#define SOCKET_DIR_SHARED (-ENOTUNIQ)

struct socket_dir {
	int fd;           /* the directory, O_PATH */
	const char *base; /* the socket's name in it (points into the path) */
};

/* Opens the directory of path. 0, SOCKET_DIR_SHARED or -errno. */
int socket_dir_open(struct socket_dir *d, const char *path);

/* Binds fd, sets mode and group (gid (gid_t)-1: keep ours) and listens, all
 * in a private 0700 directory made next to d->base, then links the socket
 * into place: never over an existing file (-EADDRINUSE). 0 or -errno. */
int socket_dir_publish(const struct socket_dir *d, int fd, mode_t mode, gid_t gid);

#endif
