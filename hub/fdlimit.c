#include "fdlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static struct rlimit original;
static int saved;
static int reserve_fd = -1;

static void take_reserve(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

uint64_t fdlimit_raise(uint64_t max_clients)
{
	struct rlimit rl;

	take_reserve();
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	original = rl;
	saved = 1;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { rl.rlim_max, rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	log_debug("open file limit", "soft=%llu hard=%llu was=%llu",
		  (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
		  (unsigned long long)original.rlim_cur);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max_clients + FD_OVERHEAD)
		log_warn("open file limit too low for -max-clients; raise LimitNOFILE= or ulimit -n",
			 "max_clients=%llu fd_limit=%llu clients_possible=%llu",
			 (unsigned long long)max_clients, (unsigned long long)rl.rlim_cur,
			 (unsigned long long)(rl.rlim_cur > FD_OVERHEAD ? rl.rlim_cur - FD_OVERHEAD : 0));
	return rl.rlim_cur;
}

void fdlimit_restore(void)
{
	if (saved)
		setrlimit(RLIMIT_NOFILE, &original);
}

int fdlimit_refuse_one(int listen_fd)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	if (reserve_fd < 0) {
		take_reserve(); /* a fd freed since: keep it for next time */
		return -EMFILE;
	}
	close(reserve_fd);
	reserve_fd = -1;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int err = errno;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(fd);
	}
	take_reserve();
	return fd >= 0 ? 0 : -err;
}
