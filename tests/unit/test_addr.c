// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for address and prefix parsing/formatting. */
#include "addr.h"
#include "check.h"

static void roundtrip(const char *in, const char *want)
{
	struct bw_lpm_key k;
	char err[128], out[BW_PREFIX_STRLEN];

	if (bw_parse_prefix(in, &k, err, sizeof(err))) {
		printf("  parse '%s': %s\n", in, err);
		CHECK(!"parse failed");
		return;
	}
	bw_format_prefix(&k, out, sizeof(out));
	if (strcmp(out, want))
		printf("  '%s' -> '%s', want '%s'\n", in, out, want);
	CHECK(!strcmp(out, want));
}

static void test_prefix_roundtrip(void)
{
	roundtrip("192.0.2.1", "192.0.2.1/32");
	roundtrip("192.0.2.0/24", "192.0.2.0/24");
	roundtrip("192.0.2.77/24", "192.0.2.0/24");     /* host bits cleared */
	roundtrip("0.0.0.0/0", "0.0.0.0/0");
	roundtrip("2001:db8::1", "2001:db8::1/128");
	roundtrip("2001:db8:ffff::/33", "2001:db8:8000::/33");
	roundtrip("2001:db8::/32", "2001:db8::/32");
}

static void test_v4_is_mapped(void)
{
	struct bw_lpm_key k;
	char err[128];

	CHECK_EQ(bw_parse_prefix("198.51.100.0/24", &k, err, sizeof(err)), 0);
	CHECK_EQ(k.prefixlen, 96 + 24);
	CHECK_EQ(k.addr[10], 0xff);
	CHECK_EQ(k.addr[11], 0xff);
	CHECK_EQ(k.addr[12], 198);
	CHECK_EQ(k.addr[15], 0);
}

static void test_bad_prefixes(void)
{
	static const char *const bad[] = {
		"", "300.1.1.1", "192.0.2.0/33", "192.0.2.0/-1", "192.0.2.0/", "2001:db8::/129",
		"192.0.2.0/24x", "hello", "192.0.2.0/ 24", "1.2.3", "::ffff:zz",
		"11111111111111111111111111111111111111111111111111111111111111111111",
	};
	struct bw_lpm_key k;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		if (!bw_parse_prefix(bad[i], &k, err, sizeof(err)))
			printf("  accepted bad prefix '%s'\n", bad[i]);
		CHECK(err[0] != '\0');
	}
}

static void test_addr_only(void)
{
	struct bw_addr a;
	char err[128], out[64];

	CHECK_EQ(bw_parse_addr("203.0.113.9", &a, err, sizeof(err)), 0);
	CHECK(bw_addr_is_v4(&a));
	bw_format_addr(&a, out, sizeof(out));
	CHECK(!strcmp(out, "203.0.113.9"));
	CHECK_EQ(bw_parse_addr("2001:db8::9", &a, err, sizeof(err)), 0);
	CHECK(!bw_addr_is_v4(&a));
	CHECK(bw_parse_addr("203.0.113.0/24", &a, err, sizeof(err)) != 0);
}

int main(void)
{
	RUN(test_prefix_roundtrip);
	RUN(test_v4_is_mapped);
	RUN(test_bad_prefixes);
	RUN(test_addr_only);
	return CHECK_EXIT();
}
