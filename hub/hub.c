/* Start-up, the event loop and shutdown. */
#include "hub.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "activation.h"
#include "fdlimit.h"
#include "log.h"
#include "lossless.h"
#include "metrics.h"
#include "notify.h"
#include "tick.h"
#include "view_group.h"
#include "stats.h"
#include "unix_socket.h"
#include "util.h"

static void die(int status, const char *msg, int err)
{
	log_error(msg, "error=\"%s\"", strerror(err));
	exit(status);
}

/* No more input: from now on only drain what the ring holds. */
static void end_input(struct hub *h)
{
	if (h->input_done)
		return;
	h->input_done = 1;
	notify_stopping(h);
	h->drain_deadline = now_ms() + h->opt.drain_ms;
	if (h->input.fd >= 0) {
		watch_del(h->epfd, &h->input);
		close(h->input.fd);
		h->input.fd = -1;
	}
	if (h->native.live && !h->pace.holding) /* stopped: read no more packets */
		watch_del(h->epfd, &h->native.w);
	for (int i = 0; i < h->nlisteners; i++)
		watch_del(h->epfd, &h->listeners[i].w);
}

/* at_eof: the command closed its output and is likely exiting by itself;
 * exit_status() gives it a moment, so its own status is not lost to a kill. */
static void on_bad_input(struct hub *h, int at_eof)
{
	log_error("bad capture stream", "reason=\"%s\"", h->stream.error);
	h->bad_input = 1;
	if (!at_eof)
		capture_stop(&h->cap, 1000);
	end_input(h);
}

static void on_input(struct hub *h, struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	ssize_t n = stream_read(&h->stream, h->input.fd, &h->ring);

	restart_check_stream(h);
	if (n > 0) {
		h->appended = 1;
	} else if (n == 0) {
		/* Finishing may fix the header (a pcapng stream of interfaces and no
		 * packets): clients get it now, and with it their end of stream. */
		h->appended = 1;
		int bad = stream_finish(&h->stream) < 0;
		restart_check_stream(h);
		if (restart_input_lost(h, bad ? h->stream.error : "end of stream"))
			return;
		if (bad)
			on_bad_input(h, 1);
		else
			log_info("capture stream ended", "records=%llu bytes=%llu",
				 (unsigned long long)h->ring.records, (unsigned long long)h->ring.bytes);
		end_input(h);
	} else if (n == -EBADMSG) {
		h->appended = 1; /* clients still get the valid records before it */
		if (!restart_input_lost(h, h->stream.error))
			on_bad_input(h, 0);
	} else if (io_classify((int)-n) == IO_CLOSE) {
		if (restart_input_lost(h, strerror((int)-n)))
			return;
		log_error("reading the capture stream failed", "errno=%d", (int)-n);
		h->bad_input = 1;
		end_input(h);
	}
}

static void on_native(struct hub *h, struct watch *w, uint32_t events)
{
	char err[NATIVE_ERR_LEN];

	(void)w;
	(void)events;
	int n = native_read(&h->native, &h->ring, err);
	if (n > 0)
		h->appended = 1;
	h->native_backlog = n > 0 && native_backlog(&h->native);
	restart_check_stream(h);
	if (n < 0 && !restart_input_lost(h, err)) {
		log_error("native capture failed: the interface is gone or broken", "error=\"%s\"", err);
		h->failed = EXIT_IOERR;
		watch_del(h->epfd, &h->native.w);
		native_close(&h->native);
		end_input(h);
	}
}

static void on_capture_stderr(struct hub *h, struct watch *w, uint32_t events)
{
	(void)events;
	if (capture_read_stderr(&h->cap) != -EAGAIN) {
		watch_del(h->epfd, w);
		close(w->fd);
		w->fd = -1;
	}
}

/* A stop keeps a failure already recorded: a command that exited with an
 * error, or a bad stream. One still running is stopped, its status moot; one
 * the same stop signal killed (the whole cgroup gets it) did not fail. */
static void note_stop(struct hub *h)
{
	if (h->stopped)
		return;
	h->stopped = 1;
	capture_reap(&h->cap);
	h->failed_before_stop = h->bad_input ||
		(capture_exit_code(&h->cap) != 0 && !capture_stopped_by_signal(&h->cap));
}

static void on_signal(struct hub *h, struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			if (capture_reap(&h->cap) && !h->input_done)
				log_debug("capture command exited; reading what is left", NULL);
			break;
		case SIGUSR1:
			views_refresh(h);
			stats_log_clients(h);
			break;
		case SIGHUP: /* the terminal went away: stop as cleanly as for SIGTERM */
		case SIGINT:
		case SIGTERM:
			if (h->stopped) /* a second signal: stop waiting for clients */
				h->drain_deadline = 0;
			log_info("stopping", "signal=%s", strsignal((int)si.ssi_signo));
			note_stop(h);
			capture_stop(&h->cap, 1000);
			end_input(h);
			break;
		}
	}
}

