#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "stats.h"
#include "util.h"

#define STATUS_PERIOD_MS 1000

static struct watch timer = { .fd = -1 };
static uint64_t watchdog_us;
static char last_status[200];
static int stopping;

static void status_line(const struct hub *h, char *buf, size_t len)
{
	struct totals t;

	stats_totals(h, &t);
	snprintf(buf, len, "clients=%u packets=%llu bytes=%llu drops=%llu kernel_drops=%llu lossy_clients=%u",
		 t.clients, (unsigned long long)t.records, (unsigned long long)t.bytes,
		 (unsigned long long)t.drops, (unsigned long long)t.kernel_drops, t.lossy_clients);
}

static void on_tick(struct hub *h, struct watch *w, uint32_t events)
{
	uint64_t expirations;
	char status[sizeof(last_status)];

	(void)events;
	if (read(w->fd, &expirations, sizeof(expirations)) < 0)
		return;
	if (watchdog_us)
		sd_notify(0, "WATCHDOG=1");
	if (stopping)
		return;
	status_line(h, status, sizeof(status));
	if (strcmp(status, last_status) != 0) {
		strcpy(last_status, status);
		sd_notifyf(0, "STATUS=%s", status);
	}
}

void notify_setup(struct hub *h)
{
	uint64_t period_ms = STATUS_PERIOD_MS;

	if (!getenv("NOTIFY_SOCKET"))
		return;
	if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
		watchdog_us = 0;
	if (watchdog_us && watchdog_us / 2000 < period_ms)
		period_ms = watchdog_us / 2000 ? watchdog_us / 2000 : 1;
	int rc = timer_add(h->epfd, &timer, period_ms, on_tick);
	if (rc < 0) {
		log_error("cannot set up the systemd notification timer", "error=\"%s\"", strerror(-rc));
		exit(EXIT_OSERR);
	}
	if (watchdog_us)
		log_debug("systemd watchdog enabled", "period_ms=%llu", (unsigned long long)period_ms);
}

void notify_ready(struct hub *h)
{
	status_line(h, last_status, sizeof(last_status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", last_status);
}

void notify_stopping(struct hub *h)
{
	char status[sizeof(last_status)];

	if (stopping++)
		return;
	status_line(h, status, sizeof(status));
	sd_notifyf(0, "STOPPING=1\nSTATUS=stopping: %s", status);
}
