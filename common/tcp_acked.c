#include "tcp_acked.h"

#include <linux/sockios.h>
#include <linux/tcp.h> /* glibc's struct tcp_info lacks tcpi_snd_wnd */
#include <netinet/in.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define STATE_CLOSE 7 /* TCP_CLOSE: reset by the peer, not merely a FIN */

static int info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0 &&
	       len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(ti->tcpi_snd_wnd);
}

void tcp_note_window(int fd, uint32_t *max_wnd)
{
	struct tcp_info ti;

	if (info(fd, &ti) && ti.tcpi_snd_wnd > *max_wnd)
		*max_wnd = ti.tcpi_snd_wnd;
}

uint64_t tcp_acked(int fd, uint64_t sent, uint32_t max_wnd, int *reset, uint32_t *unread)
{
	struct tcp_info ti;
	int unacked = 0;
	uint64_t back;

	*reset = 0;
	*unread = 0;
	if (ioctl(fd, SIOCOUTQ, &unacked) < 0 || unacked < 0)
		unacked = 0;
	back = (uint64_t)unacked;
	/* Reset by the peer (CLOSE, not CLOSE_WAIT): it left data unread. */
	if (info(fd, &ti) && ti.tcpi_state == STATE_CLOSE) {
		*reset = 1;
		/* Its kernel held at most one window unread: the largest it
		 * offered, plus one unit of its scale (windows are rounded). */
		*unread = (max_wnd > ti.tcpi_snd_wnd ? max_wnd : ti.tcpi_snd_wnd) +
			  (1u << ti.tcpi_snd_wscale);
		back += *unread;
	}
	return sent > back ? sent - back : 0;
}
