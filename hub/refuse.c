#include "refuse.h"

#include "log.h"
#include "util.h"

static const char *const reason_name[REFUSE_NREASONS] = {
	[REFUSE_ALLOW] = "not-allowed",
	[REFUSE_FULL] = "max-clients",
	[REFUSE_FDS] = "out-of-fds",
};

const char *refuse_reason_name(enum refuse_reason why)
{
	return reason_name[why] ? reason_name[why] : "other";
}

void refuse_note(struct refusals *r, enum refuse_reason why, const char *addr, unsigned clients)
{
	uint64_t now = now_ms();

	r->total[why]++;
	if (now - r->window_ms >= 1000) {
		r->window_ms = now;
		r->lines = 0;
	}
	if (r->lines >= REFUSE_LINES_PER_SEC) {
		r->quiet[why]++;
		return;
	}
	r->lines++;
	log_warn("client refused", "addr=%s reason=%s clients=%u refused=%llu",
		 addr ? addr : "-", reason_name[why], clients, (unsigned long long)r->total[why]);
}

void refuse_flush(struct refusals *r)
{
	for (int i = 0; i < REFUSE_NREASONS; i++) {
		if (!r->quiet[i])
			continue;
		log_warn("clients refused without a log line of their own",
			 "reason=%s count=%llu refused=%llu", reason_name[i],
			 (unsigned long long)r->quiet[i], (unsigned long long)r->total[i]);
		r->quiet[i] = 0;
	}
}
