/* libFuzzer target for the -allow CIDR list parser (hub/acl.c).
 *
 * Whatever it takes must be a list of well-formed networks: v4 prefixes up
 * to 32, v6 up to 128, host bits clear, a v4-mapped network stored as v4.
 * Printed back as text and parsed again, the list must come out the same,
 * and each network must allow its own address (v4 ones also v4-mapped). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>

#include "acl.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int bit(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

static void check_cidr(const struct cidr *c)
{
	unsigned bits = c->family == AF_INET ? 32 : 128;

	fuzz_check(c->family == AF_INET || c->family == AF_INET6);
	fuzz_check(c->prefix <= bits);
	for (unsigned i = c->prefix; i < 128; i++)
		fuzz_check(!bit(c->addr, i)); /* host bits, and past a v4 address */
	fuzz_check(c->family == AF_INET || c->prefix < 96 || memcmp(c->addr, v4mapped, 12));
}

/* The peer whose address is the network's own. */
static struct sockaddr_storage peer(const struct cidr *c, int mapped)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)(mapped ? AF_INET6 : c->family) };

	if (mapped) {
		uint8_t *a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
		memcpy(a, v4mapped, 12);
		memcpy(a + 12, c->addr, 4);
	} else if (c->family == AF_INET) {
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, c->addr, 4);
	} else {
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, c->addr, 16);
	}
	return ss;
}

static void check_round_trip(const struct acl *a)
{
	static char text[ACL_MAX * (INET6_ADDRSTRLEN + 6)];
	static struct acl again;
	size_t at = 0;

	for (int i = 0; i < a->n; i++) {
		char ip[INET6_ADDRSTRLEN];
		fuzz_check(inet_ntop(a->e[i].family, a->e[i].addr, ip, sizeof(ip)) != NULL);
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s%s/%u", i ? "," : "", ip,
				       a->e[i].prefix);
	}
	again.n = 0;
	fuzz_check(acl_parse(&again, text) == 0);
	fuzz_check(again.n == a->n && !memcmp(again.e, a->e, sizeof(a->e[0]) * (size_t)a->n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acl a;
	const char *text = fuzz_text(data, size);

	if (!text)
		return 0;
	memset(&a, 0, sizeof(a));
	int rc = acl_parse(&a, text);
	fuzz_check(rc == 0 || rc == -EINVAL || rc == -E2BIG);
	fuzz_check(a.n >= 0 && a.n <= ACL_MAX);
	for (int i = 0; i < a.n; i++) {
		check_cidr(&a.e[i]);
		struct sockaddr_storage own = peer(&a.e[i], 0), mapped = peer(&a.e[i], 1);
		fuzz_check(acl_allows(&a, &own));
		fuzz_check(a.e[i].family == AF_INET6 || acl_allows(&a, &mapped));
	}
	if (rc == 0) {
		fuzz_check(a.n > 0); /* never an empty list that allows everyone */
		check_round_trip(&a);
	}
	return 0;
}
