/* For the fuzzers of text parsers: the input as a C string. */
#ifndef FUZZ_TEXT_H
#define FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated copy of data (cut at the first NUL, as argv would be),
 * in a static buffer; NULL when it would not fit. */
static inline const char *fuzz_text(const uint8_t *data, size_t size)
{
	static char buf[4096];

	if (size >= sizeof(buf))
		return NULL;
	memcpy(buf, data, size);
	buf[size] = '\0';
	return buf;
}

static inline void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

#endif
