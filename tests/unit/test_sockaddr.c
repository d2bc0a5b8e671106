/* sockaddr_parse: the one strict parser of every address flag. */
#include <errno.h>
#include <string.h>

#include "sockaddr.h"
#include "unit.h"

static int parses(const char *spec, unsigned flags, const char *host, unsigned port)
{
	char h[64];
	uint16_t p = 12345;

	return sockaddr_parse(spec, h, sizeof(h), &p, flags) == 0 && !strcmp(h, host) && p == port;
}

static int refused(const char *spec, unsigned flags)
{
	char h[64] = "untouched";
	uint16_t p = 0;

	return sockaddr_parse(spec, h, sizeof(h), &p, flags) == -EINVAL;
}

static void test_good(void)
{
	CHECK(parses("127.0.0.1:4242", 0, "127.0.0.1", 4242));
	CHECK(parses("localhost:1", 0, "localhost", 1));
	CHECK(parses("[::1]:65535", 0, "::1", 65535));
	CHECK(parses("[fe80::1%lo]:80", 0, "fe80::1%lo", 80));
	CHECK(parses(":4242", 0, "", 4242));
	CHECK(parses(":0", SOCKADDR_PORT_ZERO, "", 0));
	CHECK(parses("[::]:0", SOCKADDR_PORT_ZERO, "::", 0));
	CHECK(parses("host:080", 0, "host", 80));
}

/* Finding 6 of issue 16: every one of these used to be taken somehow. */
static void test_port_range(void)
{
	const unsigned z = SOCKADDR_PORT_ZERO;

	CHECK(refused(":70000", z));
	CHECK(refused(":65536", z));
	CHECK(refused("127.0.0.1:99999", 0));
	CHECK(refused("127.0.0.1:4294967376", z)); /* 80 modulo 2^32 */
	CHECK(refused("[::1]:", z));
	CHECK(refused("127.0.0.1:", z));
	CHECK(refused(":", z));
	CHECK(refused("127.0.0.1:0", 0));
	CHECK(refused(":00", 0));
}

static void test_syntax(void)
{
	const unsigned z = SOCKADDR_PORT_ZERO;
	const char *bad[] = {
		"", "nonsense", "127.0.0.1", "[::1]", "[::1]80", "::1:80", "[]:80", "[[::1]]:80",
		"a]:80", "[::1:80", "127.0.0.1:+80", "127.0.0.1:-1", "127.0.0.1: 80", "127.0.0.1:80 ",
		" 127.0.0.1:80", "host name:80", "127.0.0.1:0x50", "127.0.0.1:8o", "a\tb:80",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(refused(bad[i], z));
}

static void test_flags(void)
{
	char h[4];
	uint16_t p;

	CHECK(refused(":4242", SOCKADDR_HOST_REQUIRED));
	CHECK(parses("h:4242", SOCKADDR_HOST_REQUIRED, "h", 4242));
	CHECK(sockaddr_parse("abc:1", h, sizeof(h), &p, 0) == 0);
	CHECK(sockaddr_parse("abcd:1", h, sizeof(h), &p, 0) == -EINVAL); /* host too long */
	CHECK(strstr(sockaddr_expected(SOCKADDR_PORT_ZERO), "0 to 65535"));
	CHECK(strstr(sockaddr_expected(SOCKADDR_HOST_REQUIRED), "1 to 65535"));
}

int main(void)
{
	test_good();
	test_port_range();
	test_syntax();
	test_flags();
	return UNIT_DONE("sockaddr");
}
