/* The restart backoff: 1 s doubling to 30 s, reset after a minute running. */
#include <string.h>

#include "restart.h"
#include "unit.h"

int main(void)
{
	struct restart r;
	const uint64_t want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };
	uint64_t now = 1000000;

	memset(&r, 0, sizeof(r));
	/* Failing at once, again and again. */
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		r.started_ms = now;
		now += 500;
		CHECK(restart_next_delay(&r, now) == want[i]);
	}
	/* A start that ran 59 s is not healthy yet; one that ran 60 s is. */
	r.started_ms = now;
	now += RESTART_HEALTHY_MS - 1000;
	CHECK(restart_next_delay(&r, now) == 30000);
	r.started_ms = now;
	now += RESTART_HEALTHY_MS;
	CHECK(restart_next_delay(&r, now) == 1000);
	CHECK(restart_next_delay(&r, now) == 2000);
	/* A failed start (no new started_ms) never counts as healthy, however
	 * long ago the last good one was. */
	now += 10 * RESTART_HEALTHY_MS;
	CHECK(restart_next_delay(&r, now) == 4000);
	return UNIT_DONE("restart");
}
