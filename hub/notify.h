/* Reports to systemd (Type=notify): READY=1, STATUS=, WATCHDOG=1, STOPPING=1.
 * Every call is a no-op when NOTIFY_SOCKET is not set. */
#ifndef PCAP_BROKER_NOTIFY_H
#define PCAP_BROKER_NOTIFY_H

struct hub;

/* Start-up: a timer in the loop for STATUS (at most once a second, only
 * when it changed) and WATCHDOG=1 (at half the unit's WatchdogSec). Exits
 * with a status if the timer cannot be made. */
void notify_setup(struct hub *h);
/* Listening and the capture started. */
void notify_ready(struct hub *h);
/* Shutting down: the capture ended or a signal stopped it. */
void notify_stopping(struct hub *h);

#endif
