// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scalable list tables (user/ltable.c + the lookup in bpf/botwall.bpf.c)
 * through BPF_PROG_TEST_RUN: table-driven verdicts and match masks, a
 * randomized comparison against the userspace reference, the per-list
 * counters, a refused build keeping the old generation, and generation
 * flips under concurrent traffic with zero wrong verdicts.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <pthread.h>
#include <unistd.h>

#include "addr.h"
#include "botwall.skel.h"
#include "bpf_test.h"
#include "check.h"
#include "ltable.h"
#include "maps.h"

static struct botwall_bpf *skel;
static int prog_fd;
static struct bw_ltable_fds fds;

#define GET_REQ "GET / HTTP/1.1\r\nHost: shop.test\r\n\r\n"

/* Ethernet + IPv4/IPv6 + TCP to port 80 with an HTTP GET from src. */
static size_t build_aligned(__u8 *buf, const struct bw_addr *src);

/* Builds where the IP header is 4-byte aligned (as a NIC's NET_IP_ALIGN
 * does; UBSan checks it), then copies out. */
static size_t build(__u8 *buf, const struct bw_addr *src)
{
	static __thread __u8 scratch[1024 + 2] __attribute__((aligned(8)));
	size_t n = build_aligned(scratch + 2, src);

	memcpy(buf, scratch + 2, n);
	return n;
}

static size_t build_aligned(__u8 *buf, const struct bw_addr *src)
{
	size_t plen = strlen(GET_REQ), off = sizeof(struct ethhdr);
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct tcphdr *th;

	memset(buf, 0, 256);
	if (bw_addr_is_v4(src)) {
		struct iphdr *ip = (struct iphdr *)(buf + off);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->tot_len = htons((__u16)(20 + 20 + plen));
		memcpy(&ip->saddr, &src->b[12], 4);
		inet_pton(AF_INET, "192.0.2.10", &ip->daddr);
		off += 20;
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(buf + off);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->hop_limit = 64;
		ip6->nexthdr = IPPROTO_TCP;
		ip6->payload_len = htons((__u16)(20 + plen));
		memcpy(&ip6->saddr, src->b, 16);
		inet_pton(AF_INET6, "2001:db8::10", &ip6->daddr);
		off += 40;
	}
	th = (struct tcphdr *)(buf + off);
	th->source = htons(40000);
	th->dest = htons(80);
	th->doff = 5;
	th->ack = th->psh = 1;
	off += 20;
	memcpy(buf + off, GET_REQ, plen);
	return off + plen;
}

static int run_addr(const struct bw_addr *a)
{
	__u8 buf[256];
	size_t len = build(buf, a);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (__u32)len, .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -1;
	return (int)o.retval;
}

static struct bw_test_samples smp;

static void set_add(struct bw_prefix_set *s, const char *p)
{
	struct bw_lpm_key k;
	char err[128];

	if (bw_parse_prefix(p, &k, err, sizeof(err)) || bw_prefix_set_add(s, &k))
		printf("  bad prefix %s\n", p);
}

static __u32 gen_now(void)
{
	struct bw_lstate ls = {};
	__u32 zero = 0;

	bpf_map_lookup_elem(fds.lstate, &zero, &ls);
	return ls.gen;
}

static __u32 lstate_flags(void)
{
	struct bw_lstate ls = {};
	__u32 zero = 0;

	bpf_map_lookup_elem(fds.lstate, &zero, &ls);
	return ls.flags;
}

/* ---- fixed lists ---- */

static struct bw_prefix_set s_drop, s_tor, s_good, s_host;
static struct bw_list_def defs[4];

