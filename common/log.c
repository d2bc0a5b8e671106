/* One write(2) per line, so lines from several threads never interleave. */
#include "log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "pcap-broker";
static enum log_level min_level = LOG_INFO;
static int as_json;

static const char *const names[] = { "debug", "info", "warn", "error" };
static const char *const tags[] = { "DBG", "INF", "WRN", "ERR" };

void log_setup(const char *program, enum log_level min, int json)
{
	prog = program;
	min_level = min;
	as_json = json;
}

struct line {
	char buf[4096];
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 3 - l->len; /* keep space for "}\n" */

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_json_string(struct line *l, const char *s, size_t n)
{
	char esc[8];

	put(l, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(l, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(l, esc, 6);
		} else {
			put(l, (const char *)&s[i], 1);
		}
	}
	put(l, "\"", 1);
}

static int all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 18 || (n > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "a=1 b=x" -> ,"a":1,"b":"x" */
static void put_json_fields(struct line *l, const char *f)
{
	while (*f) {
		while (*f == ' ')
			f++;
		const char *eq = strchr(f, '=');
		if (!eq)
			break;
		const char *v = eq + 1;
		size_t vn = strcspn(v, " ");
		put(l, ",", 1);
		put_json_string(l, f, (size_t)(eq - f));
		put(l, ":", 1);
		if (all_digits(v, vn))
			put(l, v, vn);
		else
			put_json_string(l, v, vn);
		f = v + vn;
	}
}

static void put_time(struct line *l)
{
	struct timespec ts;
	struct tm tm;
	char tbuf[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(tbuf + n, sizeof(tbuf) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	puts_(l, tbuf);
}

void log_event(enum log_level level, const char *msg, const char *fields, ...)
{
	struct line l = { .len = 0 };
	char fbuf[2048] = "";
	va_list ap;

	if (level < min_level)
		return;
	if (fields) {
		va_start(ap, fields);
		vsnprintf(fbuf, sizeof(fbuf), fields, ap);
		va_end(ap);
	}
	if (as_json) {
		puts_(&l, "{\"time\":\"");
		put_time(&l);
		puts_(&l, "\",\"level\":\"");
		puts_(&l, names[level]);
		puts_(&l, "\",\"program\":\"");
		puts_(&l, prog);
		puts_(&l, "\",\"message\":");
		put_json_string(&l, msg, strlen(msg));
		put_json_fields(&l, fbuf);
		l.buf[l.len++] = '}'; /* room kept by put(): a long line stays JSON */
	} else {
		put_time(&l);
		put(&l, " ", 1);
		puts_(&l, tags[level]);
		put(&l, " ", 1);
		puts_(&l, msg);
		if (fbuf[0]) {
			put(&l, " ", 1);
			puts_(&l, fbuf);
		}
	}
	l.buf[l.len++] = '\n';
	ssize_t ignored = write(STDERR_FILENO, l.buf, l.len);
	(void)ignored;
}
