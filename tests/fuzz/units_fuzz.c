/* libFuzzer target for the value parsers of common/util.c: sizes
 * (-buffer), durations (-drain, -stall-timeout) and plain integers.
 *
 * Byte 0 picks the parser; the rest is the value. What a parser takes must
 * be decimal digits then a unit, worth the digits times what "1" with that
 * unit is worth, without overflow; plain digits must always be taken when
 * they fit. So a sign, a space or a wrapped number is a finding. */
#include <errno.h>

#include "fuzz_text.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*parser_fn)(const char *s, uint64_t *out);

static int parse_port_like(const char *s, uint64_t *out)
{
	return parse_uint(s, 1, 65535, out);
}

static const parser_fn parsers[] = { parse_size, parse_duration_ms, parse_port_like };
static const uint64_t plain_factor[] = { 1, 1000, 1 }; /* a bare number's unit */

/* The leading digits' value; -EOVERFLOW if they do not fit, -EINVAL if none. */
static int digits(const char *s, uint64_t *v, const char **end)
{
	*v = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EOVERFLOW;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	*end = s;
	return 0;
}

static void check_taken(parser_fn parse, const char *s, uint64_t got)
{
	char one[64] = "1";
	const char *unit;
	uint64_t v, factor;

	fuzz_check(digits(s, &v, &unit) == 0);
	fuzz_check(strlen(unit) < sizeof(one) - 1);
	strcat(one, unit);
	fuzz_check(parse(one, &factor) == 0);
	if (parse != parse_port_like)
		fuzz_check(factor && v <= UINT64_MAX / factor && got == v * factor);
	else
		fuzz_check(!*unit && got == v && v >= 1 && v <= 65535);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t got, v;
	const char *end;

	if (size < 1)
		return 0;
	size_t which = data[0] % (sizeof(parsers) / sizeof(parsers[0]));
	const char *s = fuzz_text(data + 1, size - 1);
	if (!s)
		return 0;
	int rc = parsers[which](s, &got);
	fuzz_check(rc == 0 || rc == -EINVAL);
	if (rc == 0)
		check_taken(parsers[which], s, got);
	else if (digits(s, &v, &end) == 0 && !*end && which < 2)
		fuzz_check(v > UINT64_MAX / plain_factor[which]); /* plain digits refused only on overflow */
	return 0;
}
