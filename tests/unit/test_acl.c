/* The -allow list: CIDR parsing, v4 and v6 matching, v4-mapped peers. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "acl.h"
#include "unit.h"

static struct sockaddr_storage peer(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
	} else {
		CHECK(inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1);
		ss.ss_family = AF_INET6;
	}
	return ss;
}

static int allows(const struct acl *a, const char *ip)
{
	struct sockaddr_storage ss = peer(ip);

	return acl_allows(a, &ss);
}

static void test_empty_allows_everyone(void)
{
	struct acl a = { .n = 0 };
	struct sockaddr_storage unix_peer = { .ss_family = AF_UNIX };

	CHECK(allows(&a, "192.0.2.1"));
	CHECK(allows(&a, "2001:db8::1"));
	CHECK(acl_allows(&a, &unix_peer));
}

static void test_v4(void)
{
	struct acl a = { .n = 0 };

	CHECK(acl_parse(&a, "10.1.2.3/8, 192.168.7.9") == 0);
	CHECK(a.n == 2);
	CHECK(allows(&a, "10.0.0.1"));
	CHECK(allows(&a, "10.255.255.255"));
	CHECK(!allows(&a, "11.0.0.1"));
	CHECK(allows(&a, "192.168.7.9"));
	CHECK(!allows(&a, "192.168.7.10"));
	/* a v4-mapped peer from a dual-stack listener is its v4 address */
	CHECK(allows(&a, "::ffff:10.9.8.7"));
	CHECK(!allows(&a, "::ffff:11.9.8.7"));
	CHECK(!allows(&a, "::1"));
}

static void test_v6(void)
{
	struct acl a = { .n = 0 };

	CHECK(acl_parse(&a, "2001:db8:abcd::/47,::1") == 0);
	/* /47 keeps the first 15 bits of abcd: abcc and abcd, not abce */
	CHECK(allows(&a, "2001:db8:abcc::1"));
	CHECK(allows(&a, "2001:db8:abcd:ffff::1"));
	CHECK(!allows(&a, "2001:db8:abce::1"));
	CHECK(allows(&a, "::1"));
	CHECK(!allows(&a, "::2"));
	CHECK(!allows(&a, "127.0.0.1"));
}

static void test_mapped_cidr_is_v4(void)
{
	struct acl a = { .n = 0 };

	CHECK(acl_parse(&a, "::ffff:172.16.0.0/108") == 0);
	CHECK(a.e[0].family == AF_INET && a.e[0].prefix == 12);
	CHECK(allows(&a, "172.31.1.1"));
	CHECK(!allows(&a, "172.32.1.1"));
}

static void test_odd_prefixes(void)
{
	struct acl a = { .n = 0 };

	CHECK(acl_parse(&a, "0.0.0.0/0") == 0);
	CHECK(allows(&a, "203.0.113.5"));
	CHECK(!allows(&a, "2001:db8::1"));
	a.n = 0;
	CHECK(acl_parse(&a, "198.51.100.128/25") == 0);
	CHECK(allows(&a, "198.51.100.200"));
	CHECK(!allows(&a, "198.51.100.127"));
}

static void test_bad_entries(void)
{
	struct acl a = { .n = 0 };
	static const char *const bad[] = {
		"", ",", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0",
		"host.example", "::1/129", "1.2.3.4/8/8", "[::1]/128",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.n = 0;
		CHECK(acl_parse(&a, bad[i]) == -EINVAL);
		CHECK(a.n == 0);
	}
	a.n = 0;
	for (int i = 0; i < ACL_MAX; i++)
		CHECK(acl_parse(&a, "10.0.0.1") == 0);
	CHECK(acl_parse(&a, "10.0.0.1") == -E2BIG);
}

int main(void)
{
	test_empty_allows_everyone();
	test_v4();
	test_v6();
	test_mapped_cidr_is_v4();
	test_odd_prefixes();
	test_bad_entries();
	return UNIT_DONE("acl");
}
