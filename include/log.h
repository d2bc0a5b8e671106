/* Logging to stderr, one line per event, as text or JSON lines.
 *
 * Fields are written as "key=value key=value" in the format string; the JSON
 * emitter turns each pair into a member (digits become numbers). Values that
 * may hold spaces must be passed through the message, not the fields. */
#ifndef PCAP_BROKER_LOG_H
#define PCAP_BROKER_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_setup(const char *program, enum log_level min, int json);

void log_event(enum log_level level, const char *msg, const char *fields, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(...) log_event(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_event(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_event(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_event(LOG_ERROR, __VA_ARGS__)

#endif
