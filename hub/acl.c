#include "acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void clear_host_bits(uint8_t *a, unsigned prefix, unsigned bits)
{
	for (unsigned i = prefix; i < bits; i++)
		a[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

static int parse_prefix(const char *s, unsigned max, unsigned *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_one(const char *spec, struct cidr *c)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(spec, '/');
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);

	if (len == 0 || len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, spec, len);
	ip[len] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, ip, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -EINVAL;
	unsigned bits = c->family == AF_INET ? 32 : 128;
	c->prefix = bits;
	if (slash && parse_prefix(slash + 1, bits, &c->prefix) < 0)
		return -EINVAL;
	/* ::ffff:a.b.c.d/N (N >= 96) is the v4 CIDR a.b.c.d/N-96. */
	if (c->family == AF_INET6 && c->prefix >= 96 && !memcmp(c->addr, v4mapped, 12)) {
		memmove(c->addr, c->addr + 12, 4);
		memset(c->addr + 4, 0, 12);
		c->family = AF_INET;
		c->prefix -= 96;
		bits = 32;
	}
	clear_host_bits(c->addr, c->prefix, bits);
	return 0;
}

int acl_parse(struct acl *a, const char *list)
{
	char *copy = strdup(list), *save;
	int rc = copy ? 0 : -ENOMEM, before = a->n;

	for (char *s = copy ? strtok_r(copy, ", ", &save) : NULL; s && rc == 0;
	     s = strtok_r(NULL, ", ", &save)) {
		if (a->n == ACL_MAX)
			rc = -E2BIG;
		else if ((rc = parse_one(s, &a->e[a->n])) == 0)
			a->n++;
	}
	free(copy);
	if (rc == 0 && a->n == before)
		rc = -EINVAL; /* an empty list would silently allow everyone */
	return rc;
}

static int contains(const struct cidr *c, int family, const uint8_t *addr)
{
	unsigned full = c->prefix / 8, rest = c->prefix % 8;

	if (c->family != family || memcmp(c->addr, addr, full))
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return (addr[full] & mask) == c->addr[full];
}

int acl_allows(const struct acl *a, const struct sockaddr_storage *peer)
{
	const uint8_t *addr;
	int family = peer->ss_family;

	if (a->n == 0)
		return 1;
	if (family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
	} else if (family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
		if (!memcmp(addr, v4mapped, 12)) {
			addr += 12;
			family = AF_INET;
		}
	} else {
		return 1; /* Unix socket: its file mode is the access control */
	}
	for (int i = 0; i < a->n; i++)
		if (contains(&a->e[i], family, addr))
			return 1;
	return 0;
}
