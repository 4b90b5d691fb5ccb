// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static const unsigned char v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool bw_addr_is_v4(const struct bw_addr *a)
{
	return !memcmp(a->b, v4_prefix, sizeof(v4_prefix));
}

void bw_addr_from_v4(struct bw_addr *a, const void *in_addr4)
{
	memcpy(a->b, v4_prefix, sizeof(v4_prefix));
	memcpy(&a->b[12], in_addr4, 4);
}

/* Text to address; *is_v4 tells which family it was. */
static int parse_one(const char *s, struct bw_addr *a, bool *is_v4)
{
	struct in_addr v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		bw_addr_from_v4(a, &v4);
		*is_v4 = true;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		*is_v4 = false;
		return 0;
	}
	return -1;
}

int bw_parse_addr(const char *s, struct bw_addr *a, char *err, size_t errlen)
{
	bool v4;

	if (strlen(s) >= BW_PREFIX_STRLEN || parse_one(s, a, &v4)) {
		snprintf(err, errlen, "'%.*s' is not an IPv4 or IPv6 address",
			 BW_PREFIX_STRLEN, s);
		return -1;
	}
	return 0;
}

int bw_parse_prefix(const char *s, struct bw_lpm_key *k, char *err, size_t errlen)
{
	char buf[BW_PREFIX_STRLEN];
	struct bw_addr a;
	char *slash, *end;
	long len;
	bool v4;
	int max;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.40s...' is too long for an address or CIDR", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (parse_one(buf, &a, &v4)) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address or CIDR", s);
		return -1;
	}
	max = v4 ? 32 : 128;
	len = max;
	if (slash) {
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || errno || *end || len > max) {
			snprintf(err, errlen, "'%s': prefix length must be 0-%d", s, max);
			return -1;
		}
	}
	k->prefixlen = (__u32)len + (v4 ? 96 : 0);
	/* Clear host bits so equal prefixes have equal keys. */
	for (unsigned int bit = k->prefixlen; bit < 128; bit++)
		a.b[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
	memcpy(k->addr, a.b, 16);
	return 0;
}

void bw_format_addr(const struct bw_addr *a, char *buf, size_t len)
{
	if (bw_addr_is_v4(a))
		inet_ntop(AF_INET, &a->b[12], buf, len);
	else
		inet_ntop(AF_INET6, a->b, buf, len);
}

void bw_format_prefix(const struct bw_lpm_key *k, char *buf, size_t len)
{
	struct bw_addr a;
	size_t n;

	memcpy(a.b, k->addr, 16);
	bw_format_addr(&a, buf, len);
	n = strlen(buf);
	if (bw_addr_is_v4(&a) && k->prefixlen >= 96)
		snprintf(buf + n, len - n, "/%u", k->prefixlen - 96);
	else
		snprintf(buf + n, len - n, "/%u", k->prefixlen);
}
