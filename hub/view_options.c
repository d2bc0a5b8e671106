/* Parsing the user's views: -view 'NAME: key=value; key=value' (may repeat)
 * and PCAP_BROKER_VIEW_<NAME>='key=value; ...' (a flag for the same name
 * wins). Settings are separated by ';', which BPF never uses; a value runs
 * to the next ';' and is trimmed. Only what can be checked without the
 * capture is checked here; views.c checks filters and link types. */
#include "view_options.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "output.h"
#include "util.h"
#include "view_group.h"

#define ENV_PREFIX "PCAP_BROKER_VIEW_"

extern char **environ;

/* The variables' copies the settings point into: held here for the
 * process's life (one more than the views, for the one that fails). */
static char *env_copies[MAX_VIEWS + 1];
static int nenv_copies;

static int fail(const char *name, const char *fmt, const char *what)
{
	fprintf(stderr, "pcap-broker: view '%s': ", name);
	fprintf(stderr, fmt, what);
	fputs(" (see -help)\n", stderr);
	return EXIT_USAGE;
}

static char *trim(char *s)
{
	char *end = s + strlen(s);

	while (isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* [A-Za-z0-9_]{1,31}; "default" and "metrics" are taken. */
static int name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len >= VIEW_NAME_MAX)
		return 0;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return 0;
	return strcasecmp(n, "default") && strcasecmp(n, "metrics");
}

static int set_listen(struct view_settings *s, char *v)
{
	for (char *save, *a = strtok_r(v, ", ", &save); a; a = strtok_r(NULL, ", ", &save)) {
		if (s->nlisten == VIEW_MAX_LISTEN)
			return fail(s->name, "more than %s listen addresses", "8");
		s->listen[s->nlisten++] = a;
	}
	return s->nlisten ? -1 : fail(s->name, "empty listen=%s", "");
}

static int set_number(struct view_settings *s, const char *v)
{
	uint64_t n;

	if (parse_uint(v, 1, OUTPUT_SNAPLEN_MAX, &n) < 0)
		return fail(s->name, "bad snaplen=%s (1 to 262144)", v);
	s->snaplen = (uint32_t)n;
	return -1;
}

static int set_precision(struct view_settings *s, const char *v)
{
	if (!strcmp(v, "micro"))
		s->precision = PRECISION_MICRO;
	else if (!strcmp(v, "nano"))
		s->precision = PRECISION_NANO;
	else
		return fail(s->name, "bad precision=%s (micro or nano)", v);
	return -1;
}

static int set_duration(struct view_settings *s, const char *key, const char *v, uint64_t *out)
{
	if (parse_duration_ms(v, out) < 0 || *out == 0) {
		fprintf(stderr, "pcap-broker: view '%s': bad %s=%s (a duration: 30s, 10m, 1h)"
			" (see -help)\n", s->name, key, v);
		return EXIT_USAGE;
	}
	return -1;
}

/* rewind=, resume=, lossless (issue 12), or the unknown-key error. */
static int set_nothing_missed(struct view_settings *s, const char *key, const char *v)
{
	if (!strcmp(key, "rewind"))
		return set_duration(s, key, v, &s->rewind_ms);
	if (!strcmp(key, "resume"))
		return set_duration(s, key, v, &s->resume_ms);
	if (!strcmp(key, "lossless")) {
		if (!strcmp(v, "yes") || !strcmp(v, "no"))
			s->lossless = !strcmp(v, "yes");
		else if (parse_bool(v, &s->lossless) < 0)
			return fail(s->name, "bad lossless=%s (yes or no)", v);
		return -1;
	}
	return fail(s->name, "unknown setting '%s' (filter, snaplen, precision, linktype, listen, socket,"
		    " group, rewind, resume, lossless)", key);
}

