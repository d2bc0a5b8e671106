#include "view_hello.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "hub.h"
#include "log.h"

int view_hello_get(const struct sockaddr_storage *ss, socklen_t sl, const char *key,
		   char *out, size_t len)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
	size_t plen = strlen(VIEW_HELLO_PREFIX), klen = strlen(key);
	char name[sizeof(un->sun_path) + 1];

	if (ss->ss_family != AF_UNIX || sl <= offsetof(struct sockaddr_un, sun_path) + 1 ||
	    un->sun_path[0] != '\0')
		return 0;
	size_t n = sl - offsetof(struct sockaddr_un, sun_path) - 1;
	memcpy(name, un->sun_path + 1, n);
	name[n] = '\0';
	if (strncmp(name, VIEW_HELLO_PREFIX, plen))
		return 0;
	for (char *p = name + plen; p && *p; p = strchr(p, ' ')) {
		p += *p == ' ';
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(out, len, "%.*s", (int)strcspn(p + klen + 1, " "), p + klen + 1);
			return 1;
		}
	}
	return 0;
}

int view_hello_pick(struct hub *h, const struct sockaddr_storage *ss, socklen_t sl,
		    const char *addr, struct view **v)
{
	char name[VIEW_NAME_MAX + 1], peer[96] = "-";

	if (!view_hello_get(ss, sl, "view", name, sizeof(name)) || !*name)
		return 0;
	view_hello_get(ss, sl, "peer", peer, sizeof(peer));
	struct view *found = strlen(name) < VIEW_NAME_MAX ? views_find(h, name) : NULL;
	if (!found) {
		log_warn("client refused: no such view", "addr=%s view=%s peer=%s", addr, name, peer);
		return -ENOENT;
	}
	log_debug("a helper asks for a view", "addr=%s view=%s peer=%s", addr, name, peer);
	*v = found;
	return 0;
}
