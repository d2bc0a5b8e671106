#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdlimit.h"
#include "log.h"
#include "util.h"

static void reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The guard waits on a pipe from the hub. A byte means "all is well"; EOF
 * without one means the hub died, so it stops the capture group. */
static void run_guard(int fd, pid_t group)
{
	char b;
	ssize_t n;

	signal(SIGINT, SIG_IGN); /* a terminal's ^C is the hub's to handle */
	signal(SIGTERM, SIG_IGN);
	prctl(PR_SET_NAME, "pcap-broker-grd");
	dup2(fd, 0);
	close_range(1, ~0u, 0); /* stderr too: nothing left to say */
	while ((n = read(0, &b, 1)) < 0 && errno == EINTR)
		;
	if (n == 0) {
		kill(-group, SIGTERM);
		sleep_ms(1000);
		kill(-group, SIGKILL);
	}
	_exit(0);
}

static int start_guard(struct capture *c)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0)
		run_guard(p[0], c->pid);
	close(p[0]);
	c->guard_fd = p[1];
	return 0;
}

static void exec_command(const char *cmd, int out, int err)
{
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	reset_signals();
	fdlimit_restore();
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(err, 2);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

int capture_start(struct capture *c, const char *cmd)
{
	int out[2], err[2];

	memset(c, 0, sizeof(*c));
	c->guard_fd = c->out.fd = c->err.fd = -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		return -e;
	}
	c->pid = fork();
	if (c->pid == 0)
		exec_command(cmd, out[1], err[1]);
	int e = c->pid < 0 ? errno : 0;
	close(out[1]);
	close(err[1]);
	if (e) {
		close(out[0]);
		close(err[0]);
		c->pid = 0;
		return -e;
	}
	setpgid(c->pid, c->pid); /* also here: no race with the child's own call */
	c->out.fd = out[0];
	c->err.fd = err[0];
	fd_set_nonblock(c->out.fd);
	fd_set_nonblock(c->err.fd);
	/* Bigger pipe: fewer wake-ups and room for bursts while we write. */
	fcntl(c->out.fd, F_SETPIPE_SZ, 1 << 20);
	return start_guard(c);
}

/* Reads of stderr per event (1 KiB each): then the stream and the clients
 * get their turn, however fast the command writes to stderr. */
#define CAPTURE_STDERR_READS 64
/* Lines logged per window; the rest are counted and summarised. */
#define CAPTURE_LOG_LINES 20
#define CAPTURE_LOG_WINDOW_MS 1000

static void log_suppressed(struct capture *c)
{
	if (c->suppressed)
		log_warn("capture stderr lines suppressed (rate limit)", "lines=%llu limit_per_second=%d",
			 (unsigned long long)c->suppressed, CAPTURE_LOG_LINES);
	c->suppressed = 0;
}

void capture_log_tick(struct capture *c)
{
	if (c->suppressed && now_ms() - c->window_ms >= CAPTURE_LOG_WINDOW_MS)
		log_suppressed(c);
}

static void log_line(struct capture *c, const char *line, uint64_t now)
{
	if (now - c->window_ms >= CAPTURE_LOG_WINDOW_MS) {
		log_suppressed(c);
		c->window_ms = now;
		c->window_lines = 0;
	}
	if (c->window_lines++ < CAPTURE_LOG_LINES)
		log_info(line, "source=capture");
	else
		c->suppressed++;
}

static void log_lines(struct capture *c, int flush)
{
	char *start = c->line, *nl;
	uint64_t now = now_ms(); /* once per read, not per line of a flood */

	while ((nl = memchr(start, '\n', c->line_len - (size_t)(start - c->line)))) {
		*nl = '\0';
		if (nl > start)
			log_line(c, start, now);
		start = nl + 1;
	}
	c->line_len -= (size_t)(start - c->line);
	memmove(c->line, start, c->line_len);
	/* A line longer than the buffer, or an unterminated last one. */
	if (c->line_len && (flush || c->line_len == sizeof(c->line) - 1)) {
		c->line[c->line_len] = '\0';
		log_line(c, c->line, now);
		c->line_len = 0;
	}
	if (flush)
		log_suppressed(c);
}

int capture_read_stderr(struct capture *c)
{
	for (int reads = 0; reads < CAPTURE_STDERR_READS;) {
		ssize_t n = read(c->err.fd, c->line + c->line_len, sizeof(c->line) - 1 - c->line_len);
		if (n > 0) {
			c->line_len += (size_t)n;
			log_lines(c, 0);
			reads++;
			continue;
		}
		if (n == 0) {
			log_lines(c, 1);
			return 0;
		}
		if (io_classify(errno) == IO_RETRY)
			continue;
		return io_classify(errno) == IO_WAIT ? -EAGAIN : -errno;
	}
	return -EAGAIN; /* the budget ran out: the watch is level-triggered */
}

int capture_reap(struct capture *c)
{
	int st;
	pid_t pid;

	/* Any child: the command, and the guard once it has exited. */
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0 || (pid < 0 && errno == EINTR)) {
		if (c->pid && pid == c->pid && !c->exited) {
			c->exited = 1;
			c->status = st;
		}
	}
	return c->exited;
}

int capture_wait(struct capture *c, unsigned ms)
{
	for (unsigned waited = 0; c->pid && !c->exited; waited += 10) {
		int st;
		pid_t r = waitpid(c->pid, &st, WNOHANG);
		if (r == c->pid) {
			c->exited = 1;
			c->status = st;
		} else if ((r < 0 && errno != EINTR) || waited >= ms) {
			break;
		} else {
			sleep_ms(10);
		}
	}
	return c->exited;
}

void capture_stop(struct capture *c, unsigned grace_ms)
{
	if (!c->pid)
		return;
	if (!capture_wait(c, 0)) { /* an exit we have not reaped yet is its own */
		c->killed = 1;
		kill(-c->pid, SIGTERM);
		if (!capture_wait(c, grace_ms)) {
			kill(-c->pid, SIGKILL);
			capture_wait(c, 1000);
		}
	}
	kill(-c->pid, SIGKILL); /* anything left in the group */
}

int capture_exit_code(const struct capture *c)
{
	if (!c->exited || c->killed)
		return 0;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return EXIT_SOFTWARE;
}

void capture_release_guard(struct capture *c)
{
	if (c->guard_fd >= 0) {
		ssize_t ignored = write(c->guard_fd, "", 1);
		(void)ignored;
		close(c->guard_fd);
		c->guard_fd = -1;
	}
}
