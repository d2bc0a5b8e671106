#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int reserve(struct tbuf *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void tbuf_printf(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void tbuf_quoted(struct tbuf *b, const char *s)
{
	tbuf_printf(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' || c == '"')
			tbuf_printf(b, "\\%c", c);
		else if (c == '\n')
			tbuf_printf(b, "\\n");
		else
			tbuf_printf(b, "%c", c < 0x20 || c == 0x7f ? '?' : c);
	}
	tbuf_printf(b, "\"");
}

char *tbuf_take(struct tbuf *b, size_t *len)
{
	if (!b->oom && reserve(b, 0) == 0) {
		char *p = b->p;
		p[b->len] = '\0';
		*len = b->len;
		b->p = NULL;
		b->len = b->cap = 0;
		return p;
	}
	free(b->p);
	b->p = NULL;
	return NULL;
}
