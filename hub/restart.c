#include "restart.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "util.h"

int restart_enabled(const struct hub *h)
{
	return h->opt.restart || h->opt.upstream;
}

static void arm(struct restart *r, uint64_t ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 },
	};

	timerfd_settime(r->timer.fd, 0, &its, NULL);
}

uint64_t restart_next_delay(struct restart *r, uint64_t now)
{
	if (r->started_ms && now - r->started_ms >= RESTART_HEALTHY_MS)
		r->delay_ms = 0;
	r->started_ms = 0;
	r->delay_ms = r->delay_ms ? r->delay_ms * 2 : RESTART_MIN_MS;
	if (r->delay_ms > RESTART_MAX_MS)
		r->delay_ms = RESTART_MAX_MS;
	return r->delay_ms;
}

/* A lossless view holding the capture (lossless.c) adds the watch itself
 * when it lets go. */
static int watch_input(struct hub *h, struct watch *w)
{
	return h->input_paused ? 0 : watch_add(h->epfd, w, EPOLLIN);
}

static int start_command(struct hub *h, char *err, size_t len)
{
	watch_fn err_fn = h->cap.err.fn;
	int rc = capture_start(&h->cap, h->opt.cmd);

	h->cap.err.fn = err_fn; /* capture_start clears the struct */
	if (rc == 0 && (rc = watch_add(h->epfd, &h->cap.err, EPOLLIN)) == 0) {
		h->input.fd = h->cap.out.fd;
		rc = watch_input(h, &h->input);
	}
	if (rc < 0) {
		snprintf(err, len, "cannot start the capture command: %s", strerror(-rc));
		return rc;
	}
	if (h->restart.attempts == 0)
		log_info("capture started", "pid=%d", h->cap.pid);
	else
		log_debug("capture started", "pid=%d attempt=%u", h->cap.pid, h->restart.attempts);
	return 0;
}

static int start_native(struct hub *h, char *err, size_t len)
{
	char e[NATIVE_ERR_LEN];

	if (native_open(&h->native, h->opt.interface, h->opt.filter, h->opt.linktype,
			&h->stream, e) < 0) {
		snprintf(err, len, "%s", e);
		return -EIO;
	}
	if (watch_input(h, &h->native.w) < 0) {
		snprintf(err, len, "epoll_ctl failed: %s", strerror(errno));
		native_close(&h->native);
		return -EIO;
	}
	if (h->restart.attempts == 0)
		log_info("native capture started", "interface=%s linktype=%u snaplen=%u", h->opt.interface,
			 h->stream.header.linktype, h->stream.header.snaplen);
	return 0;
}

int input_start(struct hub *h, char *err, size_t len)
{
	int rc;

	if (h->opt.upstream) {
		h->up.on_data = h->input.fn;
		rc = upstream_connect(h, err, len);
		if (rc == 0)
			arm(&h->restart, UPSTREAM_CONNECT_MS);
		return rc;
	}
	rc = h->opt.interface ? start_native(h, err, len) : start_command(h, err, len);
	if (rc == 0) {
		h->restart.started_ms = now_ms();
		restart_check_stream(h); /* -i: the header is known at once */
	}
	return rc;
}

static void on_timer(struct hub *h, struct watch *w, uint32_t events)
{
	uint64_t expirations;
	char err[300];

	(void)events;
	if (read(w->fd, &expirations, sizeof(expirations)) < 0 || h->input_done)
		return;
	if (h->up.connecting) {
		restart_failed(h, "connect timed out");
		return;
	}
	h->restart.attempts++;
	if (input_start(h, err, sizeof(err)) < 0)
		restart_failed(h, err);
}

int restart_setup(struct hub *h)
{
	h->restart.timer.fn = on_timer;
	h->restart.timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->restart.timer.fd < 0)
		return -errno;
	return watch_add(h->epfd, &h->restart.timer, EPOLLIN);
}

/* The command closed its output: give it a moment to exit by itself, so its
 * status is its own, then clear away the group, its stderr and its guard. */
static void stop_command(struct hub *h, char *status, size_t len)
{
	struct capture *c = &h->cap;

	capture_wait(c, 100);
	if (c->exited)
		snprintf(status, len, " status=%d", capture_exit_code(c));
	capture_stop(c, 1000);
	if (c->err.fd >= 0) {
		capture_read_stderr(c); /* its last words */
		watch_del(h->epfd, &c->err);
		close(c->err.fd);
		c->err.fd = -1;
	}
	capture_release_guard(c);
	c->out.fd = -1; /* h->input's, closed there */
	/* Its status is logged and done with: never the hub's exit status. */
	c->pid = 0;
	c->exited = c->killed = c->status = 0;
}

