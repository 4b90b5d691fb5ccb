// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for list parsing and for syncing a real LPM trie map. */
#include <bpf/bpf.h>
#include <errno.h>
#include <unistd.h>

#include "addr.h"
#include "check.h"
#include "lists.h"

static int parse_text(const char *text, struct bw_prefix_set *s, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc = bw_list_parse_stream(f, "t.list", s, err, errlen);

	fclose(f);
	return rc;
}

static struct bw_lpm_key key(const char *p)
{
	struct bw_lpm_key k = {};
	char err[128];

	bw_parse_prefix(p, &k, err, sizeof(err));
	return k;
}

static void test_parse_formats(void)
{
	struct bw_prefix_set s = {};
	char err[256] = "";

	CHECK_EQ(parse_text("# FireHOL-style header\n"
			    "192.0.2.0/24\n"
			    "  198.51.100.7   \n"
			    "\n"
			    "203.0.113.0/24 ; SBL123456\n"      /* Spamhaus DROP */
			    "2001:db8::/48 # comment\n"
			    "192.0.2.0/24\n",                   /* duplicate */
			    &s, err, sizeof(err)), 0);
	CHECK_EQ(s.n, 4);
	struct bw_lpm_key k = key("203.0.113.0/24");
	CHECK(bw_prefix_set_contains(&s, &k));
	k = key("198.51.100.7");
	CHECK(bw_prefix_set_contains(&s, &k));
	bw_prefix_set_free(&s);
}

static bool has(const struct bw_prefix_set *s, const char *p)
{
	struct bw_lpm_key k = key(p);

	return bw_prefix_set_contains(s, &k);
}

static void test_parse_ipset_and_ranges(void)
{
	struct bw_prefix_set s = {};
	char err[256] = "";

	CHECK_EQ(parse_text("create bad hash:net family inet hashsize 1024 maxelem 65536\n"
			    "add bad 192.0.2.0/25\n"
			    "add bad 198.51.100.9 timeout 300\n"
			    "add bad6 2001:db8:1::/48\n"
			    "203.0.113.5-203.0.113.20\n"             /* 5/32 6/31 8/29 16/30 20/32 */
			    "2001:db8::-2001:db8::ff\n"               /* one /120 */
			    "192.0.2.200-192.0.2.200\n",
			    &s, err, sizeof(err)), 0);
	CHECK(has(&s, "192.0.2.0/25"));
	CHECK(has(&s, "198.51.100.9"));
	CHECK(has(&s, "2001:db8:1::/48"));
	CHECK(has(&s, "203.0.113.5/32"));
	CHECK(has(&s, "203.0.113.6/31"));
	CHECK(has(&s, "203.0.113.8/29"));
	CHECK(has(&s, "203.0.113.16/30"));
	CHECK(has(&s, "203.0.113.20/32"));
	CHECK(has(&s, "2001:db8::/120"));
	CHECK(has(&s, "192.0.2.200/32"));
	CHECK_EQ(s.n, 10);
	bw_prefix_set_free(&s);

	/* The whole IPv4 space as a range is one /0. */
	CHECK_EQ(parse_text("0.0.0.0-255.255.255.255\n", &s, err, sizeof(err)), 0);
	CHECK(has(&s, "0.0.0.0/0"));
	CHECK_EQ(s.n, 1);
	bw_prefix_set_free(&s);

	CHECK_EQ(parse_text("192.0.2.9\n192.0.2.20-192.0.2.10\n", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "t.list:2:") && strstr(err, "ends before it starts"));
	CHECK_EQ(s.n, 0);
	CHECK_EQ(parse_text("192.0.2.1-2001:db8::1\n", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "t.list:1:") && strstr(err, "mixes"));
	CHECK_EQ(parse_text("add bad 192.0.2.0/24 nomatch\n", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "t.list:1:") && strstr(err, "nomatch"));
	CHECK_EQ(parse_text("add bad\n", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "t.list:1:") != NULL);
	CHECK_EQ(parse_text("192.0.2.1-192.0.2.x\n", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "192.0.2.x") != NULL);
}