static void fixed_lists(void)
{
	static const char *drop[] = { "198.51.100.0/24", "203.0.113.128/25", "203.0.113.9",
				      "2001:db8:bad::/48", "2001:db8::66", "2001:dc0::/28",
				      "2001:de9:7::/48" };
	static const char *tor[] = { "198.51.100.7", "203.0.113.130/31", "203.0.113.200",
				     "2001:db8:bad:1::/64", "2001:db8:5::1", "2001:dea::1:2" };
	static const char *good[] = { "192.0.2.0/28", "2001:db8:600d::/48" };
	static const char *host[] = { "192.0.2.0/24", "203.0.113.0/24", "2001:db8:5::/48",
				      "2001:de9::/32" };

	for (size_t i = 0; i < sizeof(drop) / sizeof(*drop); i++) set_add(&s_drop, drop[i]);
	for (size_t i = 0; i < sizeof(tor) / sizeof(*tor); i++) set_add(&s_tor, tor[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) set_add(&s_good, good[i]);
	for (size_t i = 0; i < sizeof(host) / sizeof(*host); i++) set_add(&s_host, host[i]);
	defs[0] = (struct bw_list_def){ .id = 0, .name = "spamhaus", .category = BW_LCAT_BLOCKLIST,
					.action = BW_LACT_DROP, .set = &s_drop };
	defs[1] = (struct bw_list_def){ .id = 1, .name = "tor", .category = BW_LCAT_TOR,
					.action = BW_LACT_MONITOR, .set = &s_tor };
	defs[2] = (struct bw_list_def){ .id = 7, .name = "goodbots", .category = BW_LCAT_GOOD_BOT_RANGES,
					.action = BW_LACT_ALLOW, .set = &s_good };
	defs[3] = (struct bw_list_def){ .id = 63, .name = "hosting", .category = BW_LCAT_HOSTING,
					.action = BW_LACT_RATE_LIMIT, .set = &s_host };
}

static int apply(const struct bw_list_def *d, size_t n)
{
	struct bw_ltable_stats st;
	char err[256];

	if (bw_ltable_apply(&fds, d, n, &st, err, sizeof(err))) {
		printf("  apply: %s\n", err);
		return -1;
	}
	return 0;
}

/* One address through the program: its verdict, the userspace reference's
 * mask, and the mask in its sample event (port 80 GET; allowed sources are
 * not sampled). */
static void check_addr(const struct bw_list_def *d, size_t n, const char *addr, int verdict,
		       __u64 mask)
{
	struct bw_addr a;
	char err[64];
	__u8 act;
	int v;

	if (bw_parse_addr(addr, &a, err, sizeof(err))) {
		printf("  %s: %s\n", addr, err);
		CHECK(0);
		return;
	}
	bw_test_drain(&smp);
	v = run_addr(&a);
	ring_buffer__consume(smp.rb);
	if (v != verdict)
		printf("  %s: verdict %d, want %d\n", addr, v, verdict);
	CHECK_EQ(v, verdict);
	/* The userspace reference agrees with the table. */
	CHECK_EQ(bw_ltable_ref_lookup(d, n, &a, &act), mask);
	if (v == XDP_PASS && act != BW_LACT_ALLOW) {
		CHECK_EQ(smp.n, 1);
		if (smp.last.list_mask != mask)
			printf("  %s: sample mask %llx, want %llx\n", addr,
			       (unsigned long long)smp.last.list_mask, (unsigned long long)mask);
		CHECK_EQ(smp.last.list_mask, mask);
	}
}

static void test_table_verdicts_and_masks(void)
{
	static const struct { const char *addr; int verdict; __u64 mask; } t[] = {
		{ "198.51.100.1",   XDP_DROP, 1ull << 0 },
		{ "198.51.100.7",   XDP_DROP, 1ull << 0 | 1ull << 1 },   /* drop beats monitor */
		{ "203.0.113.9",    XDP_DROP, 1ull << 0 | 1ull << 63 },  /* /32 inside hosting /24 */
		{ "203.0.113.10",   XDP_PASS, 1ull << 63 },
		{ "203.0.113.129",  XDP_DROP, 1ull << 0 | 1ull << 63 },  /* /25 group */
		{ "203.0.113.130",  XDP_DROP, 1ull << 0 | 1ull << 1 | 1ull << 63 },
		{ "203.0.113.127",  XDP_PASS, 1ull << 63 },              /* just below the /25 */
		{ "203.0.113.200",  XDP_DROP, 1ull << 0 | 1ull << 1 | 1ull << 63 }, /* /32 in a group /24 */
		{ "192.0.2.5",      XDP_PASS, 1ull << 7 | 1ull << 63 },  /* allow wins */
		{ "192.0.2.77",     XDP_PASS, 1ull << 63 },
		{ "192.0.2.255",    XDP_PASS, 1ull << 63 },
		{ "198.51.101.1",   XDP_PASS, 0 },
		{ "2001:db8:bad::1",       XDP_DROP, 1ull << 0 },
		{ "2001:db8:bad:1::9",     XDP_DROP, 1ull << 0 | 1ull << 1 },
		{ "2001:db8::66",          XDP_DROP, 1ull << 0 },
		{ "2001:db8::67",          XDP_PASS, 0 },
		{ "2001:dc5:1::1",         XDP_DROP, 1ull << 0 },         /* /28 expanded to buckets */
		{ "2001:db8:600d:1::2",    XDP_PASS, 1ull << 7 },
		{ "2001:db8:5::1",         XDP_PASS, 1ull << 1 | 1ull << 63 },
		{ "2001:db8:5::2",         XDP_PASS, 1ull << 63 },
		{ "2001:db8:6::2",         XDP_PASS, 0 },
		{ "2001:db9::1",           XDP_PASS, 0 },
		/* A /32 with a single longer prefix keeps it in its bucket. */
		{ "2001:de9:7::1",         XDP_DROP, 1ull << 0 | 1ull << 63 },
		{ "2001:de9:7:ffff::1",    XDP_DROP, 1ull << 0 | 1ull << 63 },
		{ "2001:de9:6:ffff::1",    XDP_PASS, 1ull << 63 },         /* same /32, outside */
		{ "2001:de9:8::1",         XDP_PASS, 1ull << 63 },
		{ "2001:dea::1:2",         XDP_PASS, 1ull << 1 },          /* lone /128 */
		{ "2001:dea::1:3",         XDP_PASS, 0 },
		{ "2001:dea:0:1::1:2",     XDP_PASS, 0 },
	};

	CHECK_EQ(apply(defs, 4), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		check_addr(defs, 4, t[i].addr, t[i].verdict, t[i].mask);
}

/* A crowded /32 with prefixes >= /48 is split into /48 buckets: the /48
 * prefix itself, a lone longer prefix, two under one /48 (bitmap), covers
 * of /33-/47 (in the /48 bucket's class, and probed for a /48 without a
 * bucket), each with and without the prefix filter. */
static void test_v6_split_48(void)
{
	static const struct { const char *addr; int verdict; __u64 mask; } t[] = {
		{ "2001:db8:9::1",         XDP_PASS, 1ull << 0 },           /* no /48 bucket */
		{ "2001:db8:1::5",         XDP_DROP, 1ull << 0 | 1ull << 1 },  /* the /48 */
		{ "2001:db8:1:1::5",       XDP_PASS, 0xfull & ~(1ull << 3) }, /* lone /64: allow */
		{ "2001:db8:1:2::5",       XDP_DROP, 1ull << 0 | 1ull << 1 },
		{ "2001:db8:2:5::9",       XDP_DROP, 1ull << 0 | 1ull << 1 },  /* bitmap */
		{ "2001:db8:2:6::9",       XDP_DROP, 1ull << 0 | 1ull << 1 },
		{ "2001:db8:2:7::9",       XDP_PASS, 1ull << 0 },
		{ "2001:db8:3:0:1::1",     XDP_DROP, 1ull << 0 | 1ull << 1 },  /* lone /128 */
		{ "2001:db8:3:0:1::2",     XDP_PASS, 1ull << 0 },
		{ "2001:db8:100:7::1",     XDP_DROP, 1ull << 0 | 1ull << 1 | 1ull << 3 },
		{ "2001:db8:100:7:1::1",   XDP_DROP, 1ull << 0 | 1ull << 1 | 1ull << 3 },
		{ "2001:db8:100:8::1",     XDP_PASS, 1ull << 0 | 1ull << 3 }, /* the /40 */
		{ "2001:db8:1ff::1",       XDP_PASS, 1ull << 0 | 1ull << 3 }, /* /40, no /48 bucket */
		{ "2001:db8:200::1",       XDP_PASS, 1ull << 0 },
		{ "2001:db9::1",           XDP_PASS, 0 },
	};
	static const char *hosting[] = { "2001:db8::/32" };
	static const char *block[] = { "2001:db8:1::/48", "2001:db8:2:5::/64", "2001:db8:2:6::/64",
				       "2001:db8:3:0:1::1", "2001:db8:100:7::/64",
				       "2001:db8:100:7:1::/80" };
	static const char *allow[] = { "2001:db8:1:1::/64" };
	static const char *custom[] = { "2001:db8:100::/40" };
	struct bw_prefix_set s[4] = {};
	struct bw_list_def d[4];
	struct bw_ltable_stats st;
	char err[256];

	for (size_t i = 0; i < 1; i++) set_add(&s[0], hosting[i]);
	for (size_t i = 0; i < sizeof(block) / sizeof(*block); i++) set_add(&s[1], block[i]);
	set_add(&s[2], allow[0]);
	set_add(&s[3], custom[0]);
	d[0] = (struct bw_list_def){ .id = 0, .name = "hosting", .action = BW_LACT_MONITOR, .set = &s[0] };
	d[1] = (struct bw_list_def){ .id = 1, .name = "block", .action = BW_LACT_DROP, .set = &s[1] };
	d[2] = (struct bw_list_def){ .id = 2, .name = "allow", .action = BW_LACT_ALLOW, .set = &s[2] };
	d[3] = (struct bw_list_def){ .id = 3, .name = "custom", .action = BW_LACT_MONITOR, .set = &s[3] };
	CHECK_EQ(bw_ltable_apply(&fds, d, 4, &st, err, sizeof(err)), 0);
	CHECK_EQ(st.v6_split, 1);
	CHECK_EQ(st.v6_sub, 4);        /* 2001:db8:1, :2, :3 and :100 */
	CHECK_EQ(st.v6_sub_one, 2);    /* :1 (its /64) and :3 (its /128) */
	CHECK_EQ(st.v6_long, 5);       /* the /40, both /64s of :2, :100's /64 and /80 */
	CHECK(lstate_flags() & BW_LS_F_V6PBF0 << gen_now());
	CHECK(lstate_flags() & BW_LS_F_V6SUB0 << gen_now());
	CHECK(lstate_flags() & BW_LS_F_V6SPF0 << gen_now());
	/* Eight ways to the same answers: the /48 looked up first or after
	 * its /32 (an older daemon's tables), with the prefix filter and the
	 * split-/32 filter each trusted or not (read directly instead). */
	for (int way = 0; way < 8; way++) {
		__u32 g = gen_now(), pbf = BW_LS_F_V6PBF0 << g, sub = BW_LS_F_V6SUB0 << g;
		__u32 spf = BW_LS_F_V6SPF0 << g;
		__u32 off = (way & 1 ? pbf : 0) | (way & 2 ? sub : 0) | (way & 4 ? spf : 0);

		CHECK_EQ(bw_lstate_flags(fds.lstate, (pbf | sub | spf) & ~off, off), 0);
		for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
			check_addr(d, 4, t[i].addr, t[i].verdict, t[i].mask);
	}
	/* The split-/32 filter is consulted: with its half zeroed and still
	 * trusted, a source decided by its /48 bucket gets the /32's answer. */
	{
		static __u64 zeros[BW_V6SPF_WORDS];
		static __u32 keys[BW_V6SPF_WORDS];
		__u32 g = gen_now(), n = BW_V6SPF_WORDS;
		struct bw_addr a;

		CHECK_EQ(bw_lstate_flags(fds.lstate, (BW_LS_F_V6PBF0 | BW_LS_F_V6SUB0 |
						      BW_LS_F_V6SPF0) << g, 0), 0);
		bw_parse_addr("2001:db8:1::5", &a, err, sizeof(err));
		CHECK_EQ(run_addr(&a), XDP_DROP);
		for (__u32 w = 0; w < BW_V6SPF_WORDS; w++)
			keys[w] = g * BW_V6SPF_WORDS + w;
		CHECK_EQ(bpf_map_update_batch(fds.v6spf, keys, zeros, &n, NULL), 0);
		CHECK_EQ(run_addr(&a), XDP_PASS);        /* the /48 bucket never read */
		CHECK_EQ(bw_lstate_flags(fds.lstate, 0, BW_LS_F_V6SPF0 << g), 0);
		CHECK_EQ(run_addr(&a), XDP_DROP);        /* untrusted: /48 looked up */
		bw_test_drain(&smp);
	}
	CHECK(st.v6_sub_first);        /* 7 of the 9 prefixes are in /48 buckets */
	/* Ten more prefixes, each alone in its /32: most listed sources now
	 * end in a /32 bucket, so the /48 is looked up after it again. */
	for (int i = 0; i < 10; i++) {
		char p[32];

		snprintf(p, sizeof(p), "3fff:%x:1::/64", i);
		set_add(&s[0], p);
	}
	CHECK_EQ(bw_ltable_apply(&fds, d, 4, &st, err, sizeof(err)), 0);
	CHECK(!st.v6_sub_first);
	CHECK(!(lstate_flags() & BW_LS_F_V6SUB0 << gen_now()));
	CHECK(lstate_flags() & BW_LS_F_V6SPF0 << gen_now());   /* still split /32s */
	CHECK_EQ(st.v6_sub, 4);
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		check_addr(d, 4, t[i].addr, t[i].verdict, t[i].mask);
	for (int i = 0; i < 4; i++)
		bw_prefix_set_free(&s[i]);
	bw_test_drain(&smp);
}

static void test_list_counters(void)
{
	struct bw_list_counter before[BW_LISTS_MAX], after[BW_LISTS_MAX];
	int fd = bpf_map__fd(skel->maps.bw_lstats);
	struct bw_addr a;
	char err[64];

	CHECK_EQ(apply(defs, 4), 0);
	bw_read_list_counters(fd, before);
	bw_parse_addr("203.0.113.130", &a, err, sizeof(err));   /* lists 0, 1, 63: dropped */
	run_addr(&a);
	bw_parse_addr("2001:db8:5::1", &a, err, sizeof(err));   /* lists 1, 63: passed */
	run_addr(&a);
	/* One list each (counted inline, not by bw_count_lists). */
	bw_parse_addr("198.51.100.9", &a, err, sizeof(err));    /* list 0: dropped */
	run_addr(&a);
	bw_parse_addr("2001:dea::1:2", &a, err, sizeof(err));   /* list 1: passed */
	run_addr(&a);
	bw_parse_addr("2001:de9:1::1", &a, err, sizeof(err));   /* list 63: passed */
	run_addr(&a);
	bw_test_drain(&smp);
	bw_read_list_counters(fd, after);
	CHECK_EQ(after[0].hits - before[0].hits, 2);
	CHECK_EQ(after[0].drops - before[0].drops, 2);
	CHECK_EQ(after[1].hits - before[1].hits, 3);
	CHECK_EQ(after[1].drops - before[1].drops, 1);
	CHECK_EQ(after[63].hits - before[63].hits, 3);
	CHECK_EQ(after[63].drops - before[63].drops, 1);
	CHECK_EQ(after[7].hits - before[7].hits, 0);
}

static void test_refused_build_keeps_old(void)
{
	struct bw_prefix_set bad = {};
	struct bw_list_def d[5];
	struct bw_ltable_stats st;
	struct bw_addr a;
	char err[256];
	__u32 g;

	CHECK_EQ(apply(defs, 4), 0);
	g = gen_now();
	memcpy(d, defs, sizeof(defs));
	set_add(&bad, "2001:d00::/8");           /* shorter than BW_V6_SHORTEST */
	d[4] = (struct bw_list_def){ .id = 9, .name = "huge", .action = BW_LACT_DROP, .set = &bad };
	CHECK(bw_ltable_apply(&fds, d, 5, &st, err, sizeof(err)) != 0);
	CHECK(strstr(err, "huge") != NULL);
	CHECK_EQ(gen_now(), g);
	d[4].id = 0;                             /* duplicate id */
	CHECK(bw_ltable_apply(&fds, d, 5, &st, err, sizeof(err)) != 0);
	CHECK_EQ(gen_now(), g);
	bw_parse_addr("198.51.100.1", &a, err, sizeof(err));
	CHECK_EQ(run_addr(&a), XDP_DROP);
	bw_test_drain(&smp);
	bw_prefix_set_free(&bad);
}

static void test_release_old_generation(void)
{
	struct bw_addr a;
	char err[256];
	__u32 old, id;

	CHECK_EQ(apply(defs, 4), 0);
	CHECK_EQ(apply(defs, 4), 0);     /* both generations populated */
	old = gen_now() ^ 1;
	CHECK_EQ(bpf_map_lookup_elem(fds.v4t24, &old, &id), 0);
	CHECK_EQ(bw_ltable_release_old(&fds, err, sizeof(err)), 0);
	CHECK(bpf_map_lookup_elem(fds.v4t24, &old, &id) != 0);
	CHECK(bpf_map_lookup_elem(fds.v6pfx, &old, &id) != 0);
	old ^= 1;                        /* the one in force is untouched */
	CHECK_EQ(bpf_map_lookup_elem(fds.v4t24, &old, &id), 0);
	bw_parse_addr("203.0.113.9", &a, err, sizeof(err));
	CHECK_EQ(run_addr(&a), XDP_DROP);
	bw_parse_addr("2001:db8:bad:1::9", &a, err, sizeof(err));
	CHECK_EQ(run_addr(&a), XDP_DROP);
	bw_parse_addr("192.0.2.77", &a, err, sizeof(err));
	CHECK_EQ(run_addr(&a), XDP_PASS);
	bw_test_drain(&smp);
}

/* The IPv6 prefix filter is consulted, and only when its generation's
 * trust flag is set (a pin dir from a version without the filter). */
static void test_v6_prefix_filter(void)
{
	static __u64 zeros[BW_V6PBF_WORDS];
	static __u32 keys[BW_V6PBF_WORDS];
	__u32 gen, w, n = BW_V6PBF_WORDS;
	struct bw_addr a;
	char err[256];

	CHECK_EQ(apply(defs, 4), 0);
	gen = gen_now();
	/* 2001:db8::/32 holds several longer prefixes: probed behind the filter. */
	bw_parse_addr("2001:db8:bad:1::9", &a, err, sizeof(err));
	CHECK_EQ(run_addr(&a), XDP_DROP);
	CHECK(gen_now() == gen && (lstate_flags() & BW_LS_F_V6PBF0 << gen));
	for (w = 0; w < BW_V6PBF_WORDS; w++)
		keys[w] = gen * BW_V6PBF_WORDS + w;
	CHECK_EQ(bpf_map_update_batch(fds.v6pbf, keys, zeros, &n, NULL), 0);
	CHECK_EQ(run_addr(&a), XDP_PASS);       /* every probe filtered out */
	CHECK_EQ(bw_lstate_flags(fds.lstate, 0, BW_LS_F_V6PBF0 << gen), 0);
	CHECK_EQ(run_addr(&a), XDP_DROP);       /* untrusted: probed directly */
	CHECK_EQ(apply(defs, 4), 0);            /* the other half, written whole */
	CHECK(gen_now() != gen);
	CHECK(lstate_flags() & BW_LS_F_V6PBF0 << gen_now());
	CHECK_EQ(run_addr(&a), XDP_DROP);
	/* Lists without a crowded /32 have no prefix table: no filter either. */
	CHECK_EQ(apply(&defs[2], 1), 0);
	CHECK(!(lstate_flags() & BW_LS_F_V6PBF0 << gen_now()));
	bw_parse_addr("2001:db8:600d:1::2", &a, err, sizeof(err));
	CHECK_EQ(run_addr(&a), XDP_PASS);
	bw_parse_addr("2001:db8:bad:1::9", &a, err, sizeof(err));
	CHECK_EQ(run_addr(&a), XDP_PASS);
	bw_test_drain(&smp);
}

/* ---- randomized: table vs reference ---- */

static __u32 rnd_state = 12345;
static __u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void rand_prefix(struct bw_lpm_key *k, bool v4, unsigned int v6min)
{
	memset(k, 0, sizeof(*k));
	if (v4) {
		/* Crowd 198.51.96.0/20 so prefixes overlap a lot. */
		__u32 ip = 0xC6336000u | (rnd() & 0xfff), len = 16 + rnd() % 17;

		k->addr[10] = k->addr[11] = 0xff;
		ip &= len ? ~0u << (32 - len) : 0;
		k->addr[12] = ip >> 24; k->addr[13] = ip >> 16; k->addr[14] = ip >> 8; k->addr[15] = ip;
		k->prefixlen = 96 + len;
	} else {
		static const unsigned int lens[] = { 20, 28, 32, 40, 48, 56, 64, 64, 96, 127, 128, 128 };
		unsigned int len = lens[rnd() % 12];

		if (len < v6min)
			len = v6min;

		k->addr[0] = 0x20; k->addr[1] = 0x01; k->addr[2] = 0x0d; k->addr[3] = 0xb8 + (rnd() & 1);
		k->addr[4] = rnd() & 3; k->addr[5] = rnd() & 1;
		k->addr[6] = rnd() & 1; k->addr[7] = rnd() & 3;
		k->addr[15] = rnd() & 3;
		if (len < 32) {
			k->addr[2] = 0x0d; k->addr[3] = 0xb8;
		}
		for (unsigned int i = 0; i < 16; i++) {
			unsigned int keep = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;

			k->addr[i] &= (__u8)(0xff00 >> keep);
		}
		k->prefixlen = len;
	}
}

static void test_random_vs_reference(void)
{
	struct bw_prefix_set sets[5] = {};
	struct bw_list_def d[5];
	static const __u8 acts[5] = { BW_LACT_DROP, BW_LACT_MONITOR, BW_LACT_RATE_LIMIT,
				      BW_LACT_DROP, BW_LACT_ALLOW };
	int wrong = 0, drops = 0;

	for (int l = 0; l < 5; l++) {
		for (int i = 0; i < (l == 4 ? 30 : 600); i++) {
			struct bw_lpm_key k;

			/* short IPv6 prefixes cover the whole test space:
			 * only in the drop lists */
			rand_prefix(&k, rnd() & 1, l == 0 ? 0 : 40);
			bw_prefix_set_add(&sets[l], &k);
		}
		bw_prefix_set_finish(&sets[l]);
		d[l] = (struct bw_list_def){ .id = (__u32)(l * 13), .action = acts[l], .set = &sets[l] };
		snprintf(d[l].name, sizeof(d[l].name), "rand%d", l);
	}
	CHECK_EQ(apply(d, 5), 0);
	for (int q = 0; q < 20000; q++) {
		struct bw_lpm_key k;
		struct bw_addr a;
		__u8 act;
		__u64 mask;
		int v, want;

		rand_prefix(&k, rnd() & 1, 40);
		memcpy(a.b, k.addr, 16);
		/* random host bits below the prefix */
		for (unsigned int i = k.prefixlen / 8; i < 16; i++)
			if (!(bw_addr_is_v4(&a) && i < 12))
				a.b[i] |= (__u8)(rnd() & (i == k.prefixlen / 8 ? 0xff >> (k.prefixlen % 8) : 0xff));
		mask = bw_ltable_ref_lookup(d, 5, &a, &act);
		want = act == BW_LACT_DROP ? XDP_DROP : XDP_PASS;
		smp.n = 0;
		v = run_addr(&a);
		ring_buffer__consume(smp.rb);
		if (v == XDP_DROP)
			drops++;
		if (v != want || (v == XDP_PASS && act != BW_LACT_ALLOW &&
				  (smp.n != 1 || smp.last.list_mask != mask))) {
			if (wrong++ < 5) {
				char s[BW_PREFIX_STRLEN];

				bw_format_addr(&a, s, sizeof(s));
				printf("  %s: verdict %d want %d, mask %llx want %llx\n", s, v, want,
				       (unsigned long long)smp.last.list_mask, (unsigned long long)mask);
			}
		}
	}
	CHECK_EQ(wrong, 0);
	printf("  20000 lookups, %d dropped\n", drops);
	CHECK(drops > 1000 && drops < 19000);   /* both paths exercised */
	for (int l = 0; l < 5; l++)
		bw_prefix_set_free(&sets[l]);
}

/* 3000 listed hosts in one /20 (buckets overflow into their h2 choice):
 * every listed host drops, every other address of the /20 passes. */
static void test_many_hosts(void)
{
	static __u8 listed[4096];
	struct bw_prefix_set hs = {};
	struct bw_list_def d = { .id = 4, .name = "hosts", .action = BW_LACT_DROP, .set = &hs };
	int wrong = 0;

	memset(listed, 0, sizeof(listed));
	for (int i = 0; i < 3000; i++) {
		__u32 x = rnd() & 4095;
		struct bw_lpm_key k = { .prefixlen = 128 };

		listed[x] = 1;
		k.addr[10] = k.addr[11] = 0xff;
		k.addr[12] = 198; k.addr[13] = 51; k.addr[14] = (__u8)(96 + (x >> 8)); k.addr[15] = (__u8)x;
		bw_prefix_set_add(&hs, &k);
	}
	bw_prefix_set_finish(&hs);
	CHECK_EQ(apply(&d, 1), 0);
	for (__u32 x = 0; x < 4096; x++) {
		struct bw_addr a = {};
		int v;

		a.b[10] = a.b[11] = 0xff;
		a.b[12] = 198; a.b[13] = 51; a.b[14] = (__u8)(96 + (x >> 8)); a.b[15] = (__u8)x;
		v = run_addr(&a);
		if (v != (listed[x] ? XDP_DROP : XDP_PASS) && wrong++ < 5)
			printf("  198.51.%u.%u: verdict %d\n", 96 + (x >> 8), x & 255, v);
		if ((x & 255) == 255)
			bw_test_drain(&smp);
	}
	CHECK_EQ(wrong, 0);
	bw_prefix_set_free(&hs);
}

/* 12 hosts (-> 2 buckets at the 85 % target load) whose first-choice
 * bucket is 0 and second 1:
 * 4 must go to bucket 1, and the datapath must follow the overflow flag. */
static void test_host_bucket_overflow(void)
{
	struct bw_prefix_set hs = {};
	struct bw_list_def d = { .id = 4, .name = "collide", .action = BW_LACT_DROP, .set = &hs };
	__u32 ips[12], n = 0, id, zero = 0, gen;
	struct bw_lstate ls;
	int inner, overflowed = 0;

	for (__u32 ip = 0xC6336000u; n < 12 && ip < 0xC6337000u; ip++)
		if ((BW_HOST_HASH(ip, BW_HOST_K1) & 1) == 0 && (BW_HOST_HASH(ip, BW_HOST_K2) & 1) == 1)
			ips[n++] = ip;
	CHECK_EQ(n, 12);
	for (__u32 i = 0; i < n; i++) {
		struct bw_lpm_key k = { .prefixlen = 128 };

		k.addr[10] = k.addr[11] = 0xff;
		k.addr[12] = ips[i] >> 24; k.addr[13] = ips[i] >> 16; k.addr[14] = ips[i] >> 8; k.addr[15] = ips[i];
		bw_prefix_set_add(&hs, &k);
	}
	CHECK_EQ(apply(&d, 1), 0);
	bpf_map_lookup_elem(fds.lstate, &zero, &ls);
	gen = ls.gen;
	CHECK_EQ(ls.host_mask[gen], 1);
	bpf_map_lookup_elem(fds.v4host, &gen, &id);
	inner = bpf_map_get_fd_by_id(id);
	for (__u32 b = 0; inner >= 0 && b < 2; b++) {
		struct bw_host_bucket bk;

		if (!bpf_map_lookup_elem(inner, &b, &bk) && (bk.s[0] & BW_HS_OVERFLOW))
			overflowed++;
	}
	if (inner >= 0)
		close(inner);
	CHECK_EQ(overflowed, 1);
	for (__u32 i = 0; i < n; i++) {
		struct bw_addr a = {};

		a.b[10] = a.b[11] = 0xff;
		a.b[12] = ips[i] >> 24; a.b[13] = ips[i] >> 16; a.b[14] = ips[i] >> 8; a.b[15] = ips[i];
		CHECK_EQ(run_addr(&a), XDP_DROP);
		a.b[15] ^= 1;   /* a neighbour (not in the list unless it collides too) */
		if (!bw_ltable_ref_lookup(&d, 1, &a, &(__u8){0}))
			CHECK_EQ(run_addr(&a), XDP_PASS);
	}
	bw_test_drain(&smp);
	bw_prefix_set_free(&hs);
}

/* ---- atomic reload under traffic ---- */

struct replay {
	volatile int stop;
	long runs, wrong;
	struct bw_addr listed[4], unlisted[4];
};

static void *replay_thread(void *arg)
{
	struct replay *r = arg;
	__u8 pk[8][256];
	size_t len[8];

	for (int i = 0; i < 4; i++) {
		len[i] = build(pk[i], &r->listed[i]);
		len[4 + i] = build(pk[4 + i], &r->unlisted[i]);
	}
	while (!r->stop) {
		for (int i = 0; i < 8; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pk[i],
				    .data_size_in = (__u32)len[i], .repeat = 16);

			if (bpf_prog_test_run_opts(prog_fd, &o)) {
				r->wrong++;
				continue;
			}
			r->runs += 16;
			/* repeat=16 returns the last run's verdict; every run
			 * counts in the per-list drop counter checked below. */
			if ((int)o.retval != (i < 4 ? XDP_DROP : XDP_PASS))
				r->wrong++;
		}
	}
	return NULL;
}

static void test_atomic_reload_under_traffic(void)
{
	struct bw_prefix_set a = {}, b = {}, keep = {};
	struct bw_list_def da[2], db[2];
	struct bw_list_counter c0[BW_LISTS_MAX], c1[BW_LISTS_MAX];
	static struct bw_counter k0[BW_CNT__MAX], k1[BW_CNT__MAX];
	struct replay r = {};
	pthread_t th;
	char err[64];
	int flips = 0;

	/* Both versions hold the listed sources; they differ in 20k other
	 * prefixes so every flip installs really different tables. */
	static const char *listed[] = { "198.51.100.9", "203.0.113.77", "2001:db8:bad::5", "2001:db8:77::1" };
	static const char *unlisted[] = { "192.0.2.9", "203.0.112.77", "2001:db8:bae::5", "2001:db8:78::1" };
	set_add(&keep, "198.51.100.0/24");
	set_add(&keep, "203.0.113.77");
	set_add(&keep, "2001:db8:bad::/48");
	set_add(&keep, "2001:db8:77::1");
	for (int i = 0; i < 4; i++) {
		bw_parse_addr(listed[i], &r.listed[i], err, sizeof(err));
		bw_parse_addr(unlisted[i], &r.unlisted[i], err, sizeof(err));
	}
	for (__u32 i = 0; i < 20000; i++) {
		struct bw_lpm_key k = { .prefixlen = 128 };

		/* 100.64.0.0/10 style space far from the tested sources */
		k.addr[10] = k.addr[11] = 0xff;
		k.addr[12] = 100; k.addr[13] = 64 + (i >> 14); k.addr[14] = (__u8)(i >> 6); k.addr[15] = (__u8)i;
		bw_prefix_set_add(&a, &k);
		k.addr[12] = 100; k.addr[13] = 100 + (i >> 14);
		k.prefixlen = 120;
		k.addr[15] = 0;
		bw_prefix_set_add(&b, &k);
	}
	da[0] = (struct bw_list_def){ .id = 2, .name = "keep", .action = BW_LACT_DROP, .set = &keep };
	da[1] = (struct bw_list_def){ .id = 3, .name = "churn", .action = BW_LACT_DROP, .set = &a };
	db[0] = da[0];
	db[1] = da[1];
	db[1].set = &b;

	CHECK_EQ(apply(da, 2), 0);
	bw_read_list_counters(bpf_map__fd(skel->maps.bw_lstats), c0);
	bw_read_counters(bpf_map__fd(skel->maps.bw_counters), k0);
	pthread_create(&th, NULL, replay_thread, &r);
	for (int i = 0; i < 30; i++)
		if (apply(i & 1 ? da : db, 2) == 0)
			flips++;
	r.stop = 1;
	pthread_join(th, NULL);
	bw_test_drain(&smp);
	bw_read_list_counters(bpf_map__fd(skel->maps.bw_lstats), c1);
	bw_read_counters(bpf_map__fd(skel->maps.bw_counters), k1);
	printf("  %d flips, %ld packets replayed, %ld wrong\n", flips, r.runs, r.wrong);
	CHECK_EQ(flips, 30);
	CHECK_EQ(r.wrong, 0);
	CHECK(r.runs > 0);
	/* Every listed packet of every run was dropped by the kept list. */
	CHECK_EQ((long)(c1[2].drops - c0[2].drops), r.runs / 2);
	/* ... and nothing else was dropped: no unlisted source, ever. */
	CHECK_EQ((long)(k1[BW_CNT_DROP_BLOCKLIST].packets - k0[BW_CNT_DROP_BLOCKLIST].packets), r.runs / 2);
	CHECK_EQ((long)(k1[BW_CNT_RX].packets - k0[BW_CNT_RX].packets), r.runs);
	bw_prefix_set_free(&a);
	bw_prefix_set_free(&b);
	bw_prefix_set_free(&keep);
}

int main(void)
{
	int skip;
	__u32 zero = 0;
	struct bw_config c = { .http_ports = { 80 }, .sample_cap = 256, .flags = BW_CFG_F_SAMPLING,
				 .sample_share = BW_SHARE_ONE };

	skel = bw_test_load("test_ltable", &skip);
	if (!skel)
		return skip ? 0 : 1;
	prog_fd = bpf_program__fd(skel->progs.botwall_xdp);
	fds = bw_test_ltable_fds(skel);
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &c, BPF_ANY);
	if (bw_test_samples_open(skel, &smp, "ltable"))
		return 1;
	fixed_lists();

	RUN(test_table_verdicts_and_masks);
	RUN(test_list_counters);
	RUN(test_refused_build_keeps_old);
	RUN(test_release_old_generation);
	RUN(test_v6_prefix_filter);
	RUN(test_v6_split_48);
	RUN(test_random_vs_reference);
	RUN(test_many_hosts);
	RUN(test_host_bucket_overflow);
	RUN(test_atomic_reload_under_traffic);

	ring_buffer__free(smp.rb);
	botwall_bpf__destroy(skel);
	return CHECK_EXIT();
}
