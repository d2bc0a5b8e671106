/* The Unix socket the hub publishes for helpers and socat (-socket PATH). */
#ifndef PCAP_BROKER_UNIX_SOCKET_H
#define PCAP_BROKER_UNIX_SOCKET_H

#include <sys/types.h>

#include "listener.h"

/* Creates and listens on path with this mode and group (NULL: keep ours).
 * A stale socket file (connect refused) is replaced; a path a live process
 * serves gives -EADDRINUSE, a path that is not a socket -ENOTSOCK, an unknown
 * group -ESRCH, a directory other users may write to SOCKET_DIR_SHARED
 * (socket_dir.h). No path is followed after the directory is opened. The
 * file is removed at exit if it is still ours. 0 or -errno. */
int unix_socket_bind(const char *path, mode_t mode, const char *group, struct listener *l);

/* "unix:pid=N,uid=N" for a connected peer (a helper), from SO_PEERCRED. */
void unix_peer_name(int fd, char *buf, size_t len);

struct hub;
/* Start-up: binds path (-socket, or a view's socket=) with -socket-mode and
 * -socket-group as a listener of h, or exits with a status. */
void hub_bind_unix_socket(struct hub *h, const char *path);

#endif