static void test_parse_error_names_line(void)
{
	struct bw_prefix_set s = {};
	char err[256] = "";

	CHECK_EQ(parse_text("192.0.2.0/24\n# ok\n192.0.2.300\n", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "t.list:3:") != NULL);
	CHECK(strstr(err, "192.0.2.300") != NULL);
	CHECK_EQ(s.n, 0); /* nothing half-parsed is handed back */

	CHECK_EQ(parse_text("192.0.2.1 192.0.2.2\n", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "t.list:1:") != NULL);
}

static void test_parse_long_line(void)
{
	char text[2048];
	struct bw_prefix_set s = {};
	char err[256] = "";

	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	CHECK_EQ(parse_text(text, &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "t.list:1: line longer") != NULL);
}

static void test_missing_file(void)
{
	struct bw_prefix_set s = {};
	char err[256] = "";

	CHECK_EQ(bw_list_parse_file("/nonexistent/botwall.list", &s, err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/botwall.list: cannot open") != NULL);
}

static int lookup_owner(int fd, const char *p)
{
	struct bw_lpm_key k = key(p);
	struct bw_list_entry v;

	if (bpf_map_lookup_elem(fd, &k, &v))
		return -1;
	return (int)v.list_id;
}

static void test_sync_real_map(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	struct bw_prefix_set a = {}, b = {};
	struct bw_sync_result res;
	struct bw_lpm_key manual = key("192.0.2.99");
	struct bw_list_entry mv = { .list_id = 0 };
	__u32 ids[2] = { 1, 2 };
	struct bw_prefix_set sets[2];
	char err[256];
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "bw_test_lpm", sizeof(struct bw_lpm_key),
			    sizeof(struct bw_list_entry), 1024, &o);
	if (fd < 0)
		SKIP("cannot create an LPM trie map (not root?)");

	CHECK_EQ(bpf_map_update_elem(fd, &manual, &mv, BPF_ANY), 0);
	parse_text("192.0.2.0/28\n198.51.100.0/24\n", &a, err, sizeof(err));
	parse_text("198.51.100.0/24\n2001:db8::/32\n", &b, err, sizeof(err));
	sets[0] = a;
	sets[1] = b;
	CHECK_EQ(bw_list_sync(fd, sets, ids, 2, &res, err, sizeof(err)), 0);
	CHECK_EQ(lookup_owner(fd, "192.0.2.0/28"), 1);
	CHECK_EQ(lookup_owner(fd, "198.51.100.0/24"), 2);   /* later list wins */
	CHECK_EQ(lookup_owner(fd, "2001:db8::/32"), 2);

	/* list 2 drops 198.51.100.0/24: list 1 still holds it, so it stays */
	bw_prefix_set_free(&b);
	parse_text("2001:db8::/32\n", &b, err, sizeof(err));
	sets[1] = b;
	CHECK_EQ(bw_list_sync(fd, sets, ids, 2, &res, err, sizeof(err)), 0);
	CHECK(lookup_owner(fd, "198.51.100.0/24") >= 0);

	/* list 1 now empty: its prefixes go, the manual entry stays */
	bw_prefix_set_free(&a);
	sets[0] = a;
	CHECK_EQ(bw_list_sync(fd, sets, ids, 2, &res, err, sizeof(err)), 0);
	CHECK_EQ(lookup_owner(fd, "192.0.2.0/28"), -1);
	CHECK_EQ(lookup_owner(fd, "198.51.100.0/24"), -1);
	CHECK_EQ(lookup_owner(fd, "192.0.2.99"), 0);
	CHECK_EQ(lookup_owner(fd, "2001:db8::/32"), 2);
	CHECK_EQ(res.removed, 2);

	bw_prefix_set_free(&b);
	close(fd);
}

int main(void)
{
	RUN(test_parse_formats);
	RUN(test_parse_error_names_line);
	RUN(test_parse_ipset_and_ranges);
	RUN(test_parse_long_line);
	RUN(test_missing_file);
	RUN(test_sync_real_map);
	return CHECK_EXIT();
}