static int setup_signals(struct hub *h)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	h->signals.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	h->signals.fn = on_signal;
	if (h->signals.fd < 0)
		return -errno;
	return watch_add(h->epfd, &h->signals, EPOLLIN);
}

/* Binds spec's TCP listeners for view v (NULL: the default), or exits. */
static void bind_tcp(struct hub *h, const char *spec, struct view *v)
{
	int n = listener_bind_tcp(spec, h->listeners + h->nlisteners, MAX_LISTENERS - h->nlisteners);

	if (n == -EINVAL) {
		fprintf(stderr, "pcap-broker: %s%s%sinvalid listen address '%s' (want host:port, [v6]:port or :port)\n",
			v ? "view '" : "", v ? v->set.name : "", v ? "': " : "", spec);
		exit(EXIT_USAGE);
	}
	if (n < 0) {
		log_error("cannot listen", "addr=%s view=%s error=\"%s\"", spec, v ? v->set.name : "default",
			  strerror(-n));
		exit(EXIT_UNAVAIL);
	}
	for (int i = 0; i < n; i++)
		h->listeners[h->nlisteners++].view = v;
}

/* Each view's own listen= addresses and socket= path. */
static void bind_views(struct hub *h)
{
	for (int i = 1; i < h->nviews; i++) {
		struct view *v = &h->views[i];
		for (int j = 0; j < v->set.nlisten; j++)
			bind_tcp(h, v->set.listen[j], v);
		if (v->set.socket_path) {
			hub_bind_unix_socket(h, v->set.socket_path);
			h->listeners[h->nlisteners - 1].view = v;
		}
	}
}

static void setup_listeners(struct hub *h)
{
	/* Sockets systemd passed replace every address we would bind. */
	int passed = hub_passed_listeners(h);

	for (int i = 0; !passed && i < h->opt.nlisten; i++)
		bind_tcp(h, h->opt.listen[i], NULL);
	if (!passed && h->opt.socket_path && *h->opt.socket_path)
		hub_bind_unix_socket(h, h->opt.socket_path);
	if (!passed)
		bind_views(h);
	for (int i = 0; i < h->nlisteners; i++) {
		struct listener *l = &h->listeners[i];
		l->w.fn = hub_on_listener;
		if (watch_add(h->epfd, &l->w, EPOLLIN) < 0)
			die(EXIT_OSERR, "epoll_ctl failed", errno);
		if (l->view)
			log_info("listening", "addr=%s view=%s", l->name, l->view->set.name);
		else
			log_info("listening", "addr=%s", l->name);
	}
}

/* The command, -i or -upstream; with restarts on, a first start that fails
 * is retried like any later one. */
static void start_input(struct hub *h)
{
	char err[300];
	int rc;

	h->cap.err.fn = on_capture_stderr;
	h->native.w.fn = on_native;
	if (restart_enabled(h) && (rc = restart_setup(h)) < 0)
		die(EXIT_OSERR, "timerfd setup failed", -rc);
	if (input_start(h, err, sizeof(err)) == 0)
		return;
	if (restart_enabled(h)) {
		restart_failed(h, err);
		return;
	}
	if (h->opt.interface) {
		log_error("cannot capture", "interface=%s error=\"%s\"", h->opt.interface, err);
		exit(EXIT_IOERR);
	}
	log_error(err, NULL);
	exit(EXIT_OSERR);
}

static void setup_input(struct hub *h)
{
	int rc;

	h->input.fn = on_input;
	if (h->opt.interface || h->opt.cmd || h->opt.upstream) {
		start_input(h);
		return;
	}
	h->input.fd = STDIN_FILENO;
	fd_set_nonblock(STDIN_FILENO);
	log_info("reading the capture stream from stdin", NULL);
	rc = watch_add(h->epfd, &h->input, EPOLLIN);
	/* epoll refuses regular files: a redirected file is always readable. */
	if (rc == -EPERM)
		h->input_is_file = 1;
	else if (rc < 0)
		die(EXIT_OSERR, "epoll_ctl failed", -rc);
}

static void setup_ring(struct hub *h)
{
	const char *file = h->opt.buffer_file;
	int rc;

	if (!file) {
		if ((rc = ring_init(&h->ring, h->opt.buffer, hub_slot_recycled, h)) < 0)
			die(EXIT_OSERR, "cannot allocate the buffer", -rc);
		return;
	}
	if ((rc = ring_init_file(&h->ring, h->opt.buffer, file, hub_slot_recycled, h)) < 0) {
		log_error(rc == -EBUSY ? "cannot use the buffer file: another hub uses it"
				       : "cannot use the buffer file",
			  "path=%s size=%llu error=\"%s\"", file,
			  (unsigned long long)ring_slots_for(h->opt.buffer) * RING_SLOT_SIZE, strerror(-rc));
		exit(EXIT_CANTCREAT);
	}
	log_info("buffer in a file", "path=%s size=%llu", file,
		 (unsigned long long)h->ring.nslots * RING_SLOT_SIZE);
}

