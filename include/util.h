/* Small helpers shared by the hub and the helper. */
#ifndef PCAP_BROKER_UTIL_H
#define PCAP_BROKER_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* sysexits(3)-style exit statuses, documented in the README and -help. */
#define EXIT_USAGE 64     /* bad flag or value */
#define EXIT_DATAERR 65   /* the capture stream is not valid pcap */
#define EXIT_NOINPUT 66   /* no capture source (helper: the hub is not there) */
#define EXIT_UNAVAIL 69   /* cannot listen on a requested address or socket */
#define EXIT_SOFTWARE 70  /* internal error */
#define EXIT_OSERR 71     /* a system call needed at start-up failed */
#define EXIT_CANTCREAT 73 /* the -buffer-file cannot be created, allocated or mapped */
#define EXIT_IOERR 74     /* the native capture failed */

/* What to do after a failed read/write: the one place errno is classified. */
enum io_action {
	IO_RETRY, /* EINTR: try again now */
	IO_WAIT,  /* EAGAIN: wait for readiness */
	IO_CLOSE, /* the peer is gone or broken: close it */
};
enum io_action io_classify(int err);

int fd_set_nonblock(int fd);

/* "64M", "512k", "1G", "4096": bytes. Returns 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);
/* "5s", "250ms", "2m", "1h", "10" (seconds): milliseconds. 0 or -EINVAL. */
int parse_duration_ms(const char *s, uint64_t *out);
/* A decimal integer in [min, max]. 0 or -EINVAL. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Go-style boolean flag value: NULL (bare flag), true/false, 1/0. 0 or -EINVAL. */
int parse_bool(const char *s, int *out);

uint64_t now_ms(void);   /* CLOCK_MONOTONIC */

#endif