static int set_one(struct view_settings *s, const char *key, char *v)
{
	if (!strcmp(key, "filter")) {
		if (!*v)
			return fail(s->name, "empty filter=%s", "");
		s->filter = v;
		return -1;
	}
	if (!strcmp(key, "snaplen"))
		return set_number(s, v);
	if (!strcmp(key, "precision"))
		return set_precision(s, v);
	if (!strcmp(key, "linktype")) {
		if (strcmp(v, "ether"))
			return fail(s->name, "bad linktype=%s (only ether)", v);
		s->linktype = VIEW_LINK_ETHER;
		return -1;
	}
	if (!strcmp(key, "listen"))
		return set_listen(s, v);
	if (!strcmp(key, "group"))
		return view_group_setting(s, v);
	if (!strcmp(key, "socket")) {
		if (!*v)
			return fail(s->name, "empty socket=%s", "");
		s->socket_path = v;
		return -1;
	}
	return set_nothing_missed(s, key, v);
}

/* "key=value; key=value" into s, whose name is set. */
static int parse_body(struct view_settings *s, char *body)
{
	int rc;

	for (char *save, *kv = strtok_r(body, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
		kv = trim(kv);
		if (!*kv)
			continue;
		char *eq = strchr(kv, '=');
		if (!eq && !strcmp(kv, "lossless")) { /* the one bare key */
			rc = set_one(s, kv, (char[]){ "yes" });
			continue;
		}
		if (!eq)
			return fail(s->name, "'%s' is not key=value", kv);
		*eq = '\0';
		if ((rc = set_one(s, trim(kv), trim(eq + 1))) >= 0)
			return rc;
	}
	/* A group member's share is decided from when it joins; records from
	 * before (a rewind, a resume point) were shared out without it. */
	if (s->group && (s->rewind_ms || s->resume_ms))
		return fail(s->name, "group= cannot be combined with rewind= or resume=%s", "");
	return -1;
}

static int find(const struct options *o, const char *name)
{
	for (int i = 1; i < o->nviews; i++)
		if (!strcasecmp(o->views[i].name, name))
			return i;
	return -1;
}

/* Defines view name from body; from a flag it replaces a variable's. */
static int define(struct options *o, const char *name, char *body, int from_flag)
{
	struct view_settings s = { .precision = PRECISION_KEEP };
	int i = find(o, name), rc;

	if (!name_ok(name))
		return fail(name, "bad view name '%s' ([A-Za-z0-9_], 1 to 31, not default or metrics)", name);
	if (i > 0 && (!from_flag || o->view_from_flag[i]))
		return fail(name, "defined twice (%s)", from_flag ? "-view" : ENV_PREFIX "*");
	if (i < 0 && o->nviews == MAX_VIEWS)
		return fail(name, "too many views (at most %s besides default)", "15");
	snprintf(s.name, sizeof(s.name), "%s", name);
	if ((rc = parse_body(&s, body)) >= 0)
		return rc;
	if (i < 0)
		i = o->nviews++;
	o->views[i] = s;
	o->view_from_flag[i] = (unsigned char)from_flag;
	return -1;
}

int view_options_flag(struct options *o, char *spec)
{
	char *colon = strchr(spec, ':');

	if (!colon) {
		fprintf(stderr, "pcap-broker: invalid -view '%s' (want 'NAME: key=value; ...', see -help)\n", spec);
		return EXIT_USAGE;
	}
	*colon = '\0';
	return define(o, trim(spec), colon + 1, 1);
}

int view_options_env(struct options *o)
{
	size_t plen = strlen(ENV_PREFIX);
	int rc;

	for (char **e = environ; *e; e++) {
		if (strncmp(*e, ENV_PREFIX, plen))
			continue;
		const char *eq0 = strchr(*e + plen, '=');
		if (!eq0 || !eq0[1]) /* set to "": unset */
			continue;
		if (nenv_copies == MAX_VIEWS + 1)
			return fail(*e + plen, "too many views (at most %s besides default)", "15");
		char *var = env_copies[nenv_copies++] = strdup(*e + plen);
		char *eq = var ? strchr(var, '=') : NULL;
		if (!eq)
			return fail(*e + plen, "%s", "out of memory");
		*eq = '\0';
		if ((rc = define(o, var, eq + 1, 0)) >= 0)
			return rc;
	}
	return -1;
}