void hub_setup(struct hub *h)
{
	int rc;

	h->input.fd = -1;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0)
		die(EXIT_OSERR, "epoll_create1 failed", errno);
	setup_ring(h);
	if ((rc = stream_init(&h->stream)) < 0)
		die(EXIT_OSERR, "cannot allocate the read buffer", -rc);
	h->stream.snaplen_clamp = h->opt.snaplen;
	h->stream.precision = (enum stream_precision)h->opt.precision;
	if ((rc = setup_signals(h)) < 0)
		die(EXIT_OSERR, "signal setup failed", -rc);
	fdlimit_raise(h->opt.max_clients);
	if ((rc = tick_start(h)) < 0)
		die(EXIT_OSERR, "timerfd setup failed", -rc);
	if ((rc = stats_start_timer(h)) < 0)
		die(EXIT_OSERR, "timer setup failed", -rc);
	views_setup(h);
	for (int i = 1; i < h->nviews; i++)
		h->lossless |= h->views[i].set.lossless;
	/* Listen before the capture starts, so early clients miss nothing. */
	setup_listeners(h);
	metrics_setup(h);
	setup_input(h);
	views_start(h, 1); /* -i: the link type is known now */
	notify_setup(h);
	notify_ready(h);
	log_info("ready", "listeners=%d buffer=%llu", h->nlisteners, (unsigned long long)h->opt.buffer);
}

static int drained(struct hub *h)
{
	if (!h->input_done)
		return 0;
	if (now_ms() >= h->drain_deadline)
		return !lossless_draining(h);
	return !h->stream.header_ready || hub_clients_idle(h);
}

static int exit_status(struct hub *h)
{
	/* The command closed its output; give it a moment to exit by itself. */
	if (h->cap.pid && !capture_wait(&h->cap, 1000))
		capture_stop(&h->cap, 1000);
	int code = capture_exit_code(&h->cap);
	if (h->stopped && !h->failed_before_stop)
		return 0;
	/* The command's own failure says more than the stream it cut short. */
	if (code != 0) {
		log_error("capture command failed", "status=%d", code);
		return code;
	}
	if (h->bad_input)
		return EXIT_DATAERR;
	return code;
}

static const char *end_reason(const struct hub *h)
{
	return h->stopped ? "hub stopping" : "capture ended";
}

/* Draining: a client that has everything gets its end of stream at once;
 * only the ones still behind wait, until the -drain deadline. */
static void close_finished_clients(struct hub *h)
{
	struct client *next;

	if (!h->stream.header_ready)
		return;
	for (struct client *c = h->clients; c; c = next) {
		next = c->next;
		if (!client_pending(c, &h->ring))
			hub_close_client(h, c, end_reason(h));
	}
}

int hub_run(struct hub *h)
{
	struct epoll_event ev[64];

	while (!drained(h)) {
		int timeout = pace_timeout(h);
		if (h->input_done)
			timeout = (int)(h->drain_deadline - now_ms()) + 1;
		else if (h->input_is_file && !h->input_paused)
			timeout = 0; /* a regular file on stdin: just keep reading */
		int n = epoll_wait(h->epfd, ev, 64, timeout);
		if (n < 0 && errno != EINTR)
			die(EXIT_OSERR, "epoll_wait failed", errno);
		for (int i = 0; i < n; i++) {
			struct watch *w = ev[i].data.ptr;
			w->fn(h, w, ev[i].events);
		}
		if (h->input_is_file && !h->input_done && !h->input_paused)
			on_input(h, &h->input, EPOLLIN);
		if (h->appended) {
			h->appended = 0;
			hub_flush_clients(h);
		}
		lossless_pace(h);
		pace_check(h);
		if (h->native_backlog) {
			h->native_backlog = 0;
			pace_after_batch(h);
		}
		if (h->input_done)
			close_finished_clients(h);
		hub_free_closed(h);
	}
	while (h->clients)
		hub_close_client(h, h->clients, end_reason(h));
	hub_free_closed(h);
	metrics_stop();
	int status = h->failed ? h->failed : exit_status(h);
	capture_release_guard(&h->cap);
	struct totals t;
	stats_totals(h, &t);
	native_close(&h->native);
	if (h->pace.holds)
		log_debug("native batches held for clients about to lose records", "holds=%llu",
			  (unsigned long long)h->pace.holds);
	view_groups_report(h);
	if (h->input_pauses)
		log_info("capture paused for lossless clients", "pauses=%llu", (unsigned long long)h->input_pauses);
	log_info("exiting", "status=%d records=%llu bytes=%llu drops=%llu kernel_drops=%llu%s", status,
		 (unsigned long long)t.records, (unsigned long long)t.bytes,
		 (unsigned long long)t.drops, (unsigned long long)t.kernel_drops, t.iface_drops);
	return status;
}
