/* hub socket -> pipe -> client with splice(2), so the stream is never copied
 * to user space. Where the client side cannot take a splice (a terminal, a
 * file opened for append) it falls back to read/write through one buffer.
 * With a filter (-f, -snaplen) the data comes from filter_fill instead.
 *
 * The client: data it sends is read and thrown away. EOF from it is only a
 * half-close (nc with stdin at EOF) and the stream goes on; it is gone when
 * writing to it fails or its socket reports EPOLLHUP/EPOLLERR (reset, or a
 * Unix socket peer that closed). */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "filter.h"
#include "tcp_acked.h"
#include "util.h"

#define PIPE_SIZE (1 << 20)
#define BUF_SIZE (256 << 10)
#define DRAIN_MS 10000 /* after the hub ended: time for the client to take the rest */

enum { TAG_HUB = 1, TAG_IN, TAG_OUT };

struct state {
	struct relay *r;
	int ep;
	int pipe[2];
	size_t pipe_cap;
	size_t pending;   /* bytes in the pipe */
	int splice_ok;
	const uint8_t *data; /* buf, or the filter's output */
	size_t have, off; /* bytes at data, and sent of them */
	int hub_ready, hub_eof, out_ready, gone;
	int hub_hup; /* the hub hung up: its stream ends, whatever is still queued */
	uint32_t max_wnd; /* the largest window the client offered (tcp_acked.h) */
};

static uint8_t buf[BUF_SIZE]; /* untouched, so not resident, while splicing */

static void setup_pipe(struct state *s)
{
	s->splice_ok = pipe2(s->pipe, O_NONBLOCK | O_CLOEXEC) == 0;
	if (!s->splice_ok)
		return;
	int cap = fcntl(s->pipe[1], F_SETPIPE_SZ, PIPE_SIZE);
	if (cap < 0)
		cap = fcntl(s->pipe[1], F_GETPIPE_SZ);
	s->pipe_cap = cap > 0 ? (size_t)cap : 65536;
}

