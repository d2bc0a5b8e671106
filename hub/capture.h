/* The capture command: run once under /bin/sh -c in its own process group,
 * its stdout is the stream and its stderr goes to our log. A guard process
 * kills the group if the hub dies without cleaning up (even by SIGKILL). */
#ifndef PCAP_BROKER_CAPTURE_H
#define PCAP_BROKER_CAPTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct capture {
	pid_t pid;         /* also the process group id; 0 when not running */
	int guard_fd;      /* write end of the guard's pipe */
	struct watch out;  /* the stream */
	struct watch err;  /* its stderr, logged line by line */
	char line[1024];
	size_t line_len;
	uint64_t window_ms; /* start of the current log rate window */
	unsigned window_lines; /* stderr lines logged in it */
	uint64_t suppressed; /* lines not logged since the last summary */
	int killed;        /* we stopped it: its status says nothing */
	int exited;        /* status below is valid */
	int status;        /* as from waitpid */
};

/* Starts cmd. 0 or -errno. */
int capture_start(struct capture *c, const char *cmd);

/* Logs complete stderr lines, at most CAPTURE_LOG_LINES a second (the rest
 * are counted, and the count logged); call when err is readable. Reads at
 * most a budget per call, so a flood cannot starve the stream: -EAGAIN when
 * there may be more, 0 at EOF, another -errno on error. */
int capture_read_stderr(struct capture *c);

/* Logs the count of suppressed lines once their rate window is over. */
void capture_log_tick(struct capture *c);

/* Reaps the command if it exited; returns 1 if it did. */
int capture_reap(struct capture *c);

/* Waits up to ms for it to exit by itself; returns 1 if it has. */
int capture_wait(struct capture *c, unsigned ms);

/* SIGTERM to the whole group, SIGKILL after grace_ms, then reap. */
void capture_stop(struct capture *c, unsigned grace_ms);

/* The hub's exit status for the command's: its code, or 128+signal;
 * 0 if it was still running when we stopped it. */
int capture_exit_code(const struct capture *c);

/* Tells the guard all is well, so it exits without killing anything. */
void capture_release_guard(struct capture *c);

#endif
