/* A growable text buffer for HTTP responses (metrics, JSON). Out of memory
 * is sticky: later appends do nothing and tbuf_take() returns NULL. */
#ifndef PCAP_BROKER_TEXTBUF_H
#define PCAP_BROKER_TEXTBUF_H

#include <stddef.h>

struct tbuf {
	char *p;
	size_t len, cap;
	int oom;
};

void tbuf_printf(struct tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s between double quotes, with \\, \" and \n escaped and other control
 * characters replaced by '?': valid as a Prometheus label value and as a
 * JSON string. */
void tbuf_quoted(struct tbuf *b, const char *s);
/* The text (NUL-terminated, *len bytes) for the caller to free(), or NULL
 * when memory ran out (the buffer is freed then). */
char *tbuf_take(struct tbuf *b, size_t *len);

#endif
