#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum io_action io_classify(int err)
{
	switch (err) {
	case EINTR:
		return IO_RETRY;
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return IO_WAIT;
	default: /* EPIPE, ECONNRESET, ETIMEDOUT, ... */
		return IO_CLOSE;
	}
}

int fd_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* Parses "<number><suffix>" and looks the suffix up in a table. */
struct unit {
	const char *suffix;
	uint64_t factor;
};

static int parse_with_units(const char *s, const struct unit *units, uint64_t *out)
{
	char *end;

	/* strtoull would skip spaces and take a sign: " -1ms" was 2^64-1 ms. */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	for (const struct unit *u = units; u->suffix; u++) {
		if (strcasecmp(end, u->suffix) == 0) {
			if (u->factor && v > UINT64_MAX / u->factor)
				return -EINVAL;
			*out = v * u->factor;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1ull << 10 }, { "kb", 1ull << 10 }, { "kib", 1ull << 10 },
		{ "m", 1ull << 20 }, { "mb", 1ull << 20 }, { "mib", 1ull << 20 },
		{ "g", 1ull << 30 }, { "gb", 1ull << 30 }, { "gib", 1ull << 30 },
		{ NULL, 0 },
	};
	return parse_with_units(s, units, out);
}

int parse_duration_ms(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 },
		{ "m", 60000 }, { "h", 3600000 },
		{ NULL, 0 },
	};
	return parse_with_units(s, units, out);
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct unit units[] = { { "", 1 }, { NULL, 0 } };
	uint64_t v;

	if (parse_with_units(s, units, &v) < 0 || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_bool(const char *s, int *out)
{
	if (!s || !strcasecmp(s, "true") || !strcmp(s, "1"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcmp(s, "0"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