static void stop_input(struct hub *h, char *status, size_t len)
{
	status[0] = '\0';
	if (h->input.fd >= 0) {
		watch_del(h->epfd, &h->input);
		close(h->input.fd);
		h->input.fd = -1;
	}
	h->input.fn = h->opt.upstream ? h->up.on_data : h->input.fn;
	h->up.connecting = 0;
	if (h->native.pcap) {
		watch_del(h->epfd, &h->native.w);
		native_close(&h->native);
	}
	if (h->cap.pid)
		stop_command(h, status, len);
}

void restart_failed(struct hub *h, const char *why)
{
	struct restart *r = &h->restart;
	char reason[sizeof(h->stream.error)], status[32];
	uint64_t now = now_ms();

	snprintf(reason, sizeof(reason), "%s", why); /* why may be the stream's */
	stop_input(h, status, sizeof(status));
	if (h->stream.header_ready) {
		r->header = h->stream.header;
		r->had_header = 1;
	}
	stream_restart(&h->stream);
	if (!r->lost_ms)
		r->lost_ms = now;
	uint64_t delay = restart_next_delay(r, now);
	arm(r, delay);
	log_warn(h->opt.upstream ? "upstream unavailable; reconnecting" : "capture ended; restarting",
		 "reason=\"%s\"%s attempt=%u retry_in_ms=%llu", reason, status, r->attempts + 1,
		 (unsigned long long)delay);
}

int restart_input_lost(struct hub *h, const char *why)
{
	if (!restart_enabled(h) || h->input_done)
		return 0;
	restart_failed(h, why);
	return 1;
}

void restart_connected(struct hub *h)
{
	arm(&h->restart, 0); /* disarms the connect deadline */
	h->restart.started_ms = now_ms();
}

/* What differs between the header clients got and the new one; "" if none. */
static void header_change(const struct pcap_file_header *a, const struct pcap_file_header *b,
			  char *out, size_t len)
{
	out[0] = '\0';
	if (a->linktype != b->linktype)
		snprintf(out, len, "link type %u -> %u", a->linktype, b->linktype);
	else if (a->snaplen != b->snaplen)
		snprintf(out, len, "snaplen %u -> %u", a->snaplen, b->snaplen);
	else if (a->magic != b->magic)
		snprintf(out, len, "timestamp precision %s -> %s", a->magic == PCAP_MAGIC_NANO ? "nano" : "micro",
			 b->magic == PCAP_MAGIC_NANO ? "nano" : "micro");
}

/* Each view is prepared again from the new header. A client that already
 * has its view's old header cannot take another mid-stream: it is closed
 * if that header changed (a view that sets snaplen and precision, and
 * converts to Ethernet, may keep its header across a change), or by
 * views_start if its view cannot serve the new capture. Clients still
 * waiting for a header get the new one. */
static void close_for_header(struct hub *h, const char *change)
{
	struct pcap_file_header old[MAX_VIEWS];
	char why[160];
	struct client *next;

	for (int i = 0; i < h->nviews; i++)
		old[i] = h->views[i].header;
	views_restart(h);
	views_start(h, 0);
	snprintf(why, sizeof(why), "the capture restarted with another header: %s", change);
	for (struct client *c = h->clients; c; c = next) {
		next = c->next;
		if (c->header_sent > 0 && c->view->ready &&
		    memcmp(&old[c->view - h->views], &c->view->header, sizeof(old[0])))
			hub_close_client(h, c, why);
	}
}

void restart_check_stream(struct hub *h)
{
	struct restart *r = &h->restart;
	char change[96];

	if (!r->lost_ms || !h->stream.header_ready)
		return;
	r->gaps++;
	log_warn(h->opt.upstream ? "upstream resumed after a gap" : "capture resumed after a gap",
		 "gap_ms=%llu gaps=%llu attempts=%u", (unsigned long long)(now_ms() - r->lost_ms),
		 (unsigned long long)r->gaps, r->attempts);
	r->lost_ms = 0;
	r->attempts = 0;
	if (!r->had_header)
		return;
	header_change(&r->header, &h->stream.header, change, sizeof(change));
	if (change[0]) {
		log_warn("the new stream's header differs: closing the clients of views whose header changes",
			 "change=\"%s\"", change);
		close_for_header(h, change);
	}
}