static int watch(int ep, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* A failed write to the client: wait, or it is gone. */
static int client_error(struct state *s, int err)
{
	if (io_classify(err) == IO_WAIT) {
		s->out_ready = 0;
		return 0;
	}
	if (io_classify(err) == IO_RETRY)
		return 0;
	s->gone = 1;
	s->r->why = "client closed";
	return -err;
}

/* Bytes ready to go to the client now. */
static size_t to_send(const struct state *s)
{
	return s->splice_ok ? s->pending : s->have - s->off;
}

static int empty(const struct state *s)
{
	return !s->pending && s->off >= s->have;
}

/* Sends what the pipe or the buffer holds until done or the client is full. */
static int drain(struct state *s)
{
	while (s->out_ready && to_send(s)) {
		ssize_t n;
		if (s->splice_ok)
			n = splice(s->pipe[0], NULL, s->r->out, NULL, s->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		else
			n = write(s->r->out, s->data + s->off, s->have - s->off);
		if (n < 0 && errno == EINVAL && s->splice_ok) {
			s->splice_ok = 0; /* the client side cannot splice: buffer from now on */
			continue;
		}
		if (n < 0) {
			int rc = client_error(s, errno);
			if (rc < 0)
				return rc;
			continue;
		}
		s->r->bytes += (size_t)n;
		if (!s->r->filter)
			tcp_note_window(s->r->out, &s->max_wnd);
		if (s->splice_ok)
			s->pending -= (size_t)n;
		else
			s->off += (size_t)n;
	}
	return 0;
}

/* Takes more from the hub, or after a fallback first what the pipe still
 * holds. 1 if it moved something (or should retry), 0 if nothing is there. */
static int fill(struct state *s)
{
	int from_pipe = !s->splice_ok && s->pending;
	ssize_t n;

	s->data = buf;
	if (s->splice_ok)
		n = splice(s->r->hub, NULL, s->pipe[1], NULL, s->pipe_cap, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else if (s->r->filter)
		n = filter_fill(s->r->filter, s->r->hub, &s->data);
	else
		n = read(from_pipe ? s->pipe[0] : s->r->hub, buf, BUF_SIZE);
	if (n > 0) {
		if (s->splice_ok) {
			s->pending += (size_t)n;
		} else {
			s->have = (size_t)n;
			s->off = 0;
			if (from_pipe)
				s->pending -= (size_t)n;
		}
		return 1;
	}
	if (n < 0 && io_classify(errno) != IO_CLOSE)
		return io_classify(errno) == IO_RETRY;
	/* EOF, or the hub reset the connection: either way its stream ended. */
	s->hub_eof = 1;
	s->r->why = n < 0 && errno == EBADMSG && s->r->filter ? "filter failed" : "hub closed";
	return 0;
}

/* Moves data until something has to be waited for. */
static int pump(struct state *s)
{
	for (;;) {
		int rc = drain(s);
		if (rc < 0 || to_send(s))
			return rc; /* gone, or the client is full */
		int leftover = !s->splice_ok && s->pending;
		if (!leftover && (s->hub_eof || !s->hub_ready))
			return 0;
		if (fill(s) == 0 && !leftover) {
			s->hub_ready = 0;
			return 0;
		}
	}
}

/* Reads and discards what the client sent; bounded work per event. */
static void discard_input(struct state *s)
{
	char junk[4096];

	for (int i = 0; i < 16; i++) {
		ssize_t n = read(s->r->in, junk, sizeof(junk));
		if (n > 0)
			continue;
		if (n == 0 || io_classify(errno) == IO_CLOSE) {
			/* Half-closed (or unreadable): it may still read. Stop watching. */
			epoll_ctl(s->ep, EPOLL_CTL_DEL, s->r->in, NULL);
			return;
		}
		if (io_classify(errno) == IO_WAIT || !s->r->in_is_socket)
			return; /* a blocking pipe or terminal: one read per event */
	}
}

static void on_event(struct state *s, const struct epoll_event *ev)
{
	uint32_t e = ev->events;

	switch (ev->data.u32) {
	case TAG_HUB:
		s->hub_ready = 1;
		if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			s->hub_hup = 1; /* seen even while the client takes nothing */
		break;
	case TAG_OUT:
		if (e & (EPOLLERR | EPOLLHUP)) {
			s->gone = 1;
			s->r->why = "client closed";
		}
		if (e & EPOLLOUT)
			s->out_ready = 1;
		break;
	case TAG_IN:
		if ((e & (EPOLLERR | EPOLLHUP)) && s->r->in_is_socket) {
			s->gone = 1;
			s->r->why = "client closed";
		} else if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
			discard_input(s);
		}
		break;
	}
}

/* Once the hub has ended (hung up, or its stream read to the end), the
 * client has DRAIN_MS to take the rest, whatever it does meanwhile: a client
 * that stops reading, or trickles, or keeps sending, cannot hold us longer. */
static int loop(struct state *s)
{
	struct epoll_event ev[4];
	uint64_t deadline = 0;

	while (!s->gone) {
		if (pump(s) < 0 || s->gone)
			break;
		if (s->hub_eof && empty(s))
			return 0;
		if ((s->hub_eof || s->hub_hup) && !deadline)
			deadline = now_ms() + DRAIN_MS;
		uint64_t now = now_ms();
		if (deadline && now >= deadline) {
			s->r->why = "hub closed; client too slow to take the rest";
			return 0;
		}
		int n = epoll_wait(s->ep, ev, 4, deadline ? (int)(deadline - now) : -1);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++)
			on_event(s, &ev[i]);
	}
	return 0;
}

/* The client went away: tells the hub how much of its stream the client
 * took, "acked=N\n" (what was written to it minus what its TCP had not
 * acknowledged, and on a reset what it held unread: tcp_acked.h), so that a
 * view with resume= continues right after it (hub/resume.c). Only for an
 * unchanged stream: with -f or -snaplen the counts are not the hub's. */
static void report_acked(const struct state *s)
{
	char line[40];
	int reset;
	uint32_t unread;

	if (!s->gone || s->r->filter)
		return;
	uint64_t acked = tcp_acked(s->r->out, s->r->bytes, s->max_wnd, &reset, &unread);
	int n = snprintf(line, sizeof(line), "acked=%llu\n", (unsigned long long)acked);
	if (send(s->r->hub, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return; /* the hub is gone too: nothing to tell */
}

int relay_run(struct relay *r)
{
	struct state s = { .r = r, .hub_ready = 1, .out_ready = 1, .pipe = { -1, -1 } };
	int rc;

	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.ep < 0)
		return -errno;
	if (!r->filter)
		setup_pipe(&s);
	if ((rc = watch(s.ep, r->hub, TAG_HUB, EPOLLIN | EPOLLRDHUP | EPOLLET)) < 0)
		return rc;
	/* Files and /dev/null cannot be watched (EPERM): writes to them never
	 * wait, and there is nothing to read. */
	watch(s.ep, r->out, TAG_OUT, EPOLLOUT | EPOLLET);
	watch(s.ep, r->in, TAG_IN, EPOLLIN | EPOLLRDHUP);
	rc = loop(&s);
	report_acked(&s);
	close(s.ep);
	if (s.pipe[0] >= 0) {
		close(s.pipe[0]);
		close(s.pipe[1]);
	}
	return rc;
}
